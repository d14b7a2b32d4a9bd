/**
 * Start the todos example: `npm run example:todos` (PORT, default 3030; HOST, default 127.0.0.1).
 * GET /metrics is Prometheus' exposition; GET /health readiness, /health/live liveness.
 */
import { pino } from 'pino';
import { health, path, secureHeaders, serve } from '../../src/index.js';
import { metrics } from '../../src/metrics/index.js';
import { todoRoutes } from './app.js';

const logger = pino();
const port = Number(process.env.PORT ?? 3030);
const host = process.env.HOST ?? '127.0.0.1';

const m = metrics();
const routes = path('metrics').and(m.route()).or(health()).or(todoRoutes()).with(secureHeaders());
await serve(routes, { logger, signals: true, metrics: m }).listen({ port, host });
