import { NOT_FOUND, type Rejection } from '../reply/rejection.js';
import type { Ctx } from './context.js';
import { type Check, type Filter, FilterImpl, needsOf, type Out, type Step } from './filter.js';

function join(a: unknown[], b: unknown[]): unknown[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  // Not `concat`: V8's generic concat (isConcatSpreadable checks) costs more than the copy for tuples this small.
  const out = new Array<unknown>(a.length + b.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i];
  for (let i = 0; i < b.length; i++) out[a.length + i] = b[i];
  return out;
}

/** True when a static path check in `checks` fails at the current position. */
function pathMismatch(ctx: Ctx, checks: readonly Check[]): boolean {
  let pos = ctx.pos;
  const segs = ctx.segments();
  for (const c of checks) {
    if (c.kind === 'seg') {
      const s = segs[pos];
      if (s === null) return false; // bad encoding: let the path filter report it
      if (s !== c.value) return true;
      pos++;
    } else if (c.kind === 'end') {
      if (pos < segs.length) return true;
    }
  }
  return false;
}

/**
 * `a.and(b)`: run `a`, then `b`; concatenate what they extract.
 *
 * A shortcut of the 404-vs-405 rule (allow.ts): when `a` is a method filter
 * that rejects (405) and `b` starts with static path segments that do not
 * match either, the rejection is 404 at once. The route table in `or` relies
 * on this; `or` settles the cases a static check cannot (params).
 */
export function andFilter<T extends unknown[], U extends unknown[]>(
  a: FilterImpl<T>,
  b: FilterImpl<U>,
): Filter<[...T, ...U]> {
  const second = (ctx: Ctx, x: unknown[]): Step => {
    const y = b.run(ctx);
    if (y instanceof Promise) return y.then((v: Out) => (Array.isArray(v) ? join(x, v) : v));
    return Array.isArray(y) ? join(x, y) : (y as Rejection);
  };
  const methodOnly = a.pure && a.leading.length > 0 && a.leading.every((c) => c.kind === 'method');
  const bPath = b.leading.filter((c) => c.kind !== 'method');
  const refine = methodOnly && bPath.length > 0;
  const run = (ctx: Ctx): Step => {
    const x = a.run(ctx);
    if (x instanceof Promise) return x.then((v: Out) => (Array.isArray(v) ? second(ctx, v) : v));
    if (Array.isArray(x)) return second(ctx, x);
    return refine && x.rank === 1 && pathMismatch(ctx, bPath) ? NOT_FOUND : x;
  };
  return new FilterImpl<[...T, ...U]>('and', run, {
    leading: a.pure ? [...a.leading, ...b.leading] : a.leading,
    pure: a.pure && b.pure,
    needs: needsOf(a, b),
    parts: [a as FilterImpl<unknown[]>, b as FilterImpl<unknown[]>],
  });
}
