/**
 * The uws reactor's request path in process: `UwsReactor.request` driven by a
 * fake uWS request and response, so everything weft does in JavaScript for a
 * request (header reads, the exchange, the filters, the reply, the body
 * prefetch) is timed without the network, the kernel or wrk. Stable to a few
 * percent where wrk runs on this VM are not; it says nothing about uWS's own
 * cost (a call into uWS here costs what a JavaScript method call costs).
 *
 *   npm run bench:inprocess [-- search|todos|hello]
 *
 * Used for the before/after numbers in profiling.md (issue 13).
 */
import * as weft from '../src/index.js';
import { UwsReactor } from '../src/reactor/uws/reactor.js';
import { TODO_BODY } from './servers/common.js';
import { benchRoutes } from './servers/weft-routes.js';

// The bench server's routes (load-tests/servers/weft-http.ts).
const routes = benchRoutes(weft);

type DataHandler = (chunk: ArrayBuffer, isLast: boolean) => void;
let sink = 0;

/** What `UwsReactor.request` reads of a uWS `HttpRequest`. */
class FakeRequest {
  constructor(
    private readonly method: string,
    private readonly url: string,
    private readonly query: string | undefined,
    private readonly headers: readonly (readonly [string, string])[],
  ) {}
  getCaseSensitiveMethod(): string {
    return this.method;
  }
  getMethod(): string {
    return this.method.toLowerCase();
  }
  getUrl(): string {
    return this.url;
  }
  getQuery(): string | undefined {
    return this.query;
  }
  getHeader(name: string): string {
    for (const [k, v] of this.headers) if (k === name) return v;
    return '';
  }
  forEach(cb: (k: string, v: string) => void): void {
    for (const [k, v] of this.headers) cb(k, v);
  }
}

/** What weft writes to a uWS `HttpResponse` for these routes. */
class FakeResponse {
  data: DataHandler | undefined;
  writeStatus(s: string): this {
    sink += s.length;
    return this;
  }
  writeHeader(k: string, v: string): this {
    sink += k.length + v.length;
    return this;
  }
  end(b?: string): this {
    sink += b?.length ?? 0;
    return this;
  }
  endWithoutBody(): this {
    return this;
  }
  onAborted(): this {
    return this;
  }
  onData(f: DataHandler): this {
    this.data = f;
    return this;
  }
  cork(f: () => void): this {
    f();
    return this;
  }
  pause(): void {}
  resume(): void {}
  close(): void {}
}

interface RequestEntry {
  request(res: FakeResponse, req: FakeRequest, context: undefined): void;
}
// The Server keeps its reactor private: catch it through a getter the Server reads from it.
let reactor: RequestEntry | undefined;
const connections = Object.getOwnPropertyDescriptor(UwsReactor.prototype, 'connections') as PropertyDescriptor;
Object.defineProperty(UwsReactor.prototype, 'connections', {
  ...connections,
  get(this: UwsReactor) {
    reactor = this as unknown as RequestEntry;
    return connections.get?.call(this);
  },
});
const server = weft.serve(routes, { logger: false, reactor: 'uws' });
if (server.reactor.name !== 'uws') throw new Error('bench:inprocess needs the uws reactor (a uWS build for this Node)');
void server.connections;
if (reactor === undefined) throw new Error('bench:inprocess: no reactor caught');
const entry: RequestEntry = reactor;

const host: [string, string] = ['host', '127.0.0.1:3000'];
const todoBytes = Buffer.from(TODO_BODY);
const todoChunk = todoBytes.buffer.slice(todoBytes.byteOffset, todoBytes.byteOffset + todoBytes.byteLength);
const CASES: Record<string, () => void> = {
  search: () => {
    entry.request(new FakeResponse(), SEARCH, undefined);
  },
  todos: () => {
    const res = new FakeResponse();
    entry.request(res, TODOS, undefined);
    res.data?.(todoChunk, true);
  },
  hello: () => {
    entry.request(new FakeResponse(), HELLO, undefined);
  },
};
const SEARCH = new FakeRequest('GET', '/search', 'q=shoes&page=2', [
  host,
  ['x-api-key', 'k-123'],
  ['accept-language', 'en-GB'],
]);
const TODOS = new FakeRequest('POST', '/todos', undefined, [
  host,
  ['content-length', String(todoBytes.byteLength)],
  ['content-type', 'application/json'],
]);
const HELLO = new FakeRequest('GET', '/hello/world', undefined, [host]);

/** Best and median of 7 runs of `n` calls, in ns per call, after a warm-up. */
function time(fn: () => void, n = 300_000): { best: number; median: number } {
  for (let i = 0; i < 50_000; i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    runs.push(Number(process.hrtime.bigint() - t) / n);
  }
  runs.sort((a, b) => a - b);
  return { best: runs[0] as number, median: runs[3] as number };
}

const only = process.argv.slice(2);
console.log(`In process (fake uWS request and response), Node ${process.version}, ns per request`);
console.log('| route | best | median |\n|---|---:|---:|');
for (const [name, fn] of Object.entries(CASES)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const t = time(fn);
  console.log(`| ${name} | ${t.best.toFixed(0)} | ${t.median.toFixed(0)} |`);
}
if (sink < 0) console.log(sink);
await server.close();
