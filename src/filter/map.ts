import { Rejection } from '../reply/rejection.js';
import { afterRun, type Filter, FilterImpl, type Out } from './filter.js';

/**
 * `a.map(fn)`: a synchronous transform of the extracted values. Its type
 * keeps `fn` from returning a `Rejection`; one returned anyway (through
 * `any`, or from JavaScript) rejects rather than being served as a value.
 */
export function mapFilter<T extends unknown[], R>(a: FilterImpl<T>, fn: (...values: T) => R): Filter<[R]> {
  const apply = (v: Out): Out => {
    if (!Array.isArray(v)) return v;
    const r = fn(...(v as T));
    return r instanceof Rejection ? r : [r];
  };
  const run = afterRun(a as FilterImpl<unknown[]>, apply);
  return new FilterImpl<[R]>('map', run, { leading: a.leading, needs: a.needs, inner: a as FilterImpl<unknown[]> });
}
