/** Tasks: spawn, JoinHandle, join, select, timeout, sleep, interval, spawnBlocking. */

export { shutdownBlockingPool, spawnBlocking } from './blocking.js';
export type { SpawnOptions } from './spawn.js';
export { JoinHandle, spawn, TaskAbortedError } from './spawn.js';
export type { IntervalOptions, MissedTick, Selected } from './time.js';
export { Elapsed, interval, join, select, sleep, timeout } from './time.js';
