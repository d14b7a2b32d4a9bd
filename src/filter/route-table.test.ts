import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { header } from '../filters/header.js';
import { del, get, post } from '../filters/method.js';
import { int } from '../filters/params.js';
import { path } from '../filters/path.js';
import { Rejection } from '../reply/rejection.js';
import { request } from '../test/index.js';
import { Ctx } from './context.js';
import { type Filter, impl } from './filter.js';
import { runBranches } from './or.js';

type Part = 'a' | 'b' | 'c' | 'int';
interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE' | null;
  parts: Part[];
  prefix: boolean;
  methodFirst: boolean;
  guard: boolean;
}

function build(spec: RouteSpec, i: number): Filter<[number]> {
  const parts = spec.parts.map((p) => (p === 'int' ? int : p));
  const p = spec.prefix ? path.prefix(...parts) : path(...parts);
  const m: Filter<[]> | null =
    spec.method === 'GET' ? get() : spec.method === 'POST' ? post() : spec.method === 'DELETE' ? del() : null;
  let f: Filter<unknown[]> = p;
  if (m) f = spec.methodFirst ? m.and(p) : p.and(m);
  if (spec.guard) f = f.and(header('x-guard'));
  return f.map(() => i);
}

const routeSpec = fc.record({
  method: fc.constantFrom('GET' as const, 'POST' as const, 'DELETE' as const, null),
  parts: fc.array(fc.constantFrom<Part>('a', 'b', 'c', 'int'), { maxLength: 3 }),
  prefix: fc.boolean(),
  methodFirst: fc.boolean(),
  guard: fc.boolean(),
});
const seg = fc.constantFrom('a', 'b', 'c', '1', 'x', '%zz', '%61', '');
const req = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'HEAD'),
  segs: fc.array(seg, { maxLength: 4 }),
  trailing: fc.boolean(),
  guard: fc.boolean(),
});

/** Outcome as (matched route index) or (rejection status). */
interface Req {
  method: string;
  segs: string[];
  trailing: boolean;
  guard: boolean;
}

async function outcome(run: (ctx: Ctx) => unknown, r: Req) {
  const b = request()
    .method(r.method)
    .path(`/${r.segs.join('/')}${r.trailing ? '/' : ''}`);
  if (r.guard) b.header('x-guard', '1');
  const src = (b as unknown as { source(): ConstructorParameters<typeof Ctx>[0] }).source();
  const out = await run(new Ctx(src));
  return out instanceof Rejection ? { status: out.status } : { route: (out as number[])[0] };
}

describe('route table', () => {
  it('gives exactly the result of a straight scan, for any routes and requests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(routeSpec, { minLength: 8, maxLength: 40 }), req, async (specs, r) => {
        const filters = specs.map(build);
        const routes = filters.reduce((acc: Filter<[number]>, f) => acc.or(f) as Filter<[number]>);
        const table = impl(routes);
        const branches = table.branches ?? [];
        expect(branches.length).toBe(specs.length);
        const viaTable = await outcome((ctx) => table.run(ctx), r);
        const viaScan = await outcome((ctx) => runBranches(ctx, branches, 0, 0, undefined), r);
        expect(viaTable).toEqual(viaScan);
      }),
      { numRuns: 600 },
    );
  });

  it('dispatches 1000 routes to the last one', async () => {
    let routes: Filter<[string]> = get()
      .and(path('r0'))
      .map(() => 'r0');
    for (let i = 1; i < 1000; i++)
      routes = routes.or(
        get()
          .and(path(`r${i}`, int))
          .map((n) => `r${i}:${n}`),
      );
    expect(await request().path('/r999/5').filter(routes)).toEqual(['r999:5']);
    expect((await request().path('/nope').reply(routes)).status).toBe(404);
    expect((await request().method('POST').path('/r999/5').reply(routes)).status).toBe(405);
  });
});
