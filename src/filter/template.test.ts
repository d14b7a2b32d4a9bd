/** Route templates: what metrics and tracing label a request with (through the in-process harness). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { any, body, get, int, param, path, post, reply, rest, str, uuid } from '../index.js';
import { request } from '../test/index.js';

const route = async (filter: Parameters<ReturnType<typeof request>['reply']>[0], p: string, method = 'GET') =>
  (await request().method(method).path(p).reply(filter)).route;

describe('route templates', () => {
  it('show named params by name, unnamed ones by type, numbered when the type repeats', async () => {
    expect(
      await route(
        get()
          .and(path('todos', int.as('id')))
          .map(() => 'x'),
        '/todos/42',
      ),
    ).toBe('/todos/{id}');
    expect(
      await route(
        path('a', int, 'b', int).map(() => 'x'),
        '/a/1/b/2',
      ),
    ).toBe('/a/{int}/b/{int2}');
    expect(
      await route(
        path('u', uuid, 'p', str).map(() => 'x'),
        `/u/${crypto.randomUUID()}/p/x`,
      ),
    ).toBe('/u/{uuid}/p/{str}');
    expect(
      await route(
        path('posts', param(z.string().regex(/^[a-z-]+$/), 'slug')).map(() => 'x'),
        '/posts/hello-world',
      ),
    ).toBe('/posts/{slug}');
    expect(
      await route(
        path.end().map(() => 'x'),
        '/',
      ),
    ).toBe('/');
  });

  it('join the fragments of nested path filters, numbering across them', async () => {
    const api = path
      .prefix('api', int)
      .and(path('items', int))
      .map(() => 'x');
    expect(await route(api, '/api/1/items/2')).toBe('/api/{int}/items/{int2}');
  });

  it('show what rest, tail or an unconsumed prefix leave open as *', async () => {
    expect(
      await route(
        path('static', rest).map(() => 'x'),
        '/static/a/b.css',
      ),
    ).toBe('/static/*');
    expect(
      await route(
        path
          .prefix('files')
          .and(path.tail())
          .map(() => 'x'),
        '/files/a/b',
      ),
    ).toBe('/files/*');
    expect(
      await route(
        path
          .prefix('x')
          .and(any())
          .map(() => 'x'),
        '/x/y/z',
      ),
    ).toBe('/x/*');
  });

  it('keep nothing of a branch that failed', async () => {
    const routes = path
      .prefix('a')
      .and(path('b'))
      .map(() => 'b')
      .or(
        path
          .prefix('a')
          .and(path(int))
          .map(() => 'n'),
      );
    expect(await route(routes, '/a/5')).toBe('/a/{int}');
  });

  it('are "unmatched" for 404 and 405, and the matched route for a rejection past the path (400)', async () => {
    const routes = get()
      .and(path('todos', int))
      .map(() => 'x')
      .or(
        post()
          .and(path('todos'))
          .and(body.json(z.object({ title: z.string() })))
          .map(() => reply.text('ok').status(201)),
      );
    expect(await route(routes, '/nope')).toBe('unmatched');
    expect(await route(routes, '/todos/1', 'DELETE')).toBe('unmatched');
    const bad = await request().method('POST').path('/todos').json({ title: 5 }).reply(routes);
    expect(bad.status).toBe(400);
    expect(bad.route).toBe('/todos');
  });

  it('follow recover: a recovered 404 is unmatched, a recovered 400 keeps its route', async () => {
    const routes = post()
      .and(path('todos'))
      .and(body.json(z.object({ title: z.string() })))
      .map(() => 'ok')
      .recover((r) => reply.text(r.isNotFound() ? 'custom 404' : 'custom 400').status(r.isNotFound() ? 404 : 400));
    expect(await route(routes, '/elsewhere', 'POST')).toBe('unmatched');
    expect((await request().method('POST').path('/todos').json({}).reply(routes)).route).toBe('/todos');
  });

  it('.as() takes identifier-like names only', () => {
    expect(() => int.as('bad name')).toThrow(TypeError);
    expect(() => int.as('{x}')).toThrow(TypeError);
    expect(int.as('id').label).toBe('id');
    expect(int.as('id').name).toBe('int');
  });
});
