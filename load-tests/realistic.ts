/**
 * The realistic-routes bench (issue 13): what users serve, not hello.
 *
 *   npm run bench:realistic              3 interleaved rounds of 3 s (about 4 minutes)
 *   npm run bench:realistic -- --quick   2 rounds of 2 s
 *   npm run bench:realistic -- --only=post,search   some scenarios
 *
 * Server on core 0, wrk (Debian package `wrk`, one request per read, 50
 * connections) on core 1; server CPU per request from the scheduler's
 * schedstat (every thread). Every server of a scenario is measured back to
 * back in each round, the order rotating; a row's ratio is the median of its
 * per-round ratios to the baseline, and the spread (min–max of those ratios)
 * is printed beside it, so a change can be told from noise.
 *
 * Scenarios:
 *   post    POST /todos, a 70-byte JSON body validated by a zod object of four
 *           fields (raw servers: JSON.parse and a hand-written check; Fastify:
 *           its JSON schema), answered 201 with JSON
 *   search  GET /search?q=&page= through a zod query schema, two headers read
 *   hello   GET /hello/:name with weft/metrics on (diagnostics channels and the
 *           OTel API loaded, no SDK) against the same server with observability
 *           fully off (no logger, no request ids)
 *
 * Every server runs bundled under plain `node`, weft from the built package
 * with default options unless a row says otherwise (see build.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtServers } from './build.js';
import { measureWrk, median, type ServerProc, startServer, stopServer, uwsLoads } from './lib.js';
import { SEARCH_HEADERS, SEARCH_PATH, TODO_BODY } from './servers/common.js';

const quick = process.argv.includes('--quick');
const rounds = quick ? 2 : 3;
const seconds = quick ? 2 : 3;
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const log = (s: string) => process.stderr.write(`${s}\n`);
const uwsHere = uwsLoads();

const dir = mkdtempSync(join(tmpdir(), 'weft-wrk-'));
const lua = (name: string, body: string) => {
  const f = join(dir, `${name}.lua`);
  writeFileSync(f, body);
  return f;
};
const POST_LUA = lua(
  'post',
  `wrk.method = "POST"\nwrk.body = '${TODO_BODY}'\nwrk.headers["Content-Type"] = "application/json"\n`,
);
const SEARCH_LUA = lua(
  'search',
  Object.entries(SEARCH_HEADERS)
    .map(([k, v]) => `wrk.headers["${k}"] = "${v}"`)
    .join('\n'),
);

interface Srv {
  key: string;
  label: string;
  script: string;
  env?: Record<string, string> | undefined;
}
interface Target {
  /** The row measured against `base`. */
  row: string;
  base: string;
  goal: number;
  text: string;
}
interface Scenario {
  key: string;
  title: string;
  path: string;
  /** The wrk Lua script (method, body, headers). */
  script?: string | undefined;
  servers: Srv[];
  targets: Target[];
}

const rawUws: Srv = { key: 'uws', label: 'raw uWS.js', script: 'uws-http' };
const weftUws: Srv = {
  key: 'weft-uws',
  label: 'weft (uws reactor)',
  script: 'weft-http',
  env: { WEFT_REACTOR: 'uws' },
};
const rawNode: Srv = { key: 'node', label: 'raw node:http', script: 'node-http' };
const weftNode: Srv = {
  key: 'weft-node',
  label: 'weft (node reactor)',
  script: 'weft-http',
  env: { WEFT_REACTOR: 'node' },
};
const fastify: Srv = { key: 'fastify', label: 'Fastify (JSON schema)', script: 'fastify-http' };
const both = (uwsRows: Srv[], nodeRows: Srv[]) => [...(uwsHere ? uwsRows : []), ...nodeRows];

const SCENARIOS: Scenario[] = [
  {
    key: 'post',
    title: 'POST /todos (70-byte JSON, zod object of four fields) → 201 JSON',
    path: '/todos',
    script: POST_LUA,
    servers: both([rawUws, weftUws], [rawNode, weftNode, fastify]),
    targets: [
      ...(uwsHere ? [{ row: 'weft-uws', base: 'uws', goal: 1.25, text: 'weft (uws) ≤ 1.25x raw uWS' }] : []),
      { row: 'weft-node', base: 'node', goal: 1.15, text: 'weft (node) ≤ 1.15x raw node:http' },
    ],
  },
  {
    key: 'search',
    title: 'GET /search?q=&page= (zod query, two headers) → 200 JSON',
    path: SEARCH_PATH,
    script: SEARCH_LUA,
    servers: both([rawUws, weftUws], [rawNode, weftNode, fastify]),
    targets: [
      ...(uwsHere ? [{ row: 'weft-uws', base: 'uws', goal: 1.15, text: 'weft (uws) ≤ 1.15x raw uWS' }] : []),
      {
        row: 'weft-node',
        base: 'node',
        goal: 1.15,
        text: 'weft (node) ≤ 1.15x raw node:http (no target in the issue; the hello one)',
      },
    ],
  },
  {
    key: 'hello',
    title: 'GET /hello/:name, metrics + diagnostics channels + OTel API (no SDK) on vs off',
    path: '/hello/world',
    servers: both(
      [
        {
          key: 'uws-off',
          label: 'weft (uws), observability off',
          script: 'weft-http',
          env: { WEFT_REACTOR: 'uws', OBS: 'off' },
        },
        {
          key: 'uws-on',
          label: 'weft (uws), metrics on',
          script: 'weft-http',
          env: { WEFT_REACTOR: 'uws', OBS: 'metrics' },
        },
      ],
      [
        {
          key: 'node-off',
          label: 'weft (node), observability off',
          script: 'weft-http',
          env: { WEFT_REACTOR: 'node', OBS: 'off' },
        },
        {
          key: 'node-on',
          label: 'weft (node), metrics on',
          script: 'weft-http',
          env: { WEFT_REACTOR: 'node', OBS: 'metrics' },
        },
      ],
    ),
    targets: [
      ...(uwsHere ? [{ row: 'uws-on', base: 'uws-off', goal: 1.1, text: 'uws: metrics on ≤ 1.1x off' }] : []),
      { row: 'node-on', base: 'node-off', goal: 1.1, text: 'node: metrics on ≤ 1.1x off' },
    ],
  },
];

interface Row {
  key: string;
  label: string;
  cpu: number[];
  rps: number[];
}

async function run(sc: Scenario): Promise<Map<string, Row>> {
  const procs = new Map<string, ServerProc>();
  const rows = new Map<string, Row>();
  for (const s of sc.servers) {
    const b = built(s.script);
    procs.set(s.key, await startServer(b.script, { ...b.env, ...s.env }));
    rows.set(s.key, { key: s.key, label: s.label, cpu: [], rps: [] });
  }
  try {
    const url = (s: ServerProc) => `http://127.0.0.1:${s.port}${sc.path}`;
    for (const s of procs.values())
      await measureWrk(s, { url: url(s), seconds: 1, connections: 50, script: sc.script }); // warm-up
    for (let round = 0; round < rounds; round++) {
      const order = [...sc.servers.slice(round % sc.servers.length), ...sc.servers.slice(0, round % sc.servers.length)];
      for (const srv of order) {
        const s = procs.get(srv.key) as ServerProc;
        const r = await measureWrk(s, { url: url(s), seconds, connections: 50, script: sc.script }, true);
        if (r.errors > 0 || r.non2xx > 0) log(`  ! ${srv.key}: ${r.errors} errors, ${r.non2xx} non-2xx`);
        const row = rows.get(srv.key) as Row;
        row.cpu.push(r.cpuUsPerReq);
        row.rps.push(r.rps);
        log(
          `round ${round + 1} ${sc.key.padEnd(6)} ${srv.key.padEnd(10)} ${Math.round(r.rps)} req/s ${r.cpuUsPerReq.toFixed(2)} µs/req`,
        );
      }
    }
  } finally {
    for (const s of procs.values()) await stopServer(s);
  }
  return rows;
}

/** Per-round ratios of `row` to `base`: median and spread. */
function ratio(rows: Map<string, Row>, row: string, base: string): { median: number; min: number; max: number } {
  const a = (rows.get(row) as Row).cpu;
  const b = (rows.get(base) as Row).cpu;
  const rs = a.map((x, i) => x / (b[i] as number));
  return { median: median(rs), min: Math.min(...rs), max: Math.max(...rs) };
}

const built = await builtServers();
const out: string[] = [];
out.push(
  `Realistic routes — Node ${process.version}, ${rounds} rounds of ${seconds} s, wrk -t1 -c50 on core 1, server on core 0, CPU from schedstat, medians`,
);
for (const sc of SCENARIOS) {
  if (only && !only.includes(sc.key)) continue;
  const rows = await run(sc);
  const base = sc.targets[0]?.base ?? sc.servers[0]?.key ?? '';
  out.push(
    '',
    `### ${sc.title}`,
    '',
    `| server | req/s | µs CPU/request | vs ${(rows.get(base) as Row).label} (spread) |`,
    '|---|---:|---:|---:|',
  );
  for (const r of rows.values()) {
    const q = ratio(rows, r.key, base);
    out.push(
      `| ${r.label} | ${Math.round(median(r.rps))} | ${median(r.cpu).toFixed(2)} | ${q.median.toFixed(2)}x (${q.min.toFixed(2)}–${q.max.toFixed(2)}) |`,
    );
  }
  out.push('');
  for (const t of sc.targets) {
    const q = ratio(rows, t.row, t.base);
    out.push(
      `- target ${t.text}: **${q.median.toFixed(2)}x** (${q.min.toFixed(2)}–${q.max.toFixed(2)}) — ${q.median <= t.goal ? 'met' : 'missed'}`,
    );
  }
  if (rows.has('fastify')) {
    for (const k of ['weft-uws', 'weft-node'])
      if (rows.has(k))
        out.push(
          `- ${(rows.get(k) as Row).label} against Fastify: ${ratio(rows, k, 'fastify').median.toFixed(2)}x CPU/request`,
        );
  }
}
process.stdout.write(`${out.join('\n')}\n`);
process.exit(0);
