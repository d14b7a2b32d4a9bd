/**
 * The todos API from the other side: weft's typed client (`weft/client`)
 * driving a running todos server. Nothing is generated: the calls and the
 * types of their answers are read from `typeof routes` (`TodoRoutes`).
 *
 *   npm run example:todos                                   # in one terminal
 *   node --import tsx examples/todos/client.ts [baseUrl]    # in another (default http://127.0.0.1:3030)
 *
 * It lists, creates, reads back, updates and deletes a todo, and shows the
 * errors: a duplicate id, a body that fails the schema (`error.issues`), a
 * delete without the admin token. It exits 1 if an answer is not the one
 * expected.
 */
import { client } from '../../src/client/index.js';
import type { TodoRoutes } from './app.js';

const base = process.argv[2] ?? 'http://127.0.0.1:3030';
const api = client<TodoRoutes>(base);
let failed = false;

/** Print a step; note it when the status is not the expected one. */
function step(what: string, status: number, expected: number, shown: unknown): void {
  const ok = status === expected;
  if (!ok) failed = true;
  console.log(`${ok ? 'ok ' : 'BAD'} ${what}: ${status}${ok ? '' : ` (expected ${expected})`}`, shown);
}

// List: `data` is Todo[].
const all = await api.todos.get();
step('GET /todos', all.status, 200, all.data);
const id = Math.max(0, ...(all.data ?? []).map((t) => t.id)) + 1;

// Create: the body is typed by the route's schema; `data` is the Todo, `headers` the response's.
const made = await api.todos.post({ id, text: 'try the typed client', completed: false });
step(`POST /todos (id ${id})`, made.status, 201, { data: made.data, location: made.headers.get('location') });

// Read it back: the list takes offset and limit (numbers, sent in the query string).
const count = (all.data ?? []).length;
const one = await api.todos.get({ query: { offset: count, limit: 1 } });
step(`GET /todos?offset=${count}&limit=1`, one.status, 200, one.data?.[0]);

// Update: the param is a call (`path('todos', uint)`), the method last.
const done = await api.todos(id).put({ id, text: 'try the typed client', completed: true });
step(`PUT /todos/${id}`, done.status, 200, done.data?.completed === true ? 'completed' : done.data);

// Errors are problem+json in `error`; a body that fails the schema lists zod's issues.
const dup = await api.todos.post({ id, text: 'again', completed: false });
step(`POST /todos (id ${id} again)`, dup.status, 400, dup.error?.detail);
const bad = await api.todos.post({ id: -1, text: 'negative id', completed: false });
step(
  'POST /todos (id -1)',
  bad.status,
  400,
  bad.error?.issues?.map((i) => `${i.path.join('.')}: ${i.message}`),
);
const notFound = await api.todos(999_999_999).put({ id: 999_999_999, text: 'x', completed: false });
step('PUT /todos/999999999', notFound.status, 404, notFound.error?.detail);

// Delete needs the admin token (a header option): 401 without, then 204, then 404.
const denied = await api.todos(id).delete();
step(`DELETE /todos/${id} (no token)`, denied.status, 401, denied.error?.title);
const gone = await api.todos(id).delete({ headers: { authorization: 'Bearer admin' } });
step(`DELETE /todos/${id}`, gone.status, 204, gone.data);
const again = await api.todos(id).delete({ headers: { authorization: 'Bearer admin' } });
step(`DELETE /todos/${id} (again)`, again.status, 404, again.error?.detail);

process.exitCode = failed ? 1 : 0;
