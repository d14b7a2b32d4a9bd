/**
 * A counting semaphore (tokio::sync::Semaphore): at most `n` holders of a
 * permit at once.
 *
 * ```ts
 * const db = new Semaphore(10);
 * const permit = await db.acquire();     // waits while 10 are out; ClosedError after close()
 * try { await query(); } finally { permit.release(); }
 * db.tryAcquire();                       // a permit now, or undefined
 * ```
 *
 * ## Fairness
 *
 * Waiters are served first come, first served, and a request for several
 * permits (`acquire(3)`) at the head of the queue holds back smaller requests
 * behind it until it can be met, so it is never starved. `tryAcquire` does
 * not jump the queue: it fails while anyone waits.
 *
 * ## Closing
 *
 * `close()` rejects every waiting and later `acquire` with `ClosedError`.
 * Permits already out stay valid and may still be released. A permit is
 * returned by `release()` (or `[Symbol.dispose]`), never by garbage
 * collection: a permit that is dropped without `release()` is gone, as with
 * `forget()`.
 */

import { abortError } from '../task/time.js';
import { ClosedError } from './channel-errors.js';
import { Queue } from './queue.js';

interface Waiter {
  readonly n: number;
  resolve(p: Permit): void;
  reject(e: unknown): void;
  unlisten: (() => void) | undefined;
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Semaphore: ${what} must be an integer >= 1 (got ${n})`);
}

/** Permits taken from a `Semaphore`; give them back with `release()`. */
export class Permit {
  private held: number;

  /** @internal */
  constructor(
    private readonly sem: Semaphore,
    count: number,
  ) {
    this.held = count;
  }

  /** Permits this holds (0 once released or forgotten). */
  get count(): number {
    return this.held;
  }

  /** Give the permits back and wake waiters. Idempotent. */
  release(): void {
    const n = this.held;
    if (n === 0) return;
    this.held = 0;
    this.sem.addPermits(n);
  }

  /** Drop the permits without returning them: the semaphore shrinks by `count` (tokio's `forget`). */
  forget(): void {
    this.held = 0;
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

export class Semaphore {
  private permits: number;
  private closedFlag = false;
  private readonly waiters = new Queue<Waiter>();

  /** A semaphore with `permits` available (0 or more). */
  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 0)
      throw new RangeError(`Semaphore: permits must be an integer >= 0 (got ${permits})`);
    this.permits = permits;
  }

  /** Permits free now. Not a promise: a waiter or another caller may take them first. */
  get available(): number {
    return this.permits;
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /**
   * Wait in line for `n` permits (default 1). Rejects with `ClosedError`
   * when the semaphore is closed (now or while waiting), with the signal's
   * reason if `signal` aborts first (no permit is taken).
   */
  acquire(n = 1, signal?: AbortSignal): Promise<Permit> {
    try {
      checkCount(n, 'acquire(n)');
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.closedFlag) return Promise.reject(new ClosedError('Semaphore closed'));
    if (this.waiters.length === 0 && this.permits >= n) {
      this.permits -= n;
      return Promise.resolve(new Permit(this, n));
    }
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Permit>((resolve, reject) => {
      const w: Waiter = { n, resolve, reject, unlisten: undefined };
      if (signal) {
        const onAbort = () => {
          const wasHead = this.waiters.peek() === w;
          this.waiters.remove(w);
          reject(abortError(signal));
          if (wasHead) this.serve(); // a large request leaving the head may let smaller ones through
        };
        signal.addEventListener('abort', onAbort, { once: true });
        w.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      this.waiters.push(w);
    });
  }

  /** `n` permits now, or `undefined` when not enough are free or others wait. Throws `ClosedError` when closed. */
  tryAcquire(n = 1): Permit | undefined {
    checkCount(n, 'tryAcquire(n)');
    if (this.closedFlag) throw new ClosedError('Semaphore closed');
    if (this.waiters.length > 0 || this.permits < n) return undefined;
    this.permits -= n;
    return new Permit(this, n);
  }

  /** Add `n` permits (also how a `Permit` returns its own) and serve waiters in order. */
  addPermits(n: number): void {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`Semaphore: addPermits(n) must be an integer >= 0 (got ${n})`);
    this.permits += n;
    this.serve();
  }

  /** Reject every waiting and later `acquire` with `ClosedError`. Permits out stay valid. Idempotent. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const w of this.waiters.drain()) {
      w.unlisten?.();
      w.reject(new ClosedError('Semaphore closed'));
    }
  }

  private serve(): void {
    for (let w = this.waiters.peek(); w !== undefined && this.permits >= w.n; w = this.waiters.peek()) {
      this.waiters.shift();
      this.permits -= w.n;
      w.unlisten?.();
      w.resolve(new Permit(this, w.n));
    }
  }
}
