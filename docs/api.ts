/**
 * Generates the API reference (docs/api/) from the TSDoc comments with TypeDoc and
 * typedoc-plugin-markdown, so VitePress renders it with the guides. The entry points
 * are read from package.json's "exports" (dist/x/index.d.ts → src/x/index.ts), so the
 * reference always covers exactly what a user can import.
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, ReflectionKind } from 'typedoc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'api');

type Exports = Record<string, { types: string }>;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Exports };

/** `./metrics` → `weft/metrics`, with its source file. */
const entries = Object.entries(pkg.exports).map(([subpath, target]) => ({
  name: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
  file: join(root, target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')),
}));

rmSync(out, { recursive: true, force: true });
const app = await Application.bootstrapWithPlugins({
  entryPoints: entries.map((e) => e.file),
  tsconfig: join(root, 'tsconfig.build.json'),
  plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
  out,
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  disableSources: true,
  hideGenerator: true,
  entryFileName: 'index',
  // One page per entry point (weft, weft/test, ...), each symbol a heading in it: a
  // handful of pages that the outline and the local search index by symbol.
  outputFileStrategy: 'modules',
  // Explicit heading anchors: TypeDoc's guess at VitePress's slugs missed one (#replybody-1).
  useHTMLAnchors: true,
  name: 'API reference',
  logLevel: 'Warn',
  // A type error in src/ is tsc's to report (npm test); the reference is still written.
  skipErrorChecking: true,
  // typedoc-vitepress-theme: links and the sidebar file are relative to the docs root.
  docsRoot: join(root, 'docs'),
  sidebar: { autoConfiguration: true, format: 'vitepress', pretty: true, collapsed: true },
} as Parameters<typeof Application.bootstrapWithPlugins>[0]);

const project = await app.convert();
if (!project) throw new Error('TypeDoc could not convert the sources (see the messages above)');
// Name each module by its import specifier ("weft/metrics"), not by its file.
for (const child of project.children ?? []) {
  if (!child.kindOf(ReflectionKind.Module)) continue;
  const entry = entries.find((e) => relative(root, e.file).replace(/\\/g, '/').replace(/^src\//, '').replace(/\/?index\.ts$/, '') === child.name.replace(/\/?index$/, ''));
  if (entry) child.name = entry.name;
}
await app.generateOutputs(project);
if (app.logger.hasErrors()) process.exit(1);
