/**
 * The bun reactor end to end: weft apps run under the real Bun
 * (`node_modules/.bin/bun`, a devDependency), driven from Node with fetch,
 * `ws` and raw TCP. The cases it shares with Deno are in
 * test/runtime-child.ts; here, what only Bun has. Skipped where the Bun
 * binary does not run.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RawClient } from './helpers.js';
import { BUN, describeRuntime, start, stop } from './runtime-child.js';

describeRuntime(BUN, (ctx) => {
  it('refuses Content-Length with Transfer-Encoding (400, closed)', async () => {
    const c = await RawClient.connect(ctx.app.port);
    c.write('POST /todos HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    expect((await c.response()).status).toBe(400);
    await c.closed;
  });
});

describe.skipIf(!BUN.runs)('listen under Bun', () => {
  it('rejects with ListenError when the port is taken', async () => {
    const child = await start(BUN, {}, resolve(import.meta.dirname, 'fixtures/bun/port-taken.ts'), 'port-taken');
    expect((await child.line((l) => l.msg === 'port-taken')).outcome).toBe('ListenError');
    await stop(child);
  });
});

describe("reactor: 'bun' outside Bun", () => {
  it('is a clear error on Node', async () => {
    const { get, path, serve } = await import('../src/index.js');
    const routes = get()
      .and(path('x'))
      .map(() => 'x');
    expect(() => serve(routes, { reactor: 'bun', logger: false })).toThrow(/runs only under Bun/);
  });
});
