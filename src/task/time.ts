/** Time and composition helpers for tasks: sleep, interval, timeout, join, select. */
import { JoinHandle, TaskAbortedError, spawn } from './spawn.js';

/** Thrown by `timeout` when the deadline passes first (tokio's `Elapsed`). */
export class Elapsed extends Error {
  override readonly name = 'Elapsed';
  constructor(readonly ms: number) {
    super(`Deadline of ${ms} ms elapsed`);
  }
}

function abortError(signal: AbortSignal): Error {
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

/**
 * Ticks every `ms` (the first at once, as tokio's `interval`), without drift:
 * each tick is scheduled from the start time, and missed ticks are skipped.
 * Yields the tick number; ends when `signal` fires.
 */
export async function* interval(ms: number, signal?: AbortSignal): AsyncGenerator<number> {
  if (!(ms > 0)) throw new RangeError('interval: ms must be > 0');
  const start = performance.now();
  let n = 0;
  for (;;) {
    if (signal?.aborted) return;
    yield n;
    const now = performance.now();
    n = Math.max(n + 1, Math.floor((now - start) / ms) + 1);
    try {
      await sleep(Math.max(0, start + n * ms - performance.now()), signal);
    } catch {
      return;
    }
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
