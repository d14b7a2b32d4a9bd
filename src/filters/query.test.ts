import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidQuery, type Rejection } from '../reply/rejection.js';
import { request } from '../test/index.js';
import { query } from './query.js';

const MyArgs = z.object({ foo: z.string().optional(), baz: z.string().optional() });
const MyRequiredArgs = z.object({ foo: z.string(), baz: z.string() });

// Ported from warp tests/query.rs
describe('query (warp query.rs)', () => {
  it('parses into a map', async () => {
    const [m] = await request()
      .path('/?foo=bar&baz=quux')
      .filter(query(z.record(z.string(), z.string())));
    expect(m.foo).toBe('bar');
    expect(m.baz).toBe('quux');
  });

  it('parses into a struct', async () => {
    expect(await request().path('/?foo=bar&baz=quux').filter(query(MyArgs))).toEqual([{ foo: 'bar', baz: 'quux' }]);
  });

  it('an empty or missing query is an empty struct', async () => {
    expect(await request().path('/?').filter(query(MyArgs))).toEqual([{}]);
    expect(await request().path('/').filter(query(MyArgs))).toEqual([{}]);
  });

  it('required fields present', async () => {
    expect(await request().path('/?foo=bar&baz=quux').filter(query(MyRequiredArgs))).toEqual([
      {
        foo: 'bar',
        baz: 'quux',
      },
    ]);
  });

  it('a partial query rejects with InvalidQuery', async () => {
    const err = (await request()
      .path('/?foo=something')
      .filter(query(MyRequiredArgs))
      .catch((e: unknown) => e)) as Rejection;
    expect(err.find(InvalidQuery)).toBeInstanceOf(InvalidQuery);
  });

  it('a missing required query is a 400 problem with the zod issues', async () => {
    const res = await request()
      .path('/')
      .reply(query(MyRequiredArgs).map(() => 'ok'));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const body = res.json() as { detail: string; issues: { path: string[] }[] };
    expect(body.detail).toBe('Invalid query string');
    expect(body.issues.map((i) => i.path[0]).sort()).toEqual(['baz', 'foo']);
  });

  it('raw() extracts the query string', async () => {
    expect(await request().path('/?foo=bar&baz=quux').filter(query.raw())).toEqual(['foo=bar&baz=quux']);
    expect(await request().path('/').matches(query.raw())).toBe(false);
  });
});

describe('query (weft)', () => {
  it('repeated keys become arrays and values are decoded', async () => {
    const Q = z.object({ tag: z.array(z.string()), q: z.string() });
    expect(await request().path('/?tag=a&tag=b&q=hello%20world+x').filter(query(Q))).toEqual([
      {
        tag: ['a', 'b'],
        q: 'hello world x',
      },
    ]);
  });

  it('coerces with zod and rejects bad numbers', async () => {
    const Q = z.object({ limit: z.coerce.number().int().min(0) });
    expect(await request().path('/?limit=5').filter(query(Q))).toEqual([{ limit: 5 }]);
    expect(await request().path('/?limit=-1').matches(query(Q))).toBe(false);
  });

  it('__proto__ in a query string is a plain key and pollutes nothing', async () => {
    const [out] = await request()
      .path('/?__proto__=x&constructor=y')
      .filter(query(z.record(z.string(), z.string())));
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(out.constructor).toBe('y');
    expect(Object.getPrototypeOf(out) === Object.prototype || Object.getPrototypeOf(out) === null).toBe(true);
  });

  it('a field with z.number() says that query values are text and which schema converts them', async () => {
    const routes = query(z.object({ limit: z.number(), on: z.boolean().optional(), q: z.string() })).map((v) => v);
    const res = await request().path('/?limit=5&on=true&q=x').reply(routes);
    expect(res.status).toBe(400);
    const problem = res.json<{ detail: string; issues: { path: string[] }[] }>();
    expect(problem.detail).toBe(
      'Invalid query string: query values are text, so "limit", "on" cannot match a schema that expects another type; use z.coerce.number() / z.stringbool() in the query schema',
    );
    expect(problem.issues.map((i) => i.path)).toEqual([['limit'], ['on']]);
    // A value of the right kind that fails for another reason keeps the plain detail.
    const coerced = query(z.object({ limit: z.coerce.number<number>().max(10) })).map((v) => v);
    expect((await request().path('/?limit=50').reply(coerced)).json<{ detail: string }>().detail).toBe(
      'Invalid query string',
    );
    expect(await request().path('/?limit=5').filter(coerced)).toEqual([{ limit: 5 }]);
  });
});
