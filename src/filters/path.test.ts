import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidPath, NotFound, type Rejection } from '../reply/rejection.js';
import { request } from '../test/index.js';
import { any } from './any.js';
import { float, int, param, rest, str, uint, uuid } from './params.js';
import { path } from './path.js';

const rejection = async (p: Promise<unknown>): Promise<Rejection> => {
  try {
    await p;
  } catch (e) {
    return e as Rejection;
  }
  throw new Error('expected a rejection');
};

// Ported from warp tests/path.rs
describe('path (warp path.rs)', () => {
  it('matches static segments in sequence', async () => {
    const foo = path.prefix('foo');
    const bar = path.prefix('bar');
    const fooBar = foo.and(bar);
    expect(await request().path('/foo').matches(foo)).toBe(true);
    expect(await request().path('/foo').matches(bar)).toBe(false);
    expect(await request().path('/foo').matches(fooBar)).toBe(false);
    expect(await request().path('/foo/bar').matches(foo)).toBe(true);
    expect(await request().path('/foo/bar').matches(bar)).toBe(false);
    expect(await request().path('/foo/bar').matches(fooBar)).toBe(true);
  });

  it('extracts params and rejects segments that do not parse', async () => {
    const num = path.prefix(uint);
    expect(await request().path('/321').filter(num)).toEqual([321]);
    const s = path.prefix(str);
    expect(await request().path('/warp').filter(s)).toEqual(['warp']);
    expect(await request().path('/warp').matches(num)).toBe(false);
    const combo = num.map((n) => n + 5).and(s);
    expect(await request().path('/42/vroom').filter(combo)).toEqual([47, 'vroom']);
  });

  it('never matches a param against an empty segment', async () => {
    expect(await request().matches(path.prefix(str))).toBe(false);
    expect(
      await request()
        .path('/a//b')
        .matches(path('a', str, 'b')),
    ).toBe(false);
  });

  it('end() matches the root, absolute-form and authority-form requests', async () => {
    const end = path.end();
    expect(await request().path('/').matches(end)).toBe(true);
    expect(await request().path('http://localhost:1234').matches(end)).toBe(true);
    expect(await request().path('http://localhost:1234?q=2').matches(end)).toBe(true);
    expect(await request().path('localhost:1234').matches(end)).toBe(true);
    expect(await request().path('/foo').matches(end)).toBe(false);
    expect(await request().path('/foo').matches(path.prefix('foo').and(end))).toBe(true);
    expect(await request().path('/foo/').matches(path.prefix('foo').and(end))).toBe(true);
  });

  it('tail() extracts the unmatched rest and consumes it', async () => {
    const tail = path.tail();
    expect(await request().path('/42/vroom').filter(tail)).toEqual(['42/vroom']);
    expect(await request().path('/').filter(tail)).toEqual(['']);
    expect(await request().path('/foo/bar?baz=quux').filter(tail)).toEqual(['foo/bar']);
    expect(await request().path('/foo/bar').filter(path.prefix('foo').and(tail))).toEqual(['bar']);
    expect(
      await request()
        .path('/foo/bar')
        .matches(tail.and(path.prefix('foo'))),
    ).toBe(false);
    expect(await request().path('/foo/bar').matches(tail.and(path.end()))).toBe(true);
  });

  it('or() restores the path position between branches', async () => {
    const foo = path.prefix('foo');
    const bar = path.prefix('bar');
    const baz = path.prefix('baz');
    const p = foo.and(bar.or(baz));
    expect(await request().path('/foo/bar').matches(p)).toBe(true);
    expect(await request().path('/foo/baz').matches(p)).toBe(true);
    const fail = () => {
      throw new Error("shouldn't match");
    };
    const deep = foo
      .and(bar.and(baz).map(fail))
      .or(foo.and(baz.and(bar)).map(fail))
      .or(foo.and(bar.and(bar)));
    expect(await request().path('/foo/baz/baz').matches(deep)).toBe(false);
    expect(await request().path('/foo/bar/bar').matches(deep)).toBe(true);
  });

  it('orElse() can supply values after a path rejection', async () => {
    const p = path.prefix('foo').and(path.prefix('bar').orElse(() => []));
    expect(await request().path('/foo/nope').matches(p)).toBe(true);
  });

  it('path(...) mixes statics and params like warp path!', async () => {
    expect(await request().path('/foo/bar').matches(path('foo', 'bar'))).toBe(true);
    expect(await request().path('/foo/bar').filter(path(str, 'bar'))).toEqual(['foo']);
    expect(await request().path('/foo/bar').filter(path('foo', str))).toEqual(['bar']);
  });

  it('full() extracts the whole path regardless of matching', async () => {
    const full = path.full();
    const foo = path.prefix('foo');
    const bar = path.prefix('bar');
    expect(await request().path('/42/vroom').filter(full)).toEqual(['/42/vroom']);
    expect(await request().path('/').filter(full)).toEqual(['/']);
    expect(await request().path('/foo/bar?baz=quux').filter(full)).toEqual(['/foo/bar']);
    expect(await request().path('/foo/bar').filter(foo.and(full))).toEqual(['/foo/bar']);
    expect(await request().path('/foo/bar').filter(full.and(foo))).toEqual(['/foo/bar']);
    expect(
      await request()
        .path('/foo/123')
        .filter(foo.and(path.prefix(uint)).and(full)),
    ).toEqual([123, '/foo/123']);
    expect(await request().path('/foo/bar').matches(full.and(foo).and(bar))).toBe(true);
  });

  it('peek() extracts the unmatched rest without consuming it', async () => {
    const peek = path.peek();
    const foo = path.prefix('foo');
    const bar = path.prefix('bar');
    expect(await request().path('/42/vroom').filter(peek)).toEqual(['42/vroom']);
    expect(await request().path('/').filter(peek)).toEqual(['']);
    expect(await request().path('/foo/bar?baz=quux').filter(peek)).toEqual(['foo/bar']);
    expect(await request().path('/foo/bar').filter(foo.and(peek))).toEqual(['bar']);
    expect(await request().path('/foo/bar').filter(peek.and(foo))).toEqual(['foo/bar']);
    expect(
      await request()
        .path('/foo/123')
        .filter(foo.and(path.prefix(uint)).and(peek)),
    ).toEqual([123, '']);
    expect(await request().path('/foo/bar').matches(peek.and(foo).and(bar))).toBe(true);
  });
});

describe('path (weft)', () => {
  it('path(...) has an implicit end', async () => {
    expect(await request().path('/users').matches(path('users'))).toBe(true);
    expect(await request().path('/users/1').matches(path('users'))).toBe(false);
  });

  it('accepts one trailing slash but not an empty segment in the middle', async () => {
    expect(await request().path('/users/').matches(path('users'))).toBe(true);
    expect(await request().path('/users//').matches(path('users'))).toBe(false);
    expect(await request().path('//users').matches(path('users'))).toBe(false);
  });

  it('path() with no parts matches only the root', async () => {
    expect(await request().path('/').matches(path())).toBe(true);
    expect(await request().path('/x').matches(path())).toBe(false);
  });

  it('extracts typed params in order', async () => {
    const f = path('users', int, 'posts', str);
    expect(await request().path('/users/-7/posts/hello').filter(f)).toEqual([-7, 'hello']);
  });

  it('int, uint, float and uuid parse strictly', async () => {
    expect(await request().path('/12').filter(path(int))).toEqual([12]);
    expect(await request().path('/+12').filter(path(int))).toEqual([12]);
    expect(await request().path('/1.5').matches(path(int))).toBe(false);
    expect(await request().path('/99999999999999999999').matches(path(int))).toBe(false);
    expect(await request().path('/-1').matches(path(uint))).toBe(false);
    expect(await request().path('/0').filter(path(uint))).toEqual([0]);
    expect(await request().path('/1.5e2').filter(path(float))).toEqual([150]);
    expect(await request().path('/abc').matches(path(float))).toBe(false);
    expect(await request().path('/Infinity').matches(path(float))).toBe(false);
    const id = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';
    expect(await request().path(`/${id}`).filter(path(uuid))).toEqual([id.toLowerCase()]);
    expect(await request().path('/not-a-uuid').matches(path(uuid))).toBe(false);
  });

  it('param(schema) validates and transforms a segment', async () => {
    const Slug = z
      .string()
      .regex(/^[a-z-]+$/)
      .transform((s) => s.toUpperCase());
    expect(
      await request()
        .path('/posts/hello-world')
        .filter(path('posts', param(Slug))),
    ).toEqual(['HELLO-WORLD']);
    expect(
      await request()
        .path('/posts/Nope_1')
        .matches(path('posts', param(Slug))),
    ).toBe(false);
  });

  it('a param that fails to parse rejects with not-found', async () => {
    const r = await rejection(request().path('/users/abc').filter(path('users', int)));
    expect(r.find(NotFound)).toBeInstanceOf(NotFound);
    expect(r.status).toBe(404);
  });

  it('percent-decodes segments before matching and parsing', async () => {
    expect(await request().path('/caf%C3%A9').matches(path('café'))).toBe(true);
    expect(await request().path('/%61dmin').matches(path('admin'))).toBe(true);
    expect(await request().path('/a%2Fb').filter(path(str))).toEqual(['a/b']);
    expect(await request().path('/%34%32').filter(path(int))).toEqual([42]);
  });

  it('rejects invalid percent-encoding with 400', async () => {
    const r = await rejection(request().path('/x/%zz').filter(path('x', str)));
    expect(r.find(InvalidPath)).toBeInstanceOf(InvalidPath);
    expect(r.status).toBe(400);
    const res = await request()
      .path('/%E0%A4%A')
      .reply(path(str).map((s) => s));
    expect(res.status).toBe(400);
  });

  it('rest accepts any remaining segments and extracts nothing', async () => {
    const f = path('static', rest);
    expect(await request().path('/static').matches(f)).toBe(true);
    expect(await request().path('/static/a/b/c').matches(f)).toBe(true);
    expect(await request().path('/other/a').matches(f)).toBe(false);
    expect(await request().path('/static/a/b').filter(f.and(path.end()))).toEqual([]);
  });

  it('prefix() leaves the rest for later filters', async () => {
    const api = path.prefix('api', 'v1');
    expect(
      await request()
        .path('/api/v1/users/3')
        .filter(api.and(path('users', uint))),
    ).toEqual([3]);
  });

  it('refuses malformed static segments when the filter is built', () => {
    expect(() => path('a/b')).toThrow(TypeError);
    expect(() => path('')).toThrow(TypeError);
    expect(() => path(rest, 'x')).toThrow(TypeError);
  });

  it('any() matches every request', async () => {
    expect(await request().path('/anything/at/all').matches(any())).toBe(true);
  });
});
