/** Time and composition helpers for tasks: sleep, interval, timeout, join, select. */

import { WeftError } from '../runtime/weft-error.js';
import { JoinHandle, spawn, TaskAbortedError } from './spawn.js';

/** Thrown by `timeout` when the deadline passes first (tokio's `Elapsed`). */
export class Elapsed extends WeftError {
  override readonly name = 'Elapsed';
  constructor(readonly ms: number) {
    super(`Deadline of ${ms} ms elapsed`);
  }
}

/** @internal the error an aborted wait rejects with: the signal's reason, or an `AbortError`. */
export function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

/** Resolve after `ms`; reject with the signal's reason (an `AbortError`) if it fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal as AbortSignal));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What `interval` does after a tick came late (tokio's `MissedTickBehavior`). */
export type MissedTick = 'burst' | 'delay' | 'skip';

export interface IntervalOptions {
  /** End the ticks when this fires. */
  signal?: AbortSignal | undefined;
  /**
   * After a late tick (the consumer was busy, or the event loop stalled):
   * `'burst'` ticks at once until caught up with the original schedule;
   * `'delay'` restarts the schedule `ms` after the late tick; `'skip'` drops
   * the missed ticks and keeps the original schedule's phase.
   * @default 'burst' (tokio's default)
   */
  missedTick?: MissedTick | undefined;
}

/** How late (ms) a tick may fire and still count as on time, as tokio allows 5 ms. */
const LATE_SLACK_MS = 5;

/**
 * Ticks every `ms`, the first at once (as tokio's `interval`). Each tick is
 * scheduled from the previous deadline, so there is no drift. A tick that
 * fires more than 5 ms late counts as missed ticks, handled by `missedTick`
 * (`'burst'` by default, as tokio). Yields the tick's ordinal (0, 1, 2 ...);
 * ends when the signal fires. `interval(ms, signal)` is accepted too.
 */
export async function* interval(ms: number, options?: AbortSignal | IntervalOptions): AsyncGenerator<number> {
  if (!(ms > 0)) throw new RangeError('interval: ms must be > 0');
  const opts: IntervalOptions = options instanceof AbortSignal ? { signal: options } : (options ?? {});
  const { signal, missedTick = 'burst' } = opts;
  if (missedTick !== 'burst' && missedTick !== 'delay' && missedTick !== 'skip') {
    throw new TypeError(`interval: missedTick must be 'burst', 'delay' or 'skip' (got ${String(missedTick)})`);
  }
  let deadline = performance.now();
  for (let n = 0; ; n++) {
    const wait = deadline - performance.now();
    if (wait > 0) {
      try {
        await sleep(wait, signal);
      } catch {
        return;
      }
    }
    if (signal?.aborted) return;
    const now = performance.now();
    yield n;
    if (now <= deadline + LATE_SLACK_MS || missedTick === 'burst') deadline += ms;
    else if (missedTick === 'delay') deadline = now + ms;
    else deadline = now + ms - ((now - deadline) % ms);
  }
}

type Work<T> = JoinHandle<T> | PromiseLike<T> | ((signal: AbortSignal) => T | PromiseLike<T>);

function asHandle<T>(w: Work<T>): JoinHandle<T> {
  if (w instanceof JoinHandle) return w;
  if (typeof w === 'function') return spawn(w);
  return spawn(() => w);
}

/**
 * Race `work` against a deadline: its value, or `Elapsed`. A function or a
 * handle is aborted when the deadline passes.
 */
export async function timeout<T>(ms: number, work: Work<T>): Promise<T> {
  const h = asHandle(work);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      h.abort(new Elapsed(ms));
      reject(new Elapsed(ms));
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve(h), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

type Results<W extends readonly Work<unknown>[]> = {
  -readonly [K in keyof W]: W[K] extends Work<infer T> ? Awaited<T> : never;
};

/** Wait for all; the results in order. The first failure rejects and aborts the others. */
export async function join<const W extends readonly Work<unknown>[]>(...work: W): Promise<Results<W>> {
  const hs = work.map(asHandle);
  try {
    return (await Promise.all(hs)) as Results<W>;
  } catch (e) {
    for (const h of hs) h.abort(e);
    throw e;
  }
}

export interface Selected<T> {
  /** Which branch won. */
  readonly index: number;
  readonly value: T;
}

/**
 * The first branch to finish wins (tokio's `select!`); the losers are
 * aborted. A failure of the first branch to settle rejects.
 */
export async function select<const W extends readonly Work<unknown>[]>(
  ...work: W
): Promise<Selected<Results<W>[number]>> {
  const hs = work.map(asHandle);
  try {
    return await Promise.race(
      hs.map((h, index) => Promise.resolve(h).then((value) => ({ index, value: value as Results<W>[number] }))),
    );
  } finally {
    for (const h of hs) h.abort(new TaskAbortedError('lost a select'));
  }
}
