import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reply } from '../reply/index.js';
import { request } from '../test/index.js';
import { body } from './body.js';
import { path } from './path.js';

const Nums = z.array(z.number().int());

// Ported from warp tests/body.rs
describe('body filters (warp body.rs)', () => {
  it('bytes() matches any request, with or without a body', async () => {
    expect(await request().path('/nothing-matches-me').matches(body.bytes())).toBe(true);
    expect(await request().path('/body').matches(path('body').and(body.bytes()))).toBe(true);
  });

  it('taking the body twice is a 500 "Request body consumed multiple times"', async () => {
    const double = body
      .bytes()
      .and(body.bytes())
      .map(() => reply());
    const res = await request().reply(double);
    expect(res.status).toBe(500);
    expect((res.json() as { detail: string }).detail).toBe('Request body consumed multiple times');
  });

  it('contentLengthLimit(): 411 without a length, 413 over, 200 under', async () => {
    const limit = body.contentLengthLimit(30).map(() => reply());
    expect((await request().reply(limit)).status).toBe(411);
    expect((await request().header('content-length', '999').reply(limit)).status).toBe(413);
    expect((await request().header('content-length', '2').reply(limit)).status).toBe(200);
  });

  it('json() parses with or without a JSON content type', async () => {
    expect(await request().body('[1, 2, 3]').filter(body.json(Nums))).toEqual([[1, 2, 3]]);
    expect(
      await request().header('content-type', 'application/json').body('[3, 2, 1]').filter(body.json(Nums)),
    ).toEqual([[3, 2, 1]]);
    expect(
      await request()
        .header('content-type', 'application/vnd.api+json; charset=utf-8')
        .body('[1]')
        .filter(body.json(Nums)),
    ).toEqual([[1]]);
  });

  it('json() rejects a wrong content type with 415', async () => {
    const res = await request()
      .header('content-type', 'text/xml')
      .body('[3, 2, 1]')
      .reply(body.json(Nums).map(() => reply()));
    expect(res.status).toBe(415);
  });

  it('json() rejects malformed JSON with 400', async () => {
    const res = await request()
      .body('lol#wat')
      .reply(body.json(Nums).map((v) => reply.json(v)));
    expect(res.status).toBe(400);
    expect((res.json() as { detail: string }).detail).toMatch(/^Request body is not valid JSON/);
  });

  it('form() parses urlencoded bodies', async () => {
    const F = z.object({ foo: z.string(), baz: z.string() });
    expect(await request().body('foo=bar&baz=quux').filter(body.form(F))).toEqual([{ foo: 'bar', baz: 'quux' }]);
  });

  it('form() accepts its content type (with charset) and rejects others with 415', async () => {
    const F = z.object({ foo: z.string() });
    const f = body.form(F).map(() => reply());
    expect(
      (await request().header('content-type', 'application/x-www-form-urlencoded').body('foo=bar').reply(f)).status,
    ).toBe(200);
    expect(
      await request()
        .header('content-type', 'application/x-www-form-urlencoded; charset=utf-8')
        .body('foo=bar')
        .filter(body.form(F)),
    ).toEqual([{ foo: 'bar' }]);
    expect((await request().header('content-type', 'text/xml').body('foo=bar').reply(f)).status).toBe(415);
  });

  it('form() that fails its schema is a 400', async () => {
    const res = await request()
      .body('nope')
      .reply(body.form(z.object({ n: z.coerce.number() })).map(() => reply()));
    expect(res.status).toBe(400);
  });

  it('stream() yields the body', async () => {
    const [s] = await request().body('foo=bar').filter(body.stream());
    const parts: Uint8Array[] = [];
    for await (const c of s) parts.push(c);
    expect(Buffer.concat(parts).toString()).toBe('foo=bar');
  });
});

describe('body filters (weft)', () => {
  const Todo = z.object({ text: z.string().min(1) });

  it('schema failures carry zod issues in the problem body', async () => {
    const res = await request()
      .json({ text: '' })
      .reply(body.json(Todo).map(() => reply()));
    expect(res.status).toBe(400);
    const p = res.json() as { issues: { path: string[]; code: string }[] };
    expect(p.issues[0]?.path).toEqual(['text']);
  });

  it('rejects prototype poisoning with 400', async () => {
    const Any = z.record(z.string(), z.unknown());
    for (const payload of ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}']) {
      const res = await request()
        .body(payload)
        .reply(body.json(Any).map(() => reply()));
      expect(res.status).toBe(400);
    }
    expect(({} as { admin?: boolean }).admin).toBeUndefined();
  });

  it('413 over the limit, whether declared or not', async () => {
    const f = body.text({ limit: 4 }).map((t) => t);
    expect((await request().body('12345').reply(f)).status).toBe(413);
    expect((await request().body('1234').reply(f)).status).toBe(200);
  });

  it('text() rejects invalid UTF-8 with 400', async () => {
    const res = await request()
      .body(new Uint8Array([0xff, 0xfe]))
      .reply(body.text().map((t) => t));
    expect(res.status).toBe(400);
  });

  it('an empty JSON body is a 400', async () => {
    expect(
      (
        await request()
          .method('POST')
          .reply(body.json(Todo).map(() => 'x'))
      ).status,
    ).toBe(400);
  });

  it('refuses a negative limit when the filter is built', () => {
    expect(() => body.text({ limit: -1 })).toThrow(RangeError);
  });
});
