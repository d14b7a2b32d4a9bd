/**
 * The typed client (`weft/client`) against a real server on the reactor under
 * test: each kind of param, query, body and reply goes over the wire and
 * comes back as the server saw it; errors arrive as problem+json; a typed
 * socket sends and receives JSON both ways. The same routes through the
 * harness's `testClient` give the same answers.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { ClientMessageError, client, form } from '../src/client/index.js';
import {
  body,
  del,
  get,
  head,
  header,
  int,
  path,
  post,
  put,
  query,
  reply,
  rest,
  type Server,
  serve,
  str,
  uuid,
  ws,
} from '../src/index.js';
import { testClient } from '../src/test/index.js';
import { REACTOR } from './reactor.js';

const Todo = z.object({ text: z.string().min(1), done: z.boolean().default(false) });
const Search = z.object({
  q: z.string(),
  page: z.coerce.number<number>().int().default(1),
  tag: z.array(z.string()).default([]),
});
const Login = z.object({ user: z.string(), remember: z.stringbool().optional() });
const Say = z.object({ type: z.literal('say'), text: z.string() });
const Said = z.object({ from: z.string(), text: z.string(), n: z.number() });

let nextId = 1;
const todos = new Map<number, { id: number; text: string; done: boolean }>();

const routes = path('todos')
  .and(get())
  .and(query(Search))
  .map((s) => reply.json({ search: s, items: [...todos.values()] }))
  .or(
    path('todos')
      .and(post())
      .and(body.json(Todo))
      .map((t) => {
        const todo = { id: nextId++, ...t };
        todos.set(todo.id, todo);
        return reply.json(todo).status(201).header('location', `/todos/${todo.id}`);
      }),
  )
  .or(
    path('todos', int)
      .and(get())
      .map((id) => todos.get(id) ?? reply.empty(404)),
  )
  .or(
    path('todos', int)
      .and(del())
      .and(header('x-token'))
      .map((id, token) => (token === 'let-me' && todos.delete(id) ? reply.empty(204) : reply.empty(403))),
  )
  .or(
    path('users', uuid, 'posts', str)
      .and(get())
      .map((user, slug) => `${user}|${slug}`),
  )
  .or(
    path('files', rest)
      .and(path.full())
      .and(get())
      .map((full) => ({ full })),
  )
  .or(
    path('login')
      .and(post())
      .and(body.form(Login))
      .map((l) => ({ user: l.user, remember: l.remember ?? false })),
  )
  .or(
    path('echo')
      .and(put())
      .and(body.text())
      .map((t) => reply.text(t.toUpperCase())),
  )
  .or(
    path('bytes')
      .and(post())
      .and(body.bytes())
      .map((b) => reply.bytes(b.slice().reverse())),
  )
  .or(
    path('upload')
      .and(post())
      .and(body.multipart())
      .then(async (parts) => {
        const names: string[] = [];
        for await (const p of parts) {
          if (p.kind === 'file') for await (const _ of p.stream);
          names.push(p.name);
        }
        return { names };
      }),
  )
  .or(
    path('ping')
      .and(head())
      .map(() => reply.empty(200)),
  )
  .or(
    path('whoami')
      .and(get())
      .and(header.optional('authorization'))
      .map((a) => ({ auth: a ?? null })),
  )
  .or(
    path('chat')
      .and(ws({ receive: Say, send: Said }))
      .and(query(z.object({ name: z.string() })))
      .map((upgrade, who) =>
        upgrade.onUpgrade(async (socket) => {
          let n = 0;
          for await (const m of socket.messages()) {
            if (!m.success) socket.sendRaw('not json at all');
            else socket.send({ from: who.name, text: m.data.text, n: n++ });
          }
        }),
      ),
  );

let server: Server;
let base: string;
beforeAll(async () => {
  server = await serve(routes, { reactor: REACTOR, logger: false }).listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close({ timeoutMs: 100 });
});

describe(`typed client on the ${REACTOR} reactor`, () => {
  it('sends a typed query as the server parses it (arrays repeat the key) and reads typed JSON', async () => {
    const api = client<typeof routes>(base);
    const res = await api.todos.get({ query: { q: 'a&b c', page: 2, tag: ['x', 'y z'] } });
    expect(res.status).toBe(200);
    expect(res.error).toBeUndefined();
    expect(res.data?.search).toEqual({ q: 'a&b c', page: 2, tag: ['x', 'y z'] });
  });

  it('posts a JSON body, keeps the status and headers the handler set, and reads the created value', async () => {
    const api = client<typeof routes>(base);
    const res = await api.todos.post({ text: 'write tests' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(/^\/todos\/\d+$/);
    if (!res.ok) throw new Error('expected 2xx');
    expect(res.data).toMatchObject({ text: 'write tests', done: false });
    const got = await api.todos(res.data.id).get();
    expect(got.data).toEqual(res.data);
  });

  it('answers a body that fails validation with the problem+json error and its zod issues', async () => {
    const api = client<typeof routes>(base);
    const res = await api.todos.post({ text: '' });
    expect(res.ok).toBe(false);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.error?.title).toBe('Bad Request');
    expect(res.error?.issues?.[0]?.path).toEqual(['text']);
  });

  it('turns a non-problem error body into a problem with the status', async () => {
    const api = client<typeof routes>(base);
    const res = await api.todos(999_999).get();
    expect(res.status).toBe(404);
    expect(res.error).toMatchObject({ status: 404 });
  });

  it('sends required headers, and the client-wide headers with every call', async () => {
    const api = client<typeof routes>(base, { headers: () => ({ authorization: 'Bearer t' }) });
    const made = await api.todos.post({ text: 'to delete' });
    if (!made.ok) throw new Error('expected 2xx');
    expect((await api.todos(made.data.id).delete({ headers: { 'x-token': 'nope' } })).status).toBe(403);
    const gone = await api.todos(made.data.id).delete({ headers: { 'x-token': 'let-me' } });
    expect(gone.status).toBe(204);
    expect(gone.data).toBeUndefined();
    expect((await api.whoami.get()).data).toEqual({ auth: 'Bearer t' });
  });

  it('encodes params as one segment each, and rest as a list of segments', async () => {
    const api = client<typeof routes>(base);
    const id = '0b7e1f3c-5a55-4a8e-9f43-2c1d1e0f9a10';
    const res = await api.users(id).posts('a b/c?d').get();
    expect(res.data).toBe(`${id}|a b/c?d`);
    const files = await api.files(['docs', 'read me.md']).get();
    expect(files.data).toEqual({ full: '/files/docs/read%20me.md' });
  });

  it('sends form, text, bytes and multipart bodies as their routes take them', async () => {
    const api = client<typeof routes>(base);
    expect((await api.login.post(form({ user: 'ann', remember: 'true' }))).data).toEqual({
      user: 'ann',
      remember: true,
    });
    expect((await api.echo.put('shout')).data).toBe('SHOUT');
    const bytes = await api.bytes.post(new Uint8Array([1, 2, 3]));
    expect(bytes.data).toEqual(new Uint8Array([3, 2, 1]));
    const fd = new FormData();
    fd.append('title', 'hello');
    fd.append('file', new Blob(['abc']), 'a.txt');
    expect((await api.upload.post(fd)).data).toEqual({ names: ['title', 'file'] });
  });

  it('HEAD gives a status and no body', async () => {
    const api = client<typeof routes>(base);
    const res = await api.ping.head();
    expect(res.status).toBe(200);
    expect(res.data).toBeUndefined();
  });

  it('rejects only when no answer came: an aborted call', async () => {
    const api = client<typeof routes>(base);
    const ac = new AbortController();
    ac.abort();
    await expect(api.todos.get({ query: { q: 'x' }, signal: ac.signal })).rejects.toThrow();
  });

  it('opens a typed socket: sends the receive type, iterates the send type in order', async () => {
    const api = client<typeof routes>(base, { WebSocket: WebSocket as never });
    const sock = await api.chat.ws({ query: { name: 'ann' } });
    sock.send({ type: 'say', text: 'one' });
    sock.send({ type: 'say', text: 'two' });
    const got: { from: string; text: string; n: number }[] = [];
    for await (const ev of sock) {
      got.push(ev);
      if (got.length === 2) break;
    }
    expect(got).toEqual([
      { from: 'ann', text: 'one', n: 0 },
      { from: 'ann', text: 'two', n: 1 },
    ]);
    sock.close();
    expect((await sock.closed()).code).toBe(1000);
  });

  it('checks arriving messages with the schema it is given: a bad one ends the iteration with ClientMessageError', async () => {
    const api = client<typeof routes>(base, { WebSocket: WebSocket as never });
    const sock = await api.chat.ws({ query: { name: 'bob' }, schema: Said });
    sock.raw.send('{"type":"nonsense"}'); // the server answers a message it cannot read with text that is not JSON
    const it = sock[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toBeInstanceOf(ClientMessageError);
    sock.close();
  });

  it('a socket call to a route that refuses the upgrade rejects', async () => {
    const api = client<typeof routes>(base, { WebSocket: WebSocket as never });
    // The chat route requires `name`; without it the handshake is refused with 400.
    await expect(api.chat.ws({ query: {} as { name: string } })).rejects.toThrow(/before it opened/);
  });
});

describe('testClient: the same calls answered in process', () => {
  it('gives the answers the server gives', async () => {
    const api = testClient(routes);
    const made = await api.todos.post({ text: 'in process' });
    expect(made.status).toBe(201);
    if (!made.ok) throw new Error('expected 2xx');
    expect((await api.todos(made.data.id).get()).data).toEqual(made.data);
    expect((await api.todos.post({ text: '' })).error?.status).toBe(400);
    expect((await api.login.post(form({ user: 'cy' }))).data).toEqual({ user: 'cy', remember: false });
    expect((await api.ping.head()).status).toBe(200);
  });
});
