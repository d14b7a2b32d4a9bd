/**
 * Rejections: "this filter did not accept the request".
 *
 * A rejection is a value, not an exception. `or` tries its next branch when the
 * first one rejects and merges the two rejections by priority (warp's order):
 * 404 loses to everything, 405 loses to everything but 404, otherwise the
 * higher status wins. One refinement over warp: a 405 from method filters
 * stands only when some route's path matches the request's path with another
 * method (then with `Allow`); otherwise, or when a route with this path and
 * method rejected with 404 itself, the answer is 404 (see
 * `src/filters/allow.ts`). `recover` turns a rejection into a reply; one that
 * is never recovered becomes an RFC 9457 problem+json response
 * (`rejection.toReply()`).
 */
import { type Problem, problemReply } from './problem.js';
import type { Reply } from './reply.js';

/** A validation issue as reported by zod (`path`, `message`, `code`, ...). */
export interface Issue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * Base class of weft's built-in rejection reasons. Each subclass has a fixed
 * `status`, a literal `name` and a `title`; `detail` says what was wrong.
 */
export abstract class HttpRejection {
  abstract readonly name: string;
  abstract readonly status: number;
  abstract readonly title: string;
  readonly detail: string;
  readonly issues: readonly Issue[] | undefined;
  /** Extra response headers this rejection is served with (e.g. 426's `Upgrade`). */
  readonly headers: readonly (readonly [string, string])[] = [];
  constructor(detail: string, issues?: readonly Issue[]) {
    this.detail = detail;
    this.issues = issues;
  }
}

/** 404: no route matched the path (or a path param failed to parse). */
export class NotFound extends HttpRejection {
  readonly name = 'NotFound';
  readonly status = 404;
  readonly title = 'Not Found';
}
/**
 * 405: the path exists, but not for this method. When weft's routing decided
 * it, `allowed` lists the methods the path takes and the reply carries them
 * in `Allow` (RFC 9110 §15.5.6).
 */
export class MethodNotAllowed extends HttpRejection {
  readonly name = 'MethodNotAllowed';
  readonly status = 405;
  readonly title = 'Method Not Allowed';
  override readonly headers: readonly (readonly [string, string])[];
  constructor(
    detail: string,
    /** The methods the request's path is served with, when known. */
    readonly allowed?: readonly string[],
  ) {
    super(detail);
    this.headers = allowed === undefined ? [] : [['allow', allowed.join(', ')]];
  }
}
/** 400: a path segment is not valid percent-encoding. */
export class InvalidPath extends HttpRejection {
  readonly name = 'InvalidPath';
  readonly status = 400;
  readonly title = 'Bad Request';
}
/** 400: the query string failed its schema. `issues` holds the zod issues. */
export class InvalidQuery extends HttpRejection {
  readonly name = 'InvalidQuery';
  readonly status = 400;
  readonly title = 'Bad Request';
}
/** 400: a required request header is absent. */
export class MissingHeader extends HttpRejection {
  readonly name = 'MissingHeader';
  readonly status = 400;
  readonly title = 'Bad Request';
  constructor(readonly header: string) {
    super(`Missing request header "${header}"`);
  }
}
/** 400: a request header is present but does not have the expected value. */
export class InvalidHeader extends HttpRejection {
  readonly name = 'InvalidHeader';
  readonly status = 400;
  readonly title = 'Bad Request';
  constructor(
    readonly header: string,
    detail?: string,
    issues?: readonly Issue[],
  ) {
    super(detail ?? `Invalid request header "${header}"`, issues);
  }
}
/** 400: a required cookie is absent. */
export class MissingCookie extends HttpRejection {
  readonly name = 'MissingCookie';
  readonly status = 400;
  readonly title = 'Bad Request';
  constructor(readonly cookie: string) {
    super(`Missing request cookie "${cookie}"`);
  }
}
/** 400: the body is malformed (bad JSON, prototype poisoning) or fails its schema. */
export class InvalidBody extends HttpRejection {
  readonly name = 'InvalidBody';
  readonly status = 400;
  readonly title = 'Bad Request';
}
/** 411: a `Content-Length` header was required and is missing. */
export class LengthRequired extends HttpRejection {
  readonly name = 'LengthRequired';
  readonly status = 411;
  readonly title = 'Length Required';
}
/** 413: the body is larger than the filter's limit. */
export class PayloadTooLarge extends HttpRejection {
  readonly name = 'PayloadTooLarge';
  readonly status = 413;
  readonly title = 'Content Too Large';
  constructor(readonly limit: number) {
    super(`Request body exceeds the limit of ${limit} bytes`);
  }
}
/** 415: the body's `Content-Type` is not the one the filter reads. */
export class UnsupportedMediaType extends HttpRejection {
  readonly name = 'UnsupportedMediaType';
  readonly status = 415;
  readonly title = 'Unsupported Media Type';
}
/** 500: two filters in one chain both tried to take the request body. */
export class BodyConsumed extends HttpRejection {
  readonly name = 'BodyConsumed';
  readonly status = 500;
  readonly title = 'Internal Server Error';
  constructor() {
    super('Request body consumed multiple times');
  }
}
/** 403: a CORS request from an origin, method or header that is not allowed. */
export class CorsForbidden extends HttpRejection {
  readonly name = 'CorsForbidden';
  readonly status = 403;
  readonly title = 'Forbidden';
}

/** 426: a WebSocket endpoint got a plain request, or a version other than 13. */
export class UpgradeRequired extends HttpRejection {
  readonly name = 'UpgradeRequired';
  readonly status = 426;
  readonly title = 'Upgrade Required';
  override readonly headers: readonly (readonly [string, string])[] = [
    ['upgrade', 'websocket'],
    ['sec-websocket-version', '13'],
  ];
}
/** 400: a WebSocket handshake with a missing or malformed `Sec-WebSocket-Key`. */
export class InvalidUpgrade extends HttpRejection {
  readonly name = 'InvalidUpgrade';
  readonly status = 400;
  readonly title = 'Bad Request';
}
/** 403: a WebSocket handshake from an `Origin` that is not allowed. */
export class ForbiddenOrigin extends HttpRejection {
  readonly name = 'ForbiddenOrigin';
  readonly status = 403;
  readonly title = 'Forbidden';
}

/** 400: a signed cookie whose signature does not verify (tampered with, or signed by a retired secret). */
export class InvalidCookie extends HttpRejection {
  readonly name = 'InvalidCookie';
  readonly status = 400;
  readonly title = 'Bad Request';
  constructor(readonly cookie: string) {
    super(`Cookie "${cookie}" is not validly signed`);
  }
}

function rankOf(reason: unknown): number {
  if (reason instanceof HttpRejection) {
    if (reason.status === 404) return 0;
    if (reason.status === 405) return 1;
    return reason.status;
  }
  return 500; // a custom rejection nobody recovered is a server error
}

/** An edit made to the reply a rejection is served as (e.g. `cors` adding its headers). */
export type ReplyEdit = (reply: Reply) => Reply;
const NO_EDITS: readonly ReplyEdit[] = [];

/**
 * Why a filter did not match. Holds one or more reasons: weft's built-in
 * {@link HttpRejection} subclasses, or any value passed to `reject.custom`.
 *
 * @example
 * routes.recover((r) => r.find(Unauthorized) ? reply.empty(401) : r)
 */
export class Rejection {
  /** The reasons, in the order the branches rejected. */
  readonly reasons: readonly unknown[];
  /** The reason that decides the response status (highest priority). */
  readonly preferred: unknown;
  /** @internal priority used by `or` */
  readonly rank: number;
  /** @internal edits wrappers the rejection passed through ask of its reply (`cors`) */
  readonly edits: readonly ReplyEdit[];

  constructor(reasons: readonly unknown[], /** @internal */ edits: readonly ReplyEdit[] = NO_EDITS) {
    this.reasons = reasons;
    this.edits = edits;
    let best: unknown = reasons[0];
    let bestRank = rankOf(best);
    for (let i = 1; i < reasons.length; i++) {
      const r = rankOf(reasons[i]);
      if (r > bestRank) {
        best = reasons[i];
        bestRank = r;
      }
    }
    this.preferred = best;
    this.rank = bestRank;
  }

  /** The first reason that is an instance of `cls`, or `undefined`. */
  find<C>(cls: abstract new (...args: never[]) => C): C | undefined {
    for (const r of this.reasons) if (r instanceof cls) return r;
    return undefined;
  }

  /** The status an unrecovered rejection is served with. */
  get status(): number {
    const p = this.preferred;
    return p instanceof HttpRejection ? p.status : 500;
  }

  /** True when every reason is a 404 (nothing matched at all). */
  isNotFound(): boolean {
    return this.rank === 0;
  }

  /**
   * The reply this rejection is served as when nobody recovers it: RFC 9457
   * `application/problem+json` with the preferred reason's status, title,
   * detail and zod issues (a custom reason is a 500), its headers (`Allow`
   * on a 405), and what wrappers it passed through add (`cors` headers).
   * Use it in `recover` to answer the default way and then edit the reply.
   *
   * @example
   * routes.recover((r) => (r.find(Unauthorized) ? reply.empty(401) : r.toReply().header('cache-control', 'no-store')))
   */
  toReply(): Reply {
    let reply = replies.get(this);
    if (reply === undefined) {
      const p = this.preferred;
      reply = problemReply(rejectionProblem(this), p instanceof HttpRejection ? p.headers : []);
      for (const edit of this.edits) reply = edit(reply);
      replies.set(this, reply);
    }
    return reply;
  }

  /** @internal the same rejection with one more edit of its reply */
  withEdit(edit: ReplyEdit): Rejection {
    return new Rejection(this.reasons, [...this.edits, edit]);
  }
}

/** Rejections and replies are immutable: each rejection's reply is made once. */
const replies = new WeakMap<Rejection, Reply>();

/** The problem a rejection is served as. Custom rejections are a 500 (as in warp). */
export function rejectionProblem(r: Rejection): Problem {
  const p = r.preferred;
  if (p instanceof HttpRejection) {
    const out: Problem = { type: 'about:blank', title: p.title, status: p.status, detail: p.detail };
    if (p.issues !== undefined) {
      out.issues = p.issues.map((i) => ({ code: i.code, path: i.path, message: i.message }));
    }
    return out;
  }
  return { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'Unhandled rejection' };
}

/** Shared rejections for the two hottest cases; rejections are immutable. */
export const NOT_FOUND: Rejection = new Rejection([new NotFound('No route matches this path')]);
/**
 * What method filters (and `ws()`, `files`) reject with: a 405 that routing
 * still has to confirm (see `src/filters/allow.ts`).
 */
export const METHOD_NOT_ALLOWED: Rejection = new Rejection([
  new MethodNotAllowed('The route does not accept this method'),
]);

/** 405s that weft's routing made: `or` may still turn them into 404 or fill in `Allow`. */
const routed = new WeakSet<object>([METHOD_NOT_ALLOWED.preferred as object]);

/** @internal true when `r` is a 405 decided by method filters (not one a handler returned). */
export function isRouted405(r: Rejection): boolean {
  return r.rank === 1 && routed.has(r.preferred as object);
}

/** @internal the 405 for a path served with `allowed` methods, keeping `base`'s reply edits */
export function methodNotAllowed(allowed: readonly string[], base: Rejection): Rejection {
  const reason = new MethodNotAllowed(`This path is served with ${allowed.join(', ')}`, allowed);
  routed.add(reason);
  return new Rejection([reason], base.edits);
}

/**
 * @internal the 404 `base` stands for once a route with this path and method
 * rejected with 404 itself: its own reason (a handler's "no such note")
 * rather than the generic one, keeping `base`'s reply edits.
 */
export function notFoundOf(base: Rejection): Rejection {
  const generic = NOT_FOUND.preferred;
  for (const r of base.reasons) {
    if (r !== generic && r instanceof HttpRejection && r.status === 404) return new Rejection([r], base.edits);
  }
  return base.edits.length === 0 ? NOT_FOUND : new Rejection(NOT_FOUND.reasons, base.edits);
}

/**
 * Merge two rejections from `or` branches, keeping warp's priority rules. A
 * 404 that is not the generic one stays beside a 405, so that routing can
 * still answer with it (see `notFoundOf`).
 */
export function combine(a: Rejection, b: Rejection): Rejection {
  if (a === b) return a;
  if (a.rank === 0 && b.rank === 0) return generic(a) ? b : a; // a handler's own 404 tells more
  if (b.rank === 0) return a.rank === 1 && !generic(b) ? merged(a, b) : a;
  if (a.rank === 0) return b.rank === 1 && !generic(a) ? merged(a, b) : b;
  if (a.rank === 1 && b.rank === 1) return a;
  return merged(a, b);
}

/** The plain "no route matches" 404 (wrapper edits aside). */
function generic(r: Rejection): boolean {
  return r === NOT_FOUND || (r.reasons.length === 1 && r.preferred === NOT_FOUND.preferred);
}

function merged(a: Rejection, b: Rejection): Rejection {
  const edits = b.edits.length === 0 ? a.edits : a.edits.length === 0 ? b.edits : [...a.edits, ...b.edits];
  return new Rejection([...a.reasons, ...b.reasons], edits);
}

/** Wrap one reason into a rejection. */
export function rejectWith(reason: HttpRejection): Rejection {
  return new Rejection([reason]);
}

export interface Reject {
  /** A plain not-found rejection (`warp::reject()`). */
  (): Rejection;
  /** A not-found rejection. */
  notFound(): Rejection;
  /**
   * Reject with your own value. Find it again in `recover` with
   * `rejection.find(MyClass)`. Unrecovered, it is served as a 500.
   *
   * @example
   * class Unauthorized {}
   * const auth = header('authorization').andThen((h) =>
   *   h === 'Bearer admin' ? h : reject.custom(new Unauthorized()));
   */
  custom(value: object): Rejection;
  /**
   * Reject with one of weft's built-in reasons (fixed status, problem+json).
   * @example reject.with(new InvalidQuery('room must match [a-z0-9-]{1,32}'))
   */
  with(reason: HttpRejection): Rejection;
}

/** Build rejections to return from `andThen` / `orElse` / `recover`. */
export const reject: Reject = Object.assign(() => NOT_FOUND, {
  notFound: () => NOT_FOUND,
  custom: (value: object) => new Rejection([value]),
  with: (reason: HttpRejection) => new Rejection([reason]),
});

/** zod issues reduced to the fields problem+json shows. */
export function issuesOf(error: {
  issues: readonly { code: string; path: readonly PropertyKey[]; message: string }[];
}): Issue[] {
  return error.issues.map((i) => ({ code: i.code, path: i.path, message: i.message }));
}
