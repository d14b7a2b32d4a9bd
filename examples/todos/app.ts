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
 */
import { z } from 'zod';
import { body, del, doc, get, header, path, post, put, query, reject, reply, uint } from '../../src/index.js';

export const Todo = z.object({ id: z.number().int().nonnegative(), text: z.string(), completed: z.boolean() });
export type Todo = z.infer<typeof Todo>;

const ListOptions = z.object({
  offset: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(0).optional(),
});

/** The rejection for a missing or wrong admin token; `recover` turns it into a 401. */
class Unauthorized {}

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
    .map((todo) => {
      if (db.has(todo.id)) return problem(400, 'Bad Request', `todo ${todo.id} already exists`);
      db.set(todo.id, todo);
      return reply.json(todo).status(201).header('location', `/todos/${todo.id}`);
    });

  const update = path('todos', uint.as('id'))
    .and(put())
    .and(body.json(Todo, LIMIT))
    .and(doc({ summary: 'Replace a todo', tags: ['todos'], responses: { 200: Todo, 404: Problem } }))
    .map((id, todo) => {
      if (!db.has(id)) return problem(404, 'Not Found', `todo ${id} does not exist`);
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
    .map((id) => (db.delete(id) ? reply.empty(204) : problem(404, 'Not Found', `todo ${id} does not exist`)));

  return list
    .or(create)
    .or(update)
    .or(remove)
    .recover((r) =>
      r.find(Unauthorized) ? problem(401, 'Unauthorized', 'DELETE needs Authorization: Bearer admin') : r,
    );
}
