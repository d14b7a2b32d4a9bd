/**
 * weft's load tests, side by side with its peers, in one run.
 *
 *   npm run bench          full (~14 min): 3 interleaved rounds of 3 s, autocannon + wrk, fan-out to 100/1000/5000, 10 000 idle sockets
 *   npm run bench:quick    quick (~3 min): 1 round, autocannon only, fan-out to 100/1000, 2 000 idle sockets
 *   --only=ws              re-measure only the WebSocket part, keeping the latest HTTP figures
 *   --obs=off              weft with observability switched fully off (no logger, no request ids)
 *                          instead of default options
 *
 * HTTP: weft is the package as users get it (`npm run build` → dist/, imported
 * by a server bundled with esbuild and run by plain `node`, no tsx), served
 * with default options (`serve(routes)`); its peers are bundled the same way
 * (see build.ts). The WebSocket part still runs its servers from source under tsx.
 *
 * Servers run on core 0, load generators on core 1 (taskset). Each figure is
 * the median over rounds; competitors are measured in the same run, in
 * rotating order. Server CPU per request comes from /proc/<pid>/stat.
 * Writes load-tests/results/<kind>-<date>.json and regenerates RESULTS.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage, bundleServers, scratchRoot } from './build.js';
import {
  type Accounted,
  cpuMicros,
  measure,
  measureWrk,
  median,
  rssMiB,
  runPinned,
  type ServerProc,
  startServer,
  stopServer,
} from './lib.js';
import { type HttpRow, type IdleRow, type WsRow, writeReport } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const cfg = quick
  ? { seconds: 2, rounds: 1, wrk: false, wsSizes: [100, 1000], wsSeconds: 3, wsRounds: 1, idle: 2000 }
  : { seconds: 3, rounds: 3, wrk: true, wsSizes: [100, 1000, 5000], wsSeconds: 5, wsRounds: 2, idle: 10_000 };

const obsOff = process.argv.includes('--obs=off');
const HTTP = ['uws', 'weft', 'fastify', 'node', 'hono'] as const;
type HttpServer = (typeof HTTP)[number];
const LABEL: Record<string, string> = {
  uws: 'raw uWS.js',
  weft: obsOff ? 'weft (observability off)' : 'weft',
  fastify: 'Fastify',
  node: 'node:http',
  hono: 'Hono (node-server)',
  'ws-lib': 'ws library',
  'weft-node': 'weft (node reactor)',
};

interface Scenario {
  name: string;
  routes: number;
  path: string;
  method?: string | undefined;
  body?: string | undefined;
}
const ECHO = JSON.stringify({ name: 'Ada', age: 36 });
const SCENARIOS: Scenario[] = [
  { name: 'hello', routes: 1, path: '/hello/world' },
  { name: 'json', routes: 1, path: '/json' },
  { name: 'echo', routes: 1, path: '/echo', method: 'POST', body: ECHO },
  { name: '404', routes: 1, path: '/nope/nothing' },
  { name: 'routes-100', routes: 100, path: '/hello/world' },
  { name: 'routes-1000', routes: 1000, path: '/hello/world' },
];

const echoLua = join(tmpdir(), 'weft-echo.lua');
writeFileSync(echoLua, `wrk.method = "POST"\nwrk.body = '${ECHO}'\nwrk.headers["Content-Type"] = "application/json"\n`);

const log = (s: string) => process.stderr.write(`${s}\n`);

async function httpPart(): Promise<HttpRow[]> {
  const procs = new Map<string, ServerProc>();
  const key = (server: HttpServer, routes: number) => `${server}:${routes}`;
  log('npm run build, and bundling the bench servers');
  const dist = buildPackage();
  const bundles = await bundleServers(scratchRoot());
  const weftEnv = { WEFT_DIST: dist, OBS: obsOff ? 'off' : 'default' };
  for (const routes of [1, 100, 1000]) {
    for (const server of HTTP)
      procs.set(
        key(server, routes),
        await startServer(bundles[`${server}-http`] as string, {
          ROUTES: String(routes),
          ...(server === 'weft' ? weftEnv : {}),
        }),
      );
  }
  const raw = new Map<string, Accounted[]>();
  const run = async (sc: Scenario, server: HttpServer, tool: 'autocannon' | 'wrk', seconds: number) => {
    const s = procs.get(key(server, sc.routes)) as ServerProc;
    const url = `http://127.0.0.1:${s.port}${sc.path}`;
    const r =
      tool === 'wrk'
        ? await measureWrk(s, { url, seconds, script: sc.body ? echoLua : undefined })
        : await measure(s, {
            url,
            seconds,
            method: sc.method,
            body: sc.body,
            headers: sc.body ? { 'content-type': 'application/json' } : undefined,
          });
    const expect404 = sc.name === '404';
    if (r.errors > 0 || (!expect404 && r.non2xx > 0))
      log(`  ! ${server} ${sc.name}: ${r.errors} errors, ${r.non2xx} non-2xx`);
    return r;
  };
  try {
    log('warming up');
    for (const s of procs.values()) await measure(s, { url: `http://127.0.0.1:${s.port}/hello/world`, seconds: 1 });
    const tools: ('autocannon' | 'wrk')[] = cfg.wrk ? ['autocannon', 'wrk'] : ['autocannon'];
    for (let round = 0; round < cfg.rounds; round++) {
      for (const sc of SCENARIOS) {
        for (const tool of tools) {
          const order = [...HTTP.slice(round % HTTP.length), ...HTTP.slice(0, round % HTTP.length)];
          for (const server of order) {
            const r = await run(sc, server, tool, cfg.seconds);
            const k = `${sc.name}|${server}|${tool}`;
            raw.set(k, [...(raw.get(k) ?? []), r]);
            log(
              `round ${round + 1} ${sc.name.padEnd(12)} ${tool.padEnd(10)} ${server.padEnd(8)} ${Math.round(r.rps)} req/s  ${r.cpuUsPerReq.toFixed(2)} µs/req`,
            );
          }
        }
      }
    }
  } finally {
    for (const s of procs.values()) await stopServer(s);
  }
  return [...raw.entries()].map(([k, rs]) => {
    const [scenario, server, tool] = k.split('|') as [string, string, 'autocannon' | 'wrk'];
    return {
      scenario,
      server,
      tool,
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      cpuUsPerReq: median(rs.map((r) => r.cpuUsPerReq)),
      rssMiB: median(rs.map((r) => r.rss)),
    };
  });
}

const WS = ['uws', 'weft', 'ws-lib', 'weft-node'] as const;
const WS_SCRIPT: Record<string, string> = {
  uws: 'uws-ws',
  weft: 'weft-ws',
  'ws-lib': 'ws-lib',
  'weft-node': 'weft-ws',
};
/** `weft` runs on the default reactor (uws where it loads); `weft-node` on the node reactor, against the `ws` library. */
const WS_ENV: Record<string, Record<string, string>> = { 'weft-node': { WEFT_REACTOR: 'node' } };
/** Input rate per size: 10 senders, rate chosen so one client core can take the deliveries. */
const RATE: Record<number, number> = { 100: 50, 1000: 20, 5000: 4 };

async function wsPart(): Promise<{ ws: WsRow[]; idle: IdleRow[] }> {
  const rows = new Map<string, WsRow[]>();
  for (let round = 0; round < cfg.wsRounds; round++) {
    for (const clients of cfg.wsSizes) {
      for (const server of WS) {
        const s = await startServer(WS_SCRIPT[server] as string, WS_ENV[server] ?? {});
        try {
          const rate = RATE[clients] ?? 10;
          // Server CPU between the client's "start" (all handshakes done) and "stop" lines.
          let c0 = 0;
          let c1 = 0;
          const out = await runPinned(
            'ws-client.ts',
            ['fanout', `ws://127.0.0.1:${s.port}/room`, String(clients), '10', String(rate), String(cfg.wsSeconds)],
            '1',
            (line) => {
              if (line === 'start') c0 = cpuMicros(s.pid);
              if (line === 'stop') c1 = cpuMicros(s.pid);
            },
          );
          const cpu = c1 - c0;
          const j = JSON.parse(out.trim().split('\n').pop() as string) as {
            delivered: number;
            expected: number;
            dropped: number;
            rps: number;
            p50: number | null;
            p99: number | null;
            sent: number;
          };
          const row: WsRow = {
            clients,
            server,
            inputPerSec: 10 * rate,
            deliveredPerSec: j.rps,
            dropped: j.dropped,
            p50: j.p50,
            p99: j.p99,
            cpuUsPerDelivery: cpu / Math.max(1, j.delivered),
            // Latency far above the send interval means someone (client or server) could not keep up.
            clientSaturated: (j.p99 ?? 0) > 250,
          };
          const k = `${clients}|${server}`;
          rows.set(k, [...(rows.get(k) ?? []), row]);
          log(
            `ws round ${round + 1} ${String(clients).padStart(5)} clients ${server.padEnd(7)} ${Math.round(j.rps)} deliveries/s, dropped ${j.dropped}, p99 ${j.p99} ms, ${row.cpuUsPerDelivery.toFixed(3)} µs/delivery`,
          );
        } finally {
          await stopServer(s);
        }
      }
    }
  }
  const ws = [...rows.values()].map((rs) => {
    const first = rs[0] as WsRow;
    return {
      ...first,
      deliveredPerSec: median(rs.map((r) => r.deliveredPerSec)),
      dropped: Math.max(...rs.map((r) => r.dropped)),
      p50: median(rs.map((r) => r.p50 ?? Number.NaN)),
      p99: median(rs.map((r) => r.p99 ?? Number.NaN)),
      cpuUsPerDelivery: median(rs.map((r) => r.cpuUsPerDelivery)),
      clientSaturated: rs.some((r) => r.clientSaturated),
    };
  });
  const idle: IdleRow[] = [];
  for (const server of WS) {
    const s = await startServer(WS_SCRIPT[server] as string, WS_ENV[server] ?? {});
    try {
      await new Promise((r) => setTimeout(r, 500));
      const base = rssMiB(s.pid);
      let rss = base;
      await runPinned('ws-client.ts', ['idle', `ws://127.0.0.1:${s.port}/room`, String(cfg.idle), '4'], '1', (line) => {
        if (line === 'ready') setTimeout(() => (rss = rssMiB(s.pid)), 2000);
      });
      idle.push({
        server,
        sockets: cfg.idle,
        rssBaseMiB: base,
        rssMiB: rss,
        perSocketKiB: ((rss - base) * 1024) / cfg.idle,
      });
      log(`idle ${server.padEnd(7)} ${cfg.idle} sockets: RSS ${rss.toFixed(1)} MiB (base ${base.toFixed(1)})`);
    } finally {
      await stopServer(s);
    }
  }
  return { ws, idle };
}

const started = new Date();
// `--only=ws` re-measures the WebSocket part and keeps the HTTP figures of the latest run of this kind.
const wsOnly = process.argv.includes('--only=ws');
const http = wsOnly
  ? (
      JSON.parse(readFileSync(join(here, 'results', `latest-${quick ? 'quick' : 'full'}.json`), 'utf8')) as {
        http: HttpRow[];
      }
    ).http
  : await httpPart();
const { ws, idle } = await wsPart();
const result = {
  // An observability-off run is a kind of its own: RESULTS-full-obs-off.md, never the headline RESULTS.md.
  kind: `${quick ? 'quick' : 'full'}${obsOff ? '-obs-off' : ''}`,
  weftOptions: obsOff ? 'observability off' : 'default options',
  date: started.toISOString(),
  wsOnly,
  node: process.version,
  config: cfg,
  labels: LABEL,
  http,
  ws,
  idle,
};
const dir = join(here, 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${result.kind}-${started.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(dir, `latest-${result.kind}.json`), `${JSON.stringify(result, null, 2)}\n`);
log(`wrote ${file}`);
process.stdout.write(writeReport(result));
process.exit(0);
