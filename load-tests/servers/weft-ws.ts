/** weft: every message a client sends is broadcast to the room through a channel with native fan-out. */
import { channel, path, serve, ws } from '../../src/index.js';
import { PORT, ready } from './common.js';

const [tx, rx] = channel<string>(1024);
rx.unsubscribe();
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
