/**
 * Replies: immutable, chainable descriptions of a response.
 *
 * ```ts
 * reply.json(user).status(201).header('location', `/users/${user.id}`)
 * ```
 * Every method returns a new `Reply`. Header names and values are checked
 * when they are set (`InvalidHeaderError`), so a CR/LF never reaches the wire.
 */
import { type CookieOptions, type PendingCookie, setCookie } from './cookies.js';
import { checkHeader } from './headers.js';

/** A chunk of a streamed body. */
export type Chunk = string | Uint8Array;

/**
 * A streamed body whose length is known (a file): written with
 * `Content-Length` instead of chunked encoding, with backpressure. `open` is
 * called only when the body is sent (never for HEAD or a 304), and must
 * yield exactly `size` bytes.
 */
export class SizedBody implements AsyncIterable<Uint8Array> {
  constructor(
    readonly size: number,
    private readonly open: () => AsyncIterable<Uint8Array>,
  ) {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new RangeError(`SizedBody: size must be a non-negative integer, got ${size}`);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.open()[Symbol.asyncIterator]();
  }
}
/** What a reply carries: nothing, a complete body, or a stream of chunks. */
export type ReplyBody = null | string | Uint8Array | AsyncIterable<Chunk>;

/** One Server-Sent Event. `data` that is not a string is sent as JSON. */
export interface SseEvent {
  data?: unknown | undefined;
  event?: string | undefined;
  id?: string | undefined;
  /** Reconnection time in milliseconds. */
  retry?: number | undefined;
  comment?: string | undefined;
}

/** Values a filter may extract to be served: a `Reply`, or one converted by `toReply`. */
export type Replyable = Reply | string | Uint8Array | number | boolean | null | object | undefined;

type HeaderList = readonly (readonly [string, string])[];

declare const bodyType: unique symbol;

/**
 * A response. `B` is the type of its body as a client reads it (`reply.json(v)`
 * is a `Reply<typeof v>`, `reply.text(s)` a `Reply<string>`); it exists only
 * for the typed client and is kept through `status`, `header` and the rest.
 */
export class Reply<B = unknown> {
  /** @internal phantom: the body's type. */
  declare readonly [bodyType]: B;
  /** @internal use the `reply` builder */
  constructor(
    /** The response status. */
    readonly statusCode: number,
    /** Header pairs, lower-case names, in the order they will be written. */
    readonly headers: HeaderList,
    /** The body. */
    readonly body: ReplyBody,
    /** @internal signed cookies, signed with the server's secret when the reply is written */
    readonly pendingCookies: readonly PendingCookie[] | undefined = undefined,
  ) {}

  /** A copy with another status (an integer from 200 to 599). */
  status(code: number): Reply<B> {
    return new Reply<B>(checkStatus(code), this.headers, this.body, this.pendingCookies);
  }

  /** A copy with `name` set to `value`, replacing any value it had. */
  header(name: string, value: string): Reply<B> {
    const lower = checkHeader(name, value);
    const rest = this.headers.filter(([n]) => n !== lower);
    return new Reply<B>(this.statusCode, [...rest, [lower, value]], this.body, this.pendingCookies);
  }

  /** A copy with one more `name: value` line (for `set-cookie` and the like). */
  appendHeader(name: string, value: string): Reply<B> {
    const lower = checkHeader(name, value);
    return new Reply<B>(this.statusCode, [...this.headers, [lower, value]], this.body, this.pendingCookies);
  }

  /**
   * A copy that sets a cookie (`Set-Cookie`, serialized by the `cookie`
   * package; `path` defaults to `/`). `{ signed: true }` signs the value with
   * the secret of `serve(routes, { cookies: { secret } })` when the reply is
   * written; read it back with `cookie.signed(name)`.
   *
   * @example
   * reply.json(user).cookie('session', id, { signed: true, httpOnly: true, sameSite: 'lax', maxAge: 3600 })
   */
  cookie(name: string, value: string, options: CookieOptions = {}): Reply<B> {
    const line = setCookie(name, value, options); // checks the name, value and attributes now
    if (!options.signed) return this.appendHeader('set-cookie', line);
    if (this.constructor !== Reply)
      throw new TypeError('reply.cookie: a signed cookie cannot be set on a WebSocket upgrade');
    return new Reply<B>(this.statusCode, this.headers, this.body, [
      ...(this.pendingCookies ?? []),
      { name, value, options },
    ]);
  }

  /** A copy that deletes cookie `name` (empty, expired); give the `path` and `domain` it was set with. */
  clearCookie(name: string, options: Pick<CookieOptions, 'path' | 'domain'> = {}): Reply<B> {
    return this.appendHeader('set-cookie', setCookie(name, '', { ...options, expires: new Date(0), maxAge: 0 }));
  }

  /** The value of a header (the first, if repeated), or `undefined`. */
  getHeader(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [n, v] of this.headers) if (n === lower) return v;
    return undefined;
  }
}

function checkStatus(code: number): number {
  if (!Number.isInteger(code) || code < 200 || code > 599) {
    throw new RangeError(`Reply status must be an integer from 200 to 599, got ${String(code)}`);
  }
  return code;
}

/** One of the builder's header lists: frozen, shared by every reply made with it until a header is added. */
function constantList(list: [string, string][]): HeaderList {
  for (const pair of list) Object.freeze(pair);
  return Object.freeze(list);
}

const NONE = constantList([]);
const TEXT = constantList([['content-type', 'text/plain; charset=utf-8']]);
const HTML = constantList([['content-type', 'text/html; charset=utf-8']]);
const JSON_TYPE = constantList([['content-type', 'application/json']]);
const OCTETS = constantList([['content-type', 'application/octet-stream']]);
const SSE = constantList([
  ['content-type', 'text/event-stream'],
  ['cache-control', 'no-cache'],
]);

/**
 * `list` is one of the builder's own header lists (`reply.json`'s content
 * type and the others), which replies keep until a header is added: a reactor
 * may make something once per such list and reuse it for every reply.
 */
export function isConstantHeaderList(list: HeaderList): boolean {
  return list === JSON_TYPE || list === TEXT || list === NONE || list === HTML || list === OCTETS || list === SSE;
}

function encodeJson(value: unknown): string {
  // Throws on BigInt and cycles: the handler fails before anything is written.
  const s = JSON.stringify(value);
  return s === undefined ? 'null' : s;
}

function sseLine(field: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new TypeError(`SSE ${field} must not contain CR or LF`);
  return `${field}: ${value}\n`;
}

/** Encode one event in the text/event-stream format. */
export function encodeSse(ev: SseEvent): string {
  let out = '';
  if (ev.comment !== undefined) for (const line of ev.comment.split(/\r?\n/)) out += `: ${line}\n`;
  if (ev.event !== undefined) out += sseLine('event', ev.event);
  if (ev.id !== undefined) out += sseLine('id', ev.id);
  if (ev.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(ev.retry))}\n`;
  if (ev.data !== undefined) {
    const text = typeof ev.data === 'string' ? ev.data : encodeJson(ev.data);
    for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  }
  return `${out}\n`;
}

/** Options of `reply.sse`. */
export interface SseOptions {
  /**
   * Send a comment line (`: keep-alive`) after this many milliseconds without
   * an event, so proxies and load balancers do not cut an idle stream. 0 disables.
   * @default 15000
   */
  keepAliveMs?: number | undefined;
  /** A `retry:` hint first: how many milliseconds the browser waits before reconnecting. */
  retryMs?: number | undefined;
}

const KEEP_ALIVE = ': keep-alive\n\n';
const IDLE: unique symbol = Symbol('idle');

async function* sseStream(events: AsyncIterable<SseEvent>, options: SseOptions): AsyncIterable<Chunk> {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  if (options.retryMs !== undefined) yield encodeSse({ retry: options.retryMs });
  const it = events[Symbol.asyncIterator]();
  try {
    let next = it.next();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const got =
        keepAliveMs === 0
          ? await next
          : await Promise.race([
              next,
              new Promise<typeof IDLE>((resolve) => (timer = setTimeout(resolve, keepAliveMs, IDLE))),
            ]);
      clearTimeout(timer);
      if (got === IDLE) {
        yield KEEP_ALIVE; // the event is still on its way: keep waiting for the same one
        continue;
      }
      if (got.done) return;
      yield encodeSse(got.value);
      next = it.next();
    }
  } finally {
    await it.return?.();
  }
}

export interface ReplyBuilder {
  /** An empty `200 OK` (warp's `warp::reply()`). */
  (): Reply<undefined>;
  /** `text/plain; charset=utf-8`. */
  text(body: string): Reply<string>;
  /** `text/html; charset=utf-8`. */
  html(body: string): Reply<string>;
  /**
   * `application/json`; the value is serialized now, so a BigInt or a cycle
   * throws here. The reply's type is the value's: the typed client reads it.
   */
  json<V>(value: V): Reply<V>;
  /** `application/octet-stream`. */
  bytes(body: Uint8Array): Reply<Uint8Array>;
  /** A chunked body written as the iterable yields, with backpressure. */
  stream(body: AsyncIterable<Chunk>, contentType?: string): Reply<unknown>;
  /**
   * Server-Sent Events (`text/event-stream`): each event encoded as it comes,
   * a `: keep-alive` comment after `keepAliveMs` (15 s) without one, and an
   * optional `retry:` hint first. Read the client's `Last-Event-ID` with
   * `lastEventId()` to resume a stream.
   */
  sse(events: AsyncIterable<SseEvent>, options?: SseOptions): Reply<string>;
  /** A redirect; `status` defaults to 301 as in warp (use 302, 303, 307 or 308 as needed). */
  redirect(location: string, status?: 301 | 302 | 303 | 307 | 308): Reply<undefined>;
  /** No body, just a status (e.g. `reply.empty(204)`). */
  empty(status: number): Reply<undefined>;
}

/**
 * Build replies.
 *
 * @example
 * get().and(path('hello', str)).map((name) => reply.text(`Hello, ${name}!`))
 */
export const reply: ReplyBuilder = Object.assign(() => new Reply<undefined>(200, NONE, null), {
  text: (body: string) => new Reply<string>(200, TEXT, String(body)),
  html: (body: string) => new Reply<string>(200, HTML, String(body)),
  json: <V>(value: V) => new Reply<V>(200, JSON_TYPE, encodeJson(value)),
  bytes: (body: Uint8Array) => new Reply<Uint8Array>(200, OCTETS, body),
  stream: (body: AsyncIterable<Chunk>, contentType?: string) => {
    const r = new Reply(200, OCTETS, body);
    return contentType === undefined ? r : r.header('content-type', contentType);
  },
  sse: (events: AsyncIterable<SseEvent>, options: SseOptions = {}) => {
    if (!((options.keepAliveMs ?? 0) >= 0)) throw new RangeError('reply.sse: keepAliveMs must be >= 0');
    return new Reply<string>(200, SSE, sseStream(events, options));
  },
  redirect: (location: string, status: 301 | 302 | 303 | 307 | 308 = 301) => {
    if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Not a redirect status: ${status}`);
    return new Reply<undefined>(status, NONE, null).header('location', location);
  },
  empty: (status: number) => new Reply<undefined>(checkStatus(status), NONE, null),
});

/** Convert what a filter extracted into a `Reply`. */
export function toReply(value: unknown): Reply {
  if (value instanceof Reply) return value;
  if (typeof value === 'string') return reply.text(value);
  if (value instanceof Uint8Array) return reply.bytes(value);
  if (value === undefined) return reply();
  return reply.json(value);
}
