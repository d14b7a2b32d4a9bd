import { Rejection } from '../reply/rejection.js';
import { afterRun, type Filter, FilterImpl, isThenable, type Out, type Step } from './filter.js';

/** A `Rejection` that got past the types (`any`, JavaScript) rejects rather than being served. */
const wrap = (value: unknown): Out => (value instanceof Rejection ? value : [value]);

/**
 * @internal `then` and `andThen` run alike (a returned `Rejection` rejects);
 * only their types differ: `andThen`'s callback may return one on purpose.
 */
export function thenLike<T extends unknown[], V extends unknown[]>(
  kind: string,
  a: FilterImpl<T>,
  fn: (...values: T) => unknown,
): FilterImpl<V> {
  const apply = (v: Out): Step => {
    if (!Array.isArray(v)) return v;
    const r = fn(...(v as T));
    if (isThenable(r)) return Promise.resolve(r).then(wrap);
    return wrap(r);
  };
  const run = afterRun(a as FilterImpl<unknown[]>, apply);
  return new FilterImpl<V>(kind, run, { leading: a.leading, needs: a.needs, inner: a as FilterImpl<unknown[]> });
}

/** `a.then(fn)`: an async transform that cannot reject (a throw is a 500; see map.ts on rejections). */
export function thenFilter<T extends unknown[], R>(
  a: FilterImpl<T>,
  fn: (...values: T) => R | Promise<R>,
): Filter<[Awaited<R>]> {
  return thenLike<T, [Awaited<R>]>('then', a, fn);
}
