/**
 * The mpsc bench: messages per second and memory per queued value, against a
 * plain array used as a queue (issue 12).
 *
 *   npm run bench:sync              7 interleaved rounds
 *   npm run bench:sync -- --quick   3 rounds
 *
 * Runs in one process pinned to one core (`taskset -c 0`, re-executed if
 * not), `--expose-gc`. Rows:
 *   array push/shift         a JS array as an unbounded FIFO: push N, shift N
 *   mpsc trySend/tryRecv     the same through mpsc(capacity): fill, then drain
 *   mpsc send/recv (tasks)   a producer task awaiting send and a consumer task
 *                            awaiting recv, capacity 1024: the async path users run
 *   array + promise hand-off the usual hand-written async queue (no bound, no
 *                            backpressure): push resolves a waiting consumer
 * Memory: heap growth per queued value with N = 1e6 values queued (the same
 * object each time, so the row shows the queue's own cost), and per waiting
 * `send` (a producer blocked on a full channel).
 * Medians of the rounds; the spread (min-max) beside each.
 */
import { spawnSync } from 'node:child_process';
import { mpsc } from '../src/sync/index.js';

if (process.env.WEFT_BENCH_PINNED !== '1') {
  const r = spawnSync(
    'taskset',
    ['-c', '0', process.execPath, '--expose-gc', '--import', 'tsx', ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, WEFT_BENCH_PINNED: '1' },
    },
  );
  process.exit(r.status ?? 1);
}

const quick = process.argv.includes('--quick');
const rounds = quick ? 3 : 7;
const N = 1_000_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:sync does)');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function arrayQueue(): Promise<number> {
  const q: number[] = [];
  const t0 = performance.now();
  for (let batch = 0; batch < N / 1000; batch++) {
    for (let i = 0; i < 1000; i++) q.push(i);
    for (let i = 0; i < 1000; i++) q.shift();
  }
  return N / ((performance.now() - t0) / 1000);
}

async function mpscTry(): Promise<number> {
  const [tx, rx] = mpsc<number>(1000);
  const t0 = performance.now();
  for (let batch = 0; batch < N / 1000; batch++) {
    for (let i = 0; i < 1000; i++) tx.trySend(i);
    for (let i = 0; i < 1000; i++) rx.tryRecv();
  }
  return N / ((performance.now() - t0) / 1000);
}

async function mpscTasks(): Promise<number> {
  const [tx, rx] = mpsc<number>(1024);
  const t0 = performance.now();
  const producer = (async () => {
    for (let i = 0; i < N; i++) await tx.send(i);
    tx.close();
  })();
  let got = 0;
  for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) got++;
  await producer;
  if (got !== N) throw new Error(`lost values: ${got}`);
  return N / ((performance.now() - t0) / 1000);
}

/** The hand-written async queue: unbounded, no close semantics. */
async function arrayHandoff(): Promise<number> {
  const q: number[] = [];
  let wake: (() => void) | undefined;
  const t0 = performance.now();
  const producer = (async () => {
    for (let i = 0; i < N; i++) {
      q.push(i);
      const w = wake;
      wake = undefined;
      w?.();
      if ((i & 1023) === 1023) await Promise.resolve(); // yield now and then, as an awaiting producer would
    }
  })();
  let got = 0;
  while (got < N) {
    if (q.length === 0) await new Promise<void>((r) => (wake = r));
    q.shift();
    got++;
  }
  await producer;
  return N / ((performance.now() - t0) / 1000);
}

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

const value = { v: 1 };

function memArray(): number {
  const h0 = heap();
  const q: object[] = [];
  for (let i = 0; i < N; i++) q.push(value);
  const per = (heap() - h0) / N;
  if (q.length !== N) throw new Error('unreachable');
  return per;
}

function memMpsc(): number {
  const h0 = heap();
  const [tx, rx] = mpsc<object>(N);
  for (let i = 0; i < N; i++) tx.trySend(value);
  const per = (heap() - h0) / N;
  if (rx.size !== N) throw new Error('unreachable');
  return per;
}

function memWaitingSend(): number {
  const W = 100_000;
  const [tx, rx] = mpsc<object>(1);
  tx.trySend(value);
  const h0 = heap();
  const waits: Promise<void>[] = [];
  for (let i = 0; i < W; i++) waits.push(tx.send(value));
  const per = (heap() - h0) / W;
  rx.close();
  for (const w of waits) w.catch(() => {});
  return per;
}

const speed: Record<string, [string, () => Promise<number>]> = {
  array: ['array push/shift (no bound, no async)', arrayQueue],
  try: ['mpsc trySend/tryRecv (bounded, no async)', mpscTry],
  handoff: ['array + promise hand-off (no bound, async)', arrayHandoff],
  tasks: ['mpsc send/recv between two tasks (bounded 1024)', mpscTasks],
};
const mem: Record<string, [string, () => number]> = {
  array: ['array of 1e6 queued values', memArray],
  mpsc: ['mpsc(1e6) holding 1e6 values', memMpsc],
  waiting: ['a send waiting on a full mpsc (1e5 of them)', memWaitingSend],
};

const rates = new Map<string, number[]>();
const bytes = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  process.stderr.write(`round ${r + 1}/${rounds}\n`);
  for (const [k, [, f]] of Object.entries(speed)) {
    const xs = rates.get(k) ?? [];
    xs.push(await f());
    rates.set(k, xs);
  }
  for (const [k, [, f]] of Object.entries(mem)) {
    const xs = bytes.get(k) ?? [];
    xs.push(f());
    bytes.set(k, xs);
  }
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : `${(n / 1e3).toFixed(0)} k`);
const out: string[] = [];
out.push(
  `mpsc bench — Node ${process.version}, one core, ${rounds} rounds, N = ${N.toLocaleString('en')}, medians (spread min-max)`,
);
out.push('');
out.push('| queue | messages/s | spread | vs array push/shift |');
out.push('|---|---:|---:|---:|');
const base = median(rates.get('array') as number[]);
for (const [k, [label]] of Object.entries(speed)) {
  const xs = rates.get(k) as number[];
  out.push(
    `| ${label} | ${fmt(median(xs))} | ${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} | ${(median(xs) / base).toFixed(2)}x |`,
  );
}
out.push('');
out.push('| memory | bytes per value | spread |');
out.push('|---|---:|---:|');
for (const [k, [label]] of Object.entries(mem)) {
  const xs = bytes.get(k) as number[];
  out.push(`| ${label} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} |`);
}
process.stdout.write(`${out.join('\n')}\n`);
