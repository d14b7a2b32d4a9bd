/**
 * The deno reactor end to end: weft apps run under the real Deno
 * (`node_modules/.bin/deno`, a devDependency; the repository's deno.json
 * turns on sloppy imports), driven from Node with fetch, `ws` and raw TCP.
 * Skipped where the Deno binary does not run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSED_DETAIL } from '../src/reactor/deno/reactor.js';
import { RawClient, rawOnce, until } from './helpers.js';
import { type Child, startExample } from './process.js';
import { type RedisServer, startRedis } from './redis.js';
import { connectWs } from './wsclient.js';

const DENO = resolve(import.meta.dirname, '../node_modules/.bin/deno');
const APP = resolve(import.meta.dirname, 'fixtures/runtime/app.ts');
const POOL = resolve(import.meta.dirname, 'fixtures/runtime/pool.ts');
const RUN = [DENO, 'run', '-A'];
const denoRuns = spawnSync(DENO, ['--version']).status === 0;

function startApp(env: Record<string, string> = {}): Promise<Child> {
  return startExample(APP, env, { command: RUN });
}

async function stop(c: Child | undefined): Promise<void> {
  if (c === undefined || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGKILL');
  await c.exited;
}

/** A `ws` client that records what it receives and how it closed. */
function open(url: string, protocols: string[] = [], options: WebSocket.ClientOptions = {}) {
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

describe.skipIf(!denoRuns)('the deno reactor', () => {
  let app: Child;
  let base: string;

  beforeAll(async () => {
    app = await startApp();
    base = `http://127.0.0.1:${app.port}`;
  });
  afterAll(() => stop(app));

  it('runs on Deno.serve and says so in the listening line', async () => {
    const fixture = await app.line((l) => l.msg === 'fixture');
    expect(fixture.reactor).toEqual({
      name: 'deno',
      detail: expect.stringMatching(/^Deno\.serve \(deno 2\.\d+\.\d+\)$/),
    });
    const listening = await app.line((l) => l.msg === 'weft listening');
    expect(listening.reactor).toBe('deno');
    // deno.json's no-legacy-abort: Deno has nothing to warn about.
    expect(app.stderr()).toBe('');
  });

  it('answers a route with its params, and 404 / 405 as problems', async () => {
    const res = await fetch(`${base}/hello/deno`, { headers: { 'x-request-id': 'deno-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('deno-1');
    expect((await fetch(`${base}/hello/deno`)).headers.get('x-request-id')).toBeNull();
    expect(await res.text()).toBe('hello deno');
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const wrong = await fetch(`${base}/hello/deno`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  });

  it('reads a JSON body through zod: 201, 400 with issues, 413 over the limit', async () => {
    const post = (body: string) =>
      fetch(`${base}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
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
    const c = await RawClient.connect(app.port);
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
    const huge = await fetch(`${base}/todos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'y'.repeat(100_000) }),
    });
    expect(huge.status).toBe(413);
  });

  it('parses the query', async () => {
    const res = await fetch(`${base}/search?q=weft&n=3`);
    expect(await res.json()).toEqual({ q: 'weft', n: 3 });
    expect((await fetch(`${base}/search`)).status).toBe(400);
  });

  it('streams a reply chunk by chunk', async () => {
    const res = await fetch(`${base}/stream`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
  });

  it('ends a streamed reply whose client left while it was idle (logged as aborted)', async () => {
    const c = await RawClient.connect(app.port);
    c.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => c.received.includes('first'));
    c.destroy();
    const line = await app.line((l) => l.path === '/idle' && l.aborted === true);
    expect(line.status).toBe(200);
  });

  it('answers HEAD with the length and no body', async () => {
    const res = await rawOnce(app.port, 'HEAD /hello/x HTTP/1.1\r\nHost: x\r\n\r\n', true);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('7');
  });

  it("keeps weft's limits, measured in JS: 414 past 8 KiB of target, 431 past 100 header lines or 16 KiB of head", async () => {
    const long = await rawOnce(app.port, `GET /hello/${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(long.status).toBe(414);
    expect(long.headers.connection).toBe('close');
    const lines = Array.from({ length: 101 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const many = await rawOnce(app.port, `GET /hello/x HTTP/1.1\r\nHost: x\r\n${lines}\r\n`);
    expect(many.status).toBe(431);
    const big = await rawOnce(app.port, `GET /hello/x HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    expect(big.headers['content-type']).toBe('application/problem+json');
  });

  it('refuses a transfer coding other than chunked (501) and a doubled Content-Length (400)', async () => {
    const gzip = await rawOnce(
      app.port,
      'POST /todos HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    );
    expect(gzip.status).toBe(501);
    // Deno joins the two lines into "2, 2": not a number.
    const doubled = await rawOnce(
      app.port,
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
      const c = await RawClient.connect(app.port);
      c.write(`${head}GET /hello/behind HTTP/1.1\r\nHost: x\r\n\r\n`);
      const res = await c.response();
      expect(res.status, head).toBe(400);
      expect(res.body, head).toBe('');
      await c.closed; // the request pipelined behind the refusal is never answered
      expect(c.received).not.toContain('hello behind');
    }
  });

  it('serves what Deno lets through: no Host, HTTP/1.0, methods it does not know, pipelined requests', async () => {
    const noHost = await rawOnce(app.port, 'GET /hello/nohost HTTP/1.1\r\n\r\n');
    expect(noHost.body).toBe('hello nohost');
    const old = await rawOnce(app.port, 'GET /hello/old HTTP/1.0\r\n\r\n');
    expect(old.body).toBe('hello old');
    const purge = await rawOnce(app.port, 'PURGE /cache HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(purge.body).toBe('purged');
    const frob = await rawOnce(app.port, 'FROB /hello/x HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(frob.status).toBe(405);
    const c = await RawClient.connect(app.port);
    c.write('GET /hello/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/2 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.response()).body).toBe('hello 1');
    expect((await c.response()).body).toBe('hello 2');
    c.destroy();
  });

  it('runs nothing pipelined behind a refusal of its own: Deno keeps the connection open, the reactor refuses what follows', async () => {
    const c = await RawClient.connect(app.port);
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
    expect((await rawOnce(app.port, 'GET /hello/fresh HTTP/1.1\r\nHost: x\r\n\r\n')).body).toBe('hello fresh');
  });

  it('keeps serving an HTTP/2 connection after a refusal on one of its streams (h2c, prior knowledge)', async () => {
    const session = http2.connect(base);
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

  it('logs a request whose client left as aborted (499)', async () => {
    const c = await RawClient.connect(app.port);
    c.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
    await app.line((l) => l.msg === 'hanging');
    c.destroy();
    const line = await app.line((l) => l.path === '/hang' && l.aborted === true);
    expect(line.status).toBe(499);
  });

  it('upgrades with the subprotocol weft chose and its headers on the 101', async () => {
    const s = open(`ws://127.0.0.1:${app.port}/echo`, ['nope', 'echo.v1', 'echo.v2'], {
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
    // None offered that the route speaks: a 101 without one (`ws` would refuse it, so raw here).
    const c = await RawClient.connect(app.port);
    c.write(
      'GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: nope, other\r\n\r\n',
    );
    await until(() => c.received.includes('\r\n\r\n'));
    c.destroy();
    expect(c.received).toMatch(/^HTTP\/1\.1 101 /);
    expect(c.received.toLowerCase()).not.toContain('sec-websocket-protocol');
  });

  it('echoes WebSocket messages, text and binary', async () => {
    const s = open(`ws://127.0.0.1:${app.port}/echo`);
    await s.opened;
    const binary = new Promise<Buffer>((r) => s.ws.on('message', (d, isBinary) => isBinary && r(d as Buffer)));
    s.ws.send('hi');
    s.ws.send(Buffer.from([1, 2, 3]));
    await until(() => s.got.length === 3);
    expect(s.got[1]).toBe('hi');
    expect([...(await binary)]).toEqual([1, 2, 3]);
    s.ws.close(1000);
    expect((await s.closed).code).toBe(1000);
  });

  it('closes with the code asked (4001), 1000 when the handler returns, 1011 when it throws, 1009 past maxPayload', async () => {
    const cases: [string, number][] = [
      ['close-4001', 4001],
      ['return', 1000],
      ['throw', 1011],
      ['x'.repeat(2048), 1009],
    ];
    for (const [send, code] of cases) {
      const s = open(`ws://127.0.0.1:${app.port}/echo`);
      await s.opened;
      s.ws.send(send);
      expect((await s.closed).code, send.slice(0, 10)).toBe(code);
    }
    await app.line((l) => l.msg === 'websocket handler failed');
  });

  it('fans a channel out to many sockets through the JS hub', async () => {
    const n = 100;
    const sockets = Array.from({ length: n }, () => open(`ws://127.0.0.1:${app.port}/room`));
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
    const s = open(`ws://127.0.0.1:${app.port}/flood`);
    let paused: Socket | undefined;
    s.ws.once('upgrade', (res) => (paused = res.socket.pause())); // read nothing: the server's buffer fills
    await s.opened;
    const flood = await app.line((l) => l.msg === 'flood');
    paused?.resume();
    const counts = flood.counts as Record<string, number>;
    expect(counts.dropped).toBeGreaterThan(0);
    // Deno has no hard close: the close frame (1008) follows what was buffered.
    expect((await s.closed).code).toBe(1008);
    expect(s.got.some((m) => m.startsWith('{'))).toBe(false); // the counts were never sent
  });
});

describe.skipIf(!denoRuns)('the deno reactor with backpressure: drop', () => {
  let app: Child;
  beforeAll(async () => {
    app = await startApp({ BACKPRESSURE: 'drop' });
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
    // Sent once bufferedAmount is back to 0 (polled: Deno has no drain event).
    await until(() => s.got.some((m) => m.startsWith('{')), 15_000);
    expect(JSON.parse(s.got.find((m) => m.startsWith('{')) as string)).toEqual(counts);
    s.ws.close();
    await s.closed;
  });
});

describe.skipIf(!denoRuns)('the deno reactor on SIGTERM', () => {
  it('finishes the request in flight, closes sockets with 1001, and exits 0', async () => {
    const app = await startApp();
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

describe.skipIf(!denoRuns)('the deno reactor on SIGTERM, no WebSocket open', () => {
  it('stops listening at once (Deno.serve shutdown) and still finishes the request in flight', async () => {
    const app = await startApp();
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

describe.skipIf(!denoRuns)('the deno reactor over TLS', () => {
  let dir: string;
  let app: Child;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-deno-tls-'));
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
    app = await startApp({ TLS_CERT: cert, TLS_KEY: key });
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

describe.skipIf(!denoRuns).each(['threads', 'processes'])('workers() under Deno, as %s', (mode) => {
  let pool: Child;
  beforeAll(async () => {
    pool = await startExample(POOL, { POOL_MODE: mode }, { command: RUN, ready: 'weft workers listening' });
  });
  afterAll(() => stop(pool));

  it('serves one port from both workers (reusePort), each on Deno.serve', async () => {
    const seen = new Set<number>();
    await until(async () => {
      // A fresh connection each time: the kernel picks a worker per connection.
      const res = await rawOnce(pool.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      const h = JSON.parse(res.body) as { worker: number; reactor: string };
      expect(h.reactor).toBe('deno');
      seen.add(h.worker);
      return seen.size === 2;
    }, 15_000);
  });

  it('relays a named channel between the workers', async () => {
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

describe.skipIf(!denoRuns)('examples under Deno', () => {
  let redis: RedisServer;
  const chats: Child[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++)
      chats.push(await startExample('examples/chat/server.ts', { REDIS_URL: redis.url }, { command: RUN }));
  });
  afterAll(async () => {
    for (const c of chats) await stop(c);
    await redis?.stop();
  });

  it('serves the chat page and its bundled script (esbuild runs under Deno)', async () => {
    const [a] = chats as [Child];
    expect((await a.line((l) => l.msg === 'weft listening')).reactor).toBe('deno');
    const page = await fetch(`http://127.0.0.1:${a.port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<!doctype html>');
    const script = await fetch(`http://127.0.0.1:${a.port}/main.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(1000);
  });

  it('joins two chat instances into one through the Redis backplane (ioredis under Deno)', async () => {
    const [a, b] = chats as [Child, Child];
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
    const todos = await startExample('examples/todos/server.ts', {}, { command: RUN });
    try {
      expect((await todos.line((l) => l.msg === 'weft listening')).reactor).toBe('deno');
      const res = await fetch(`http://127.0.0.1:${todos.port}/openapi.json`);
      expect(res.status).toBe(200);
    } finally {
      await stop(todos);
    }
  });
});

describe.skipIf(!denoRuns)('the built package under Deno', () => {
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
    const r = spawnSync(DENO, ['run', '-A', 'main.ts'], { cwd: work, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ name: 'deno' });
    expect(lines.slice(1)).toEqual(['200 hello pkg', 'ws via hub']);
  });
});
