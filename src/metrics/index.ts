/**
 * `weft/metrics`: Prometheus metrics on prom-client.
 *
 * ```ts
 * import { metrics } from 'weft/metrics';
 * const m = metrics();
 * const routes = path('metrics').and(m.route()).or(api);
 * serve(routes, { metrics: m });
 * ```
 *
 * Series: `http_request_duration_seconds{method,route,status_code}`,
 * `weft_ws_connections`, `weft_ws_messages_total{direction}`,
 * `weft_ws_dropped_total`, `weft_channel_lagged_total`, `weft_tasks_active`,
 * `weft_task_duration_seconds{name}`, and prom-client's process and
 * event-loop metrics.
 *
 * The hot path does plain arithmetic: a request looks up its series in a map
 * and bumps a bucket; message counters are numbers the servers keep. The
 * registry reads them when scraped. Inside `workers(n)`, a scrape asks every
 * other worker for its metrics over the worker bus and answers with the sum,
 * so one scrape shows the whole instance.
 */
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { BackplaneLink } from '../broadcast/backplane.js';
import { workerBus } from '../broadcast/bus.js';
import type { Filter } from '../filter/filter.js';
import { get } from '../filters/method.js';
import { reply } from '../reply/index.js';
import type { Reply } from '../reply/reply.js';
import { type MetricsSink, type ObservedServer, runtimeCounters, taskListeners } from '../runtime/counters.js';
import { poolContext } from '../runtime/pool.js';

export type { MetricsSink, ObservedServer } from '../runtime/counters.js';

/** One metric as `registry.getMetricsAsJSON()` gives it (what workers exchange). */
type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

/** prom-client's default request-duration buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Task durations run from a request's worth to a connection's lifetime. */
export const DEFAULT_TASK_BUCKETS: readonly number[] = [0.001, 0.01, 0.1, 1, 10, 60, 300, 1800, 3600];

export interface MetricsOptions {
  /** Register here instead of a fresh `Registry` (two servers in one process never collide with their own). */
  registry?: Registry | undefined;
  /**
   * prom-client's process and event-loop metrics (`process_cpu_seconds_total`,
   * `nodejs_eventloop_lag_seconds`, heap, handles...).
   * @default true
   */
  defaultMetrics?: boolean | undefined;
  /** Buckets of `http_request_duration_seconds`, in seconds. */
  buckets?: readonly number[] | undefined;
  /** Buckets of `weft_task_duration_seconds`, in seconds. */
  taskBuckets?: readonly number[] | undefined;
  /**
   * In a `workers()` pool, collectors with the same name in each worker answer
   * each other's scrapes. Give each `metrics()` of one worker its own name.
   * @default 'default'
   */
  name?: string | undefined;
  /**
   * How long a scrape waits for the other workers of a pool; it answers with
   * what arrived.
   * @default 1000
   */
  scrapeTimeoutMs?: number | undefined;
}

interface Series {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram that prom-client's registry reads like its own, with a hot path
 * of one map lookup: prom-client's `observe` hashes its label object on every
 * call, which would cost more than the rest of a request.
 */
class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly all = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    if (
      bounds.length === 0 ||
      bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] as number)))
    ) {
      throw new RangeError(`${name}: buckets must be finite and increasing`);
    }
  }

  /** The series with these labels (made on first use). */
  series(labels: Record<string, string | number>): Series {
    const key = JSON.stringify(labels);
    let s = this.all.get(key);
    if (s === undefined) {
      s = { labels, counts: new Array<number>(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.all.set(key, s);
    }
    return s;
  }

  /** Add one observation to a series. */
  add(s: Series, value: number): void {
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (value <= (b[i] as number)) {
        (s.counts[i] as number)++;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }

  /** What `registry.metrics()` / `getMetricsAsJSON()` read: prom-client's histogram shape, labels flattened. */
  get(): MetricJson {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.all.values()) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i] as number;
        values.push({ labels: { ...s.labels, le }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    } as unknown as MetricJson;
  }

  /** Zero every series (`registry.resetMetrics()`); series already handed out stay valid. */
  reset(): void {
    for (const s of this.all.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

type Pending = { readonly got: MetricJson[][]; wanted: number; readonly done: () => void };

/** Prometheus metrics for weft servers; see the module comment. Make one with `metrics()`. */
export class Metrics implements MetricsSink {
  /** The registry the series live in: add your own metrics to it. */
  readonly registry: Registry;
  private readonly servers: ObservedServer[] = [];
  private readonly http: FastHistogram;
  private readonly tasks: FastHistogram;
  private readonly link: BackplaneLink | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();
  private readonly scrapeTimeoutMs: number;
  private nextScrape = 0;

  /** @internal use `metrics()` */
  constructor(options: MetricsOptions = {}) {
    const registry = (this.registry = options.registry ?? new Registry());
    this.scrapeTimeoutMs = options.scrapeTimeoutMs ?? 1000;
    this.http = new FastHistogram(
      'http_request_duration_seconds',
      'Time from a request arriving to its response being written, by method, route template and status (499: the client left)',
      options.buckets ?? DEFAULT_BUCKETS,
    );
    this.tasks = new FastHistogram(
      'weft_task_duration_seconds',
      'How long finished tasks ran, by task name',
      options.taskBuckets ?? DEFAULT_TASK_BUCKETS,
    );
    registry.registerMetric(this.http as never);
    registry.registerMetric(this.tasks as never);
    const servers = this.servers;
    const sum = (pick: (s: ObservedServer) => number) => servers.reduce((n, s) => n + pick(s), 0);
    new Gauge({
      name: 'weft_ws_connections',
      help: 'Open WebSocket connections',
      registers: [registry],
      collect() {
        this.set(sum((s) => s.connections));
      },
    });
    const messages = new Counter({
      name: 'weft_ws_messages_total',
      help: 'WebSocket messages received (in) and written (out; each socket a broadcast reached counts once)',
      labelNames: ['direction'],
      registers: [registry],
      collect() {
        messages.reset();
        messages.inc(
          { direction: 'in' },
          sum((s) => s.ws.in),
        );
        messages.inc(
          { direction: 'out' },
          sum((s) => s.ws.out),
        );
      },
    });
    const dropped = new Counter({
      name: 'weft_ws_dropped_total',
      help: 'WebSocket messages not delivered: over a socket backpressure or unread-queue limit, or sent to a closed socket',
      registers: [registry],
      collect() {
        dropped.reset();
        dropped.inc(sum((s) => s.ws.dropped));
      },
    });
    const lagged = new Counter({
      name: 'weft_channel_lagged_total',
      help: 'Broadcast values lost to lag: skipped by receivers that fell behind, or lost on the way to a named channel',
      registers: [registry],
      collect() {
        lagged.reset();
        lagged.inc(runtimeCounters.channelLagged);
      },
    });
    new Gauge({
      name: 'weft_tasks_active',
      help: 'Tasks (spawn, and one per WebSocket connection) that have not finished',
      registers: [registry],
      collect() {
        this.set(runtimeCounters.tasksActive);
      },
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
    const byName = new Map<string, Series>();
    taskListeners.add((name, seconds) => {
      let s = byName.get(name);
      if (s === undefined) byName.set(name, (s = this.tasks.series({ name })));
      this.tasks.add(s, seconds);
    });

    const pool = poolContext();
    const bus = pool !== undefined && pool.count > 1 ? workerBus() : undefined;
    if (bus !== undefined) this.link = bus.open(`weft:metrics:${options.name ?? 'default'}`, (m) => this.onBus(m));
  }

  /** @internal `serve(routes, { metrics })` */
  attach(server: ObservedServer): void {
    this.servers.push(server);
  }

  /** @internal one request's outcome */
  request(method: string, route: string, status: number, seconds: number): void {
    // route → method → status: lookups on strings whose hashes are cached (templates and method labels are constants).
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (series === undefined) {
      series = this.http.series({ method, route, status_code: status });
      byStatus.set(status, series);
    }
    this.http.add(series, seconds);
  }

  /**
   * The exposition, for GET and HEAD (a filter like any other: mount it under
   * a path and guard it, `path('metrics').and(auth).and(m.route())`).
   */
  route(): Filter<[Reply]> {
    return get().then(async () => reply.text(await this.scrape()).header('content-type', this.registry.contentType));
  }

  /** The exposition text: this worker's metrics, or the whole pool's, summed. */
  async scrape(): Promise<string> {
    const pool = poolContext();
    if (this.link === undefined || pool === undefined) return this.registry.metrics();
    const own = await this.registry.getMetricsAsJSON();
    const others = await this.askOthers(pool.id, pool.count - 1);
    const all = [own, ...others];
    // Threads share one process: its process-wide figures (CPU, memory, fds) are the same in each.
    if (pool.mode === 'threads')
      for (const list of all) for (const m of list) if (m.name.startsWith('process_')) m.aggregator = 'max';
    return AggregatorRegistry.aggregate(all).metrics();
  }

  private askOthers(me: number, wanted: number): Promise<MetricJson[][]> {
    const id = `${me}:${this.nextScrape++}`;
    return new Promise((resolve) => {
      const got: MetricJson[][] = [];
      const timer = setTimeout(() => finish(), this.scrapeTimeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(got);
      };
      this.pending.set(id, { got, wanted, done: finish });
      this.link?.publish(JSON.stringify({ t: 'q', id }));
    });
  }

  private onBus(raw: string): void {
    let msg: { t?: string; id?: string; metrics?: MetricJson[] };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      return;
    }
    if (msg.t === 'q' && typeof msg.id === 'string') {
      const id = msg.id;
      void this.registry
        .getMetricsAsJSON()
        .then((metrics) => this.link?.publish(JSON.stringify({ t: 'r', id, metrics })));
    } else if (msg.t === 'r' && typeof msg.id === 'string' && Array.isArray(msg.metrics)) {
      const p = this.pending.get(msg.id);
      if (p === undefined) return; // another worker's scrape, or one that timed out
      p.got.push(msg.metrics);
      if (p.got.length >= p.wanted) p.done();
    }
  }
}

/**
 * Prometheus metrics for `serve(routes, { metrics: m })`, exposed by the filter `m.route()`.
 *
 * @example
 * const m = metrics();
 * const server = await serve(path('metrics').and(m.route()).or(api), { metrics: m }).listen({ port: 3000 });
 */
export function metrics(options?: MetricsOptions): Metrics {
  return new Metrics(options);
}
