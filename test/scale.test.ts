/**
 * Scale-out end to end, on the reactor under test: `workers()` pools
 * (threads on uws, processes on node), and the chat demo joined by Redis —
 * two instances, Redis SIGKILLed, an instance SIGKILLed, and WORKERS=2.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { delay, until } from './helpers.js';
import { type Child, startExample } from './process.js';
import { REACTOR, TRAITS } from './reactor.js';
import { type RedisServer, startRedis } from './redis.js';
import { type Client, connectWs } from './wsclient.js';

const POOL = 'test/fixtures/pool-app.ts';
const CHAT = 'examples/chat/server.ts';
const children: Child[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(
    children.splice(0).map(async (c) => {
      if (c.proc.exitCode === null && c.proc.signalCode === null) {
        c.proc.kill('SIGKILL');
        await c.exited;
      }
    }),
  );
});

async function start(script: string, env: Record<string, string> = {}, ready?: string): Promise<Child> {
  const c = await startExample(script, env, ready ? { ready } : {});
  children.push(c);
  return c;
}

async function connect(url: string): Promise<Client> {
  const c = await connectWs(url);
  clients.push(c);
  return c;
}

/** GET on a new connection (so SO_REUSEPORT / round-robin can pick any worker). */
function getFresh(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

async function workerIds(port: number, tries = 40): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < tries && seen.size < 2; i++)
    seen.add((JSON.parse((await getFresh(port, '/health')).body) as { worker: number }).worker);
  return seen;
}

describe(`workers(n, start) on ${REACTOR}`, () => {
  it('two workers share one port; a named channel crosses them without Redis', async () => {
    const pool = await start(POOL, {}, 'weft workers listening');
    expect(pool.lines.find((l) => l.msg === 'weft workers listening')).toMatchObject({
      workers: 2,
      mode: TRAITS.workerMode,
    });
    expect(await workerIds(pool.port)).toEqual(new Set([0, 1]));
    // Sockets until both workers hold some; then every message reaches every socket.
    const url = `ws://127.0.0.1:${pool.port}/ws`;
    await spreadOverWorkers(pool.port, () => connect(url));
    for (const [i, c] of clients.entries()) c.send(`m${i}`);
    const all = clients.map((_, i) => `m${i}`).sort();
    for (const c of clients) await until(() => c.inbox.length === clients.length);
    for (const c of clients) expect(c.inbox.map((m) => m.text).sort()).toEqual(all);
    // both workers' values arrived
    const froms = new Set((clients[0] as Client).inbox.map((m) => m.from));
    expect(froms).toEqual(new Set([0, 1]));
  });

  it('one scrape of /metrics shows the whole pool: requests and sockets of every worker, summed', async () => {
    const pool = await start(POOL, {}, 'weft workers listening');
    const sample = (text: string, re: RegExp) => Number(re.exec(text)?.[1]);
    const healthCount = /^http_request_duration_seconds_count\{[^}]*route="\/health"[^}]*\} (\d+)$/m;
    // Sockets on both workers: a scrape that saw one worker would count only its own.
    await spreadOverWorkers(pool.port, () => connect(`ws://127.0.0.1:${pool.port}/ws`));
    const before = sample((await getFresh(pool.port, '/metrics')).body, healthCount);
    const seen = new Set<number>();
    let n = 0;
    while (seen.size < 2 || n < 20) {
      seen.add((JSON.parse((await getFresh(pool.port, '/health')).body) as { worker: number }).worker);
      n++;
    }
    // Every scrape, whichever worker answers it, has all of them.
    for (let i = 0; i < 4; i++) {
      const text = (await getFresh(pool.port, '/metrics')).body;
      expect(sample(text, healthCount)).toBe(before + n);
      expect(sample(text, /^weft_ws_connections (\d+)$/m)).toBe(clients.length);
      expect(sample(text, /^weft_tasks_active (\d+)$/m)).toBeGreaterThanOrEqual(clients.length);
      expect(text).toMatch(/^process_cpu_user_seconds_total \S+$/m);
    }
  });

  it('SIGTERM to the primary drains every worker: 1001 to every socket, exit 0', async () => {
    const pool = await start(POOL, {}, 'weft workers listening');
    const url = `ws://127.0.0.1:${pool.port}/ws`;
    for (let i = 0; i < 8; i++) await connect(url);
    await until(async () => {
      const c = await perWorker(pool.port);
      return c[0]! + c[1]! === 8;
    });
    pool.proc.kill('SIGTERM');
    const codes = await Promise.all(clients.map((c) => c.closed));
    expect(codes.map((c) => c.code)).toEqual(Array(8).fill(1001));
    expect(await pool.exited).toBe(0);
    expect(pool.lines.some((l) => l.msg === 'weft workers stopped')).toBe(true);
  });

  it('a worker that crashes is logged and replaced; the pool keeps serving', async () => {
    const pool = await start(POOL, {}, 'weft workers listening');
    await getFresh(pool.port, '/crash');
    const exit = await pool.line((l) => l.msg === 'worker exited; replacing it');
    expect(exit).toMatchObject({ level: 50 });
    await pool.line((l) => l.msg === 'worker replaced');
    expect(await workerIds(pool.port)).toEqual(new Set([0, 1]));
  });

  it('a pool of one survives its only worker crashing: the primary stays up and replaces it', async () => {
    const pool = await start(POOL, { WORKERS: '1' }, 'weft workers listening');
    await getFresh(pool.port, '/crash');
    await pool.line((l) => l.msg === 'worker replaced');
    expect(JSON.parse((await getFresh(pool.port, '/health')).body)).toMatchObject({ worker: 0 });
    expect(pool.proc.exitCode).toBeNull();
  });

  it('a second pool on a busy port fails with ListenError instead of sharing it', async () => {
    const first = await start(POOL, {}, 'weft workers listening');
    const second = startExample(POOL, { PORT: String(first.port) }, { ready: 'weft workers listening' });
    await expect(second).rejects.toThrow(/ListenError|could not listen/);
    expect(await workerIds(first.port)).toEqual(new Set([0, 1]));
  });
});

/** Open sockets (`open(i)`) until both workers hold some; every socket is counted by one worker. */
async function spreadOverWorkers(port: number, open: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await open(i);
    if (i < 3) continue;
    const counts = await perWorker(port);
    if (counts[0]! > 0 && counts[1]! > 0) break;
  }
  const counts = await perWorker(port);
  expect(counts[0]! + counts[1]!).toBe(clients.length);
  expect(Math.min(counts[0]!, counts[1]!)).toBeGreaterThan(0);
}

async function perWorker(port: number): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (let i = 0; i < 40 && Object.keys(counts).length < 2; i++) {
    const h = JSON.parse((await getFresh(port, '/health')).body) as { worker: number; connections: number };
    counts[h.worker] = h.connections;
  }
  return counts;
}

describe(`the chat across instances through Redis on ${REACTOR}`, () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const chatEnv = () => ({ REDIS_URL: redis.url, PRESENCE_TTL_MS: '5000' });
  const isMsg = (m: Record<string, unknown>) => m.type === 'message';

  it('presence, 200 messages each way in per-sender order, and history across instances', async () => {
    const [a, b] = await Promise.all([start(CHAT, chatEnv()), start(CHAT, chatEnv())]);
    const room = `r${Date.now().toString(36)}`;
    const ann = await connect(`ws://127.0.0.1:${a.port}/chat/${room}?name=ann`);
    await ann.next((m) => m.type === 'welcome');
    const bob = await connect(`ws://127.0.0.1:${b.port}/chat/${room}?name=bob`);
    const welcome = await bob.next((m) => m.type === 'welcome');
    expect((welcome.users as string[]).sort()).toEqual(['ann', 'bob']);
    await ann.next((m) => m.type === 'join' && m.name === 'bob');
    // Five senders on each instance, 40 messages each (the rate limit's burst): 200 each way.
    const senders: Client[] = [];
    for (const [i, port] of [
      a.port,
      a.port,
      a.port,
      a.port,
      a.port,
      b.port,
      b.port,
      b.port,
      b.port,
      b.port,
    ].entries()) {
      const s = await connect(`ws://127.0.0.1:${port}/chat/${room}?name=s${i}`);
      await s.next((m) => m.type === 'welcome');
      senders.push(s);
    }
    for (let k = 0; k < 40; k++)
      for (const [i, s] of senders.entries()) s.send({ type: 'message', text: `s${i}:${k}` });
    for (const watcher of [ann, bob]) {
      await until(() => watcher.inbox.filter(isMsg).length >= 400, 20_000);
      const msgs = watcher.inbox.filter(isMsg);
      expect(msgs).toHaveLength(400);
      for (let i = 0; i < 10; i++) {
        const mine = msgs.filter((m) => m.from === `s${i}`).map((m) => m.text);
        expect(mine).toEqual(Array.from({ length: 40 }, (_, k) => `s${i}:${k}`));
      }
      expect(new Set(msgs.map((m) => m.id)).size).toBe(400); // ids unique across instances
    }
    // One more from each side, each after the other arrived: the newest history is causal.
    await delay(200); // the 40-message burst emptied the senders' rate-limit buckets (20/s refill)
    (senders[9] as Client).send({ type: 'message', text: 'tail-b' });
    await ann.next((m) => isMsg(m) && m.text === 'tail-b');
    (senders[0] as Client).send({ type: 'message', text: 'tail-a' });
    await bob.next((m) => isMsg(m) && m.text === 'tail-a');
    // A newcomer on A gets the last 50 messages, whichever instance they came through.
    const late = await connect(`ws://127.0.0.1:${a.port}/chat/${room}?name=late`);
    const w = await late.next((m) => m.type === 'welcome');
    const history = w.history as Record<string, unknown>[];
    expect(history).toHaveLength(50);
    // Redis's order (each instance sees its own messages first): per-sender order holds, and both instances are in it.
    const seen = new Set(ann.inbox.filter(isMsg).map((m) => m.id));
    expect(history.every((m) => seen.has(m.id))).toBe(true);
    for (let i = 0; i < 10; i++) {
      const ks = history
        .filter((m) => m.from === `s${i}` && String(m.text).includes(':'))
        .map((m) => Number(String(m.text).split(':')[1]));
      expect(ks).toEqual([...ks].sort((x, y) => x - y));
    }
    expect(history.slice(-2).map((m) => m.text)).toEqual(['tail-b', 'tail-a']);
    expect((w.users as string[]).length).toBe(13);
    // leave crosses too
    bob.ws.close();
    await ann.next((m) => m.type === 'leave' && m.name === 'bob');
  });

  it('Redis SIGKILLed: each instance keeps its own room going; cross-instance delivery resumes after restart', async () => {
    const r = await startRedis();
    try {
      const env = { REDIS_URL: r.url };
      const [a, b] = await Promise.all([start(CHAT, env), start(CHAT, env)]);
      const a1 = await connect(`ws://127.0.0.1:${a.port}/chat?name=a1`);
      const a2 = await connect(`ws://127.0.0.1:${a.port}/chat?name=a2`);
      const b1 = await connect(`ws://127.0.0.1:${b.port}/chat?name=b1`);
      for (const c of [a1, a2, b1]) await c.next((m) => m.type === 'welcome');
      a1.send({ type: 'message', text: 'before' });
      await b1.next((m) => isMsg(m) && m.text === 'before');
      await r.kill();
      await a.line((l) => String(l.msg).includes('Redis unreachable'));
      a1.send({ type: 'message', text: 'during' });
      await a2.next((m) => isMsg(m) && m.text === 'during'); // local delivery goes on
      await r.restart();
      await a.line((l) => String(l.msg).includes('reconnected'));
      await b.line((l) => String(l.msg).includes('reconnected'));
      // B re-subscribed by itself: keep sending until a message crosses.
      for (let i = 0; i < 50 && !b1.inbox.some((m) => isMsg(m) && String(m.text).startsWith('after')); i++) {
        a1.send({ type: 'message', text: `after${i}` });
        await delay(100);
      }
      await b1.next((m) => isMsg(m) && String(m.text).startsWith('after'));
      for (let i = 0; i < 50 && !a2.inbox.some((m) => isMsg(m) && String(m.text).startsWith('back')); i++) {
        b1.send({ type: 'message', text: `back${i}` });
        await delay(100);
      }
      await a2.next((m) => isMsg(m) && String(m.text).startsWith('back'));
      expect(a.lines.filter((l) => String(l.msg).includes('Redis unreachable'))).toHaveLength(1);
    } finally {
      await r.stop();
    }
  });

  it('an instance SIGKILLed: its users leave the room for everyone else within 15 s', async () => {
    const [a, b] = await Promise.all([start(CHAT, chatEnv()), start(CHAT, chatEnv())]);
    const room = `k${Date.now().toString(36)}`;
    const stay = await connect(`ws://127.0.0.1:${a.port}/chat/${room}?name=stay`);
    await stay.next((m) => m.type === 'welcome');
    const doomed = await connect(`ws://127.0.0.1:${b.port}/chat/${room}?name=doomed`);
    await doomed.next((m) => m.type === 'welcome');
    await stay.next((m) => m.type === 'join' && m.name === 'doomed');
    b.proc.kill('SIGKILL');
    await stay.next((m) => m.type === 'leave' && m.name === 'doomed', 15_000);
    const again = await connect(`ws://127.0.0.1:${a.port}/chat/${room}?name=again`);
    const w = await again.next((m) => m.type === 'welcome');
    expect((w.users as string[]).sort()).toEqual(['again', 'stay']);
  }, 30_000);
});

describe(`the chat with WORKERS=2 on ${REACTOR}`, () => {
  it('clients spread over both workers are one room: users, messages, /health per worker', async () => {
    const chat = await start(CHAT, { WORKERS: '2' }, 'weft workers listening');
    const url = `ws://127.0.0.1:${chat.port}/chat?name=`;
    await spreadOverWorkers(chat.port, async (i) => {
      const c = await connect(`${url}u${i}`);
      await c.next((m) => m.type === 'welcome');
    });
    const h = JSON.parse((await getFresh(chat.port, '/health')).body) as Record<string, unknown>;
    expect(h).toEqual({ status: 'ok', connections: expect.any(Number), worker: expect.any(Number) });
    const last = await connect(`${url}last`);
    const w = await last.next((m) => m.type === 'welcome');
    expect((w.users as string[]).length).toBe(clients.length); // everyone, on both workers
    for (const [i, c] of clients.entries()) c.send({ type: 'message', text: `t${i}` });
    for (const c of clients)
      await until(() => c.inbox.filter((m) => m.type === 'message').length === clients.length, 10_000);
    chat.proc.kill('SIGTERM');
    expect((await Promise.all(clients.map((c) => c.closed))).every((c) => c.code === 1001)).toBe(true);
    expect(await chat.exited).toBe(0);
  });
});
