/**
 * weft: the HTTP bench routes; ROUTES=n puts n-1 routes before /hello/:name.
 * OBS (the observability bench): `metrics` attaches weft/metrics and serves
 * /metrics; `dc` adds a subscriber to the weft:request tracing channel;
 * `sdk` registers a real OpenTelemetry SDK (spans batched to an exporter
 * that drops them) before the server is made.
 */
import { z } from 'zod';
import { type Filter, type Reply, body, get, header, path, post, query, reply, serve, str } from '../../src/index.js';
import { JSON_BODY, PORT, ROUTES, ready } from './common.js';

const Person = z.object({ name: z.string().min(1).max(64), age: z.number().int().min(0).max(150) });
const OBS = process.env.OBS ?? 'none';
const Todo = z.object({
  title: z.string().min(1).max(200),
  done: z.boolean(),
  priority: z.number().int().min(1).max(5),
  tags: z.array(z.string().max(32)).max(10),
});
const Search = z.object({ q: z.string().min(1).max(100), page: z.coerce.number().int().min(1).max(1000).default(1) });
let nextTodo = 0;

if (OBS === 'sdk') {
  const { context, propagation, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const drop = { export: (_spans: unknown, done: (r: { code: number }) => void) => done({ code: 0 }), shutdown: async () => {} };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(drop as never)] }));
}
if (OBS === 'dc') {
  const dc = await import('node:diagnostics_channel');
  let n = 0;
  const count = () => void n++;
  dc.tracingChannel('weft:request').subscribe({ start: count, end: count, asyncStart: count, asyncEnd: count, error: count });
}

let routes: Filter<[Reply]> = get()
  .and(path('json'))
  .map(() => reply.json(JSON_BODY))
  .or(post().and(path('echo')).and(body.json(Person)).map((p) => reply.json(p)))
  .or(post().and(path('todos')).and(body.json(Todo)).map((t) => reply.json({ id: ++nextTodo, ...t }).status(201)))
  .or(
    get()
      .and(path('search'))
      .and(query(Search))
      .and(header('x-api-key'))
      .and(header('accept-language'))
      .map((q, key, lang) => reply.json({ q: q.q, page: q.page, key, lang })),
  );
for (let i = 1; i < ROUTES; i++) routes = routes.or(get().and(path(`r${i}`, str)).map((s) => reply.text(s)));
routes = routes.or(get().and(path('hello', str)).map((name) => reply.text(`Hello, ${name}!`)));

let m: import('../../src/metrics/index.js').Metrics | undefined;
if (OBS !== 'none') {
  // An application with the OpenTelemetry API installed but no SDK registered (weft no longer loads the API itself).
  await import('@opentelemetry/api');
  const { metrics } = await import('../../src/metrics/index.js');
  m = metrics();
  routes = path('metrics').and(m.route()).or(routes);
}

const server = await serve(routes, { logger: false, metrics: m }).listen({ port: PORT });
ready(server.port);
