import { combine, type Rejection } from '../reply/rejection.js';
import { resolveMethod } from './allow.js';
import type { Ctx } from './context.js';
import { type Filter, FilterImpl, needsOf, type Out, type Step } from './filter.js';
import { RouteTable } from './route-table.js';

/** From two branches on a table lookup beats the scan: skipping one branch saves more than the lookup costs. */
const TABLE_THRESHOLD = 2;

/**
 * Try `branches[i..]` in order from path position `pos`; the first that
 * extracts wins, otherwise the merged rejection (`prior` merged in). A merged
 * 405 from method filters is checked against the paths of the whole list
 * (`resolveMethod`): 404 unless a path matches, else 405 with `Allow`.
 */
export function runBranches(
  ctx: Ctx,
  list: readonly FilterImpl<unknown[]>[],
  i: number,
  pos: number,
  prior: Rejection | undefined,
): Step {
  let rej = prior;
  const route = ctx.route;
  const upgrade = ctx.upgrade;
  for (; i < list.length; i++) {
    ctx.pos = pos;
    ctx.route = route;
    ctx.upgrade = upgrade;
    const x = (list[i] as FilterImpl<unknown[]>).run(ctx);
    if (x instanceof Promise) {
      const next = i + 1;
      const seen = rej;
      return x.then((v: Out) => {
        if (Array.isArray(v)) return v;
        ctx.noteRejection(v);
        return runBranches(ctx, list, next, pos, seen ? combine(seen, v) : v);
      });
    }
    if (Array.isArray(x)) return x;
    ctx.noteRejection(x);
    rej = rej ? combine(rej, x) : x;
  }
  ctx.pos = pos;
  ctx.route = route;
  ctx.upgrade = upgrade;
  return rej !== undefined && rej.rank === 1 ? resolveMethod(ctx, list, pos, rej) : (rej as Rejection);
}

/**
 * `a.or(b)`: try `a`, and on rejection try `b` from the same path position.
 *
 * Chains of `or` are flattened into one list of branches. A long list is
 * compiled (lazily, on first use) into a table keyed by each branch's first
 * static path segment, so dispatch cost does not grow with the number of
 * routes; the branches it skips are accounted for so the merged rejection is
 * the same one a straight scan would produce (see route-table.ts).
 */
export function orFilter<T extends unknown[], U extends unknown[]>(a: FilterImpl<T>, b: FilterImpl<U>): Filter<T | U> {
  const branches: FilterImpl<unknown[]>[] = [
    ...(a.branches ?? [a as FilterImpl<unknown[]>]),
    ...(b.branches ?? [b as FilterImpl<unknown[]>]),
  ];
  let table: RouteTable | undefined;
  const run = (ctx: Ctx): Step => {
    if (branches.length < TABLE_THRESHOLD) return runBranches(ctx, branches, 0, ctx.pos, undefined);
    table ??= new RouteTable(branches);
    return table.run(ctx);
  };
  return new FilterImpl<T | U>('or', run, { needs: needsOf(a, b), branches });
}
