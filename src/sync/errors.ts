/** Errors of weft's channels (broadcast, mpsc, oneshot, watch) and Semaphore. Each hands back what the caller needs. */

/** `send` with no receiver and no attached socket: nobody would see the value, which is returned. */
export class SendError<T> extends Error {
  override readonly name = 'SendError';
  constructor(readonly value: T) {
    super('channel has no receivers');
  }
}

/**
 * The receiver fell behind and the `skipped` oldest values were overwritten.
 * It stays subscribed: the next `recv` returns the oldest value still kept.
 */
export class LaggedError extends Error {
  override readonly name = 'Lagged';
  constructor(readonly skipped: number) {
    super(`receiver lagged behind and skipped ${skipped} value(s)`);
  }
}

/** Every sender closed and this receiver has seen every value. */
export class ClosedError extends Error {
  override readonly name = 'Closed';
  constructor() {
    super('channel closed');
  }
}

/** `tryRecv` found nothing new (the channel is open). */
export class EmptyError extends Error {
  override readonly name = 'Empty';
  constructor() {
    super('no value available');
  }
}

/** tokio's `RecvError` / `TryRecvError` variants: `e instanceof RecvError.Lagged`. */
export const RecvError: { readonly Lagged: typeof LaggedError; readonly Closed: typeof ClosedError; readonly Empty: typeof EmptyError } = {
  Lagged: LaggedError,
  Closed: ClosedError,
  Empty: EmptyError,
};
