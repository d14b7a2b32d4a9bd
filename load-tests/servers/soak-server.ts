/** The soak-test server: a JSON store over HTTP, a WebSocket echo, and its own metrics. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { z } from 'zod';
import { body, get, path, post, reply, serve, uint, ws } from '../../src/index.js';
import { PORT, ready } from './common.js';

const Item = z.object({ id: z.number().int().nonnegative(), text: z.string().max(200) });
const items = new Map<number, z.infer<typeof Item>>();
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();

const routes = post()
  .and(path('items'))
  .and(body.json(Item, { limit: 4096 }))
  .map((it) => {
    items.set(it.id % 10_000, it); // bounded store: the soak checks memory, not growth by design
    return reply.json(it).status(201);
  })
  .or(
    get()
      .and(path('items', uint))
      .map((id) => (items.has(id) ? reply.json(items.get(id)) : reply.empty(404))),
  )
  .or(
    get()
      .and(path('metrics'))
      .map(() => {
        const m = {
          rss: process.memoryUsage().rss,
          heapUsed: process.memoryUsage().heapUsed,
          eldP99Ms: eld.percentile(99) / 1e6,
          eldMaxMs: eld.max / 1e6,
        };
        eld.reset();
        return reply.json(m);
      }),
  )
  .or(
    path('echo')
      .and(ws({ maxPayload: 4096 }))
      .map((u) =>
        u.onUpgrade(async (socket) => {
          for await (const m of socket) socket.send(m.text());
        }),
      ),
  );

const server = await serve(routes, { logger: false }).listen({ port: PORT });
ready(server.port);
