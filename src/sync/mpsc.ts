/**
 * A bounded multi-producer, single-consumer queue (tokio::sync::mpsc).
 *
 * ```ts
 * const [tx, rx] = mpsc<Job>(64);
 * await tx.send(job);            // waits while 64 are queued; SendError (with .value) once rx closed
 * tx.trySend(job);               // now, or FullError / SendError (with .value)
 * const tx2 = tx.clone();        // another producer; each one closes on its own
 * await rx.recv();               // the next value, or undefined once every sender closed and all is read
 * for await (const job of rx) {} // the same; break closes the receiver
 * ```
 *
 * Values arrive in the order they were accepted; values from one sender keep
 * that sender's order. `undefined` cannot be sent: `recv` uses it to say
 * "closed" (tokio's `None`).
 *
 * ## Backpressure and fairness
 *
 * At most `capacity` values wait in the queue. `send` on a full queue waits,
 * and waiting senders are served first come, first served: a value is moved
 * into the queue the moment `recv` makes room, so a sender that came later
 * cannot overtake one that is waiting (nor can `trySend`). An abort `signal`
 * gives up a wait; that value is not sent. Memory is bounded by `capacity`
 * plus one value per waiting `send`.
 *
 * ## Closing
 *
 * JavaScript has no destructor, so handles close explicitly, never on
 * garbage collection. `tx.close()` closes one sender (`clone()` makes more);
 * when every sender is closed, `recv` returns what is queued, then
 * `undefined`. A `send` already waiting when its own sender closes still
 * completes: it was accepted. `rx.close()` refuses new sends (`SendError`,
 * the value handed back), fails the waiting ones the same way, and leaves
 * what is queued to be received: nothing accepted is lost.
 */

import { abortError } from '../task/time.js';
import { ClosedError, EmptyError, FullError, SendError } from './channel-errors.js';
import { Queue } from './queue.js';

interface SendWaiter<T> {
  readonly value: T;
  resolve(): void;
  reject(e: unknown): void;
  unlisten: (() => void) | undefined;
}

interface RecvWaiter<T> {
  resolve(v: T | undefined): void;
  reject(e: unknown): void;
  unlisten: (() => void) | undefined;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** @internal state shared by the handles of one channel */
class Chan<T> {
  readonly queue = new Queue<T>();
  readonly sending = new Queue<SendWaiter<T>>();
  readonly receiving = new Queue<RecvWaiter<T>>();
  senders = 1;
  rxClosed = false;
  closedWaiters: (() => void)[] | undefined;

  constructor(readonly capacity: number) {}

  /** Nothing more can arrive and nothing is left. */
  get finished(): boolean {
    return (this.senders === 0 || this.rxClosed) && this.queue.length === 0;
  }

  /** Queue `v` (or hand it to a waiting `recv`); the caller checked for room. */
  put(v: T): void {
    const r = this.receiving.shift();
    if (r !== undefined) {
      r.unlisten?.();
      r.resolve(v);
    } else this.queue.push(v);
  }

  take(): T | undefined {
    const v = this.queue.shift();
    // Room for the first waiting sender: its value moves in now, in order.
    const w = this.sending.shift();
    if (w !== undefined) {
      w.unlisten?.();
      this.queue.push(w.value);
      w.resolve();
    }
    return v;
  }

  /** Every sender closed, or the receiver did: wake receivers with `undefined` if nothing is left. */
  endIfFinished(): void {
    if (!this.finished) return;
    for (const r of this.receiving.drain()) {
      r.unlisten?.();
      r.resolve(undefined);
    }
  }
}

function listen(signal: AbortSignal | undefined, onAbort: () => void): (() => void) | undefined {
  if (signal === undefined) return undefined;
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function noUndefined(v: unknown): void {
  if (v === undefined) throw new TypeError('mpsc: undefined cannot be sent (recv() returns undefined to mean closed)');
}

/** The sending half of an `mpsc` channel. Clone it for more producers; close each one. */
export class MpscSender<T> {
  private closedSelf = false;

  /** @internal use `mpsc()` */
  constructor(private readonly chan: Chan<T>) {}

  /**
   * Queue `value`, waiting while the queue is full (in turn with other
   * waiting senders). Resolves once the value is queued, which does **not**
   * mean it was received. Rejects with `SendError` (the value inside) if the
   * receiver is closed, now or while waiting; with the signal's reason if
   * `signal` aborts first (the value is then not sent); with `ClosedError`
   * if this sender was closed.
   */
  send(value: T, signal?: AbortSignal): Promise<void> {
    const c = this.chan;
    try {
      this.check(value);
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (c.queue.length < c.capacity && c.sending.length === 0) {
      c.put(value);
      return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      const w: SendWaiter<T> = { value, resolve, reject, unlisten: undefined };
      w.unlisten = listen(signal, () => {
        c.sending.remove(w);
        reject(abortError(signal as AbortSignal));
      });
      c.sending.push(w);
    });
  }

  /**
   * Queue `value` now. Throws `FullError` (the value inside) when the queue
   * is full or senders are waiting, `SendError` when the receiver is closed,
   * `ClosedError` when this sender was closed.
   */
  trySend(value: T): void {
    const c = this.chan;
    this.check(value);
    if (c.queue.length >= c.capacity || c.sending.length > 0) throw new FullError(value);
    c.put(value);
  }

  private check(value: T): void {
    noUndefined(value);
    if (this.closedSelf) throw new ClosedError('mpsc: this sender was closed');
    if (this.chan.rxClosed) throw new SendError(value, 'mpsc: the receiver is closed');
  }

  /** Another sender on the same channel; the channel stays open until every sender closed. */
  clone(): MpscSender<T> {
    if (this.closedSelf) throw new ClosedError('mpsc: this sender was closed');
    this.chan.senders++;
    return new MpscSender(this.chan);
  }

  /** Close this sender (idempotent). When the last one closes, the receiver ends after what is queued. */
  close(): void {
    if (this.closedSelf) return;
    this.closedSelf = true;
    this.chan.senders--;
    this.chan.endIfFinished();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The receiver is closed: every send fails. */
  get isClosed(): boolean {
    return this.chan.rxClosed;
  }

  /** Resolves when the receiver closes (tokio's `Sender::closed`): stop producing. */
  closed(): Promise<void> {
    const c = this.chan;
    if (c.rxClosed) return RESOLVED;
    return new Promise((resolve) => (c.closedWaiters ??= []).push(resolve));
  }

  /** Free slots now. Not a promise: another sender may take them first. */
  get capacity(): number {
    return Math.max(0, this.chan.capacity - this.chan.queue.length);
  }

  /** The `capacity` the channel was made with. */
  get maxCapacity(): number {
    return this.chan.capacity;
  }
}

/** The receiving half of an `mpsc` channel: one consumer. */
export class MpscReceiver<T> implements AsyncIterable<T> {
  /** @internal use `mpsc()` */
  constructor(private readonly chan: Chan<T>) {}

  /**
   * The next value; `undefined` once every sender is closed (or the receiver
   * is) and everything queued was received. Concurrent calls are served in
   * call order. An aborted `signal` rejects with its reason and takes nothing.
   */
  recv(signal?: AbortSignal): Promise<T | undefined> {
    const c = this.chan;
    if (c.queue.length > 0) return Promise.resolve(c.take());
    if (c.finished) return Promise.resolve(undefined);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<T | undefined>((resolve, reject) => {
      const r: RecvWaiter<T> = { resolve, reject, unlisten: undefined };
      r.unlisten = listen(signal, () => {
        c.receiving.remove(r);
        reject(abortError(signal as AbortSignal));
      });
      c.receiving.push(r);
    });
  }

  /** The next value now; throws `EmptyError` when none is queued, `ClosedError` once nothing more can come. */
  tryRecv(): T {
    const c = this.chan;
    if (c.queue.length > 0) return c.take() as T;
    if (c.finished) throw new ClosedError();
    throw new EmptyError();
  }

  /**
   * Refuse new sends and fail waiting ones with `SendError`; what is queued
   * can still be received, then `recv` returns `undefined`. Idempotent.
   */
  close(): void {
    const c = this.chan;
    if (c.rxClosed) return;
    c.rxClosed = true;
    for (const w of c.sending.drain()) {
      w.unlisten?.();
      w.reject(new SendError(w.value, 'mpsc: the receiver is closed'));
    }
    const ws = c.closedWaiters;
    c.closedWaiters = undefined;
    if (ws) for (const w of ws) w();
    c.endIfFinished();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Values queued now. */
  get size(): number {
    return this.chan.queue.length;
  }

  /** Nothing more will be accepted: every sender closed, or `close()` was called. Values may still be queued. */
  get isClosed(): boolean {
    return this.chan.rxClosed || this.chan.senders === 0;
  }

  /** Each value until the channel ends. Leaving the loop early (`break`, a throw) closes the receiver. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    try {
      for (;;) {
        const v = await this.recv();
        if (v === undefined) return;
        yield v;
      }
    } finally {
      this.close();
    }
  }
}

/**
 * A bounded mpsc channel of `capacity` values (at least 1).
 *
 * @example
 * const [tx, rx] = mpsc<string>(16);
 * spawn(async () => { for (const s of ['a', 'b']) await tx.send(s); tx.close(); });
 * for await (const s of rx) log(s);   // 'a', 'b'
 */
export function mpsc<T>(capacity: number): [MpscSender<T>, MpscReceiver<T>] {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`mpsc: capacity must be an integer >= 1 (got ${capacity})`);
  const chan = new Chan<T>(capacity);
  return [new MpscSender(chan), new MpscReceiver(chan)];
}
