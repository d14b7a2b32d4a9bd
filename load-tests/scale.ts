/**
 * The scale-out bench: WebSocket fan-out through a Redis backplane.
 *
 *   npm run bench:scale            4 interleaved rounds (about 4 minutes)
 *   npm run bench:scale -- --quick 1 round
 *
 * 500 clients, 10 senders, 50 messages/s in (one per tick, and bursts of
 * ten), against: one instance with a local channel; one instance on a Redis
 * backplane; two instances on Redis with the clients (senders included) split
 * between them, so half of every fan-out crosses Redis; and a control, two
 * instances with no backplane (two rooms of half the clients), which shows
 * what running two instances on one core costs by itself. Instances and Redis on
 * core 0, the load on core 1. Reports deliveries/s, p50/p99 latency (send to
 * receipt), server CPU per delivery (all instances), Redis CPU per delivery,
 * and Redis PUBLISH calls per send, with the targets of issue 9 marked.
 * WEFT_REACTOR picks the reactor as for any server (default auto).
 */
import { commandCalls, startRedis } from '../test/redis.js';
import { cpuMicrosExact as cpuMicros, median, runPinned, type ServerProc, startServer, stopServer } from './lib.js';

const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : 4;
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Result {
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  redisCpu: number;
  publishPerSend: number;
  dropped: number;
}

const CONFIGS = [
  { key: 'one', label: '1 instance, local channel', instances: 1, redis: false },
  { key: 'one-redis', label: '1 instance, Redis backplane', instances: 1, redis: true },
  { key: 'two-redis', label: '2 instances, Redis, clients split', instances: 2, redis: true },
  // The control: two instances sharing the core with no backplane at all (two separate rooms of
  // half the clients each). What it costs over one instance is co-location, not Redis.
  { key: 'two-local', label: '2 instances, no backplane (control)', instances: 2, redis: false },
] as const;

const redis = await startRedis({ wrap: ['taskset', '-c', '0'] });
const results = new Map<string, Result[]>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const burst of [1, 10]) {
      for (const cfg of CONFIGS) {
        const env: Record<string, string> = cfg.redis ? { REDIS_URL: redis.url } : {};
        const servers: ServerProc[] = [];
        for (let i = 0; i < cfg.instances; i++) servers.push(await startServer('weft-ws', env, '0'));
        try {
          const url = servers.map((s) => `ws://127.0.0.1:${s.port}/room`).join(',');
          let c0 = 0;
          let c1 = 0;
          let r0 = 0;
          let r1 = 0;
          let p0 = 0;
          const sample = () => servers.reduce((t, s) => t + cpuMicros(s.pid), 0);
          const out = await runPinned(
            'ws-client.ts',
            ['fanout', url, '500', '10', String(5 / burst), quick ? '3' : '4', String(burst)],
            '1',
            (line) => {
              if (line === 'start') {
                c0 = sample();
                r0 = cpuMicros(redis.pid);
              }
              if (line === 'stop') {
                c1 = sample();
                r1 = cpuMicros(redis.pid);
              }
            },
          );
          const j = JSON.parse(out.trim().split('\n').pop() as string) as {
            sent: number;
            delivered: number;
            dropped: number;
            rps: number;
            p50: number;
            p99: number;
          };
          p0 = cfg.redis ? await commandCalls(redis, 'publish') : 0;
          const r: Result = {
            rps: j.rps,
            p50: j.p50,
            p99: j.p99,
            cpu: (c1 - c0) / Math.max(1, j.delivered),
            redisCpu: cfg.redis ? (r1 - r0) / Math.max(1, j.delivered) : 0,
            publishPerSend: 0,
            // The control's rooms are separate: each message reaches the clients of its own instance.
            dropped: cfg.instances > 1 && !cfg.redis ? (j.sent * 500) / cfg.instances - j.delivered : j.dropped,
          };
          // PUBLISH count over the run: commandstats is cumulative, so reset before each run.
          r.publishPerSend = cfg.redis ? p0 / Math.max(1, j.sent) : 0;
          if (cfg.redis) await redis.cmd('CONFIG', 'RESETSTAT');
          const k = `${cfg.key}|${burst}`;
          results.set(k, [...(results.get(k) ?? []), r]);
          log(
            `round ${round + 1} burst ${burst} ${cfg.label.padEnd(34)} ${Math.round(r.rps)} deliveries/s p50 ${r.p50} ms p99 ${r.p99} ms ` +
              `${r.cpu.toFixed(3)} µs/delivery redis ${r.redisCpu.toFixed(3)} µs/delivery publish/send ${r.publishPerSend.toFixed(3)} dropped ${r.dropped}`,
          );
        } finally {
          for (const s of servers) await stopServer(s);
        }
      }
    }
  }
} finally {
  await redis.stop();
}

const med = (k: string, f: (r: Result) => number) => median((results.get(k) ?? []).map(f));
const mark = (ok: boolean) => (ok ? 'met' : 'missed');
console.log(
  `\n## Scale-out bench (node ${process.version}, reactor ${process.env.WEFT_REACTOR || 'auto'}, ${rounds} round(s), medians)\n`,
);
console.log(
  '| 500 clients, 50 msg/s in | burst | deliveries/s | p50 ms | p99 ms | server µs CPU/delivery | Redis µs CPU/delivery | PUBLISH per send | dropped |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const burst of [1, 10]) {
  for (const cfg of CONFIGS) {
    const k = `${cfg.key}|${burst}`;
    console.log(
      `| ${cfg.label} | ${burst} | ${Math.round(med(k, (r) => r.rps))} | ${med(k, (r) => r.p50)} | ${med(k, (r) => r.p99)} | ${med(k, (r) => r.cpu).toFixed(3)} | ${cfg.redis ? med(k, (r) => r.redisCpu).toFixed(3) : '—'} | ${cfg.redis ? med(k, (r) => r.publishPerSend).toFixed(3) : '—'} | ${Math.max(...(results.get(k) ?? []).map((r) => r.dropped))} |`,
    );
  }
}
console.log('\n| target (issue 9) | burst 1 | burst 10 |');
console.log('|---|---|---|');
const row = (label: string, f: (b: number) => [string, boolean]) => {
  const [a, okA] = f(1);
  const [b, okB] = f(10);
  console.log(`| ${label} | ${a} (${mark(okA)}) | ${b} (${mark(okB)}) |`);
};
row('cross-instance p99 ≤ 2x single instance', (b) => {
  const x =
    med(`two-redis|${b}`, (r) => r.p99) /
    Math.max(
      1,
      med(`one|${b}`, (r) => r.p99),
    );
  return [`${x.toFixed(2)}x`, x <= 2];
});
row('CPU per delivery ≤ 1.2x single instance', (b) => {
  const x = med(`two-redis|${b}`, (r) => r.cpu) / med(`one|${b}`, (r) => r.cpu);
  return [`${x.toFixed(2)}x`, x <= 1.2];
});
row('CPU per delivery ≤ 1.2x the co-located control (what Redis adds)', (b) => {
  const x = med(`two-redis|${b}`, (r) => r.cpu) / med(`two-local|${b}`, (r) => r.cpu);
  return [`${x.toFixed(2)}x`, x <= 1.2];
});
row('exactly one Redis PUBLISH per send', (b) => {
  const x = med(`two-redis|${b}`, (r) => r.publishPerSend);
  return [x.toFixed(3), Math.abs(x - 1) < 1e-9];
});
