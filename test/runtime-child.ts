/**
 * What test/bun.test.ts and test/deno.test.ts share: a weft app in a child
 * process under the real Bun or Deno (`node_modules/.bin/<runtime>`, a
 * devDependency), driven from Node with fetch, `ws` and raw TCP. Each case
 * is written once here, in `describeRuntime`; how the two runtimes differ is
 * declared once, in `BUN` and `DENO`. What only one runtime has (Deno's own
 * refusals, the built package, `reactor: 'bun'` outside Bun) stays in its file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RawClient, rawOnce, until } from './helpers.js';
import { type Child, startExample } from './process.js';
import { type RedisServer, startRedis } from './redis.js';
import { connectWs } from './wsclient.js';

const APP = resolve(import.meta.dirname, 'fixtures/runtime/app.ts');
const POOL = resolve(import.meta.dirname, 'fixtures/runtime/pool.ts');
const bin = (name: string) => resolve(import.meta.dirname, `../node_modules/.bin/${name}`);

/** One runtime, and what its cases expect that the other's do not. */
export interface Runtime {
  /** The reactor `auto` picks under it; also the name in routes and request ids. */
  readonly name: 'bun' | 'deno';
  /** As in the titles: 'Bun', 'Deno'. */
  readonly title: string;
  /** The argv before a script. */
  readonly command: readonly string[];
  /** Whether that binary runs on this machine (else every case is skipped). */
  readonly runs: boolean;
  /** `server.reactor.detail`. */
  readonly detail: RegExp;
  /** What carries a channel to the sockets of one process. */
  readonly fanOut: string;
  /**
   * Who refuses a head over 16 KiB with 431: weft, measured in JS (a problem
   * body), or the runtime's own cap before any JS runs.
   */
  readonly headCap: 'weft' | 'runtime';
  /**
   * How a socket that cannot keep up is closed: cut at once (`'hard'`, any
   * code but 1000), or with a close frame of that code behind what was buffered.
   */
  readonly floodClose: 'hard' | number;
}

export const BUN: Runtime = {
  name: 'bun',
  title: 'Bun',
  command: [bin('bun')],
  runs: spawnSync(bin('bun'), ['--version']).status === 0,
  detail: /^Bun\.serve \(bun 1\.\d+\.\d+\)$/,
  fanOut: 'server.publish',
  headCap: 'runtime',
  floodClose: 'hard',
};

export const DENO: Runtime = {
  name: 'deno',
  title: 'Deno',
  // The repository's deno.json turns on sloppy imports.
  command: [bin('deno'), 'run', '-A'],
  runs: spawnSync(bin('deno'), ['--version']).status === 0,
  detail: /^Deno\.serve \(deno 2\.\d+\.\d+\)$/,
  fanOut: 'the JS hub',
  headCap: 'weft',
  // Deno has no hard close: the close frame (1008) follows what was buffered.
  floodClose: 1008,
};

/** Start a script (the fixture app by default) under the runtime. */
export function start(rt: Runtime, env: Record<string, string> = {}, script = APP, ready?: string): Promise<Child> {
  return startExample(script, env, { command: [...rt.command], ...(ready === undefined ? {} : { ready }) });
}

export async function stop(c: Child | undefined): Promise<void> {
  if (c === undefined || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGKILL');
  await c.exited;
}

/** A `ws` client that records what it receives and how it closed. */
export function open(url: string, protocols: string[] = [], options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, protocols, options);
  const got: string[] = [];
  ws.on('message', (d) => got.push(d.toString()));
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  return { ws, got, closed, opened };
}

/** The fixture app shared by the cases of one `describe`: set in its `beforeAll`. */
export interface AppContext {
  app: Child;
  /** `http://127.0.0.1:<port>` */
  base: string;
}

/**
 * Every case both runtimes share. `own` adds the runtime's own cases to the
 * first `describe`, on the same app.
 */
export function describeRuntime(rt: Runtime, own: (ctx: AppContext) => void = () => {}): void {
  const { name, title } = rt;

  describe.skipIf(!rt.runs)(`the ${name} reactor`, () => {
    const ctx = {} as AppContext;
    beforeAll(async () => {
      ctx.app = await start(rt);
      ctx.base = `http://127.0.0.1:${ctx.app.port}`;
    });
    afterAll(() => stop(ctx.app));

    it(`runs on ${title}.serve and says so in the listening line`, async () => {
      const { app } = ctx;
      const fixture = await app.line((l) => l.msg === 'fixture');
      expect(fixture.reactor).toEqual({ name, detail: expect.stringMatching(rt.detail) });
      const listening = await app.line((l) => l.msg === 'weft listening');
      expect(listening.reactor).toBe(name);
      // Nothing to warn about (under Deno: deno.json's no-legacy-abort).
      expect(app.stderr()).toBe('');
    });

    it('answers a route with its params, and 404 / 405 as problems', async () => {
      const { base } = ctx;
      const res = await fetch(`${base}/hello/${name}`, { headers: { 'x-request-id': `${name}-1` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(`${name}-1`);
      expect((await fetch(`${base}/hello/${name}`)).headers.get('x-request-id')).toBeNull();
      expect(await res.text()).toBe(`hello ${name}`);
      const missing = await fetch(`${base}/nowhere`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      const wrong = await fetch(`${base}/hello/${name}`, { method: 'DELETE' });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    });

    it('reads a JSON body through zod: 201, 400 with issues, 413 over the limit', async () => {
      const post = (body: string) =>
        fetch(`${ctx.base}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const made = await post(JSON.stringify({ title: 'milk' }));
      expect(made.status).toBe(201);
      expect(await made.json()).toEqual({ id: 1, title: 'milk', done: false });
      const bad = await post(JSON.stringify({ title: '' }));
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toBe('application/problem+json');
      expect(((await bad.json()) as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
      const big = await post(JSON.stringify({ title: 'x'.repeat(4000) }));
      expect(big.status).toBe(413);
    });

    it('reads a chunked body, and a large one that streams in', async () => {
      const c = await RawClient.connect(ctx.app.port);
      const json = JSON.stringify({ title: 'chunked' });
      c.write(
        `POST /todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
          `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`,
      );
      const res = await c.response();
      c.destroy();
      expect(res.status).toBe(201);
      expect(JSON.parse(res.body)).toEqual({ id: 1, title: 'chunked', done: false });
      // Over 64 KiB declared: read through the body's stream, stopped at the route's limit.
      const huge = await fetch(`${ctx.base}/todos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'y'.repeat(100_000) }),
      });
      expect(huge.status).toBe(413);
    });

    it('parses the query', async () => {
      const res = await fetch(`${ctx.base}/search?q=weft&n=3`);
      expect(await res.json()).toEqual({ q: 'weft', n: 3 });
      expect((await fetch(`${ctx.base}/search`)).status).toBe(400);
    });

    it('streams a reply chunk by chunk', async () => {
      const res = await fetch(`${ctx.base}/stream`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
    });

    it('ends a streamed reply whose client left while it was idle (logged as aborted)', async () => {
      const c = await RawClient.connect(ctx.app.port);
      c.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => c.received.includes('first'));
      c.destroy();
      const line = await ctx.app.line((l) => l.path === '/idle' && l.aborted === true);
      expect(line.status).toBe(200);
    });

    it('answers HEAD with the length and no body', async () => {
      const res = await rawOnce(ctx.app.port, 'HEAD /hello/x HTTP/1.1\r\nHost: x\r\n\r\n', true);
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe('7');
    });

    it("keeps weft's limits: 414 past 8 KiB of target, 431 past 100 header lines or 16 KiB of head", async () => {
      const { port } = ctx.app;
      const long = await rawOnce(port, `GET /hello/${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(long.status).toBe(414);
      expect(long.headers.connection).toBe('close');
      const lines = Array.from({ length: 101 }, (_, i) => `X-H${i}: v\r\n`).join('');
      const many = await rawOnce(port, `GET /hello/x HTTP/1.1\r\nHost: x\r\n${lines}\r\n`);
      expect(many.status).toBe(431);
      // Under Bun, a head over Bun's own cap (16 KiB) is refused by Bun with the same status.
      const big = await rawOnce(port, `GET /hello/x HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000)}\r\n\r\n`);
      expect(big.status).toBe(431);
      if (rt.headCap === 'weft') expect(big.headers['content-type']).toBe('application/problem+json');
    });

    it('logs a request whose client left as aborted (499)', async () => {
      const c = await RawClient.connect(ctx.app.port);
      c.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
      await ctx.app.line((l) => l.msg === 'hanging');
      c.destroy();
      const line = await ctx.app.line((l) => l.path === '/hang' && l.aborted === true);
      expect(line.status).toBe(499);
    });

    it('logs a client that leaves mid-body of a prefetched POST as aborted (499)', async () => {
      // The body is read whole (prefetched) before any filter runs, with no listener on the request's
      // signal yet: the read failing reports the leaving.
      const c = await RawClient.connect(ctx.app.port);
      c.write('POST /todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ti');
      c.destroy();
      const line = await ctx.app.line((l) => l.path === '/todos' && l.aborted === true);
      expect(line.status).toBe(499);
    });

    it('upgrades with the subprotocol weft chose and its headers on the 101', async () => {
      const s = open(`ws://127.0.0.1:${ctx.app.port}/echo`, ['nope', 'echo.v1', 'echo.v2'], {
        headers: { 'x-request-id': 'up-1' },
      });
      const headers = new Promise<Record<string, string | string[] | undefined>>((r) =>
        s.ws.once('upgrade', (res) => r(res.headers)),
      );
      await s.opened;
      // The route's own order of preference, among those offered.
      expect(s.ws.protocol).toBe('echo.v2');
      expect((await headers)['x-request-id']).toBe('up-1');
      await until(() => s.got.length === 1);
      expect(s.got[0]).toBe('protocol echo.v2');
      s.ws.close();
      await s.closed;
      // None offered that the route speaks: weft chooses none (`ws` would refuse the 101, so raw here).
      const c = await RawClient.connect(ctx.app.port);
      c.write(
        'GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: nope, other\r\n\r\n',
      );
      await until(() => c.received.includes('\r\n\r\n'));
      c.destroy();
      expect(c.received).toMatch(/^HTTP\/1\.1 101 /);
      // Bun.serve would answer the first offer itself: the bun reactor takes the offers away when weft chose none.
      expect(c.received.toLowerCase()).not.toContain('sec-websocket-protocol');
    });

    it('echoes WebSocket messages, text and binary', async () => {
      const s = open(`ws://127.0.0.1:${ctx.app.port}/echo`);
      await s.opened;
      const binary = new Promise<Buffer>((r) => s.ws.on('message', (d, isBinary) => isBinary && r(d as Buffer)));
      s.ws.send('hi');
      s.ws.send(Buffer.from([1, 2, 3]));
      await until(() => s.got.length === 3);
      expect(s.got[0]).toBe('protocol ');
      expect(s.got[1]).toBe('hi');
      expect([...(await binary)]).toEqual([1, 2, 3]);
      s.ws.close(1000);
      expect((await s.closed).code).toBe(1000);
    });

    it('closes with the code asked (4001), 1000 when the handler returns, 1011 when it throws, 1009 past maxPayload', async () => {
      const cases: [string, { code: number; reason?: string }][] = [
        ['close-4001', { code: 4001, reason: 'asked' }],
        ['return', { code: 1000 }],
        ['throw', { code: 1011 }],
        ['x'.repeat(2048), { code: 1009 }],
      ];
      for (const [send, closed] of cases) {
        const s = open(`ws://127.0.0.1:${ctx.app.port}/echo`);
        await s.opened;
        s.ws.send(send);
        expect(await s.closed, send.slice(0, 10)).toMatchObject(closed);
      }
      await ctx.app.line((l) => l.msg === 'websocket handler failed');
    });

    it(`fans a channel out to many sockets through ${rt.fanOut}`, async () => {
      const n = 100;
      const sockets = Array.from({ length: n }, () => open(`ws://127.0.0.1:${ctx.app.port}/room`));
      await Promise.all(sockets.map((s) => s.opened));
      await until(() => sockets.every((s) => s.got.includes('joined')));
      const first = sockets[0] as (typeof sockets)[number];
      first.ws.send('to everyone');
      first.ws.send(Buffer.from('bytes as text')); // the channel carries strings: sent as text
      await until(() => sockets.every((s) => s.got.includes('to everyone') && s.got.includes('bytes as text')));
      for (const s of sockets) expect(s.got).toEqual(['joined', 'to everyone', 'bytes as text']);
      for (const s of sockets) s.ws.close();
      await Promise.all(sockets.map((s) => s.closed));
    });

    it('closes a socket that cannot keep up (backpressure: close)', async () => {
      const s = open(`ws://127.0.0.1:${ctx.app.port}/flood`);
      let paused: Socket | undefined;
      s.ws.once('upgrade', (res) => (paused = res.socket.pause())); // read nothing: the server's buffer fills
      await s.opened;
      const flood = await ctx.app.line((l) => l.msg === 'flood');
      paused?.resume();
      const counts = flood.counts as Record<string, number>;
      expect(counts.dropped).toBeGreaterThan(0); // over the limit: the socket is closed and the rest dropped
      const { code } = await s.closed;
      if (rt.floodClose === 'hard') expect(code).not.toBe(1000);
      else expect(code).toBe(rt.floodClose);
      expect(s.got.some((m) => m.startsWith('{'))).toBe(false); // the counts were never sent
    });

    own(ctx);
  });

  describe.skipIf(!rt.runs)(`the ${name} reactor with backpressure: drop`, () => {
    let app: Child;
    beforeAll(async () => {
      app = await start(rt, { BACKPRESSURE: 'drop' });
    });
    afterAll(() => stop(app));

    it("reports 'queued' then 'dropped', keeps the socket, and sees it drain", async () => {
      const s = open(`ws://127.0.0.1:${app.port}/flood`);
      let paused: Socket | undefined;
      s.ws.once('upgrade', (res) => (paused = res.socket.pause()));
      await s.opened;
      const flood = await app.line((l) => l.msg === 'flood');
      const counts = flood.counts as Record<string, number>;
      expect(counts.queued).toBeGreaterThan(0);
      expect(counts.dropped).toBeGreaterThan(0);
      expect((counts.sent ?? 0) + (counts.queued ?? 0) + (counts.dropped ?? 0)).toBe(2000);
      paused?.resume();
      // Sent once the buffer drained (Bun's drain handler; under Deno, bufferedAmount polled back to 0).
      await until(() => s.got.some((m) => m.startsWith('{')), 15_000);
      expect(JSON.parse(s.got.find((m) => m.startsWith('{')) as string)).toEqual(counts);
      s.ws.close();
      await s.closed;
    });
  });

  describe.skipIf(!rt.runs)(`the ${name} reactor on SIGTERM`, () => {
    it('finishes the request in flight, closes sockets with 1001, and exits 0', async () => {
      const app = await start(rt);
      try {
        const s = open(`ws://127.0.0.1:${app.port}/echo`);
        await s.opened;
        const c = await RawClient.connect(app.port);
        c.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
        await app.line((l) => l.msg === 'slow started');
        app.proc.kill('SIGTERM');
        const res = await c.response({ timeoutMs: 10_000 });
        expect(res.status).toBe(200);
        expect(res.body).toBe('slow done');
        expect(res.headers.connection).toBe('close');
        // weft's close, after the request in flight (Deno's own shutdown would close sockets first).
        expect(await s.closed).toEqual({ code: 1001, reason: 'server shutting down' });
        expect(await app.exited).toBe(0);
        await app.line((l) => l.msg === 'weft closed');
      } finally {
        await stop(app);
      }
    });
  });

  describe.skipIf(!rt.runs)(`the ${name} reactor over TLS`, () => {
    let dir: string;
    let app: Child;
    let ca: Buffer;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `weft-${name}-tls-`));
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost'],
          ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert],
        ],
        { stdio: 'ignore' },
      );
      ca = readFileSync(cert);
      app = await start(rt, { TLS_CERT: cert, TLS_KEY: key });
    });
    afterAll(async () => {
      await stop(app);
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves HTTPS', async () => {
      const body = await new Promise<string>((res, rej) => {
        https
          .get({ host: '127.0.0.1', port: app.port, path: '/hello/tls', ca }, (r) => {
            let b = '';
            r.on('data', (d) => (b += d));
            r.on('end', () => res(b));
          })
          .on('error', rej);
      });
      expect(body).toBe('hello tls');
      const listening = await app.line((l) => l.msg === 'weft listening');
      expect(listening.tls).toBe(true);
    });

    it('serves wss:', async () => {
      const s = open(`wss://127.0.0.1:${app.port}/echo`, [], { ca });
      await s.opened;
      s.ws.send('secure');
      await until(() => s.got.length === 2);
      expect(s.got[1]).toBe('secure');
      s.ws.close();
      await s.closed;
    });
  });

  describe.skipIf(!rt.runs).each(['threads', 'processes'])(`workers() under ${title}, as %s`, (mode) => {
    let pool: Child;
    beforeAll(async () => {
      pool = await start(rt, { POOL_MODE: mode }, POOL, 'weft workers listening');
    });
    afterAll(() => stop(pool));

    it(`serves one port from both workers (reusePort), each on ${title}.serve`, async () => {
      const seen = new Set<number>();
      await until(async () => {
        // A fresh connection each time: the kernel picks a worker per connection.
        const res = await rawOnce(pool.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
        const h = JSON.parse(res.body) as { worker: number; reactor: string };
        expect(h.reactor).toBe(name);
        seen.add(h.worker);
        return seen.size === 2;
      }, 15_000);
    });

    it('relays a named channel between the workers', async () => {
      // Sockets until one landed on each worker (the kernel spreads connections).
      const sockets: ReturnType<typeof open>[] = [];
      const on = (id: number) => sockets.find((s) => s.got[0] === `joined ${id}`);
      await until(async () => {
        const s = open(`ws://127.0.0.1:${pool.port}/ws`);
        sockets.push(s);
        await s.opened;
        await until(() => s.got.length > 0);
        return on(0) !== undefined && on(1) !== undefined;
      }, 15_000);
      on(0)?.ws.send('hello from 0');
      await until(() => on(1)?.got.includes('0: hello from 0') === true);
      for (const s of sockets) s.ws.close();
    });

    it('drains every worker on SIGTERM and exits 0', async () => {
      const s = open(`ws://127.0.0.1:${pool.port}/ws`);
      await s.opened;
      pool.proc.kill('SIGTERM');
      expect((await s.closed).code).toBe(1001);
      expect(await pool.exited).toBe(0);
    });
  });

  describe.skipIf(!rt.runs)(`examples under ${title}`, () => {
    let redis: RedisServer;
    const chats: Child[] = [];
    beforeAll(async () => {
      redis = await startRedis();
      for (let i = 0; i < 2; i++) chats.push(await start(rt, { REDIS_URL: redis.url }, 'examples/chat/server.ts'));
    });
    afterAll(async () => {
      for (const c of chats) await stop(c);
      await redis?.stop();
    });

    it(`serves the chat page and its bundled script (esbuild runs under ${title})`, async () => {
      const [a] = chats as [Child];
      expect((await a.line((l) => l.msg === 'weft listening')).reactor).toBe(name);
      const page = await fetch(`http://127.0.0.1:${a.port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<!doctype html>');
      const script = await fetch(`http://127.0.0.1:${a.port}/main.js`);
      expect(script.status).toBe(200);
      expect((await script.text()).length).toBeGreaterThan(1000);
    });

    it(`joins two chat instances into one through the Redis backplane (ioredis under ${title})`, async () => {
      const [a, b] = chats as [Child, Child];
      expect((await b.line((l) => l.msg === 'weft listening')).reactor).toBe(name);
      const ann = await connectWs(`ws://127.0.0.1:${a.port}/chat/lobby?name=ann`);
      await ann.next((m) => m.type === 'welcome');
      const bob = await connectWs(`ws://127.0.0.1:${b.port}/chat/lobby?name=bob`);
      await bob.next((m) => m.type === 'welcome');
      await ann.next((m) => m.type === 'join' && m.name === 'bob', 10_000);
      bob.send({ type: 'message', text: 'across instances' });
      const got = await ann.next((m) => m.type === 'message', 10_000);
      expect(got).toMatchObject({ from: 'bob', text: 'across instances' });
      ann.ws.close();
      bob.ws.close();
    });

    it('starts the todos example', async () => {
      const todos = await start(rt, {}, 'examples/todos/server.ts');
      try {
        expect((await todos.line((l) => l.msg === 'weft listening')).reactor).toBe(name);
        const res = await fetch(`http://127.0.0.1:${todos.port}/openapi.json`);
        expect(res.status).toBe(200);
      } finally {
        await stop(todos);
      }
    });
  });
}
