/**
 * A type error in one branch of a long `or` chain is reported at that branch,
 * with a message about that branch: the chain is compiled by the TypeScript
 * API as an application would compile it, and the diagnostics are read back.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repository (so `zod` and `../../src` resolve), in a folder git and tsconfig.json ignore.
const dir = join(root, 'test-artifacts', 'or-chain');
const ROUTES = 500;

interface Fixture {
  readonly name: string;
  /** The branch with the mistake, at index `bad` of the chain. */
  readonly bad: string;
}

/** A 500-route chain: GET and POST routes alternate; route 317 is `bad`. Returns the file and the bad branch's line (1-based). */
function write(f: Fixture): { file: string; line: number } {
  const lines = [
    "import { z } from 'zod';",
    "import { body, get, int, path, post, reject, reply, serve } from '../../src/index.js';",
    'const Item = z.object({ name: z.string(), qty: z.number() });',
    'const stock = new Map<number, { qty: number }>();',
    "export const routes = get().and(path('r0')).map(() => 'r0')",
  ];
  let line = 0;
  for (let i = 1; i < ROUTES; i++) {
    if (i === 317) {
      lines.push(`  ${f.bad}`);
      line = lines.length;
    } else if (i % 2)
      lines.push(
        `  .or(post().and(path('r${i}', int)).and(body.json(Item)).map((id, item) => reply.json({ id, total: item.qty })))`,
      );
    else lines.push(`  .or(get().and(path('r${i}', int)).map((id) => ({ id })))`);
  }
  lines.push(';', 'export const server = serve(routes);', 'void reject;', 'void stock;');
  const file = join(dir, `${f.name}.ts`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, line };
}

const fixtures: Fixture[] = [
  {
    name: 'misspelt-field',
    bad: ".or(post().and(path('r317', int)).and(body.json(Item)).map((id, item) => reply.json({ id, total: item.qty * item.qyt })))",
  },
  { name: 'wrong-param-type', bad: ".or(get().and(path('r317', int)).map((id: string) => id.toUpperCase()))" },
  {
    name: 'rejection-from-map',
    bad: ".or(get().and(path('r317', int)).map((id) => stock.get(id) ?? reject.notFound()))",
  },
];

describe('type errors in a 500-route or chain', () => {
  it('are reported at the branch that has them, with a message about that branch', () => {
    mkdirSync(dir, { recursive: true });
    const written = fixtures.map((f) => ({ ...f, ...write(f) }));
    const program = ts.createProgram(
      written.map((w) => w.file),
      {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        skipLibCheck: true,
        types: ['node'],
      },
    );
    const seen = written.map((w) => {
      const source = program.getSourceFile(w.file);
      if (source === undefined) throw new Error(`not compiled: ${w.file}`);
      const diags = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      return {
        name: w.name,
        lines: diags.map((d) => source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1),
        message: diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'),
      };
    });
    expect(seen.map((s) => ({ name: s.name, lines: s.lines }))).toEqual(
      written.map((w) => ({ name: w.name, lines: [w.line] })),
    );
    const [misspelt, wrongParam, rejection] = seen;
    expect(misspelt?.message).toContain("Property 'qyt' does not exist");
    expect(wrongParam?.message).toContain("Type 'number' is not assignable to type 'string'");
    expect(rejection?.message).toContain('map and then cannot reject');
    // Short enough to read: no chain-long type in any of them.
    for (const s of seen) expect(s.message.length).toBeLessThan(400);
  }, 240_000); // compiling three 500-route chains from source is CPU-bound (tens of seconds on a busy 2-core machine)
});
