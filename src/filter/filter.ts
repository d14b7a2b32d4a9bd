/**
 * The `Filter<T>` type and the one class behind every filter.
 *
 * A filter looks at a request and either *extracts* a tuple `T` or *rejects*.
 * Running a filter returns the tuple, a `Rejection`, or a promise of either;
 * synchronous filters stay synchronous, so a route with no async step
 * answers inside the uWS callback without allocating a promise.
 *
 * The type is sealed: `Filter` has a property keyed by a symbol that is not
 * exported, so only weft's own functions can build one.
 */
import type { Rejection } from '../reply/rejection.js';
import type { Reply, Replyable } from '../reply/reply.js';
import { andFilter } from './and.js';
import { andThenFilter } from './and-then.js';
import type { Ctx } from './context.js';
import { mapFilter } from './map.js';
import { orFilter } from './or.js';
import { orElseFilter } from './or-else.js';
import { recoverFilter } from './recover.js';
import { mergeNeeds, type Needs, NO_NEEDS } from './request-source.js';
import { thenFilter } from './then.js';
import { untupleFilter } from './untuple.js';
import { withFilter } from './with.js';

declare const sealed: unique symbol;
declare const wrapperBrand: unique symbol;

/** What running a filter produces. */
export type Out = unknown[] | Rejection;
export type Step = Out | Promise<Out>;

/** A static check a filter makes before anything else (used by route tables). */
export type Check =
  | { readonly kind: 'method'; readonly methods: ReadonlySet<string> }
  | { readonly kind: 'seg'; readonly value: string }
  | { readonly kind: 'end' };

/** `R` with the rejection case removed (what `andThen`/`recover` extract). */
export type Accepted<R> = Exclude<Awaited<R>, Rejection>;

/**
 * `R` itself, unless it can be a `Rejection`: then a message type no value
 * has, so a `map` callback that may return a `Rejection` fails to compile
 * where it is written. (Rejecting is `andThen`'s job.) `any` passes.
 */
export type NoRejection<R> = [Extract<Awaited<R>, Rejection>] extends [never]
  ? R
  : 'map and then cannot reject: return the Rejection from andThen instead';

/**
 * A filter that extracts the tuple `T` from a request, or rejects.
 *
 * Handlers receive the values as separate arguments:
 * ```ts
 * path('users', int).and(query(Paging)).map((id, paging) => reply.json(...))
 * ```
 */
export interface Filter<T extends unknown[]> {
  /** @internal phantom brand; makes the type sealed and carries `T`. */
  readonly [sealed]: T;

  /** Both must match; the tuples concatenate (`[a] + [] + [b]` is `[a, b]`). */
  and<U extends unknown[]>(other: Filter<U>): Filter<[...T, ...U]>;
  /**
   * Try this filter; if it rejects, try `other` from the same path position.
   * The rejections of both are merged by priority when both reject.
   */
  or<U extends unknown[]>(other: Filter<U>): Filter<T | U>;
  /**
   * Transform the values with a synchronous function. It cannot reject: a
   * callback that may return a `Rejection` is a compile error (use
   * `andThen`), and one that does anyway is still treated as that rejection,
   * never served as a value. (`R = never` is what a callback that fails
   * that check extracts, so the one error is reported at the callback and
   * not again, at length, wherever the routes are used.)
   */
  map<R = never>(fn: (...values: T) => NoRejection<R>): Filter<[R]>;
  /**
   * Transform the values with an async function that cannot reject (a thrown
   * error is a 500; a `Rejection` is a compile error, as for `map`). Note: a
   * filter is not a promise; do not `await` one.
   */
  then<R = never>(fn: (...values: T) => NoRejection<R>): Filter<[Awaited<R>]>;
  /** Like `then`, but `fn` may return a `Rejection` (or a promise of one). */
  andThen<R>(fn: (...values: T) => R | Promise<R>): Filter<[Accepted<R>]>;
  /** On rejection, `fn` may produce the values (a tuple) instead, or reject again. */
  orElse(fn: (rejection: Rejection) => T | Rejection | Promise<T | Rejection>): Filter<T>;
  /** Turn a rejection into a reply, or return a `Rejection` to keep rejecting. */
  recover<R>(fn: (rejection: Rejection) => R | Promise<R>): Filter<[T[0] | Accepted<R>]>;
  /** For `a.or(b)` where both extract the same type (a no-op in TypeScript, kept for warp parity). */
  unify(): Filter<T>;
  /** `Filter<[[a, b]]>` becomes `Filter<[a, b]>`. */
  untuple(): Filter<T extends [infer U extends unknown[]] ? U : never>;
  /** Wrap a reply filter with `log(...)`, `cors(...)`, `reply.with.header(...)` ... */
  with(this: Filter<[Replyable]>, wrapper: Wrapper): Filter<[Reply]>;
}

/** Something `filter.with(...)` accepts. Build one with `cors`, `log`, `reply.with.*`. */
export interface Wrapper {
  /** @internal */
  readonly [wrapperBrand]: true;
}

/** @internal the implementation behind every `Wrapper`. */
export interface WrapperImpl extends Wrapper {
  wrap(inner: FilterImpl<[Reply]>): FilterImpl<[Reply]>;
}

/** What a leaf filter tells OpenAPI about itself (`src/openapi`). */
export type DocLeaf =
  | { readonly kind: 'path'; readonly segments: readonly DocSegment[] }
  | { readonly kind: 'query'; readonly schema: unknown }
  | { readonly kind: 'header'; readonly name: string; readonly required: boolean; readonly schema?: unknown }
  | { readonly kind: 'body'; readonly media: string; readonly schema?: unknown }
  | { readonly kind: 'ws' }
  | { readonly kind: 'info'; readonly info: object };

/** A path segment as OpenAPI sees it: static text, a param (label and JSON Schema), or the rest of the path. */
export type DocSegment = string | { readonly label: string; readonly schema: () => object } | { readonly rest: true };

export interface FilterMeta {
  /** For OpenAPI: what this leaf filter reads. */
  readonly doc?: DocLeaf | undefined;
  /** For OpenAPI: the filter this one runs and passes on (map, then, recover, wrappers...). */
  readonly inner?: FilterImpl<unknown[]> | undefined;
  /** For OpenAPI: the filters an `and` runs in order. */
  readonly parts?: readonly FilterImpl<unknown[]>[] | undefined;
  /** Static checks made before anything else, in order. */
  readonly leading?: readonly Check[] | undefined;
  /** True when the filter is exactly its `leading` checks and extracts nothing. */
  readonly pure?: boolean | undefined;
  readonly needs?: Needs | undefined;
  /** For `or`: the flattened branches. */
  readonly branches?: readonly FilterImpl<unknown[]>[] | undefined;
  /** A leaf that takes only these methods and rejects others with 405 (`ws()`, `files`); see allow.ts. */
  readonly methods?: ReadonlySet<string> | undefined;
}

const NO_CHECKS: readonly Check[] = [];

/** @internal the single concrete filter class. */
export class FilterImpl<T extends unknown[]> implements Filter<T> {
  declare readonly [sealed]: T;
  readonly leading: readonly Check[];
  readonly pure: boolean;
  readonly needs: Needs;
  readonly branches: readonly FilterImpl<unknown[]>[] | undefined;
  readonly doc: DocLeaf | undefined;
  readonly inner: FilterImpl<unknown[]> | undefined;
  readonly parts: readonly FilterImpl<unknown[]>[] | undefined;
  readonly methods: ReadonlySet<string> | undefined;

  constructor(
    readonly kind: string,
    readonly run: (ctx: Ctx) => Step,
    meta: FilterMeta = {},
  ) {
    this.leading = meta.leading ?? NO_CHECKS;
    this.pure = meta.pure ?? false;
    this.needs = meta.needs ?? NO_NEEDS;
    this.branches = meta.branches;
    this.doc = meta.doc;
    this.inner = meta.inner;
    this.parts = meta.parts;
    this.methods = meta.methods;
  }

  and<U extends unknown[]>(other: Filter<U>): Filter<[...T, ...U]> {
    return andFilter(this, impl(other));
  }
  or<U extends unknown[]>(other: Filter<U>): Filter<T | U> {
    return orFilter<T, U>(this, impl(other));
  }
  map<R>(fn: (...values: T) => NoRejection<R>): Filter<[R]> {
    return mapFilter<T, R>(this, fn as (...values: T) => R);
  }
  then<R>(fn: (...values: T) => NoRejection<R>, onRejected?: unknown): Filter<[Awaited<R>]> {
    if (typeof onRejected === 'function') {
      // Called by the promise machinery: someone awaited a filter.
      throw new TypeError('A weft Filter is not a promise: do not await it or return it from an async function');
    }
    return thenFilter<T, R>(this, fn as (...values: T) => R);
  }
  andThen<R>(fn: (...values: T) => R | Promise<R>): Filter<[Accepted<R>]> {
    return andThenFilter(this, fn);
  }
  orElse(fn: (rejection: Rejection) => T | Rejection | Promise<T | Rejection>): Filter<T> {
    return orElseFilter(this, fn);
  }
  recover<R>(fn: (rejection: Rejection) => R | Promise<R>): Filter<[T[0] | Accepted<R>]> {
    return recoverFilter(this, fn);
  }
  unify(): Filter<T> {
    return this;
  }
  untuple(): Filter<T extends [infer U extends unknown[]] ? U : never> {
    return untupleFilter(this);
  }
  with(this: Filter<[Replyable]>, wrapper: Wrapper): Filter<[Reply]> {
    return withFilter(impl(this), wrapper as WrapperImpl);
  }
}

/** @internal the implementation behind a public `Filter`. */
export function impl<T extends unknown[]>(f: Filter<T>): FilterImpl<T> {
  if (!(f instanceof FilterImpl)) throw new TypeError('not a weft Filter');
  return f as FilterImpl<T>;
}

/** @internal combined needs of two filters. */
export function needsOf(...fs: FilterImpl<unknown[]>[]): Needs {
  let n = NO_NEEDS;
  for (const f of fs) n = mergeNeeds(n, f.needs);
  return n;
}

/** @internal true for an output that is a promise. */
export function isPromise(x: unknown): x is Promise<unknown> {
  return x instanceof Promise;
}

/** @internal adopt any thenable a user function returned as a real promise. */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    x !== null &&
    (typeof x === 'object' || typeof x === 'function') &&
    typeof (x as { then?: unknown }).then === 'function' &&
    !(x instanceof FilterImpl)
  );
}

/**
 * @internal a run function that runs `a`, then `apply` to its output,
 * staying synchronous when `a` is.
 */
export function afterRun(a: FilterImpl<unknown[]>, apply: (out: Out, ctx: Ctx) => Step): (ctx: Ctx) => Step {
  return (ctx) => {
    const x = a.run(ctx);
    return x instanceof Promise ? x.then((v: Out) => apply(v, ctx)) : apply(x, ctx);
  };
}

/** @internal build a `Wrapper` from its wrap function. */
export function makeWrapper(wrap: (inner: FilterImpl<[Reply]>) => FilterImpl<[Reply]>): Wrapper {
  return { wrap } as unknown as Wrapper;
}
