/**
 * Start the chat demo: `npm start`.
 *   PORT (default 3000), HOST (default 127.0.0.1)
 *   WORKERS=n    n workers on the one port (threads on uws, processes on node)
 *   REDIS_URL    join every instance on this Redis into one chat
 *   CHAT_MAX_CONNECTIONS_PER_ADDRESS (64), CHAT_MAX_ROOMS_PER_ADDRESS (16): what one client address may hold
 * GET /metrics is Prometheus' exposition; GET /health readiness, /health/live liveness.
 * The page's script (page/main.ts, on the typed client) is bundled by esbuild at start, in memory.
 */
import { pino } from 'pino';
import { serve, workers } from '../../src/index.js';
import { metrics } from '../../src/metrics/index.js';
import { redis } from '../../src/redis/index.js';
import { Chat, type ChatLimits } from './app.js';
import { bundlePage } from './page.js';

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
  const script = await bundlePage(); // GET /main.js
  const chat = new Chat({ backplane, worker, logger: log, metrics: m, limits: limitsFromEnv(), script });
  // On shutdown leave Redis cleanly, so the other instances see this one's users go at once.
  const onClose = () => backplane?.close();
  await serve(chat.routes(), { logger: log, signals: count === 0, onClose, metrics: m }).listen({ port, host });
}

/** Per-address limits from the environment; unset or invalid values keep the defaults. */
function limitsFromEnv(): Partial<ChatLimits> {
  const read = (name: string): number | undefined => {
    const n = Number(process.env[name]);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const out: Partial<ChatLimits> = {};
  const connections = read('CHAT_MAX_CONNECTIONS_PER_ADDRESS');
  const rooms = read('CHAT_MAX_ROOMS_PER_ADDRESS');
  if (connections !== undefined) out.connectionsPerAddress = connections;
  if (rooms !== undefined) out.roomsPerAddress = rooms;
  return out;
}

if (count > 0) await workers(count, ({ id }) => start(id), { logger });
else await start(0);
