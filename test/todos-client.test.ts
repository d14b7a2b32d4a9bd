/**
 * The todos example's routes on a real server (the reactor under test),
 * driven by the typed client as an app would: typed bodies, params, queries
 * and headers in; `data` typed by each route's reply, problems in `error`.
 * Then examples/todos/client.ts, the example's own client script, runs
 * against the same server and finds every answer it expects.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type Todo, type TodoRoutes, todoRoutes } from '../examples/todos/app.js';
import { client } from '../src/client/index.js';
import { type Server, serve } from '../src/index.js';
import { REACTOR } from './reactor.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = await serve(todoRoutes(), { reactor: REACTOR, logger: false }).listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close({ timeoutMs: 100 });
});

describe(`the todos example through the typed client (${REACTOR} reactor)`, () => {
  it('lists, creates, pages, updates and deletes, with typed data', async () => {
    const api = client<TodoRoutes>(base);
    const empty = await api.todos.get();
    expect(empty).toMatchObject({ ok: true, status: 200, data: [] });

    const made = await api.todos.post({ id: 1, text: 'one', completed: false });
    expect(made.status).toBe(201);
    expect(made.headers.get('location')).toBe('/todos/1');
    if (!made.ok) throw new Error('expected 201');
    expectTypeOf(made.data).toEqualTypeOf<Todo>();
    expect(made.data).toEqual({ id: 1, text: 'one', completed: false });
    await api.todos.post({ id: 2, text: 'two', completed: false });
    await api.todos.post({ id: 3, text: 'three', completed: false });

    const page = await api.todos.get({ query: { offset: 1, limit: 1 } });
    if (!page.ok) throw new Error('expected 200');
    expectTypeOf(page.data).toEqualTypeOf<Todo[]>();
    expect(page.data.map((t) => t.text)).toEqual(['two']);

    const done = await api.todos(2).put({ id: 2, text: 'two, done', completed: true });
    expect(done.status).toBe(200);
    expect(done.data?.completed).toBe(true);

    const gone = await api.todos(2).delete({ headers: { authorization: 'Bearer admin' } });
    expect(gone).toMatchObject({ ok: true, status: 204, data: undefined });
    expectTypeOf(gone.data).toEqualTypeOf<undefined>();
    expect((await api.todos.get()).data?.map((t) => t.id)).toEqual([1, 3]);
  });

  it('reads errors as problem+json: a duplicate, a missing id, schema issues, no token', async () => {
    const api = client<TodoRoutes>(base);
    await api.todos.post({ id: 10, text: 'ten', completed: false });

    const dup = await api.todos.post({ id: 10, text: 'again', completed: false });
    expect(dup).toMatchObject({ ok: false, status: 400, data: undefined });
    expect(dup.error).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'todo 10 already exists',
    });
    expect(dup.headers.get('content-type')).toBe('application/problem+json');

    const missing = await api.todos(404).put({ id: 404, text: 'x', completed: false });
    expect(missing.status).toBe(404);
    expect(missing.error?.detail).toBe('todo 404 does not exist');

    const bad = await api.todos.post({ id: -1, text: 'negative', completed: false });
    expect(bad.status).toBe(400);
    expect(bad.error?.issues?.map((i) => i.path)).toEqual([['id']]);

    const paging = await api.todos.get({ query: { limit: 1.5 } });
    expect(paging.status).toBe(400);
    expect(paging.error?.issues?.map((i) => i.path)).toEqual([['limit']]);

    const denied = await api.todos(10).delete();
    expect(denied.status).toBe(401);
    expect(denied.error?.detail).toBe('DELETE needs Authorization: Bearer admin');
    const wrong = await api.todos(10).delete({ headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect((await api.todos(10).delete({ headers: { authorization: 'Bearer admin' } })).status).toBe(204);
    expect((await api.todos(10).delete({ headers: { authorization: 'Bearer admin' } })).error?.status).toBe(404);
  });

  it('examples/todos/client.ts runs against it and gets every answer it expects', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/todos/client.ts', base],
      {
        timeout: 20_000,
      },
    );
    const lines = stdout.split('\n').filter((l) => /^(ok |BAD)/.test(l));
    expect(lines.length).toBe(10); // and it exited 0 (execFile rejects otherwise)
    expect(lines.filter((l) => l.startsWith('BAD'))).toEqual([]);
  });
});
