/** The `ws` library: broadcast by looping over the clients. */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { PORT, ready } from './common.js';

const wss = new WebSocketServer({ port: PORT, host: '127.0.0.1', path: '/room', maxPayload: 16 * 1024 });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const c of wss.clients) if (c.readyState === WebSocket.OPEN) c.send(data, { binary: isBinary });
  });
});
wss.on('listening', () => ready((wss.address() as AddressInfo).port));
