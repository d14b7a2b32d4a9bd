/**
 * The deno reactor end to end: weft apps run under the real Deno
 * (`node_modules/.bin/deno`, a devDependency; the repository's deno.json
 * turns on sloppy imports), driven from Node with fetch, `ws` and raw TCP.
 * The cases it shares with Bun are in test/runtime-child.ts; here, what
 * only Deno has. Skipped where the Deno binary does not run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLOSED_DETAIL } from '../src/reactor/deno/reactor.js';
import { RawClient, rawOnce } from './helpers.js';
import { DENO, describeRuntime, start, stop } from './runtime-child.js';

describe.skipIf(!DENO.runs)("limits at Deno's own caps", () => {
  it('leaves counting and measuring the head to Deno: no 431 from weft, Deno refuses past its caps', async () => {
    const app = await start(DENO, { LIMITS: 'runtime' });
    try {
      const hello = await rawOnce(app.port, 'GET /hello/x HTTP/1.1\r\nHost: x\r\nX-Request-Id: lim-1\r\n\r\n');
      expect(hello.status).toBe(200);
      expect(hello.body).toBe('hello x');
      expect(hello.headers['x-request-id']).toBe('lim-1'); // the headers weft needs are still read
      const lines = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join('');
      // Past weft's defaults (100 lines, 16 KiB), within Deno's: served.
      expect((await rawOnce(app.port, `GET /hello/x HTTP/1.1\r\nHost: x\r\n${lines(101)}\r\n`)).status).toBe(200);
      const big = `GET /hello/x HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000)}\r\n\r\n`;
      expect((await rawOnce(app.port, big)).status).toBe(200);
      // Past Deno's 128 lines: Deno's own 400, before weft.
      const over = await rawOnce(app.port, `GET /hello/x HTTP/1.1\r\nHost: x\r\n${lines(128)}\r\n`);
      expect(over.status).toBe(400);
      expect(over.body).toBe('');
    } finally {
      await stop(app);
    }
  });
});

describeRuntime(DENO, (ctx) => {
  it('refuses a transfer coding other than chunked (501) and a doubled Content-Length (400)', async () => {
    const gzip = await rawOnce(
      ctx.app.port,
      'POST /todos HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    );
    expect(gzip.status).toBe(501);
    // Deno joins the two lines into "2, 2": not a number.
    const doubled = await rawOnce(
      ctx.app.port,
      'POST /todos HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}',
    );
    expect(doubled.status).toBe(400);
    expect(doubled.headers.connection).toBe('close');
  });

  it('leaves to Deno what Deno refuses first: 400 with an empty body, connection closed', async () => {
    const refused = [
      'GARBAGE\r\n\r\n',
      'GET /hello/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'POST /todos HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET /hello/x HTTP/1.1\r\nHost : x\r\n\r\n',
      `GET /hello/x HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 128 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`,
      `GET /hello/x HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(66_000)}\r\n\r\n`,
    ];
    for (const head of refused) {
      const c = await RawClient.connect(ctx.app.port);
      c.write(`${head}GET /hello/behind HTTP/1.1\r\nHost: x\r\n\r\n`);
      const res = await c.response();
      expect(res.status, head).toBe(400);
      expect(res.body, head).toBe('');
      await c.closed; // the request pipelined behind the refusal is never answered
      expect(c.received).not.toContain('hello behind');
    }
  });

  it('serves what Deno lets through: no Host, HTTP/1.0, methods it does not know, pipelined requests', async () => {
    const noHost = await rawOnce(ctx.app.port, 'GET /hello/nohost HTTP/1.1\r\n\r\n');
    expect(noHost.body).toBe('hello nohost');
    const old = await rawOnce(ctx.app.port, 'GET /hello/old HTTP/1.0\r\n\r\n');
    expect(old.body).toBe('hello old');
    const purge = await rawOnce(ctx.app.port, 'PURGE /cache HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(purge.body).toBe('purged');
    const frob = await rawOnce(ctx.app.port, 'FROB /hello/x HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(frob.status).toBe(405);
    const c = await RawClient.connect(ctx.app.port);
    c.write('GET /hello/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/2 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.response()).body).toBe('hello 1');
    expect((await c.response()).body).toBe('hello 2');
    c.destroy();
  });

  it('runs nothing pipelined behind a refusal of its own: Deno keeps the connection open, the reactor refuses what follows', async () => {
    const c = await RawClient.connect(ctx.app.port);
    c.write(`GET /hello/${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/behind HTTP/1.1\r\nHost: x\r\n\r\n`);
    const refused = await c.response();
    expect(refused.status).toBe(414);
    expect(refused.headers.connection).toBe('close');
    const behind = await c.response();
    expect(behind.status).toBe(400);
    expect(behind.headers.connection).toBe('close');
    expect(behind.body).toContain(CLOSED_DETAIL);
    // Still open (Deno's decision), and still refusing.
    c.write('GET /hello/later HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.response()).body).toContain(CLOSED_DETAIL);
    c.destroy();
    // A new connection is served.
    expect((await rawOnce(ctx.app.port, 'GET /hello/fresh HTTP/1.1\r\nHost: x\r\n\r\n')).body).toBe('hello fresh');
  });

  it('keeps serving an HTTP/2 connection after a refusal on one of its streams (h2c, prior knowledge)', async () => {
    const session = http2.connect(ctx.base);
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ':path': path });
        let status = 0;
        let body = '';
        req.on('response', (h) => {
          status = Number(h[':status']);
        });
        req.setEncoding('utf8');
        req.on('data', (d: string) => {
          body += d;
        });
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
      });
    try {
      expect((await get(`/hello/${'a'.repeat(9000)}`)).status).toBe(414);
      expect(await get('/hello/h2')).toEqual({ status: 200, body: 'hello h2' });
    } finally {
      session.close();
    }
  });
});

describe.skipIf(!DENO.runs)('the deno reactor on SIGTERM, no WebSocket open', () => {
  it('stops listening at once (Deno.serve shutdown) and still finishes the request in flight', async () => {
    const app = await start(DENO);
    try {
      const c = await RawClient.connect(app.port);
      c.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      await app.line((l) => l.msg === 'slow started');
      app.proc.kill('SIGTERM');
      const res = await c.response({ timeoutMs: 10_000 });
      expect(res.body).toBe('slow done');
      expect(await app.exited).toBe(0);
    } finally {
      await stop(app);
    }
  });
});

describe.skipIf(!DENO.runs)('the built package under Deno', () => {
  const root = resolve(import.meta.dirname, '..');
  // Inside the repository, so the package's dependencies resolve from its node_modules.
  const work = join(root, 'test-artifacts', 'deno-consumer');

  beforeAll(() => {
    rmSync(work, { recursive: true, force: true });
    const pkg = join(work, 'node_modules', 'weft');
    mkdirSync(pkg, { recursive: true });
    const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')]);
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    // The app's own package scope: else 'weft' could resolve to the repository itself.
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    cpSync(join(import.meta.dirname, 'fixtures', 'deno', 'consumer.ts'), join(work, 'main.ts'));
  }, 120_000);

  it("imports { serve } from 'weft' and runs on the deno reactor", () => {
    const r = spawnSync(DENO.command[0] as string, [...DENO.command.slice(1), 'main.ts'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ name: 'deno' });
    expect(lines.slice(1)).toEqual(['200 hello pkg', 'ws via hub']);
  });
});
