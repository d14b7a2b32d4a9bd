/**
 * `spawnBlocking(fn, args)`: run CPU-heavy work on a worker-thread pool so it
 * does not block the reactor (tokio's `spawn_blocking`), using `workerpool`.
 *
 * The function is sent to the worker as source text, so it must be
 * self-contained: it sees only its arguments (structured-cloneable values),
 * not variables around it. Aborting the handle terminates the worker running it.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type WorkerPool from 'workerpool';
import { JoinHandle } from './spawn.js';

type Pool = ReturnType<typeof WorkerPool.pool>;
let pool: Pool | undefined;

function getPool(): Pool {
  // Loaded on first use: servers that never block pay nothing for it.
  const workerpool = createRequire(import.meta.url)('workerpool') as typeof WorkerPool;
  pool ??= workerpool.pool({ workerType: 'thread', maxWorkers: Math.max(1, availableParallelism() - 1) });
  return pool;
}

/**
 * Run `fn(...args)` on a worker thread.
 *
 * @example
 * const h = spawnBlocking((n: number) => { let x = 0; for (let i = 0; i < n; i++) x += i; return x; }, [1e8]);
 * await h;
 */
export function spawnBlocking<A extends unknown[], T>(fn: (...args: A) => T, args?: A): JoinHandle<Awaited<T>> {
  return new JoinHandle<Awaited<T>>((signal) => {
    const p = getPool().exec(fn as (...a: unknown[]) => unknown, (args ?? []) as unknown[]);
    // Adopt into a native promise first, so cancelling has a handler attached.
    const native = new Promise<Awaited<T>>((resolve, reject) => {
      p.then(resolve as (v: unknown) => void, reject);
    });
    signal.addEventListener('abort', () => void p.cancel().catch(() => {}), { once: true });
    return native;
  });
}

/** Terminate the blocking pool's workers (tests and clean shutdowns). */
export async function shutdownBlockingPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.terminate();
}
