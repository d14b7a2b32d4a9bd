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
  /** In the Server's in-flight list now, and its neighbours there (see `InFlight`). */
  listed = false;
  prevFlight: Flight | undefined = undefined;
  nextFlight: Flight | undefined = undefined;

  constructor(
    readonly ex: Exchange,
    env: ServerEnv,
  ) {
    super(ex, env);
  }
}

/**
 * The Server's requests in flight, as a list threaded through the flights
 * themselves: adding and removing allocate nothing. (A `Set` here rehashed as
 * it grew and shrank with every batch of requests: a measurable part of a
 * small POST.) The rare walks (handler timeouts, shutdown) take a snapshot.
 */
export class InFlight {
  size = 0;
  #head: Flight | undefined = undefined;
  #tail: Flight | undefined = undefined;

  add(f: Flight): void {
    if (f.listed) return;
    f.listed = true;
    f.prevFlight = this.#tail;
    f.nextFlight = undefined;
    if (this.#tail === undefined) this.#head = f;
    else this.#tail.nextFlight = f;
    this.#tail = f;
    this.size++;
  }

  /** Remove `f`; false when it was not in the list. */
  delete(f: Flight): boolean {
    if (!f.listed) return false;
    f.listed = false;
    const { prevFlight: prev, nextFlight: next } = f;
    if (prev === undefined) this.#head = next;
    else prev.nextFlight = next;
    if (next === undefined) this.#tail = prev;
    else next.prevFlight = prev;
    f.prevFlight = undefined;
    f.nextFlight = undefined;
    this.size--;
    return true;
  }

  /** The flights now, oldest first (a walk that removes some checks `listed` on each). */
  snapshot(): Flight[] {
    const out: Flight[] = [];
    for (let f = this.#head; f !== undefined; f = f.nextFlight) out.push(f);
    return out;
  }

  clear(): void {
    for (const f of this.snapshot()) this.delete(f);
  }
}
