import { afterRun, type Filter, FilterImpl, type Out } from './filter.js';

const flatten = (v: Out): Out => {
  if (!Array.isArray(v)) return v;
  const inner: unknown = v[0];
  if (!Array.isArray(inner)) throw new TypeError('untuple() needs a filter that extracts one tuple');
  return inner;
};

/** `a.untuple()`: `Filter<[[a, b]]>` becomes `Filter<[a, b]>` (warp's `untuple_one`). */
export function untupleFilter<T extends unknown[]>(
  a: FilterImpl<T>,
): Filter<T extends [infer U extends unknown[]] ? U : never> {
  const run = afterRun(a as FilterImpl<unknown[]>, flatten);
  return new FilterImpl<T extends [infer U extends unknown[]] ? U : never>('untuple', run, {
    leading: a.leading,
    needs: a.needs,
    inner: a as FilterImpl<unknown[]>,
  });
}
