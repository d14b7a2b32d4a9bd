/** Type-level tests of the typed client: what each kind of route gives a caller, and which calls do not compile. */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  body,
  cors,
  del,
  type Filter,
  float,
  get,
  header,
  int,
  type Message,
  options,
  param,
  patch,
  path,
  post,
  put,
  query,
  reply,
  rest,
  str,
  uint,
  uuid,
  ws,
} from '../index.js';
import type { Problem } from '../reply/problem.js';
import { request } from '../test/index.js';
import { type ClientResponse, type ClientSocket, client, type FormBody, form } from './index.js';

type Data<P> = P extends Promise<ClientResponse<infer D>> ? D : never;

const Todo = z.object({ text: z.string(), done: z.boolean().default(false) });
const Paging = z.object({ offset: z.coerce.number<number>().default(0), limit: z.coerce.number<number>().optional() });
const Required = z.object({ q: z.string() });

describe('params', () => {
  it('each param kind is a call taking its type; rest takes a list of segments', () => {
    const routes = path('i', int)
      .and(get())
      .map((n) => n)
      .or(
        path('u', uint)
          .and(get())
          .map((n) => n),
      )
      .or(
        path('f', float)
          .and(get())
          .map((n) => n),
      )
      .or(
        path('s', str)
          .and(get())
          .map((s) => s),
      )
      .or(
        path('id', uuid)
          .and(get())
          .map((s) => s),
      )
      .or(
        path('z', param(z.enum(['a', 'b'])))
          .and(get())
          .map((s) => s),
      )
      .or(
        path('files', rest)
          .and(get())
          .map(() => 'file'),
      )
      .or(
        path('users', int.as('id'), 'posts', str)
          .and(get())
          .map((id, slug) => ({ id, slug })),
      );
    const api = client<typeof routes>('');
    expectTypeOf(api.i).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(api.u).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(api.f).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(api.s).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(api.id).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(api.z).parameter(0).toEqualTypeOf<'a' | 'b'>();
    expectTypeOf(api.files).parameter(0).toEqualTypeOf<readonly string[]>();
    expectTypeOf<Data<ReturnType<ReturnType<ReturnType<typeof api.users>['posts']>['get']>>>().toEqualTypeOf<{
      id: number;
      slug: string;
    }>();
    // @ts-expect-error an int param takes a number
    api.i('7');
    // @ts-expect-error no such segment
    api.nope;
    // @ts-expect-error a param route is called, not read
    api.i.get();
    // @ts-expect-error the enum param takes only its values
    api.z('c');
  });

  it('path.prefix segments come before the inner routes', () => {
    const inner = path('todos')
      .and(get())
      .map(() => 1);
    const routes = path.prefix('api', 'v1').and(
      inner.or(
        path('ping')
          .and(get())
          .map(() => 'pong'),
      ),
    );
    const api = client<typeof routes>('');
    expectTypeOf<Data<ReturnType<typeof api.api.v1.todos.get>>>().toEqualTypeOf<number>();
    expectTypeOf<Data<ReturnType<typeof api.api.v1.ping.get>>>().toEqualTypeOf<string>();
  });
});

describe('methods', () => {
  it('a route offers the methods it takes; one without a method filter offers all', () => {
    const routes = path('a')
      .and(get())
      .map(() => 1)
      .or(
        path('a')
          .and(del())
          .map(() => reply.empty(204)),
      )
      .or(path('any').map(() => 'x'));
    const api = client<typeof routes>('');
    expectTypeOf(api.a).toHaveProperty('get');
    expectTypeOf(api.a).toHaveProperty('delete');
    expectTypeOf(api.any).toHaveProperty('post');
    expectTypeOf(api.any).toHaveProperty('options');
    expectTypeOf<Data<ReturnType<typeof api.a.delete>>>().toEqualTypeOf<undefined>();
    // @ts-expect-error /a takes no POST
    api.a.post;
  });
});

describe('query and headers', () => {
  it('a query is typed by the schema input, and optional when nothing in it is required', () => {
    const routes = path('list')
      .and(get())
      .and(query(Paging))
      .map((p) => p.offset)
      .or(
        path('search')
          .and(get())
          .and(query(Required))
          .map((q) => q.q),
      );
    const api = client<typeof routes>('');
    void api.list.get();
    void api.list.get({ query: { offset: 1 } });
    void api.search.get({ query: { q: 'x' } });
    // @ts-expect-error q is required, so the options are
    void api.search.get();
    // @ts-expect-error offset is a number
    void api.list.get({ query: { offset: 'x' } });
  });

  it('required headers must be given; optional and exact ones are typed', () => {
    const routes = path('h')
      .and(get())
      .and(header('x-token'))
      .and(header.optional('x-trace'))
      .and(header.exact('x-version', '2'))
      .and(header('x-n', z.coerce.number<number>()))
      .map(() => 1);
    const api = client<typeof routes>('');
    void api.h.get({ headers: { 'x-token': 't', 'x-version': '2', 'x-n': 3 as never } });
    // @ts-expect-error x-token is required
    void api.h.get();
    // @ts-expect-error header.exact takes only its value
    void api.h.get({ headers: { 'x-token': 't', 'x-version': '3', 'x-n': '1' } });
  });
});

describe('bodies', () => {
  it('json, form, text, bytes, multipart and stream bodies come first, typed as the route takes them', () => {
    const routes = path('json')
      .and(post())
      .and(body.json(Todo))
      .map((t) => t)
      .or(
        path('form')
          .and(put())
          .and(body.form(Todo))
          .map(() => 1),
      )
      .or(
        path('text')
          .and(patch())
          .and(body.text())
          .map((t) => t),
      )
      .or(
        path('bytes')
          .and(post())
          .and(body.bytes())
          .map((b) => reply.bytes(b)),
      )
      .or(
        path('multi')
          .and(post())
          .and(body.multipart())
          .map(() => 1),
      )
      .or(
        path('stream')
          .and(post())
          .and(body.stream())
          .map(() => 1),
      )
      .or(
        path('none')
          .and(post())
          .map(() => 1),
      );
    const api = client<typeof routes>('');
    expectTypeOf(api.json.post).parameter(0).toEqualTypeOf<{ text: string; done?: boolean | undefined }>();
    expectTypeOf(api.form.put).parameter(0).toEqualTypeOf<FormBody<{ text: string; done?: boolean | undefined }>>();
    expectTypeOf(api.text.patch).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(api.bytes.post).parameter(0).toEqualTypeOf<Uint8Array>();
    expectTypeOf(api.multi.post).parameter(0).toEqualTypeOf<FormData>();
    expectTypeOf(api.none.post).parameter(0).toEqualTypeOf<undefined>();
    expectTypeOf<Data<ReturnType<typeof api.bytes.post>>>().toEqualTypeOf<Uint8Array>();
    void api.form.put(form({ text: 'x' }));
    void api.none.post();
    // @ts-expect-error text is required
    void api.json.post({ done: true });
    // @ts-expect-error a form route takes form(value), not a plain object (which would be sent as JSON)
    void api.form.put({ text: 'x' });
  });
});

describe('replies', () => {
  it('reply.json carries its value; objects are JSON of their type; strings text; status and with() keep it', () => {
    const routes = path('a')
      .and(get())
      .map(() => reply.json({ id: 1, tags: ['x'] }).status(201))
      .or(
        path('b')
          .and(get())
          .map(() => ({ ok: true as const })),
      )
      .or(
        path('c')
          .and(get())
          .map(() => 'text'),
      )
      .or(
        path('d')
          .and(get())
          .map(() => reply.text('t').header('x-a', '1')),
      )
      .or(
        path('e')
          .and(options())
          .map(() => reply.empty(204)),
      )
      .or(
        path('f')
          .and(get())
          .map(() => reply.json([1, 2]))
          .with(cors()),
      );
    const api = client<typeof routes>('');
    expectTypeOf<Data<ReturnType<typeof api.a.get>>>().toEqualTypeOf<{ id: number; tags: string[] }>();
    expectTypeOf<Data<ReturnType<typeof api.b.get>>>().toEqualTypeOf<{ ok: true }>();
    expectTypeOf<Data<ReturnType<typeof api.c.get>>>().toEqualTypeOf<string>();
    expectTypeOf<Data<ReturnType<typeof api.d.get>>>().toEqualTypeOf<string>();
    expectTypeOf<Data<ReturnType<typeof api.e.options>>>().toEqualTypeOf<undefined>();
    expectTypeOf<Data<ReturnType<typeof api.f.get>>>().toEqualTypeOf<number[]>();
  });

  it('a result is data on 2xx and a problem otherwise, told apart by ok', async () => {
    const routes = path('a')
      .and(get())
      .map(() => ({ n: 1 }));
    const res = await client<typeof routes>('').a.get();
    if (res.ok) {
      expectTypeOf(res.data).toEqualTypeOf<{ n: number }>();
      expectTypeOf(res.error).toEqualTypeOf<undefined>();
    } else {
      expectTypeOf(res.data).toEqualTypeOf<undefined>();
      expectTypeOf(res.error).toEqualTypeOf<Problem>();
    }
    expectTypeOf(res.headers).toEqualTypeOf<Headers>();
  });

  it("a handler after or() types the routes it closes; recover()'s replies are the error path, not data", () => {
    const routes = path('a')
      .and(get())
      .or(path('b').and(get()))
      .map(() => reply.json({ shared: true }))
      .recover((r) => (r.isNotFound() ? reply.text('none') : r));
    const api = client<typeof routes>('');
    expectTypeOf<Data<ReturnType<typeof api.a.get>>>().toEqualTypeOf<{ shared: boolean }>();
    expectTypeOf<Data<ReturnType<typeof api.b.get>>>().toEqualTypeOf<{ shared: boolean }>();
  });

  it('a filter annotated as Filter<[T]> matches but tells the client nothing', () => {
    const auth: Filter<[string]> = header('authorization');
    const routes = path('me')
      .and(get())
      .and(auth)
      .map((a) => ({ a }));
    const api = client<typeof routes>('');
    void api.me.get(); // the header is not known to be required
    expectTypeOf<Data<ReturnType<typeof api.me.get>>>().toEqualTypeOf<{ a: string }>();
  });
});

describe('WebSockets', () => {
  const In = z.object({ type: z.literal('say'), text: z.string() });
  const Out = z.object({ from: z.string(), at: z.date().or(z.string()) });

  it('ws({ receive, send }) types the handler: messages() yields In, send takes Out', () => {
    ws({ receive: In, send: Out }).map((u) =>
      u.onUpgrade(async (socket) => {
        for await (const m of socket.messages()) {
          if (m.success) expectTypeOf(m.data).toEqualTypeOf<{ type: 'say'; text: string }>();
        }
        socket.send({ from: 'a', at: 'now' });
        // @ts-expect-error send takes the send schema's input
        socket.send('raw text');
        socket.sendRaw('raw text');
      }),
    );
    ws().map((u) =>
      u.onUpgrade((socket) => {
        expectTypeOf(socket.send).parameter(0).toEqualTypeOf<string | Uint8Array>();
        for (const _ of [socket]) expectTypeOf(_).toMatchTypeOf<AsyncIterable<Message>>();
      }),
    );
  });

  it('the client socket sends In and iterates Out', async () => {
    const routes = path('chat')
      .and(ws({ receive: In, send: Out }))
      .and(query(z.object({ room: z.string() })))
      .map((u) => u.onUpgrade(() => {}));
    const api = client<typeof routes>('');
    const sock = await api.chat.ws({ query: { room: 'lobby' } });
    expectTypeOf(sock).toEqualTypeOf<
      ClientSocket<{ type: 'say'; text: string }, { from: string; at: string | Date }>
    >();
    sock.send({ type: 'say', text: 'hi' });
    // @ts-expect-error the route receives `say` messages only
    sock.send({ type: 'shout', text: 'hi' });
    // @ts-expect-error room is required
    void api.chat.ws();
    // @ts-expect-error a socket route has no get()
    void api.chat.get;
  });
});

describe('harness', () => {
  it("reply()'s json() is the type of the route a literal method and path reach", async () => {
    const routes = path('todos', int)
      .and(get())
      .map((id) => ({ id }))
      .or(
        path('todos')
          .and(post())
          .and(body.json(Todo))
          .map((t) => reply.json(t).status(201)),
      );
    const one = await request().path('/todos/7').reply(routes);
    expectTypeOf(one.json()).toEqualTypeOf<{ id: number }>();
    const made = await request().method('POST').path('/todos').json({ text: 'x' }).reply(routes);
    expectTypeOf(made.json()).toEqualTypeOf<{ text: string; done: boolean }>();
    const none = await request().path('/elsewhere').reply(routes);
    expectTypeOf(none.json()).toEqualTypeOf<unknown>();
    const dynamic = await request()
      .path(`/todos/${String(7)}` as string)
      .reply(routes);
    expectTypeOf(dynamic.json()).toEqualTypeOf<unknown>();
  });
});
