/** Raw uWebSockets.js pub/sub: the fan-out baseline. */
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';
import { PORT, ready } from './common.js';

const uws = createRequire(import.meta.url)('uWebSockets.js') as typeof UWS;
const app = uws.App();
app.ws('/room', {
  maxPayloadLength: 16 * 1024,
  maxBackpressure: 4 * 1024 * 1024,
  idleTimeout: 0,
  open: (ws) => {
    ws.subscribe('room');
  },
  message: (_ws, message, isBinary) => {
    app.publish('room', message, isBinary);
  },
});
app.listen('127.0.0.1', PORT, (ls) => {
  if (!ls) throw new Error('listen failed');
  ready(uws.us_socket_local_port(ls as never));
});
