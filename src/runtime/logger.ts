import { createRequire } from 'node:module';
import type { Logger } from 'pino';

/** `pino()`, loaded only when no logger was given. */
export function defaultLogger(): Logger {
  const pino = createRequire(import.meta.url)('pino') as (opts?: object) => Logger;
  return pino();
}
