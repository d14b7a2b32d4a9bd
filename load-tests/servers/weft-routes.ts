/**
 * The weft bench routes, shared by the bench server (weft-http.ts) and the
 * in-process harness (../inprocess.ts), so both time the same filters.
 * `routeCount - 1` routes stand before /hello/:name. The weft module is a
 * parameter: the bench server passes the built package it was pointed at.
 */
import { z } from 'zod';
import type { Filter, Reply } from '../../src/index.js';
import { JSON_BODY } from './common.js';

const Person = z.object({ name: z.string().min(1).max(64), age: z.number().int().min(0).max(150) });
const Todo = z.object({
  title: z.string().min(1).max(200),
  done: z.boolean(),
  priority: z.number().int().min(1).max(5),
  tags: z.array(z.string().max(32)).max(10),
});
const Search = z.object({ q: z.string().min(1).max(100), page: z.coerce.number().int().min(1).max(1000).default(1) });

/** The weft entry point, from the source or a built `dist/`. */
export type Weft = typeof import('../../src/index.js');

export function benchRoutes(weft: Weft, routeCount = 1): Filter<[Reply]> {
  const { body, get, header, path, post, query, reply, str } = weft;
  let nextTodo = 0;
  let routes: Filter<[Reply]> = get()
    .and(path('json'))
    .map(() => reply.json(JSON_BODY))
    .or(
      post()
        .and(path('echo'))
        .and(body.json(Person))
        .map((p) => reply.json(p)),
    )
    .or(
      post()
        .and(path('todos'))
        .and(body.json(Todo))
        .map((t) => reply.json({ id: ++nextTodo, ...t }).status(201)),
    )
    .or(
      get()
        .and(path('search'))
        .and(query(Search))
        .and(header('x-api-key'))
        .and(header('accept-language'))
        .map((q, key, lang) => reply.json({ q: q.q, page: q.page, key, lang })),
    );
  for (let i = 1; i < routeCount; i++)
    routes = routes.or(
      get()
        .and(path(`r${i}`, str))
        .map((s) => reply.text(s)),
    );
  return routes.or(
    get()
      .and(path('hello', str))
      .map((name) => reply.text(`Hello, ${name}!`)),
  );
}
