/**
 * Per-request cost across commits (issue 27): any number of git refs, each
 * built as users get it, served by the same bench server, measured in one
 * interleaved run beside the raw floor. Prints µs CPU per request and the
 * ratio to the first ref and to raw, per route and reactor.
 *
 *   npm run bench:bisect -- <ref> <ref> ... [--worktree] [--rounds=5] [--seconds=2]
 *        [--reactors=uws,node] [--routes=hello,post,search] [--obs=default,off] [--no-raw]
 *
 * `--worktree` adds the working tree; `--obs` takes a list (each build runs
 * once per option set); `--fastify` adds Fastify beside the node reactor.
 * Method: load-tests/interleave.ts.
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
const refs = args.refs;
if (refs.length === 0 && !args.has('--worktree')) {
  process.stderr.write('usage: npm run bench:bisect -- <ref> <ref> ... [--worktree] [--rounds=5] [--seconds=2]\n');
  process.stderr.write(
    '       [--reactors=uws,node] [--routes=hello,post,search] [--obs=default,off] [--no-raw] [--fastify]\n',
  );
  process.exit(2);
}
const obsList = args.opt('obs', 'default').split(',');
const log = (s: string) => process.stderr.write(`${s}\n`);

const root = scratchRoot('weft-bisect-');
const builds: { key: string; dist: string }[] = [];
for (const ref of refs) {
  log(`building ${ref}`);
  const b = buildRef(root, ref);
  builds.push({ key: b.sha, dist: b.dist });
}
if (args.has('--worktree')) builds.push({ key: 'worktree', dist: buildWorkingTree(root) });
const servers = await bundleServers(root);
const routes = benchRoutes(root).filter((r) => routeKeys.includes(r.key));

function serversOf(reactor: string): Srv[] {
  const list: Srv[] = [];
  for (const b of builds)
    for (const obs of obsList) {
      const key = obsList.length > 1 ? `${b.key}/${obs}` : b.key;
      list.push({
        key,
        label: key,
        script: servers['weft-http'] as string,
        env: { WEFT_DIST: b.dist, WEFT_REACTOR: reactor, OBS: obs },
      });
    }
  if (reactor === 'node' && args.has('--fastify'))
    list.push({ key: 'fastify', label: 'Fastify', script: servers['fastify-http'] as string, env: {} });
  if (withRaw)
    list.push(
      reactor === 'uws'
        ? { key: 'raw', label: 'raw uWS.js', script: servers['uws-http'] as string, env: {} }
        : { key: 'raw', label: 'raw node:http', script: servers['node-http'] as string, env: {} },
    );
  return list;
}

const started = Date.now();
const load0 = uptime();
const out: string[] = [
  `## bench:bisect — Node ${process.version}, built packages, ${rounds} rounds of ${seconds} s, ${haveWrk ? 'wrk -t1' : 'autocannon -p1'} -c${connections}`,
  '',
];
for (const reactor of reactors) {
  const list = serversOf(reactor);
  const cells = await interleaved(list, routes, {
    rounds,
    seconds,
    connections,
    log: (l) => log(`${reactor.padEnd(4)} ${l}`),
  });
  const first = list[0] as Srv;
  out.push(
    `### ${reactor} reactor`,
    '',
    `| route | build | µs/req (spread) | vs ${first.key} | ${withRaw ? 'vs raw |' : ''}`,
    `|---|---|---:|---:|${withRaw ? '---:|' : ''}`,
  );
  for (const r of routes) {
    const cell = (k: string) => cells.get(`${r.key}|${k}`) as Cell;
    for (const s of list) {
      const c = cell(s.key);
      out.push(
        `| ${r.key} | ${s.label} | ${spread(c.cpu)} | ${ratio(c.cpu, cell(first.key).cpu).text} | ${withRaw ? `${ratio(c.cpu, cell('raw').cpu).text} |` : ''}`,
      );
    }
  }
  out.push('');
}
out.push(`Load: ${load0} → ${uptime()}; ${Math.round((Date.now() - started) / 1000)} s`);
process.stdout.write(`${out.join('\n')}\n`);
process.exit(0);
