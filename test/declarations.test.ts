/**
 * The shipped declarations, as an app sees them: weft is built into a
 * package (its `package.json` and `dist/`), installed beside an app, and the
 * app (test/fixtures/consumer) is compiled with `skipLibCheck` off, strict
 * and `exactOptionalPropertyTypes` on, by TypeScript 5.9 and by TypeScript 7
 * (what `npm install typescript` gives today).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
// Inside the repository, so the package's own dependencies resolve from its node_modules.
const WORK = join(ROOT, 'test-artifacts', 'consumer');
const require = createRequire(import.meta.url);

function tscOf(pkg: 'typescript' | 'typescript7'): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'tsc');
}

function compile(pkg: 'typescript' | 'typescript7'): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [tscOf(pkg), '-p', join(WORK, 'tsconfig.json')], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  rmSync(WORK, { recursive: true, force: true });
  const pkg = join(WORK, 'node_modules', 'weft');
  mkdirSync(pkg, { recursive: true });
  execFileSync(
    process.execPath,
    [tscOf('typescript'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')],
    {
      stdio: 'inherit',
    },
  );
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  // The app's own package scope: without it, 'weft' resolves to the repository itself (its
  // package.json is named weft, and a package may import itself by name), i.e. to a stale dist/.
  writeFileSync(join(WORK, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  cpSync(join(ROOT, 'test', 'fixtures', 'consumer', 'app.ts'), join(WORK, 'app.ts'));
  cpSync(join(ROOT, 'test', 'fixtures', 'consumer', 'tsconfig.json'), join(WORK, 'tsconfig.json'));
}, 120_000);

describe('the shipped declarations', () => {
  for (const pkg of ['typescript', 'typescript7'] as const) {
    const version = (require(`${pkg}/package.json`) as { version: string }).version;

    it(`compile in an app on TypeScript ${version}, skipLibCheck off`, () => {
      const r = compile(pkg);
      expect(r.out).toBe('');
      expect(r.status).toBe(0);
    }, 120_000);

    it(`report a wrong call in that app on TypeScript ${version} (the check is not vacuous)`, () => {
      const bad = join(WORK, 'bad.ts');
      writeFileSync(
        bad,
        [
          "import { get, path, int } from 'weft';",
          "import { client } from 'weft/client';",
          "export const f = path('a', int).map((n: string) => n);",
          "const routes = path('b', int).and(get()).map((n) => ({ n }));",
          "export const g = client<typeof routes>('http://x').b('seven').get();",
          '',
        ].join('\n'),
      );
      const tsconfig = join(WORK, 'tsconfig.bad.json');
      writeFileSync(tsconfig, JSON.stringify({ extends: './tsconfig.json', files: ['bad.ts'] }));
      const r = spawnSync(process.execPath, [tscOf(pkg), '-p', tsconfig], { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(`${r.stdout}`).toContain('bad.ts(3,');
      // The typed client's wrong call is reported too: the routes' shape survives the declarations.
      expect(`${r.stdout}`).toContain('bad.ts(5,');
    }, 120_000);
  }
});
