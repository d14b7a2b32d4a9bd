/**
 * What an application that installs weft gets: a peer zod, and no source maps
 * that point at files the package leaves out. (`npm pack --dry-run` lists the
 * files; these tests hold the settings that decide them.)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  files?: string[];
  type?: string;
  engines?: { node?: string };
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

describe('the published package', () => {
  it('takes zod 4 as a peer dependency, so an app shares its own zod instead of getting a nested copy', () => {
    expect(pkg.peerDependencies?.zod).toBe('^4');
    expect(pkg.dependencies?.zod).toBeUndefined();
    // The repository's own tests still install it.
    expect(pkg.devDependencies?.zod).toMatch(/^\^4\./);
  });

  it('is ESM only and says which Node versions it runs on', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.engines?.node).toBe('>=20');
  });

  it('ships no source map that points at a file the package leaves out', () => {
    const file = join(root, 'tsconfig.build.json');
    const read = ts.readConfigFile(file, (p) => ts.sys.readFile(p));
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, file);
    expect(parsed.errors).toEqual([]);
    const o = parsed.options;
    const shipsSources = (pkg.files ?? []).some((f) => f === 'src' || f.startsWith('src/'));
    const maps = o.sourceMap === true || o.declarationMap === true || o.inlineSourceMap === true;
    // Either no maps, or maps together with the sources they name.
    expect(maps && !shipsSources, 'source maps would point at src/, which the package does not ship').toBe(false);
  });
});
