/**
 * The failover bench: weft clients on an instance that is SIGKILLed come back
 * on the other instance and catch up, through Redis.
 *
 *   npm run bench:resume                       1000 clients, 3 runs of each mode (~5 min), updates RESUME.md
 *   npm run bench:resume -- --clients 50 --seconds 3 --runs 1   a small run (printed only; --write to write)
 *   flags: --clients N --seconds S (before the kill) --runs R --senders N --rate R (per sender)
 *          --history N --fill N | --no-fill --wait S (after the kill) --balancer
 *
 * Two instances of `servers/resume-server.ts` (A and B, child processes,
 * pinned to core 0 with Redis) follow one named channel on a Redis backplane.
 * B runs the senders in process (--senders 10 × --rate 5 values/s each by
 * default), each value `{ s: sender, q: seq, t: send time }`; in history mode
 * it first sends --fill values at once so history is full when A dies. The
 * clients (`weft/client` with `ws`, `reconnect: { minDelayMs: 100,
 * maxDelayMs: 1000 }`) run in this process, pinned to core 1; each new
 * connection goes to the first instance alive (A while it lives, then B),
 * straight or (--balancer) through a TCP proxy in this process. Every client
 * starts on A. After --seconds of steady sending A is SIGKILLed; the clients
 * drop, reconnect to B and resume.
 *
 * Two modes: `history` (Redis keeps the last 5000 values) must lose nothing,
 * duplicate nothing and keep each sender's order; `no history` (memory only)
 * must report `lost` to every client that missed values, with the count:
 * for each client, per sender, every sequence number from its first value to
 * the sender's last is either received or counted lost.
 *
 * Caught up (history mode): a client is caught up at the first value it
 * receives that was sent at or after its reconnect (send time >= the time
 * its new connection opened), having received every earlier value of every
 * sender without a gap. The channel has one epoch (B's), so its values reach
 * a client in one order: that value comes after everything sent before the
 * reconnect, replayed. The final check (after the senders stop, each client
 * holds every value from its first to the sender's last) confirms nothing
 * before it was missing. Times are from A's SIGKILL.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { type ClientSocket, client } from '../src/client/index.js';
import { freePort, type RedisServer, startRedis } from '../test/redis.js';
import { cpuMicrosExact as cpuMicros } from './lib.js';
import type { FeedRoutes, Tick } from './servers/resume-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const a = argv[i] as string;
  const v = Number(a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
const CLIENTS = flag('clients', 1000);
const SECONDS = flag('seconds', 5);
const SENDERS = flag('senders', 10);
// The issue's 50/s per sender (500/s in all) fans out 500 000 values/s to 1000 clients: more than one core of
// `ws` clients takes (see RESUME.md). The default is 5/s each, 50/s in all; `--rate 50` runs the target.
const RATE = flag('rate', 5);
const RUNS = flag('runs', 3);
const HISTORY = flag('history', 5000);
/** Values sent at once before the clients connect, so history is full when A dies (history mode). */
const FILL = argv.includes('--no-fill') ? 0 : flag('fill', HISTORY);
/** How long after the kill every client has to catch up before the run counts as failed. */
const DEADLINE_MS = 5000;
/** How long to wait for stragglers past the deadline (so a miss is measured, not cut off). */
const WAIT_MS = flag('wait', 60) * 1000;
/** Connecting every client may take this long; past it the client core is saturated and the run stops. */
const CONNECT_MS = 120_000;
/**
 * How a client finds an instance. Default: each new connection goes straight to the first instance alive (A
 * until it is killed, then B; the switch is made at the kill, as a balancer that sees A refuse would).
 * `--balancer`: through a TCP proxy in this process, as in test/resume.test.ts; it relays every frame, and on
 * one core with 1000 clients it saturates before the clients do (see RESUME.md).
 */
const DIRECT = !argv.includes('--balancer');
const RECONNECT = { minDelayMs: 100, maxDelayMs: 1000 } as const;
const custom = argv.some((a) => /^--(clients|seconds|senders|rate|runs|history|fill|no-fill|wait|balancer)/.test(a));
const WRITE = argv.includes('--write') || !custom;
const log = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const hasTaskset = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// This process (clients and balancer) on core 1; the instances and Redis on core 0.
if (hasTaskset && os.cpus().length >= 2)
  execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
const pinned = (core: string, cmd: string[]) =>
  hasTaskset && os.cpus().length >= 2 ? ['taskset', '-c', core, ...cmd] : cmd;

// --- the instances -------------------------------------------------------------------------

interface Stats {
  cmd: string;
  sent: number[];
  sockets: number;
  heard: number;
}
interface Instance {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly port: number;
  ask(cmd: 'fill' | 'start' | 'stop' | 'stats', n?: number): Promise<Stats>;
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const [cmd, ...args] = pinned('0', [process.execPath, '--import', 'tsx', join(here, 'servers', 'resume-server.ts')]);
  const proc = spawn(cmd as string, args, {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`resume-server exited with ${code}`)));
  });
  let line = Promise.resolve() as Promise<unknown>;
  return {
    proc,
    pid: proc.pid as number,
    port,
    // One question at a time: answers come back in order.
    ask(cmd, n) {
      const p = line.then(async () => {
        const answer = once(proc, 'message') as Promise<[Stats]>;
        proc.send({ cmd, n });
        return (await answer)[0];
      });
      line = p.catch(() => undefined);
      return p;
    },
  };
}

function kill(i: Instance): Promise<void> {
  if (i.proc.exitCode !== null || i.proc.signalCode !== null) return Promise.resolve();
  const gone = once(i.proc, 'exit').then(() => undefined);
  process.kill(i.pid, 'SIGKILL');
  return gone;
}

// --- the balancer (as in test/resume.test.ts) ------------------------------------------------

/** A TCP load balancer: each new connection goes to the first backend that accepts it. */
async function balancer(ports: readonly number[]): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    sockets.add(down);
    down.setNoDelay(true);
    down.on('close', () => sockets.delete(down));
    down.on('error', () => undefined);
    const tryAt = (i: number) => {
      const p = ports[i];
      if (p === undefined) return down.destroy();
      const up = net.connect(p, '127.0.0.1');
      up.once('error', () => tryAt(i + 1));
      up.once('connect', () => {
        up.setNoDelay(true);
        up.removeAllListeners('error');
        up.on('error', () => down.destroy());
        down.on('error', () => up.destroy());
        up.on('close', () => down.destroy());
        down.on('close', () => up.destroy());
        down.pipe(up).pipe(down);
      });
    };
    tryAt(0);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', 1024, r));
  return {
    port,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

// --- the clients -----------------------------------------------------------------------------

interface Follower {
  sock: ClientSocket<never, Tick> | undefined;
  /** Per sender: first and last seq received. */
  readonly first: Int32Array;
  readonly last: Int32Array;
  /** Values received, in all. */
  received: number;
  /** Sequence numbers skipped (per sender, summed): what a gap left out. */
  skipped: number;
  /** Values at or before one already received from their sender (a duplicate or out of order). */
  repeated: number;
  /** Reported lost: the sum of the counts, how many reports, how many without a count. */
  lost: number;
  lostReports: number;
  lostUnknown: number;
  drops: number;
  reconnects: number;
  droppedAt: number;
  reconnectedAt: number;
  /** First value after the last reconnect; first value sent at/after it with no gap before (see the header). */
  backAt: number;
  caughtAt: number;
  lostAt: number;
  /** A gap since the last reconnect (then it is not caught up, by definition). */
  gapSinceReconnect: boolean;
}

let sampling = false;
let connectFailures = 0;
const latencies: number[] = [];

function onValue(f: Follower, v: Tick): void {
  const now = Date.now();
  f.received++;
  const prev = f.last[v.s] as number;
  if (prev === -1) f.first[v.s] = v.q;
  else if (v.q <= prev) {
    f.repeated++;
    return;
  } else if (v.q > prev + 1) {
    f.skipped += v.q - prev - 1;
    if (f.reconnectedAt > 0) f.gapSinceReconnect = true;
  }
  f.last[v.s] = v.q;
  if (sampling && (f.received & 7) === 0) latencies.push(now - v.t);
  if (f.reconnectedAt > 0) {
    if (f.backAt === 0) f.backAt = now;
    if (f.caughtAt === 0 && !f.gapSinceReconnect && v.t >= f.reconnectedAt) f.caughtAt = now;
  }
}

async function follow(
  url: string,
  Ctor: new (url: string, protocols?: string | string[]) => WebSocket,
): Promise<Follower> {
  const f: Follower = {
    sock: undefined,
    first: new Int32Array(SENDERS).fill(-1),
    last: new Int32Array(SENDERS).fill(-1),
    received: 0,
    skipped: 0,
    repeated: 0,
    lost: 0,
    lostReports: 0,
    lostUnknown: 0,
    drops: 0,
    reconnects: 0,
    droppedAt: 0,
    reconnectedAt: 0,
    backAt: 0,
    caughtAt: 0,
    lostAt: 0,
    gapSinceReconnect: false,
  };
  const api = client<FeedRoutes>(url, { WebSocket: Ctor as never });
  const open = () =>
    api.feed.ws({
      reconnect: RECONNECT,
      onDrop: () => {
        f.drops++;
        f.droppedAt = Date.now();
        f.reconnectedAt = 0;
        f.backAt = 0;
        f.caughtAt = 0;
        f.gapSinceReconnect = false;
      },
      onReconnect: () => {
        f.reconnects++;
        f.reconnectedAt = Date.now();
      },
      onLost: (l) => {
        f.lostReports++;
        if (l.count === null) f.lostUnknown++;
        else f.lost += l.count;
        if (f.lostAt === 0) f.lostAt = Date.now();
      },
    });
  let sock: Awaited<ReturnType<typeof open>>;
  for (let attempt = 1; ; attempt++) {
    try {
      sock = await open();
      break;
    } catch (e) {
      connectFailures++;
      if (attempt === 5) throw e;
      log(`  connect failed (${(e as Error).message}); again`);
      await sleep(100 * attempt);
    }
  }
  f.sock = sock as ClientSocket<never, Tick>;
  void (async () => {
    for await (const v of sock) onValue(f, v as Tick);
  })();
  return f;
}

// --- one run -------------------------------------------------------------------------------

interface RunResult {
  mode: 'history' | 'no history';
  clients: number;
  /** How long the clients took to connect (all on A). */
  connectMs: number;
  /** Before the kill: deliveries/s to the clients and send-to-receipt latency (p50, p99), ms. */
  steadyRate: number;
  steadyP50: number;
  steadyP99: number;
  sentBeforeKill: number;
  sentTotal: number;
  onAAtKill: number;
  onBAfter: number;
  reconnected: number;
  /** Clients caught up (history) or back and told (no history) within --wait. */
  finished: number;
  /** CPU (ms) of B, Redis and this process from the kill until every client finished (or --wait), and that wall time. */
  failoverCpu: { b: number; redis: number; bench: number; wall: number };
  /** ms from the kill: first value back (all clients), caught up (history mode). */
  back: { p50: number; p99: number; max: number; n: number };
  caught: { p50: number; p99: number; max: number; n: number };
  withinDeadline: number;
  /** Verification. */
  skipped: number;
  repeated: number;
  missingTail: number;
  lost: number;
  lostReports: number;
  lostUnknown: number;
  /** no history: clients whose skipped != lost, clients that skipped values with no lost report. */
  countMismatch: number;
  silentGaps: number;
  /** Clients that missed values while away (no history: should all be told). */
  affected: number;
  /** Every client back on B; nothing lost, repeated or (for those that finished) missing with history; every gap reported with its count without. */
  correct: boolean;
  /** Correct, and every client caught up (history) or back and told (no history) within 5 s of the kill. */
  ok: boolean;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};
/** Percentiles over all `total` clients: those that never got there count as infinitely late. */
const spread = (xs: number[], total: number) => {
  const all = [...xs, ...Array.from({ length: Math.max(0, total - xs.length) }, () => Number.POSITIVE_INFINITY)];
  return { p50: pct(all, 50), p99: pct(all, 99), max: pct(all, 100), n: xs.length };
};

let runNo = 0;
async function run(redis: RedisServer, withHistory: boolean): Promise<RunResult> {
  const redisUrl = redis.url;
  const mode = withHistory ? 'history' : 'no history';
  const name = `feed:${process.pid}:${runNo++}`;
  const common = { REDIS_URL: redisUrl, CHANNEL: name, HISTORY: withHistory ? String(HISTORY) : '0' };
  const a = await startInstance({ ...common, SENDERS: '0' });
  const b = await startInstance({ ...common, SENDERS: String(SENDERS), RATE: String(RATE) });
  const lb = DIRECT ? { port: a.port, close: () => undefined } : await balancer([a.port, b.port]);
  let target = a.port;
  const Ctor = DIRECT
    ? class extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url.replace(`:${a.port}/`, `:${target}/`), protocols);
        }
      }
    : WebSocket;
  const followers: Follower[] = [];
  try {
    // History full before the clients come (as on a channel that has been running a while).
    if (withHistory && FILL > 0) {
      await b.ask('fill', FILL);
      const until = Date.now() + 10_000;
      while ((await a.ask('stats')).heard < FILL - 1 && Date.now() < until) await sleep(20);
    }
    await b.ask('start');
    const t0 = Date.now();
    const url = `http://127.0.0.1:${lb.port}`;
    for (let i = 0; i < CLIENTS; i += 50) {
      if (Date.now() - t0 > CONNECT_MS)
        throw new Error(
          `only ${i} of ${CLIENTS} clients connected in ${CONNECT_MS / 1000} s (${connectFailures} handshakes failed): the clients' core cannot keep up with ${SENDERS * RATE} values/s to each`,
        );
      const batch = Math.min(50, CLIENTS - i);
      followers.push(...(await Promise.all(Array.from({ length: batch }, () => follow(url, Ctor)))));
    }
    const connectMs = Date.now() - t0;
    log(`  ${mode}: ${CLIENTS} clients connected in ${connectMs} ms`);
    const onA = await a.ask('stats');
    if (onA.sockets !== CLIENTS)
      log(`  ${onA.sockets} of ${CLIENTS} clients on A (${connectFailures} connects failed)`);
    // Steady state: the last second before the kill gives the delivery rate and latency.
    await sleep(Math.max(0, SECONDS * 1000 - 1000));
    latencies.length = 0;
    const r0 = followers.reduce((t, f) => t + f.received, 0);
    sampling = true;
    await sleep(1000);
    sampling = false;
    const steadyRate = followers.reduce((t, f) => t + f.received, 0) - r0;
    const steadyP50 = pct(latencies, 50);
    const steadyP99 = pct(latencies, 99);

    const dropsBefore = followers.reduce((t, f) => t + f.drops, 0);
    const cpu = () => ({ b: cpuMicros(b.pid), redis: cpuMicros(redis.pid), bench: cpuMicros(process.pid) });
    const cpu0 = cpu();
    const killAt = Date.now();
    target = b.port;
    await kill(a);
    const atKill = await b.ask('stats');
    log(
      `  ${mode}: A killed; ${sum(atKill.sent)} values sent so far; ${steadyRate}/s delivered before, latency p50 ${steadyP50} p99 ${steadyP99} ms; ${dropsBefore} drops before the kill`,
    );
    // Wait until every client is caught up (history) or back and told (no history), or WAIT_MS.
    const done = (f: Follower) =>
      f.reconnects > 0 && (withHistory ? f.caughtAt > 0 : f.backAt > 0 && (f.lostAt > 0 || f.skipped === 0));
    const until = killAt + WAIT_MS;
    while (Date.now() < until && !followers.every(done)) await sleep(50);
    const doneAt = Date.now();
    const cpu1 = cpu();
    const failoverCpu = {
      b: (cpu1.b - cpu0.b) / 1000,
      redis: (cpu1.redis - cpu0.redis) / 1000,
      bench: (cpu1.bench - cpu0.bench) / 1000,
      wall: doneAt - killAt,
    };
    const finished = followers.filter(done);
    const isFinished = new Set(finished);
    await sleep(500);
    const stop = await b.ask('stop');
    const onB = stop.sockets;
    // Drain: every client that finished has each sender's last value, or 10 s (2 s if some never finished).
    const complete = (f: Follower) => stop.sent.every((n, s) => n === 0 || (f.last[s] as number) >= n - 1);
    const drainUntil = Date.now() + (finished.length === CLIENTS ? 10_000 : 2000);
    while (Date.now() < drainUntil && !finished.every(complete)) await sleep(50);

    const back: number[] = [];
    const caught: number[] = [];
    let missingTail = 0;
    let countMismatch = 0;
    let silentGaps = 0;
    let affected = 0;
    for (const f of followers) {
      if (f.backAt > 0) back.push(f.backAt - killAt);
      if (f.caughtAt > 0) caught.push(f.caughtAt - killAt);
      // A client still catching up when the wait ended cannot be checked for completeness (only for gaps and repeats).
      if (isFinished.has(f))
        for (let s = 0; s < SENDERS; s++)
          missingTail += Math.max(0, (stop.sent[s] as number) - 1 - (f.last[s] as number));
      if (f.skipped > 0) affected++;
      if (!withHistory) {
        if (f.lostUnknown > 0 || f.skipped !== f.lost) countMismatch++;
        if (f.skipped > 0 && f.lostReports === 0) silentGaps++;
      }
    }
    const sumOf = (k: 'skipped' | 'repeated' | 'lost' | 'lostReports' | 'lostUnknown') =>
      followers.reduce((t, f) => t + f[k], 0);
    const withinDeadline = (withHistory ? caught : back).filter((t) => t <= DEADLINE_MS).length;
    const r: RunResult = {
      mode,
      clients: CLIENTS,
      connectMs,
      steadyRate,
      steadyP50,
      steadyP99,
      sentBeforeKill: sum(atKill.sent),
      sentTotal: sum(stop.sent),
      onAAtKill: onA.sockets,
      onBAfter: onB,
      reconnected: followers.filter((f) => f.reconnects > 0).length,
      finished: finished.length,
      failoverCpu,
      back: spread(back, CLIENTS),
      caught: spread(caught, CLIENTS),
      withinDeadline,
      skipped: sumOf('skipped'),
      repeated: sumOf('repeated'),
      missingTail,
      lost: sumOf('lost'),
      lostReports: sumOf('lostReports'),
      lostUnknown: sumOf('lostUnknown'),
      countMismatch,
      silentGaps,
      affected,
      correct: false,
      ok: false,
    };
    r.correct =
      r.reconnected === CLIENTS &&
      r.repeated === 0 &&
      r.missingTail === 0 &&
      (withHistory ? r.skipped === 0 && r.lostReports === 0 : r.countMismatch === 0 && r.silentGaps === 0);
    r.ok = r.correct && withinDeadline === CLIENTS;
    return r;
  } finally {
    for (const f of followers) f.sock?.close();
    lb.close();
    await kill(a);
    b.proc.disconnect();
    await kill(b);
  }
}

const sum = (xs: readonly number[]) => xs.reduce((t, x) => t + x, 0);

// --- report --------------------------------------------------------------------------------

const ms = (x: number) =>
  Number.isNaN(x) ? '—' : x === Number.POSITIVE_INFINITY ? `>${WAIT_MS / 1000} s` : `${Math.round(x)}`;
const n = (x: number) => x.toLocaleString('en');
const trio = (t: { p50: number; p99: number; max: number }) => `${ms(t.p50)} / ${ms(t.p99)} / ${ms(t.max)}`;
const numbered = (results: RunResult[]) => {
  const seen = new Map<string, number>();
  return results.map((r) => {
    const i = (seen.get(r.mode) ?? 0) + 1;
    seen.set(r.mode, i);
    return { r, i };
  });
};

function timingTable(results: RunResult[]): string {
  const rows = [
    `| mode | run | connect (s) | delivered/s before | latency before p50 / p99 (ms) | back p50 / p99 / max (ms) | caught up p50 / p99 / max (ms) | within 5 s | within ${WAIT_MS / 1000} s | CPU from kill to done: B / Redis / clients (ms, wall) |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { r, i } of numbered(results)) {
    const c = r.failoverCpu;
    rows.push(
      `| ${r.mode} | ${i} | ${(r.connectMs / 1000).toFixed(1)} | ${n(r.steadyRate)} | ${ms(r.steadyP50)} / ${ms(r.steadyP99)} | ${trio(r.back)} | ${r.mode === 'history' ? trio(r.caught) : 'n/a'} | ${r.withinDeadline}/${r.clients} | ${r.finished}/${r.clients} | ${n(Math.round(c.b))} / ${n(Math.round(c.redis))} / ${n(Math.round(c.bench))} (${n(c.wall)}) |`,
    );
  }
  return rows.join('\n');
}

function checkTable(results: RunResult[]): string {
  const rows = [
    '| mode | run | values sent | on B at the end | skipped | reported lost (reports) | wrong counts | silent gaps | dup / out of order | missing at end | correct |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { r, i } of numbered(results)) {
    rows.push(
      `| ${r.mode} | ${i} | ${n(r.sentTotal)} | ${r.onBAfter}/${r.clients} | ${n(r.skipped)} | ${n(r.lost)} (${r.lostReports}${r.lostUnknown ? `, ${r.lostUnknown} without count` : ''}) | ${r.mode === 'history' ? '—' : r.countMismatch} | ${r.mode === 'history' ? '—' : r.silentGaps} | ${r.repeated} | ${n(r.missingTail)} | ${r.correct ? 'ok' : 'FAIL'} |`,
    );
  }
  return rows.join('\n');
}

function report(results: RunResult[], note: string): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const withFill = FILL;
  return `Produced by \`npm run bench:resume\` (\`load-tests/resume.ts\`, server \`load-tests/servers/resume-server.ts\`)
on ${os.cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}:
${CLIENTS} clients, ${SENDERS} senders × ${RATE} values/s (${SENDERS * RATE}/s in all), history ${HISTORY} (filled before the
clients connect: ${withFill} values), ${SECONDS} s of steady sending before the kill, ${RUNS} run(s) per mode, clients
${DIRECT ? 'straight to the first live instance' : 'through the TCP balancer'}.${note ? `\n\n${note}` : ''}

### Timing

${timingTable(results)}

### Checks

${checkTable(results)}
`;
}

// --- main ----------------------------------------------------------------------------------

const redis = await startRedis({ wrap: pinned('0', []) });
const results: RunResult[] = [];
let note = '';
try {
  log(
    `bench:resume: ${CLIENTS} clients, ${SENDERS} senders × ${RATE}/s, ${SECONDS} s before the kill, ${RUNS} run(s) per mode`,
  );
  try {
    const other = execFileSync('sh', ['-c', "pgrep -f 'typecos[t].ts' || true"], { encoding: 'utf8' }).trim();
    if (other) note = 'Note: another CPU-heavy benchmark (`typecost.ts`) was running during this run.';
  } catch {
    // no pgrep
  }
  for (let i = 0; i < RUNS; i++) {
    for (const withHistory of [true, false]) {
      const r = await run(redis, withHistory);
      results.push(r);
      log(
        `  ${r.mode}: back ${trio(r.back)} ms, caught up ${trio(r.caught)} ms, finished ${r.finished}/${r.clients}, skipped ${r.skipped}, lost reported ${r.lost}, repeated ${r.repeated}, missing ${r.missingTail}: ${r.correct ? 'correct' : 'NOT CORRECT'}, ${r.withinDeadline === r.clients ? 'within 5 s' : `${r.withinDeadline}/${r.clients} within 5 s`}`,
      );
    }
  }
} finally {
  await redis.stop();
}
process.stdout.write(`\n${timingTable(results)}\n\n${checkTable(results)}\n`);
if (WRITE) {
  // RESUME.md keeps its written parts: only what lies between the results markers is replaced.
  const file = join(here, 'RESUME.md');
  const begin = '<!-- results: written by npm run bench:resume -->';
  const end = '<!-- /results -->';
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const i = old.indexOf(begin);
  const j = old.indexOf(end);
  const body = `${begin}\n${report(results, note)}${end}`;
  writeFileSync(file, i >= 0 && j > i ? `${old.slice(0, i)}${body}${old.slice(j + end.length)}` : `${body}\n`);
  log('wrote load-tests/RESUME.md');
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
