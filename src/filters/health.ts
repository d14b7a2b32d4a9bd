/**
 * `health()`: liveness and readiness routes, as a filter.
 *
 * - `GET /health/live`: 200 `{"status":"ok"}` while the process runs (also
 *   while draining: the process is alive, it is only leaving).
 * - `GET /health`: readiness. 200 `{"status":"ok", ...info()}`; 503
 *   `{"status":"draining"}` once `server.close()` (or a signal) started, and
 *   503 `{"status":"overloaded","eventLoopDelayMs":...}` while the event
 *   loop stalls longer than `maxEventLoopDelayMs` (what
 *   @fastify/under-pressure checks), so a load balancer stops sending work.
 *
 * While draining, the server answers every new request with 503 before any
 * filter runs; the health routes are the exception: the server asks them
 * (through `Needs.health`) for their own answer.
 */

import { type Filter, FilterImpl, impl } from '../filter/filter.js';
import { type DrainResponder, mergeNeeds, NO_NEEDS } from '../filter/request-source.js';
import { reply } from '../reply/index.js';
import type { Reply } from '../reply/reply.js';
import { get } from './method.js';
import { path } from './path.js';

export interface HealthOptions {
  /**
   * The first path segment of both routes.
   * @default 'health'
   */
  path?: string | undefined;
  /**
   * Readiness answers 503 `overloaded` while the longest event-loop stall of
   * the last window (`windowMs`) is over this many milliseconds. 0 disables.
   * @default 1000
   */
  maxEventLoopDelayMs?: number | undefined;
  /**
   * The window over which stalls are measured.
   * @default 1000
   */
  windowMs?: number | undefined;
  /** Extra fields for the readiness body (the chat adds `connections` and `worker`). */
  info?: () => Record<string, unknown>;
}

/**
 * The longest event-loop stall in the current and the previous window, in ms,
 * from a timer that notes how late it fires. (perf_hooks' monitorEventLoopDelay
 * stops recording after a reset that follows a long stall, on Node 20 to 26.)
 */
class StallMonitor {
  private static readonly TICK_MS = 20;
  private last = performance.now();
  private windowStart = this.last;
  private current = 0;
  private previous = 0;

  constructor(private readonly windowMs: number) {
    setInterval(() => this.tick(), StallMonitor.TICK_MS).unref();
  }

  private tick(): void {
    const now = performance.now();
    const late = now - this.last - StallMonitor.TICK_MS;
    this.last = now;
    if (late > this.current) this.current = late;
    if (now - this.windowStart >= this.windowMs) {
      this.previous = this.current;
      this.current = 0;
      this.windowStart = now;
    }
  }

  get delayMs(): number {
    // A stall the timer has not reported yet (it fires after this request) counts too.
    const pending = performance.now() - this.last - StallMonitor.TICK_MS;
    return Math.max(0, Math.round(Math.max(this.previous, this.current, pending)));
  }
}

/** One monitor per window length, shared by every `health()` of the thread. */
const monitors = new Map<number, StallMonitor>();
function stallMonitor(windowMs: number): StallMonitor {
  let m = monitors.get(windowMs);
  if (m === undefined) monitors.set(windowMs, (m = new StallMonitor(windowMs)));
  return m;
}

/**
 * Liveness and readiness routes.
 *
 * @example
 * const routes = health({ info: () => ({ connections: server.connections }) }).or(api);
 */
export function health(options: HealthOptions = {}): Filter<[Reply]> {
  const seg = options.path ?? 'health';
  const maxDelay = options.maxEventLoopDelayMs ?? 1000;
  if (!(maxDelay >= 0)) throw new RangeError('health: maxEventLoopDelayMs must be >= 0');
  const windowMs = options.windowMs ?? 1000;
  if (!(windowMs > 0)) throw new RangeError('health: windowMs must be > 0');
  const monitor = maxDelay > 0 ? stallMonitor(windowMs) : undefined;
  const info = options.info ?? (() => ({}));

  const live = () => reply.json({ status: 'ok' });
  const ready = (): Reply => {
    const delay = monitor?.delayMs ?? 0;
    if (monitor !== undefined && delay > maxDelay) {
      return reply.json({ status: 'overloaded', eventLoopDelayMs: delay, ...info() }).status(503);
    }
    return reply.json({ status: 'ok', ...info() });
  };
  const responder: DrainResponder = {
    drainingReply(p: string): Reply | undefined {
      const trimmed = p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
      if (trimmed === `/${seg}/live`) return live();
      if (trimmed === `/${seg}`) return reply.json({ status: 'draining', ...info() }).status(503);
      return undefined;
    },
  };
  const routes = impl(path(seg, 'live').and(get()).map(live).or(path(seg).and(get()).map(ready)));
  return new FilterImpl<[Reply]>('health', routes.run, {
    needs: mergeNeeds(routes.needs, { ...NO_NEEDS, health: new Set([responder]) }),
    inner: routes as FilterImpl<unknown[]>,
  });
}
