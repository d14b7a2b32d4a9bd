/** Errors the server reports. */

/** `listen()` could not bind (port in use, bad address, no permission). */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`weft: could not listen on ${host}:${port} (the port is in use, or the address is not available)`);
  }
}

/** The reason a request's signal fires when its handler runs past `handlerTimeoutMs`. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly ms: number) {
    super(`The handler did not answer within ${ms} ms`);
  }
}
