/**
 * The abort bench's servers (KIND): `weft-uws` / `weft-node` (weft with its
 * default logger, to stdout), `raw-uws` / `raw-node` (the same upload route by
 * hand, nothing logged). Each serves `POST /upload` (reads the whole body) and
 * `GET /stats`: the longest event-loop stall (ms) and CPU time (ms) since the
 * last `/stats`, and how many uploads ended unanswered.
 */
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { body, get, path, post, reply, serve } from '../../src/index.js';
import { loadBinding } from '../../src/reactor/uws/binding.js';
import { PORT, ready } from './common.js';

const KIND = process.env.KIND ?? 'weft-uws';
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let cpu0 = process.cpuUsage();
let unanswered = 0;

function stats(): string {
  const cpu = process.cpuUsage(cpu0);
  const out = JSON.stringify({ stallMs: delay.max / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, unanswered });
  delay.reset();
  cpu0 = process.cpuUsage();
  return out;
}

if (KIND === 'weft-uws' || KIND === 'weft-node') {
  const routes = post()
    .and(path('upload'))
    .and(body.bytes({ limit: 1024 * 1024 }))
    .map((b) => reply.text(String(b.byteLength)))
    .or(
      get()
        .and(path('stats'))
        .map(() => reply.json(JSON.parse(stats()) as unknown)),
    );
  const s = await serve(routes, { reactor: KIND === 'weft-uws' ? 'uws' : 'node' }).listen({ port: PORT });
  // weft counts unanswered requests in its log; the stats route reports the loop and CPU only.
  ready(s.port);
} else if (KIND === 'raw-uws') {
  const binding = loadBinding(16384);
  if (binding instanceof Error) throw binding;
  const uws = binding.uws;
  const app = uws.App();
  app.post('/upload', (res) => {
    let n = 0;
    let gone = false;
    res.onAborted(() => {
      gone = true;
      unanswered++;
    });
    res.onData((ab, last) => {
      n += ab.byteLength;
      if (last && !gone) res.cork(() => res.end(String(n)));
    });
  });
  app.get('/stats', (res) => void res.writeHeader('content-type', 'application/json').end(stats()));
  app.listen('127.0.0.1', PORT, (ls) => {
    if (!ls) throw new Error('listen failed');
    ready(uws.us_socket_local_port(ls as never));
  });
} else {
  // node:http with weft's node-reactor timeouts (head 10 s, request 15 s).
  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 10_000, connectionsCheckingInterval: 1000 },
    (req, res) => {
      if (req.url === '/stats') {
        res.setHeader('content-type', 'application/json');
        res.end(stats());
        return;
      }
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => res.end(String(n)));
      res.on('close', () => {
        if (!res.writableFinished) unanswered++;
      });
    },
  );
  server.listen(PORT, '127.0.0.1', () => {
    const a = server.address();
    ready(typeof a === 'object' && a !== null ? a.port : PORT);
  });
}
// Exit cleanly on SIGINT so `node --cpu-prof` writes its profile.
process.on('SIGINT', () => process.exit(0));
