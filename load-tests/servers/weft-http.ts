/**
 * weft: the HTTP bench routes; ROUTES=n puts n-1 routes before /hello/:name.
 *
 * WEFT_DIST: the built package to serve from (a `dist/` directory, as users
 * import it); unset, the source under tsx.
 *
 * OBS:
 * - `default` (unset): `serve(routes)` with default options, as a user starts it
 *   (the access log goes to stdout; the benches send it to /dev/null)
 * - `off`: observability switched fully off: no logger, no request ids
 * - `none`: no logger (what the benches measured before issue 27)
 * - `ids-always`: no logger, `requestId: 'always'` (a generated x-request-id on every response)
 * - `metrics`: no logger, weft/metrics attached and /metrics served
 * - `dc`: `metrics` and a subscriber on the weft:request tracing channel
 * - `sdk`: `metrics` and a real OpenTelemetry SDK registered (spans batched to
 *   an exporter that drops them) before the server is made
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PORT, ROUTES, ready } from './common.js';
import { benchRoutes, type Weft } from './weft-routes.js';

const dist = process.env.WEFT_DIST;
const from = (sub: string) =>
  dist ? pathToFileURL(join(dist, sub, 'index.js')).href : new URL(`../../src/${sub}/index.js`, import.meta.url).href;
const weft = (await import(from('.'))) as Weft;

const OBS = process.env.OBS || 'default';

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

let routes = benchRoutes(weft, ROUTES);

let m: import('../../src/metrics/index.js').Metrics | undefined;
if (OBS === 'metrics' || OBS === 'dc' || OBS === 'sdk') {
  // An application with the OpenTelemetry API installed but no SDK registered (weft no longer loads the API itself).
  await import('@opentelemetry/api');
  const { metrics } = (await import(from('metrics'))) as typeof import('../../src/metrics/index.js');
  m = metrics();
  routes = weft.path('metrics').and(m.route()).or(routes);
}

const options: import('../../src/index.js').ServeOptions =
  OBS === 'default'
    ? {}
    : OBS === 'off'
      ? { logger: false, requestId: false }
      : OBS === 'ids-always'
        ? { logger: false, requestId: 'always' }
        : { logger: false, metrics: m };
const server = await weft.serve(routes, options).listen({ port: PORT });
ready(server.port);
