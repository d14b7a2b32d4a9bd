/**
 * This thread's place in a `workers()` pool, for the rooms that behave
 * differently inside one (the worker bus, metrics that sum across workers).
 * `workers()` sets it; everything else only reads it.
 */
/** Threads (uws: one App per thread on a shared port) or processes (node:cluster). */
export type PoolMode = 'threads' | 'processes';

/** @internal this worker's place in its pool */
export interface PoolContext {
  id: number;
  count: number;
  mode: PoolMode;
  /** The port the pool serves, once known (a worker asked for port 0 gets it). */
  port: number;
  /** The first worker of a thread pool checks that the port is free before sharing it. */
  probe: boolean;
}

let context: PoolContext | undefined;

/** @internal set by `workers()` when this thread becomes a worker. */
export function setPoolContext(c: PoolContext): void {
  context = c;
}

/** @internal */
export function poolContext(): PoolContext | undefined {
  return context;
}
