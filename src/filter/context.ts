/**
 * What a filter can see of a request. Each reactor (src/server/uws,
 * src/server/node) and the test harness (src/test) provide a `RequestSource`;
 * filters never see a reactor's own objects. Everything here is a plain copy made before any `await`.
 */
import type { Logger } from 'pino';
import type { CookieKeys } from '../reply/cookies.js';
import type { Rejection } from '../reply/rejection.js';
import { type Trail, templateOf } from './template.js';

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
  /** The request's id: the client's `x-request-id` when it sent a sane one, else generated. */
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
  readonly bodyLimit?: number;
}

/** Something that answers its own requests while the server drains (a health route). */
export interface DrainResponder {
  /** The reply for `path` while draining, or `undefined` when the path is not its own. */
  drainingReply(path: string): import('../reply/reply.js').Reply | undefined;
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
    bodyLimit: a.bodyLimit === undefined ? b.bodyLimit : b.bodyLimit === undefined ? a.bodyLimit : Math.min(a.bodyLimit, b.bodyLimit),
  };
}

export function needsHeaders(...names: string[]): Needs {
  return { ...NO_NEEDS, headers: new Set(names.map((n) => n.toLowerCase())) };
}

/** What the server tells every request's filters about itself. */
export interface ServerEnv {
  /** The cookie secrets of `serve(routes, { cookies })`. */
  readonly cookieKeys?: CookieKeys;
  /** The server listens with TLS (`secureHeaders` sends HSTS only then). */
  readonly secure?: boolean;
}

const NO_ENV: ServerEnv = {};

const INVALID = null;

/**
 * Per-request matching state: the path split into segments and how many of
 * them the filters have consumed. `or` saves and restores `pos`.
 */
export class Ctx {
  pos = 0;
  bodyTaken = false;
  /** The path fragments matched so far (`or` restores it with `pos`). */
  route: Trail | undefined = undefined;
  /** The rejection that decided the answer (unrecovered, or handed to `recover`). */
  rejection: Rejection | undefined = undefined;
  /** What a filter threw (the answer is a 500). */
  error: unknown = undefined;
  /** Where the highest-status rejection past a path match happened, and its status. */
  private rejectedAt: Trail | undefined = undefined;
  private rejectedStatus = 0;
  private raw: string[] | undefined;
  private decoded: (string | null)[] | undefined;

  /**
   * Set by `ws()` when it accepts a handshake: the `WsUpgrade` the chain
   * extracted. `or`, `orElse` and `recover` put it back when the chain that
   * set it rejects, so at the end it belongs to the chain that answered.
   */
  upgrade: object | undefined = undefined;

  /** Set by `secureHeaders()`: this request's CSP nonce (`cspNonce()` extracts it). */
  cspNonce: string | undefined = undefined;

  constructor(
    readonly req: RequestSource,
    /** What the server knows of itself (cookie secrets, TLS). */
    readonly env: ServerEnv = NO_ENV,
  ) {}

  /** The server's cookie secrets (`serve(routes, { cookies })`), for signed cookies. */
  get cookieKeys(): CookieKeys | undefined {
    return this.env.cookieKeys;
  }

  /** Raw (still percent-encoded) segments; a single trailing slash is ignored. */
  rawSegments(): string[] {
    if (this.raw !== undefined) return this.raw;
    // By hand: `slice(1).split('/')` makes a string and runs the generic split for paths of one or two segments.
    const p = this.req.path;
    const segs: string[] = [];
    const end = p.length > 1 && p.charCodeAt(p.length - 1) === 47 ? p.length - 1 : p.length;
    let at = 1;
    if (end === 1 && p.length === 2) segs.push(''); // '//'
    while (at < end) {
      const slash = p.indexOf('/', at);
      if (slash === -1 || slash >= end) {
        segs.push(p.slice(at, end));
        break;
      }
      segs.push(p.slice(at, slash));
      at = slash + 1;
      if (at === end) segs.push('');
    }
    this.raw = segs;
    return segs;
  }

  /** Decoded segments; `null` marks a segment with invalid percent-encoding. */
  segments(): (string | null)[] {
    if (this.decoded !== undefined) return this.decoded;
    const raw = this.rawSegments();
    if (!this.req.path.includes('%')) {
      this.decoded = raw;
      return raw;
    }
    this.decoded = raw.map((s) => {
      if (!s.includes('%')) return s;
      try {
        return decodeURIComponent(s);
      } catch {
        return INVALID;
      }
    });
    return this.decoded;
  }

  /** A branch of `or` rejected: remember where, if it is the most telling rejection so far (a 400 on a matched path). */
  noteRejection(r: Rejection): void {
    if (r.rank < 2) return; // 404 / 405: nothing matched there
    const status = r.status;
    if (status > this.rejectedStatus) {
      this.rejectedStatus = status;
      this.rejectedAt = this.route;
    }
  }

  /**
   * The route template for metrics and tracing: the matched path template,
   * or `unmatched` when the answer came from a 404 / 405 rejection.
   */
  routeTemplate(): string {
    const r = this.rejection;
    if (r !== undefined) {
      if (r.rank < 2) return 'unmatched';
      return templateOf(this.rejectedAt ?? this.route, false);
    }
    return templateOf(this.route, this.pos < this.rawSegments().length);
  }

  /** The rest of the path after the consumed segments, without a leading slash. */
  remaining(): string {
    const raw = this.rawSegments();
    return raw.slice(this.pos).join('/');
  }
}

/** Thrown by a streamed body that grows past its limit; served as a 413. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`Request body exceeds the limit of ${limit} bytes`);
  }
}

/** Thrown by a streamed body parser (multipart) that finds the body malformed; served as a 400. */
export class InvalidBodyError extends Error {
  override readonly name = 'InvalidBodyError';
}
