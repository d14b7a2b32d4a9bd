/** `requestId()` and `logger()`: the request's id, and a logger that carries it. */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { type Filter, FilterImpl } from '../filter/filter.js';

let silent: Logger | undefined;

/** A pino logger that writes nothing (for a server with `logger: false`). */
function silentLogger(): Logger {
  silent ??= (createRequire(import.meta.url)('pino') as (opts: object) => Logger)({ level: 'silent' });
  return silent;
}

/**
 * Extracts the request's id: the client's `x-request-id` when it sent a sane
 * one (a token of at most 128 characters), else one weft makes now. The
 * access log has it as `reqId`; the response carries it back in
 * `x-request-id` (reading it here is what puts it there under the server's
 * default `requestId: 'used'`; `false` sends none).
 *
 * @example
 * path('orders').and(requestId()).map((id) => reply.json({ requestId: id }))
 */
export function requestId(): Filter<[string]> {
  return new FilterImpl<[string]>('requestId', (ctx) => [ctx.req.requestId]);
}

/**
 * Extracts a pino child logger of the server's logger, bound to the request's
 * id (`reqId`), so a handler's lines join the access-log line. With
 * `logger: false` it writes nothing.
 *
 * @example
 * post().and(path('orders')).and(logger()).map((log) => { log.info('placing order'); ... })
 */
export function logger(): Filter<[Logger]> {
  return new FilterImpl<[Logger]>('logger', (ctx) => [
    (ctx.req.logger ?? silentLogger()).child({ reqId: ctx.req.requestId }),
  ]);
}
