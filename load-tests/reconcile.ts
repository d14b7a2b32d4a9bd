/**
 * Why two benchmarks of the same route disagreed (issue 27): one weft tree,
 * GET /hello/:name on the uws reactor, measured the ways the benches and a
 * user's plain process differ, in one interleaved run beside raw uWS:
 *
 * - from source under tsx (what the benches ran) or the built package under plain node;
 * - `logger: false` (what the benches served) or default options (the access log on);
 * - wrk -c50 (bench:realistic) or autocannon -c100 -p10 (bench:reactors, bench:obs).
 *
 *   node --import tsx load-tests/reconcile.ts <git-ref> [--rounds=5] [--seconds=2]
 *
 * The ref's own load-tests/servers/weft-http.ts is its "source under tsx"
 * server (it serves `logger: false`).
 */
import { join } from 'node:path';
import { buildRef, bundleServers, scratchRoot } from './build.js';
import { benchRoutes, type Cell, interleaved, ratio, type Srv, spread, uptime } from './interleave.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const ref = args.find((a) => !a.startsWith('--')) ?? 'HEAD';
const rounds = Number(opt('rounds', '5'));
const seconds = Number(opt('seconds', '2'));
const log = (s: string) => process.stderr.write(`${s}\n`);

const root = scratchRoot('weft-reconcile-');
const built = buildRef(root, ref);
const servers = await bundleServers(root);
const hello = benchRoutes(root).filter((r) => r.key === 'hello');
const env = { WEFT_REACTOR: 'uws' };
const list: Srv[] = [
  { key: 'raw', label: 'raw uWS.js (bundled, node)', script: servers['uws-http'] as string, env: {} },
  {
    key: 'tsx-quiet',
    label: `weft ${built.sha} from source under tsx, logger: false (the benches)`,
    script: join(root, built.sha, 'load-tests', 'servers', 'weft-http.ts'),
    env: { ...env, OBS: 'none' },
  },
  {
    key: 'built-quiet',
    label: `weft ${built.sha} built, plain node, logger: false`,
    script: servers['weft-http'] as string,
    env: { ...env, WEFT_DIST: built.dist, OBS: 'none' },
  },
  {
    key: 'built-default',
    label: `weft ${built.sha} built, plain node, default options`,
    script: servers['weft-http'] as string,
    env: { ...env, WEFT_DIST: built.dist, OBS: 'default' },
  },
];

const out: string[] = [
  `## reconcile — ${ref} (${built.sha}), GET /hello/:name, uws reactor, ${rounds} rounds of ${seconds} s`,
  '',
];
const started = Date.now();
const load0 = uptime();
for (const [name, o] of [
  ['wrk -t1 -c50', { connections: 50 }],
  ['autocannon -c100 -p10', { connections: 100, autocannon: { pipelining: 10 } }],
] as const) {
  const cells = await interleaved(list, hello, { rounds, seconds, ...o, log: (l) => log(`${name} ${l}`) });
  const raw = (cells.get('hello|raw') as Cell).cpu;
  out.push(`### ${name}`, '', '| server | req/s | µs CPU/request | vs raw uWS (spread) |', '|---|---:|---:|---:|');
  for (const s of list) {
    const c = cells.get(`hello|${s.key}`) as Cell;
    const rps = [...c.rps].sort((a, b) => a - b)[c.rps.length >> 1] as number;
    out.push(`| ${s.label} | ${Math.round(rps)} | ${spread(c.cpu)} | ${ratio(c.cpu, raw).text} |`);
  }
  out.push('');
}
out.push(`Load: ${load0} → ${uptime()}; ${Math.round((Date.now() - started) / 1000)} s`);
process.stdout.write(`${out.join('\n')}\n`);
process.exit(0);
