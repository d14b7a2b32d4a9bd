/**
 * Realtime that survives, on the reactor under test: the weft client's
 * socket reconnects and resumes every named channel where it left off —
 * values replayed from history in order and once, what history no longer
 * has reported as `lost` (with its count where the server knows it), across
 * a dropped connection, a server restart, an instance killed behind a load
 * balancer (two instances and Redis), and a Redis restart. `ask` gets its
 * answer or times out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { AskError, type ClientSocket, client, type LostInfo } from '../src/client/index.js';
import { channel, path, type Sender, type Server, serve, ws } from '../src/index.js';
import { type RedisBackplane, redis } from '../src/redis/index.js';
import { balancer } from './balancer.js';
import { until } from './helpers.js';
import { REACTOR } from './reactor.js';
import { type RedisServer, startRedis } from './redis.js';

const Tick = z.object({ n: z.number() });
type Tick = z.infer<typeof Tick>;
let names = 0;
const uniqueName = () => `feed:${REACTOR}:${process.pid}:${names++}`;

/** A server whose `/feed` socket follows `tx`, and whose `/ask` socket answers asks (but not `{ n: -1 }`). */
function routesFor(tx: Sender<Tick>) {
  return path('feed')
    .and(ws({ send: Tick }))
    .map((u) =>
      u.onUpgrade(async (socket) => {
        socket.subscribe(tx);
        await socket.closed();
      }),
    )
    .or(
      path('ask')
        .and(ws({ receive: Tick, send: Tick }))
        .map((u) =>
          u.onUpgrade(async (socket) => {
            for await (const m of socket.messages()) {
              if (m.success && m.data.n >= 0) socket.answer(m.message, { n: m.data.n * 2 });
            }
          }),
        ),
    );
}

const servers: Server[] = [];
async function start(tx: Sender<Tick>, port = 0): Promise<Server> {
  const s = await serve(routesFor(tx), { reactor: REACTOR, logger: false }).listen({ port, host: '127.0.0.1' });
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close({ timeoutMs: 50 }).catch(() => undefined)));
});

interface Follower {
  readonly sock: ClientSocket<never, Tick>;
  readonly got: number[];
  readonly lost: LostInfo[];
  reconnected(): Promise<void>;
}

/** Follow `/feed` at `base`, collecting every value; reconnects fast. */
async function follow(base: string): Promise<Follower> {
  const got: number[] = [];
  const lost: LostInfo[] = [];
  let wake: () => void = () => {};
  const api = client<ReturnType<typeof routesFor>>(base, { WebSocket: WebSocket as never });
  const sock = await api.feed.ws({
    reconnect: { minDelayMs: 20, maxDelayMs: 100 },
    onLost: (l) => lost.push(l),
    onReconnect: () => wake(),
  });
  void (async () => {
    for await (const t of sock) got.push(t.n);
  })();
  return {
    sock: sock as ClientSocket<never, Tick>,
    got,
    lost,
    reconnected: () => new Promise<void>((r) => (wake = r)),
  };
}

/** Drop the connection under the client, as a network failure would (no close frame). */
function drop(f: Follower): void {
  (f.sock.raw as unknown as WebSocket).terminate();
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
function send(tx: Sender<Tick>, from: number, to: number): void {
  for (const n of range(from, to)) tx.send({ n });
}

describe(`resume on the ${REACTOR} reactor`, () => {
  it('replays what a dropped connection missed, in order and once, then goes on live', async () => {
    const [tx] = channel<Tick>(64, { name: uniqueName(), history: 100 });
    const s = await start(tx);
    const f = await follow(`http://127.0.0.1:${s.port}`);
    await until(() => tx.socketCount === 1);
    send(tx, 0, 5);
    await until(() => f.got.length === 5);
    const back = f.reconnected();
    drop(f);
    send(tx, 5, 10); // while it is away
    await back;
    send(tx, 10, 15);
    await until(() => f.got.length >= 15);
    expect(f.got).toEqual(range(0, 15));
    expect(f.lost).toEqual([]);
    expect(f.sock.reconnects).toBe(1);
    f.sock.close();
  });

  it('repeated drops replay nothing twice and lose nothing', async () => {
    const [tx] = channel<Tick>(64, { name: uniqueName(), history: 1000 });
    const s = await start(tx);
    const f = await follow(`http://127.0.0.1:${s.port}`);
    await until(() => tx.socketCount === 1);
    let n = 0;
    for (let round = 0; round < 5; round++) {
      send(tx, n, n + 7);
      n += 7;
      const back = f.reconnected();
      drop(f);
      send(tx, n, n + 3);
      n += 3;
      await back;
    }
    send(tx, n, n + 5);
    n += 5;
    await until(() => f.got.length >= n);
    expect(f.got).toEqual(range(0, n));
    expect(f.sock.reconnects).toBe(5);
    f.sock.close();
  });

  it('a gap older than history is replayed as far as history goes and the rest reported lost, with the count', async () => {
    const [tx] = channel<Tick>(64, { name: uniqueName(), history: 3 });
    const s = await start(tx);
    const f = await follow(`http://127.0.0.1:${s.port}`);
    await until(() => tx.socketCount === 1);
    send(tx, 0, 2);
    await until(() => f.got.length === 2);
    const back = f.reconnected();
    drop(f);
    await until(() => tx.socketCount === 0);
    send(tx, 2, 12); // 10 while away; history keeps the last 3
    await back;
    await until(() => f.got.length >= 5);
    expect(f.got).toEqual([0, 1, 9, 10, 11]);
    expect(f.lost).toEqual([{ channel: tx.name, count: 7 }]);
    f.sock.close();
  });

  it('without history every missed value is reported lost, with the count: never a silent gap', async () => {
    const [tx] = channel<Tick>(64, { name: uniqueName() });
    const s = await start(tx);
    const f = await follow(`http://127.0.0.1:${s.port}`);
    await until(() => tx.socketCount === 1);
    send(tx, 0, 3);
    await until(() => f.got.length === 3);
    const back = f.reconnected();
    drop(f);
    await until(() => tx.socketCount === 0);
    send(tx, 3, 8);
    await back;
    await until(() => f.lost.length === 1);
    send(tx, 8, 10);
    await until(() => f.got.length >= 5);
    expect(f.got).toEqual([0, 1, 2, 8, 9]);
    expect(f.lost).toEqual([{ channel: tx.name, count: 5 }]);
    f.sock.close();
  });

  it('after a server restart without shared history: the old sender is lost (count unknown), the new one replayed', async () => {
    const name = uniqueName();
    const [tx1] = channel<Tick>(64, { name, history: 100 });
    const s1 = await start(tx1);
    let port = s1.port;
    const lb = await balancer(() => [port]);
    try {
      const f = await follow(`http://127.0.0.1:${lb.port}`);
      await until(() => tx1.socketCount === 1);
      send(tx1, 0, 3);
      await until(() => f.got.length === 3);
      const back = f.reconnected();
      await s1.close({ timeoutMs: 50 }); // 1001: the client comes back
      const [tx2] = channel<Tick>(64, { name, history: 100 }); // a new process: a new epoch
      send(tx2, 100, 103); // before the client is back: replayed as a sender it has not seen
      port = (await start(tx2)).port;
      await back;
      await until(() => f.got.length >= 6 && f.lost.length === 1);
      send(tx2, 103, 105);
      await until(() => f.got.length >= 8);
      expect(f.got).toEqual([0, 1, 2, 100, 101, 102, 103, 104]);
      expect(f.lost).toEqual([{ channel: name, count: null }]);
      f.sock.close();
    } finally {
      lb.close();
    }
  });

  it('ask gets its answer; an ask nobody answers times out with AskError', async () => {
    const [tx] = channel<Tick>(8, { name: uniqueName() });
    const s = await start(tx);
    const api = client<ReturnType<typeof routesFor>>(`http://127.0.0.1:${s.port}`, { WebSocket: WebSocket as never });
    const sock = await api.ask.ws();
    expect(await sock.ask({ n: 21 }, { timeoutMs: 5000 })).toEqual({ n: 42 });
    const answers = await Promise.all([1, 2, 3].map((n) => sock.ask({ n })));
    expect(answers).toEqual([{ n: 2 }, { n: 4 }, { n: 6 }]);
    await expect(sock.ask({ n: -1 }, { timeoutMs: 50 })).rejects.toBeInstanceOf(AskError);
    sock.close();
  });
});

describe(`resume across instances through Redis, on the ${REACTOR} reactor`, () => {
  let r: RedisServer;
  const backplanes: RedisBackplane[] = [];
  beforeAll(async () => {
    r = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(backplanes.map((b) => b.close()));
    await r?.stop();
  });
  /** A backplane that is connected: `tx.ready()` waits for the subscription only once Redis answers. */
  const bp = async () => {
    const b = redis(r.url, { logger: false });
    backplanes.push(b);
    if (!(await b.whenConnected(10_000))) throw new Error('Redis did not answer');
    return b;
  };

  it('a client on a killed instance comes back on the other and misses nothing sent meanwhile', async () => {
    const name = uniqueName();
    const [txA] = channel<Tick>(64, { name, backplane: await bp(), history: 500 });
    const [txB] = channel<Tick>(64, { name, backplane: await bp(), history: 500 });
    await Promise.all([txA.ready(), txB.ready()]);
    const a = await start(txA);
    const b = await start(txB);
    const live = new Set([a.port, b.port]);
    const lb = await balancer(() => [a.port, b.port].filter((p) => live.has(p)));
    try {
      const f = await follow(`http://127.0.0.1:${lb.port}`);
      await until(() => txA.socketCount === 1);
      send(txB, 0, 10); // a sender on B
      await until(() => f.got.length === 10);
      const back = f.reconnected();
      live.delete(a.port);
      await a.close({ timeoutMs: 0 }); // A is gone: its clients come back through the balancer, to B
      send(txB, 10, 40);
      await back;
      send(txB, 40, 45);
      await until(() => f.got.length >= 45);
      expect(f.got).toEqual(range(0, 45));
      expect(f.lost).toEqual([]);
      expect(txB.socketCount).toBe(1);
      f.sock.close();
    } finally {
      lb.close();
    }
  });

  it('a client that joined after a sender went quiet is not replayed that sender’s old values on its return', async () => {
    const name = uniqueName();
    const [txB] = channel<Tick>(64, { name, backplane: await bp(), history: 500 });
    await txB.ready();
    send(txB, 0, 5); // kept in history before A ever opens the channel
    const [txA] = channel<Tick>(64, { name, backplane: await bp(), history: 500 });
    await txA.ready();
    const a = await start(txA);
    const f = await follow(`http://127.0.0.1:${a.port}`);
    const epochB = Object.keys(txB.snapshot())[0] as string;
    await until(() => f.sock.positions[name]?.[epochB] === 4); // A told it where B's history ends
    const back = f.reconnected();
    drop(f);
    await back;
    send(txB, 5, 8);
    await until(() => f.got.length >= 3);
    expect(f.got).toEqual([5, 6, 7]);
    expect(f.lost).toEqual([]);
    f.sock.close();
  });

  it('after a Redis restart (history gone), what it missed is reported lost with the count the instance heard', async () => {
    const name = uniqueName();
    const [txA] = channel<Tick>(64, { name, backplane: await bp(), history: 500 });
    const [txB] = channel<Tick>(64, { name, backplane: await bp(), history: 500 });
    await Promise.all([txA.ready(), txB.ready()]);
    const a = await start(txA);
    let open = true;
    const lb = await balancer(() => (open ? [a.port] : []));
    try {
      const f = await follow(`http://127.0.0.1:${lb.port}`);
      await until(() => txA.socketCount === 1);
      send(txB, 0, 5);
      await until(() => f.got.length === 5);
      open = false; // the client stays away until Redis is back
      const back = f.reconnected();
      drop(f);
      await until(() => txA.socketCount === 0);
      send(txB, 5, 9); // A hears them, Redis keeps them ...
      const epochB = Object.keys(txB.snapshot())[0] as string;
      await until(() => txA.snapshot()[epochB] === 8);
      await r.kill(); // ... until it restarts empty: no persistence
      await r.restart();
      const pair = backplanes.slice(-2);
      await until(() => pair.every((x) => x.connected), 10_000);
      open = true;
      await back;
      await until(() => f.lost.length === 1);
      expect(f.lost).toEqual([{ channel: name, count: 4 }]);
      send(txB, 9, 11);
      await until(() => f.got.length >= 7);
      expect(f.got).toEqual([0, 1, 2, 3, 4, 9, 10]);
      f.sock.close();
    } finally {
      lb.close();
    }
  });
});
