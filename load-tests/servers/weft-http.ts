/**
 * weft: the HTTP bench routes; ROUTES=n puts n-1 routes before /hello/:name.
 * OBS (the observability bench): `metrics` attaches weft/metrics and serves
 * /metrics; `dc` adds a subscriber to the weft:request tracing channel;
 * `sdk` registers a real OpenTelemetry SDK (spans batched to an exporter
 * that drops them) before the server is made.
 */
import { path, serve } from '../../src/index.js';
import { PORT, ROUTES, ready } from './common.js';
import { benchRoutes } from './weft-routes.js';

const OBS = process.env.OBS ?? 'none';

if (OBS === 'sdk') {
  const { context, propagation, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const drop = {
    export: (_spans: unknown, done: (r: { code: number }) => void) => done({ code: 0 }),
    shutdown: async () => {},
  };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(drop as never)] }));
}
if (OBS === 'dc') {
  const dc = await import('node:diagnostics_channel');
  let n = 0;
  const count = () => void n++;
  dc.tracingChannel('weft:request').subscribe({
    start: count,
    end: count,
    asyncStart: count,
    asyncEnd: count,
    error: count,
  });
}

let routes = benchRoutes(ROUTES);

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
