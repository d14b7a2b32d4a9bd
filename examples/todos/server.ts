/**
 * Start the todos example: `npm run example:todos` (PORT, default 3030; HOST, default 127.0.0.1).
 * GET /openapi.json is the API's OpenAPI 3.1 document, derived from the filters;
 * GET /docs/ renders it (swagger-ui-dist, served by files.dir).
 * GET /metrics is Prometheus' exposition; GET /health readiness, /health/live liveness.
 * client.ts calls this server with the typed client: `node --import tsx examples/todos/client.ts`.
 */
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { files, get, health, openapi, path, reply, secureHeaders, serve } from '../../src/index.js';
import { metrics } from '../../src/metrics/index.js';
import { todoRoutes } from './app.js';

const logger = pino();
const port = Number(process.env.PORT ?? 3030);
const host = process.env.HOST ?? '127.0.0.1';

const api = todoRoutes();
const spec = openapi(api, {
  info: { title: 'weft todos', version: '1.0.0', description: "warp's todos example, ported to weft" },
});

// Swagger UI's own files, with an initializer that points it at our document.
const swaggerDir = (
  createRequire(import.meta.url)('swagger-ui-dist') as { getAbsoluteFSPath(): string }
).getAbsoluteFSPath();
const INITIALIZER = `window.onload = () => {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });
};\n`;
const docs = get()
  .and(path('docs', 'swagger-initializer.js'))
  .map(() => reply.text(INITIALIZER).header('content-type', 'text/javascript; charset=utf-8'))
  .or(path.prefix('docs').and(files.dir(swaggerDir, { maxAge: 3600 })))
  // Swagger UI sets inline styles: its pages get the CSP without a nonce (so 'unsafe-inline' styles apply).
  .with(secureHeaders({ nonce: false }));

const m = metrics();
const routes = get()
  .and(path('openapi.json'))
  .map(() => reply.json(spec))
  .or(path('metrics').and(m.route()))
  .or(health())
  .or(api)
  .with(secureHeaders())
  .or(docs);
await serve(routes, { logger, signals: true, metrics: m }).listen({ port, host });
