/**
 * What part of weft's cost over raw uWS on `GET /hello/:name` is the reading
 * of the request that any server enforcing limits does: raw uWS as it is,
 * raw uWS also reading the method, URL and query (`READS=line`), and also
 * walking the headers once (`READS=head`, what weft's uws reactor does on
 * uWS 20.30, which does not cap the head itself), beside weft's uws reactor
 * from the built working tree with default options. Interleaved rounds,
 * method as bench:guard (load-tests/interleave.ts).
 *
 *   npm run bench:floor [-- --rounds=5 --seconds=3]
 */
import { buildWorkingTree, bundleServers, scratchRoot } from './build.js';
import { benchArgs, benchRoutes, interleaved, ratio, type Srv, spread, uptime } from './interleave.js';

const args = benchArgs(undefined, true);
const log = (s: string) => process.stderr.write(`${s}\n`);
const root = scratchRoot('weft-floor-');
const dist = buildWorkingTree(root);
const servers = await bundleServers(root);
const raw = servers['uws-http'] as string;
const srv: Srv[] = [
  { key: 'raw', label: 'raw uWS', script: raw, env: {} },
  { key: 'line', label: 'raw uWS + method, URL, query', script: raw, env: { READS: 'line' } },
  { key: 'head', label: 'raw uWS + method, URL, query + one header walk', script: raw, env: { READS: 'head' } },
  {
    key: 'weft',
    label: 'weft (uws reactor), default options',
    script: servers['weft-http'] as string,
    env: { WEFT_DIST: dist, WEFT_REACTOR: 'uws' },
  },
];
const load0 = uptime();
const routes = benchRoutes(root).filter((r) => r.key === 'hello');
const res = await interleaved(srv, routes, {
  rounds: args.rounds,
  seconds: args.seconds,
  connections: args.connections,
  log,
});
const cpu = (key: string) => (res.get(`hello|${key}`) as { cpu: number[] }).cpu;
console.log(`\nGET /hello/:name, ${args.rounds} rounds of ${args.seconds} s, wrk -c${args.connections}`);
console.log(`- load at start: ${load0}\n- load at end: ${uptime()}\n`);
console.log('| server | µs CPU/request | vs raw uWS | vs previous row |\n|---|---:|---:|---:|');
srv.forEach((s, i) => {
  const prev = i === 0 ? undefined : cpu((srv[i - 1] as Srv).key);
  console.log(
    `| ${s.label} | ${spread(cpu(s.key))} | ${ratio(cpu(s.key), cpu('raw')).text} | ${prev ? ratio(cpu(s.key), prev).text : ''} |`,
  );
});
