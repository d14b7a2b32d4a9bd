/** Per-request matching state: what the filters read of one request, and where they are in its path. */
import type { CookieKeys } from '../reply/cookies.js';
import type { Rejection } from '../reply/rejection.js';
import type { RequestSource, ServerEnv } from './request-source.js';
import { type Trail, templateOf } from './template.js';

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
