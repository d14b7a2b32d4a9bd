/** Static files for the static bench: STATIC=weft (files.dir, WEFT_REACTOR picks the reactor) or fastify (@fastify/static). */
import { PORT, ready } from './common.js';

const dir = process.env.STATIC_DIR as string;
if (process.env.STATIC === 'fastify') {
  const { default: Fastify } = await import('fastify');
  const { default: fastifyStatic } = await import('@fastify/static');
  const app = Fastify({ logger: false });
  await app.register(fastifyStatic, { root: dir, prefix: '/static/' });
  await app.listen({ port: PORT, host: '127.0.0.1' });
  const addr = app.server.address();
  ready(typeof addr === 'object' && addr ? addr.port : PORT);
} else {
  const { files, path, serve } = await import('../../src/index.js');
  const server = await serve(path.prefix('static').and(files.dir(dir)), { logger: false }).listen({ port: PORT });
  ready(server.port);
}
