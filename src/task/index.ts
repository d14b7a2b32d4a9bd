/** Tasks: spawn, JoinHandle, join, select, timeout, sleep, interval, spawnBlocking. */
export { spawn, JoinHandle, TaskAbortedError } from './spawn.js';
export type { SpawnOptions } from './spawn.js';
export { sleep, interval, timeout, join, select, Elapsed } from './time.js';
export type { IntervalOptions, MissedTick } from './time.js';
export type { Selected } from './time.js';
export { spawnBlocking, shutdownBlockingPool } from './blocking.js';
