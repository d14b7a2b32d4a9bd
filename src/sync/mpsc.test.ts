/** mpsc, with the cases of tokio's tests/sync_mpsc.rs that apply to a bounded channel without permits. */
import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/helpers.js';
import { ClosedError, EmptyError, FullError, mpsc, SendError } from './index.js';

/** Settle pending microtasks (and one macrotask) so a promise that could resolve has. */
const tick = () => new Promise<void>((r) => setImmediate(r));

/** Whether `p` has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await tick();
  return done;
}

describe('mpsc', () => {
  it('send_recv_with_buffer: values arrive in order, then undefined once the sender closed', async () => {
    const [tx, rx] = mpsc<number>(16);
    await tx.send(1);
    tx.trySend(2);
    tx.close();
    expect(await rx.recv()).toBe(1);
    expect(await rx.recv()).toBe(2);
    expect(await rx.recv()).toBeUndefined();
  });

  it('buffer_gteq_one: a capacity below 1 (or fractional) is a RangeError', () => {
    expect(() => mpsc(0)).toThrow(RangeError);
    expect(() => mpsc(1.5)).toThrow(RangeError);
  });

  it('send_recv_buffer_limited: send waits while full and completes when recv makes room', async () => {
    const [tx, rx] = mpsc<number>(1);
    await tx.send(1);
    const second = tx.send(2);
    expect(await settled(second)).toBe(false);
    expect(await rx.recv()).toBe(1);
    expect(await settled(second)).toBe(true);
    expect(() => tx.trySend(1337)).toThrow(FullError);
    expect(await rx.recv()).toBe(2);
  });

  it('start_send_past_cap: waiting senders are served first come, first served', async () => {
    const [tx1, rx] = mpsc<string>(1);
    const tx2 = tx1.clone();
    tx1.trySend('first');
    const order: string[] = [];
    const a = tx1.send('a').then(() => order.push('a'));
    const b = tx2.send('b').then(() => order.push('b'));
    const c = tx1.send('c').then(() => order.push('c'));
    // trySend cannot overtake the waiters, even once there is room for one of them
    expect(() => tx2.trySend('late')).toThrow(FullError);
    const got: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) got.push(await rx.recv());
    await Promise.all([a, b, c]);
    expect(got).toEqual(['first', 'a', 'b', 'c']);
    expect(order).toEqual(['a', 'b', 'c']);
    tx1.close();
    tx2.close();
    expect(await rx.recv()).toBeUndefined();
  });

  it('recv_close_gets_none_idle: after rx.close() recv returns undefined and send fails with the value', async () => {
    const [tx, rx] = mpsc<number>(10);
    rx.close();
    expect(await rx.recv()).toBeUndefined();
    const err = await tx.send(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError<number>).value).toBe(1);
    expect(tx.isClosed).toBe(true);
  });

  it('recv_close_gets_none_reserved: rx.close() fails waiting senders but keeps what is queued', async () => {
    const [tx1, rx] = mpsc<number>(1);
    const tx2 = tx1.clone();
    await tx1.send(123);
    const waiting = tx2.send(456).catch((e: unknown) => e);
    rx.close();
    const err = await waiting;
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError<number>).value).toBe(456);
    expect(await rx.recv()).toBe(123);
    expect(await rx.recv()).toBeUndefined();
  });

  it('tx_close_gets_none: a channel whose only sender closed ends at once', async () => {
    const [tx, rx] = mpsc<number>(10);
    tx.close();
    expect(await rx.recv()).toBeUndefined();
  });

  it('try_send_fail / try_send_fail_with_try_recv: Full when full, Closed once every sender closed', () => {
    const [tx, rx] = mpsc<string>(1);
    tx.trySend('hello');
    const full = thrown(() => tx.trySend('fail'));
    expect(full).toBeInstanceOf(FullError);
    expect((full as FullError<string>).value).toBe('fail');
    expect(rx.tryRecv()).toBe('hello');
    tx.trySend('goodbye');
    tx.close();
    expect(rx.tryRecv()).toBe('goodbye');
    expect(() => rx.tryRecv()).toThrow(ClosedError);
  });

  it('try_recv_bounded: the queue refills after reads and holds exactly capacity', () => {
    const [tx, rx] = mpsc<string>(5);
    for (let i = 0; i < 5; i++) tx.trySend('hello');
    expect(() => tx.trySend('hello')).toThrow(FullError);
    for (let i = 0; i < 5; i++) expect(rx.tryRecv()).toBe('hello');
    expect(() => rx.tryRecv()).toThrow(EmptyError);
    for (let i = 0; i < 4; i++) tx.trySend('hello');
    expect(rx.tryRecv()).toBe('hello');
    tx.trySend('hello');
    tx.trySend('hello');
    expect(() => tx.trySend('hello')).toThrow(FullError);
    for (let i = 0; i < 5; i++) expect(rx.tryRecv()).toBe('hello');
    expect(() => rx.tryRecv()).toThrow(EmptyError);
    for (let i = 0; i < 3; i++) tx.trySend('hello');
    tx.close();
    for (let i = 0; i < 3; i++) expect(rx.tryRecv()).toBe('hello');
    expect(() => rx.tryRecv()).toThrow(ClosedError);
  });

  it('try_recv_after_receiver_close / try_recv_close_while_empty_bounded: Empty while open, Closed after', () => {
    const [tx, rx] = mpsc<number>(5);
    expect(() => rx.tryRecv()).toThrow(EmptyError);
    rx.close();
    expect(() => rx.tryRecv()).toThrow(ClosedError);
    const [tx2, rx2] = mpsc<number>(5);
    expect(() => rx2.tryRecv()).toThrow(EmptyError);
    tx2.close();
    expect(() => rx2.tryRecv()).toThrow(ClosedError);
    tx.close();
  });

  it('dropping_rx_closes_channel_for_try: trySend after rx.close() throws SendError with the value', () => {
    const [tx, rx] = mpsc<{ id: number }>(100);
    const msg = { id: 1 };
    tx.trySend(msg);
    rx.close();
    const err = thrown(() => tx.trySend(msg));
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError<{ id: number }>).value).toBe(msg);
  });

  it('send_recv_many: many senders, each sender keeps its order, and the channel ends when all close', async () => {
    const [tx, rx] = mpsc<[number, number]>(4);
    const producers = [0, 1, 2].map(async (p) => {
      const mine = tx.clone();
      for (let i = 0; i < 50; i++) await mine.send([p, i]);
      mine.close();
    });
    tx.close();
    const seen: [number, number][] = [];
    for await (const v of rx) seen.push(v);
    await Promise.all(producers);
    expect(seen).toHaveLength(150);
    for (const p of [0, 1, 2]) expect(seen.filter(([q]) => q === p).map(([, i]) => i)).toEqual([...Array(50).keys()]);
  });

  it('a send waiting when its own sender closes still delivers: it was accepted', async () => {
    const [tx, rx] = mpsc<number>(1);
    tx.trySend(1);
    const waiting = tx.send(2);
    tx.close();
    expect(await rx.recv()).toBe(1);
    await waiting;
    expect(await rx.recv()).toBe(2);
    expect(await rx.recv()).toBeUndefined();
  });

  it('an aborted send gives up its place without sending, and the next waiter moves up', async () => {
    const [tx, rx] = mpsc<number>(1);
    tx.trySend(1);
    const c = new AbortController();
    const gaveUp = tx.send(2, c.signal).catch((e: unknown) => e);
    const kept = tx.send(3);
    c.abort();
    expect(((await gaveUp) as Error).name).toBe('AbortError');
    expect(await rx.recv()).toBe(1);
    await kept;
    expect(await rx.recv()).toBe(3);
    expect(() => rx.tryRecv()).toThrow(EmptyError);
  });

  it('an aborted recv rejects with the reason and takes nothing', async () => {
    const [tx, rx] = mpsc<number>(1);
    const c = new AbortController();
    const r = rx.recv(c.signal);
    c.abort(new Error('gone'));
    await expect(r).rejects.toThrow('gone');
    tx.trySend(7);
    expect(rx.tryRecv()).toBe(7);
  });

  it('concurrent recv calls are served in call order', async () => {
    const [tx, rx] = mpsc<number>(2);
    const a = rx.recv();
    const b = rx.recv();
    tx.trySend(1);
    tx.trySend(2);
    expect([await a, await b]).toEqual([1, 2]);
  });

  it('breaking out of for await closes the receiver, so senders learn', async () => {
    const [tx, rx] = mpsc<number>(4);
    tx.trySend(1);
    tx.trySend(2);
    const closed = tx.closed();
    for await (const v of rx) {
      expect(v).toBe(1);
      break;
    }
    await closed;
    expect(tx.isClosed).toBe(true);
    await expect(tx.send(3)).rejects.toBeInstanceOf(SendError);
  });

  it('undefined cannot be sent, and a closed sender cannot send or clone', async () => {
    const [tx] = mpsc<number | undefined>(2);
    expect(() => tx.trySend(undefined)).toThrow(TypeError);
    await expect(tx.send(undefined)).rejects.toBeInstanceOf(TypeError);
    tx.close();
    tx.close();
    expect(() => tx.trySend(1)).toThrow(ClosedError);
    expect(() => tx.clone()).toThrow(ClosedError);
  });

  it('capacity reports free slots and Symbol.dispose closes a handle', () => {
    const [tx, rx] = mpsc<number>(3);
    tx.trySend(1);
    expect(tx.capacity).toBe(2);
    expect(tx.maxCapacity).toBe(3);
    expect(rx.size).toBe(1);
    tx[Symbol.dispose]();
    expect(rx.isClosed).toBe(true);
    expect(rx.tryRecv()).toBe(1);
  });

  it('a long run through a small queue keeps every value and its order (the queue compacts as it drains)', async () => {
    const [tx, rx] = mpsc<number>(3000);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 4; round++) {
      while (tx.capacity > 0) tx.trySend(next++);
      for (let i = 0; i < 2500; i++) out.push(rx.tryRecv());
    }
    tx.close();
    for await (const v of rx) out.push(v);
    expect(out).toEqual([...Array(next).keys()]);
    expect(next).toBe(3000 + 3 * 2500);
  });
});
