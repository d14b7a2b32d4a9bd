/**
 * The Bun bench: weft's bun reactor against raw Bun.serve and Elysia, server
 * CPU per request, all under the Bun in node_modules.
 *
 *   npm run bench:bun            3 interleaved rounds (about 2 minutes)
 *   npm run bench:bun -- --quick 1 round
 *   npm run bench:bun -- --rounds 7   more rounds, for a busy machine
 *
 * `GET /hello/:name` for raw Bun.serve, weft (bun reactor) and Elysia;
 * `POST /todos` with a JSON body checked by zod (weft) or by hand (raw
 * Bun.serve). Servers on core 0, autocannon on core 1; CPU from the
 * scheduler's own accounting of every server thread (/proc schedstat). Prints the table of load-tests/BUN.md.
 *
 * The same file is the servers: `bun load-tests/bun.ts --serve raw|weft|elysia`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { cpuMicrosExact, type LoadOptions, load, median } from './lib.js';

const BUN = resolve(import.meta.dirname, '../node_modules/.bin/bun');
const TODO = JSON.stringify({ title: 'buy milk', done: false });

/** The shape every server checks a posted todo against. */
function validTodo(v: unknown): v is { title: string; done: boolean } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.title === 'string' && o.title.length >= 1 && o.title.length <= 200 && typeof o.done === 'boolean';
}

interface RawBun {
  serve(o: { port: number; hostname: string; fetch(req: Request): Response | Promise<Response> }): { port: number };
}

async function serveRaw(): Promise<number> {
  const bun = (globalThis as { Bun?: RawBun }).Bun as RawBun;
  const text = { 'content-type': 'text/plain; charset=utf-8' };
  const json = { 'content-type': 'application/json' };
  const server = bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = req.url;
      const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
      if (req.method === 'GET' && path.startsWith('/hello/'))
        return new Response(`hello ${path.slice(7)}`, { headers: text });
      if (req.method === 'POST' && path === '/todos') {
        if (!req.headers.get('content-type')?.startsWith('application/json'))
          return new Response(null, { status: 415 });
        let v: unknown;
        try {
          v = await req.json();
        } catch {
          return new Response('{"error":"invalid JSON"}', { status: 400, headers: json });
        }
        if (!validTodo(v)) return new Response('{"error":"invalid todo"}', { status: 400, headers: json });
        return new Response(JSON.stringify({ id: 1, title: v.title, done: v.done }), { status: 201, headers: json });
      }
      return new Response('not found', { status: 404 });
    },
  });
  return server.port;
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

async function serveElysia(): Promise<number> {
  const { Elysia, t } = await import('elysia');
  const app = new Elysia()
    .get('/hello/:name', ({ params }) => `hello ${params.name}`)
    .post('/todos', ({ body, set }) => ((set.status = 201), { id: 1, title: body.title, done: body.done }), {
      body: t.Object({ title: t.String({ minLength: 1, maxLength: 200 }), done: t.Boolean() }),
    })
    .listen({ port: 0, hostname: '127.0.0.1' });
  return app.server?.port ?? 0;
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt !== -1) {
  const kind = process.argv[serveAt + 1];
  const port = kind === 'raw' ? await serveRaw() : kind === 'weft' ? await serveWeft() : await serveElysia();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
} else {
  await bench();
}

interface Proc {
  proc: ChildProcess;
  port: number;
  pid: number;
}

/** `bun load-tests/bun.ts --serve kind`, pinned to core 0. */
async function start(kind: string): Promise<Proc> {
  const proc = spawn('taskset', ['-c', '0', BUN, import.meta.filename, '--serve', kind], {
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
  const at = process.argv.indexOf('--rounds');
  const rounds = at !== -1 ? Number(process.argv[at + 1]) : quick ? 1 : 3;
  const seconds = quick ? 2 : 4;
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const kinds = ['raw', 'weft', 'elysia'];
  const procs = new Map<string, Proc>();
  for (const k of kinds) procs.set(k, await start(k));
  const cases = [
    ...kinds.map((k) => ({ key: `hello|${k}`, kind: k, opts: (p: number): LoadOptions => hello(p) })),
    ...kinds.map((k) => ({ key: `post|${k}`, kind: k, opts: (p: number): LoadOptions => postTodo(p) })),
  ];
  const cpu = new Map<string, number[]>();
  try {
    for (const c of cases) await load({ ...c.opts((procs.get(c.kind) as Proc).port), seconds: 1 }); // warm up
    for (let round = 0; round < rounds; round++) {
      const order = [...cases.slice(round % cases.length), ...cases.slice(0, round % cases.length)];
      for (const c of order) {
        const s = procs.get(c.kind) as Proc;
        const c0 = cpuMicrosExact(s.pid);
        const r = await load({ ...c.opts(s.port), seconds });
        const us = (cpuMicrosExact(s.pid) - c0) / Math.max(1, r.requests);
        if (r.errors > 0 || r.non2xx > 0) log(`  ! ${c.key}: ${r.errors} errors, ${r.non2xx} non-2xx`);
        cpu.set(c.key, [...(cpu.get(c.key) ?? []), us]);
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
  const version = spawn(BUN, ['--version']);
  let v = '';
  version.stdout.on('data', (d: Buffer) => (v += d.toString()));
  await once(version, 'exit');
  console.log(`\n## Bun bench (bun ${v.trim()}, ${rounds} round(s), medians; server CPU per request)\n`);
  console.log('| GET /hello/:name | µs CPU/request | vs raw Bun.serve (per-round spread) |');
  console.log('|---|---|---|');
  for (const [k, label] of [
    ['raw', 'raw Bun.serve'],
    ['weft', 'weft (bun reactor)'],
    ['elysia', 'Elysia'],
  ] as const)
    console.log(`| ${label} | ${med(`hello|${k}`).toFixed(2)} | ${fmt(ratio(`hello|${k}`, 'hello|raw'))} |`);
  console.log('\n| POST /todos (JSON, validated) | µs CPU/request | vs raw Bun.serve (per-round spread) |');
  console.log('|---|---|---|');
  for (const [k, label] of [
    ['raw', 'raw Bun.serve, checked by hand'],
    ['weft', 'weft (bun reactor), zod'],
    ['elysia', 'Elysia, TypeBox'],
  ] as const)
    console.log(`| ${label} | ${med(`post|${k}`).toFixed(2)} | ${fmt(ratio(`post|${k}`, 'post|raw'))} |`);
  const helloRaw = ratio('hello|weft', 'hello|raw');
  const helloElysia = ratio('hello|weft', 'hello|elysia');
  const postRaw = ratio('post|weft', 'post|raw');
  const mark = (ok: boolean) => (ok ? 'met' : 'missed');
  console.log('\n| target (issue 25) | measured | |');
  console.log('|---|---|---|');
  console.log(`| hello ≤ 1.15x raw Bun.serve | ${fmt(helloRaw)} | ${mark(helloRaw.mid <= 1.15)} |`);
  console.log(`| hello below Elysia | ${fmt(helloElysia)} | ${mark(helloElysia.mid < 1)} |`);
  console.log(`| POST + zod ≤ 1.3x raw Bun.serve | ${fmt(postRaw)} | ${mark(postRaw.mid <= 1.3)} |`);
}

function hello(port: number): LoadOptions {
  return { url: `http://127.0.0.1:${port}/hello/world`, seconds: 1 };
}

function postTodo(port: number): LoadOptions {
  return {
    url: `http://127.0.0.1:${port}/todos`,
    seconds: 1,
    method: 'POST',
    body: TODO,
    headers: { 'content-type': 'application/json' },
  };
}
