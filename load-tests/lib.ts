/** Shared pieces of the load tests: pinned server processes, autocannon runs, /proc CPU accounting. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBinding } from '../src/reactor/uws/binding.js';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const CLK_TCK = 100; // Linux USER_HZ

/** A uWS.js build loads on this machine (the uws rows run only where it does). */
export const uwsLoads = (): boolean => !(loadBinding(16384) instanceof Error);

export interface ServerProc {
  proc: ChildProcess;
  port: number;
  pid: number;
}

/**
 * Start `servers/<name>.ts` (or the script at an absolute path) pinned to `core`; resolves once it printed its port.
 * A `.mjs` script (a bundled server, see build.ts) runs as a plain `node` process, as users run theirs: no
 * loader, its stdout (weft's default access log) to /dev/null, its port reported on fd 3.
 */
export async function startServer(name: string, env: Record<string, string> = {}, core = '0'): Promise<ServerProc> {
  const file = name.startsWith('/') ? name : join(here, 'servers', `${name}.ts`);
  const plain = file.endsWith('.mjs');
  const proc = spawn('taskset', ['-c', core, process.execPath, ...(plain ? [] : ['--import', 'tsx']), file], {
    env: { ...process.env, PORT: '0', ...(plain ? { READY_FD: '3' } : {}), ...env },
    stdio: plain ? ['ignore', 'ignore', 'inherit', 'pipe'] : ['ignore', 'pipe', 'inherit'],
  });
  const out = (plain ? proc.stdio[3] : proc.stdout) as NodeJS.ReadableStream;
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    out.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return { proc, port, pid: proc.pid as number };
}

export async function stopServer(s: ServerProc): Promise<void> {
  s.proc.kill('SIGKILL');
  if (s.proc.exitCode === null) await once(s.proc, 'exit');
}

/** utime + stime of a process, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/**
 * CPU time of every thread of a process, in microseconds, from the
 * scheduler's own accounting (/proc/PID/task/TID/schedstat, nanoseconds):
 * exact where utime/stime are sampled once per tick.
 */
export function cpuMicrosExact(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1000;
}

/** Resident set size of a process, in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  seconds: number;
  connections?: number | undefined;
  pipelining?: number | undefined;
  method?: string | undefined;
  body?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** Core to pin autocannon to. */
  core?: string | undefined;
}

/** Run `taskset ARGS` and return its stdout; throws when it fails. */
async function tasksetOutput(args: string[], what: string): Promise<string> {
  const proc = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const [code] = (await once(proc, 'exit')) as [number];
  if (code !== 0) throw new Error(`${what} exited with ${code}: ${out.slice(0, 500)}`);
  return out;
}

/** Run autocannon pinned to a core; parse its JSON result. */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  const bin = require.resolve('autocannon/autocannon.js');
  const args = [
    '-c',
    opts.core ?? '1',
    process.execPath,
    bin,
    '-j',
    '-c',
    String(opts.connections ?? 100),
    '-p',
    String(opts.pipelining ?? 10),
    '-d',
    String(opts.seconds),
  ];
  if (opts.method) args.push('-m', opts.method);
  if (opts.body !== undefined) args.push('-b', opts.body);
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(opts.url);
  const out = await tasksetOutput(args, 'autocannon');
  const j = JSON.parse(out) as {
    requests: { total: number; average: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
    duration: number;
  };
  return {
    requests: j.requests.total,
    rps: j.requests.total / j.duration,
    p50: j.latency.p50,
    p99: j.latency.p99,
    errors: j.errors,
    non2xx: j.non2xx,
  };
}

export type Accounted = LoadResult & { cpuUsPerReq: number; rss: number };

/** Run a load and account the server's CPU over it: µs of server CPU per request. */
async function accounted(s: ServerProc, run: () => Promise<LoadResult>, exact = false): Promise<Accounted> {
  const cpu = exact ? cpuMicrosExact : cpuMicros;
  const c0 = cpu(s.pid);
  const r = await run();
  const c1 = cpu(s.pid);
  return { ...r, cpuUsPerReq: (c1 - c0) / Math.max(1, r.requests), rss: rssMiB(s.pid) };
}

/** autocannon against a server, CPU accounted. */
export function measure(s: ServerProc, opts: LoadOptions, exact = false): Promise<Accounted> {
  return accounted(s, () => load(opts), exact);
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export interface WrkOptions {
  url: string;
  seconds: number;
  connections?: number | undefined;
  /** A wrk Lua script (for POST bodies). */
  script?: string | undefined;
  core?: string | undefined;
}

/** Run wrk (Debian package `wrk`) pinned to a core. */
export async function wrk(opts: WrkOptions): Promise<LoadResult> {
  const args = [
    '-c',
    opts.core ?? '1',
    'wrk',
    '-t1',
    `-c${opts.connections ?? 100}`,
    `-d${opts.seconds}s`,
    '--latency',
  ];
  if (opts.script) args.push('-s', opts.script);
  args.push(opts.url);
  const out = await tasksetOutput(args, 'wrk');
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
  const ms = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) return Number.NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const total = num(/(\d+) requests in/);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  return {
    requests: total,
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50: ms(/ 50%\s+([\d.]+)(us|ms|s)/),
    p99: ms(/ 99%\s+([\d.]+)(us|ms|s)/),
    errors: num(/Socket errors: connect (\d+)/) || 0,
    non2xx: Number.isNaN(non2xx) ? 0 : non2xx,
  };
}

/** wrk against a server, CPU accounted. */
export function measureWrk(s: ServerProc, opts: WrkOptions, exact = false): Promise<Accounted> {
  return accounted(s, () => wrk(opts), exact);
}

/** Spawn a TypeScript helper pinned to `core`; resolves with its stdout when it exits. */
export async function runPinned(
  script: string,
  args: string[],
  core = '1',
  onLine?: (line: string) => void,
): Promise<string> {
  const proc = spawn('taskset', ['-c', core, process.execPath, '--import', 'tsx', join(here, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => {
    const s = d.toString();
    out += s;
    if (onLine) for (const l of s.split('\n')) if (l) onLine(l);
  });
  const [code] = (await once(proc, 'exit')) as [number];
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return out;
}
