/**
 * Observability against a real server, on each reactor: every metric moved by
 * real traffic (HTTP, WebSockets, broadcast, tasks), every outcome counted,
 * request ids on every response and in the logs, the health routes, and the
 * diagnostics channels.
 */
import dc from 'node:diagnostics_channel';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import {
  body,
  channel,
  type Filter,
  get,
  header,
  health,
  int,
  logger,
  path,
  post,
  type Rejection,
  type Replyable,
  type RequestMessage,
  reject,
  reply,
  requestId,
  type Server,
  serve,
  signal,
  spawn,
  str,
  type TaskMessage,
  type WsMessage,
  type WsSocket,
  ws,
} from '../src/index.js';
import { type Metrics, metrics } from '../src/metrics/index.js';
import { delay, memoryLogger, RawClient, rawOnce, until } from './helpers.js';
import { REACTOR } from './reactor.js';
import { connectWs } from './wsclient.js';

const servers: Server[] = [];

/** A `ws` client that keeps every text message. */
async function openWs(url: string): Promise<{ ws: WebSocket; got: string[]; closed: Promise<number> }> {
  const socket = new WebSocket(url);
  const got: string[] = [];
  socket.on('message', (d) => got.push(d.toString()));
  const closed = new Promise<number>((r) => socket.on('close', (code) => r(code)));
  await once(socket, 'open');
  return { ws: socket, got, closed };
}

/** A WebSocket route running `handler` for each connection. */
const upgrade = (handler: (socket: WsSocket) => Promise<void>) => ws().map((u) => u.onUpgrade(handler));
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ timeoutMs: 200 })));
});

async function start(routes: Filter<[Replyable]>, opts: Parameters<typeof serve>[1] = {}): Promise<Server> {
  const s = await serve(routes, { logger: false, ...opts }).listen({ port: 0 });
  servers.push(s);
  return s;
}

/** One sample from an exposition: the value of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const kv of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[kv[1] as string] = kv[2] as string;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const Todo = z.object({ title: z.string().min(1) });

/** `/wait` answers once the test opens the gate: what holds a drain open, with no timer involved. */
let openGate: () => void = () => {};

function app(m: Metrics) {
  const [tx] = channel<{ n: number }>(16);
  const routes = path('metrics')
    .and(m.route())
    .or(
      get()
        .and(path('todos', int.as('id')))
        .map((id) => reply.json({ id })),
    )
    .or(
      get()
        .and(path('a', int, 'b', int))
        .map((x, y) => reply.json({ x, y })),
    )
    .or(
      post()
        .and(path('todos'))
        .and(body.json(Todo))
        .map((t) => reply.json(t).status(201)),
    )
    .or(
      get()
        .and(path('slow'))
        .and(signal())
        .then((s) => new Promise<string>((r) => s.addEventListener('abort', () => r('late')))),
    )
    .or(
      get()
        .and(path('boom'))
        .map((): string => {
          throw new Error('boom');
        }),
    )
    .or(
      get()
        .and(path('wait'))
        .then(() => new Promise<string>((r) => (openGate = () => r('waited')))),
    )
    .or(
      path('ws').and(
        upgrade(async (socket) => {
          socket.subscribe(tx);
          for await (const msg of socket) {
            if (msg.text() === 'close') {
              socket.close();
              socket.send('after close'); // dropped: the socket is closed
              return;
            }
            socket.send(`echo ${msg.text()}`);
            tx.send({ n: 1 });
          }
        }),
      ),
    );
  return routes;
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe(`metrics on the ${REACTOR} reactor`, () => {
  it('counts requests by method, route template and status; unmatched requests are route="unmatched"', async () => {
    const m = metrics();
    const s = await start(app(m), { metrics: m });
    const base = `http://127.0.0.1:${s.port}`;
    for (const id of [1, 2, 3]) expect((await fetch(`${base}/todos/${id}`)).status).toBe(200);
    expect((await fetch(`${base}/a/1/b/2`)).status).toBe(200);
    expect((await fetch(`${base}/nope/${Math.random()}`)).status).toBe(404);
    expect((await fetch(`${base}/todos/1`, { method: 'DELETE' })).status).toBe(405);
    expect(
      (
        await fetch(`${base}/todos`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"title":""}',
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await fetch(`${base}/todos`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"title":"x"}',
        })
      ).status,
    ).toBe(201);
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    const text = await scrape(s.port);
    const count = (labels: Record<string, string>) => sample(text, 'http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route: '/todos/{id}', status_code: '200' })).toBe(3);
    expect(count({ method: 'GET', route: '/a/{int}/b/{int2}', status_code: '200' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(count({ method: 'DELETE', route: 'unmatched', status_code: '405' })).toBe(1);
    expect(count({ method: 'POST', route: '/todos', status_code: '400' })).toBe(1);
    expect(count({ method: 'POST', route: '/todos', status_code: '201' })).toBe(1);
    expect(count({ method: 'GET', route: '/boom', status_code: '500' })).toBe(1);
    // No raw path ever becomes a label.
    expect(text).not.toMatch(/route="\/todos\/1"/);
    expect(text).not.toMatch(/nope/);
    // Buckets are cumulative and end in the count.
    expect(sample(text, 'http_request_duration_seconds_bucket', { route: '/todos/{id}', le: '+Inf' })).toBe(3);
    // prom-client's process and event-loop metrics are there too.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts handler timeouts (503), aborted requests (499), framing 400s and shutdown 503s', async () => {
    const m = metrics();
    // The deadline leaves the client below ample time to leave first, however slowly the machine runs.
    const s = await start(app(m), { metrics: m, handlerTimeoutMs: 1500 });
    const base = `http://127.0.0.1:${s.port}`;
    // A handler that never answers: 503 at the deadline.
    expect((await fetch(`${base}/slow`)).status).toBe(503);
    // A client that leaves before the answer.
    const c = await RawClient.connect(s.port);
    c.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
    await until(() => s.pending === 1); // in flight (the first /slow was answered: no longer pending)
    c.destroy();
    // A framing error answered before any filter runs.
    const bad = await rawOnce(
      s.port,
      'POST /todos HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n',
    );
    expect(bad.status).toBe(400);
    expect(bad.headers['x-request-id']).toBeUndefined(); // none sent, none read: requestId 'used' sends none
    await until(
      async () => sample(await scrape(s.port), 'http_request_duration_seconds_count', { status_code: '499' }) === 1,
    );
    await s.close({ timeoutMs: 100 });
    // Shutdown, on a server of the same metrics without a handler deadline (the drain waits for /wait, not a timer):
    // a kept-alive connection asks again while the server drains.
    const s2 = await start(app(m), { metrics: m });
    const keep = await RawClient.connect(s2.port);
    keep.write('GET /todos/1 HTTP/1.1\r\nhost: x\r\n\r\n');
    expect((await keep.response()).status).toBe(200);
    const busy = await RawClient.connect(s2.port);
    busy.write('GET /wait HTTP/1.1\r\nhost: x\r\n\r\n'); // holds the drain open until the gate opens
    await until(() => s2.pending >= 1);
    const text0 = await scrape(s2.port);
    const closing = s2.close({ timeoutMs: 10_000 });
    keep.write('GET /todos/1 HTTP/1.1\r\nhost: x\r\n\r\n');
    expect((await keep.response()).status).toBe(503);
    openGate();
    expect((await busy.response()).status).toBe(200);
    await closing;
    keep.destroy();
    busy.destroy();
    const count = (text: string, labels: Record<string, string>) =>
      sample(text, 'http_request_duration_seconds_count', labels);
    expect(count(text0, { route: '/slow', status_code: '503' })).toBe(1);
    // (node's parser refuses this head before weft sees the method: method="_OTHER" there)
    expect(count(text0, { route: 'unmatched', status_code: '400' })).toBe(1);
    expect(count(text0, { route: '/slow', status_code: '499' })).toBe(1);
    const after = await m.scrape();
    expect(count(after, { route: 'unmatched', status_code: '503' })).toBe(1);
  });

  it('counts WebSocket connections, messages in and out (broadcast too), dropped messages, and tasks', async () => {
    const m = metrics();
    const s = await start(app(m), { metrics: m });
    const before = await scrape(s.port);
    const tasks0 = sample(before, 'weft_tasks_active') as number;
    const a = await openWs(`ws://127.0.0.1:${s.port}/ws`);
    const b = await openWs(`ws://127.0.0.1:${s.port}/ws`);
    let text = await scrape(s.port);
    expect(sample(text, 'weft_ws_connections')).toBe(2);
    expect(sample(text, 'weft_tasks_active')).toBe(tasks0 + 2);
    // a sends 3: each is echoed to a and broadcast to both sockets.
    for (const i of [1, 2, 3]) a.ws.send(`m${i}`);
    await until(() => a.got.filter((x) => x.startsWith('echo')).length === 3 && b.got.length === 3);
    await until(async () => sample(await scrape(s.port), 'weft_ws_messages_total', { direction: 'out' }) === 9);
    text = await scrape(s.port);
    expect(sample(text, 'weft_ws_messages_total', { direction: 'in' })).toBe(3);
    // b asks the server to close and the handler sends once more: dropped.
    b.ws.send('close');
    await b.closed;
    a.ws.close();
    await a.closed;
    await until(async () => sample(await scrape(s.port), 'weft_ws_connections') === 0);
    text = await scrape(s.port);
    expect(sample(text, 'weft_ws_dropped_total')).toBe(1);
    expect(sample(text, 'weft_tasks_active')).toBe(tasks0);
    expect(sample(text, 'weft_task_duration_seconds_count', { name: 'websocket' })).toBe(2);
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/ws', status_code: '101' })).toBe(2);
  });

  it('counts values receivers lost to lag, and tasks by name', async () => {
    const m = metrics();
    await start(app(m), { metrics: m });
    const lost0 = sample(await m.scrape(), 'weft_channel_lagged_total') as number;
    const [tx, rx] = channel<number>(2);
    for (let i = 0; i < 7; i++) tx.send(i);
    await expect(rx.recv()).rejects.toThrow(/lagged/i);
    const h = spawn(() => delay(5), { name: 'cleanup' });
    await h;
    const text = await m.scrape();
    expect(sample(text, 'weft_channel_lagged_total')).toBe(lost0 + 5);
    expect(sample(text, 'weft_task_duration_seconds_count', { name: 'cleanup' })).toBe(1);
    rx.unsubscribe();
  });

  it('two servers in one process each have their own registry', async () => {
    const m1 = metrics();
    const m2 = metrics();
    const s1 = await start(app(m1), { metrics: m1 });
    const s2 = await start(app(m2), { metrics: m2 });
    await fetch(`http://127.0.0.1:${s1.port}/todos/1`);
    await fetch(`http://127.0.0.1:${s1.port}/todos/2`);
    await fetch(`http://127.0.0.1:${s2.port}/todos/3`);
    expect(sample(await m1.scrape(), 'http_request_duration_seconds_count', { route: '/todos/{id}' })).toBe(2);
    expect(sample(await m2.scrape(), 'http_request_duration_seconds_count', { route: '/todos/{id}' })).toBe(1);
  });

  it('the exposition is a filter: it can be guarded', async () => {
    const m = metrics();
    class Forbidden {}
    const auth = header('authorization')
      .andThen((h): [] | Rejection => (h === 'Bearer s3cret' ? [] : reject.custom(new Forbidden())))
      .untuple();
    const secured = path('metrics')
      .and(auth)
      .and(m.route())
      .recover((r) => (r.find(Forbidden) ? reply.text('forbidden').status(403) : r));
    const s = await start(secured, { metrics: m });
    expect(
      (await fetch(`http://127.0.0.1:${s.port}/metrics`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(403);
    const ok = await fetch(`http://127.0.0.1:${s.port}/metrics`, { headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('http_request_duration_seconds');
  });
});

describe(`request ids on the ${REACTOR} reactor`, () => {
  it('x-request-id goes back when the client sent a sane one or a handler read it; handlers and logs see it', async () => {
    const { logger: log, lines } = memoryLogger();
    const routes = get()
      .and(path('id'))
      .and(requestId())
      .and(logger())
      .map((id, l) => {
        l.info('handling');
        return reply.json({ id });
      })
      .or(
        get()
          .and(path('plain'))
          .map(() => 'plain'),
      );
    const s = await start(routes, { logger: log });
    const base = `http://127.0.0.1:${s.port}`;
    const mine = await fetch(`${base}/id`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-abc.123');
    expect(await mine.json()).toEqual({ id: 'trace-abc.123' });
    for (const insane of ['a'.repeat(129), 'has space', 'quote"d', '']) {
      const r = await fetch(`${base}/id`, { headers: { 'x-request-id': insane } });
      const id = r.headers.get('x-request-id');
      expect(id).not.toBe(insane);
      expect(id).toMatch(/^[\w-]{4,}$/);
      expect(((await r.json()) as { id: string }).id).toBe(id);
    }
    const a = (await fetch(`${base}/id`)).headers.get('x-request-id');
    const b = (await fetch(`${base}/id`)).headers.get('x-request-id');
    expect(a).not.toBe(b);
    // Nobody read the id before answering: no header, but the access log still has one.
    const plain = await fetch(`${base}/plain`);
    expect(plain.headers.get('x-request-id')).toBeNull();
    expect((await fetch(`${base}/missing`)).headers.get('x-request-id')).toBeNull();
    expect((await fetch(`${base}/plain`, { headers: { 'x-request-id': 'p-1' } })).headers.get('x-request-id')).toBe(
      'p-1',
    );
    await until(() => lines.filter((l) => l.msg === 'request').length >= 10);
    const handled = lines.find((l) => l.msg === 'handling' && l.reqId === 'trace-abc.123');
    expect(handled).toBeDefined();
    const access = lines.find((l) => l.msg === 'request' && l.reqId === 'trace-abc.123');
    expect(access).toMatchObject({ method: 'GET', path: '/id', route: '/id', status: 200 });
    const unread = lines.find((l) => l.msg === 'request' && l.path === '/plain');
    expect(unread?.reqId).toMatch(/^[\w-]{4,}$/);
    expect(lines.find((l) => l.msg === 'request' && l.reqId === 'p-1')).toMatchObject({ path: '/plain' });
  });

  it('accessLog: false keeps a given logger for errors and writes no line per request', async () => {
    const { logger: log, lines } = memoryLogger();
    const routes = get()
      .and(path('plain'))
      .map(() => 'plain')
      .or(
        get()
          .and(path('boom'))
          .map((): string => {
            throw new Error('boom');
          }),
      );
    const s = await start(routes, { logger: log, accessLog: false });
    const base = `http://127.0.0.1:${s.port}`;
    expect((await fetch(`${base}/plain`)).status).toBe(200);
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    await until(() => lines.some((l) => l.msg === 'request handler failed'));
    expect(lines.filter((l) => l.msg === 'request')).toEqual([]);
  });

  it("requestId: 'always' puts one on every response, 404s and early rejections too", async () => {
    const s = await start(
      get()
        .and(path('plain'))
        .map(() => 'plain'),
      { requestId: 'always' },
    );
    const base = `http://127.0.0.1:${s.port}`;
    const a = (await fetch(`${base}/plain`)).headers.get('x-request-id');
    const b = (await fetch(`${base}/plain`)).headers.get('x-request-id');
    expect(a).toMatch(/^[\w-]{4,}$/);
    expect(b).toMatch(/^[\w-]{4,}$/);
    expect(a).not.toBe(b);
    expect((await fetch(`${base}/plain`, { headers: { 'x-request-id': 'mine-1' } })).headers.get('x-request-id')).toBe(
      'mine-1',
    );
    expect((await fetch(`${base}/missing`)).headers.get('x-request-id')).toMatch(/\S/);
    const bad = await rawOnce(
      s.port,
      'POST /plain HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n',
    );
    expect(bad.status).toBe(400);
    expect(bad.headers['x-request-id']).toMatch(/\S/);
  });

  it('requestId: false sends none and ignores the client’s; handlers still get an id', async () => {
    const s = await start(
      get()
        .and(path('id'))
        .and(requestId())
        .map((id) => reply.json({ id })),
      { requestId: false },
    );
    const r = await fetch(`http://127.0.0.1:${s.port}/id`, { headers: { 'x-request-id': 'mine-1' } });
    expect(r.headers.get('x-request-id')).toBeNull();
    const { id } = (await r.json()) as { id: string };
    expect(id).not.toBe('mine-1');
    expect(id).toMatch(/^[\w-]{4,}$/);
  });

  it('the WebSocket handshake response carries it too', async () => {
    const s = await start(path('ws').and(upgrade(async (socket) => void (await socket.closed()))));
    const res = await rawOnce(
      s.port,
      'GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nx-request-id: up-1\r\n\r\n',
      true,
    );
    expect(res.status).toBe(101);
    expect(res.headers['x-request-id']).toBe('up-1');
  });
});

describe(`health on the ${REACTOR} reactor`, () => {
  it('live is 200; readiness is 200 with the app’s fields, 503 "overloaded" while the event loop stalls', async () => {
    const routes = health({ maxEventLoopDelayMs: 100, windowMs: 200, info: () => ({ connections: 7 }) }).or(
      get()
        .and(path('x'))
        .map(() => 'x'),
    );
    const s = await start(routes);
    const base = `http://127.0.0.1:${s.port}`;
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    await until(async () => (await fetch(`${base}/health`)).status === 200);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', connections: 7 });
    // Stall the loop well past the threshold: the next readiness probe sees it.
    const end = performance.now() + 400;
    while (performance.now() < end) {
      /* busy */
    }
    const busy = await fetch(`${base}/health`);
    expect(busy.status).toBe(503);
    const j = (await busy.json()) as { status: string; eventLoopDelayMs: number; connections: number };
    expect(j.status).toBe('overloaded');
    expect(j.eventLoopDelayMs).toBeGreaterThan(100);
    expect(j.connections).toBe(7);
    // It recovers once the stall leaves the window.
    await until(async () => (await fetch(`${base}/health`)).status === 200);
  });

  /** Probe `probePath` on a kept-alive connection before and while the server drains (a slow request holds the drain open). */
  async function probeWhileDraining(probePath: string, options: Parameters<typeof health>[0] = {}) {
    const routes = health(options).or(
      get()
        .and(path('slow'))
        .and(signal())
        .then((sig) => new Promise<string>((r) => sig.addEventListener('abort', () => r('late')))),
    );
    const s = await start(routes);
    const c = await RawClient.connect(s.port);
    const probe = await RawClient.connect(s.port);
    probe.write(`GET ${probePath} HTTP/1.1\r\nhost: x\r\n\r\n`);
    const before = await probe.response();
    c.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
    await until(() => s.pending === 1);
    const closing = s.close({ timeoutMs: 300 });
    probe.write(`GET ${probePath} HTTP/1.1\r\nhost: x\r\n\r\n`);
    const during = await probe.response();
    await closing;
    c.destroy();
    probe.destroy();
    return { before, during };
  }

  it('readiness answers 503 {"status":"draining"} while the server drains', async () => {
    const { before, during } = await probeWhileDraining('/health', { info: () => ({ worker: 0 }) });
    expect(before.status).toBe(200);
    expect(during.status).toBe(503);
    expect(JSON.parse(during.body)).toEqual({ status: 'draining', worker: 0 });
  });

  it('live answers 200 while draining', async () => {
    const { before, during } = await probeWhileDraining('/health/live');
    expect(before.status).toBe(200);
    expect(during.status).toBe(200);
    expect(JSON.parse(during.body)).toEqual({ status: 'ok' });
  });
});

describe(`diagnostics channels on the ${REACTOR} reactor`, () => {
  it('weft:request, weft:task and weft:ws publish start and end, with the route, status and close code', async () => {
    const events: string[] = [];
    const requests: RequestMessage[] = [];
    const tasks: TaskMessage[] = [];
    const sockets: WsMessage[] = [];
    const reqSubs = {
      start: (m: unknown) => events.push(`start ${(m as RequestMessage).path}`),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (m: unknown) => requests.push({ ...(m as RequestMessage) }),
      error: (m: unknown) => events.push(`error ${String((m as RequestMessage).error)}`),
    };
    const taskSubs = {
      start: () => {},
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (m: unknown) => tasks.push({ ...(m as TaskMessage) }),
      error: () => {},
    };
    const wsSubs = {
      start: () => {},
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (m: unknown) => sockets.push({ ...(m as WsMessage) }),
      error: () => {},
    };
    dc.tracingChannel('weft:request').subscribe(reqSubs);
    dc.tracingChannel('weft:task').subscribe(taskSubs);
    dc.tracingChannel('weft:ws').subscribe(wsSubs);
    try {
      const routes = get()
        .and(path('users', str.as('name')))
        .then(async (name) => {
          await spawn(() => 'side job', { name: 'side' });
          return reply.text(name);
        })
        .or(
          get()
            .and(path('boom'))
            .map((): string => {
              throw new Error('kaput');
            }),
        )
        .or(path('ws').and(upgrade(async (socket) => void (await socket.recv()))));
      const s = await start(routes);
      await fetch(`http://127.0.0.1:${s.port}/users/ann`, { headers: { 'x-request-id': 'r-1' } });
      await fetch(`http://127.0.0.1:${s.port}/boom`);
      const c = await connectWs(`ws://127.0.0.1:${s.port}/ws`);
      c.ws.send('bye');
      await c.closed;
      await until(() => sockets.length === 1 && requests.length === 3);
      expect(events).toContain('start /users/ann');
      expect(events).toContain('error Error: kaput');
      expect(requests[0]).toMatchObject({
        method: 'GET',
        path: '/users/ann',
        requestId: 'r-1',
        route: '/users/{name}',
        status: 200,
      });
      expect(requests[1]).toMatchObject({ route: '/boom', status: 500 });
      expect(requests[2]).toMatchObject({ route: '/ws', status: 101 });
      expect(tasks.find((t) => t.name === 'side')).toMatchObject({ result: 'side job' });
      expect(sockets[0]).toMatchObject({ code: 1000 });
    } finally {
      dc.tracingChannel('weft:request').unsubscribe(reqSubs);
      dc.tracingChannel('weft:task').unsubscribe(taskSubs);
      dc.tracingChannel('weft:ws').unsubscribe(wsSubs);
    }
  });
});
