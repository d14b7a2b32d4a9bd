import { type Filter, FilterImpl, type Out, type Step, afterRun } from './filter.js';

/** `a.map(fn)`: a synchronous transform of the extracted values. */
export function mapFilter<T extends unknown[], R>(
  a: FilterImpl<T>,
  fn: (...values: T) => R,
): Filter<[R]> {
  const apply = (v: Out): Out => (Array.isArray(v) ? [fn(...(v as T))] : v);
  const run = afterRun(a as FilterImpl<unknown[]>, apply);
  return new FilterImpl<[R]>('map', run, { leading: a.leading, needs: a.needs, inner: a as FilterImpl<unknown[]> });
}
