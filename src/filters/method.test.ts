import { describe, expect, it } from 'vitest';
import type { Filter } from '../filter/filter.js';
import { reply } from '../reply/index.js';
import { MethodNotAllowed, NotFound, reject } from '../reply/rejection.js';
import type { Replyable } from '../reply/reply.js';
import { request } from '../test/index.js';
import { any } from './any.js';
import { del, get, head, method, options, patch, post, put } from './method.js';
import { uint } from './params.js';
import { path } from './path.js';

/** The notes service of a first hour with weft: GET and DELETE /notes/:uint, POST /notes, in every arrangement. */
function notesRoutes(methodFirst: boolean, reversed: boolean): Filter<[Replyable]> {
  const notes = new Map([[1, { id: 1, text: 'first' }]]);
  const at = <T extends unknown[]>(m: Filter<[]>, p: Filter<T>): Filter<T> => (methodFirst ? m.and(p) : p.and(m));
  const routes: Filter<[Replyable]>[] = [
    at(get(), path('notes', uint)).andThen((id) => notes.get(id) ?? reject.with(new NotFound(`No note ${id}`))),
    at(del(), path('notes', uint)).map((id) => reply.empty(notes.delete(id) ? 204 : 404)),
    at(post(), path('notes')).map(() => reply.empty(201)),
  ];
  if (reversed) routes.reverse();
  return routes.reduce((a, b) => a.or(b));
}
const arrangements = [false, true].flatMap((methodFirst) =>
  [false, true].map((reversed) => ({ methodFirst, reversed })),
);

// Ported from warp tests/method.rs, plus weft's HEAD and 404-vs-405 rules.
describe('method filters', () => {
  it('matches its method and rejects others with 405', async () => {
    const g = get()
      .and(any())
      .map(() => reply());
    expect(await request().matches(g)).toBe(true);
    expect(await request().method('POST').matches(g)).toBe(false);
    const res = await request().method('POST').reply(g);
    expect(res.status).toBe(405);
  });

  it('a path that exists only for another method is a 405 (warp cancels_method_not_allowed, modern semantics)', async () => {
    const routes = get()
      .and(path('hello'))
      .map(() => reply())
      .or(
        post()
          .and(path('bye'))
          .map(() => reply()),
      );
    expect((await request().method('GET').path('/bye').reply(routes)).status).toBe(405);
    expect((await request().method('GET').path('/hello').reply(routes)).status).toBe(200);
    expect((await request().method('DELETE').path('/hello').reply(routes)).status).toBe(405);
  });

  it('answers 404 for a path no route has, even when routes start with a method', async () => {
    const routes = get()
      .and(path('a'))
      .map(() => 'a')
      .or(
        post()
          .and(path('b'))
          .map(() => 'b'),
      );
    expect((await request().path('/nope').reply(routes)).status).toBe(404);
    expect((await request().method('PUT').path('/nope').reply(routes)).status).toBe(404);
    expect((await request().method('PUT').path('/a').reply(routes)).status).toBe(405);
  });

  it('answers 404 for an unknown id whose handler rejects not-found, in every route order and arrangement', async () => {
    for (const { methodFirst, reversed } of arrangements) {
      const res = await request().path('/notes/999').reply(notesRoutes(methodFirst, reversed));
      expect({ methodFirst, reversed, status: res.status }).toEqual({ methodFirst, reversed, status: 404 });
      expect((res.json() as { detail: string }).detail).toBe('No note 999');
      expect(res.headers.allow).toBeUndefined();
    }
  });

  it('answers 404 for a path whose param does not parse, in every route order and arrangement', async () => {
    for (const { methodFirst, reversed } of arrangements) {
      const routes = notesRoutes(methodFirst, reversed);
      for (const m of ['GET', 'DELETE', 'PUT']) {
        const res = await request().method(m).path('/notes/abc').reply(routes);
        expect({ methodFirst, reversed, m, status: res.status }).toEqual({ methodFirst, reversed, m, status: 404 });
      }
    }
  });

  it("answers 405 with an Allow header listing the path's methods (HEAD with GET), in every route order and arrangement", async () => {
    for (const { methodFirst, reversed } of arrangements) {
      const routes = notesRoutes(methodFirst, reversed);
      const put1 = await request().method('PUT').path('/notes/1').reply(routes);
      expect(put1.status).toBe(405);
      expect(put1.headers.allow).toBe('GET, HEAD, DELETE');
      const del1 = await request().method('DELETE').path('/notes').reply(routes);
      expect(del1.status).toBe(405);
      expect(del1.headers.allow).toBe('POST');
      expect((await request().path('/notes/1').reply(routes)).json()).toEqual({ id: 1, text: 'first' });
    }
  });

  it('lists OPTIONS in Allow where a route serves it, and answers a route served alone by the same rule', async () => {
    const routes = path('a')
      .and(options())
      .map(() => reply.empty(204))
      .or(
        path('a')
          .and(put())
          .map(() => 'put'),
      );
    expect((await request().method('GET').path('/a').reply(routes)).headers.allow).toBe('PUT, OPTIONS');
    const alone = get()
      .and(path('only'))
      .map(() => 'x');
    const res = await request().method('POST').path('/only').reply(alone);
    expect([res.status, res.headers.allow]).toEqual([405, 'GET, HEAD']);
    expect((await request().method('POST').path('/other').reply(alone)).status).toBe(404);
  });

  it("keeps a handler's own 405 as it is", async () => {
    const routes = get()
      .and(path('x'))
      .andThen(() => reject.with(new MethodNotAllowed('not today')))
      .or(
        post()
          .and(path('y'))
          .map(() => 'y'),
      );
    const res = await request().path('/x').reply(routes);
    expect(res.status).toBe(405);
    expect((res.json() as { detail: string }).detail).toBe('not today');
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
