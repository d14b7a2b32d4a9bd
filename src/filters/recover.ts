import { Rejection } from '../reply/rejection.js';
import { type Accepted, type Filter, FilterImpl, type Out, type Step, isThenable, afterRun } from './filter.js';

const wrap = (value: unknown): Out => (value instanceof Rejection ? value : [value]);

/**
 * `a.recover(fn)`: turn a rejection into a reply. Returning a `Rejection`
 * (usually the one received) keeps rejecting.
 */
export function recoverFilter<T extends unknown[], R>(
  a: FilterImpl<T>,
  fn: (rejection: Rejection) => R | Promise<R>,
): Filter<[T[0] | Accepted<R>]> {
  const apply = (v: Out): Step => {
    if (Array.isArray(v)) return v;
    const r = fn(v);
    if (isThenable(r)) return Promise.resolve(r).then(wrap);
    return wrap(r);
  };
  const run = afterRun(a as FilterImpl<unknown[]>, apply);
  return new FilterImpl<[T[0] | Accepted<R>]>('recover', run, { needs: a.needs });
}
