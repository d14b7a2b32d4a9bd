/**
 * weft/redis against a real redis-server: order, lag, outages (a proxy the
 * test can cut, and Redis itself SIGKILLed), re-subscription, history,
 * presence, sharded pub/sub, and one PUBLISH per send.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channel, LaggedError, type Receiver } from '../src/index.js';
import { type RedisBackplane, redis } from '../src/redis/index.js';
import { memoryLogger, until } from './helpers.js';
import { commandCalls, type RedisServer, startRedis } from './redis.js';

let server: RedisServer;
const open: RedisBackplane[] = [];
let n = 0;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await Promise.allSettled(open.map((b) => b.close()));
  await server.stop();
});

function backplane(url = server.url, opts: Parameters<typeof redis>[1] = {}): RedisBackplane {
  const b = redis(url, { prefix: `t${++n}:`, ...opts });
  open.push(b);
  return b;
}

/** Two instances on one prefix. */
function pair(opts: Parameters<typeof redis>[1] = {}, urlA = server.url): [RedisBackplane, RedisBackplane] {
  const prefix = `p${++n}:`;
  const a = redis(urlA, { prefix, ...opts });
  const b = redis(server.url, { prefix, ...opts });
  open.push(a, b);
  return [a, b];
}

/** Both connections up and every channel opened so far subscribed (`connected` waits for the SUBSCRIBEs). */
async function ready(...bs: RedisBackplane[]): Promise<void> {
  await until(() => bs.every((b) => b.connected), 10_000);
}

/** Read `count` results: values, or `lag:n` for a LaggedError. */
async function take<T>(rx: Receiver<T>, count: number): Promise<(T | string)[]> {
  const out: (T | string)[] = [];
  while (out.length < count) {
    try {
      out.push(await rx.recv());
    } catch (e) {
      if (e instanceof LaggedError) out.push(`lag:${e.skipped}`);
      else throw e;
    }
  }
  return out;
}

/** A TCP proxy in front of Redis that the test can cut and restore. */
interface Proxy {
  url: string;
  cut(): void;
  restore(): void;
  /** From now on, hold (not forward) what a client sends once it sends `text`; `held` says whether it has. */
  hold(text: string): void;
  readonly held: boolean;
  /** Forward what was held, and everything after it. */
  release(): void;
  close(): void;
}

/** A TCP proxy in front of Redis that the test can cut, restore, and make hold a command. */
async function proxy(target: number): Promise<Proxy> {
  const conns = new Set<net.Socket>();
  let refusing = false;
  let holding: string | undefined;
  let held = false;
  const releases = new Set<() => void>();
  const srv = net.createServer((c) => {
    if (refusing) {
      c.destroy();
      return;
    }
    const up = net.connect(target, '127.0.0.1');
    conns.add(c).add(up);
    let stalled: Buffer[] | undefined;
    c.on('data', (d: Buffer) => {
      if (!stalled && holding !== undefined && d.toString('latin1').toLowerCase().includes(holding)) {
        stalled = [];
        held = true;
        releases.add(() => {
          for (const b of stalled ?? []) up.write(b);
          stalled = undefined;
        });
      }
      if (stalled) stalled.push(d);
      else up.write(d);
    });
    up.pipe(c);
    const drop = () => {
      c.destroy();
      up.destroy();
      conns.delete(c);
      conns.delete(up);
    };
    c.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      refusing = true;
      for (const c of conns) c.destroy();
    },
    restore() {
      refusing = false;
    },
    hold(text) {
      holding = text.toLowerCase();
    },
    get held() {
      return held;
    },
    release() {
      holding = undefined;
      for (const r of releases) r();
      releases.clear();
    },
    close() {
      refusing = true;
      for (const c of conns) c.destroy();
      srv.close();
    },
  };
}

describe('weft/redis backplane', () => {
  it('delivers every value to the other instance in order, one PUBLISH per send', async () => {
    const [a, b] = pair();
    const [txA, rxA] = channel<{ i: number }>(1024, { name: 'order', backplane: a });
    rxA.unsubscribe();
    const [, rxB] = channel<{ i: number }>(1024, { name: 'order', backplane: b });
    await ready(a, b);
    const before = await commandCalls(server, 'publish');
    for (let i = 0; i < 500; i++) expect(txA.send({ i })).toBe(0);
    const got = await take(rxB, 500);
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => ({ i })));
    expect((await commandCalls(server, 'publish')) - before).toBe(500);
    expect(a.stats).toMatchObject({ published: 500, dropped: 0, buffered: 0 });
  });

  it('keeps each sender’s order when both send at once, and skips its own echo', async () => {
    const [a, b] = pair();
    const [txA, rxA] = channel<string>(1024, { name: 'both', backplane: a });
    const [txB, rxB] = channel<string>(1024, { name: 'both', backplane: b });
    await ready(a, b);
    for (let i = 0; i < 200; i++) {
      txA.send(`a${i}`);
      txB.send(`b${i}`);
    }
    for (const rx of [rxA, rxB]) {
      const got = (await take(rx, 400)) as string[];
      expect(got.filter((v) => v.startsWith('a'))).toEqual(Array.from({ length: 200 }, (_, i) => `a${i}`));
      expect(got.filter((v) => v.startsWith('b'))).toEqual(Array.from({ length: 200 }, (_, i) => `b${i}`));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(rxA.len + rxB.len).toBe(0); // no echoes of their own values
  });

  it('keeps history in a capped Redis stream that a later instance reads', async () => {
    const [a, b] = pair();
    const [txA] = channel<number>(16, { name: 'hist', backplane: a, history: 5 });
    await ready(a);
    for (let i = 0; i < 12; i++) txA.send(i);
    await until(() => a.stats.published === 12);
    const [txB] = channel<number>(16, { name: 'hist', backplane: b, history: 5 });
    await ready(b);
    await until(async () => (await txB.history()).length === 5);
    expect(await txB.history()).toEqual([7, 8, 9, 10, 11]);
    expect(Number(await server.cmd('XLEN', `${prefixOf(a)}history:hist`).then(intReply))).toBeLessThan(12 + 1);
  });

  it('an outage: local delivery goes on, send never throws, values wait in order and go out after; logged once', async () => {
    const p = await proxy(server.port);
    const { logger, lines } = memoryLogger();
    const [a, b] = pair({ logger }, p.url);
    const [txA, rxA] = channel<number>(256, { name: 'outage', backplane: a });
    const [txB, rxB] = channel<number>(256, { name: 'outage', backplane: b });
    await ready(a, b);
    txA.send(0);
    expect(await rxB.recv()).toBe(0);
    expect(await rxA.recv()).toBe(0);
    p.cut();
    await until(() => !a.connected);
    for (let i = 1; i <= 20; i++) expect(txA.send(i)).toBe(1); // never throws, local receiver counted
    expect(await take(rxA, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(a.stats.buffered).toBe(20);
    await new Promise((r) => setTimeout(r, 600)); // ioredis retries a few times meanwhile
    p.restore();
    await until(() => a.connected, 10_000);
    expect(await take(rxB, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // A re-subscribed by itself (`connected`, awaited above, waits for the SUBSCRIBEs): B's values reach it again.
    txB.send(99);
    expect(await rxA.recv()).toBe(99);
    expect(lines.filter((l) => String(l.msg).includes('Redis unreachable'))).toHaveLength(1);
    expect(lines.filter((l) => String(l.msg).includes('reconnected'))).toHaveLength(1);
    p.close();
  });

  it('a full outage buffer drops the oldest: receivers elsewhere see LaggedError(n), then the rest', async () => {
    const p = await proxy(server.port);
    const lags: number[] = [];
    const [a, b] = pair({ bufferSize: 5 }, p.url);
    const [txA] = channel<number>(256, { name: 'overflow', backplane: a });
    const [, rxB] = channel<number>(256, { name: 'overflow', backplane: b, onLag: (k) => lags.push(k) });
    await ready(a, b);
    txA.send(0);
    expect(await rxB.recv()).toBe(0);
    p.cut();
    await until(() => !a.connected);
    for (let i = 1; i <= 12; i++) txA.send(i);
    expect(a.stats).toMatchObject({ buffered: 5, dropped: 7 });
    p.restore();
    expect(await take(rxB, 6)).toEqual(['lag:7', 8, 9, 10, 11, 12]);
    expect(lags).toEqual([7]);
    p.close();
  });

  it('Redis SIGKILLed and restarted: local delivery continues, cross-instance delivery resumes', async () => {
    const r = await startRedis();
    try {
      const prefix = `k${++n}:`;
      const a = redis(r.url, { prefix });
      const b = redis(r.url, { prefix });
      open.push(a, b);
      const [txA, rxA] = channel<number>(256, { name: 'kill', backplane: a });
      const [, rxB] = channel<number>(256, { name: 'kill', backplane: b });
      await ready(a, b);
      txA.send(1);
      expect(await rxB.recv()).toBe(1);
      expect(await rxA.recv()).toBe(1);
      await r.kill();
      await until(() => !a.connected && !b.connected);
      txA.send(2);
      expect(await rxA.recv()).toBe(2);
      await r.restart();
      await until(() => a.connected && b.connected, 15_000);
      // B re-subscribes on its own schedule: value 2 either arrives or shows as lag; nothing is silent.
      let seen: (number | string)[] = [];
      for (let i = 3; !seen.includes(i - 1) && i < 200; i++) {
        txA.send(i);
        await new Promise((res) => setTimeout(res, 25));
        while (rxB.len > 0) seen = seen.concat(await take(rxB, 1));
      }
      const values = seen.filter((v): v is number => typeof v === 'number');
      expect(values.length).toBeGreaterThan(0);
      expect(values).toEqual([...values].sort((x, y) => x - y)); // still in order
      const lagged = seen.filter((v): v is string => typeof v === 'string').reduce((s, v) => s + Number(v.slice(4)), 0);
      expect(values.length + lagged).toBe((values.at(-1) as number) - 1); // every value from 2 on: delivered or counted
    } finally {
      await r.stop();
    }
  });

  it('sharded pub/sub: SPUBLISH once per send, SSUBSCRIBE re-established', async () => {
    const [a, b] = pair({ sharded: true });
    const [txA] = channel<number>(64, { name: 'sharded', backplane: a });
    const [, rxB] = channel<number>(64, { name: 'sharded', backplane: b });
    await ready(a, b);
    const before = await commandCalls(server, 'spublish');
    for (let i = 0; i < 10; i++) txA.send(i);
    expect(await take(rxB, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect((await commandCalls(server, 'spublish')) - before).toBe(10);
  });

  it('presence spans instances; a silent instance’s members are reported once, to one survivor', async () => {
    const p = await proxy(server.port);
    const [a, b] = pair({ presenceTtlMs: 3000 }, p.url);
    const c = redis(server.url, { prefix: prefixOf(a), presenceTtlMs: 3000 });
    open.push(c);
    const expired: string[] = [];
    b.onExpired((name, members) => expired.push(...members.map((m) => `${name}/${m.data}`)));
    c.onExpired((name, members) => expired.push(...members.map((m) => `${name}/${m.data}`)));
    await ready(a, b, c);
    await a.presence('room').add('1', 'ann');
    await a.presence('room').add('2', 'bob');
    await b.presence('room').add('1', 'cat');
    c.presence('room');
    expect((await b.presence('room').members()).map((m) => m.data).sort()).toEqual(['ann', 'bob', 'cat']);
    await a.presence('room').remove('2');
    expect((await c.presence('room').members()).map((m) => m.data).sort()).toEqual(['ann', 'cat']);
    p.cut(); // A falls silent (as if SIGKILLed)
    await until(() => expired.length > 0, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(expired).toEqual(['room/ann']);
    expect((await b.presence('room').members()).map((m) => m.data)).toEqual(['cat']);
    p.close();
  });

  it('closed while Redis has not answered its re-subscription: nothing is left unhandled', async () => {
    // ioredis's own re-subscription (6.0) left this rejection unhandled; weft re-subscribes itself.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const p = await proxy(server.port);
    try {
      const b = backplane(p.url);
      channel<number>(8, { name: 'resub', backplane: b });
      await ready(b);
      p.hold('subscribe');
      p.cut(); // both connections drop and come back; the subscriber's SUBSCRIBE is held at the proxy
      p.restore();
      await until(() => p.held, 10_000);
      await b.close(); // its QUIT waits behind the held SUBSCRIBE: close stops waiting and disconnects
      await until(() => subscriberStatus(b) === 'end'); // the held SUBSCRIBE is rejected as the connection ends
      await new Promise((r) => setImmediate(r)); // unhandled rejections are reported by then
      expect(b.connected).toBe(false);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      p.close();
    }
  });

  it('connected turns true again only once Redis has answered the re-subscriptions', async () => {
    const p = await proxy(server.port);
    try {
      const [a, b] = pair({}, p.url); // A through the proxy, B straight to Redis
      const [, rxA] = channel<number>(8, { name: 'again', backplane: a });
      const [txB] = channel<number>(8, { name: 'again', backplane: b });
      await ready(a, b);
      p.hold('subscribe');
      p.cut();
      p.restore();
      await until(() => p.held, 10_000);
      await until(() => subscriberStatus(a) === 'ready'); // reconnected; its SUBSCRIBE is held
      expect(a.connected).toBe(false);
      p.release();
      await until(() => a.connected);
      txB.send(7); // published once A says it is connected: A hears it
      expect(await rxA.recv()).toBe(7);
    } finally {
      p.close();
    }
  });

  it('refuses URLs that are not redis:// or rediss://', () => {
    expect(() => redis('http://localhost:6379')).toThrow(/redis:\/\/ or rediss:\/\//);
    const tls = redis('rediss://127.0.0.1:1', { redis: { retryStrategy: () => null }, logger: false });
    void tls.close();
  });

  it('a closed backplane leaves presence at once', async () => {
    const [a, b] = pair();
    await ready(a, b);
    await a.presence('r').add('x', 'xena');
    expect((await b.presence('r').members()).length).toBe(1);
    await a.close();
    expect(await b.presence('r').members()).toEqual([]);
    void backplane;
  });
});

function prefixOf(b: RedisBackplane): string {
  return (b as unknown as { prefix: string }).prefix;
}

/** The status of the backplane's subscriber connection (ioredis: `ready`, `end`, ...). */
function subscriberStatus(b: RedisBackplane): string {
  return (b as unknown as { sub: { status: string } }).sub.status;
}

function intReply(s: string): number {
  return Number(s.replace(/^:/, '').trim());
}
