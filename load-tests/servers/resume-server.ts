/**
 * One instance of the failover bench (`load-tests/resume.ts`): a `/feed`
 * socket that follows the named channel CHANNEL on the Redis backplane at
 * REDIS_URL, with HISTORY values kept in Redis (0 or unset: no history, the
 * memory-only case). With SENDERS > 0 it also runs that many senders in
 * process, RATE values/s each, through the same channel instance; each value
 * is `{ s: sender, q: seq, t: send time (ms since the epoch) }`.
 *
 * The bench drives it over IPC: `{ cmd: 'fill', n }` sends n values at once
 * (round robin over the senders: history is full before the clients come),
 * `{ cmd: 'start' }` starts the senders,
 * `{ cmd: 'stats' }` and `{ cmd: 'stop' }` (which stops them first) answer
 * `{ sent: [per sender: how many it sent], sockets }`.
 */
import { z } from 'zod';
import { channel, path, serve, ws } from '../../src/index.js';
import { redis } from '../../src/redis/index.js';
import { PORT, ready } from './common.js';

export const Tick = z.object({ s: z.number(), q: z.number(), t: z.number() });
export type Tick = z.infer<typeof Tick>;

const env = process.env;
const history = Number(env.HISTORY ?? 0);
const senders = Number(env.SENDERS ?? 0);
const rate = Number(env.RATE ?? 50);
const backplane = redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', { prefix: 'resume-bench:', logger: false });
if (!(await backplane.whenConnected(10_000))) throw new Error('resume-server: Redis did not answer');
const [tx, rx] = channel<Tick>(1024, {
  name: env.CHANNEL ?? 'feed',
  backplane,
  ...(history > 0 ? { history } : {}),
});
rx.close();
await tx.ready();

export function feedRoutes() {
  return path('feed')
    .and(ws({ send: Tick, idleTimeout: 0 }))
    .map((u) =>
      u.onUpgrade(async (socket) => {
        socket.subscribe(tx);
        await socket.closed();
      }),
    );
}
export type FeedRoutes = ReturnType<typeof feedRoutes>;

const sent: number[] = Array.from({ length: senders }, () => 0);
let timer: ReturnType<typeof setInterval> | undefined;

/** Every 5 ms, each sender sends what it owes to keep RATE values/s since it started (so a slow loop catches up, not drifts). */
function start(): void {
  if (timer !== undefined || senders === 0) return;
  const t0 = Date.now();
  const base = [...sent];
  timer = setInterval(() => {
    const now = Date.now();
    for (let s = 0; s < senders; s++) {
      // Sender s is offset by s/senders of a period, so the senders interleave.
      const due = (base[s] as number) + Math.floor(((now - t0) * rate) / 1000 + (senders - s) / senders);
      while ((sent[s] as number) < due) tx.send({ s, q: (sent[s] as number)++, t: now });
    }
  }, 5);
}

/** Fill history before the clients come: n values, round robin over the senders, at once. */
function fill(n: number): void {
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const s = i % senders;
    tx.send({ s, q: (sent[s] as number)++, t: now });
  }
}

/** What this instance sent per sender, its sockets, and the highest offset it has heard of (any epoch). */
const stats = () => ({
  sent: [...sent],
  sockets: tx.socketCount,
  heard: Math.max(-1, ...Object.values(tx.snapshot())),
});
process.on('message', (m: { cmd: string; n?: number }) => {
  if (m.cmd === 'fill') fill(m.n ?? 0);
  if (m.cmd === 'start') start();
  if (m.cmd === 'stop') {
    clearInterval(timer);
    timer = undefined;
  }
  process.send?.({ cmd: m.cmd, ...stats() });
});
process.on('disconnect', () => process.exit(0));

const server = await serve(feedRoutes(), { logger: false }).listen({ port: PORT, host: '127.0.0.1' });
ready(server.port);
