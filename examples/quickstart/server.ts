/** The README's first example, kept compiling by `npm test` (tsc). Run: node --import tsx examples/quickstart/server.ts */
import { z } from 'zod';
import { body, get, int, path, post, reply, serve, str } from '../../src/index.js';

const hello = get()
  .and(path('hello', str)) // Filter<[string]>
  .map((name) => reply.text(`Hello, ${name}!`));

const NewUser = z.object({ name: z.string().min(1) });
const create = post()
  .and(path('users'))
  .and(body.json(NewUser, { limit: 16 * 1024 })) // Filter<[{ name: string }]>
  .map((user) => reply.json(user).status(201));

const getUser = get()
  .and(path('users', int)) // Filter<[number]>
  .map((id) => ({ id })); // objects are served as JSON

export const routes = hello.or(create).or(getUser);

const server = await serve(routes, { signals: true }).listen({
  port: Number(process.env.PORT ?? 3000),
});
void server;
