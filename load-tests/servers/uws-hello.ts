/** Raw uWebSockets.js: GET /hello/:name by hand (the baseline). */
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

const uws = createRequire(import.meta.url)('uWebSockets.js') as typeof UWS;
const app = uws.App();
app.get('/hello/:name', (res, req) => {
  const name = req.getParameter(0);
  res.writeStatus('200 OK').writeHeader('content-type', 'text/plain; charset=utf-8').end(`Hello, ${name}!`);
});
app.any('/*', (res) => {
  res.writeStatus('404 Not Found').end('not found');
});
app.listen('127.0.0.1', Number(process.env.PORT ?? 0), (ls) => {
  if (!ls) throw new Error('listen failed');
  process.stdout.write(`${JSON.stringify({ port: uws.us_socket_local_port(ls as never) })}\n`);
});
