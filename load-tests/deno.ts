/**
 * The Deno bench: weft's deno reactor against raw Deno.serve and Hono on
 * Deno.serve, server CPU per request, all under the Deno in node_modules.
 *
 *   npm run bench:deno            3 interleaved rounds (about 2 minutes)
 *   npm run bench:deno -- --quick 1 round
 *
 * `GET /hello/:name` for raw Deno.serve, weft (deno reactor) and Hono;
 * `POST /todos` with a JSON body checked by zod (weft, Hono's zod validator
 * is not installed: Hono checks by hand, as raw Deno.serve does). Servers on
 * core 0, autocannon on core 1; CPU from the server's own scheduler counters
 * (every thread of the Deno process). Prints the table of load-tests/DENO.md.
 *
 * The same file is the servers: `deno run -A load-tests/deno.ts --serve raw|weft|hono`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { cpuMicrosExact, type LoadOptions, load, median } from './lib.js';

const DENO = resolve(import.meta.dirname, '../node_modules/.bin/deno');
const NEW_TODO = JSON.stringify({ title: 'buy milk', done: false });

/** The shape every server checks a posted todo against. */
function validTodo(v: unknown): v is { title: string; done: boolean } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.title === 'string' && o.title.length >= 1 && o.title.length <= 200 && typeof o.done === 'boolean';
}

type Handler = (req: Request) => Response | Promise<Response>;

interface RawDeno {
  serve(
    o: { port: number; hostname: string; onListen(): void },
    handler: Handler,
  ): { readonly addr: { readonly port: number } };
}

function denoServe(handler: Handler): number {
  const d = (globalThis as { Deno?: RawDeno }).Deno as RawDeno;
  return d.serve({ port: 0, hostname: '127.0.0.1', onListen() {} }, handler).addr.port;
}

/** A posted todo checked by hand: what raw Deno.serve and Hono answer with. */
async function createByHand(req: Request): Promise<Response> {
  const json = { 'content-type': 'application/json' };
  if (!req.headers.get('content-type')?.startsWith('application/json')) return new Response(null, { status: 415 });
  let v: unknown;
  try {
    v = await req.json();
  } catch {
    return new Response('{"error":"invalid JSON"}', { status: 400, headers: json });
  }
  if (!validTodo(v)) return new Response('{"error":"invalid todo"}', { status: 400, headers: json });
  return new Response(JSON.stringify({ id: 1, title: v.title, done: v.done }), { status: 201, headers: json });
}

function serveRaw(): number {
  const text = { 'content-type': 'text/plain; charset=utf-8' };
  return denoServe((req) => {
    const url = req.url;
    const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    if (req.method === 'GET' && path.startsWith('/hello/'))
      return new Response(`hello ${path.slice(7)}`, { headers: text });
    if (req.method === 'POST' && path === '/todos') return createByHand(req);
    return new Response('not found', { status: 404 });
  });
}

async function serveWeft(): Promise<number> {
  const { z } = await import('zod');
  const { body, get, path, post, reply, serve, str } = await import('../src/index.js');
  const Todo = z.object({ title: z.string().min(1).max(200), done: z.boolean() });
  const hello = get()
    .and(path('hello', str))
    .map((name) => reply.text(`hello ${name}`));
  const create = post()
    .and(path('todos'))
    .and(body.json(Todo))
    .map((t) => reply.json({ id: 1, title: t.title, done: t.done }).status(201));
  const server = await serve(hello.or(create), { logger: false }).listen({ port: 0 });
  return server.port;
}

async function serveHono(): Promise<number> {
  const { Hono } = await import('hono');
  const app = new Hono();
  app.get('/hello/:name', (c) => c.text(`hello ${c.req.param('name')}`));
  app.post('/todos', (c) => createByHand(c.req.raw));
  return denoServe(app.fetch);
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt !== -1) {
  const kind = process.argv[serveAt + 1];
  const port = kind === 'raw' ? serveRaw() : kind === 'weft' ? await serveWeft() : await serveHono();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  // A clean exit on SIGTERM lets `--cpu-prof` write its profile.
  process.on('SIGTERM', () => process.exit(0));
} else {
  await bench();
}

interface Proc {
  proc: ChildProcess;
  port: number;
  pid: number;
}

/** `deno run -A load-tests/deno.ts --serve kind`, pinned to core 0. */
async function start(kind: string): Promise<Proc> {
  const proc = spawn('taskset', ['-c', '0', DENO, 'run', '-A', import.meta.filename, '--serve', kind], {
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

async function bench(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rounds = quick ? 1 : 3;
  const seconds = quick ? 2 : 4;
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const kinds = ['raw', 'weft', 'hono'];
  const procs = new Map<string, Proc>();
  for (const k of kinds) procs.set(k, await start(k));
  const cases = [
    ...kinds.map((k) => ({ key: `hello|${k}`, kind: k, opts: (p: number): LoadOptions => hello(p) })),
    ...kinds.map((k) => ({ key: `post|${k}`, kind: k, opts: (p: number): LoadOptions => postTodo(p) })),
  ];
  const cpu = new Map<string, number[]>();
  const rps = new Map<string, number[]>();
  try {
    for (const c of cases) await load({ ...c.opts((procs.get(c.kind) as Proc).port), seconds: 1 }); // warm up
    for (let round = 0; round < rounds; round++) {
      // Interleaved: each round starts one case later, so drift on the machine spreads over every server.
      const order = [...cases.slice(round % cases.length), ...cases.slice(0, round % cases.length)];
      for (const c of order) {
        const s = procs.get(c.kind) as Proc;
        const c0 = cpuMicrosExact(s.pid);
        const r = await load({ ...c.opts(s.port), seconds });
        const us = (cpuMicrosExact(s.pid) - c0) / Math.max(1, r.requests);
        if (r.errors > 0 || r.non2xx > 0) log(`  ! ${c.key}: ${r.errors} errors, ${r.non2xx} non-2xx`);
        cpu.set(c.key, [...(cpu.get(c.key) ?? []), us]);
        rps.set(c.key, [...(rps.get(c.key) ?? []), r.rps]);
        log(`round ${round + 1} ${c.key.padEnd(12)} ${Math.round(r.rps)} req/s ${us.toFixed(2)} µs/req`);
      }
    }
  } finally {
    for (const p of procs.values()) {
      p.proc.kill('SIGKILL');
      if (p.proc.exitCode === null) await once(p.proc, 'exit');
    }
  }
  const med = (k: string) => median(cpu.get(k) as number[]);
  /** A ratio of medians, with the spread of the per-round ratios. */
  const ratio = (a: string, b: string) => {
    const rs = (cpu.get(a) as number[]).map((x, i) => x / ((cpu.get(b) as number[])[i] as number));
    return { mid: med(a) / med(b), lo: Math.min(...rs), hi: Math.max(...rs) };
  };
  const fmt = (r: { mid: number; lo: number; hi: number }) =>
    `${r.mid.toFixed(2)}x (${r.lo.toFixed(2)}–${r.hi.toFixed(2)})`;
  const version = spawnSync(DENO, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  const row = (k: string, label: string, base: string) =>
    `| ${label} | ${med(k).toFixed(2)} | ${Math.round(median(rps.get(k) as number[]))} | ${fmt(ratio(k, base))} |`;
  console.log(`\n## Deno bench (${version.trim()}, ${rounds} round(s), medians; server CPU per request)\n`);
  console.log('| GET /hello/:name | µs CPU/request | req/s | vs raw Deno.serve (per-round spread) |');
  console.log('|---|---|---|---|');
  console.log(row('hello|raw', 'raw Deno.serve', 'hello|raw'));
  console.log(row('hello|weft', 'weft (deno reactor)', 'hello|raw'));
  console.log(row('hello|hono', 'Hono on Deno.serve', 'hello|raw'));
  console.log('\n| POST /todos (JSON, validated) | µs CPU/request | req/s | vs raw Deno.serve (per-round spread) |');
  console.log('|---|---|---|---|');
  console.log(row('post|raw', 'raw Deno.serve, checked by hand', 'post|raw'));
  console.log(row('post|weft', 'weft (deno reactor), zod', 'post|raw'));
  console.log(row('post|hono', 'Hono on Deno.serve, checked by hand', 'post|raw'));
  const helloRaw = ratio('hello|weft', 'hello|raw');
  const helloHono = ratio('hello|weft', 'hello|hono');
  const mark = (ok: boolean) => (ok ? 'met' : 'missed');
  console.log('\n| target (issue 25) | measured | |');
  console.log('|---|---|---|');
  console.log(`| hello ≤ 1.15x raw Deno.serve | ${fmt(helloRaw)} | ${mark(helloRaw.mid <= 1.15)} |`);
  console.log(`| hello below Hono | ${fmt(helloHono)} | ${mark(helloHono.mid < 1)} |`);
}

function hello(port: number): LoadOptions {
  return { url: `http://127.0.0.1:${port}/hello/world`, seconds: 1 };
}

function postTodo(port: number): LoadOptions {
  return {
    url: `http://127.0.0.1:${port}/todos`,
    seconds: 1,
    method: 'POST',
    body: NEW_TODO,
    headers: { 'content-type': 'application/json' },
  };
}
