import { describe, expect, it } from 'vitest';
import { request } from '../test/index.js';
import { reply } from '../reply/index.js';
import { any } from './any.js';
import { del, get, head, method, options, patch, post, put } from './method.js';
import { path } from './path.js';

// Ported from warp tests/method.rs, plus weft's HEAD and 404-vs-405 rules.
describe('method filters', () => {
  it('matches its method and rejects others with 405', async () => {
    const g = get().and(any()).map(() => reply());
    expect(await request().matches(g)).toBe(true);
    expect(await request().method('POST').matches(g)).toBe(false);
    const res = await request().method('POST').reply(g);
    expect(res.status).toBe(405);
  });

  it('a path that exists only for another method is a 405 (warp cancels_method_not_allowed, modern semantics)', async () => {
    const routes = get()
      .and(path('hello'))
      .map(() => reply())
      .or(post().and(path('bye')).map(() => reply()));
    expect((await request().method('GET').path('/bye').reply(routes)).status).toBe(405);
    expect((await request().method('GET').path('/hello').reply(routes)).status).toBe(200);
    expect((await request().method('DELETE').path('/hello').reply(routes)).status).toBe(405);
  });

  it('answers 404 for a path no route has, even when routes start with a method', async () => {
    const routes = get()
      .and(path('a'))
      .map(() => 'a')
      .or(post().and(path('b')).map(() => 'b'));
    expect((await request().path('/nope').reply(routes)).status).toBe(404);
    expect((await request().method('PUT').path('/nope').reply(routes)).status).toBe(404);
    expect((await request().method('PUT').path('/a').reply(routes)).status).toBe(405);
  });

  it('get() also accepts HEAD and the harness strips the body', async () => {
    const r = get().map(() => 'hello');
    const res = await request().method('HEAD').reply(r);
    expect(res.status).toBe(200);
    expect(res.text()).toBe('');
    expect(await request().method('HEAD').matches(head())).toBe(true);
    expect(await request().method('GET').matches(head())).toBe(false);
  });

  it('each helper matches exactly its method', async () => {
    const cases = [
      [post(), 'POST'],
      [put(), 'PUT'],
      [patch(), 'PATCH'],
      [del(), 'DELETE'],
      [options(), 'OPTIONS'],
      [method('PURGE'), 'PURGE'],
    ] as const;
    for (const [f, m] of cases) {
      expect(await request().method(m).matches(f)).toBe(true);
      expect(await request().method('GET').matches(f)).toBe(false);
    }
    expect(await request().method('purge').matches(method('PURGE'))).toBe(false);
  });

  it('refuses a method name that is not a token', () => {
    expect(() => method('BAD METHOD')).toThrow(TypeError);
  });
});
