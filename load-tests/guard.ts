/**
 * The per-request cost guard (issue 27): this working tree against a git ref,
 * in one interleaved run. Not a test: it prints a table and judges nothing.
 *
 *   npm run bench:guard -- <git-ref>      5 rounds of 2 s per route and server, both reactors (a few minutes)
 *   npm run bench:guard -- <ref> --rounds=7 --seconds=3 --reactors=uws --routes=hello,post --obs=off
 *
 * Both trees are built as users get them (`tsc -p tsconfig.build.json` into a
 * temp dir: the ref from `git archive`, the working tree with its uncommitted
 * changes), and the same server script (load-tests/servers/weft-http.ts,
 * bundled by esbuild, run by plain `node`; default options unless `--obs`)
 * serves each. The raw floor (raw uWS, raw node:http) runs beside them
 * (`--no-raw` leaves it out). Method: load-tests/interleave.ts. The ratio
 * column is the median of the per-round ratios current / ref, with its spread.
 *
 * Routes: hello (GET /hello/:name), post (POST /todos, zod body → 201), search
 * (GET /search, zod query and two headers).
 */
import { buildRef, buildWorkingTree, bundleServers, scratchRoot } from './build.js';
import {
  benchArgs,
  benchRoutes,
  type Cell,
  haveWrk,
  interleaved,
  ratio,
  type Srv,
  spread,
  uptime,
} from './interleave.js';

const args = benchArgs();
const { rounds, seconds, connections, withRaw, reactors, routeKeys } = args;
const refArg = args.refs[0];
if (!refArg) {
  process.stderr.write('usage: npm run bench:guard -- <git-ref> [--rounds=5] [--seconds=2] [--reactors=uws,node]\n');
  process.stderr.write('       [--routes=hello,post,search] [--obs=default|off|none] [--connections=50] [--no-raw]\n');
  process.exit(2);
}
const ref: string = refArg;
const obs = args.opt('obs', 'default');
const log = (s: string) => process.stderr.write(`${s}\n`);

const root = scratchRoot('weft-guard-');
log(`building ${ref} and the working tree under ${root}`);
const base = buildRef(root, ref);
const current = buildWorkingTree(root);
const servers = await bundleServers(root);
const routes = benchRoutes(root).filter((r) => routeKeys.includes(r.key));

function serversOf(reactor: string): Srv[] {
  const weft = (key: string, label: string, dist: string): Srv => ({
    key,
    label,
    script: servers['weft-http'] as string,
    env: { WEFT_DIST: dist, WEFT_REACTOR: reactor, OBS: obs },
  });
  const raw: Srv =
    reactor === 'uws'
      ? { key: 'raw', label: 'raw uWS.js', script: servers['uws-http'] as string, env: {} }
      : { key: 'raw', label: 'raw node:http', script: servers['node-http'] as string, env: {} };
  return [weft('base', ref, base.dist), weft('current', 'working tree', current), ...(withRaw ? [raw] : [])];
}

const started = Date.now();
const load0 = uptime();
const results = new Map<string, Map<string, Cell>>();
for (const reactor of reactors)
  results.set(
    reactor,
    await interleaved(serversOf(reactor), routes, {
      rounds,
      seconds,
      connections,
      log: (l) => log(`${reactor.padEnd(4)} ${l}`),
    }),
  );

const out: string[] = [
  `## bench:guard — working tree against ${ref} (${base.sha})`,
  '',
  `Node ${process.version}, built packages, options: ${obs}; ${rounds} rounds of ${seconds} s, ${haveWrk ? 'wrk -t1' : 'autocannon -p1'} -c${connections} on core 1, server on core 0, CPU from schedstat; ${Math.round((Date.now() - started) / 1000)} s.`,
  `- load at start: ${load0}`,
  `- load at end: ${uptime()}`,
  '',
  `| reactor | route | ${ref} µs/req | current µs/req | current / ${ref} (spread) |${withRaw ? ' raw µs/req | current / raw | ref / raw |' : ''}`,
  `|---|---|---:|---:|---:|${withRaw ? '---:|---:|---:|' : ''}`,
];
for (const reactor of reactors) {
  const cells = results.get(reactor) as Map<string, Cell>;
  for (const r of routes) {
    const cell = (server: string) => cells.get(`${r.key}|${server}`) as Cell;
    const b = cell('base');
    const c = cell('current');
    let line = `| ${reactor} | ${r.title} | ${spread(b.cpu)} | ${spread(c.cpu)} | **${ratio(c.cpu, b.cpu).text}** |`;
    if (withRaw) {
      const w = cell('raw');
      line += ` ${spread(w.cpu)} | ${ratio(c.cpu, w.cpu).text} | ${ratio(b.cpu, w.cpu).text} |`;
    }
    out.push(line);
  }
}
process.stdout.write(`${out.join('\n')}\n`);
process.exit(0);
