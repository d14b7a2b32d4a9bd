/** weft: GET /hello/:name, with ROUTES=n routes in front of it (hello is the last). */
import { type Filter, get, path, reply, serve, str } from '../../src/index.js';
import type { Reply } from '../../src/index.js';

const n = Number(process.env.ROUTES ?? 1);
let routes: Filter<[Reply]> = get()
  .and(path('hello', str))
  .map((name) => reply.text(`Hello, ${name}!`));
if (n > 1) {
  let many: Filter<[Reply]> = get().and(path('r0', str)).map((s) => reply.text(s));
  for (let i = 1; i < n - 1; i++) many = many.or(get().and(path(`r${i}`, str)).map((s) => reply.text(s)));
  routes = many.or(routes);
}
const server = await serve(routes, { logger: false }).listen({ port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
