/**
 * The fetch reactors' request path in process: weft's `fetch` handling (the
 * bun or deno reactor, the bench routes of servers/weft-routes.ts, default
 * options) and the raw handler the Bun and Deno benches serve
 * (servers/fetch-raw.ts), both called on the same fresh `Request`s, with no
 * socket, kernel or load generator. What it times is everything weft does
 * in JavaScript for a request on that runtime, plus the runtime's own
 * `Request`, `Headers` and `Response` work (which raw pays as well).
 *
 *   bun load-tests/inprocess-fetch.ts [hello|todos|search ...]
 *   deno run -A load-tests/inprocess-fetch.ts [hello|todos|search ...]
 *   npm run bench:inprocess:fetch        (both runtimes, every route)
 *
 * Raw and weft alternate batch by batch (every other batch in the other
 * order), so a burst of noise on the machine falls on both; the table gives
 * weft's extra over raw per batch, as quartiles. Served, each microsecond of
 * it costs several (load-tests/COST.md): read it for direction and A/B
 * comparisons, not as a served cost.
 */

import * as weft from '../src/index.js';
import type { ReactorHost } from '../src/reactor/contract.js';
import { type FetchResult, type FetchRuntime, serveFetch } from '../src/reactor/fetch/exchange.js';
import { SEARCH_HEADERS, SEARCH_PATH, TODO_BODY } from './servers/common.js';
import { rawFetch } from './servers/fetch-raw.js';
import { benchRoutes } from './servers/weft-routes.js';

type Handler = (req: Request) => FetchResult | Promise<FetchResult>;

interface ReactorInternals {
  host: ReactorHost;
  runtime: FetchRuntime<unknown>;
}

const isBun = 'Bun' in globalThis;
const isDeno = 'Deno' in globalThis;
if (!isBun && !isDeno) throw new Error('run under bun or deno (npm run bench:inprocess:fetch runs both)');

/**
 * weft's handler: the Server keeps its reactor private, so a getter the
 * Server reads from it (`connections`) catches it, as bench:inprocess does.
 */
async function weftHandler(): Promise<Handler> {
  const Reactor = isBun
    ? (await import('../src/reactor/bun/reactor.js')).BunReactor
    : (await import('../src/reactor/deno/reactor.js')).DenoReactor;
  let caught: ReactorInternals | undefined;
  const d = Object.getOwnPropertyDescriptor(Reactor.prototype, 'connections') as PropertyDescriptor;
  Object.defineProperty(Reactor.prototype, 'connections', {
    ...d,
    get(this: ReactorInternals) {
      caught = this;
      return d.get?.call(this);
    },
  });
  const server = weft.serve(benchRoutes(weft), { logger: false });
  void server.connections;
  const r = caught;
  if (r === undefined) throw new Error('inprocess-fetch: no reactor caught');
  // What Deno hands its handler beside the request (the bun reactor passes nothing).
  const info = isDeno ? { remoteAddr: { transport: 'tcp', hostname: '127.0.0.1', port: 40000 } } : undefined;
  return (req) => serveFetch(r.host, r.runtime, req, info);
}

const ORIGIN = 'http://127.0.0.1:3000';
const TODO_LENGTH = new TextEncoder().encode(TODO_BODY).byteLength;
const REQUESTS: Record<string, () => Request> = {
  hello: () => new Request(`${ORIGIN}/hello/world`, { headers: { host: '127.0.0.1:3000' } }),
  todos: () =>
    new Request(`${ORIGIN}/todos`, {
      method: 'POST',
      // A `Request` made here carries no Content-Length of its own; the wire's does.
      headers: { host: '127.0.0.1:3000', 'content-type': 'application/json', 'content-length': String(TODO_LENGTH) },
      body: TODO_BODY,
    }),
  search: () => new Request(`${ORIGIN}${SEARCH_PATH}`, { headers: { host: '127.0.0.1:3000', ...SEARCH_HEADERS } }),
};
const EXPECTED: Record<string, number> = { hello: 200, todos: 201, search: 200 };

let sink = 0;

/** `n` requests through `h`, each answered (and its body read) before the next; ns per request. */
async function batch(h: Handler, make: () => Request, n: number, expected: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    let res = h(make());
    if (res instanceof Promise) res = await res;
    if (res === undefined || res.status !== expected) throw new Error(`unexpected answer: ${res?.status}`);
    sink += (await res.arrayBuffer()).byteLength;
  }
  return ((performance.now() - t) * 1e6) / n;
}

const quartiles = (v: number[]): [number, number, number] => {
  const s = [...v].sort((a, b) => a - b);
  const at = (f: number) => s[Math.round(f * (s.length - 1))] as number;
  return [at(0.25), at(0.5), at(0.75)];
};

const weftFetch = await weftHandler();
const asked = (
  isDeno ? (globalThis as unknown as { Deno: { args: string[] } }).Deno.args : process.argv.slice(2)
).filter((a) => a in REQUESTS);
const routes = asked.length > 0 ? asked : Object.keys(REQUESTS);
const runtime = isBun ? `Bun ${process.versions.bun}` : `Deno ${process.versions.deno}`;
console.log(`In process (${isBun ? 'bun' : 'deno'} reactor's fetch handling against raw), ${runtime}, ns per request`);
console.log('| route | raw, median | weft, median | weft − raw per batch (q1 / median / q3) |');
console.log('|---|---:|---:|---:|');
const BATCH = 500;
const BATCHES = 80;
for (const route of routes) {
  const make = REQUESTS[route] as () => Request;
  const expected = EXPECTED[route] as number;
  for (let i = 0; i < 10; i++) {
    await batch(rawFetch, make, BATCH, expected);
    await batch(weftFetch, make, BATCH, expected);
  }
  const raw: number[] = [];
  const ours: number[] = [];
  const extra: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    let r: number;
    let w: number;
    if (b % 2 === 0) {
      r = await batch(rawFetch, make, BATCH, expected);
      w = await batch(weftFetch, make, BATCH, expected);
    } else {
      w = await batch(weftFetch, make, BATCH, expected);
      r = await batch(rawFetch, make, BATCH, expected);
    }
    raw.push(r);
    ours.push(w);
    extra.push(w - r);
  }
  const [q1, mid, q3] = quartiles(extra);
  console.log(
    `| ${route} | ${quartiles(raw)[1].toFixed(0)} | ${quartiles(ours)[1].toFixed(0)} | ${q1.toFixed(0)} / ${mid.toFixed(0)} / ${q3.toFixed(0)} |`,
  );
}
if (sink < 0) console.log(sink);
// The Server never listened; nothing is left to close but the process.
process.exit(0);
