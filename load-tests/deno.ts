/**
 * The Deno bench: weft's deno reactor against raw Deno.serve and Hono on
 * Deno.serve, server CPU per request, all under the Deno in node_modules.
 *
 *   npm run bench:deno            3 interleaved rounds (about 2 minutes)
 *   npm run bench:deno -- --quick 1 round
 *   npm run bench:deno -- --before DIR   also weft from another checkout (A/B)
 *
 * The routes of the other reactors' benches (`GET /hello/:name`, `POST /todos`
 * with a JSON body checked by zod, `GET /search` with a zod query and two
 * headers; servers/weft-routes.ts) on weft's deno reactor with default
 * options, by hand on raw Deno.serve (servers/fetch-raw.ts), and on Hono
 * (routing by Hono; Hono's zod validator is not installed, so the body and
 * query are checked by hand, as raw Deno.serve does). Servers on core 0, the
 * load on core 1 as runtime-bench.ts says (wrk without pipelining;
 * `--pipelined` for autocannon with pipelining 10); CPU from the server's own
 * scheduler counters (every thread of the Deno process). Prints the table of
 * load-tests/DENO.md.
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
  loadMethod,
  type Proc,
  ratio,
  routeTables,
  startPinned,
  targetTable,
  weftEntry,
} from './runtime-bench.js';
import { createTodo, rawFetch, searchAnswer } from './servers/fetch-raw.js';
import { benchRoutes, type Weft } from './servers/weft-routes.js';

const DENO = resolve(import.meta.dirname, '../node_modules/.bin/deno');

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

function serveRaw(): number {
  return denoServe(rawFetch);
}

/** weft's bench routes (the other reactors' bench server), default options, as an application runs it. */
async function serveWeft(root?: string): Promise<number> {
  const weft: Weft = await import(weftEntry(root));
  const server = await weft.serve(benchRoutes(weft)).listen({ port: 0 });
  return server.port;
}

async function serveHono(): Promise<number> {
  const { Hono } = await import('hono');
  const app = new Hono();
  app.get('/hello/:name', (c) => c.text(`Hello, ${c.req.param('name')}!`));
  app.post('/todos', (c) => createTodo(c.req.raw));
  app.get('/search', (c) => searchAnswer(c.req.query('q'), c.req.query('page'), c.req.raw.headers));
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
  const { rounds, seconds, before: beforeDir, pipelined } = benchArgs();
  const withBefore = beforeDir !== undefined;
  const samples = await httpRounds(
    withBefore ? ['raw', 'weft', 'before', 'hono'] : ['raw', 'weft', 'hono'],
    start,
    rounds,
    seconds,
    pipelined,
  );
  const version = spawnSync(DENO, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  console.log(`\n## Deno bench (${version.trim()}, ${rounds} round(s), medians; server CPU per request)\n`);
  console.log(`Load: ${loadMethod(pipelined)}.\n`);
  routeTables(samples, {
    raw: 'raw Deno.serve',
    reactor: 'deno reactor',
    rivalKind: 'hono',
    rival: 'Hono on Deno.serve',
    rivalChecks: 'checked by hand',
    withBefore,
    withRps: true,
  });
  if (withBefore) beforeTable(samples);
  const helloRaw = ratio(samples.cpu, 'hello|weft', 'hello|raw');
  const helloHono = ratio(samples.cpu, 'hello|weft', 'hello|hono');
  targetTable([
    ['hello ≤ 1.15x raw Deno.serve', helloRaw, helloRaw.mid <= 1.15],
    ['hello below Hono', helloHono, helloHono.mid < 1],
  ]);
}
