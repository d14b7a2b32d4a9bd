/** weft: the HTTP bench routes; ROUTES=n puts n-1 routes before /hello/:name. */
import { z } from 'zod';
import { type Filter, type Reply, body, get, path, post, reply, serve, str } from '../../src/index.js';
import { JSON_BODY, PORT, ROUTES, ready } from './common.js';

const Person = z.object({ name: z.string().min(1).max(64), age: z.number().int().min(0).max(150) });

let routes: Filter<[Reply]> = get()
  .and(path('json'))
  .map(() => reply.json(JSON_BODY))
  .or(post().and(path('echo')).and(body.json(Person)).map((p) => reply.json(p)));
for (let i = 1; i < ROUTES; i++) routes = routes.or(get().and(path(`r${i}`, str)).map((s) => reply.text(s)));
routes = routes.or(get().and(path('hello', str)).map((name) => reply.text(`Hello, ${name}!`)));

const server = await serve(routes, { logger: false }).listen({ port: PORT });
ready(server.port);
