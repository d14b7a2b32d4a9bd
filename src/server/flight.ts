/**
 * What the Server records about one request while it is in flight: kept by
 * the Server, beside the reactor's exchange, never on it.
 */
import type { Ctx } from '../filter/context.js';
import type { Exchange } from '../reactor/contract.js';
import type { RequestMessage, RequestSpan } from '../runtime/tracing.js';

/** What the Server records about one request while it runs (when something records outcomes). */
export interface RequestObservation {
  /** `performance.now()` when it arrived. */
  readonly t0: number;
  span: RequestSpan | undefined;
  message: RequestMessage | undefined;
  /** Counted and logged (once). */
  completed: boolean;
}

/** One request: the reactor's exchange, its filter context, and the Server's records of it. */
export class Flight {
  /** Timing and spans, when something records the outcome (a log, metrics, tracing). */
  obs: RequestObservation | undefined = undefined;
  /** In the Server's in-flight set. */
  tracked = false;
  /** When the handler timeout fires (`performance.now()` based). */
  deadline = 0;

  constructor(
    readonly ex: Exchange,
    readonly ctx: Ctx,
  ) {}
}
