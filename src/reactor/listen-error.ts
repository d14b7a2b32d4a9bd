import { WeftError } from '../runtime/weft-error.js';

/** `listen()` could not bind (port in use, bad address, no permission). */
export class ListenError extends WeftError {
  override readonly name = 'ListenError';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`weft: could not listen on ${host}:${port} (the port is in use, or the address is not available)`);
  }
}
