/**
 * The OpenTelemetry bridge against the real SDK (sdk-trace-base with an
 * in-memory exporter, the AsyncLocalStorage context manager and the W3C
 * propagator), on each reactor: nothing before an SDK is registered; then a
 * SERVER span per request named by its route template, continuing the
 * client's traceparent, with the application's spans and spawned tasks as
 * children.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { get, int, path, reply, type Server, serve, sleep, spawn, ws } from '../src/index.js';
import { until } from './helpers.js';
import { REACTOR } from './reactor.js';

const routes = get()
  .and(path('todos', int.as('id')))
  .then(async (id) => {
    // The application's own span: a child of the request's.
    await trace.getTracer('app').startActiveSpan('load todo', async (span) => {
      await sleep(1);
      span.end();
    });
    await spawn(() => sleep(1), { name: 'audit' });
    return reply.json({ id });
  })
  .or(
    get()
      .and(path('boom'))
      .map((): string => {
        throw new Error('kaput');
      }),
  )
  .or(path('ws').and(ws().map((u) => u.onUpgrade(async (socket) => void (await socket.recv())))));

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close({ timeoutMs: 100 })));
  trace.disable();
  context.disable();
  propagation.disable();
});

const parentOf = (s: ReadableSpan) =>
  (s as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;

describe(`OpenTelemetry on the ${REACTOR} reactor`, () => {
  it('is a no-op without an SDK; with one, spans per request (by route template) and per task, continuing traceparent', async () => {
    const before = await serve(routes, { logger: false }).listen({ port: 0 });
    servers.push(before);
    expect((await fetch(`http://127.0.0.1:${before.port}/todos/1`)).status).toBe(200);

    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    // Nothing was recorded for the request made before.
    expect(exporter.getFinishedSpans()).toHaveLength(0);

    const s = await serve(routes, { logger: false }).listen({ port: 0 });
    servers.push(s);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const clientSpan = '00f067aa0ba902b7';
    const res = await fetch(`http://127.0.0.1:${s.port}/todos/42`, {
      headers: { traceparent: `00-${traceId}-${clientSpan}-01` },
    });
    expect(res.status).toBe(200);
    await until(() => exporter.getFinishedSpans().some((x) => x.kind === SpanKind.SERVER));
    const spans = exporter.getFinishedSpans();
    const server = spans.find((x) => x.kind === SpanKind.SERVER) as ReadableSpan;
    expect(server.name).toBe('GET /todos/{id}');
    expect(server.spanContext().traceId).toBe(traceId);
    expect(parentOf(server)).toBe(clientSpan);
    expect(server.attributes['http.route']).toBe('/todos/{id}');
    expect(server.attributes['http.response.status_code']).toBe(200);
    expect(server.attributes['weft.request_id']).toBe(res.headers.get('x-request-id'));
    const own = spans.find((x) => x.name === 'load todo') as ReadableSpan;
    expect(own.spanContext().traceId).toBe(traceId);
    expect(parentOf(own)).toBe(server.spanContext().spanId);
    const task = spans.find((x) => x.name === 'task audit') as ReadableSpan;
    expect(parentOf(task)).toBe(server.spanContext().spanId);

    exporter.reset();
    expect((await fetch(`http://127.0.0.1:${s.port}/boom`)).status).toBe(500);
    expect((await fetch(`http://127.0.0.1:${s.port}/nowhere`)).status).toBe(404);
    await until(() => exporter.getFinishedSpans().length >= 2);
    const [boom, missing] = exporter.getFinishedSpans();
    expect(boom?.name).toBe('GET /boom');
    expect(boom?.status.code).toBe(SpanStatusCode.ERROR);
    expect(boom?.events.some((e) => e.name === 'exception')).toBe(true);
    // A fresh trace when the client sent none; unmatched requests are named by method only.
    expect(missing?.name).toBe('GET');
    expect(missing?.spanContext().traceId).not.toBe(traceId);
    expect(missing?.attributes['http.response.status_code']).toBe(404);

    // A WebSocket: the upgrade request's span, and the connection's task span as its child.
    exporter.reset();
    const client = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, {
      headers: { traceparent: `00-${traceId}-${clientSpan}-01` },
    });
    await new Promise((r) => client.once('open', r));
    client.send('bye');
    await new Promise((r) => client.once('close', r));
    await until(() => exporter.getFinishedSpans().some((x) => x.name === 'task websocket'));
    const upgrade = exporter.getFinishedSpans().find((x) => x.name === 'GET /ws') as ReadableSpan;
    expect(upgrade.attributes['http.response.status_code']).toBe(101);
    const conn = exporter.getFinishedSpans().find((x) => x.name === 'task websocket') as ReadableSpan;
    expect(conn.spanContext().traceId).toBe(traceId);
    expect(parentOf(conn)).toBe(upgrade.spanContext().spanId);
  });
});
