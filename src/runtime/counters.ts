/**
 * What weft counts, and the interface a metrics collector implements.
 *
 * Counting is plain arithmetic on the hot path (a number incremented per
 * WebSocket message, one call per request); a collector turns it into series
 * when it is scraped. `weft/metrics` is the collector weft ships (on
 * prom-client); the core never loads it.
 */

/** WebSocket message counts of one server. */
export class WsCounters {
  /** Messages received from clients. */
  in = 0;
  /** Messages written to clients (each socket a broadcast reached counts once). */
  out = 0;
  /** Messages not delivered: over a socket's backpressure limit, its unread-queue limit, or sent to a closed socket. */
  dropped = 0;
}

/** Process-wide (per thread) counts that belong to no server: tasks and broadcast channels. */
export const runtimeCounters = {
  /** Tasks started by `spawn` (WebSocket connection tasks included) that have not finished. */
  tasksActive: 0,
  /** Values receivers lost to lag, and values named channels lost on the way. */
  channelLagged: 0,
};

/** A server as a collector sees it. */
export interface ObservedServer {
  /** Open WebSocket connections now. */
  readonly connections: number;
  readonly ws: WsCounters;
}

/**
 * What `serve(routes, { metrics })` reports to. `weft/metrics`'s `metrics()`
 * returns one; implement it to feed another system.
 */
export interface MetricsSink {
  /** A server starts reporting here (called once, by `serve`). */
  attach(server: ObservedServer): void;
  /**
   * One request was answered, or abandoned: `route` is the matched template
   * (`/todos/{id}`) or `unmatched`; `status` is 499 when the client left
   * before a response started.
   */
  request(method: string, route: string, status: number, seconds: number): void;
}

/** Called with the name and duration of every task that finishes. */
export type TaskListener = (name: string, seconds: number, failed: boolean) => void;

/** @internal listeners for finished tasks (a collector adds one). */
export const taskListeners = new Set<TaskListener>();

/** The standard methods, mapped to constant strings (a label then hashes once, not per request). */
const METHODS = new Map(
  ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'].map((m) => [m, m]),
);

/** A method as a label: the standard ones by name, any other token as `_OTHER` (bounded cardinality). */
export function methodLabel(method: string): string {
  return METHODS.get(method) ?? '_OTHER';
}
