import { Rejection } from '../reply/rejection.js';
import type { Ctx } from './context.js';
import { type Accepted, type Filter, FilterImpl, isThenable, type Out, type Step } from './filter.js';

/** The value `fn` recovered with, as an output; a reply made from rejection `v` is labelled by it (metrics, tracing). */
function wrap(value: unknown, v: Rejection, ctx: Ctx): Out {
  if (value instanceof Rejection) return value;
  ctx.rejection = v;
  return [value];
}

/**
 * `a.recover(fn)`: turn a rejection into a reply. Returning a `Rejection`
 * (usually the one received) keeps rejecting.
 */
export function recoverFilter<T extends unknown[], R>(
  a: FilterImpl<T>,
  fn: (rejection: Rejection) => R | Promise<R>,
): Filter<[T[0] | Accepted<R>]> {
  const apply = (v: Out, ctx: Ctx, upgrade: object | undefined): Step => {
    if (Array.isArray(v)) return v;
    ctx.noteRejection(v);
    ctx.upgrade = upgrade; // a handshake the rejected chain accepted is not this answer's
    const r = fn(v);
    if (isThenable(r)) return Promise.resolve(r).then((x) => wrap(x, v, ctx));
    return wrap(r, v, ctx);
  };
  const run = (ctx: Ctx): Step => {
    const upgrade = ctx.upgrade;
    const x = a.run(ctx);
    return x instanceof Promise ? x.then((v: Out) => apply(v, ctx, upgrade)) : apply(x, ctx, upgrade);
  };
  return new FilterImpl<[T[0] | Accepted<R>]>('recover', run, { needs: a.needs, inner: a as FilterImpl<unknown[]> });
}
