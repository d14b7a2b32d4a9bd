/**
 * `client<typeof routes>(baseUrl)`: calls a weft server with the routes'
 * types. Static segments are properties, params are calls, the method is
 * last; nothing is generated. Browser-safe: only `fetch`, `URL`, `Headers`
 * and `WebSocket`.
 */
import type { Problem } from '../reply/problem.js';
import { openSocket, type WebSocketConstructor } from './socket.js';
import type { CallOptions, Client, ClientResponse, FormBody, QueryValue, SocketCallOptions } from './types.js';

/** Options of `client()`. */
export interface ClientOptions {
  /** The `fetch` to call (a test's, one with retries ...). @default globalThis.fetch */
  readonly fetch?: ((input: string, init: RequestInit) => Promise<Response>) | undefined;
  /** Headers sent with every request; a function is called for each request. */
  readonly headers?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>) | undefined;
  /**
   * The `WebSocket` constructor for `.ws()` calls (Node 20 has none: pass the
   * `ws` package's). @default globalThis.WebSocket
   */
  readonly WebSocket?: WebSocketConstructor | undefined;
}

const METHODS: Readonly<Record<string, string>> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  head: 'HEAD',
  options: 'OPTIONS',
};
const BODY_FIRST = new Set(['post', 'put', 'patch']);

type Payload = NonNullable<RequestInit['body']>;

/**
 * A urlencoded body for a `body.form(schema)` route (a plain object would be
 * sent as JSON). Arrays repeat the key; `undefined` is left out.
 *
 * @example
 * await api.login.post(form({ user: 'ann', password }))
 */
export function form<T extends Readonly<Record<string, QueryValue>>>(value: T): FormBody<T> {
  const params = new URLSearchParams();
  appendAll(params, value);
  return params as FormBody<T>;
}

function scalar(v: unknown): string {
  return v instanceof Date ? v.toISOString() : String(v);
}

function appendAll(params: URLSearchParams, record: Readonly<Record<string, unknown>>): void {
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) params.append(k, scalar(x));
    else params.append(k, scalar(v));
  }
}

function segment(v: unknown): string {
  return encodeURIComponent(scalar(v));
}

interface Call {
  readonly base: string;
  readonly options: ClientOptions;
}

function urlOf(call: Call, segments: readonly string[], query: Readonly<Record<string, unknown>> | undefined): string {
  let url = call.base + (segments.length === 0 ? '/' : `/${segments.join('/')}`);
  if (query !== undefined) {
    const params = new URLSearchParams();
    appendAll(params, query);
    const q = params.toString();
    if (q !== '') url += `?${q}`;
  }
  return url;
}

function isRawBody(b: unknown): b is Payload {
  return (
    typeof b === 'string' ||
    b instanceof Uint8Array ||
    b instanceof ArrayBuffer ||
    b instanceof URLSearchParams ||
    (typeof Blob !== 'undefined' && b instanceof Blob) ||
    (typeof FormData !== 'undefined' && b instanceof FormData) ||
    (typeof ReadableStream !== 'undefined' && b instanceof ReadableStream)
  );
}

const JSON_TYPE = /json/i;
const TEXT_TYPE = /^text\/|json/i;

/** A text or JSON body (`s`) as `data`: `undefined` when empty by its content-length. */
function parseText(res: Response, type: string, s: string): unknown {
  if (s === '' && res.headers.get('content-length') === '0') return undefined;
  return JSON_TYPE.test(type) ? JSON.parse(s) : s;
}

function problemOf(res: Response, body: unknown): Problem {
  if (body !== null && typeof body === 'object' && typeof (body as Problem).status === 'number') return body as Problem;
  const detail = typeof body === 'string' ? body : '';
  return { type: 'about:blank', title: res.statusText || `HTTP ${res.status}`, status: res.status, detail };
}

/**
 * The request's headers, names lowercased (the later wins, as with `Headers`):
 * a plain record, or none at all for a call without any, so that `fetch` has
 * no `Headers` object to build and copy.
 */
function headersOf(call: Call, own: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  const c = call.options.headers;
  const common = typeof c === 'function' ? c() : c;
  if (common === undefined && own === undefined) return undefined;
  const h: Record<string, string> = Object.create(null);
  if (common !== undefined) for (const k of Object.keys(common)) h[k.toLowerCase()] = common[k] as string;
  if (own !== undefined) for (const k of Object.keys(own)) h[k.toLowerCase()] = own[k] as string;
  return h;
}

async function request(
  call: Call,
  name: string,
  segments: readonly string[],
  args: readonly unknown[],
): Promise<ClientResponse<unknown>> {
  const method = METHODS[name] as string;
  const hasBody = BODY_FIRST.has(name);
  const body = hasBody ? args[0] : undefined;
  const opts = (hasBody ? args[1] : args[0]) as
    | (CallOptions & { readonly query?: Readonly<Record<string, unknown>> })
    | undefined;
  let headers = headersOf(call, opts?.headers);
  let payload: Payload | undefined;
  if (body !== undefined) {
    if (isRawBody(body)) payload = body;
    else {
      payload = JSON.stringify(body);
      if (headers === undefined) headers = { 'content-type': 'application/json' };
      else headers['content-type'] ??= 'application/json';
    }
  }
  const init: RequestInit = { method };
  if (headers !== undefined) init.headers = headers;
  if (payload !== undefined) init.body = payload;
  if (opts?.signal !== undefined) init.signal = opts.signal;
  if (payload instanceof ReadableStream) (init as { duplex?: string }).duplex = 'half';
  const doFetch = call.options.fetch ?? globalThis.fetch;
  const res = await doFetch(urlOf(call, segments, opts?.query), init);
  // The body read and parsed by its content type (inline: one async frame less per call).
  let data: unknown;
  if (method !== 'HEAD' && res.status !== 204 && res.status !== 304) {
    const type = res.headers.get('content-type') ?? '';
    if (type !== '' && !TEXT_TYPE.test(type)) data = new Uint8Array(await res.arrayBuffer());
    else data = parseText(res, type, await res.text());
  }
  if (res.ok) return { ok: true, status: res.status, data, error: undefined, headers: res.headers };
  return { ok: false, status: res.status, data: undefined, error: problemOf(res, data), headers: res.headers };
}

function socket(call: Call, segments: readonly string[], args: readonly unknown[]): Promise<unknown> {
  const opts = (args[0] ?? {}) as SocketCallOptions<Readonly<Record<string, unknown>>>;
  const Ctor =
    call.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor | undefined }).WebSocket ?? undefined;
  if (Ctor === undefined) {
    return Promise.reject(
      new TypeError("No WebSocket here: pass client(url, { WebSocket }) (on Node 20, the 'ws' package's)"),
    );
  }
  const url = urlOf(call, segments, opts.query).replace(/^http/, 'ws');
  const own =
    opts.protocols === undefined ? [] : typeof opts.protocols === 'string' ? [opts.protocols] : opts.protocols;
  const r = opts.reconnect ?? true;
  return openSocket({
    Ctor,
    url,
    protocols: ['weft.v1', ...own],
    schema: opts.schema,
    reconnect: r === true ? {} : r,
    onLost: opts.onLost,
    onReconnect: opts.onReconnect,
    onDrop: opts.onDrop,
  });
}

/** A param (not a method's options) when a method name is called with a primitive (`api.get(7)` under `path('get', int)`). */
function isParamArg(name: string, args: readonly unknown[]): boolean {
  if (BODY_FIRST.has(name) || args.length !== 1) return false;
  const a = args[0];
  return typeof a === 'string' || typeof a === 'number' || typeof a === 'bigint' || typeof a === 'boolean';
}

/** A node's state, kept on its Proxy's target so that one handler serves every node. */
const STATE: unique symbol = Symbol('weft.client.node');
interface NodeState {
  readonly call: Call;
  /** The path's segments before this node's name. */
  readonly segments: readonly string[];
  readonly name: string | undefined;
  /** `segments` and this node's name (encoded), made when first needed. */
  path: readonly string[] | undefined;
  /**
   * The property children (a static segment or a method), made once and kept, on nodes reached
   * by properties only; a node after a param is made per call, and caching there would only cost.
   */
  kids: Map<string, unknown> | undefined | false;
}
type Target = (() => undefined) & { [STATE]: NodeState };

function pathOf(st: NodeState): readonly string[] {
  if (st.path === undefined)
    st.path = st.name === undefined ? st.segments : [...st.segments, encodeURIComponent(st.name)];
  return st.path;
}

const handler: ProxyHandler<Target> = {
  get(t, key) {
    if (typeof key !== 'string' || key === 'then') return undefined; // not a promise
    const st = t[STATE];
    if (st.kids === false) return node(st.call, pathOf(st), key, false);
    if (st.kids === undefined) st.kids = new Map();
    let kid = st.kids.get(key);
    if (kid === undefined) st.kids.set(key, (kid = node(st.call, pathOf(st), key, true)));
    return kid;
  },
  apply(t, _this, args: unknown[]) {
    const st = t[STATE];
    const name = st.name;
    if (name !== undefined && !isParamArg(name, args)) {
      if (name === 'ws') return socket(st.call, st.segments, args);
      if (METHODS[name] !== undefined) return request(st.call, name, st.segments, args);
    }
    const v = args[0];
    if (v === undefined) throw new TypeError('client: a path param is missing');
    const here = pathOf(st);
    // `rest` takes the remaining segments as a list; a param's value is one segment ('/' encoded).
    if (Array.isArray(v)) return node(st.call, [...here, ...v.map(segment)], undefined, false);
    return node(st.call, [...here, segment(v)], undefined, false);
  },
};

function node(call: Call, segments: readonly string[], name: string | undefined, cache: boolean): unknown {
  // A function target so that every node can be called (a param, or a method on its parent).
  const target = (() => undefined) as Target;
  target[STATE] = { call, segments, name, path: undefined, kids: cache ? undefined : false };
  return new Proxy(target, handler);
}

/**
 * A typed client of `routes`: `client<typeof routes>('http://127.0.0.1:3030')`.
 *
 * @example
 * const api = client<typeof routes>('http://127.0.0.1:3030');
 * const { status, data, error } = await api.users(7).posts('intro').get({ query: { full: true } });
 */
export function client<F>(baseUrl: string | URL, options: ClientOptions = {}): Client<F> {
  const base = String(baseUrl).replace(/\/+$/, '');
  return node({ base, options }, [], undefined, true) as Client<F>;
}
