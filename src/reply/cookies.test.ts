/** Signed cookies through the in-process harness, and the serialization rules. */
import { describe, expect, it } from 'vitest';
import { cookie, path, reply } from '../index.js';
import { request } from '../test/index.js';
import { CookieKeys } from './cookies.js';

describe('cookies', () => {
  it('signs with the first secret and verifies with any; rejects other signatures', () => {
    const a = new CookieKeys({ secret: ['k2', 'k1'] });
    const b = new CookieKeys({ secret: 'k1' });
    const signed = b.sign('v.with.dots');
    expect(a.unsign(signed)).toBe('v.with.dots');
    expect(a.unsign(a.sign('x'))).toBe('x');
    expect(b.unsign(a.sign('x'))).toBeUndefined();
    expect(a.unsign('x')).toBeUndefined();
    expect(a.unsign(`${signed}x`)).toBeUndefined();
    expect(() => new CookieKeys({ secret: [] })).toThrow(RangeError);
    expect(() => new CookieKeys({ secret: '' })).toThrow(RangeError);
  });

  it('the harness signs and verifies with the secret it is given', async () => {
    const routes = path('in')
      .map(() => reply.text('ok').cookie('s', 'v', { signed: true }))
      .or(
        path('me')
          .and(cookie.signed('s'))
          .map((v) => v),
      );
    const res = await request().path('/in').cookies({ secret: 'k' }).reply(routes);
    const pair = (res.headers['set-cookie'] as string).split(';')[0] as string;
    const me = await request().path('/me').header('cookie', pair).cookies({ secret: 'k' }).reply(routes);
    expect(me.text()).toBe('v');
    expect((await request().path('/me').header('cookie', pair).cookies({ secret: 'other' }).reply(routes)).status).toBe(
      400,
    );
  });

  it('refuses bad names and values when the cookie is set, not when it is written', () => {
    expect(() => reply.text('x').cookie('bad name', 'v')).toThrow();
    expect(() => reply.text('x').cookie('n', 'v', { domain: 'a;b' })).toThrow();
  });

  it('signed cookies survive status and header changes made after them', async () => {
    const routes = path('in').map(() =>
      reply.text('ok').cookie('s', 'v', { signed: true }).status(201).header('x-a', '1'),
    );
    const res = await request().path('/in').cookies({ secret: 'k' }).reply(routes);
    expect(res.status).toBe(201);
    expect(res.headers['set-cookie']).toMatch(/^s=v\.[\w-]+; Path=\/$/);
  });
});
