/**
 * One value that changes, watched by many (tokio::sync::watch).
 *
 * ```ts
 * const [tx, rx] = watch<Config>(initial);
 * rx.borrow();                  // the current value, now
 * await rx.changed();           // a value newer than the last one this receiver saw
 * tx.send(next);                // SendError (with .value) if no receiver is left
 * const rx2 = tx.subscribe();   // a receiver that has seen the current value
 * for await (const c of rx) {}  // each newer value; ends when the sender closes
 * ```
 *
 * The channel keeps only the latest value. A receiver that is slow sees the
 * newest value, never a queue of old ones: intermediate values may be
 * skipped, and `changed()` does **not** promise one wake-up per `send`.
 * Values are shared, not copied: treat them as immutable.
 *
 * ## Closing
 *
 * `tx.close()` ends the channel: `changed()` still resolves once if this
 * receiver has not seen the latest value, then rejects with `ClosedError`;
 * `borrow()` keeps returning the last value. When every receiver is closed,
 * `tx.send` throws `SendError` and does not store the value (`sendReplace`
 * always stores); `tx.subscribe()` opens the channel again.
 */

import { abortError } from '../task/time.js';
import { ClosedError, SendError } from './channel-errors.js';

/** @internal */
class Shared<T> {
  version = 0;
  receivers = 1;
  txClosed = false;
  readonly waiters = new Set<() => void>();
  closedWaiters: (() => void)[] | undefined;

  constructor(public value: T) {}

  publish(v: T): void {
    this.value = v;
    this.version++;
    this.wake();
  }

  wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

/** The sending half of a `watch`. */
export class WatchSender<T> {
  /** @internal use `watch()` */
  constructor(private readonly shared: Shared<T>) {}

  /**
   * Replace the value and wake every receiver. Throws `SendError` (the value
   * inside, not stored) when no receiver is left, `ClosedError` after `close()`.
   */
  send(value: T): void {
    const s = this.shared;
    if (s.txClosed) throw new ClosedError('watch: the sender was closed');
    if (s.receivers === 0) throw new SendError(value, 'watch: no receivers');
    s.publish(value);
  }

  /** Replace the value whether or not anyone watches; returns the previous one. */
  sendReplace(value: T): T {
    const s = this.shared;
    if (s.txClosed) throw new ClosedError('watch: the sender was closed');
    const old = s.value;
    s.publish(value);
    return old;
  }

  /** The current value. */
  borrow(): T {
    return this.shared.value;
  }

  /** A new receiver that has seen the current value (its `changed()` waits for the next). */
  subscribe(): WatchReceiver<T> {
    this.shared.receivers++;
    return new WatchReceiver(this.shared, this.shared.version);
  }

  /** Receivers not closed. */
  get receiverCount(): number {
    return this.shared.receivers;
  }

  /** No receiver is left: `send` would fail. */
  get isClosed(): boolean {
    return this.shared.receivers === 0;
  }

  /** Resolves when no receiver is left (tokio's `Sender::closed`). */
  closed(): Promise<void> {
    const s = this.shared;
    if (s.receivers === 0) return Promise.resolve();
    return new Promise((resolve) => (s.closedWaiters ??= []).push(resolve));
  }

  /** End the channel: receivers see the last value, then `ClosedError` from `changed()`. Idempotent. */
  close(): void {
    const s = this.shared;
    if (s.txClosed) return;
    s.txClosed = true;
    s.wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The receiving half of a `watch`; `clone()` for more. */
export class WatchReceiver<T> implements AsyncIterable<T> {
  private closedSelf = false;

  /** @internal use `watch()` / `tx.subscribe()` */
  constructor(
    private readonly shared: Shared<T>,
    private seen: number,
  ) {}

  /** The current value, without marking it seen. */
  borrow(): T {
    return this.shared.value;
  }

  /** The current value, marked seen: `changed()` now waits for a newer one. */
  borrowAndUpdate(): T {
    this.seen = this.shared.version;
    return this.shared.value;
  }

  /** A value newer than the last one seen is there. Throws `ClosedError` once the sender closed (tokio's `has_changed`). */
  hasChanged(): boolean {
    this.checkOpen();
    if (this.shared.txClosed) throw new ClosedError('watch: the sender was closed');
    return this.seen !== this.shared.version;
  }

  /**
   * Resolves when a value newer than the last one seen is there, and marks
   * it seen (read it with `borrow()`). Rejects with `ClosedError` when the
   * sender closed and this receiver has seen the last value; with the
   * signal's reason if `signal` aborts first.
   */
  changed(signal?: AbortSignal): Promise<void> {
    const s = this.shared;
    if (this.closedSelf) return Promise.reject(new ClosedError('watch: this receiver was closed'));
    const since = this.seen;
    if (since !== s.version) {
      this.seen = s.version;
      return Promise.resolve();
    }
    if (s.txClosed) return Promise.reject(new ClosedError('watch: the sender was closed'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const woken = new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        s.waiters.delete(wake);
        reject(abortError(signal as AbortSignal));
      };
      const wake = () => {
        if (this.closedSelf) reject(new ClosedError('watch: this receiver was closed'));
        else if (s.version !== since) resolve();
        else if (s.txClosed) reject(new ClosedError('watch: the sender was closed'));
        else return void s.waiters.add(wake);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      s.waiters.add(wake);
    });
    // Marked seen when the caller resumes, as tokio marks on poll: sends made
    // meanwhile count as seen, so one wake-up covers them all.
    return woken.then(() => {
      this.seen = s.version;
    });
  }

  /**
   * The first value (the current one included) for which `predicate` is
   * true, marked seen. Rejects with `ClosedError` if the sender closes
   * before one comes.
   */
  async waitFor(predicate: (value: T) => boolean, signal?: AbortSignal): Promise<T> {
    for (;;) {
      const v = this.borrowAndUpdate();
      if (predicate(v)) return v;
      await this.changed(signal);
    }
  }

  /** Another receiver that has seen what this one has. */
  clone(): WatchReceiver<T> {
    this.checkOpen();
    this.shared.receivers++;
    return new WatchReceiver(this.shared, this.seen);
  }

  /** Stop watching (idempotent). When the last receiver closes, the sender's `send` fails and `closed()` resolves. */
  close(): void {
    if (this.closedSelf) return;
    this.closedSelf = true;
    const s = this.shared;
    if (--s.receivers === 0) {
      const cs = s.closedWaiters;
      s.closedWaiters = undefined;
      if (cs) for (const c of cs) c();
    }
    s.wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private checkOpen(): void {
    if (this.closedSelf) throw new ClosedError('watch: this receiver was closed');
  }

  /** Each newer value until the sender closes. Leaving the loop early closes this receiver. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    try {
      for (;;) {
        try {
          await this.changed();
        } catch (e) {
          if (e instanceof ClosedError) return;
          throw e;
        }
        yield this.shared.value;
      }
    } finally {
      this.close();
    }
  }
}

/**
 * A watch channel holding `initial`; the first receiver has seen it.
 *
 * @example
 * const [tx, rx] = watch({ maintenance: false });
 * spawn(async () => { for await (const s of rx) logger.info(s, 'state changed'); });
 * tx.send({ maintenance: true });
 */
export function watch<T>(initial: T): [WatchSender<T>, WatchReceiver<T>] {
  const shared = new Shared(initial);
  return [new WatchSender(shared), new WatchReceiver(shared, 0)];
}
