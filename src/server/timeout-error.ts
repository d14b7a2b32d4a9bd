import { WeftError } from '../runtime/weft-error.js';

/** The reason a request's signal fires when its handler runs past `handlerTimeoutMs`. */
export class TimeoutError extends WeftError {
  override readonly name = 'TimeoutError';
  constructor(readonly ms: number) {
    super(`The handler did not answer within ${ms} ms`);
  }
}
