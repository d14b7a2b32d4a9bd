/**
 * The bun reactor end to end: weft apps run under the real Bun
 * (`node_modules/.bin/bun`, a devDependency), driven from Node with fetch,
 * `ws` and raw TCP. Skipped where the Bun binary does not run.
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

const BUN = resolve(import.meta.dirname, '../node_modules/.bin/bun');
const APP = resolve(import.meta.dirname, 'fixtures/bun/app.ts');
const POOL = resolve(import.meta.dirname, 'fixtures/bun/pool.ts');
const bunRuns = spawnSync(BUN, ['--version']).status === 0;

function startApp(env: Record<string, string> = {}): Promise<Child> {
  return startExample(APP, env, { command: [BUN] });
}

async function stop(c: Child | undefined): Promise<void> {
  if (c === undefined || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGKILL');
  await c.exited;
}

/** A `ws` client that records what it receives and how it closed. */
function open(url: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, options);
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

describe.skipIf(!bunRuns)('the bun reactor', () => {
  let app: Child;
  let base: string;

  beforeAll(async () => {
    app = await startApp();
    base = `http://127.0.0.1:${app.port}`;
  });
  afterAll(() => stop(app));

  it('runs on Bun.serve and says so in the listening line', async () => {
    const fixture = await app.line((l) => l.msg === 'fixture');
    expect(fixture.reactor).toEqual({ name: 'bun', detail: expect.stringMatching(/^Bun\.serve \(bun 1\.\d+\.\d+\)$/) });
    const listening = await app.line((l) => l.msg === 'weft listening');
    expect(listening.reactor).toBe('bun');
  });

  it('answers a route with its params, and 404 / 405 as problems', async () => {
    const res = await fetch(`${base}/hello/bun`, { headers: { 'x-request-id': 'bun-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('bun-1');
    expect((await fetch(`${base}/hello/bun`)).headers.get('x-request-id')).toBeNull();
    expect(await res.text()).toBe('hello bun');
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const wrong = await fetch(`${base}/hello/bun`, { method: 'DELETE' });
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

  it('reads a streamed (chunked) body too', async () => {
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

  it('answers HEAD with the length and no body', async () => {
    const res = await rawOnce(app.port, 'HEAD /hello/x HTTP/1.1\r\nHost: x\r\n\r\n', true);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('7');
  });

  it("keeps weft's limits: 414 past 8 KiB of target, 431 past 100 header lines", async () => {
    const long = await rawOnce(app.port, `GET /hello/${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(long.status).toBe(414);
    expect(long.headers.connection).toBe('close');
    const lines = Array.from({ length: 101 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const many = await rawOnce(app.port, `GET /hello/x HTTP/1.1\r\nHost: x\r\n${lines}\r\n`);
    expect(many.status).toBe(431);
    // A head over Bun's own cap (16 KiB) is refused by Bun with the same status.
    const huge = await rawOnce(app.port, `GET /hello/x HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000)}\r\n\r\n`);
    expect(huge.status).toBe(431);
  });

  it('refuses Content-Length with Transfer-Encoding (400, closed)', async () => {
    const c = await RawClient.connect(app.port);
    c.write('POST /todos HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    expect((await c.response()).status).toBe(400);
    await c.closed;
  });

  it('logs a request whose client left as aborted (499)', async () => {
    const c = await RawClient.connect(app.port);
    c.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
    await app.line((l) => l.msg === 'hanging');
    c.destroy();
    const line = await app.line((l) => l.path === '/hang' && l.aborted === true);
    expect(line.status).toBe(499);
  });

  it('logs a client that leaves mid-body of a prefetched POST as aborted (499)', async () => {
    // The body is read whole (prefetched) before any filter runs: the read failing reports the leaving.
    const c = await RawClient.connect(app.port);
    c.write('POST /todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ti');
    c.destroy();
    const line = await app.line((l) => l.path === '/todos' && l.aborted === true);
    expect(line.status).toBe(499);
  });

  it('echoes WebSocket messages, text and binary, and closes with the code asked', async () => {
    const s = open(`ws://127.0.0.1:${app.port}/echo`);
    await s.opened;
    s.ws.send('hi');
    s.ws.send(Buffer.from([1, 2, 3]));
    const binary = new Promise<Buffer>((r) => s.ws.on('message', (d, isBinary) => isBinary && r(d as Buffer)));
    await until(() => s.got.length === 2);
    expect(s.got[0]).toBe('hi');
    expect([...(await binary)]).toEqual([1, 2, 3]);
    s.ws.send('close-4001');
    expect(await s.closed).toEqual({ code: 4001, reason: 'asked' });
  });

  it('closes a socket whose message is over maxPayload with 1009', async () => {
    const s = open(`ws://127.0.0.1:${app.port}/echo`);
    await s.opened;
    s.ws.send('x'.repeat(2048));
    expect((await s.closed).code).toBe(1009);
  });

  it('fans a channel out to many sockets through server.publish', async () => {
    const n = 40;
    const sockets = Array.from({ length: n }, () => open(`ws://127.0.0.1:${app.port}/room`));
    await Promise.all(sockets.map((s) => s.opened));
    await until(() => sockets.every((s) => s.got.includes('joined')));
    (sockets[0] as (typeof sockets)[number]).ws.send('to everyone');
    await until(() => sockets.every((s) => s.got.includes('to everyone')));
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
    expect(counts.dropped).toBeGreaterThan(0); // over the limit: the socket is cut and the rest dropped
    expect((await s.closed).code).not.toBe(1000);
    expect(s.got.some((m) => m.startsWith('{'))).toBe(false); // the counts were never sent
  });
});

describe.skipIf(!bunRuns)('the bun reactor with backpressure: drop', () => {
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
    expect(counts.sent! + counts.queued! + counts.dropped!).toBe(2000);
    paused?.resume();
    // Sent once the buffer drained (Bun's drain handler -> socket.drained()).
    await until(() => s.got.some((m) => m.startsWith('{')), 15_000);
    expect(JSON.parse(s.got.find((m) => m.startsWith('{')) as string)).toEqual(counts);
    s.ws.close();
    await s.closed;
  });
});

describe.skipIf(!bunRuns)('the bun reactor on SIGTERM', () => {
  it('finishes the request in flight, closes sockets with 1001, and exits 0', async () => {
    const app = await startApp();
    try {
      const s = open(`ws://127.0.0.1:${app.port}/echo`);
      await s.opened;
      const c = await RawClient.connect(app.port);
      c.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(async () => {
        // the request is in flight once the server took it (its connection is open, nothing answered)
        return c.received === '' && !c.ended;
      });
      app.proc.kill('SIGTERM');
      const res = await c.response({ timeoutMs: 10_000 });
      expect(res.status).toBe(200);
      expect(res.body).toBe('slow done');
      expect(res.headers.connection).toBe('close');
      expect((await s.closed).code).toBe(1001);
      expect(await app.exited).toBe(0);
    } finally {
      await stop(app);
    }
  });
});

describe.skipIf(!bunRuns)('the bun reactor over TLS', () => {
  let dir: string;
  let app: Child;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-bun-tls-'));
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
    const s = open(`wss://127.0.0.1:${app.port}/echo`, { ca });
    await s.opened;
    s.ws.send('secure');
    await until(() => s.got.length === 1);
    expect(s.got[0]).toBe('secure');
    s.ws.close();
    await s.closed;
  });
});

describe.skipIf(!bunRuns).each(['threads', 'processes'])('workers() under Bun, as %s', (mode) => {
  let pool: Child;
  beforeAll(async () => {
    pool = await startExample(POOL, { POOL_MODE: mode }, { command: [BUN], ready: 'weft workers listening' });
  });
  afterAll(() => stop(pool));

  it('serves one port from both workers, each on Bun.serve', async () => {
    const seen = new Set<number>();
    await until(async () => {
      // A fresh connection each time: the kernel picks a worker per connection.
      const res = await rawOnce(pool.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      const h = JSON.parse(res.body) as { worker: number; reactor: string };
      expect(h.reactor).toBe('bun');
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

describe.skipIf(!bunRuns)('examples/chat under Bun with a Redis backplane', () => {
  let redis: RedisServer;
  const chats: Child[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++)
      chats.push(await startExample('examples/chat/server.ts', { REDIS_URL: redis.url }, { command: [BUN] }));
  });
  afterAll(async () => {
    for (const c of chats) await stop(c);
    await redis?.stop();
  });

  it('joins two instances into one chat', async () => {
    const [a, b] = chats as [Child, Child];
    expect((await a.line((l) => l.msg === 'weft listening')).reactor).toBe('bun');
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
});

describe.skipIf(!bunRuns)('listen under Bun', () => {
  it('rejects with ListenError when the port is taken', async () => {
    const child = await startExample(
      resolve(import.meta.dirname, 'fixtures/bun/port-taken.ts'),
      {},
      {
        command: [BUN],
        ready: 'port-taken',
      },
    );
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
