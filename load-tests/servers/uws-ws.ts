/** Raw uWebSockets.js pub/sub: the fan-out baseline. */
import { loadBinding } from '../../src/reactor/uws/binding.js';
import { PORT, ready } from './common.js';

// The same binding weft's uws reactor loads (and the same head cap).
const binding = loadBinding(16384);
if (binding instanceof Error) throw binding;
const uws = binding.uws;
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
