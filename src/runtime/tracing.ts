/**
 * Tracing: `node:diagnostics_channel` tracing channels, and an OpenTelemetry
 * bridge through `@opentelemetry/api`.
 *
 * Channels (each a `TracingChannel`: `tracing:weft:request:start`, `:end`,
 * `:asyncStart`, `:asyncEnd`, `:error`):
 * - `weft:request`: `start` before the filters run (the filters run inside
 *   `start.runStores`, so a store bound there is active in handlers); `end`
 *   when their synchronous part returned; `asyncStart` / `asyncEnd` when the
 *   response is complete or abandoned (the message then has `route` and
 *   `status`); `error` when a handler threw.
 * - `weft:task`: a spawned task's function (`start`/`end` around its
 *   synchronous part, `asyncStart`/`asyncEnd` when it settles, `error`).
 * - `weft:ws`: a WebSocket connection (`start` when it opens, `asyncEnd` when it
 *   closes, with `code` and `reason`).
 * Publishing costs nothing while a channel has no subscribers.
 *
 * OpenTelemetry: a no-op until the application registers an SDK (a global
 * tracer provider); weft looks for one at most once a second. Then each
 * request is a SERVER span named `METHOD /route/{template}` that continues
 * the W3C `traceparent` the client sent, and each task a span `task NAME`,
 * a child of the span active where it was spawned.
 */
import dc from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import type { Context, Span, TextMapGetter, Tracer } from '@opentelemetry/api';

/** The message of `weft:request` events. */
export interface RequestMessage {
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
  /** The matched route template, or `unmatched` (set when the response is complete). */
  route?: string | undefined;
  /** The status sent (499: the client left first). */
  status?: number | undefined;
  /** What a handler threw (the response is a 500). */
  error?: unknown | undefined;
}

/** The message of `weft:task` events. */
export interface TaskMessage {
  readonly name: string;
  error?: unknown | undefined;
  result?: unknown | undefined;
}

/** The message of `weft:ws` events. */
export interface WsMessage {
  readonly remote: string;
  readonly protocol: string;
  /** Set when the connection closes. */
  code?: number | undefined;
  reason?: string | undefined;
}

export const requestChannel = dc.tracingChannel<RequestMessage, RequestMessage>('weft:request');
export const taskChannel = dc.tracingChannel<TaskMessage, TaskMessage>('weft:task');
export const wsChannel = dc.tracingChannel<WsMessage, WsMessage>('weft:ws');

/** Whether any of a tracing channel's five channels has a subscriber. */
export function isTraced(tc: dc.TracingChannel<object, object>): boolean {
  // `TracingChannel#hasSubscribers` exists from Node 20.13; the typings lag.
  return (tc as unknown as { hasSubscribers: boolean }).hasSubscribers;
}

/** Publish the end of a traced operation: `asyncStart` and `asyncEnd` (and `error` first when it failed). */
export function publishDone<M extends object>(tc: dc.TracingChannel<M, M>, message: M, error?: unknown): void {
  if (error !== undefined) {
    (message as { error?: unknown }).error = error;
    tc.error.publish(message);
  }
  tc.asyncStart.publish(message);
  tc.asyncEnd.publish(message);
}

// ---- OpenTelemetry ----

interface DelegatingProvider {
  getDelegateTracer?(name: string): Tracer | undefined;
}

let tracer: Tracer | undefined;
let watching = false;

type OtelApi = typeof import('@opentelemetry/api');
let api: OtelApi | undefined;
/** Where `@opentelemetry/api` (major 1) keeps what an SDK registered, shared by every copy of the API. */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** The OpenTelemetry API, loaded once an SDK registered a tracer provider (until then weft does not load it: ~5 MiB). */
function otel(): OtelApi {
  api ??= createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  return api;
}

function lookUp(): void {
  const registered = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[OTEL_GLOBAL];
  if (registered?.trace === undefined) {
    tracer = undefined;
    return;
  }
  const provider = otel().trace.getTracerProvider() as DelegatingProvider;
  tracer = provider.getDelegateTracer?.('weft');
}

/**
 * The tracer of a registered OpenTelemetry SDK, or `undefined`. Read from a
 * variable on the hot path; `watchTracer` refreshes it.
 */
export function otelTracer(): Tracer | undefined {
  return tracer;
}

/** Look for a registered SDK now, and then once a second (an unref'd timer; started by the first server). */
export function watchTracer(): void {
  lookUp();
  if (!watching) {
    watching = true;
    setInterval(lookUp, 1000).unref();
  }
}

/** What the W3C propagator reads. */
export const TRACE_HEADERS: readonly string[] = ['traceparent', 'tracestate'];

/** What a request span reads of a request (a reactor's exchange has it). */
export interface TracedRequest {
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
  header(name: string): string | undefined;
  headers(): Readonly<Record<string, string>>;
}

const getter: TextMapGetter<TracedRequest> = {
  get: (carrier, key) => carrier.header(key),
  keys: (carrier) => Object.keys(carrier.headers()),
};

/** A request's span, continuing the client's `traceparent`, and the context to run its filters in. */
export interface RequestSpan {
  readonly span: Span;
  readonly context: Context;
}

export function startRequestSpan(t: Tracer, req: TracedRequest): RequestSpan {
  const { ROOT_CONTEXT, SpanKind, propagation, trace } = otel();
  const parent = propagation.extract(ROOT_CONTEXT, req, getter);
  const span = t.startSpan(
    req.method,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method, 'url.path': req.path, 'weft.request_id': req.requestId },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Name the span by its route, record the outcome, end it. */
export function endRequestSpan(s: RequestSpan, method: string, route: string, status: number, error: unknown): void {
  const span = s.span;
  span.updateName(route === 'unmatched' ? method : `${method} ${route}`);
  if (route !== 'unmatched') span.setAttribute('http.route', route);
  span.setAttribute('http.response.status_code', status);
  if (error !== undefined) span.recordException(error instanceof Error ? error : String(error));
  if (status >= 500) span.setStatus({ code: otel().SpanStatusCode.ERROR });
  span.end();
}

/** Run `fn` with `ctx` as the active OpenTelemetry context. */
export function withContext<R>(ctx: Context, fn: () => R): R {
  return otel().context.with(ctx, fn);
}

/** A span for a task, a child of the active one, and the context to run the task in. */
export function startTaskSpan(t: Tracer, name: string): RequestSpan {
  const { context, trace } = otel();
  const parent = context.active();
  const span = t.startSpan(`task ${name}`, { attributes: { 'weft.task': name } }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

export function endTaskSpan(s: RequestSpan, error: unknown): void {
  if (error !== undefined) {
    s.span.recordException(error instanceof Error ? error : String(error));
    s.span.setStatus({ code: otel().SpanStatusCode.ERROR });
  }
  s.span.end();
}
