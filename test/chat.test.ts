/** Black-box tests of examples/chat over real WebSockets, against the demo's own process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ChatRoutes, ServerEvent } from '../examples/chat/app.js';
import { type ClientSocket, client, type LostInfo } from '../src/client/index.js';
import { type Balancer, balancer } from './balancer.js';
import { until } from './helpers.js';
import { type Child, startExample } from './process.js';
import { REACTOR } from './reactor.js';
import { type Client, connectWs, handshakeStatus } from './wsclient.js';

let app: Child;
let base: string;
const url = (p: string) => `ws://127.0.0.1:${app.port}${p}`;
const isMsg = (m: Record<string, unknown>) => m.type === 'message';

beforeAll(async () => {
  // Every client here comes from 127.0.0.1: room for the 200-client test (the limits have their own test below).
  app = await startExample('examples/chat/server.ts', { CHAT_MAX_CONNECTIONS_PER_ADDRESS: '1000' });
  base = `http://127.0.0.1:${app.port}`;
});
afterAll(() => {
  app.proc.kill('SIGKILL');
});

async function join(p: string): Promise<Client> {
  const c = await connectWs(url(p));
  await c.next((m) => m.type === 'welcome');
  return c;
}

/** A chat socket on weft/client (as the page has it): it reconnects, fast here, and resumes the room. */
interface WeftChatter {
  readonly sock: ClientSocket<unknown, ServerEvent>;
  /** Every event, across reconnects. */
  readonly events: ServerEvent[];
  readonly lost: LostInfo[];
  /** Resolves at the next reconnect. */
  reconnected(): Promise<void>;
  /** The texts of the messages received, in order. */
  texts(): string[];
  /** Drop the connection as a network failure would (no close frame). */
  drop(): void;
}

async function weftJoin(port: number, room: string, name: string): Promise<WeftChatter> {
  const events: ServerEvent[] = [];
  const lost: LostInfo[] = [];
  let wake: () => void = () => {};
  const api = client<ChatRoutes>(`http://127.0.0.1:${port}`, { WebSocket: WebSocket as never });
  const sock = await api.chat(room).ws({
    query: { name },
    reconnect: { minDelayMs: 20, maxDelayMs: 100 },
    onLost: (l) => lost.push(l),
    onReconnect: () => wake(),
  });
  void (async () => {
    for await (const ev of sock) events.push(ev);
  })();
  return {
    sock: sock as ClientSocket<unknown, ServerEvent>,
    events,
    lost,
    reconnected: () => new Promise<void>((r) => (wake = r)),
    texts: () => events.flatMap((e) => (e.type === 'message' ? [e.text] : [])),
    drop: () => (sock.raw as unknown as WebSocket).terminate(),
  };
}

const health = async (): Promise<{ connections: number }> =>
  (await (await fetch(`${base}/health`)).json()) as { connections: number };

describe(`examples/chat (${REACTOR} reactor)`, () => {
  it('serves the page and health', async () => {
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    // Served under a CSP whose nonce is the one on the page's script and style.
    const nonce = /'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce).toBeDefined();
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('<title>weft chat</title>');
    expect(html).toContain(`<script nonce="${nonce}" type="module" src="/main.js"></script>`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', connections: 0, worker: 0 });
  });

  it('serves the page script, bundled from page/main.ts with the typed client and no server code', async () => {
    const res = await fetch(`${base}/main.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const js = await res.text();
    // The client's socket and the page's own code are in it ...
    expect(js).toContain('ClientMessageError');
    expect(js).toContain('connected as ');
    // ... and nothing of the server: no Node built-ins, no reactor, no zod, no weft server classes.
    for (const server of ['uWebSockets', 'node:', 'require(', 'zod', 'ZodError', 'WsSocket', 'broadcast', 'pino']) {
      expect(js, server).not.toContain(server);
    }
    expect(js.length).toBeLessThan(16 * 1024);
  });

  it('GET /metrics shows sockets, messages, tasks and latency that move as clients come and go; /health/live is 200', async () => {
    const metric = async (re: RegExp) =>
      Number(re.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? Number.NaN);
    const conns = /^weft_ws_connections (\d+)$/m;
    const msgsIn = /^weft_ws_messages_total\{direction="in"\} (\d+)$/m;
    const msgsOut = /^weft_ws_messages_total\{direction="out"\} (\d+)$/m;
    const tasks = /^weft_tasks_active (\d+)$/m;
    const upgrades =
      /^http_request_duration_seconds_count\{method="GET",route="\/chat\/\{room\}",status_code="101"\} (\d+)$/m;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const in0 = await metric(msgsIn);
    const out0 = await metric(msgsOut);
    const tasks0 = await metric(tasks);
    const up0 = (await metric(upgrades)) || 0;
    const a = await join('/chat/metrics-room?name=a');
    const b = await join('/chat/metrics-room?name=b');
    expect(await metric(conns)).toBe(2);
    expect(await metric(tasks)).toBe(tasks0 + 2);
    expect(await metric(upgrades)).toBe(up0 + 2);
    for (let i = 0; i < 5; i++) a.send({ type: 'message', text: `m${i}` });
    await until(() => b.inbox.filter(isMsg).length === 5);
    expect(await metric(msgsIn)).toBe(in0 + 5);
    // Each message reached both sockets (plus welcomes and the join).
    expect(await metric(msgsOut)).toBeGreaterThanOrEqual(out0 + 10);
    a.ws.close();
    b.ws.close();
    await until(async () => (await metric(conns)) === 0);
    expect(await metric(tasks)).toBe(tasks0);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(
      /^http_request_duration_seconds_bucket\{method="GET",route="\/health",status_code="200",le="0\.005"\} \d+$/m,
    );
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
  });

  it('welcomes with id, name, room, users and history; others hear join and leave', async () => {
    const alice = await connectWs(url('/chat/room1?name=alice'));
    const w = await alice.next((m) => m.type === 'welcome');
    expect(w).toMatchObject({ type: 'welcome', name: 'alice', room: 'room1', users: ['alice'], history: [] });
    expect(typeof w.id).toBe('string');
    const bob = await connectWs(url('/chat/room1?name=bob'));
    expect(await bob.next((m) => m.type === 'welcome')).toMatchObject({ users: ['alice', 'bob'] });
    expect(await alice.next((m) => m.type === 'join')).toEqual({ type: 'join', name: 'bob' });
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', connections: 2, worker: 0 });
    bob.ws.close();
    expect(await alice.next((m) => m.type === 'leave')).toEqual({ type: 'leave', name: 'bob' });
    expect(bob.inbox.some((m) => m.type === 'join')).toBe(false); // the joiner does not hear its own join
    alice.ws.close();
  });

  it('delivers a message to everyone in the room including the sender; rooms are isolated', async () => {
    const a = await join('/chat/r2?name=a');
    const b = await join('/chat/r2?name=b');
    const other = await join('/chat/r3?name=c');
    a.send({ type: 'message', text: 'hello r2' });
    const ma = await a.next(isMsg);
    const mb = await b.next(isMsg);
    expect(ma).toMatchObject({ type: 'message', from: 'a', text: 'hello r2' });
    expect(mb).toEqual(ma);
    expect(typeof ma.id).toBe('string');
    expect(typeof ma.ts).toBe('number');
    await new Promise((r) => setTimeout(r, 50));
    expect(other.inbox.some(isMsg)).toBe(false);
    for (const c of [a, b, other]) c.ws.close();
  });

  it('the lobby is /chat; a missing name becomes guest-N', async () => {
    const c = await connectWs(url('/chat'));
    const w = await c.next((m) => m.type === 'welcome');
    expect(w.room).toBe('lobby');
    expect(w.name).toMatch(/^guest-\d+$/);
    c.ws.close();
  });

  it('a newcomer gets the last 50 messages as history', async () => {
    const a = await join('/chat/hist?name=h');
    // 35 at once, then 25 more after the bucket refilled (burst 40, 20/s).
    for (let i = 0; i < 35; i++) a.send({ type: 'message', text: `m${i}` });
    await a.next((m) => m.text === 'm34'); // the server has taken all 35 from the bucket: the refill starts now
    await new Promise((r) => setTimeout(r, 1300));
    for (let i = 35; i < 60; i++) a.send({ type: 'message', text: `m${i}` });
    await a.next((m) => m.text === 'm59');
    const late = await connectWs(url('/chat/hist?name=late'));
    const w = await late.next((m) => m.type === 'welcome');
    const history = w.history as { text: string }[];
    expect(history).toHaveLength(50);
    expect(history[0]?.text).toBe('m10');
    expect(history[49]?.text).toBe('m59');
    a.ws.close();
    late.ws.close();
  });

  it('answers a bad frame with an error and keeps the socket open', async () => {
    const c = await join('/chat/bad?name=x');
    for (const frame of [
      'not json',
      { type: 'nope' },
      { type: 'message', text: '' },
      { type: 'message', text: 'x'.repeat(2001) },
      '{"__proto__":{}}',
    ]) {
      c.send(frame);
      expect(await c.next((m) => m.type === 'error')).toMatchObject({ type: 'error', message: expect.any(String) });
    }
    c.ws.send(Buffer.from([1, 2, 3]));
    expect((await c.next((m) => m.type === 'error')).type).toBe('error');
    c.send({ type: 'message', text: 'still here' });
    expect(await c.next(isMsg)).toMatchObject({ text: 'still here' });
    c.ws.close();
  });

  it('rejects a bad room or name with HTTP 400 before any upgrade', async () => {
    expect(await handshakeStatus(url('/chat/Bad_Room?name=a'))).toBe(400);
    expect(await handshakeStatus(url(`/chat/${'r'.repeat(33)}?name=a`))).toBe(400);
    expect(await handshakeStatus(url('/chat/ok?name=bad%20name'))).toBe(400);
    expect(await handshakeStatus(url(`/chat/ok?name=${'n'.repeat(33)}`))).toBe(400);
    expect(await handshakeStatus(url('/chat/ok?name='))).toBe(400);
  });

  it('closes a socket that sends a frame over 64 KiB', async () => {
    const c = await join('/chat/big?name=big');
    c.ws.send(JSON.stringify({ type: 'message', text: 'x'.repeat(70 * 1024) }));
    const { code } = await c.closed;
    expect([1006, 1009]).toContain(code);
  });

  it('closes a flooding socket with 1008 (over 20 msg/s sustained, burst 40)', async () => {
    const c = await join('/chat/flood?name=flood');
    for (let i = 0; i < 100; i++) c.send({ type: 'message', text: `spam ${i}` });
    const { code } = await c.closed;
    expect(code).toBe(1008);
    const delivered = c.inbox.filter(isMsg).length;
    expect(delivered).toBeGreaterThanOrEqual(40);
    expect(delivered).toBeLessThan(100);
  });

  it('200 clients in one room each receive every message, in order', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, (_, i) => join(`/chat/big-room?name=u${i}`)));
    const senders = clients.slice(0, 5);
    const perSender = 10;
    for (let k = 0; k < perSender; k++) {
      for (const [i, s] of senders.entries()) s.send({ type: 'message', text: `s${i}-${k}` });
      await new Promise((r) => setTimeout(r, 60)); // stay under the rate limit
    }
    const total = senders.length * perSender;
    const deadline = Date.now() + 15_000;
    while (clients.some((c) => c.inbox.filter(isMsg).length < total) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const reference = (clients[0] as Client).inbox.filter(isMsg).map((m) => m.id);
    expect(reference).toHaveLength(total);
    expect([...reference].sort((x, y) => (x as number) - (y as number))).toEqual(reference); // ids increase
    for (const c of clients) expect(c.inbox.filter(isMsg).map((m) => m.id)).toEqual(reference);
    for (const c of clients) c.ws.close();
  });
});

describe(`examples/chat survives a dropped connection (${REACTOR} reactor, weft/client)`, () => {
  const balancers: Balancer[] = [];
  afterAll(() => {
    for (const b of balancers) b.close();
  });
  const front = async (ports: () => readonly number[]) => {
    const b = await balancer(ports);
    balancers.push(b);
    return b;
  };

  it('a client whose connection drops comes back resumed and gets every message sent meanwhile, once and in order', async () => {
    let open = true; // the balancer in front holds the client off while the others talk
    const lb = await front(() => (open ? [app.port] : []));
    const bob = await join('/chat/resume?name=bob');
    const alice = await weftJoin(lb.port, 'resume', 'alice');
    await until(() => alice.events.length > 0);
    expect(alice.events[0]).toMatchObject({ type: 'welcome', name: 'alice', users: ['bob', 'alice'], history: [] });
    expect(alice.events[0]).not.toHaveProperty('resumed');
    const say = (from: number, to: number) => {
      for (let i = from; i < to; i++) bob.send({ type: 'message', text: `m${i}` });
    };
    say(0, 3);
    await until(() => alice.texts().length === 3);

    open = false;
    const back = alice.reconnected();
    alice.drop();
    await bob.next((m) => m.type === 'leave' && m.name === 'alice');
    say(3, 13); // while alice is away
    await bob.next((m) => m.text === 'm12');
    const welcomes = alice.events.length;
    open = true;
    await back;
    await until(() => bob.inbox.filter((m) => m.type === 'join' && m.name === 'alice').length === 2);
    say(13, 15); // live again
    await until(() => alice.texts().length >= 15);

    expect(alice.texts()).toEqual(Array.from({ length: 15 }, (_, i) => `m${i}`));
    expect(alice.lost).toEqual([]);
    expect(alice.sock.reconnects).toBe(1);
    // The resumed welcome lists who is here and brings no history: the replay follows it,
    // with the leave and join the others heard (so a list kept from before stays right).
    const after = alice.events.slice(welcomes);
    expect(after[0]).toMatchObject({ type: 'welcome', name: 'alice', history: [], resumed: true });
    expect(
      after.slice(1).map((e) => (e.type === 'message' ? e.text : `${e.type} ${'name' in e ? e.name : ''}`)),
    ).toEqual(['leave alice', ...Array.from({ length: 10 }, (_, i) => `m${i + 3}`), 'join alice', 'm13', 'm14']);
    const ids = alice.events.flatMap((e) => (e.type === 'message' ? [e.id] : []));
    expect(new Set(ids).size).toBe(15);
    alice.sock.close();
    bob.ws.close();
  });

  it('a lone client comes back to its room (kept a while), loses nothing, and what it sent meanwhile goes out once', async () => {
    let open = true;
    const lb = await front(() => (open ? [app.port] : []));
    const alice = await weftJoin(lb.port, 'alone', 'alice');
    alice.sock.send({ type: 'message', text: 'first' });
    await until(() => alice.texts().length === 1);
    const connections = (await health()).connections;
    open = false;
    const back = alice.reconnected();
    alice.drop();
    await until(async () => (await health()).connections === connections - 1); // the room is empty now
    alice.sock.send({ type: 'message', text: 'while away' }); // waits for the connection
    open = true;
    await back;
    await until(() => alice.texts().length >= 2);
    alice.sock.send({ type: 'message', text: 'back' });
    await until(() => alice.texts().length >= 3);
    expect(alice.texts()).toEqual(['first', 'while away', 'back']);
    expect(alice.lost).toEqual([]);
    expect(alice.events.filter((e) => e.type === 'welcome')).toMatchObject([
      { users: ['alice'], history: [] },
      { users: ['alice'], history: [], resumed: true },
    ]);
    alice.sock.close();
  });
});

describe('examples/chat per-address limits', () => {
  it('answers 429 before any upgrade once an address holds its connections or rooms, and frees them on close', async () => {
    const child = await startExample('examples/chat/server.ts', {
      CHAT_MAX_CONNECTIONS_PER_ADDRESS: '3',
      CHAT_MAX_ROOMS_PER_ADDRESS: '2',
    });
    try {
      const at = (p: string) => `ws://127.0.0.1:${child.port}${p}`;
      const open = async (p: string) => {
        const c = await connectWs(at(p));
        await c.next((m) => m.type === 'welcome');
        return c;
      };
      const a1 = await open('/chat/a?name=a1');
      await open('/chat/a?name=a2');
      await open('/chat/b?name=b1');
      expect(await handshakeStatus(at('/chat/a?name=a3'))).toBe(429); // a fourth connection
      a1.ws.close();
      await until(
        async () =>
          ((await (await fetch(`http://127.0.0.1:${child.port}/health`)).json()) as { connections: number })
            .connections === 2,
      );
      expect(await handshakeStatus(at('/chat/c?name=c1'))).toBe(429); // a third room
      const a3 = await open('/chat/a?name=a3'); // a room it holds, within the connections
      expect(a3.inbox[0]).toMatchObject({ type: 'welcome', room: 'a' });
    } finally {
      child.proc.kill('SIGKILL');
    }
  });
});

describe('examples/chat shutdown', () => {
  it('SIGTERM closes every socket with 1001 and the process exits 0', async () => {
    const child = await startExample('examples/chat/server.ts');
    const clients = await Promise.all(
      [1, 2, 3].map((i) => connectWs(`ws://127.0.0.1:${child.port}/chat/x?name=c${i}`)),
    );
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'welcome')));
    child.proc.kill('SIGTERM');
    const codes = await Promise.all(clients.map((c) => c.closed.then((x) => x.code)));
    expect(codes).toEqual([1001, 1001, 1001]);
    expect(await child.exited).toBe(0);
  });
});
