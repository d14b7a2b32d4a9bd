/**
 * 404 or 405: which methods the routes serve at the request's path.
 *
 * A method filter rejects with 405 before it knows whether the rest of its
 * route would match the path (`get().and(path('notes', uint))` checks the
 * method first), so `or` cannot take the 405 at its word. When the merged
 * rejection of a list of branches is such a 405, `resolveMethod` walks the
 * branches' structure, matching only their path filters against the request
 * path and collecting the methods each matching route takes:
 *
 * - no route's path matches: 404;
 * - a route's path matches and it takes this method (it rejected for its own
 *   reasons, e.g. a handler's not-found): that route's 404;
 * - otherwise 405 with `Allow` listing the methods (HEAD comes with GET).
 *
 * This is independent of route order and of where the method filter sits in
 * a route. It runs only when the answer would be a 405, never on the hot path.
 */
import { isRouted405, methodNotAllowed, notFoundOf, type Rejection } from '../reply/rejection.js';
import type { Ctx } from './context.js';
import type { FilterImpl } from './filter.js';

/** Methods a route takes (`undefined`: any). */
type Methods = ReadonlySet<string> | undefined;

/** A way a route can match the path: where it leaves the path position, and which methods it takes. */
interface Outcome {
  readonly pos: number;
  readonly methods: Methods;
}

const PATH_KINDS = new Set(['path', 'path.prefix', 'path.end', 'path.tail']);

function intersect(a: Methods, b: Methods): Methods {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return new Set([...a].filter((m) => b.has(m)));
}

/** The methods a leaf filter takes, when it checks the method. */
function leafMethods(f: FilterImpl<unknown[]>): Methods {
  if (f.methods !== undefined) return f.methods;
  if (f.pure && f.leading.length > 0) {
    let out: Methods;
    for (const c of f.leading) if (c.kind === 'method') out = intersect(out, c.methods);
    return out;
  }
  return undefined;
}

/** Every way `f` can match the request path from `pos`, looking at path and method filters only. */
function probe(f: FilterImpl<unknown[]>, ctx: Ctx, pos: number): Outcome[] {
  if (f.branches !== undefined) return f.branches.flatMap((b) => probe(b, ctx, pos));
  if (f.parts !== undefined) {
    let outs: Outcome[] = [{ pos, methods: undefined }];
    for (const part of f.parts) {
      outs = outs.flatMap((o) =>
        probe(part, ctx, o.pos).map((p) => ({ pos: p.pos, methods: intersect(o.methods, p.methods) })),
      );
      if (outs.length === 0) break;
    }
    return outs;
  }
  if (PATH_KINDS.has(f.kind)) {
    // Path filters only read the path; run them for real, then put the position back.
    ctx.pos = pos;
    const out = f.run(ctx);
    return Array.isArray(out) ? [{ pos: ctx.pos, methods: undefined }] : [];
  }
  if (f.inner !== undefined && f.methods === undefined) return probe(f.inner, ctx, pos);
  return [{ pos, methods: leafMethods(f) }];
}

/** Order methods the way people list them, so `Allow` does not depend on route order. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
function byUsualOrder(a: string, b: string): number {
  const i = ORDER.indexOf(a);
  const j = ORDER.indexOf(b);
  if (i >= 0 && j >= 0) return i - j;
  if (i >= 0) return -1;
  if (j >= 0) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * @internal the answer a list of branches gives when their merged rejection
 * `rej` is a routing 405 (anything else is returned as it is).
 */
export function resolveMethod(
  ctx: Ctx,
  list: readonly FilterImpl<unknown[]>[],
  pos: number,
  rej: Rejection,
): Rejection {
  if (!isRouted405(rej)) return rej;
  const method = ctx.req.method;
  const savedPos = ctx.pos;
  const savedRoute = ctx.route;
  const allowed = new Set<string>();
  let served = false;
  try {
    for (const branch of list) {
      for (const o of probe(branch, ctx, pos)) {
        if (o.methods === undefined || o.methods.has(method)) served = true;
        else for (const m of o.methods) allowed.add(m);
      }
      if (served) break;
    }
  } finally {
    ctx.pos = savedPos;
    ctx.route = savedRoute;
  }
  if (served || allowed.size === 0) return notFoundOf(rej);
  return methodNotAllowed([...allowed].sort(byUsualOrder), rej);
}
