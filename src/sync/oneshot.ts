/**
 * A channel for one value (tokio::sync::oneshot).
 *
 * ```ts
 * const [tx, rx] = oneshot<number>();
 * tx.send(42);                 // SendError (with .value) if the receiver closed
 * await rx;                    // 42; ClosedError if tx closed without sending
 * ```
 *
 * ## Closing
 *
 * `tx.close()` without a send makes the receiver reject with `ClosedError`:
 * a oneshot whose producer gave up is never left pending. `rx.close()` tells
 * the producer nobody is waiting (`tx.isClosed`, `await tx.closed()`), and
 * its later `send` throws `SendError`; a value sent before `rx.close()` can
 * still be read. The receiver is a lazy thenable: a rejection nobody awaits
 * is not an unhandled rejection.
 */
import { ClosedError, EmptyError, SendError } from './channel-errors.js';

/** @internal */
class Slot<T> {
  value: { v: T } | undefined;
  txDone = false;
  rxClosed = false;
  waiters: (() => void)[] | undefined;
  closedWaiters: (() => void)[] | undefined;

  wake(): void {
    const ws = this.waiters;
    this.waiters = undefined;
    if (ws) for (const w of ws) w();
  }
}

/** The sending half of a `oneshot`: `send` once, or `close`. */
export class OneshotSender<T> {
  /** @internal use `oneshot()` */
  constructor(private readonly slot: Slot<T>) {}

  /**
   * Deliver the value. Throws `SendError` (the value inside) if the receiver
   * closed, `ClosedError` if this sender already sent or closed.
   */
  send(value: T): void {
    const s = this.slot;
    if (s.txDone) throw new ClosedError('oneshot: already sent or closed');
    if (s.rxClosed) throw new SendError(value, 'oneshot: the receiver is closed');
    s.txDone = true;
    s.value = { v: value };
    s.wake();
  }

  /** Give up without sending: the receiver rejects with `ClosedError`. Idempotent; a no-op after `send`. */
  close(): void {
    const s = this.slot;
    if (s.txDone) return;
    s.txDone = true;
    s.wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The receiver is closed: nobody will read a value. */
  get isClosed(): boolean {
    return this.slot.rxClosed;
  }

  /** Resolves when the receiver closes (tokio's `Sender::closed`): the work can be abandoned. */
  closed(): Promise<void> {
    const s = this.slot;
    if (s.rxClosed) return Promise.resolve();
    return new Promise((resolve) => (s.closedWaiters ??= []).push(resolve));
  }
}

/** The receiving half of a `oneshot`: await it. */
export class OneshotReceiver<T> implements PromiseLike<T> {
  /** @internal use `oneshot()` */
  constructor(private readonly slot: Slot<T>) {}

  /** The value now; `EmptyError` if none was sent yet, `ClosedError` if none ever will be. */
  tryRecv(): T {
    const s = this.slot;
    if (s.value !== undefined) return s.value.v;
    if (s.txDone || s.rxClosed) throw new ClosedError('oneshot: closed without a value');
    throw new EmptyError();
  }

  /** Refuse the value from now on (a value already sent is kept); the sender learns through `isClosed`/`closed()`. */
  close(): void {
    const s = this.slot;
    if (s.rxClosed) return;
    s.rxClosed = true;
    const cs = s.closedWaiters;
    s.closedWaiters = undefined;
    if (cs) for (const c of cs) c();
    s.wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const s = this.slot;
    const p = new Promise<T>((resolve, reject) => {
      const settle = (): boolean => {
        if (s.value !== undefined) resolve(s.value.v);
        else if (s.txDone || s.rxClosed) reject(new ClosedError('oneshot: closed without a value'));
        else return false;
        return true;
      };
      if (!settle()) (s.waiters ??= []).push(settle);
    });
    return p.then(onfulfilled, onrejected);
  }
}

/**
 * A oneshot channel.
 *
 * @example
 * const [tx, rx] = oneshot<User>();
 * spawn(async () => tx.send(await loadUser(id)));
 * const user = await rx;
 */
export function oneshot<T>(): [OneshotSender<T>, OneshotReceiver<T>] {
  const slot = new Slot<T>();
  return [new OneshotSender(slot), new OneshotReceiver(slot)];
}
