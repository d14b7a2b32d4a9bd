/**
 * `testClient(routes)`: the typed client (`weft/client`), answered in process
 * by the harness instead of a server: the same calls and types as
 * `client<typeof routes>(url)`, no network.
 */
import { type ClientOptions, client } from '../client/client.js';
import type { Client } from '../client/types.js';
import type { Filter } from '../filter/filter.js';
import type { Replyable } from '../reply/reply.js';
import { request } from './request.js';

/** Options of `testClient`. */
export interface TestClientOptions {
  /** Headers sent with every request. */
  readonly headers?: ClientOptions['headers'];
}

async function answer(routes: Filter<[Replyable]>, url: string, init: RequestInit): Promise<Response> {
  const req = new Request(url, init);
  const u = new URL(req.url);
  let b = request()
    .method(req.method)
    .path(u.pathname + u.search);
  req.headers.forEach((value, name) => {
    b = b.header(name, value);
  });
  if (req.body !== null) b = b.body(new Uint8Array(await req.arrayBuffer()));
  const res = await b.reply(routes);
  const empty = res.status === 204 || res.status === 304 || req.method === 'HEAD';
  return new Response(empty ? null : (res.body as Uint8Array<ArrayBuffer>), {
    status: res.status,
    headers: res.rawHeaders.map(([n, v]) => [n, v]),
  });
}

/**
 * A typed client of `routes` that runs each request through the harness.
 * WebSocket routes are tested with `wsRequest()` instead.
 *
 * @example
 * const api = testClient(routes);
 * const res = await api.todos.post({ text: 'x' });
 * expect(res.status).toBe(201);
 */
export function testClient<F extends Filter<[Replyable]>>(routes: F, options: TestClientOptions = {}): Client<F> {
  return client<F>('http://weft.test', {
    headers: options.headers,
    fetch: (url, init) => answer(routes, url, init),
  });
}
