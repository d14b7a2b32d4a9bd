/**
 * The reactor bench: each reactor against its own floor and its peers, in one run.
 *
 *   npm run bench:reactors            3 interleaved rounds (about 4 minutes)
 *   npm run bench:reactors -- --quick 1 round
 *
 * HTTP: `GET /hello/:name` under autocannon; server CPU per request for raw
 * node:http, weft on the node reactor, Fastify, Hono, raw uWS and weft on the
 * uws reactor (when a native uWS build loads here). WebSocket fan-out: 1000
 * clients, 10 senders, 100 messages/s in, sent one per tick or in bursts of ten
 * per tick; server CPU per delivery for the plain `ws` broadcast loop and weft
 * on the node reactor (and raw uWS pub/sub and weft on uws). Servers on core 0,
 * load on core 1. Prints a table with the targets of issue 8 marked.
 *
 * The HTTP servers run bundled under plain `node`, weft from the built
 * package with default options (see build.ts); the WebSocket servers from
 * source under tsx.
 */

import { builtServers } from './build.js';
import { cpuMicros, measure, median, runPinned, type ServerProc, startServer, stopServer, uwsLoads } from './lib.js';

const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : 3;
const seconds = quick ? 2 : 3;
const log = (s: string) => process.stderr.write(`${s}\n`);
const uwsHere = uwsLoads();

interface HttpServer {
  key: string;
  label: string;
  script: string;
  env?: Record<string, string> | undefined;
}
const HTTP: HttpServer[] = [
  { key: 'node', label: 'raw node:http', script: 'node-http' },
  { key: 'weft-node', label: 'weft (node reactor)', script: 'weft-http', env: { WEFT_REACTOR: 'node' } },
  { key: 'fastify', label: 'Fastify', script: 'fastify-http' },
  { key: 'hono', label: 'Hono (node-server)', script: 'hono-http' },
  ...(uwsHere
    ? [
        { key: 'uws', label: 'raw uWS.js', script: 'uws-http' },
        { key: 'weft-uws', label: 'weft (uws reactor)', script: 'weft-http', env: { WEFT_REACTOR: 'uws' } },
      ]
    : []),
];

async function http(): Promise<Map<string, number>> {
  const procs = new Map<string, ServerProc>();
  const built = await builtServers();
  for (const s of HTTP) {
    const b = built(s.script);
    procs.set(s.key, await startServer(b.script, { ROUTES: '1', ...b.env, ...s.env }));
  }
  const cpu = new Map<string, number[]>();
  try {
    for (const s of procs.values()) await measure(s, { url: `http://127.0.0.1:${s.port}/hello/world`, seconds: 1 });
    for (let round = 0; round < rounds; round++) {
      const order = [...HTTP.slice(round % HTTP.length), ...HTTP.slice(0, round % HTTP.length)];
      for (const srv of order) {
        const s = procs.get(srv.key) as ServerProc;
        const r = await measure(s, { url: `http://127.0.0.1:${s.port}/hello/world`, seconds });
        if (r.errors > 0 || r.non2xx > 0) log(`  ! ${srv.key}: ${r.errors} errors, ${r.non2xx} non-2xx`);
        cpu.set(srv.key, [...(cpu.get(srv.key) ?? []), r.cpuUsPerReq]);
        log(
          `round ${round + 1} hello ${srv.key.padEnd(10)} ${Math.round(r.rps)} req/s ${r.cpuUsPerReq.toFixed(2)} µs/req`,
        );
      }
    }
  } finally {
    for (const s of procs.values()) await stopServer(s);
  }
  return new Map([...cpu].map(([k, v]) => [k, median(v)]));
}

const WS = [
  { key: 'ws-lib', script: 'ws-lib' },
  { key: 'weft-node', script: 'weft-ws', env: { WEFT_REACTOR: 'node' } },
  ...(uwsHere
    ? [
        { key: 'uws', script: 'uws-ws' },
        { key: 'weft-uws', script: 'weft-ws', env: { WEFT_REACTOR: 'uws' } },
      ]
    : []),
];

interface WsResult {
  cpu: number;
  rps: number;
  dropped: number;
  p99: number | null;
}

async function fanout(): Promise<Map<string, WsResult>> {
  const out = new Map<string, WsResult[]>();
  for (let round = 0; round < rounds; round++) {
    for (const burst of [1, 10]) {
      for (const srv of WS) {
        const s = await startServer(srv.script, srv.env ?? {});
        try {
          let c0 = 0;
          let c1 = 0;
          // 10 senders × (rate × burst) = 100 messages/s in, to 1000 clients.
          const res = await runPinned(
            'ws-client.ts',
            ['fanout', `ws://127.0.0.1:${s.port}/room`, '1000', '10', String(10 / burst), '4', String(burst)],
            '1',
            (line) => {
              if (line === 'start') c0 = cpuMicros(s.pid);
              if (line === 'stop') c1 = cpuMicros(s.pid);
            },
          );
          const j = JSON.parse(res.trim().split('\n').pop() as string) as {
            delivered: number;
            dropped: number;
            rps: number;
            p99: number | null;
          };
          const r = { cpu: (c1 - c0) / Math.max(1, j.delivered), rps: j.rps, dropped: j.dropped, p99: j.p99 };
          const k = `${srv.key}|${burst}`;
          out.set(k, [...(out.get(k) ?? []), r]);
          log(
            `round ${round + 1} fan-out burst ${burst} ${srv.key.padEnd(10)} ${Math.round(r.rps)} deliveries/s dropped ${r.dropped} p99 ${r.p99} ms ${r.cpu.toFixed(3)} µs/delivery`,
          );
        } finally {
          await stopServer(s);
        }
      }
    }
  }
  return new Map(
    [...out].map(([k, rs]) => [
      k,
      {
        cpu: median(rs.map((r) => r.cpu)),
        rps: median(rs.map((r) => r.rps)),
        dropped: Math.max(...rs.map((r) => r.dropped)),
        p99: median(rs.map((r) => r.p99 ?? Number.NaN)),
      },
    ]),
  );
}

const h = await http();
const f = await fanout();
const mark = (ok: boolean) => (ok ? 'met' : 'missed');
const ratio = (a: string, b: string) => (h.get(a) as number) / (h.get(b) as number);
console.log(
  `\n## Reactor bench (node ${process.version}, ${rounds} round(s), medians; server CPU per request / per delivery)\n`,
);
console.log('| GET /hello/:name | µs CPU/request | vs raw node:http | vs raw uWS |');
console.log('|---|---|---|---|');
for (const s of HTTP) {
  const us = h.get(s.key) as number;
  console.log(
    `| ${s.label} | ${us.toFixed(2)} | ${ratio(s.key, 'node').toFixed(2)}x | ${uwsHere ? `${ratio(s.key, 'uws').toFixed(2)}x` : '—'} |`,
  );
}
console.log(
  '\n| fan-out, 1000 clients, 100 msg/s in | one per tick: µs CPU/delivery | deliveries/s | p99 ms | bursts of 10: µs CPU/delivery | p99 ms | dropped |',
);
console.log('|---|---|---|---|---|---|---|');
for (const s of WS) {
  const a = f.get(`${s.key}|1`) as WsResult;
  const b = f.get(`${s.key}|10`) as WsResult;
  console.log(
    `| ${s.key} | ${a.cpu.toFixed(3)} | ${Math.round(a.rps)} | ${a.p99} | ${b.cpu.toFixed(3)} | ${b.p99} | ${a.dropped + b.dropped} |`,
  );
}
const wsGain = (burst: number) =>
  (f.get(`ws-lib|${burst}`) as WsResult).cpu / (f.get(`weft-node|${burst}`) as WsResult).cpu;
console.log('\n| target (issue 8) | measured | |');
console.log('|---|---|---|');
console.log(
  `| node reactor CPU/request ≤ 1.15x raw node:http | ${ratio('weft-node', 'node').toFixed(2)}x | ${mark(ratio('weft-node', 'node') <= 1.15)} |`,
);
console.log(
  `| node reactor below Fastify and Hono | ${ratio('weft-node', 'fastify').toFixed(2)}x Fastify, ${ratio('weft-node', 'hono').toFixed(2)}x Hono | ${mark(ratio('weft-node', 'fastify') < 1 && ratio('weft-node', 'hono') < 1)} |`,
);
console.log(
  `| node fan-out, one per tick: no worse than the ws loop | ${wsGain(1).toFixed(2)}x better | ${mark(wsGain(1) >= 1)} |`,
);
console.log(
  `| node fan-out, ten per tick: ≥ 1.25x better than the ws loop | ${wsGain(10).toFixed(2)}x better | ${mark(wsGain(10) >= 1.25)} |`,
);
if (uwsHere)
  console.log(
    `| uws reactor ≤ 1.15x raw uWS | ${ratio('weft-uws', 'uws').toFixed(2)}x | ${mark(ratio('weft-uws', 'uws') <= 1.15)} |`,
  );
