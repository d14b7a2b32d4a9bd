import { WeftError } from '../runtime/weft-error.js';

/** The client closed the connection before the request finished. */
export class AbortError extends WeftError {
  override readonly name = 'AbortError';
  constructor() {
    super('The client closed the connection');
  }
}

/**
 * The one `AbortError` every abort hands out: made once, without a stack
 * (a stack says nothing about a client that left, and capturing one per abort
 * is most of what a mass disconnect costs).
 */
export const CLIENT_GONE: AbortError = (() => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new AbortError();
  } finally {
    Error.stackTraceLimit = limit;
  }
})();
