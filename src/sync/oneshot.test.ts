/** oneshot, with the cases of tokio's tests/sync_oneshot.rs that apply. */
import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/helpers.js';
import { ClosedError, EmptyError, oneshot, SendError } from './index.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('oneshot', () => {
  it('send_recv: awaiting the receiver gives the value sent later', async () => {
    const [tx, rx] = oneshot<number>();
    let got: number | undefined;
    const p = rx.then((v) => (got = v));
    await tick();
    expect(got).toBeUndefined();
    tx.send(1);
    await p;
    expect(got).toBe(1);
  });

  it('close_tx: the receiver rejects with ClosedError when the sender closes without sending', async () => {
    const [tx, rx] = oneshot<number>();
    const p = Promise.resolve(rx);
    tx.close();
    await expect(p).rejects.toBeInstanceOf(ClosedError);
  });

  it('close_rx: send after the receiver closed throws SendError with the value; closed() resolves', async () => {
    const [tx, rx] = oneshot<number>();
    let closed = false;
    const c = tx.closed().then(() => (closed = true));
    await tick();
    expect(closed).toBe(false);
    rx.close();
    await c;
    expect(tx.isClosed).toBe(true);
    const err = thrown(() => tx.send(1));
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError<number>).value).toBe(1);
  });

  it('explicit_close_poll: a value sent before rx.close() can still be read; none sent means ClosedError', async () => {
    const [tx, rx] = oneshot<number>();
    tx.send(1);
    rx.close();
    expect(await rx).toBe(1);
    const [tx2, rx2] = oneshot<number>();
    rx2.close();
    expect(() => tx2.send(1)).toThrow(SendError);
    await expect(Promise.resolve(rx2)).rejects.toBeInstanceOf(ClosedError);
  });

  it('explicit_close_try_recv: tryRecv returns the value, Empty while pending, Closed once none will come', () => {
    const [tx, rx] = oneshot<number>();
    expect(() => rx.tryRecv()).toThrow(EmptyError);
    tx.send(1);
    rx.close();
    expect(rx.tryRecv()).toBe(1);
    const [, rx2] = oneshot<number>();
    rx2.close();
    expect(() => rx2.tryRecv()).toThrow(ClosedError);
  });

  it('a sender sends once: a second send or a send after close throws ClosedError', () => {
    const [tx] = oneshot<number>();
    tx.send(1);
    expect(() => tx.send(2)).toThrow(ClosedError);
    tx.close(); // a no-op after send
    const [tx2, rx2] = oneshot<number>();
    tx2[Symbol.dispose]();
    expect(() => tx2.send(2)).toThrow(ClosedError);
    expect(() => rx2.tryRecv()).toThrow(ClosedError);
  });

  it('a receiver nobody awaits is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const on = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', on);
    const [tx] = oneshot<number>();
    tx.close();
    await tick();
    await tick();
    process.off('unhandledRejection', on);
    expect(unhandled).toEqual([]);
  });

  it('every await of a received oneshot gives the same value', async () => {
    const [tx, rx] = oneshot<{ id: number }>();
    const v = { id: 3 };
    tx.send(v);
    expect(await rx).toBe(v);
    expect(await rx).toBe(v);
  });
});
