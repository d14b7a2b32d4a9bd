/**
 * The Bun bench: weft's bun reactor against raw Bun.serve and Elysia, server
 * CPU per request, all under the Bun in node_modules.
 *
 *   npm run bench:bun            3 interleaved rounds (about 2 minutes)
 *   npm run bench:bun -- --quick 1 round
 *   npm run bench:bun -- --rounds 7   more rounds, for a busy machine
 *   npm run bench:bun -- --before DIR also weft from another checkout (A/B)
 *
 * The routes of the other reactors' benches (`GET /hello/:name`, `POST /todos`
 * with a JSON body checked by zod, `GET /search` with a zod query and two
 * headers; servers/weft-routes.ts) on weft's bun reactor with default options,
 * by hand on raw Bun.serve (servers/fetch-raw.ts) and with TypeBox on Elysia,
 * loaded as runtime-bench.ts says (wrk without pipelining; `--pipelined` for
 * autocannon with pipelining 10). WebSocket fan-out (1000 clients, 10 senders, 100 messages/s
 * in, every message to every client) for raw `Bun.serve` pub/sub and weft's
 * channel on the bun reactor: CPU per delivery, and the idle RSS per socket
 * (1000 sockets open, nothing sent). Servers on core 0, autocannon and the
 * WebSocket clients on core 1; CPU from the scheduler's own accounting of
 * every server thread (/proc schedstat). Prints the table of load-tests/BUN.md.
 *
 * The same file is the servers: `bun load-tests/bun.ts --serve raw|weft|elysia|raw-ws|weft-ws`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { cpuMicrosExact, median, rssMiB, runPinned } from './lib.js';
import {
  BEFORE_ENV,
  beforeTable,
  benchArgs,
  fmt,
  httpRounds,
  loadMethod,
  log,
  type Proc,
  ratio,
  routeTables,
  startPinned,
  stopProc,
  targetTable,
  weftEntry,
} from './runtime-bench.js';
import { rawFetch } from './servers/fetch-raw.js';
import { benchRoutes, type Weft } from './servers/weft-routes.js';

const BUN = resolve(import.meta.dirname, '../node_modules/.bin/bun');

interface RawBun {
  serve(o: { port: number; hostname: string; fetch(req: Request): Response | Promise<Response> }): { port: number };
}

function serveRaw(): number {
  const bun = (globalThis as { Bun?: RawBun }).Bun as RawBun;
  return bun.serve({ port: 0, hostname: '127.0.0.1', fetch: rawFetch }).port;
}

/** weft's bench routes (the other reactors' bench server), default options, as an application runs it. */
async function serveWeft(root?: string): Promise<number> {
  const weft: Weft = await import(weftEntry(root));
  const server = await weft.serve(benchRoutes(weft)).listen({ port: 0 });
  return server.port;
}

interface RawBunWs {
  serve(o: {
    port: number;
    hostname: string;
    fetch(req: Request, server: { upgrade(req: Request): boolean }): Response | undefined;
    websocket: {
      maxPayloadLength: number;
      backpressureLimit: number;
      idleTimeout: number;
      perMessageDeflate: boolean;
      publishToSelf: boolean;
      open(ws: { subscribe(topic: string): void }): void;
      message(ws: unknown, message: string | Uint8Array): void;
    };
  }): { port: number; publish(topic: string, data: string | Uint8Array): number };
}

/** Raw Bun pub/sub: every message a client sends goes to the room with `server.publish`. */
function serveRawWs(): number {
  const bun = (globalThis as { Bun?: RawBunWs }).Bun as RawBunWs;
  const server = bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response('not a websocket', { status: 400 })),
    websocket: {
      maxPayloadLength: 16 * 1024,
      backpressureLimit: 4 * 1024 * 1024,
      idleTimeout: 0,
      perMessageDeflate: false,
      publishToSelf: false,
      open: (ws) => ws.subscribe('room'),
      message: (_ws, message) => void server.publish('room', message),
    },
  });
  return server.port;
}

/** weft: the same room as a channel with native fan-out (load-tests/servers/weft-ws.ts). */
async function serveWeftWs(): Promise<number> {
  const { channel, path, serve, ws } = await import('../src/index.js');
  const [tx, rx] = channel<string>(1024);
  rx.unsubscribe();
  await tx.ready();
  const routes = path('room')
    .and(ws({ maxPayload: 16 * 1024, maxBackpressure: 4 * 1024 * 1024, idleTimeout: 0 }))
    .map((u) =>
      u.onUpgrade(async (socket) => {
        socket.subscribe(tx);
        for await (const m of socket) tx.send(m.text());
      }),
    );
  const server = await serve(routes, { logger: false }).listen({ port: 0 });
  return server.port;
}

async function serveElysia(): Promise<number> {
  const { Elysia, t } = await import('elysia');
  let nextTodo = 0;
  const app = new Elysia()
    .get('/hello/:name', ({ params }) => `Hello, ${params.name}!`)
    .post('/todos', ({ body, set }) => ((set.status = 201), { id: ++nextTodo, ...body }), {
      body: t.Object({
        title: t.String({ minLength: 1, maxLength: 200 }),
        done: t.Boolean(),
        priority: t.Integer({ minimum: 1, maximum: 5 }),
        tags: t.Array(t.String({ maxLength: 32 }), { maxItems: 10 }),
      }),
    })
    .get(
      '/search',
      ({ query, headers }) => ({
        q: query.q,
        page: query.page ?? 1,
        key: headers['x-api-key'],
        lang: headers['accept-language'],
      }),
      {
        query: t.Object({
          q: t.String({ minLength: 1, maxLength: 100 }),
          page: t.Optional(t.Numeric({ minimum: 1, maximum: 1000, multipleOf: 1 })),
        }),
        headers: t.Object({ 'x-api-key': t.String(), 'accept-language': t.String() }),
      },
    )
    .listen({ port: 0, hostname: '127.0.0.1' });
  return app.server?.port ?? 0;
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt !== -1) {
  const kind = process.argv[serveAt + 1];
  const servers: Record<string, () => number | Promise<number>> = {
    raw: serveRaw,
    weft: () => serveWeft(),
    before: () => serveWeft(process.env[BEFORE_ENV]),
    elysia: serveElysia,
    'raw-ws': serveRawWs,
    'weft-ws': serveWeftWs,
  };
  const serveIt = servers[kind ?? ''];
  if (serveIt === undefined) throw new Error(`--serve ${kind}: not one of ${Object.keys(servers).join(', ')}`);
  const port = await serveIt();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  // A clean exit on SIGTERM lets `--cpu-prof` write its profile.
  process.on('SIGTERM', () => process.exit(0));
} else {
  await bench();
}

/** `bun load-tests/bun.ts --serve kind`, pinned to core 0. */
function start(kind: string): Promise<Proc> {
  return startPinned([BUN], import.meta.filename, kind);
}

async function bench(): Promise<void> {
  const { rounds, seconds, only, before, pipelined } = benchArgs();
  const version = spawn(BUN, ['--version']);
  let v = '';
  version.stdout.on('data', (d: Buffer) => (v += d.toString()));
  await once(version, 'exit');
  console.log(`\n## Bun bench (bun ${v.trim()}, ${rounds} round(s), medians; server CPU)\n`);
  if (only !== 'ws') await httpBench(rounds, seconds, before !== undefined, pipelined);
  if (only !== 'http') await wsBench(rounds, seconds);
}

async function httpBench(rounds: number, seconds: number, withBefore: boolean, pipelined: boolean): Promise<void> {
  const kinds = withBefore ? ['raw', 'weft', 'before', 'elysia'] : ['raw', 'weft', 'elysia'];
  const samples = await httpRounds(kinds, start, rounds, seconds, pipelined);
  console.log(`Load: ${loadMethod(pipelined)}.\n`);
  routeTables(samples, {
    raw: 'raw Bun.serve',
    reactor: 'bun reactor',
    rivalKind: 'elysia',
    rival: 'Elysia',
    rivalChecks: 'TypeBox',
    withBefore,
  });
  if (withBefore) beforeTable(samples);
  const helloRaw = ratio(samples.cpu, 'hello|weft', 'hello|raw');
  const helloElysia = ratio(samples.cpu, 'hello|weft', 'hello|elysia');
  const postRaw = ratio(samples.cpu, 'post|weft', 'post|raw');
  const searchRaw = ratio(samples.cpu, 'search|weft', 'search|raw');
  targetTable([
    ['hello ≤ 1.15x raw Bun.serve', helloRaw, helloRaw.mid <= 1.15],
    ['hello below Elysia', helloElysia, helloElysia.mid < 1],
    ['POST + zod ≤ 1.3x raw Bun.serve', postRaw, postRaw.mid <= 1.3],
    ['search ≤ 1.2x raw Bun.serve (the uws row of issue 27)', searchRaw, searchRaw.mid <= 1.2],
  ]);
}

/** Fan-out and idle sockets: raw Bun pub/sub against weft's channel, a fresh server each round. */
async function wsBench(rounds: number, seconds: number): Promise<void> {
  const kinds = ['raw-ws', 'weft-ws'];
  const cpu = new Map<string, number[]>();
  const rss = new Map<string, number[]>();
  const idle = 1000;
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
      const s = await start(kind);
      try {
        const url = `ws://127.0.0.1:${s.port}/room`;
        // Idle: RSS with 1000 sockets open (nothing sent) against the fresh server's.
        const r0 = rssMiB(s.pid);
        let r1 = r0;
        await runPinned('ws-client.ts', ['idle', url, String(idle), '2'], '1', (line) => {
          if (line === 'ready') setTimeout(() => (r1 = rssMiB(s.pid)), 1000);
        });
        const perSocket = ((r1 - r0) * 1024 * 1024) / idle;
        rss.set(kind, [...(rss.get(kind) ?? []), perSocket]);
        // Fan-out: 10 senders × 10 messages/s to 1000 clients, CPU from the first to the last delivery window.
        let c0 = 0;
        let c1 = 0;
        const out = await runPinned(
          'ws-client.ts',
          ['fanout', url, '1000', '10', '10', String(seconds), '1'],
          '1',
          (line) => {
            if (line === 'start') c0 = cpuMicrosExact(s.pid);
            if (line === 'stop') c1 = cpuMicrosExact(s.pid);
          },
        );
        const j = JSON.parse(out.trim().split('\n').pop() as string) as { delivered: number; dropped: number };
        const us = (c1 - c0) / Math.max(1, j.delivered);
        cpu.set(kind, [...(cpu.get(kind) ?? []), us]);
        log(
          `round ${round + 1} fan-out ${kind.padEnd(8)} ${us.toFixed(3)} µs/delivery, dropped ${j.dropped}; idle ${(perSocket / 1024).toFixed(1)} KiB/socket`,
        );
      } finally {
        await stopProc(s);
      }
    }
  }
  const med = (m: Map<string, number[]>, k: string) => median(m.get(k) as number[]);
  const fanOut = ratio(cpu, 'weft-ws', 'raw-ws');
  console.log('\n| WebSocket, 1000 clients | µs CPU/delivery (fan-out, 100 msg/s in) | idle RSS per socket |');
  console.log('|---|---|---|');
  for (const [k, label] of [
    ['raw-ws', 'raw Bun.serve, `server.publish`'],
    ['weft-ws', 'weft (bun reactor), channel'],
  ] as const)
    console.log(`| ${label} | ${med(cpu, k).toFixed(3)} | ${(med(rss, k) / 1024).toFixed(1)} KiB |`);
  console.log(
    `\n| fan-out CPU per delivery ≥ 0.9x raw publish (weft ≤ ${(1 / 0.9).toFixed(2)}x raw's) | ${fmt(fanOut)} | ${fanOut.mid <= 1 / 0.9 ? 'met' : 'missed'} |`,
  );
}
