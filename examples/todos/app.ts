/**
 * warp's todos example, ported to weft.
 *
 *   GET    /todos?offset=&limit=   list (400 on bad numbers)
 *   POST   /todos                  create from {id, text, completed} (201; 400 if the id exists)
 *   PUT    /todos/:id              replace (200; 404 if missing)
 *   DELETE /todos/:id              needs `Authorization: Bearer admin` (204; 401; 404)
 *
 * Bodies are limited to 16 KiB; other methods on these paths get 405.
 * Each route carries `doc(...)` for the OpenAPI document (server.ts serves it).
 *
 * The routes' type is the API's type: `client<TodoRoutes>(url)` from weft/client
 * calls them with typed bodies, queries and headers and reads typed replies.
 * client.ts does, against a running server:
 *   node --import tsx examples/todos/client.ts [baseUrl]
 */
import { z } from 'zod';
import { body, del, doc, get, header, path, post, put, query, reject, reply, uint } from '../../src/index.js';

export const Todo = z.object({ id: z.number().int().nonnegative(), text: z.string(), completed: z.boolean() });
export type Todo = z.infer<typeof Todo>;

// `z.coerce.number<number>()`: the typed client sends numbers (zod 4 types a plain coerce's input as unknown).
const ListOptions = z.object({
  offset: z.coerce.number<number>().int().min(0).optional(),
  limit: z.coerce.number<number>().int().min(0).optional(),
});

// Rejections, turned into problem+json replies by `recover` at the end. Handlers reject rather than
// return those replies, so each route's reply type is only what it answers on success (what the
// typed client's `data` is) and the client reads the problems as `error`.
/** A missing or wrong admin token: 401. */
class Unauthorized {}
/** POST of an id that exists: 400. */
class TodoExists {
  constructor(readonly id: number) {}
}
/** No todo with this id: 404. */
class TodoMissing {
  constructor(readonly id: number) {}
}

const LIMIT = { limit: 16 * 1024 };
const Problem = z.object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string() });

function problem(status: number, title: string, detail: string) {
  return reply
    .json({ type: 'about:blank', title, status, detail })
    .status(status)
    .header('content-type', 'application/problem+json');
}

/** The todos routes over an in-memory store (pass your own map to share it). */
export function todoRoutes(db: Map<number, Todo> = new Map()) {
  const admin = header
    .optional('authorization')
    .andThen((auth) => (auth === 'Bearer admin' ? ([] as []) : reject.custom(new Unauthorized())))
    .untuple();

  const list = path('todos')
    .and(get())
    .and(query(ListOptions))
    .and(doc({ summary: 'List todos', tags: ['todos'], responses: { 200: z.array(Todo), 400: Problem } }))
    .map(({ offset = 0, limit = Number.MAX_SAFE_INTEGER }) =>
      reply.json([...db.values()].slice(offset, offset + limit)),
    );

  const create = path('todos')
    .and(post())
    .and(body.json(Todo, LIMIT))
    .and(doc({ summary: 'Create a todo', tags: ['todos'], responses: { 201: Todo, 400: Problem, 413: Problem } }))
    .andThen((todo) => {
      if (db.has(todo.id)) return reject.custom(new TodoExists(todo.id));
      db.set(todo.id, todo);
      return reply.json(todo).status(201).header('location', `/todos/${todo.id}`);
    });

  const update = path('todos', uint.as('id'))
    .and(put())
    .and(body.json(Todo, LIMIT))
    .and(doc({ summary: 'Replace a todo', tags: ['todos'], responses: { 200: Todo, 404: Problem } }))
    .andThen((id, todo) => {
      if (!db.has(id)) return reject.custom(new TodoMissing(id));
      db.set(id, { ...todo, id });
      return reply.json({ ...todo, id });
    });

  const remove = path('todos', uint.as('id'))
    .and(del())
    .and(admin)
    .and(
      doc({
        summary: 'Delete a todo (Authorization: Bearer admin)',
        tags: ['todos'],
        responses: { 204: { description: 'Deleted' }, 401: Problem, 404: Problem },
      }),
    )
    .andThen((id) => (db.delete(id) ? reply.empty(204) : reject.custom(new TodoMissing(id))));

  return list
    .or(create)
    .or(update)
    .or(remove)
    .recover((r) => {
      if (r.find(Unauthorized)) return problem(401, 'Unauthorized', 'DELETE needs Authorization: Bearer admin');
      const exists = r.find(TodoExists);
      if (exists) return problem(400, 'Bad Request', `todo ${exists.id} already exists`);
      const missing = r.find(TodoMissing);
      if (missing) return problem(404, 'Not Found', `todo ${missing.id} does not exist`);
      return r;
    });
}

/** The todos routes' type, for the typed client: `client<TodoRoutes>('http://127.0.0.1:3030')`. */
export type TodoRoutes = ReturnType<typeof todoRoutes>;
