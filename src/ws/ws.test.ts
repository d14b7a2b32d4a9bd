import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { delay, memoryLogger, until } from '../../test/helpers.js';
import { REACTOR } from '../../test/reactor.js';
import { channel, type Sender } from '../broadcast/channel.js';
import { header } from '../filters/header.js';
import { path } from '../filters/path.js';
import { type Server, serve } from '../server/server.js';
import { HandshakeRejected, wsRequest } from '../test/ws.js';
import type { WsOptions } from './options.js';
import type { WsSocket } from './socket.js';
import { ws } from './upgrade.js';

const echo = path('echo')
  .and(ws())
  .map((u) =>
    u.onUpgrade(async (socket) => {
      for await (const m of socket) socket.send(m.isText ? `echo:${m.text()}` : m.bytes());
    }),
  );

/** A route whose sockets subscribe to `tx`, say 'ready', and wait to be closed. */
function subscriberRoute<T>(name: string, tx: Sender<T>, options?: WsOptions) {
  return path(name)
    .and(ws(options))
    .map((u) =>
      u.onUpgrade(async (so) => {
        so.subscribe(tx);
        so.send('ready');
        await so.closed();
      }),
    );
}

const rejected = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof HandshakeRejected) return e.response;
    throw e;
  }
  throw new Error('handshake was accepted');
};

describe(`ws() handshake (in-process) (${REACTOR} reactor)`, () => {
  it('accepts a valid handshake and echoes', async () => {
    const c = await wsRequest().path('/echo').handshake(echo);
    c.send('hi');
    expect((await c.recv()).text()).toBe('echo:hi');
    c.close();
    expect((await c.closed).code).toBe(1000);
  });

  it('answers a plain GET with 426 and Upgrade: websocket', async () => {
    const res = await rejected(
      wsRequest().path('/echo').header('upgrade', '').header('connection', 'keep-alive').handshake(echo),
    );
    expect(res.status).toBe(426);
    expect(res.headers.upgrade).toBe('websocket');
  });

  it('rejects: not GET 405, version 12 426, bad key 400, disallowed origin 403', async () => {
    expect((await rejected(wsRequest().method('POST').path('/echo').handshake(echo))).status).toBe(405);
    const r12 = await rejected(wsRequest().path('/echo').header('sec-websocket-version', '12').handshake(echo));
    expect(r12.status).toBe(426);
    expect(r12.headers['sec-websocket-version']).toBe('13');
    expect(
      (await rejected(wsRequest().path('/echo').header('sec-websocket-key', 'short').handshake(echo))).status,
    ).toBe(400);
    const guarded = path('g')
      .and(ws({ origins: ['https://ok.example'] }))
      .map((u) => u.onUpgrade(() => {}));
    expect(
      (await rejected(wsRequest().path('/g').header('origin', 'https://evil.example').handshake(guarded))).status,
    ).toBe(403);
    await wsRequest().path('/g').header('origin', 'https://ok.example').handshake(guarded);
  });

  it('upgrades only after every filter in the chain passed, async auth included', async () => {
    const authed = path('secure')
      .and(header('authorization'))
      .andThen(async (h) => {
        await delay(5);
        return h === 'Bearer ok' ? h : (await import('../reply/rejection.js')).reject.custom(new Error('no'));
      })
      .and(ws())
      .map((_auth, u) => u.onUpgrade((s) => void s.send('welcome')));
    expect((await rejected(wsRequest().path('/secure').handshake(authed))).status).toBe(400);
    expect(
      (await rejected(wsRequest().path('/secure').header('authorization', 'Bearer no').handshake(authed))).status,
    ).toBe(500);
    const c = await wsRequest().path('/secure').header('authorization', 'Bearer ok').handshake(authed);
    expect((await c.recv()).text()).toBe('welcome');
  });

  it('picks a subprotocol the endpoint speaks', async () => {
    let chosen = '';
    const f = path('p')
      .and(ws({ protocols: ['chat.v2', 'chat.v1'] }))
      .map((u) => u.onUpgrade((s) => void (chosen = s.protocol)));
    await wsRequest().path('/p').header('sec-websocket-protocol', 'chat.v1, chat.v2').handshake(f);
    await delay(1);
    expect(chosen).toBe('chat.v2');
  });

  it('refuses options that would crash uWS', () => {
    expect(() => ws({ idleTimeout: 4 })).toThrow(RangeError);
    expect(() => ws({ idleTimeout: 1000 })).toThrow(RangeError);
    expect(() => ws({ maxPayload: 0 })).toThrow(RangeError);
    expect(() => ws({ maxBackpressure: -1 })).toThrow(RangeError);
    expect(() => ws({ backpressure: 'explode' as never })).toThrow(RangeError);
    expect(() => ws({ idleTimeout: 0 })).not.toThrow();
  });
});

describe('WsSocket (in-process)', () => {
  it('messages(schema) yields parsed values and reports bad ones without ending', async () => {
    const Frame = z.object({ type: z.literal('message'), text: z.string().min(1) });
    const f = path('m')
      .and(ws())
      .map((u) =>
        u.onUpgrade(async (s) => {
          for await (const m of s.messages(Frame))
            s.sendJson(m.success ? { ok: m.data.text } : { error: m.error.message });
        }),
      );
    const c = await wsRequest().path('/m').handshake(f);
    c.sendJson({ type: 'message', text: 'hi' });
    c.send('not json');
    c.sendJson({ type: 'other' });
    c.send('{"__proto__":{"x":1}}');
    expect(await c.recvJson()).toEqual({ ok: 'hi' });
    expect(await c.recvJson()).toMatchObject({ error: expect.stringContaining('invalid JSON') });
    expect(await c.recvJson()).toEqual({ error: 'message failed validation' });
    expect(await c.recvJson()).toMatchObject({ error: expect.stringContaining('invalid JSON') });
  });

  it('a handler that throws closes with 1011 and is logged; one that returns closes with 1000', async () => {
    const { logger, lines } = memoryLogger();
    const boom = path('b')
      .and(ws())
      .map((u) =>
        u.onUpgrade(() => {
          throw new Error('handler boom');
        }),
      );
    const c = await wsRequest().path('/b').log(logger).handshake(boom);
    expect((await c.closed).code).toBe(1011);
    expect(JSON.stringify(lines)).toContain('handler boom');
    const done = path('d')
      .and(ws())
      .map((u) => u.onUpgrade((s) => void s.send('bye')));
    const d = await wsRequest().path('/d').handshake(done);
    expect((await d.recv()).text()).toBe('bye');
    expect((await d.closed).code).toBe(1000);
  });

  it('readers waiting together (recv and for await) get messages in the order they asked; a close ends them all', async () => {
    let got: unknown[] = [];
    let ended = false;
    const route = path('r')
      .and(ws())
      .map((u) =>
        u.onUpgrade(async (socket) => {
          const iter = socket[Symbol.asyncIterator]();
          const waits = [socket.recv(), iter.next(), socket.recv(), iter.next()];
          socket.send('waiting');
          const first = await Promise.all(waits.slice(0, 3));
          got = first.map((x) =>
            x === undefined ? 'closed' : 'text' in x ? x.text() : x.done ? 'done' : x.value.text(),
          );
          const last = await Promise.all([waits[3], socket.recv(), iter.next()]);
          got.push(
            ...last.map((x) =>
              x === undefined ? 'closed' : 'text' in x ? x.text() : x.done ? 'done' : x.value.text(),
            ),
          );
          ended = true;
        }),
      );
    const c = await wsRequest().path('/r').handshake(route);
    expect((await c.recv()).text()).toBe('waiting');
    c.send('one');
    c.send('two');
    c.send('three');
    await until(() => got.length === 3);
    expect(got).toEqual(['one', 'two', 'three']);
    c.close();
    await until(() => ended);
    expect(got).toEqual(['one', 'two', 'three', 'done', 'closed', 'done']);
  });

  it("the handler's signal fires when the client closes", async () => {
    let aborted = false;
    const f = path('s')
      .and(ws())
      .map((u) =>
        u.onUpgrade(async (_s, signal) => {
          await new Promise<void>((r) => signal.addEventListener('abort', () => r()));
          aborted = true;
        }),
      );
    const c = await wsRequest().path('/s').handshake(f);
    c.close(1000, 'bye');
    await until(() => aborted);
  });

  it('bounds the messages waiting for the handler: past maxQueued the socket closes with 1008', async () => {
    const f = path('q')
      .and(ws({ maxQueued: 3 }))
      .map((u) => u.onUpgrade(() => new Promise<void>(() => {})));
    const c = await wsRequest().path('/q').handshake(f);
    for (let i = 0; i < 5; i++) c.send(`m${i}`);
    expect((await c.closed).code).toBe(1008);
  });

  it('subscribe(tx) delivers broadcasts to the socket', async () => {
    const [tx] = channel<{ n: number }>(8);
    const f = subscriberRoute('sub', tx);
    const a = await wsRequest().path('/sub').handshake(f);
    const b = await wsRequest().path('/sub').handshake(f);
    await a.recv();
    await b.recv();
    expect(tx.send({ n: 1 })).toBe(3); // the channel's own receiver + two sockets
    expect(await a.recvJson()).toEqual({ n: 1 });
    expect(await b.recvJson()).toEqual({ n: 1 });
  });

  it('close() checks the code and reason', async () => {
    let sock: WsSocket | undefined;
    const f = path('c')
      .and(ws())
      .map((u) => u.onUpgrade((s) => new Promise<void>(() => void (sock = s))));
    await wsRequest().path('/c').handshake(f);
    await until(() => sock !== undefined);
    expect(() => sock?.close(1005)).toThrow(RangeError);
    expect(() => sock?.close(999)).toThrow(RangeError);
    expect(() => sock?.close(1000, 'x'.repeat(124))).toThrow(RangeError);
  });
});

describe('WebSockets on the uWS server', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close({ timeoutMs: 200 })));
  });
  const start = async (f: Parameters<typeof serve>[0]) => {
    const s = await serve(f, { logger: false }).listen({ port: 0 });
    servers.push(s);
    return s;
  };
  const connect = async (url: string, opts?: WebSocket.ClientOptions) => {
    const c = new WebSocket(url, opts);
    const inbox: (string | Buffer)[] = [];
    c.on('message', (d, isBinary) => inbox.push(isBinary ? (d as Buffer) : d.toString()));
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      c.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    await new Promise((resolve, reject) => {
      c.on('open', resolve);
      c.on('error', reject);
    });
    return { c, inbox, closed };
  };

  it('echoes text and binary over a real socket', async () => {
    const s = await start(echo);
    const { c, inbox } = await connect(`ws://127.0.0.1:${s.port}/echo`);
    c.send('hi');
    c.send(Buffer.from([1, 2, 3]));
    await until(() => inbox.length === 2);
    expect(inbox[0]).toBe('echo:hi');
    expect([...(inbox[1] as Buffer)]).toEqual([1, 2, 3]);
    c.close();
  });

  it('a plain HTTP GET on a WebSocket route is a 426', async () => {
    const s = await start(echo);
    const res = await fetch(`http://127.0.0.1:${s.port}/echo`);
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
  });

  it('a rejected handshake gets its HTTP status and no upgrade', async () => {
    const s = await start(
      path('chat')
        .and(header('x-token'))
        .and(ws())
        .map((_t, u) => u.onUpgrade(() => {})),
    );
    const c = new WebSocket(`ws://127.0.0.1:${s.port}/chat`);
    const status = await new Promise<number>((r) => c.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0)));
    expect(status).toBe(400);
  });

  it('a disallowed Origin gets 403 and a wrong version 426 from the real server, before any upgrade', async () => {
    const s = await start(
      path('o')
        .and(ws({ origins: ['https://ok.example'] }))
        .map((u) => u.onUpgrade(() => {})),
    );
    const status = (opts: WebSocket.ClientOptions) =>
      new Promise<number>((resolve) => {
        const c = new WebSocket(`ws://127.0.0.1:${s.port}/o`, opts);
        c.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        c.on('open', () => resolve(101));
        c.on('error', () => {});
      });
    expect(await status({ origin: 'https://evil.example' })).toBe(403);
    expect(await status({ origin: 'https://ok.example' })).toBe(101);
    expect(await status({ origin: 'https://ok.example', protocolVersion: 8 })).toBe(426);
  });

  it('closes a socket that sends more than maxPayload', async () => {
    const s = await start(
      path('small')
        .and(ws({ maxPayload: 1024 }))
        .map((u) =>
          u.onUpgrade(async (so) => {
            for await (const _ of so);
          }),
        ),
    );
    const { c, closed } = await connect(`ws://127.0.0.1:${s.port}/small`);
    c.send('x'.repeat(2048));
    const { code } = await closed;
    expect([1006, 1009]).toContain(code);
  });

  it('never upgrades a request whose client left during async filters', async () => {
    let upgraded = 0;
    const slow = path('slow')
      .and(ws())
      .then(async (u) => {
        await delay(100);
        return u;
      })
      .map((u) => u.onUpgrade(() => void upgraded++));
    const s = await start(slow);
    const c = new WebSocket(`ws://127.0.0.1:${s.port}/slow`);
    c.on('error', () => {});
    await delay(20);
    c.terminate();
    await delay(200);
    expect(upgraded).toBe(0);
    expect(s.connections).toBe(0);
  });

  it('server close() sends 1001 to every socket and aborts their tasks', async () => {
    let aborted = 0;
    const f = path('hold')
      .and(ws())
      .map((u) =>
        u.onUpgrade(async (so, signal) => {
          so.send('ready');
          await new Promise<void>((r) => signal.addEventListener('abort', () => r()));
          aborted++;
        }),
      );
    const s = await serve(f, { logger: false }).listen({ port: 0 });
    const a = await connect(`ws://127.0.0.1:${s.port}/hold`);
    const b = await connect(`ws://127.0.0.1:${s.port}/hold`);
    await until(() => a.inbox.length === 1 && b.inbox.length === 1);
    expect(s.connections).toBe(2);
    await s.close({ timeoutMs: 1000 });
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    expect(aborted).toBe(2);
  });

  it('native fan-out: 50 subscribed sockets each get every broadcast, in order', async () => {
    const [tx] = channel<{ i: number }>(64);
    const f = subscriberRoute('room', tx);
    const s = await start(f);
    const clients = await Promise.all(Array.from({ length: 50 }, () => connect(`ws://127.0.0.1:${s.port}/room`)));
    await until(() => clients.every((c) => c.inbox.length === 1));
    expect(tx.socketCount).toBe(50);
    for (let i = 0; i < 100; i++) tx.send({ i });
    await until(() => clients.every((c) => c.inbox.length === 101));
    for (const c of clients) {
      expect(c.inbox.slice(1).map((m) => (JSON.parse(m as string) as { i: number }).i)).toEqual(
        Array.from({ length: 100 }, (_, i) => i),
      );
      c.c.close();
    }
  });

  it('a slow consumer is closed by the backpressure policy instead of buffering without bound', async () => {
    const [tx] = channel<string>(16);
    const f = subscriberRoute('bp', tx, { maxBackpressure: 64 * 1024 });
    const s = await start(f);
    const slow = await connect(`ws://127.0.0.1:${s.port}/bp`);
    await until(() => slow.inbox.length === 1);
    // Stop reading: the kernel buffers fill, then uWS's buffer passes maxBackpressure.
    (slow.c as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const payload = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 2000 && tx.socketCount > 0; i++) {
      tx.send(payload);
      if (i % 50 === 0) await delay(1);
    }
    await until(() => tx.socketCount === 0, 10_000);
    expect(s.connections).toBe(0);
  });

  it('send() reports backpressure and drained() waits for it', async () => {
    let results: string[] = [];
    let drainedOk = false;
    const f = path('flood')
      .and(ws({ maxBackpressure: 16 * 1024 * 1024, backpressure: 'drop' }))
      .map((u) =>
        u.onUpgrade(async (so) => {
          const chunk = 'y'.repeat(256 * 1024);
          for (let i = 0; i < 64; i++) results.push(so.send(chunk));
          await so.drained();
          drainedOk = so.bufferedAmount === 0;
          so.send('end');
          await so.closed();
        }),
      );
    const s = await start(f);
    const { inbox, c } = await connect(`ws://127.0.0.1:${s.port}/flood`);
    await until(() => inbox.includes('end'), 10_000);
    expect(results).toContain('queued');
    expect(drainedOk).toBe(true);
    c.close();
    results = [];
  });
});
