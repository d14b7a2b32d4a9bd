/**
 * The in-process test harness (`weft/test`): build a request, run filters
 * against it without a network. `reply()` runs the same pipeline as the
 * server (`settle`), so a response here is the response the server sends,
 * minus what the wire adds (`Date`, `Content-Length`).
 *
 * ```ts
 * const res = await request().method('POST').path('/users').json({ name: 'a' }).reply(routes);
 * await request().path('/42').filter(path(int));   // [42]
 * await request().path('/x').matches(filter);      // boolean
 * await request().path('/todos?limit=5').header('authorization', 'Bearer t').reply(routes);
 * await request().path('/todos').query({ limit: 5, tag: ['a', 'b'] }).reply(routes);
 * const todos = res.json<Todo[]>();                // typed as you say; not checked at run time
 * ```
 */
import type { Logger } from 'pino';
import { BodyTooLargeError } from '../filter/body-errors.js';
import { Ctx } from '../filter/context.js';
import { type Filter, impl } from '../filter/filter.js';
import type { BodySource, RequestSource, ServerEnv } from '../filter/request-source.js';
import { settle } from '../filter/settle.js';
import { CookieKeys, type CookieSettings } from '../reply/cookies.js';
import { Rejection } from '../reply/rejection.js';
import type { Chunk, Reply, Replyable } from '../reply/reply.js';
import { bodiless } from '../reply/status.js';
import { newRequestId, REQUEST_ID_HEADER, sentRequestId } from '../runtime/request-id-header.js';
import type { ReplyAt } from './typed.js';

class BufferBody implements BodySource {
  constructor(
    private readonly bytes: Uint8Array,
    readonly contentLength: number | undefined,
  ) {}

  collect(limit: number): Uint8Array | undefined {
    return this.bytes.byteLength > limit ? undefined : this.bytes;
  }

  async *stream(limit: number): AsyncIterable<Uint8Array> {
    if (this.bytes.byteLength > limit) throw new BodyTooLargeError(limit);
    if (this.bytes.byteLength > 0) yield this.bytes;
  }
}

class TestSource implements RequestSource {
  private readonly controller = new AbortController();
  /** The sane id sent, or one made on first read (as a server's default `requestId: 'used'`). */
  #requestId: string;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly query: string,
    private readonly all: Readonly<Record<string, string>>,
    private readonly remote: string,
    readonly body: BodySource,
    readonly logger: Logger | undefined,
  ) {
    this.#requestId = sentRequestId(all[REQUEST_ID_HEADER]);
  }
  get requestId(): string {
    if (this.#requestId === '') this.#requestId = newRequestId();
    return this.#requestId;
  }
  /** The reply with `x-request-id` as a server with default options sends it: when sent, or read by a filter. */
  withRequestId(reply: Reply): Reply {
    return this.#requestId === '' ? reply : reply.header(REQUEST_ID_HEADER, this.#requestId);
  }
  header(name: string): string | undefined {
    return this.all[name];
  }
  headers(): Readonly<Record<string, string>> {
    return this.all;
  }
  remoteAddress(): string {
    return this.remote;
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
}

/** A value `query()` puts in the query string (as `String(value)`). */
export type QueryValue = string | number | boolean;

/** A response produced in process. */
export interface TestResponse<B = unknown> {
  readonly status: number;
  /** Lower-case names; repeated headers joined with `, ` (see `rawHeaders` for each line). */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawHeaders: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
  /** The route template metrics and tracing label this request with (`/todos/{id}`, or `unmatched`). */
  readonly route: string;
  text(): string;
  /**
   * The body parsed as JSON, typed as `T`: by default the reply type of the
   * route a literal `.method()` and `.path()` match (`unknown` when none, or
   * when the path is not a literal). A type you pass is your claim, not
   * checked. Throws a `SyntaxError` when the body is not JSON.
   */
  json<T = B>(): T;
}

const encoder = new TextEncoder();

async function drain(body: AsyncIterable<Chunk>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of body) parts.push(typeof c === 'string' ? encoder.encode(c) : c);
  return Buffer.concat(parts);
}

/**
 * Builder for an in-process request. Every setter returns the builder; `M`
 * and `P` are the literal method and path, which type `reply()`'s `json()`.
 */
export class RequestBuilder<M extends string = 'GET', P extends string = '/'> {
  private m = 'GET';
  private p = '/';
  private readonly hs: Record<string, string> = Object.create(null) as Record<string, string>;
  private b: Uint8Array = new Uint8Array(0);
  private remote = '127.0.0.1';
  private logger: Logger | undefined;
  private env: ServerEnv = {};
  private extraQuery = '';

  /** The method (default `GET`). */
  method<const X extends string>(m: X): RequestBuilder<X, P> {
    this.m = m;
    return this as RequestBuilder<never, never>;
  }
  /** Path and optional query, e.g. `/users/1?x=2`; an absolute URL's path is used. */
  path<const X extends string>(p: X): RequestBuilder<M, X> {
    this.p = p;
    return this as RequestBuilder<never, never>;
  }
  /**
   * Set a request header. Names are case-insensitive (stored lower-case); a
   * second call with the same name replaces the value (as warp's test
   * builder). For a header sent several times, pass the values joined with
   * `, `, as the server's `headers()` reports them.
   *
   * @example request().header('authorization', 'Bearer t').header('accept', 'application/json')
   */
  header(name: string, value: string): this {
    this.hs[name.toLowerCase()] = value;
    return this;
  }

  /**
   * Add query parameters, percent-encoded, after any the `path()` already
   * has. An array repeats the key (`tag=a&tag=b`, which `query(schema)` sees
   * as an array). `path('/todos?limit=5')` works as well.
   *
   * @example request().path('/todos').query({ limit: 5, done: false, tag: ['a', 'b'] })
   */
  query(values: Readonly<Record<string, QueryValue | readonly QueryValue[]>>): this {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(values)) {
      for (const one of Array.isArray(v) ? (v as readonly QueryValue[]) : [v as QueryValue])
        params.append(k, String(one));
    }
    const q = params.toString();
    if (q !== '') this.extraQuery = this.extraQuery === '' ? q : `${this.extraQuery}&${q}`;
    return this;
  }
  /** A raw body; sets `content-length`. */
  body(body: string | Uint8Array): this {
    this.b = typeof body === 'string' ? encoder.encode(body) : body;
    this.hs['content-length'] = String(this.b.byteLength);
    return this;
  }
  /** A JSON body with `content-type: application/json`. */
  json(value: unknown): this {
    this.hs['content-type'] = 'application/json';
    return this.body(JSON.stringify(value));
  }
  /** The peer address `addr.remote()` reports (default `127.0.0.1`). */
  remoteAddr(ip: string): this {
    this.remote = ip;
    return this;
  }
  /** A pino logger for the pipeline's error logs (default: none). */
  log(logger: Logger): this {
    this.logger = logger;
    return this;
  }
  /** The cookie secrets a server would have (`serve(routes, { cookies })`), for signed cookies. */
  cookies(settings: CookieSettings): this {
    this.env = { ...this.env, cookieKeys: new CookieKeys(settings) };
    return this;
  }
  /** As if the server listened with TLS (`secureHeaders` then sends HSTS). */
  secure(on = true): this {
    this.env = { ...this.env, secure: on };
    return this;
  }

  /** @internal a matching context for this request, with what the server would tell it */
  protected context(src: RequestSource): Ctx {
    return new Ctx(src, this.env);
  }

  /** @internal */
  protected source(): TestSource {
    let raw = this.p;
    // Absolute-form (`http://host/path?q`) and authority-form (`host:port`) as in warp's tests.
    const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(raw);
    if (scheme) raw = raw.slice(scheme[0].length);
    else if (!raw.startsWith('/') && !raw.startsWith('?')) raw = '';
    const q = raw.indexOf('?');
    let path = q === -1 ? raw : raw.slice(0, q);
    const own = q === -1 ? '' : raw.slice(q + 1);
    const query = this.extraQuery === '' ? own : own === '' ? this.extraQuery : `${own}&${this.extraQuery}`;
    if (!path.startsWith('/')) path = `/${path}`;
    const cl = this.hs['content-length'];
    const contentLength = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : undefined;
    return new TestSource(
      this.m,
      path,
      query,
      { ...this.hs },
      this.remote,
      new BufferBody(this.b, contentLength),
      this.logger,
    );
  }

  /** Run `filter` and return the tuple it extracted (`[42]`, `[]`, `[1, 'a']`). Throws the `Rejection`. */
  async filter<T extends unknown[]>(filter: Filter<T>): Promise<T> {
    const out = await impl(filter).run(this.context(this.source()));
    if (out instanceof Rejection) throw out;
    return out as T;
  }

  /** Whether `filter` accepts this request. Thrown errors propagate. */
  async matches<T extends unknown[]>(filter: Filter<T>): Promise<boolean> {
    const out = await impl(filter).run(this.context(this.source()));
    return !(out instanceof Rejection);
  }

  /** Run a reply filter through the server's pipeline and collect the response. */
  async reply<F extends Filter<[Replyable]>>(filter: F): Promise<TestResponse<ReplyAt<F, M, P>>> {
    const src = this.source();
    const ctx = this.context(src);
    const r = await settle(impl(filter) as never, ctx);
    return toTestResponse(src.withRequestId(r), src.method, ctx.routeTemplate());
  }
}

/** @internal collect a Reply as the wire would carry it (no body for HEAD, 204, 304). */
export async function toTestResponse(r: Reply, method: string, route = ''): Promise<TestResponse> {
  let bytes: Uint8Array;
  if (bodiless(r.statusCode) || method === 'HEAD' || r.body === null) bytes = new Uint8Array(0);
  else if (typeof r.body === 'string') bytes = encoder.encode(r.body);
  else if (r.body instanceof Uint8Array) bytes = r.body;
  else bytes = await drain(r.body);
  const headers: Record<string, string> = {};
  for (const [n, v] of r.headers) headers[n] = headers[n] === undefined ? v : `${headers[n]}, ${v}`;
  const text = () => Buffer.from(bytes).toString('utf8');
  return {
    status: r.statusCode,
    headers,
    rawHeaders: r.headers,
    body: bytes,
    route,
    text,
    json: <T = unknown>() => JSON.parse(text()) as T,
  };
}

/** Start building an in-process request (`GET /` until told otherwise). */
export function request(): RequestBuilder {
  return new RequestBuilder();
}
