/**
 * Type-checks every ```ts code block in docs/**\/*.md against weft's own sources.
 *
 * Each block becomes a module of its own (top-level await allowed) under
 * docs/.vitepress/cache/check/, compiled with the project's tsconfig and with
 * `weft`, `weft/test`, `weft/metrics`, `weft/redis` mapped to src/ through `paths`
 * (read from package.json's "exports", so a new entry is picked up by itself).
 * A block opened as ```ts no-check is skipped, but only when its first line is a
 * comment saying why (it shows a compile error on purpose, say). The generated API
 * reference (docs/api/) is TypeDoc's rendering of src/, which tsc already checks.
 *
 * Exit code 1 on any error, each reported as docs/file.md:line.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docs = join(root, 'docs');
const work = join(docs, '.vitepress', 'cache', 'check');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'api', '.vitepress']);

interface Block {
  /** docs-relative markdown file. */
  file: string;
  /** 1-based line of the block's first code line in that file. */
  line: number;
  code: string;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : markdownFiles(full);
    return entry.name.endsWith('.md') ? [full] : [];
  });
}

const problems: string[] = [];
const blocks: Block[] = [];
let skipped = 0;

for (const path of markdownFiles(docs).sort()) {
  const file = relative(root, path);
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, meta] = open as unknown as [string, string, string, string, string];
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence)) end++;
    const body = lines.slice(start, end).map((l) => l.slice(Math.min(indent.length, l.length - l.trimStart().length)));
    i = end;
    const language = lang.replace(/[{:].*$/, '');
    if (language !== 'ts' && language !== 'typescript') continue;
    if (/\bno-check\b/.test(meta)) {
      if (!/^\s*\/\/\s*\S.{9,}/.test(body[0] ?? '')) {
        problems.push(`${file}:${start + 1}: a "no-check" block must say why in a comment on its first line`);
      }
      skipped++;
      continue;
    }
    blocks.push({ file, line: start + 1, code: body.join('\n') });
  }
}

// `paths` from package.json exports: "./metrics" → src/metrics/index.ts.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, { types: string }>;
};
const paths: Record<string, string[]> = {};
for (const [subpath, target] of Object.entries(pkg.exports)) {
  const name = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
  const source = target.types.replace(/^\.\/dist\//, './src/').replace(/\.d\.ts$/, '.ts');
  paths[name] = [relative(work, join(root, source))];
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const fileOf = new Map<string, Block>();
blocks.forEach((block, n) => {
  const name = join(work, `${block.file.replace(/^docs\//, '').replace(/[/.]/g, '_')}_L${block.line}_${n}.ts`);
  // `export {}` makes every block a module, whatever it imports.
  writeFileSync(name, `${block.code}\nexport {};\n`);
  fileOf.set(name, block);
});
writeFileSync(
  join(work, 'tsconfig.json'),
  JSON.stringify({
    extends: relative(work, join(root, 'tsconfig.json')),
    compilerOptions: { noEmit: true, paths, rootDir: relative(work, root), noUnusedLocals: false },
    include: ['./*.ts'],
  }),
);

const config = ts.getParsedCommandLineOfConfigFile(join(work, 'tsconfig.json'), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => problems.push(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
});
if (config) {
  const program = ts.createProgram({ rootNames: [...fileOf.keys()], options: config.options });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    const block = d.file ? fileOf.get(d.file.fileName) : undefined;
    if (d.file && block && d.start !== undefined) {
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      problems.push(`${block.file}:${block.line + line}: TS${d.code}: ${message}`);
    } else if (!d.file) {
      problems.push(`tsconfig: TS${d.code}: ${message}`);
    }
    // Errors inside src/ are tsc's own job in `npm test`; they do not belong to a block.
  }
}

for (const p of problems) console.error(p);
const files = new Set(blocks.map((b) => b.file)).size;
console.log(`docs:check: ${blocks.length} ts blocks in ${files} files type-checked, ${skipped} marked no-check, ${problems.length} error(s)`);
process.exit(problems.length > 0 ? 1 : 0);
