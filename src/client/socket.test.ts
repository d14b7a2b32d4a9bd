/**
 * The client socket's reconnecting and resuming, against a scripted
 * WebSocket and fake timers: which closes bring it back and which end it,
 * the backoff's bounds, the resume token, duplicates dropped, sends queued
 * while away, asks failed by a drop.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AskError, type ClientSocket, type LostInfo, openSocket, type WebSocketLike } from './socket.js';

type Listener = (ev: never) => void;

class FakeSocket implements WebSocketLike {
  static made: FakeSocket[] = [];
  readyState = 0;
  protocol = '';
  binaryType = 'blob';
  readonly sent: string[] = [];
  private readonly listeners = new Map<string, Listener[]>();
  constructor(
    readonly url: string,
    readonly protocols: string | string[] = [],
  ) {
    FakeSocket.made.push(this);
  }
  addEventListener(type: string, l: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  private emit(type: string, ev: unknown): void {
    for (const l of this.listeners.get(type) ?? []) (l as (e: unknown) => void)(ev);
  }
  open(protocol = 'weft.v1'): void {
    this.readyState = 1;
    this.protocol = protocol;
    this.emit('open', {});
  }
  message(frame: unknown): void {
    this.emit('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.emit('close', { code, reason });
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code = 1000, reason = ''): void {
    this.drop(code, reason);
  }
}

const last = () => FakeSocket.made[FakeSocket.made.length - 1] as FakeSocket;

async function open(
  extra: { maxAttempts?: number; onLost?: (l: LostInfo) => void } = {},
): Promise<ClientSocket<unknown, unknown>> {
  const p = openSocket<unknown, unknown>({
    Ctor: FakeSocket,
    url: 'ws://x/feed',
    protocols: ['weft.v1'],
    schema: undefined,
    reconnect: { minDelayMs: 100, maxDelayMs: 800, maxAttempts: extra.maxAttempts },
    onLost: extra.onLost,
    onReconnect: undefined,
    onDrop: undefined,
  });
  last().open();
  return p;
}

/** Everything the socket yields, as it is yielded. */
function collect(sock: ClientSocket<unknown, unknown>): unknown[] {
  const got: unknown[] = [];
  void (async () => {
    for await (const v of sock) got.push(v);
  })();
  return got;
}

beforeEach(() => {
  FakeSocket.made = [];
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('ClientSocket reconnecting', () => {
  it('comes back after an abnormal close, waiting between half and all of a doubling delay', async () => {
    await open();
    last().drop(1006);
    expect(FakeSocket.made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(74); // 100 ms, jittered to 75 with random() = 0.5
    expect(FakeSocket.made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.made).toHaveLength(2);
    last().drop(1006); // the attempt fails: 200 ms next, jittered to 150
    await vi.advanceTimersByTimeAsync(149);
    expect(FakeSocket.made).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.made).toHaveLength(3);
  });

  it('never waits more than maxDelayMs, and gives up after maxAttempts', async () => {
    const sock = await open({ maxAttempts: 5 });
    for (let i = 0; i < 5; i++) {
      last().drop(1006);
      await vi.advanceTimersByTimeAsync(800);
    }
    expect(FakeSocket.made).toHaveLength(6);
    last().drop(1006);
    expect((await sock.closed()).code).toBe(1006);
  });

  it.each([1000, 1008, 4001])('a close the server meant (%i) ends the socket', async (code) => {
    const sock = await open();
    const got = collect(sock);
    last().drop(code);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.made).toHaveLength(1);
    expect(await sock.closed()).toEqual({ code, reason: '' });
    expect(got).toEqual([]);
  });

  it('sock.close() ends it for good', async () => {
    const sock = await open();
    sock.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.made).toHaveLength(1);
    expect((await sock.closed()).code).toBe(1000);
  });
});

describe('ClientSocket resuming', () => {
  it('hands back the last offset per epoch, from the snapshot and from values, in a weft.resume token', async () => {
    const sock = await open();
    const got = collect(sock);
    last().message(['pos', 'room', { a: 4, b: 9 }]);
    last().message(['v', 'room', 'a', 5, 'x']);
    last().message(['v', 'room', 'c', 0, 'y']);
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual(['x', 'y']);
    expect(sock.positions).toEqual({ room: { a: 5, b: 9, c: 0 } });
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    const protocols = last().protocols as string[];
    expect(protocols[0]).toBe('weft.v1');
    const token = protocols.find((p) => p.startsWith('weft.resume.'))?.slice('weft.resume.'.length) ?? '';
    expect(JSON.parse(Buffer.from(token, 'base64url').toString())).toEqual({ room: { a: 5, b: 9, c: 0 } });
  });

  it('drops a replayed value it already has, and reports lost values', async () => {
    const lost: LostInfo[] = [];
    const sock = await open({ onLost: (l) => lost.push(l) });
    const got = collect(sock);
    last().message(['v', 'room', 'a', 1, 1]);
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    last().open();
    last().message(['lost', 'room', 3]);
    last().message(['v', 'room', 'a', 1, 1]); // already had it
    last().message(['v', 'room', 'a', 5, 5]);
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual([1, 5]);
    expect(lost).toEqual([{ channel: 'room', count: 3 }]);
    expect(sock.reconnects).toBe(1);
  });

  it('queues sends while away and sends them, framed, once back', async () => {
    const sock = await open();
    last().drop(1006);
    sock.send({ text: 'while away' });
    await vi.advanceTimersByTimeAsync(100);
    expect(last().sent).toEqual([]);
    last().open();
    expect(last().sent).toEqual(['["m",{"text":"while away"}]']);
  });

  it('an ask in flight fails when the connection drops; an answered one resolves', async () => {
    const sock = await open();
    const answered = sock.ask({ q: 1 });
    expect(last().sent).toEqual(['["ask",1,{"q":1}]']);
    last().message(['re', 1, { a: 2 }]);
    await expect(answered).resolves.toEqual({ a: 2 });
    const pending = sock.ask({ q: 2 });
    last().drop(1006);
    await expect(pending).rejects.toBeInstanceOf(AskError);
  });

  it('an ask nobody answers times out', async () => {
    const sock = await open();
    const p = sock.ask({ q: 1 }, { timeoutMs: 500 });
    const check = expect(p).rejects.toThrow(/no answer within 500 ms/);
    await vi.advanceTimersByTimeAsync(500);
    await check;
  });

  it('to a server that does not speak weft.v1 it sends plain JSON and reads plain JSON', async () => {
    const p = openSocket<unknown, unknown>({
      Ctor: FakeSocket,
      url: 'ws://x/plain',
      protocols: ['weft.v1'],
      schema: undefined,
      reconnect: false,
      onLost: undefined,
      onReconnect: undefined,
      onDrop: undefined,
    });
    last().open('');
    const sock = await p;
    const got = collect(sock);
    sock.send({ a: 1 });
    expect(last().sent).toEqual(['{"a":1}']);
    last().message({ b: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual([{ b: 2 }]);
    await expect(sock.ask({ a: 1 })).rejects.toBeInstanceOf(AskError);
  });
});

describe('ClientSocket closing while it reconnects', () => {
  it('ends at once with the code asked for, whether between attempts or while one connects', async () => {
    const sock = await open();
    last().drop(1006);
    sock.close(4000, 'bye');
    expect(await sock.closed()).toEqual({ code: 4000, reason: 'bye' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.made).toHaveLength(1);

    const other = await open();
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(100); // an attempt is connecting
    other.close(1000, 'leave');
    expect(await other.closed()).toEqual({ code: 1000, reason: 'leave' });
  });
});
