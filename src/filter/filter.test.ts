import { describe, expect, it } from 'vitest';
import { any } from '../filters/any.js';
import { header } from '../filters/header.js';
import { int, uint } from '../filters/params.js';
import { path } from '../filters/path.js';
import { reply } from '../reply/index.js';
import { NotFound, Rejection, reject } from '../reply/rejection.js';
import { request } from '../test/index.js';

// Ported from warp tests/filter.rs
describe('combinators (warp filter.rs)', () => {
  const str1 = any().map(() => 'warp');
  const true1 = any().map(() => true);
  const unit1 = any();

  it('and() flattens tuples: empty tuples vanish, values concatenate in order', async () => {
    expect(await request().filter(str1)).toEqual(['warp']);
    expect(await request().filter(unit1)).toEqual([]);
    expect(await request().filter(str1.and(true1))).toEqual(['warp', true]);
    expect(await request().filter(true1.and(str1))).toEqual([true, 'warp']);
    expect(await request().filter(str1.and(unit1))).toEqual(['warp']);
    expect(await request().filter(unit1.and(str1))).toEqual(['warp']);
    expect(await request().filter(str1.and(str1).and(true1))).toEqual(['warp', 'warp', true]);
    expect(await request().filter(str1.and(unit1).and(true1))).toEqual(['warp', true]);
    expect(await request().filter(unit1.and(str1).and(true1))).toEqual(['warp', true]);
    expect(await request().filter(str1.and(true1).and(unit1))).toEqual(['warp', true]);
    const strTrueUnit = str1.and(true1).and(unit1);
    const unitStrTrue = unit1.and(str1).and(true1);
    expect(await request().filter(strTrueUnit.and(unitStrTrue))).toEqual(['warp', true, 'warp', true]);
    expect(await request().filter(unitStrTrue.and(unit1).and(str1).and(strTrueUnit))).toEqual([
      'warp',
      true,
      'warp',
      'warp',
      true,
    ]);
  });

  it('and() chains run as one list: async parts in the middle, the same tuple on every run', async () => {
    const shared = ['a'];
    const a = any().andThen(() => shared[0] as string);
    const later = any().then(async () => 2);
    const chain = a.and(a).and(later.and(true1)).and(a.and(unit1));
    for (let i = 0; i < 3; i++) expect(await request().filter(chain)).toEqual(['a', 'a', 2, true, 'a']);
    expect(shared).toEqual(['a']);
    // A part that rejects ends the chain: the parts after it do not run.
    let ran = 0;
    const counted = any().map(() => ++ran);
    const stop = any().andThen(() => reject.notFound());
    expect(await request().matches(counted.and(stop).and(counted).and(later.and(counted)))).toBe(false);
    expect(ran).toBe(1);
  });

  it('map() to a reply can be served', async () => {
    const res = await request().reply(any().map(() => reply()));
    expect(res.status).toBe(200);
  });

  it('or() with an infallible branch always extracts', async () => {
    const f = path.prefix(uint).or(any().map(() => 41));
    expect(await request().filter(f)).toEqual([41]);
    expect(await request().path('/7').filter(f)).toEqual([7]);
  });

  it('orElse() supplies values on rejection', async () => {
    const f = path.prefix(uint).orElse(async () => [44] as [number]);
    expect(await request().path('/33').filter(f)).toEqual([33]);
    expect(await request().filter(f)).toEqual([44]);
  });

  it('orElse() can reject again', async () => {
    const f = path.prefix(uint).orElse((r) => r);
    expect(await request().matches(f)).toBe(false);
  });

  it('recover() re-rejecting keeps the original status; recovering replies', async () => {
    const s = path.prefix(uint).map((n) => String(n));
    const f = s.recover(async (err) => err);
    const ok = await request().path('/12').reply(f);
    expect(ok.status).toBe(200);
    expect(ok.text()).toBe('12');
    const res = await request().reply(f);
    expect(res.status).toBe(404);
    const shh = s.recover(() => 'shh');
    expect(await request().filter(shh)).toEqual(['shh']);
  });

  it('unify() on two branches of the same type extracts one value', async () => {
    const f = path.prefix(uint).or(path.prefix(uint)).unify();
    expect(await request().path('/1').filter(f)).toEqual([1]);
  });

  it('untuple() flattens a tuple extracted as one value', async () => {
    const f = any()
      .map(() => [1, 'a'] as [number, string])
      .untuple();
    expect(await request().filter(f)).toEqual([1, 'a']);
  });

  it('a Rejection that reaches map() or then() past the types is honoured as that rejection, never a 200 body', async () => {
    // A cast (or `any`, or plain JavaScript) gets past the compile-time check.
    const smuggled = (): string => reject.notFound() as unknown as string;
    const viaMap = path('notes', int).map(smuggled);
    const res = await request().path('/notes/9').reply(viaMap);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.text()).not.toContain('reasons');
    const viaThen = path('notes', int).then(async () => smuggled());
    expect((await request().path('/notes/9').reply(viaThen)).status).toBe(404);
    // It rejects like any rejection: the next branch of an `or` gets its turn.
    const routes = viaMap.or(path('notes', int).map(() => 'fallback'));
    expect((await request().path('/notes/9').reply(routes)).text()).toBe('fallback');
  });

  it('then() awaits an async transform', async () => {
    const f = path.prefix(uint).then(async (n) => n * 2);
    expect(await request().path('/21').filter(f)).toEqual([42]);
  });

  it('andThen() rejects when the function returns a Rejection', async () => {
    class Nope {}
    const f = path.prefix(uint).andThen(async (n) => (n > 10 ? n : reject.custom(new Nope())));
    expect(await request().path('/11').filter(f)).toEqual([11]);
    const err = await request()
      .path('/3')
      .filter(f)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Rejection);
    expect((err as Rejection).find(Nope)).toBeInstanceOf(Nope);
    const res = await request().path('/3').reply(f.map(String));
    expect(res.status).toBe(500);
  });

  it('a thrown error in a handler is a 500, not a rejection', async () => {
    const f = any().map(() => {
      throw new Error('boom');
    });
    const res = await request().reply(f);
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json()).toMatchObject({ status: 500, title: 'Internal Server Error' });
    expect(res.text()).not.toContain('boom');
  });

  it('a filter is not a promise: awaiting one fails loudly instead of hanging', async () => {
    const f = any();
    await expect(
      (async () => {
        await (f as unknown as Promise<unknown>);
      })(),
    ).rejects.toThrow(/not a promise/);
  });

  it('negation (warp negate): header absent passes, present rejects', async () => {
    const f = header.optional('warp').andThen((v) => (v === undefined ? 'ok' : reject()));
    expect(await request().filter(f)).toEqual(['ok']);
    expect(await request().header('warp', 'speed').matches(f)).toBe(false);
  });

  it('rejections say what did not match', async () => {
    const err = (await request()
      .path('/x')
      .filter(path('y'))
      .catch((e: unknown) => e)) as Rejection;
    expect(err.find(NotFound)?.status).toBe(404);
    expect(err.isNotFound()).toBe(true);
  });
});
