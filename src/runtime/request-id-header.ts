/**
 * Request ids: every request has one, every response carries it as
 * `x-request-id`, the access log as `reqId`. A client's (or a proxy's) id is
 * kept when it is a sane token; otherwise weft makes one.
 *
 * Generated ids are a random per-thread prefix and a counter (`Ab3xK9_q-2s`):
 * unique across the workers of a pool and across instances without a random
 * number per request.
 */
import { randomBytes } from 'node:crypto';

/** The header read and written. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Printable, no spaces or quotes, at most 128 characters: safe in a header, a log line and a label. */
const SANE = /^[A-Za-z0-9._~:/+=@-]{1,128}$/;

const prefix = `${randomBytes(6).toString('base64url')}-`;
let seq = 0;

/** A fresh id. */
export function newRequestId(): string {
  return prefix + (++seq).toString(36);
}

/** The client's id when it sent a sane one, else a fresh one. */
export function requestIdFrom(sent: string | undefined): string {
  return sent !== undefined && sent !== '' && SANE.test(sent) ? sent : newRequestId();
}
