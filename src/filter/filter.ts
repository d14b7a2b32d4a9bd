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
import type { AnyRoute, Handled, Joined } from './shape.js';
import { thenFilter } from './then.js';
import { untupleFilter } from './untuple.js';
import { withFilter } from './with.js';

declare const sealed: unique symbol;
declare const shaped: unique symbol;
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
 * What the combinators' `this` is typed as (`Self`): the route shape is read
 * from it (`Self[typeof shaped]`) rather than named as `S` in their
 * signatures, so `S` stays covariant and an `or` chain does constant type
 * work per step (see shape.ts).
 */
interface Shaped {
  readonly [shaped]: unknown;
}

/** What a reply filter's value is served as: a `Reply`'s body type, or the value itself (text, bytes, JSON). */
export type BodyOf<X> = X extends Reply<infer B> ? B : X;

/**
 * A filter that extracts the tuple `T` from a request, or rejects.
 *
 * Handlers receive the values as separate arguments:
 * ```ts
 * path('users', int).and(query(Paging)).map((id, paging) => reply.json(...))
 * ```
 *
 * `S` is the filter's route shape (see `weft/client`): the method, path,
 * query, headers and body it reads, which the typed client turns into calls.
 * Writing `Filter<[User]>` leaves it `unknown`: such a filter matches like
 * any other but tells the client nothing.
 */
export interface Filter<T extends unknown[], S = AnyRoute> {
  /** @internal phantom brand; makes the type sealed and carries `T`. */
  readonly [sealed]: T;
  /** @internal phantom: the route shape. */
  readonly [shaped]: S;

  /** Both must match; the tuples concatenate (`[a] + [] + [b]` is `[a, b]`). */
  and<U extends unknown[], S2, Self extends Shaped = this>(
    this: Self,
    other: Filter<U, S2>,
  ): Filter<[...T, ...U], Joined<Self[typeof shaped], S2>>;
  /**
   * Try this filter; if it rejects, try `other` from the same path position.
   * The rejections of both are merged by priority when both reject.
   */
  or<U extends unknown[], S2, Self extends Shaped = this>(
    this: Self,
    other: Filter<U, S2>,
  ): Filter<T | U, Self[typeof shaped] | S2>;
  /**
   * Transform the values with a synchronous function. It cannot reject: a
   * callback that may return a `Rejection` is a compile error (use
   * `andThen`), and one that does anyway is still treated as that rejection,
   * never served as a value. (`R = never` is what a callback that fails
   * that check extracts, so the one error is reported at the callback and
   * not again, at length, wherever the routes are used.)
   */
  map<R = never, Self extends Shaped = this>(
    this: Self,
    fn: (...values: T) => NoRejection<R>,
  ): Filter<[R], Handled<Self[typeof shaped], [R]>>;
  /**
   * Transform the values with an async function that cannot reject (a thrown
   * error is a 500; a `Rejection` is a compile error, as for `map`). Note: a
   * filter is not a promise; do not `await` one.
   */
  then<R = never, Self extends Shaped = this>(
    this: Self,
    fn: (...values: T) => NoRejection<R>,
  ): Filter<[Awaited<R>], Handled<Self[typeof shaped], [Awaited<R>]>>;
  /** Like `then`, but `fn` may return a `Rejection` (or a promise of one). */
  andThen<R, Self extends Shaped = this>(
    this: Self,
    fn: (...values: T) => R | Promise<R>,
  ): Filter<[Accepted<R>], Handled<Self[typeof shaped], [Accepted<R>]>>;
  /** On rejection, `fn` may produce the values (a tuple) instead, or reject again. */
  orElse<Self extends Shaped = this>(
    this: Self,
    fn: (rejection: Rejection) => T | Rejection | Promise<T | Rejection>,
  ): Filter<T, Self[typeof shaped]>;
  /**
   * Turn a rejection into a reply, or return a `Rejection` to keep rejecting.
   * (The typed client types `data` by the handlers' replies: what `recover`
   * answers is the error path, read as `error`.)
   */
  recover<R, Self extends Shaped = this>(
    this: Self,
    fn: (rejection: Rejection) => R | Promise<R>,
  ): Filter<[T[0] | Accepted<R>], Self[typeof shaped]>;
  /** For `a.or(b)` where both extract the same type (a no-op in TypeScript, kept for warp parity). */
  unify<Self extends Shaped = this>(this: Self): Filter<T, Self[typeof shaped]>;
  /** `Filter<[[a, b]]>` becomes `Filter<[a, b]>`. */
  untuple<Self extends Shaped = this>(
    this: Self,
  ): Filter<T extends [infer U extends unknown[]] ? U : never, Self[typeof shaped]>;
  /** Wrap a reply filter with `log(...)`, `cors(...)`, `reply.with.header(...)` ... (the body type is kept). */
  with<Self extends Filter<[Replyable]>>(
    this: Self,
    wrapper: Wrapper,
  ): Filter<[Reply<BodyOf<T[0]>>], Self[typeof shaped]>;
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
export class FilterImpl<T extends unknown[], S = AnyRoute> implements Filter<T, S> {
  declare readonly [sealed]: T;
  declare readonly [shaped]: S;
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

  and<U extends unknown[], S2, Self extends Shaped = this>(
    this: Self,
    other: Filter<U, S2>,
  ): Filter<[...T, ...U], Joined<Self[typeof shaped], S2>> {
    return andFilter(own<T>(this), impl(other)) as Filter<[...T, ...U], never>;
  }
  or<U extends unknown[], S2, Self extends Shaped = this>(
    this: Self,
    other: Filter<U, S2>,
  ): Filter<T | U, Self[typeof shaped] | S2> {
    return orFilter<T, U>(own(this), impl(other)) as Filter<T | U, never>;
  }
  map<R, Self extends Shaped = this>(
    this: Self,
    fn: (...values: T) => NoRejection<R>,
  ): Filter<[R], Handled<Self[typeof shaped], [R]>> {
    return mapFilter<T, R>(own(this), fn as (...values: T) => R) as Filter<[R], never>;
  }
  then<R, Self extends Shaped = this>(
    this: Self,
    fn: (...values: T) => NoRejection<R>,
    onRejected?: unknown,
  ): Filter<[Awaited<R>], Handled<Self[typeof shaped], [Awaited<R>]>> {
    if (typeof onRejected === 'function') {
      // Called by the promise machinery: someone awaited a filter.
      throw new TypeError('A weft Filter is not a promise: do not await it or return it from an async function');
    }
    return thenFilter<T, R>(own(this), fn as (...values: T) => R) as Filter<[Awaited<R>], never>;
  }
  andThen<R, Self extends Shaped = this>(
    this: Self,
    fn: (...values: T) => R | Promise<R>,
  ): Filter<[Accepted<R>], Handled<Self[typeof shaped], [Accepted<R>]>> {
    return andThenFilter(own<T>(this), fn) as Filter<[Accepted<R>], never>;
  }
  orElse<Self extends Shaped = this>(
    this: Self,
    fn: (rejection: Rejection) => T | Rejection | Promise<T | Rejection>,
  ): Filter<T, Self[typeof shaped]> {
    return orElseFilter(own<T>(this), fn) as Filter<T, never>;
  }
  recover<R, Self extends Shaped = this>(
    this: Self,
    fn: (rejection: Rejection) => R | Promise<R>,
  ): Filter<[T[0] | Accepted<R>], Self[typeof shaped]> {
    return recoverFilter(own<T>(this), fn) as Filter<[T[0] | Accepted<R>], never>;
  }
  unify<Self extends Shaped = this>(this: Self): Filter<T, Self[typeof shaped]> {
    return this as unknown as Filter<T, never>;
  }
  untuple<Self extends Shaped = this>(
    this: Self,
  ): Filter<T extends [infer U extends unknown[]] ? U : never, Self[typeof shaped]> {
    return untupleFilter(own<T>(this)) as Filter<T extends [infer U extends unknown[]] ? U : never, never>;
  }
  with<Self extends Filter<[Replyable]>>(
    this: Self,
    wrapper: Wrapper,
  ): Filter<[Reply<BodyOf<T[0]>>], Self[typeof shaped]> {
    return withFilter(impl(this as Filter<[Replyable]>), wrapper as WrapperImpl) as Filter<
      [Reply<BodyOf<T[0]>>],
      never
    >;
  }
}

/** The `this` of a combinator (typed `Self` so the shape stays covariant) as the class it is. */
function own<T extends unknown[]>(self: unknown): FilterImpl<T> {
  return self as FilterImpl<T>;
}

/** @internal the implementation behind a public `Filter`. */
export function impl<T extends unknown[]>(f: Filter<T, unknown>): FilterImpl<T> {
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
