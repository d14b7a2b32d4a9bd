/** Filters that always match. */

import { type Filter, FilterImpl } from '../filter/filter.js';
import { NO_NEEDS } from '../filter/request-source.js';

const EMPTY: [] = [];
const anyFilter = new FilterImpl<[]>('any', () => EMPTY, { pure: true });

/** Matches every request and extracts nothing (a starting point for `map`). */
export function any(): Filter<[]> {
  return anyFilter;
}

/**
 * The request's `AbortSignal`: it fires when the client goes away, the
 * request times out, or the server shuts down. Pass it to `fetch`, database
 * calls or `sleep` so work stops when nobody is waiting for the answer.
 */
export function signal(): Filter<[AbortSignal]> {
  return new FilterImpl<[AbortSignal]>('signal', (ctx) => [ctx.req.signal], { needs: NO_NEEDS });
}
