import { describe, expect, it } from 'vitest';
import { request } from '../test/index.js';
import { cookie, findCookie } from './cookie.js';

// Ported from warp tests/cookie.rs
describe('cookie filters', () => {
  it('cookie(name) finds the named cookie', async () => {
    const foo = cookie('foo');
    expect(await request().header('cookie', 'foo=bar').filter(foo)).toEqual(['bar']);
    expect(await request().header('cookie', 'abc=def; foo=baz').filter(foo)).toEqual(['baz']);
    expect(await request().header('cookie', 'abc=def').matches(foo)).toBe(false);
    expect(await request().header('cookie', 'foobar=quux').matches(foo)).toBe(false);
  });

  it('optional(name) never rejects', async () => {
    const foo = cookie.optional('foo');
    expect(await request().header('cookie', 'foo=bar').filter(foo)).toEqual(['bar']);
    expect(await request().header('cookie', 'abc=def; foo=baz').filter(foo)).toEqual(['baz']);
    expect(await request().header('cookie', 'abc=def').filter(foo)).toEqual([undefined]);
    expect(await request().header('cookie', 'foobar=quux').matches(foo)).toBe(true);
  });

  it('a missing cookie is a 400', async () => {
    expect((await request().reply(cookie('sid'))).status).toBe(400);
  });

  it('strips quotes and ignores malformed pairs', () => {
    expect(findCookie('a; b="x y"; c=1', 'b')).toBe('x y');
    expect(findCookie('garbage;;=;c=3', 'c')).toBe('3');
    expect(findCookie(undefined, 'c')).toBeUndefined();
  });
});
