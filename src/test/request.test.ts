import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { get, header, path, query, reply } from '../index.js';
import { request } from './index.js';

const Paging = z.object({ limit: z.coerce.number<number>().int(), tag: z.array(z.string()).optional() });
const echo = get()
  .and(path('echo'))
  .and(header.optional('x-token'))
  .and(query(Paging))
  .map((token, q) => reply.json({ token, q }));

describe('the in-process request builder', () => {
  it('header() takes names in any case and a later call replaces the earlier value', async () => {
    const res = await request().path('/echo?limit=1').header('X-Token', 'one').header('x-token', 'two').reply(echo);
    expect(res.json<{ token: string }>().token).toBe('two');
  });

  it('query() encodes values and repeats array keys, after any query the path has', async () => {
    const res = await request()
      .path('/echo?limit=3')
      .query({ tag: ['a b', 'c&d'] })
      .reply(echo);
    expect(res.json()).toEqual({ q: { limit: 3, tag: ['a b', 'c&d'] } });
    const only = await request().path('/echo').query({ limit: 7 }).reply(echo);
    expect(only.json()).toEqual({ q: { limit: 7 } });
  });

  it('json<T>() parses the body as the type asked for, and throws on a body that is not JSON', async () => {
    const res = await request().path('/echo').query({ limit: 2 }).reply(echo);
    const body = res.json<{ q: { limit: number } }>();
    expect(body.q.limit + 1).toBe(3);
    const text = await request().reply(get().map(() => 'plain'));
    expect(() => text.json()).toThrow(SyntaxError);
  });
});
