/**
 * What the Bun and Deno benches (bun.ts, deno.ts) share: their servers run
 * under that runtime from the bench's own file (`--serve <kind>`), pinned to
 * core 0; the bench routes of the other reactors (`GET /hello/:name`,
 * `POST /todos` with a zod body, `GET /search` with a zod query and two
 * headers: servers/weft-routes.ts, servers/fetch-raw.ts) are loaded on every
 * server in interleaved rounds, the same way as bench:guard and bench:bisect
 * (wrk, one thread, 50 connections, no pipelining: interleave.ts); the tables
 * print medians of server CPU per request and ratios with their per-round
 * spread. `--pipelined` loads with autocannon, 100 connections, pipelining 10
 * (how these benches measured before). The servers stay in each bench's file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchRoutes, hitRoute, type Route } from './interleave.js';
import { median } from './lib.js';

export interface Proc {
  proc: ChildProcess;
  port: number;
  pid: number;
}

/**
 * `--quick` (1 round, 2 s a case), `--rounds N`, `--only http|ws`, `--before DIR`
 * (also serve weft from another checkout, e.g. a git worktree of the previous commit,
 * as the `before` kind, for an interleaved A/B in one run), `--pipelined` (autocannon
 * with pipelining 10 instead of wrk).
 */
export function benchArgs(): {
  quick: boolean;
  rounds: number;
  seconds: number;
  only: string;
  before: string | undefined;
  pipelined: boolean;
} {
  const argv = process.argv;
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--rounds');
  const only = argv.indexOf('--only');
  const before = argv.indexOf('--before');
  const dir = before === -1 ? undefined : argv[before + 1];
  if (dir !== undefined) process.env[BEFORE_ENV] = resolve(dir); // read by the `before` server
  return {
    quick,
    rounds: at !== -1 ? Number(argv[at + 1]) : quick ? 1 : 3,
    seconds: quick ? 2 : 4,
    only: only === -1 ? 'all' : (argv[only + 1] ?? 'all'),
    before: dir,
    pipelined: argv.includes('--pipelined'),
  };
}

/** Where the `before` server's checkout is (set by `benchArgs` for the servers it starts). */
export const BEFORE_ENV = 'WEFT_BENCH_BEFORE';

/** weft's entry point: this checkout's, or the `before` checkout's. */
export function weftEntry(root: string | undefined): string {
  return root === undefined
    ? new URL('../src/index.js', import.meta.url).href
    : pathToFileURL(resolve(root, 'src/index.js')).href;
}

export function log(s: string): void {
  process.stderr.write(`${s}\n`);
}

/** `<command…> <script> --serve <kind>`, pinned to core 0; resolves once it printed `{"port":N}`. */
export async function startPinned(command: readonly string[], script: string, kind: string): Promise<Proc> {
  const proc = spawn('taskset', ['-c', '0', ...command, script, '--serve', kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((res, rej) => {
    let buf = '';
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) res(Number(m[1]));
    });
    proc.on('exit', (code) => rej(new Error(`${kind} exited with ${code}`)));
  });
  return { proc, port, pid: proc.pid as number };
}

export async function stopProc(p: Proc): Promise<void> {
  p.proc.kill('SIGKILL');
  if (p.proc.exitCode === null) await once(p.proc, 'exit');
}

/** The routes every server answers, in the order of the tables. */
export const ROUTE_KEYS = ['hello', 'post', 'search'] as const;
export type RouteKey = (typeof ROUTE_KEYS)[number];

/** Per case (`hello|<kind>`, `post|<kind>`, `search|<kind>`): µs of server CPU per request and req/s, one sample a round. */
export interface Samples {
  cpu: Map<string, number[]>;
  rps: Map<string, number[]>;
}

/**
 * Every route on every kind's server (all started first, killed after), a
 * warm-up second each, then `rounds` rounds of `seconds` a case.
 */
export async function httpRounds(
  kinds: readonly string[],
  start: (kind: string) => Promise<Proc>,
  rounds: number,
  seconds: number,
  pipelined = false,
): Promise<Samples> {
  const procs = new Map<string, Proc>();
  const routes: Route[] = benchRoutes(mkdtempSync(join(tmpdir(), 'weft-runtime-bench-')));
  const load = pipelined
    ? { connections: 100, autocannon: { pipelining: 10 } }
    : { connections: 50, autocannon: undefined };
  const cases = routes.flatMap((r) => kinds.map((k) => ({ key: `${r.key}|${k}`, kind: k, route: r })));
  const cpu = new Map<string, number[]>();
  const rps = new Map<string, number[]>();
  try {
    for (const k of kinds) procs.set(k, await start(k));
    for (const c of cases) await hitRoute(procs.get(c.kind) as Proc, c.route, 1, load); // warm up
    for (let round = 0; round < rounds; round++) {
      // Interleaved: each round starts one case later, so drift on the machine spreads over every server,
      // and every other round runs backwards, so no server always runs just before another (an A/A run
      // with `--before` read the first of the two 8 % cheaper when the order only rotated).
      const rotated = [...cases.slice(round % cases.length), ...cases.slice(0, round % cases.length)];
      const order = round % 2 === 1 ? rotated.reverse() : rotated;
      for (const c of order) {
        const r = await hitRoute(procs.get(c.kind) as Proc, c.route, seconds, load);
        if (r.errors > 0 || r.non2xx > 0) log(`  ! ${c.key}: ${r.errors} errors, ${r.non2xx} non-2xx`);
        cpu.set(c.key, [...(cpu.get(c.key) ?? []), r.cpuUsPerReq]);
        rps.set(c.key, [...(rps.get(c.key) ?? []), r.rps]);
        log(`round ${round + 1} ${c.key.padEnd(14)} ${Math.round(r.rps)} req/s ${r.cpuUsPerReq.toFixed(2)} µs/req`);
      }
    }
  } finally {
    for (const p of procs.values()) await stopProc(p);
  }
  return { cpu, rps };
}

/** What the run measured with, for the table's heading. */
export const loadMethod = (pipelined: boolean): string =>
  pipelined ? 'autocannon, 100 connections, pipelining 10' : 'wrk, 50 connections, no pipelining';

export interface Ratio {
  mid: number;
  lo: number;
  hi: number;
}

/** `a`'s median over `b`'s, with the spread of the per-round ratios. */
export function ratio(samples: Map<string, number[]>, a: string, b: string): Ratio {
  const xs = samples.get(a) as number[];
  const ys = samples.get(b) as number[];
  const rs = xs.map((x, i) => x / (ys[i] as number));
  return { mid: median(xs) / median(ys), lo: Math.min(...rs), hi: Math.max(...rs) };
}

export const fmt = (r: Ratio) => `${r.mid.toFixed(2)}x (${r.lo.toFixed(2)}–${r.hi.toFixed(2)})`;

/**
 * One route's table: a row per kind, its median µs CPU/request (and req/s
 * with `rps`), and its ratio to the first row's kind.
 */
export function httpTable(
  samples: Samples,
  route: RouteKey,
  heading: string,
  versus: string,
  rows: readonly (readonly [kind: string, label: string])[],
  withRps = false,
): void {
  const base = `${route}|${(rows[0] as readonly [string, string])[0]}`;
  console.log(`| ${heading} | µs CPU/request |${withRps ? ' req/s |' : ''} vs ${versus} (per-round spread) |`);
  console.log(`|---|---|${withRps ? '---|' : ''}---|`);
  for (const [kind, label] of rows) {
    const k = `${route}|${kind}`;
    const rps = withRps ? ` ${Math.round(median(samples.rps.get(k) as number[]))} |` : '';
    console.log(
      `| ${label} | ${median(samples.cpu.get(k) as number[]).toFixed(2)} |${rps} ${fmt(ratio(samples.cpu, k, base))} |`,
    );
  }
}

const HEADINGS: Readonly<Record<RouteKey, string>> = {
  hello: 'GET /hello/:name',
  post: 'POST /todos (JSON, validated) → 201',
  search: 'GET /search (query validated, 2 headers)',
};

/**
 * A table per route: the raw server (`raw`), weft (and `before` when it ran)
 * and a rival framework (server kind `rivalKind`, labelled `rival`); on the validated routes each label says
 * what checks the input (`rivalChecks` for the rival).
 */
export function routeTables(
  samples: Samples,
  o: {
    raw: string;
    reactor: string;
    rivalKind: string;
    rival: string;
    rivalChecks: string;
    withBefore: boolean;
    withRps?: boolean;
  },
): void {
  for (const route of ROUTE_KEYS) {
    const checked = (label: string, how: string) => (route === 'hello' ? label : `${label}, ${how}`);
    if (route !== 'hello') console.log('');
    httpTable(
      samples,
      route,
      HEADINGS[route],
      o.raw,
      [
        ['raw', checked(o.raw, 'checked by hand')],
        ['weft', checked(`weft (${o.reactor})`, 'zod')],
        ...(o.withBefore ? [['before', checked('weft before (`--before`)', 'zod')] as const] : []),
        [o.rivalKind, checked(o.rival, o.rivalChecks)],
      ],
      o.withRps,
    );
  }
}

/** The issue's targets: a row each, the measured ratio and whether it was met. */
export function targetTable(targets: readonly (readonly [target: string, measured: Ratio, met: boolean])[]): void {
  console.log('\n| target (issue 25) | measured | |');
  console.log('|---|---|---|');
  for (const [target, measured, met] of targets)
    console.log(`| ${target} | ${fmt(measured)} | ${met ? 'met' : 'missed'} |`);
}

/** With `--before`: weft against the `before` checkout, per route, from the same interleaved rounds. */
export function beforeTable(samples: Samples): void {
  console.log('\n| weft against `--before` | µs CPU/request, after / before (per-round spread) |');
  console.log('|---|---|');
  for (const route of ['hello', 'post'] as const)
    console.log(`| ${route} | ${fmt(ratio(samples.cpu, `${route}|weft`, `${route}|before`))} |`);
}
