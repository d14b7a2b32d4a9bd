/**
 * The backend contract: what a filter can see of a request. Each reactor
 * (src/reactor/uws, src/reactor/node) and the test harness (src/test) provide
 * a `RequestSource`; filters never see a reactor's own objects. Everything
 * here is a plain copy made before any `await`.
 */
import type { Logger } from 'pino';
import type { CookieKeys } from '../reply/cookies.js';
import type { Reply } from '../reply/reply.js';

/** A readable request body. `take` may be called once per request. */
export interface BodySource {
  /** The declared `Content-Length`, if any (already checked for validity). */
  readonly contentLength: number | undefined;
  /**
   * Collect the whole body: `undefined` when it is longer than `limit` bytes
   * (reading stops at `limit + 1` and the rest is never buffered). Settles
   * synchronously when the body has already arrived, so filters stay
   * synchronous once it is in.
   */
  collect(limit: number): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** The body as chunks, as they arrive. Throws `BodyTooLargeError` past `limit`. */
  stream(limit: number): AsyncIterable<Uint8Array>;
}

export interface RequestSource {
  /** Method as sent (HTTP methods are case-sensitive), e.g. `GET`. */
  readonly method: string;
  /** Raw path, starting with `/`, without the query string. */
  readonly path: string;
  /** Raw query string without `?` ('' when absent). */
  readonly query: string;
  /** A header value by lower-case name (`undefined` if absent). */
  header(name: string): string | undefined;
  /** All headers, lower-case names; repeated headers are joined with `, `. */
  headers(): Readonly<Record<string, string>>;
  /** Remote IP address as text. */
  remoteAddress(): string;
  readonly body: BodySource;
  /** Fires when the client goes away or the server shuts down. */
  readonly signal: AbortSignal;
  readonly logger: Logger | undefined;
  /** The request's id: the client's `x-request-id` when it sent a sane one, else generated (on first read). */
  readonly requestId: string;
}

/** What request parts a filter tree reads; the server copies only these. */
export interface Needs {
  readonly headers: ReadonlySet<string>;
  readonly allHeaders: boolean;
  readonly body: boolean;
  readonly remote: boolean;
  /** Some filter reads the query string. */
  readonly query: boolean;
  /** Options of every ws() filter in the tree (the server configures uWS from them). */
  readonly ws: ReadonlySet<object>;
  /** Every `health()` filter in the tree: they answer for themselves while the server drains. */
  readonly health: ReadonlySet<DrainResponder>;
  /**
   * The smallest body limit of the filters that read a whole body (`undefined`:
   * none has one). A body declared within it may be read before the filters run.
   */
  readonly bodyLimit?: number | undefined;
}

/** Something that answers its own requests while the server drains (a health route). */
export interface DrainResponder {
  /** The reply for `path` while draining, or `undefined` when the path is not its own. */
  drainingReply(path: string): Reply | undefined;
}

export const NO_NEEDS: Needs = {
  headers: new Set(),
  allHeaders: false,
  body: false,
  remote: false,
  query: false,
  ws: new Set(),
  health: new Set(),
};

function union<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): ReadonlySet<T> {
  return a.size === 0 ? b : b.size === 0 ? a : new Set([...a, ...b]);
}

export function mergeNeeds(a: Needs, b: Needs): Needs {
  if (a === NO_NEEDS) return b;
  if (b === NO_NEEDS) return a;
  return {
    headers: new Set([...a.headers, ...b.headers]),
    allHeaders: a.allHeaders || b.allHeaders,
    body: a.body || b.body,
    remote: a.remote || b.remote,
    query: a.query || b.query,
    ws: union(a.ws, b.ws),
    health: union(a.health, b.health),
    bodyLimit:
      a.bodyLimit === undefined
        ? b.bodyLimit
        : b.bodyLimit === undefined
          ? a.bodyLimit
          : Math.min(a.bodyLimit, b.bodyLimit),
  };
}

export function needsHeaders(...names: string[]): Needs {
  return { ...NO_NEEDS, headers: new Set(names.map((n) => n.toLowerCase())) };
}

/** What the server tells every request's filters about itself. */
export interface ServerEnv {
  /** The cookie secrets of `serve(routes, { cookies })`. */
  readonly cookieKeys?: CookieKeys | undefined;
  /** The server listens with TLS (`secureHeaders` sends HSTS only then). */
  readonly secure?: boolean | undefined;
}
