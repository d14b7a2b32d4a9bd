import { Rejection } from '../reply/rejection.js';
import type { Ctx } from './context.js';
import { type Filter, FilterImpl, isThenable, type Out, type Step } from './filter.js';

function checked(value: unknown): Out {
  if (value instanceof Rejection || Array.isArray(value)) return value;
  throw new TypeError('orElse callback must return a tuple of values or a Rejection');
}

/** `a.orElse(fn)`: on rejection, `fn` may supply the values instead. */
export function orElseFilter<T extends unknown[]>(
  a: FilterImpl<T>,
  fn: (rejection: Rejection) => T | Rejection | Promise<T | Rejection>,
): Filter<T> {
  const apply = (ctx: Ctx, pos: number, upgrade: object | undefined, v: Out): Step => {
    if (Array.isArray(v)) return v;
    ctx.pos = pos;
    ctx.upgrade = upgrade;
    const r = fn(v);
    if (isThenable(r)) return Promise.resolve(r).then(checked);
    return checked(r);
  };
  const run = (ctx: Ctx): Step => {
    const pos = ctx.pos;
    const upgrade = ctx.upgrade;
    const x = a.run(ctx);
    return x instanceof Promise ? x.then((v: Out) => apply(ctx, pos, upgrade, v)) : apply(ctx, pos, upgrade, x);
  };
  return new FilterImpl<T>('orElse', run, { needs: a.needs, inner: a as FilterImpl<unknown[]> });
}
