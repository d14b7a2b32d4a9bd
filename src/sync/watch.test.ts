/** watch, with the cases of tokio's tests/sync_watch.rs that apply. */
import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/helpers.js';
import { ClosedError, SendError, watch } from './index.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

async function settled(p: Promise<unknown>): Promise<'ok' | 'err' | 'pending'> {
  let state: 'ok' | 'err' | 'pending' = 'pending';
  p.then(
    () => (state = 'ok'),
    () => (state = 'err'),
  );
  await tick();
  return state;
}

describe('watch', () => {
  it('single_rx_recv: not notified at first, woken by send, rejected when the sender closes', async () => {
    const [tx, rx] = watch('one');
    expect(await settled(rx.changed())).toBe('pending');
    expect(rx.borrow()).toBe('one');
    const c = rx.changed();
    tx.send('two');
    expect(await settled(c)).toBe('ok');
    expect(rx.borrow()).toBe('two');
    const c2 = rx.changed();
    expect(await settled(c2)).toBe('pending');
    tx.close();
    expect(await settled(c2)).toBe('err');
    await expect(c2).rejects.toBeInstanceOf(ClosedError);
    expect(rx.borrow()).toBe('two');
  });

  it('multi_rx: every receiver is woken by each send and sees the newest value', async () => {
    const [tx, rx1] = watch('one');
    const rx2 = rx1.clone();
    const t1 = rx1.changed();
    const t2 = rx2.changed();
    tx.send('two');
    await Promise.all([t1, t2]);
    expect(rx1.borrow()).toBe('two');
    const t3 = rx1.changed();
    tx.send('three');
    tx.send('four'); // a slow receiver sees the newest, once
    await t3;
    expect(rx1.borrow()).toBe('four');
    expect(await settled(rx1.changed())).toBe('pending');
    expect(await settled(rx2.changed())).toBe('ok'); // rx2 had not seen 'three' nor 'four'
    expect(rx2.borrow()).toBe('four');
  });

  it('rx_observes_final_value: changed() resolves for an unseen value after close, then rejects', async () => {
    const [tx0, rx0] = watch('one');
    tx0.close();
    await expect(rx0.changed()).rejects.toBeInstanceOf(ClosedError);
    expect(rx0.borrow()).toBe('one');

    const [tx, rx] = watch('one');
    tx.send('two');
    await rx.changed();
    expect(rx.borrow()).toBe('two');
    const c = rx.changed();
    tx.send('three');
    tx.close();
    await c;
    expect(rx.borrow()).toBe('three');
    await expect(rx.changed()).rejects.toBeInstanceOf(ClosedError);
  });

  it('borrow_and_update: marks the value seen, borrow does not', async () => {
    const [tx, rx] = watch('one');
    tx.send('two');
    expect(rx.borrow()).toBe('two');
    expect(rx.hasChanged()).toBe(true);
    expect(rx.borrowAndUpdate()).toBe('two');
    expect(rx.hasChanged()).toBe(false);
    expect(await settled(rx.changed())).toBe('pending');
  });

  it('has_changed_errors_on_closed_channel_with_unseen_value', () => {
    const [tx, rx] = watch('A');
    tx.send('B');
    tx.close();
    expect(() => rx.hasChanged()).toThrow(ClosedError);
  });

  it('wait_for_errors_on_closed_channel_true_predicate: a true predicate on the last value still resolves', async () => {
    const [tx, rx] = watch('A');
    tx.send('B');
    tx.close();
    expect(await rx.waitFor(() => true)).toBe('B');
    await expect(rx.waitFor((v) => v === 'C')).rejects.toBeInstanceOf(ClosedError);
  });

  it('waitFor resolves with the first value that satisfies the predicate', async () => {
    const [tx, rx] = watch(0);
    const p = rx.waitFor((n) => n >= 3);
    for (let i = 1; i <= 4; i++) {
      tx.send(i);
      await tick();
    }
    expect(await p).toBe(3);
  });

  it('reopened_after_subscribe: send fails with no receivers and works again after subscribe', async () => {
    const [tx, rx] = watch(0);
    const closed = tx.closed();
    rx.close();
    await closed;
    expect(tx.isClosed).toBe(true);
    const err = thrown(() => tx.send(1));
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError<number>).value).toBe(1);
    expect(tx.borrow()).toBe(0); // not stored
    const rx2 = tx.subscribe();
    expect(tx.receiverCount).toBe(1);
    tx.send(2);
    await rx2.changed();
    expect(rx2.borrow()).toBe(2);
  });

  it('subscribe gives a receiver that has seen the current value; sendReplace stores without receivers', async () => {
    const [tx, rx] = watch('a');
    rx.close();
    expect(tx.sendReplace('b')).toBe('a');
    const rx2 = tx.subscribe();
    expect(await settled(rx2.changed())).toBe('pending');
    expect(rx2.borrow()).toBe('b');
  });

  it('a closed receiver rejects changed() with ClosedError, and its pending changed() too', async () => {
    const [, rx] = watch(1);
    const pending = rx.changed();
    rx.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
    await expect(rx.changed()).rejects.toBeInstanceOf(ClosedError);
  });

  it('an aborted changed() rejects with the reason and the receiver keeps working', async () => {
    const [tx, rx] = watch(1);
    const c = new AbortController();
    const p = rx.changed(c.signal);
    c.abort(new Error('stop waiting'));
    await expect(p).rejects.toThrow('stop waiting');
    tx.send(2);
    await rx.changed();
    expect(rx.borrow()).toBe(2);
  });

  it('for await yields each newer value and ends when the sender closes', async () => {
    const [tx, rx] = watch(0);
    const seen: number[] = [];
    const done = (async () => {
      for await (const v of rx) seen.push(v);
    })();
    for (let i = 1; i <= 3; i++) {
      tx.send(i);
      await tick();
    }
    tx.close();
    await done;
    expect(seen).toEqual([1, 2, 3]);
    expect(tx.receiverCount).toBe(0);
  });
});
