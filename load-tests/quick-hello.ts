/**
 * Quick check: GET /hello/:name on weft (1 route and 1000 routes) against raw
 * uWebSockets.js. Server on core 0, autocannon on core 1; interleaved rounds;
 * prints medians and ratios. `node --import tsx load-tests/quick-hello.ts [seconds] [rounds]`
 */
import { type ServerProc, measure, median, startServer, stopServer } from './lib.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);

const specs: { label: string; name: string; env?: Record<string, string> }[] = [
  { label: 'raw uWS.js', name: 'uws-hello' },
  { label: 'weft (1 route)', name: 'weft-hello' },
  { label: 'weft (1000 routes)', name: 'weft-hello', env: { ROUTES: '1000' } },
];

const servers: ServerProc[] = [];
for (const s of specs) servers.push(await startServer(s.name, s.env));
const results = specs.map(() => ({ rps: [] as number[], cpu: [] as number[], p99: [] as number[] }));
try {
  for (const s of servers) await measure(s, { url: `http://127.0.0.1:${s.port}/hello/world`, seconds: 2 }); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const [i, s] of servers.entries()) {
      const r = await measure(s, { url: `http://127.0.0.1:${s.port}/hello/world`, seconds });
      if (r.errors || r.non2xx) throw new Error(`${specs[i]?.label}: ${r.errors} errors, ${r.non2xx} non-2xx`);
      results[i]?.rps.push(r.rps);
      results[i]?.cpu.push(r.cpuUsPerReq);
      results[i]?.p99.push(r.p99);
    }
  }
} finally {
  for (const s of servers) await stopServer(s);
}
const base = results[0] as { rps: number[]; cpu: number[] };
console.log('| server | req/s | p99 ms | CPU µs/req | CPU vs raw uWS |');
console.log('|---|---:|---:|---:|---:|');
specs.forEach((s, i) => {
  const r = results[i] as { rps: number[]; cpu: number[]; p99: number[] };
  console.log(
    `| ${s.label} | ${Math.round(median(r.rps))} | ${median(r.p99)} | ${median(r.cpu).toFixed(2)} | ${(median(r.cpu) / median(base.cpu)).toFixed(2)}x |`,
  );
});
