/**
 * Request ids. A client's (or a proxy's) `x-request-id` is kept when it is a
 * sane token; otherwise weft makes one when something reads it (the access
 * log as `reqId`, `requestId()`, `logger()`, a span). Which responses carry
 * the id back is the server's `requestId` option (`RequestIdMode`).
 *
 * Generated ids are a random per-thread prefix and a counter (`Ab3xK9_q-2s`):
 * unique across the workers of a pool and across instances without a random
 * number per request.
 */
import { randomBytes } from 'node:crypto';

/** The header read and written. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Which responses carry `x-request-id` (`serve(routes, { requestId })`):
 * - `'used'`: those whose request sent a sane id, and those whose id was read
 *   before the answer (`requestId()`, `logger()`, a span, a `weft:request`
 *   subscriber); the access log's read does not count;
 * - `'always'`: every response, with an id made for it when none was sent;
 * - `false`: none; weft does not read the header either (ids are still made
 *   for what reads them: the access log, `requestId()`).
 */
export type RequestIdMode = 'used' | 'always' | false;

/** Printable, no spaces or quotes, at most 128 characters: safe in a header, a log line and a label. */
const SANE = /^[A-Za-z0-9._~:/+=@-]{1,128}$/;

const prefix = `${randomBytes(6).toString('base64url')}-`;
let seq = 0;

/** A fresh id. */
export function newRequestId(): string {
  return prefix + (++seq).toString(36);
}

/** The id a client sent when it is sane, else `''`. */
export function sentRequestId(sent: string | undefined): string {
  return sent !== undefined && sent !== '' && SANE.test(sent) ? sent : '';
}
