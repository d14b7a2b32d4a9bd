/**
 * The floors of src/: a room (a top-level folder) imports only rooms on the
 * floors below it, type-only imports included, so no two folders import each
 * other and nothing low reaches up into the server. Rooms on one floor do not
 * import each other. Test files are not part of the build and may import
 * anything.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Top to bottom; '.' is `src/index.ts`, the list of public exports. */
const FLOORS: readonly (readonly string[])[] = [
  ['.'],
  ['server'],
  ['reactor'],
  ['test'],
  ['client'],
  ['ws', 'redis', 'metrics', 'openapi', 'files'],
  ['broadcast'],
  ['filters'],
  ['filter'],
  ['sync'],
  ['task'],
  ['reply'],
  ['runtime'],
];

const floorOf = new Map(FLOORS.flatMap((rooms, i) => rooms.map((r) => [r, i] as const)));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(p) ? [p] : [];
  });
}

function roomOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length === 1 ? '.' : (parts[0] as string);
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

/** Every relative import and re-export (static, dynamic and type-only) between rooms. */
function edges(): Edge[] {
  const out: Edge[] = [];
  const spec =
    /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g;
  for (const file of sources(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(spec)) {
      const target = resolve(dirname(file), (m[1] ?? m[2] ?? m[3]) as string);
      out.push({ from: relative(SRC, file), to: relative(SRC, target) });
    }
  }
  return out;
}

describe('the floors of src/', () => {
  const all = edges();

  it('every room is on a floor', () => {
    const rooms = new Set(sources(SRC).map(roomOf));
    expect([...rooms].filter((r) => !floorOf.has(r))).toEqual([]);
  });

  it('a room imports only rooms on lower floors (types included)', () => {
    const up = all.filter((e) => {
      const a = roomOf(join(SRC, e.from));
      const b = roomOf(join(SRC, e.to));
      return a !== b && (floorOf.get(b) as number) <= (floorOf.get(a) as number);
    });
    expect(up.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('no two rooms import each other', () => {
    const pairs = new Set(all.map((e) => `${roomOf(join(SRC, e.from))} ${roomOf(join(SRC, e.to))}`));
    const circles = [...pairs].filter((p) => {
      const [a, b] = p.split(' ');
      return a !== b && pairs.has(`${b} ${a}`);
    });
    expect(circles).toEqual([]);
  });

  it('the checker sees imports at all (a vacuous graph would pass the rules above)', () => {
    expect(all.some((e) => e.from === 'server/server.ts' && e.to.startsWith('reactor/'))).toBe(true);
  });
});
