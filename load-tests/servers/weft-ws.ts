/**
 * weft: every message a client sends is broadcast to the room through a channel with native fan-out.
 * REDIS_URL: the room is the named channel `room` on a Redis backplane (scale-out bench).
 */
import { channel, path, serve, ws } from '../../src/index.js';
import { PORT, ready } from './common.js';

// weft/redis (and ioredis) load only for the scale-out bench: the idle-socket RSS is measured without them.
const backplane = process.env.REDIS_URL
  ? (await import('../../src/redis/index.js')).redis(process.env.REDIS_URL, { prefix: 'bench:' })
  : undefined;
if (backplane) await backplane.whenConnected(10_000);
const [tx, rx] = channel<string>(1024, backplane ? { name: 'room', backplane } : {});
rx.unsubscribe();
await tx.ready();
const routes = path('room')
  .and(ws({ maxPayload: 16 * 1024, maxBackpressure: 4 * 1024 * 1024, idleTimeout: 0 }))
  .map((u) =>
    u.onUpgrade(async (socket) => {
      socket.subscribe(tx);
      for await (const m of socket) tx.send(m.text());
    }),
  );
const server = await serve(routes, { logger: false }).listen({ port: PORT });
ready(server.port);
// A clean exit on SIGTERM lets `--cpu-prof` write its profile.
process.on('SIGTERM', () => process.exit(0));
