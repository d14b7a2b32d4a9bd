import { NOT_FOUND, type Rejection } from '../reply/rejection.js';
import type { Ctx } from './context.js';
import { type Check, type Filter, FilterImpl, needsOf, type Out, type Step } from './filter.js';

const NONE: unknown[] = [];

/** `acc` followed by `x`; `acc` is appended to in place only when `owned` (made here, seen by no one else). */
function append(acc: unknown[], owned: boolean, x: unknown[]): unknown[] {
  if (owned) {
    for (let i = 0; i < x.length; i++) acc.push(x[i]);
    return acc;
  }
  if (acc.length === 0) return x;
  // Not `concat`: V8's generic concat (isConcatSpreadable checks) costs more than the copy for tuples this small.
  const out = new Array<unknown>(acc.length + x.length);
  for (let i = 0; i < acc.length; i++) out[i] = acc[i];
  for (let i = 0; i < x.length; i++) out[acc.length + i] = x[i];
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

/** The static checks `parts[from..]` make first, run as one conjunction. */
function leadingOf(parts: readonly FilterImpl<unknown[]>[], from: number): Check[] {
  const out: Check[] = [];
  for (let i = from; i < parts.length; i++) {
    const p = parts[i] as FilterImpl<unknown[]>;
    out.push(...p.leading);
    if (!p.pure) break;
  }
  return out;
}

/** A part that only checks the method: its 405 may be a 404 (see `andFilter`). */
const methodOnly = (f: FilterImpl<unknown[]>) =>
  f.pure && f.leading.length > 0 && f.leading.every((c) => c.kind === 'method');

/**
 * Run `parts[i..]` in order, appending what each extracts to `acc`; the
 * first rejection ends the run. Stays synchronous while the parts are.
 */
function runParts(
  ctx: Ctx,
  parts: readonly FilterImpl<unknown[]>[],
  refine: readonly (readonly Check[] | undefined)[],
  i: number,
  acc: unknown[],
  owned: boolean,
): Step {
  for (; i < parts.length; i++) {
    const x = (parts[i] as FilterImpl<unknown[]>).run(ctx);
    if (x instanceof Promise) {
      const at = i;
      return x.then((v: Out) => {
        if (!Array.isArray(v)) return rejected(ctx, refine[at], v);
        if (v.length === 0) return runParts(ctx, parts, refine, at + 1, acc, owned);
        return runParts(ctx, parts, refine, at + 1, append(acc, owned, v), owned || acc.length > 0);
      });
    }
    if (!Array.isArray(x)) return rejected(ctx, refine[i], x);
    if (x.length > 0) {
      const next = append(acc, owned, x);
      owned = owned || acc.length > 0;
      acc = next;
    }
  }
  return acc;
}

function rejected(ctx: Ctx, path: readonly Check[] | undefined, r: Rejection): Rejection {
  return path !== undefined && r.rank === 1 && pathMismatch(ctx, path) ? NOT_FOUND : r;
}

/**
 * `a.and(b)`: run `a`, then `b`; concatenate what they extract.
 *
 * Chains of `and` are flattened into one list of parts, run in a loop: no
 * call per level of the chain and no tuple per intermediate join.
 *
 * A shortcut of the 404-vs-405 rule (allow.ts): when a method filter rejects
 * (405) and the static path segments of the parts after it do not match
 * either, the rejection is 404 at once. The route table in `or` relies on
 * this; `or` settles the cases a static check cannot (params).
 */
export function andFilter<T extends unknown[], U extends unknown[]>(
  a: FilterImpl<T>,
  b: FilterImpl<U>,
): Filter<[...T, ...U]> {
  const parts: FilterImpl<unknown[]>[] = [
    ...(a.kind === 'and' && a.parts !== undefined ? a.parts : [a as FilterImpl<unknown[]>]),
    ...(b.kind === 'and' && b.parts !== undefined ? b.parts : [b as FilterImpl<unknown[]>]),
  ];
  const refine = parts.map((p, i) => {
    if (!methodOnly(p)) return undefined;
    const path = leadingOf(parts, i + 1).filter((c) => c.kind !== 'method');
    return path.length > 0 ? path : undefined;
  });
  const run = (ctx: Ctx): Step => runParts(ctx, parts, refine, 0, NONE, false);
  return new FilterImpl<[...T, ...U]>('and', run, {
    leading: a.pure ? [...a.leading, ...b.leading] : a.leading,
    pure: a.pure && b.pure,
    needs: needsOf(a, b),
    parts,
  });
}
