/** Errors of weft's channels (broadcast, mpsc, oneshot, watch) and Semaphore. Each hands back what the caller needs. */
import { WeftError } from '../runtime/weft-error.js';

/**
 * A send nobody can receive, with the value handed back: a broadcast channel
 * with no receiver and no attached socket, an mpsc or oneshot whose receiver
 * closed, a watch with no receiver left.
 */
export class SendError<T> extends WeftError {
  override readonly name = 'SendError';
  constructor(
    readonly value: T,
    message = 'channel has no receivers',
  ) {
    super(message);
  }
}

/** `trySend` / `tell` found the bounded queue full; the value is handed back (tokio's `TrySendError::Full`). */
export class FullError<T> extends WeftError {
  override readonly name = 'FullError';
  constructor(readonly value: T) {
    super('channel is full');
  }
}

/**
 * The receiver fell behind and the `skipped` oldest values were overwritten.
 * It stays subscribed: the next `recv` returns the oldest value still kept.
 */
export class LaggedError extends WeftError {
  override readonly name = 'LaggedError';
  constructor(readonly skipped: number) {
    super(`receiver lagged behind and skipped ${skipped} value(s)`);
  }
}

/**
 * Closed: every sender closed and this receiver has seen every value; a
 * oneshot sender closed without sending; a closed Semaphore; a handle used
 * after its own `close()`; an actor stopped before it answered.
 */
export class ClosedError extends WeftError {
  override readonly name = 'ClosedError';
  constructor(message = 'channel closed') {
    super(message);
  }
}

/** `tryRecv` found nothing new (the channel is open). */
export class EmptyError extends WeftError {
  override readonly name = 'EmptyError';
  constructor() {
    super('no value available');
  }
}

/** tokio's `RecvError` / `TryRecvError` variants: `e instanceof RecvError.Lagged`. */
export const RecvError: {
  readonly Lagged: typeof LaggedError;
  readonly Closed: typeof ClosedError;
  readonly Empty: typeof EmptyError;
} = {
  Lagged: LaggedError,
  Closed: ClosedError,
  Empty: EmptyError,
};
