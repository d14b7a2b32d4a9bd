/**
 * The bench routes by hand for the fetch-API servers (raw `Bun.serve`, raw
 * `Deno.serve`, and Hono's POST and search): what uws-http.ts and
 * node-http.ts answer, written as a plain `fetch` handler would be. The body
 * is read with `req.json()`, as a hand-written Bun or Deno app reads it.
 */
import { JSON_BODY, parseSearch, validTodo } from './common.js';

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };
const JSON_TYPE = { 'content-type': 'application/json' };

let nextTodo = 0;

/** GET /hello/:name, POST /todos, GET /search, GET /json; 404 otherwise. */
export function rawFetch(req: Request): Response | Promise<Response> {
  const url = req.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const q = url.indexOf('?', start);
  const path = q === -1 ? url.slice(start) : url.slice(start, q);
  const method = req.method;
  if (method === 'GET' && path.startsWith('/hello/') && path.length > 7 && path.indexOf('/', 7) === -1)
    return new Response(`Hello, ${decodeURIComponent(path.slice(7))}!`, { headers: TEXT });
  if (method === 'POST' && path === '/todos') return createTodo(req);
  if (method === 'GET' && path === '/search') {
    const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    return searchAnswer(params.get('q'), params.get('page'), req.headers);
  }
  if (method === 'GET' && path === '/json') return new Response(JSON.stringify(JSON_BODY), { headers: JSON_TYPE });
  return new Response('not found', { status: 404 });
}

/** POST /todos: the todo checked by hand, 201 with its id. */
export async function createTodo(req: Request): Promise<Response> {
  let v: unknown;
  try {
    v = await req.json();
  } catch {
    v = undefined;
  }
  if (!validTodo(v)) return new Response('invalid', { status: 400 });
  return new Response(JSON.stringify({ id: ++nextTodo, ...v }), { status: 201, headers: JSON_TYPE });
}

/** GET /search: the query checked by hand, and the two headers. */
export function searchAnswer(q: string | null | undefined, page: string | null | undefined, h: Headers): Response {
  const s = parseSearch(q, page);
  const key = h.get('x-api-key');
  const lang = h.get('accept-language');
  if (!s || !key || !lang) return new Response('invalid', { status: 400 });
  return new Response(JSON.stringify({ q: s.q, page: s.page, key, lang }), { headers: JSON_TYPE });
}
