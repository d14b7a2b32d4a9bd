/**
 * Start the chat demo: `npm start`.
 *   PORT (default 3000), HOST (default 127.0.0.1)
 *   WORKERS=n    n workers on the one port (threads on uws, processes on node)
 *   REDIS_URL    join every instance on this Redis into one chat
 * GET /metrics is Prometheus' exposition; GET /health readiness, /health/live liveness.
 */
import { pino } from 'pino';
import { serve, workers } from '../../src/index.js';
import { redis } from '../../src/redis/index.js';
import { metrics } from '../../src/metrics/index.js';
import { Chat } from './app.js';

const logger = pino();
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const count = Number(process.env.WORKERS ?? 0);

async function start(worker: number): Promise<void> {
  const log = logger.child({ worker });
  const backplane = process.env.REDIS_URL
    ? redis(process.env.REDIS_URL, { logger: log, presenceTtlMs: Number(process.env.PRESENCE_TTL_MS ?? 10_000) })
    : undefined;
  // Give Redis a moment at start; if it is down the chat serves locally and joins up when it is back.
  if (backplane && !(await backplane.whenConnected(5000))) log.warn('Redis is not answering yet; starting anyway');
  const m = metrics(); // GET /metrics; with WORKERS=n one scrape sums every worker
  const chat = new Chat({ backplane, worker, logger: log, metrics: m });
  // On shutdown leave Redis cleanly, so the other instances see this one's users go at once.
  const onClose = () => backplane?.close();
  await serve(chat.routes(), { logger: log, signals: count === 0, onClose, metrics: m }).listen({ port, host });
}

if (count > 0) await workers(count, ({ id }) => start(id), { logger });
else await start(0);
