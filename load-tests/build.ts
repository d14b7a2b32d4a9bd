/**
 * What the HTTP benches run: weft as its users get it (the package built by
 * `tsc -p tsconfig.build.json`, imported from `dist/`), and the bench servers
 * as plain JavaScript (bundled by esbuild, run by `node` with no loader), so a
 * bench measures the same process a user starts.
 *
 * Everything lands under one directory holding a `node_modules` link to this
 * tree's, so the servers, every build and zod resolve the same packages.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository (or worktree) this file is in. */
export const repo = join(here, '..');

/** The servers that import weft through `WEFT_DIST`, and their plain peers. */
export const BUNDLED_SERVERS = ['weft-http', 'uws-http', 'node-http', 'fastify-http', 'hono-http'] as const;

/** A scratch root with `node_modules` linked to this tree's. */
export function scratchRoot(prefix = 'weft-bench-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  return root;
}

function tsc(project: string, outDir?: string): void {
  const args = [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project];
  if (outDir) args.push('--outDir', outDir);
  try {
    execFileSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // tsc emits despite type errors (an old tree under today's compiler); only a missing entry is fatal.
    const out = String((err as { stdout?: Buffer }).stdout ?? '').slice(0, 400);
    process.stderr.write(`  tsc -p ${project}: type errors (emitted anyway): ${out}\n`);
  }
}

/** `npm run build` in this tree: `dist/`, the package users import. Returns the dist directory. */
export function buildPackage(): string {
  tsc(join(repo, 'tsconfig.build.json'));
  return join(repo, 'dist');
}

/** The working tree as it is now (uncommitted changes included), built into `root/<name>/dist`. */
export function buildWorkingTree(root: string, name = 'worktree'): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  tsc(join(repo, 'tsconfig.build.json'), join(dir, 'dist'));
  if (!existsSync(join(dir, 'dist', 'index.js'))) throw new Error('the working tree did not build');
  return join(dir, 'dist');
}

/** A git ref's tree, exported into `root/<sha>` and built there. Returns its dist directory. */
export function buildRef(root: string, ref: string): { dist: string; sha: string } {
  const sha = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: repo, encoding: 'utf8' }).trim();
  const dir = join(root, sha);
  if (existsSync(join(dir, 'dist', 'index.js'))) return { dist: join(dir, 'dist'), sha };
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C '${dir}'`], { cwd: repo });
  if (!existsSync(join(dir, 'tsconfig.build.json'))) throw new Error(`${ref} (${sha}) has no tsconfig.build.json`);
  tsc(join(dir, 'tsconfig.build.json'));
  if (!existsSync(join(dir, 'dist', 'index.js'))) throw new Error(`${ref} (${sha}) did not build`);
  return { dist: join(dir, 'dist'), sha };
}

/** Bundle the HTTP bench servers into `root/servers/<name>.mjs` (packages stay imports). */
export async function bundleServers(root: string): Promise<Record<string, string>> {
  const outdir = join(root, 'servers');
  await build({
    entryPoints: BUNDLED_SERVERS.map((s) => join(here, 'servers', `${s}.ts`)),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  return Object.fromEntries(BUNDLED_SERVERS.map((s) => [s, join(outdir, `${s}.mjs`)]));
}

/** A server to start: its script and the env it needs beside the bench's own. */
export interface BuiltServer {
  script: string;
  env: Record<string, string>;
}

/**
 * `npm run build`, and the HTTP bench servers bundled: maps a server name
 * (`weft-http`, `uws-http`...) to its bundle, weft's with `WEFT_DIST` set;
 * any other name (the WebSocket servers) is returned as is, run from source.
 */
export async function builtServers(): Promise<(name: string) => BuiltServer> {
  const dist = buildPackage();
  const bundles: Record<string, string> = await bundleServers(scratchRoot());
  return (name) => {
    const script = bundles[name];
    if (script === undefined) return { script: name, env: {} };
    return { script, env: name === 'weft-http' ? { WEFT_DIST: dist } : {} };
  };
}
