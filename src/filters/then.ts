import { type Filter, FilterImpl, type Out, type Step, isThenable, afterRun } from './filter.js';

/** `a.then(fn)`: an async transform that cannot reject (a throw is a 500). */
export function thenFilter<T extends unknown[], R>(
  a: FilterImpl<T>,
  fn: (...values: T) => R | Promise<R>,
): Filter<[Awaited<R>]> {
  const apply = (v: Out): Step => {
    if (!Array.isArray(v)) return v;
    const r = fn(...(v as T));
    if (isThenable(r)) return Promise.resolve(r).then((value) => [value]);
    return [r];
  };
  const run = afterRun(a as FilterImpl<unknown[]>, apply);
  return new FilterImpl<[Awaited<R>]>('then', run, { leading: a.leading, needs: a.needs, inner: a as FilterImpl<unknown[]> });
}
