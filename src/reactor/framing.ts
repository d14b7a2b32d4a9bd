/**
 * The request framing rules, the same on every reactor: which requests are
 * refused before any filter runs, with which status. Each reactor reads the
 * values its own way and asks here; a refused request is answered and its
 * connection closed before anything the client sent after it is parsed or run
 * (RFC 9112 §6.3: once the framing is in doubt, the next request's start is too).
 */
import { fixedProblem } from '../reply/problem.js';
import type { Reply } from '../reply/reply.js';
import type { ResolvedLimits } from './contract.js';

const DIGITS = /^\d+$/;

/**
 * Why the body's framing is refused, or `undefined` when it is sound.
 * `cl` / `te`: the first Content-Length / Transfer-Encoding value ('' or
 * `undefined` when absent); `clLines` / `teLines`: how many lines of each the
 * head had (a reactor that joins repeated lines into one value passes 1).
 *
 * - Content-Length with Transfer-Encoding, or two Content-Lengths: 400 (a proxy
 *   that read the other one would see a different request boundary).
 * - A Content-Length that is not a plain decimal: 400.
 * - Two Transfer-Encoding lines, a list whose final coding is not `chunked`,
 *   or `chunked` applied twice: 400 (RFC 9112 §6.1, §6.3).
 * - Another coding before `chunked` (`gzip, chunked`): 501, only `chunked` is implemented.
 */
export function framingError(
  cl: string | undefined,
  te: string | undefined,
  clLines: number,
  teLines: number,
): Reply | undefined {
  const hasCl = cl !== undefined && cl !== '';
  const hasTe = te !== undefined && te !== '';
  if (!hasCl && !hasTe) return undefined;
  if (hasCl && hasTe) return fixedProblem(400, 'Content-Length with Transfer-Encoding');
  if (clLines > 1) return fixedProblem(400, 'More than one Content-Length header');
  if (hasCl) return DIGITS.test(cl) ? undefined : fixedProblem(400, 'Invalid Content-Length header');
  if (teLines > 1) return fixedProblem(400, 'More than one Transfer-Encoding header');
  const t = (te as string).trim().toLowerCase();
  if (t === 'chunked') return undefined;
  const codings = t.split(',').map((c) => c.trim());
  if (codings.at(-1) !== 'chunked') return fixedProblem(400, 'Transfer-Encoding must end with chunked');
  if (codings.indexOf('chunked') !== codings.length - 1)
    return fixedProblem(400, 'Transfer-Encoding applies chunked more than once');
  return fixedProblem(501, 'Only the chunked transfer coding is implemented');
}

/** The request target is longer than `limits.maxUrlBytes`: 414. */
export function targetTooLong(limits: ResolvedLimits): Reply {
  return fixedProblem(414, `The request target is longer than ${limits.maxUrlBytes} bytes`);
}

/** The request head is larger than `limits.maxHeadBytes`: 431. */
export function headTooLarge(): Reply {
  return fixedProblem(431, 'The request head is too large');
}

/** More header lines than `limits.maxHeaders`: 431. */
export function tooManyHeaders(limits: ResolvedLimits): Reply {
  return fixedProblem(431, `More than ${limits.maxHeaders} header lines`);
}
