import type { Accepted, Filter, FilterImpl } from './filter.js';
import { thenLike } from './then.js';

/** `a.andThen(fn)`: like `then`, but `fn` may return a `Rejection` to reject. */
export function andThenFilter<T extends unknown[], R>(
  a: FilterImpl<T>,
  fn: (...values: T) => R | Promise<R>,
): Filter<[Accepted<R>]> {
  return thenLike<T, [Accepted<R>]>('andThen', a, fn);
}
