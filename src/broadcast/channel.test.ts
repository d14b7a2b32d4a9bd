/** Ported from tokio's tests/sync_broadcast.rs (capacity here is exact; tokio rounds it up to a power of two). */
import { describe, expect, it } from 'vitest';
import type { Receiver } from './index.js';
import { ClosedError, channel, EmptyError, type LaggedError, RecvError } from './index.js';

const recvNow = <T>(rx: Receiver<T>): T => rx.tryRecv();
const expectEmpty = <T>(rx: Receiver<T>) => expect(() => rx.tryRecv()).toThrow(EmptyError);
const expectClosed = <T>(rx: Receiver<T>) => expect(() => rx.tryRecv()).toThrow(ClosedError);
function expectLagged<T>(rx: Receiver<T>, n: number) {
  try {
    rx.tryRecv();
  } catch (e) {
    expect(e).toBeInstanceOf(RecvError.Lagged);
    expect((e as LaggedError).skipped).toBe(n);
    return;
  }
  throw new Error('did not lag');
}
const tick = () => new Promise((r) => setImmediate(r));

describe('broadcast channel', () => {
  it('send_try_recv_bounded', () => {
    const [tx, rx] = channel<string>(16);
    expectEmpty(rx);
    expect(tx.send('hello')).toBe(1);
    expect(recvNow(rx)).toBe('hello');
    expectEmpty(rx);
  });

  it('send_two_recv: both receivers see every value', () => {
    const [tx, rx1] = channel<string>(16);
    const rx2 = tx.subscribe();
    expectEmpty(rx1);
    expectEmpty(rx2);
    expect(tx.send('hello')).toBe(2);
    expect(recvNow(rx1)).toBe('hello');
    expect(recvNow(rx2)).toBe('hello');
    expectEmpty(rx1);
    expectEmpty(rx2);
  });

  it('send_recv_bounded: a pending recv is woken by send', async () => {
    const [tx, rx] = channel<string>(16);
    let got: string | undefined;
    const p = rx.recv().then((v) => {
      got = v;
    });
    await tick();
    expect(got).toBeUndefined();
    tx.send('hello');
    await p;
    expect(got).toBe('hello');
  });

  it('send_two_recv_bounded: two pending receivers are both woken', async () => {
    const [tx, rx1] = channel<string>(16);
    const rx2 = tx.subscribe();
    const p = Promise.all([rx1.recv(), rx2.recv()]);
    tx.send('hello');
    expect(await p).toEqual(['hello', 'hello']);
    const q = rx1.recv();
    tx.send('world');
    expect(await q).toBe('world');
    expect(recvNow(rx2)).toBe('world');
  });

  it('send_slow_rx: a slow receiver does not hold back a fast one', async () => {
    const [tx, rx1] = channel<string>(16);
    const rx2 = tx.subscribe();
    tx.send('one');
    tx.send('two');
    expect(await rx1.recv()).toBe('one');
    expect(await rx1.recv()).toBe('two');
    tx.send('three');
    expect(await rx1.recv()).toBe('three');
    expect(recvNow(rx2)).toBe('one');
    expect(recvNow(rx2)).toBe('two');
    expect(recvNow(rx2)).toBe('three');
  });

  it('capacity_overflow_reports_lagged_then_oldest_retained (lagging_rx)', () => {
    const [tx, rx1] = channel<string>(2);
    const rx2 = tx.subscribe();
    tx.send('one');
    tx.send('two');
    expect(recvNow(rx1)).toBe('one');
    tx.send('three');
    expectLagged(rx2, 1);
    expect(recvNow(rx2)).toBe('two');
    expect(recvNow(rx1)).toBe('two');
    expect(recvNow(rx1)).toBe('three');
    tx.send('four');
    tx.send('five');
    expectLagged(rx2, 1);
    tx.send('six');
    expectLagged(rx2, 1);
  });

  it('send_no_rx: a send nobody sees returns 0 and does not throw; a later subscriber receives', () => {
    const [tx, rx] = channel<string>(16);
    rx.close();
    expect(tx.send('hello')).toBe(0);
    expect(tx.receiverCount).toBe(0);
    const rx2 = tx.subscribe();
    expect(tx.send('world')).toBe(1);
    expect(recvNow(rx2)).toBe('world');
    expectEmpty(rx2);
  });

  it('a closed receiver stops counting, throws Closed, and closing twice is harmless', () => {
    const [tx, rx] = channel<number>(4);
    const rx2 = tx.subscribe();
    tx.send(1);
    rx2.close();
    rx2.close();
    expect(tx.receiverCount).toBe(1);
    expect(tx.send(2)).toBe(1);
    expectClosed(rx2);
    expect([recvNow(rx), recvNow(rx)]).toEqual([1, 2]);
    rx[Symbol.dispose]();
    expect(tx.send(3)).toBe(0);
  });

  it('a receiver nobody references still counts until it is closed, however often the collector runs', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'run with --expose-gc (vitest.config.ts sets it)').toBeTypeOf('function');
    const collect = async () => {
      for (let i = 0; i < 3; i++) {
        gc?.();
        await tick(); // FinalizationRegistry callbacks run after a collection, as tasks
      }
    };
    // The unkept receiver: nothing refers to it once this line is done.
    const [tx] = channel<{ n: number }>(4);
    const late = tx.subscribe();
    const counts: number[] = [];
    for (let n = 0; n < 6; n++) {
      counts.push(tx.send({ n }));
      await collect();
    }
    expect(counts).toEqual([2, 2, 2, 2, 2, 2]);
    expect(tx.receiverCount).toBe(2);
    expectLagged(late, 2);
    expect(recvNow(late)).toEqual({ n: 2 });
    late.close();
    await collect();
    expect(tx.send({ n: 6 })).toBe(1);
    // A channel whose every receiver was closed answers 0, before and after a collection.
    const [tx2, rx2] = channel<string>(2);
    rx2.close();
    expect(tx2.send('a')).toBe(0);
    await collect();
    expect(tx2.send('b')).toBe(0);
  });

  it('zero capacity and too big a capacity are refused', () => {
    expect(() => channel(0)).toThrow(RangeError);
    expect(() => channel(2 ** 40)).toThrow(RangeError);
    expect(() => channel(1.5)).toThrow(RangeError);
  });

  it('dropping_tx_notifies_rx: closing every sender wakes receivers with Closed', async () => {
    const [tx, rx1] = channel<null>(16);
    const rx2 = tx.subscribe();
    const tx2 = tx.clone();
    const p1 = rx1.recv().catch((e: unknown) => e);
    const p2 = rx2.recv().catch((e: unknown) => e);
    tx.close();
    await tick();
    tx2.close();
    expect(await p1).toBeInstanceOf(ClosedError);
    expect(await p2).toBeInstanceOf(ClosedError);
  });

  it('unconsumed_messages_are_dropped: values are released once every receiver has them', async () => {
    const [tx, rx] = channel<object>(16);
    let collected = false;
    const reg = new FinalizationRegistry(() => {
      collected = true;
    });
    (() => {
      const msg = { big: new Array(1000).fill(1) };
      reg.register(msg, 'msg');
      tx.send(msg);
    })();
    rx.close();
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'run with --expose-gc (vitest.config.ts sets it)').toBeTypeOf('function');
    for (let i = 0; i < 10 && !collected; i++) {
      gc?.();
      await tick();
    }
    expect(collected).toBe(true);
    expect(tx.receiverCount).toBe(0);
  });

  it('single_capacity_recvs', () => {
    const [tx, rx] = channel<number>(1);
    tx.send(1);
    expect(recvNow(rx)).toBe(1);
    expectEmpty(rx);
  });

  it('single_capacity_recvs_after_drop_1', () => {
    const [tx, rx] = channel<number>(1);
    tx.send(1);
    tx.close();
    expect(recvNow(rx)).toBe(1);
    expectClosed(rx);
  });

  it('single_capacity_recvs_after_drop_2', () => {
    const [tx, rx] = channel<number>(1);
    tx.send(1);
    tx.send(2);
    tx.close();
    expectLagged(rx, 1);
    expect(recvNow(rx)).toBe(2);
    expectClosed(rx);
  });

  it('dropping_sender_does_not_overwrite', () => {
    const [tx, rx] = channel<number>(2);
    tx.send(1);
    tx.send(2);
    tx.close();
    expect(recvNow(rx)).toBe(1);
    expect(recvNow(rx)).toBe(2);
    expectClosed(rx);
  });

  it('lagging_receiver_recovers_after_wrap_closed_1 and _2', () => {
    const [tx, rx] = channel<number>(2);
    for (const v of [1, 2, 3]) tx.send(v);
    tx.close();
    expectLagged(rx, 1);
    expect([recvNow(rx), recvNow(rx)]).toEqual([2, 3]);
    expectClosed(rx);
    const [tx2, rx2] = channel<number>(2);
    for (const v of [1, 2, 3, 4]) tx2.send(v);
    tx2.close();
    expectLagged(rx2, 2);
    expect([recvNow(rx2), recvNow(rx2)]).toEqual([3, 4]);
    expectClosed(rx2);
  });

  it('lagging_receiver_recovers_after_wrap_open', () => {
    const [tx, rx] = channel<number>(2);
    for (const v of [1, 2, 3]) tx.send(v);
    expectLagged(rx, 1);
    expect([recvNow(rx), recvNow(rx)]).toEqual([2, 3]);
    expectEmpty(rx);
  });

  it('receiver_len_with_lagged', () => {
    const [tx, rx] = channel<number>(4);
    for (const v of [10, 20, 30, 40]) tx.send(v);
    expect(rx.len).toBe(4);
    expect(recvNow(rx)).toBe(10);
    tx.send(50);
    tx.send(60);
    expect(rx.len).toBe(5);
    expectLagged(rx, 1);
  });

  it('receiver_same_position_as_cloned', () => {
    const [tx, rx] = channel<number>(3);
    let rxClone = rx.clone();
    expect(tx.receiverCount).toBe(2);
    tx.send(1);
    expect(recvNow(rxClone)).toBe(1);
    rxClone.close();
    tx.send(2);
    tx.send(3);
    rxClone = rx.clone();
    expect(recvNow(rx)).toBe(1);
    expect(recvNow(rxClone)).toBe(1);
    rxClone.close();
    tx.send(4);
    rxClone = rx.clone();
    expect([recvNow(rx), recvNow(rx)]).toEqual([2, 3]);
    expect([recvNow(rxClone), recvNow(rxClone), recvNow(rxClone)]).toEqual([2, 3, 4]);
    expect(recvNow(rx)).toBe(4);
    tx.send(5);
    tx.close();
    expect(recvNow(rx)).toBe(5);
    expect(recvNow(rxClone)).toBe(5);
    expectClosed(rx);
    expectClosed(rxClone);
  });

  it('subscribe sees only values sent after it', () => {
    const [tx, rx] = channel<number>(8);
    tx.send(1);
    const late = tx.subscribe();
    tx.send(2);
    expect(recvNow(late)).toBe(2);
    expect(recvNow(rx)).toBe(1);
  });

  it('values are shared, not copied', () => {
    const [tx, rx1] = channel<{ n: number }>(4);
    const rx2 = tx.subscribe();
    const v = { n: 1 };
    tx.send(v);
    expect(recvNow(rx1)).toBe(v);
    expect(recvNow(rx2)).toBe(v);
  });

  it('async iteration skips lag and ends on close; break closes the receiver', async () => {
    const [tx, rx] = channel<number>(2);
    for (const v of [1, 2, 3, 4]) tx.send(v);
    tx.close();
    const seen: number[] = [];
    for await (const v of rx) seen.push(v);
    expect(seen).toEqual([3, 4]);
    const [tx2, rx2] = channel<number>(4);
    tx2.send(1);
    tx2.send(2);
    for await (const v of rx2) if (v === 1) break;
    expect(tx2.receiverCount).toBe(0);
  });

  it('send after close throws', () => {
    const [tx] = channel<number>(2);
    tx.close();
    expect(() => tx.send(1)).toThrow(/closed/);
  });
});
