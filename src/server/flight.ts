/**
 * What the Server records about one request while it is in flight: kept by
 * the Server, beside the reactor's exchange, never on it.
 */
import { Ctx } from '../filter/context.js';
import type { ServerEnv } from '../filter/request-source.js';
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

/**
 * One request: the reactor's exchange, its filter context, and the Server's
 * records of it. The context and the records are one object (one allocation
 * per request instead of two): the filters see only what `Ctx` declares.
 */
export class Flight extends Ctx {
  /** Timing and spans, when something records the outcome (a log, metrics, tracing). */
  obs: RequestObservation | undefined = undefined;
  /** In the Server's in-flight set. */
  tracked = false;
  /** When the handler timeout fires (`performance.now()` based). */
  deadline = 0;

  constructor(
    readonly ex: Exchange,
    env: ServerEnv,
  ) {
    super(ex, env);
  }
}
