/**
 * Interleaved per-request CPU runs, shared by bench:guard and bench:bisect:
 * several servers per reactor, each route measured on every server back to
 * back in each round (the order alternating), so ratios are taken between
 * neighbours in time on a noisy machine.
 *
 * Server on core 0, wrk (one thread, no pipelining; autocannon with -p1 when
 * wrk is missing) on core 1; CPU per request from the server process's own
 * counters (schedstat, every thread).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  type Accounted,
  measure,
  measureWrk,
  median,
  type ServerProc,
  startServer,
  stopServer,
  uwsLoads,
} from './lib.js';
import { SEARCH_HEADERS, SEARCH_PATH, TODO_BODY } from './servers/common.js';

export interface Route {
  key: string;
  title: string;
  path: string;
  lua?: string | undefined;
  method?: string | undefined;
  body?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** hello, post (POST /todos, zod body, 201) and search (zod query, two headers); wrk scripts written under `dir`. */
export function benchRoutes(dir: string): Route[] {
  const lua = (name: string, text: string) => {
    const f = join(dir, `${name}.lua`);
    writeFileSync(f, text);
    return f;
  };
  return [
    { key: 'hello', title: 'GET /hello/:name', path: '/hello/world' },
    {
      key: 'post',
      title: 'POST /todos (zod body) → 201',
      path: '/todos',
      lua: lua(
        'post',
        `wrk.method = "POST"\nwrk.body = '${TODO_BODY}'\nwrk.headers["Content-Type"] = "application/json"\n`,
      ),
      method: 'POST',
      body: TODO_BODY,
      headers: { 'content-type': 'application/json' },
    },
    {
      key: 'search',
      title: 'GET /search (zod query, 2 headers)',
      path: SEARCH_PATH,
      lua: lua(
        'search',
        Object.entries(SEARCH_HEADERS)
          .map(([k, v]) => `wrk.headers["${k}"] = "${v}"`)
          .join('\n'),
      ),
      headers: SEARCH_HEADERS,
    },
  ];
}

export interface Srv {
  key: string;
  label: string;
  script: string;
  env: Record<string, string>;
}

export interface RunOptions {
  rounds: number;
  seconds: number;
  connections: number;
  /** autocannon instead of wrk, with this pipelining (what bench:reactors used: 10). */
  autocannon?: { pipelining: number } | undefined;
  log: (line: string) => void;
}

export const haveWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status === 1; // wrk --version exits 1 after printing its version
  }
})();

/** One route on one server for `seconds`, the server's CPU accounted (wrk, or autocannon as `o` says). */
export async function hitRoute(
  s: ServerProc,
  r: Route,
  seconds: number,
  o: Pick<RunOptions, 'connections' | 'autocannon'>,
): Promise<Accounted> {
  const url = `http://127.0.0.1:${s.port}${r.path}`;
  const connections = o.connections;
  return haveWrk && o.autocannon === undefined
    ? measureWrk(s, { url, seconds, connections, script: r.lua }, true)
    : measure(
        s,
        {
          url,
          seconds,
          connections,
          pipelining: o.autocannon?.pipelining ?? 1,
          method: r.method,
          body: r.body,
          headers: r.headers,
        },
        true,
      );
}

export interface Cell {
  cpu: number[];
  rps: number[];
}

/** Run every route on every server, `rounds` times; results keyed `route|server`. */
export async function interleaved(servers: Srv[], routes: Route[], o: RunOptions): Promise<Map<string, Cell>> {
  const results = new Map<string, Cell>();
  const procs = new Map<string, ServerProc>();
  try {
    for (const s of servers) procs.set(s.key, await startServer(s.script, s.env));
    for (const r of routes) for (const s of servers) await hitRoute(procs.get(s.key) as ServerProc, r, 1, o);
    for (let round = 0; round < o.rounds; round++) {
      for (const r of routes) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const s of order) {
          const res = await hitRoute(procs.get(s.key) as ServerProc, r, o.seconds, o);
          if (res.errors > 0 || res.non2xx > 0)
            o.log(`  ! ${r.key} ${s.key}: ${res.errors} errors, ${res.non2xx} non-2xx`);
          const k = `${r.key}|${s.key}`;
          const cell = results.get(k) ?? { cpu: [], rps: [] };
          cell.cpu.push(res.cpuUsPerReq);
          cell.rps.push(res.rps);
          results.set(k, cell);
          o.log(
            `round ${round + 1} ${r.key.padEnd(6)} ${s.key.padEnd(12)} ${Math.round(res.rps)} req/s ${res.cpuUsPerReq.toFixed(2)} µs/req`,
          );
        }
      }
    }
  } finally {
    for (const p of procs.values()) await stopServer(p);
  }
  return results;
}

/** Median and spread (min–max) of the per-round ratios a/b. */
export function ratio(a: number[], b: number[]): { median: number; min: number; max: number; text: string } {
  const rs = a.map((x, i) => x / (b[i] as number));
  const q = { median: median(rs), min: Math.min(...rs), max: Math.max(...rs) };
  return { ...q, text: `${q.median.toFixed(2)}x (${q.min.toFixed(2)}–${q.max.toFixed(2)})` };
}

/** Median µs and spread. */
export const spread = (xs: number[]) =>
  `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

/** The machine's load averages (as `uptime` prints them; read from the kernel, so it works in a minimal root too). */
export const uptime = () =>
  `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;

/** The command line that bench:guard and bench:bisect share (`--name=value` options and bare refs). */
export interface BenchArgs {
  /** The arguments that are not options (git refs). */
  readonly refs: string[];
  opt(name: string, dflt: string): string;
  has(flag: string): boolean;
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
  /** The raw floor runs beside the builds (not `--no-raw`). */
  readonly withRaw: boolean;
  /** `--reactors`, uws left out where no uWS build loads. */
  readonly reactors: string[];
  /** `--routes`. */
  readonly routeKeys: string[];
}

/** The command line of this process; `uwsHere`: whether the uws reactor can run (found out when not given). */
export function benchArgs(argv: string[] = process.argv.slice(2), uwsHere: boolean = uwsLoads()): BenchArgs {
  const opt = (name: string, dflt: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
  return {
    refs: argv.filter((a) => !a.startsWith('--')),
    opt,
    has: (flag) => argv.includes(flag),
    rounds: Number(opt('rounds', '5')),
    seconds: Number(opt('seconds', '2')),
    connections: Number(opt('connections', '50')),
    withRaw: !argv.includes('--no-raw'),
    reactors: opt('reactors', uwsHere ? 'uws,node' : 'node')
      .split(',')
      .filter((r) => r !== 'uws' || uwsHere),
    routeKeys: opt('routes', 'hello,post,search').split(','),
  };
}
