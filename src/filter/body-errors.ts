/** Errors a body reader throws; the filter runner answers them (413, 400). */
import { WeftError } from '../runtime/weft-error.js';
/** Thrown by a streamed body that grows past its limit; served as a 413. */
export class BodyTooLargeError extends WeftError {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`Request body exceeds the limit of ${limit} bytes`);
  }
}

/** Thrown by a streamed body parser (multipart) that finds the body malformed; served as a 400. */
export class InvalidBodyError extends WeftError {
  override readonly name = 'InvalidBodyError';
}
