import { Rejection } from '../reply/rejection.js';
import { type Accepted, afterRun, type Filter, FilterImpl, isThenable, type Out, type Step } from './filter.js';

const wrap = (value: unknown): Out => (value instanceof Rejection ? value : [value]);

/** `a.andThen(fn)`: like `then`, but `fn` may return a `Rejection` to reject. */
export function andThenFilter<T extends unknown[], R>(
  a: FilterImpl<T>,
  fn: (...values: T) => R | Promise<R>,
): Filter<[Accepted<R>]> {
  const apply = (v: Out): Step => {
    if (!Array.isArray(v)) return v;
    const r = fn(...(v as T));
    if (isThenable(r)) return Promise.resolve(r).then(wrap);
    return wrap(r);
  };
  const run = afterRun(a as FilterImpl<unknown[]>, apply);
  return new FilterImpl<[Accepted<R>]>('andThen', run, {
    leading: a.leading,
    needs: a.needs,
    inner: a as FilterImpl<unknown[]>,
  });
}
