/**
 * The observability bench: what metrics, tracing and request ids cost.
 *
 *   npm run bench:obs                       7 interleaved rounds per reactor
 *   npm run bench:obs -- --quick            2 rounds
 *   npm run bench:obs -- --before DIR       also weft before observability (a worktree of
 *                                           an older commit with node_modules linked)
 *
 * `GET /hello/:name` under autocannon, server on core 0, load on core 1;
 * server CPU per request (every thread, from the scheduler's schedstat),
 * medians. Rows, on each reactor:
 *   plain        serve(routes) — diagnostics channels and the OTel API are
 *                loaded, nobody subscribes, no SDK (request ids and route
 *                templates are always on)
 *   metrics      + serve(routes, { metrics: metrics() }) and GET /metrics
 *   + dc         + a subscriber on the weft:request tracing channel
 *   + OTel SDK   + a real SDK registered (a span per request, batched to an
 *                exporter that drops them)
 * Target (issue 10): metrics with channels and the OTel API, no SDK, ≤ 1.1x plain.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { measure, median, type ServerProc, startServer, stopServer, uwsLoads } from './lib.js';

const quick = process.argv.includes('--quick');
const rounds = quick ? 2 : 7;
const seconds = quick ? 2 : 3;
const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
const log = (s: string) => process.stderr.write(`${s}\n`);
const reactors = uwsLoads() ? ['node', 'uws'] : ['node'];

interface Config {
  key: string;
  label: string;
  script: string;
  obs: string;
}
const CONFIGS: Config[] = [
  ...(before && existsSync(join(before, 'load-tests/servers/weft-http.ts'))
    ? [
        {
          key: 'before',
          label: 'weft before observability',
          script: join(before, 'load-tests/servers/weft-http.ts'),
          obs: 'none',
        },
      ]
    : []),
  { key: 'plain', label: 'plain', script: 'weft-http', obs: 'none' },
  { key: 'metrics', label: 'metrics (channels, OTel API, no SDK)', script: 'weft-http', obs: 'metrics' },
  { key: 'dc', label: 'metrics + weft:request subscriber', script: 'weft-http', obs: 'dc' },
  { key: 'sdk', label: 'metrics + OTel SDK (span per request)', script: 'weft-http', obs: 'sdk' },
];

interface Result {
  /** Median µs CPU/request. */
  cpu: number;
  /** Median of the per-round ratios to `plain` (each round measures every row back to back). */
  ratio: number;
}

async function bench(reactor: string): Promise<Map<string, Result>> {
  const procs = new Map<string, ServerProc>();
  for (const c of CONFIGS) procs.set(c.key, await startServer(c.script, { OBS: c.obs, WEFT_REACTOR: reactor }));
  const cpu = new Map<string, number[]>();
  try {
    for (const s of procs.values()) await measure(s, { url: `http://127.0.0.1:${s.port}/hello/world`, seconds: 1 });
    for (let round = 0; round < rounds; round++) {
      const order = [...CONFIGS.slice(round % CONFIGS.length), ...CONFIGS.slice(0, round % CONFIGS.length)];
      for (const c of order) {
        const s = procs.get(c.key) as ServerProc;
        const r = await measure(s, { url: `http://127.0.0.1:${s.port}/hello/world`, seconds }, true);
        if (r.errors > 0 || r.non2xx > 0) log(`  ! ${c.key}: ${r.errors} errors, ${r.non2xx} non-2xx`);
        cpu.set(c.key, [...(cpu.get(c.key) ?? []), r.cpuUsPerReq]);
        log(
          `${reactor} round ${round + 1} ${c.key.padEnd(8)} ${Math.round(r.rps)} req/s ${r.cpuUsPerReq.toFixed(2)} µs/req`,
        );
      }
    }
  } finally {
    for (const s of procs.values()) await stopServer(s);
  }
  const plain = cpu.get('plain') as number[];
  return new Map(
    [...cpu].map(([k, v]) => [k, { cpu: median(v), ratio: median(v.map((x, i) => x / (plain[i] as number))) }]),
  );
}

const results = new Map<string, Map<string, Result>>();
for (const r of reactors) results.set(r, await bench(r));

console.log(
  `\n## Observability bench (node ${process.version}, ${rounds} rounds; server CPU per request, medians; ratios: median of each round's ratio)\n`,
);
console.log(`| GET /hello/:name | ${reactors.map((r) => `${r}: µs CPU/request | vs plain`).join(' | ')} |`);
console.log(`|---|${reactors.map(() => '---|---').join('|')}|`);
for (const c of CONFIGS) {
  const cells = reactors.map((r) => {
    const x = (results.get(r) as Map<string, Result>).get(c.key) as Result;
    return `${x.cpu.toFixed(2)} | ${x.ratio.toFixed(2)}x`;
  });
  console.log(`| ${c.label} | ${cells.join(' | ')} |`);
}
console.log('\n| target (issue 10) | measured | |');
console.log('|---|---|---|');
for (const r of reactors) {
  const m = results.get(r) as Map<string, Result>;
  const x = (m.get('metrics') as Result).ratio;
  console.log(
    `| ${r}: metrics + channels + OTel API (no SDK) ≤ 1.1x plain | ${x.toFixed(2)}x | ${x <= 1.1 ? 'met' : 'missed'} |`,
  );
  const sdk = m.get('sdk') as Result;
  console.log(
    `| ${r}: a real OTel SDK (reported) | ${sdk.ratio.toFixed(2)}x plain, +${(sdk.cpu - (m.get('plain') as Result).cpu).toFixed(2)} µs/request | |`,
  );
}
