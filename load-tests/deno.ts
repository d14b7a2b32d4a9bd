/**
 * The Deno bench: weft's deno reactor against raw Deno.serve and Hono on
 * Deno.serve, server CPU per request, all under the Deno in node_modules.
 *
 *   npm run bench:deno            3 interleaved rounds (about 2 minutes)
 *   npm run bench:deno -- --quick 1 round
 *   npm run bench:deno -- --before DIR   also weft from another checkout (A/B)
 *
 * `GET /hello/:name` for raw Deno.serve, weft (deno reactor) and Hono;
 * `POST /todos` with a JSON body checked by zod (weft, Hono's zod validator
 * is not installed: Hono checks by hand, as raw Deno.serve does). Servers on
 * core 0, autocannon on core 1; CPU from the server's own scheduler counters
 * (every thread of the Deno process). Prints the table of load-tests/DENO.md.
 *
 * The same file is the servers: `deno run -A load-tests/deno.ts --serve raw|weft|hono`.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import {
  BEFORE_ENV,
  beforeTable,
  benchArgs,
  httpRounds,
  httpTable,
  type Proc,
  ratio,
  startPinned,
  targetTable,
  weftEntry,
} from './runtime-bench.js';

const DENO = resolve(import.meta.dirname, '../node_modules/.bin/deno');

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

async function serveWeft(root?: string): Promise<number> {
  const { z } = await import('zod');
  const weft: typeof import('../src/index.js') = await import(weftEntry(root));
  const { body, get, path, post, reply, serve, str } = weft;
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
  const port =
    kind === 'raw'
      ? serveRaw()
      : kind === 'weft'
        ? await serveWeft()
        : kind === 'before'
          ? await serveWeft(process.env[BEFORE_ENV])
          : await serveHono();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  // A clean exit on SIGTERM lets `--cpu-prof` write its profile.
  process.on('SIGTERM', () => process.exit(0));
} else {
  await bench();
}

/** `deno run -A load-tests/deno.ts --serve kind`, pinned to core 0. */
function start(kind: string): Promise<Proc> {
  return startPinned([DENO, 'run', '-A'], import.meta.filename, kind);
}

async function bench(): Promise<void> {
  const { rounds, seconds, before: beforeDir } = benchArgs();
  const withBefore = beforeDir !== undefined;
  const samples = await httpRounds(
    withBefore ? ['raw', 'weft', 'before', 'hono'] : ['raw', 'weft', 'hono'],
    start,
    rounds,
    seconds,
  );
  const before = (label: string): (readonly [string, string])[] => (withBefore ? [['before', label]] : []);
  const version = spawnSync(DENO, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  console.log(`\n## Deno bench (${version.trim()}, ${rounds} round(s), medians; server CPU per request)\n`);
  httpTable(
    samples,
    'hello',
    'GET /hello/:name',
    'raw Deno.serve',
    [
      ['raw', 'raw Deno.serve'],
      ['weft', 'weft (deno reactor)'],
      ...before('weft before (`--before`)'),
      ['hono', 'Hono on Deno.serve'],
    ],
    true,
  );
  console.log('');
  httpTable(
    samples,
    'post',
    'POST /todos (JSON, validated)',
    'raw Deno.serve',
    [
      ['raw', 'raw Deno.serve, checked by hand'],
      ['weft', 'weft (deno reactor), zod'],
      ...before('weft before (`--before`), zod'),
      ['hono', 'Hono on Deno.serve, checked by hand'],
    ],
    true,
  );
  if (withBefore) beforeTable(samples);
  const helloRaw = ratio(samples.cpu, 'hello|weft', 'hello|raw');
  const helloHono = ratio(samples.cpu, 'hello|weft', 'hello|hono');
  targetTable([
    ['hello ≤ 1.15x raw Deno.serve', helloRaw, helloRaw.mid <= 1.15],
    ['hello below Hono', helloHono, helloHono.mid < 1],
  ]);
}
