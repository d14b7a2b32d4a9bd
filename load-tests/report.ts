/**
 * Turn a bench result into load-tests/RESULTS.md and SVG charts.
 * `node --import tsx load-tests/report.ts` regenerates them from the latest results.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface HttpRow {
  scenario: string;
  server: string;
  tool: string;
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerReq: number;
  rssMiB: number;
}
export interface WsRow {
  clients: number;
  server: string;
  inputPerSec: number;
  deliveredPerSec: number;
  dropped: number;
  p50: number | null;
  p99: number | null;
  cpuUsPerDelivery: number;
  clientSaturated: boolean;
}
export interface IdleRow {
  server: string;
  sockets: number;
  rssBaseMiB: number;
  rssMiB: number;
  perSocketKiB: number;
}
export interface BenchResult {
  kind: string;
  date: string;
  /** Only the WebSocket part was measured; the HTTP rows come from the previous run of this kind. */
  wsOnly?: boolean | undefined;
  node: string;
  config: Record<string, unknown>;
  labels: Record<string, string>;
  http: HttpRow[];
  ws: WsRow[];
  idle: IdleRow[];
}

const f = (n: number | null | undefined, d = 0) =>
  n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : '–');

function svgBars(
  title: string,
  unit: string,
  groups: string[],
  series: string[],
  value: (g: string, s: string) => number,
  labels: Record<string, string>,
): string {
  const colors = ['#4f63d2', '#e07b39', '#3a9d5d', '#b53a6b', '#7a8194', '#c9a227'];
  const W = 900;
  const H = 380;
  const left = 60;
  const bottom = 60;
  const top = 40;
  const plotW = W - left - 20;
  const plotH = H - top - bottom;
  const max = Math.max(...groups.flatMap((g) => series.map((s) => value(g, s))).filter(Number.isFinite), 1e-9);
  const gw = plotW / groups.length;
  const bw = (gw * 0.8) / series.length;
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
  out += `<rect width="${W}" height="${H}" fill="#fff"/>\n<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>\n`;
  for (let i = 0; i <= 4; i++) {
    const y = top + plotH - (plotH * i) / 4;
    out += `<line x1="${left}" x2="${W - 20}" y1="${y}" y2="${y}" stroke="#e4e6ec"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${((max * i) / 4).toFixed(max < 10 ? 1 : 0)}</text>\n`;
  }
  out += `<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${unit}</text>\n`;
  groups.forEach((g, gi) => {
    const gx = left + gi * gw + gw * 0.1;
    series.forEach((s, si) => {
      const v = value(g, s);
      if (!Number.isFinite(v)) return;
      const h = (plotH * v) / max;
      out += `<rect x="${(gx + si * bw).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[si % colors.length]}"><title>${labels[s] ?? s}: ${v.toFixed(2)}</title></rect>\n`;
    });
    out += `<text x="${(left + gi * gw + gw / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${g}</text>\n`;
  });
  series.forEach((s, si) => {
    const lx = left + si * 150;
    out += `<rect x="${lx}" y="${H - 24}" width="12" height="12" fill="${colors[si % colors.length]}"/><text x="${lx + 18}" y="${H - 14}">${labels[s] ?? s}</text>\n`;
  });
  return `${out}</svg>\n`;
}

export function writeReport(r: BenchResult): string {
  const L = (s: string) => r.labels[s] ?? s;
  const tool = r.http.some((h) => h.tool === 'wrk') ? 'wrk' : 'autocannon';
  const get = (scenario: string, server: string, t = 'autocannon') =>
    r.http.find((h) => h.scenario === scenario && h.server === server && h.tool === t);
  const cpu = (sc: string, s: string, t = 'autocannon') => get(sc, s, t)?.cpuUsPerReq ?? Number.NaN;
  const rps = (sc: string, s: string, t = tool) => get(sc, s, t)?.rps ?? Number.NaN;
  const wsAt = (clients: number, s: string) => r.ws.find((w) => w.clients === clients && w.server === s);
  const biggest = Math.max(...r.ws.map((w) => w.clients));
  const idle = (s: string) => r.idle.find((i) => i.server === s);

  const targets = [
    {
      what: 'weft CPU/request vs raw uWS, hello (autocannon)',
      target: '≤ 1.15x',
      v: cpu('hello', 'weft') / cpu('hello', 'uws'),
      ok: (v: number) => v <= 1.15,
    },
    ...(tool === 'wrk'
      ? [
          {
            what: 'weft CPU/request vs raw uWS, hello (wrk)',
            target: '≤ 1.15x',
            v: cpu('hello', 'weft', 'wrk') / cpu('hello', 'uws', 'wrk'),
            ok: (v: number) => v <= 1.15,
          },
        ]
      : []),
    {
      what: `weft throughput vs Fastify, hello (${tool})`,
      target: '≥ 2.5x',
      v: rps('hello', 'weft') / rps('hello', 'fastify'),
      ok: (v: number) => v >= 2.5,
    },
    {
      what: 'weft CPU/request, 1000 routes vs 1 route (autocannon)',
      target: '≤ 1.1x',
      v: cpu('routes-1000', 'weft') / cpu('hello', 'weft'),
      ok: (v: number) => v <= 1.1,
    },
    {
      what: `fan-out efficiency vs raw uWS pub/sub (${biggest} clients, CPU per delivery uWS/weft)`,
      target: '≥ 0.9x',
      v:
        (wsAt(biggest, 'uws')?.cpuUsPerDelivery ?? Number.NaN) /
        (wsAt(biggest, 'weft')?.cpuUsPerDelivery ?? Number.NaN),
      ok: (v: number) => v >= 0.9,
    },
    {
      what: `fan-out efficiency vs ws broadcast (${biggest} clients, CPU per delivery ws/weft)`,
      target: '≥ 5x',
      v:
        (wsAt(biggest, 'ws-lib')?.cpuUsPerDelivery ?? Number.NaN) /
        (wsAt(biggest, 'weft')?.cpuUsPerDelivery ?? Number.NaN),
      ok: (v: number) => v >= 5,
    },
    {
      what: `idle RSS vs raw uWS (${idle('weft')?.sockets ?? '?'} sockets)`,
      target: '≤ 1.3x',
      v: (idle('weft')?.rssMiB ?? Number.NaN) / (idle('uws')?.rssMiB ?? Number.NaN),
      ok: (v: number) => v <= 1.3,
    },
    ...(idle('weft-node')
      ? [
          {
            what: `node reactor: idle RSS vs the ws library (${idle('weft-node')?.sockets ?? '?'} sockets; reported, no target)`,
            target: 'report',
            v: (idle('weft-node')?.rssMiB ?? Number.NaN) / (idle('ws-lib')?.rssMiB ?? Number.NaN),
            ok: () => true,
          },
          {
            what: `node reactor: fan-out vs ws broadcast (${biggest} clients, CPU per delivery ws/weft)`,
            target: 'report',
            v:
              (wsAt(biggest, 'ws-lib')?.cpuUsPerDelivery ?? Number.NaN) /
              (wsAt(biggest, 'weft-node')?.cpuUsPerDelivery ?? Number.NaN),
            ok: () => true,
          },
        ]
      : []),
  ];

  let md = `# weft load-test results\n\n`;
  md += `Generated by \`load-tests/bench.ts\` (${r.kind} run, ${r.date}, Node ${r.node}). Servers on core 0, load generators on core 1, `;
  md += `medians of ${String(r.config.rounds)} interleaved round(s) of ${String(r.config.seconds)} s per HTTP figure; every competitor measured in the same run. `;
  md += `CPU is the server process's utime+stime from /proc divided by requests (or deliveries). Absolute numbers drift between runs; ratios within one run hold.\n\n`;
  if (r.wsOnly)
    md += `This run re-measured the WebSocket and idle-socket parts (\`--only=ws\`); the HTTP tables are from the previous full run.\n\n`;
  md += `![CPU per request](chart-http.svg)\n\n![CPU per delivery](chart-ws.svg)\n\n`;
  md += `## Targets\n\n| target | goal | measured | |\n|---|---|---:|---|\n`;
  for (const t of targets)
    md += `| ${t.what} | ${t.target} | ${x(t.v)} | ${Number.isNaN(t.v) ? 'not measured' : t.target === 'report' ? 'reported' : t.ok(t.v) ? 'met' : '**missed**'} |\n`;

  const scenarios = [...new Set(r.http.map((h) => h.scenario))];
  const servers = [...new Set(r.http.map((h) => h.server))];
  for (const t of [...new Set(r.http.map((h) => h.tool))]) {
    md += `\n## HTTP (${t})\n`;
    for (const sc of scenarios) {
      md += `\n### ${sc}\n\n| server | req/s | p50 ms | p99 ms | CPU µs/req | CPU vs raw uWS | req/s vs Fastify | RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|\n`;
      for (const s of servers) {
        const h = get(sc, s, t);
        if (!h) continue;
        md += `| ${L(s)} | ${f(h.rps)} | ${f(h.p50, 1)} | ${f(h.p99, 1)} | ${f(h.cpuUsPerReq, 2)} | ${x(h.cpuUsPerReq / cpu(sc, 'uws', t))} | ${x(h.rps / rps(sc, 'fastify', t))} | ${f(h.rssMiB, 0)} |\n`;
      }
    }
  }
  md += `\nWith one load-generator core, autocannon saturates before raw uWS and weft do, so their req/s there measure the client; CPU µs/req compares the servers. wrk (C) generates more load.\n`;

  md += `\n## WebSocket fan-out\n\nOne room; 10 senders at a fixed rate; every message goes to every client. Latency is from the sender's timestamp to receipt.\n\n`;
  md += `| clients | server | messages in/s | deliveries/s | dropped | p50 ms | p99 ms | CPU µs/delivery | vs raw uWS | note |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n`;
  for (const w of [...r.ws].sort((a, b) => a.clients - b.clients)) {
    const base = wsAt(w.clients, 'uws')?.cpuUsPerDelivery ?? Number.NaN;
    md += `| ${w.clients} | ${L(w.server)} | ${w.inputPerSec} | ${f(w.deliveredPerSec)} | ${w.dropped} | ${f(w.p50)} | ${f(w.p99)} | ${f(w.cpuUsPerDelivery, 3)} | ${x(w.cpuUsPerDelivery / base)} | ${w.clientSaturated ? 'p99 > 250 ms: saturated' : ''} |\n`;
  }
  md += `\n## Idle sockets\n\n| server | sockets | RSS before MiB | RSS with sockets MiB | KiB per socket | RSS vs raw uWS |\n|---|---:|---:|---:|---:|---:|\n`;
  for (const i of r.idle)
    md += `| ${L(i.server)} | ${i.sockets} | ${f(i.rssBaseMiB, 1)} | ${f(i.rssMiB, 1)} | ${f(i.perSocketKiB, 2)} | ${x(i.rssMiB / (idle('uws')?.rssMiB ?? Number.NaN))} |\n`;

  const notes = join(here, 'profiling.md');
  if (existsSync(notes)) md += `\n${readFileSync(notes, 'utf8')}`;

  // Quick runs write beside the full report instead of replacing it.
  const suffix = r.kind === 'full' ? '' : `-${r.kind}`;
  writeFileSync(
    join(here, `RESULTS${suffix}.md`),
    md.replaceAll('chart-http.svg', `chart-http${suffix}.svg`).replaceAll('chart-ws.svg', `chart-ws${suffix}.svg`),
  );
  const httpScen = scenarios;
  writeFileSync(
    join(here, `chart-http${suffix}.svg`),
    svgBars(
      'HTTP: server CPU per request (µs, autocannon, lower is better)',
      'µs / request',
      httpScen,
      servers,
      (g, s) => cpu(g, s),
      r.labels,
    ),
  );
  const sizes = [...new Set(r.ws.map((w) => w.clients))].sort((a, b) => a - b).map(String);
  writeFileSync(
    join(here, `chart-ws${suffix}.svg`),
    svgBars(
      'WebSocket fan-out: server CPU per delivered message (µs, lower is better)',
      'µs / delivery',
      sizes.map((s) => `${s} clients`),
      ['uws', 'weft', 'ws-lib'],
      (g, s) => wsAt(Number(g.split(' ')[0]), s)?.cpuUsPerDelivery ?? Number.NaN,
      r.labels,
    ),
  );
  return md;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = join(here, 'results');
  const file = existsSync(join(dir, 'latest-full.json'))
    ? join(dir, 'latest-full.json')
    : join(dir, 'latest-quick.json');
  process.stdout.write(writeReport(JSON.parse(readFileSync(file, 'utf8')) as BenchResult));
}
