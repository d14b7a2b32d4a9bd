/**
 * `serve(filter).listen(...)`: the reactor-neutral server.
 *
 * The Server runs the filters for each `Exchange` a reactor hands it and owns
 * what must behave the same on every reactor: in-flight tracking, the drain
 * on close, the handler timeout, signals, the access log, the WebSocket
 * upgrade decision and the connection tasks. Reactors (`src/reactor/uws/`,
 * `node/`, `bun/`) own sockets and bytes; see `src/reactor/contract.ts` for the seam.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Context, Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { type Filter, type FilterImpl, impl } from '../filter/filter.js';
import type { Needs, ServerEnv } from '../filter/request-source.js';
import { settle } from '../filter/settle.js';
import {
  type Exchange,
  type Limits,
  type Reactor,
  type ReactorChoice,
  type ReactorHost,
  type ReactorInfo,
  type ResolvedLimits,
  resolveLimits,
  type TlsFiles,
} from '../reactor/contract.js';
import { CookieKeys, type CookieSettings } from '../reply/cookies.js';
import { fixedProblem } from '../reply/problem.js';
import type { Reply, Replyable } from '../reply/reply.js';
import { type MetricsSink, methodLabel, WsCounters } from '../runtime/counters.js';
import { defaultLogger } from '../runtime/logger.js';
import { poolContext } from '../runtime/pool.js';
import type { RequestIdMode } from '../runtime/request-id-header.js';
import {
  endRequestSpan,
  isTraced,
  otelTracer,
  publishDone,
  type RequestMessage,
  requestChannel,
  startRequestSpan,
  type WsMessage,
  watchTracer,
  withContext,
  wsChannel,
} from '../runtime/tracing.js';
import { TaskSet } from '../task/spawn.js';
import { openConnection, type SpawnTask } from '../ws/open.js';
import type { WsSocket } from '../ws/socket.js';
import type { Transport } from '../ws/transport.js';
import { WsAccept } from '../ws/upgrade.js';
import { createReactor } from './choose-reactor.js';
import { Flight, InFlight, type RequestObservation } from './flight.js';
import { TimeoutError } from './timeout-error.js';
import { liveServers, probePort } from './workers.js';

export interface ServeOptions {
  /**
   * A pino logger for errors, warnings, the server's own lines and, when
   * `accessLog` is on, the access log. `false` silences weft.
   * @default pino() at level info, to stdout
   */
  logger?: Logger | false | undefined;
  /**
   * One info line per request (`reqId`, `method`, `path`, `route`, `status`,
   * `ms`), aborted ones batched. On when you give weft a `logger`; off with
   * weft's default logger, which then writes only the server's own lines,
   * warnings and errors (a line per request costs more than the rest of a
   * small request: see load-tests/COST.md).
   * @default true when `logger` is given, else false
   */
  accessLog?: boolean | undefined;
  /**
   * Which reactor runs the server: `'uws'` (a native uWebSockets.js build, or
   * `NativeBindingError`), `'node'` (node:http + ws), `'bun'` (Bun.serve, only
   * under Bun), `'deno'` (Deno.serve, only under Deno) or `'auto'` (bun under
   * Bun, deno under Deno; on Node uws when it loads, else node, with one
   * warning line saying why).
   * @default process.env.WEFT_REACTOR, else 'auto'
   */
  reactor?: ReactorChoice | undefined;
  /** Request limits, the same on every reactor (414 / 431). */
  limits?: Limits | undefined;
  /**
   * Close gracefully on SIGTERM and SIGINT, then exit; a second signal exits at once.
   * @default false
   */
  signals?: boolean | undefined;
  /**
   * Deadline for the graceful close started by a signal.
   * @default 10000
   */
  shutdownTimeoutMs?: number | undefined;
  /**
   * A request whose filters have not answered after this long gets a 503
   * (with `Connection: close`) and its `signal()` fires. 0 disables. Streamed
   * replies that already started are not cut.
   * @default 30000
   */
  handlerTimeoutMs?: number | undefined;
  /** Runs once the server has closed (before a signal's exit): close what the routes use (a Redis backplane, a pool). */
  onClose?: () => unknown;
  /**
   * Where request and WebSocket metrics go: `metrics()` from `weft/metrics`
   * (Prometheus), or your own `MetricsSink`.
   */
  metrics?: MetricsSink | undefined;
  /** Cookie signing: `{ secret }` (a string, or a list: the first signs, all verify). */
  cookies?: CookieSettings | undefined;
  /**
   * Which responses carry `x-request-id`. `'used'`: those whose request sent a
   * sane id (a proxy's, a client's), and those whose id was read before the
   * answer (`requestId()`, `logger()`, a span, a `weft:request` subscriber); `'always'`: every
   * response, with an id made when none was sent (weft's earlier default);
   * `false`: none, and the client's header is not read. Whatever the mode, the
   * access log, `requestId()` and `logger()` always have an id.
   * @default 'used'
   */
  requestId?: RequestIdMode | undefined;
}

export interface ListenOptions {
  /** TCP port; 0 picks a free one (read it back from `server.port`). */
  port: number;
  /** @default '127.0.0.1' */
  host?: string | undefined;
  /**
   * Serve HTTPS (and WebSockets as `wss:`) with this certificate and key, PEM
   * file paths as uWS's `SSLApp` takes them (node:https on the node reactor).
   * Both are loaded before binding: a bad file rejects `listen` with the reason.
   */
  tls?: TlsFiles | undefined;
}

export interface CloseOptions {
  /**
   * How long in-flight requests may take to finish before their connections are cut.
   * @default 10000
   */
  timeoutMs?: number | undefined;
}

const REACTORS: readonly ReactorChoice[] = ['auto', 'uws', 'node', 'bun', 'deno'];

/** Load the certificate and key now, so a bad file is a clear error and never a silent plain-text or dead listener. */
function checkTls(tls: TlsFiles): void {
  if (typeof tls.cert !== 'string' || typeof tls.key !== 'string')
    throw new TypeError('weft: tls.cert and tls.key must be PEM file paths');
  try {
    createSecureContext({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), passphrase: tls.passphrase });
  } catch (err) {
    throw new Error(`weft: the TLS certificate or key cannot be used (${(err as Error).message})`, { cause: err });
  }
}

function reactorChoice(opt: ReactorChoice | undefined): ReactorChoice {
  const choice = opt ?? ((process.env.WEFT_REACTOR || 'auto') as ReactorChoice);
  if (!REACTORS.includes(choice)) {
    throw new RangeError(`weft: reactor must be 'auto', 'uws', 'node', 'bun' or 'deno', got ${JSON.stringify(choice)}`);
  }
  return choice;
}

/**
 * Request bodies declared this long or shorter are read whole before the
 * filters run: the size of the buffer a streamed body fills before pausing,
 * so reading first never holds more than streaming would.
 */
const PREFETCH_MAX = 64 * 1024;

/** The `requests aborted` line: how many requests ended unanswered in one turn, after the first. */
interface AbortBatch {
  count: number;
  closedBy: { client: number; reactor: number };
  /** Route template → how many. */
  routes: Record<string, number>;
}

/** A weft HTTP server. Build with `serve(filter, options)`, then `await server.listen(...)`. */
export class Server {
  readonly #logger: Logger | undefined;
  readonly #limits: ResolvedLimits;
  readonly #needs: Needs;
  readonly #wsCounters = new WsCounters();
  #closing = false;
  readonly #draining: Reply = fixedProblem(503, 'The server is shutting down');
  readonly #metrics: MetricsSink | undefined;
  /** What filters see of the server: cookie secrets, TLS (set at listen). */
  #env: ServerEnv;
  /** Something records each request's outcome: its start time is taken. */
  readonly #observed: boolean;
  readonly #filter: FilterImpl<unknown[]>;
  readonly #logRequests: boolean;
  readonly #reactorImpl: Reactor;
  readonly #tasks: TaskSet;
  #listening = false;
  #tls = false;
  #boundPort = -1;
  #closed: Promise<void> | undefined;
  readonly #inflight = new InFlight();
  /** The span context of upgrade requests, until their connection opens (OpenTelemetry only). */
  readonly #upgradeSpans = new WeakMap<WsAccept, Context>();
  #drainedWaiter: (() => void) | undefined;
  readonly #handlerTimeoutMs: number;
  readonly #requestIds: RequestIdMode;
  /** Bodies declared at most this long are read before the filters run (0: never). */
  readonly #prefetchMax: number;
  #sweeper: NodeJS.Timeout | undefined;
  readonly #onSignal: ((sig: NodeJS.Signals) => void) | undefined;
  /** Aborts after the first in this turn of the event loop, logged as one line at its end. */
  #abortBatch: AbortBatch | undefined;

  /** @internal use `serve()` */
  constructor(
    filter: Filter<[Replyable]>,
    private readonly opts: ServeOptions = {},
  ) {
    this.#filter = impl(filter) as FilterImpl<unknown[]>;
    this.#needs = this.#filter.needs;
    // Within every body filter's limit, so a prefetched body is never one a route would refuse unread.
    this.#prefetchMax = this.#needs.body ? Math.min(PREFETCH_MAX, this.#needs.bodyLimit ?? PREFETCH_MAX) : 0;
    this.#logger = opts.logger === false ? undefined : (opts.logger ?? defaultLogger());
    this.#logRequests =
      (opts.accessLog ?? opts.logger !== undefined) && (this.#logger?.isLevelEnabled('info') ?? false);
    this.#limits = resolveLimits(opts.limits);
    this.#handlerTimeoutMs = opts.handlerTimeoutMs ?? 30_000;
    if (!(this.#handlerTimeoutMs >= 0)) throw new RangeError('handlerTimeoutMs must be >= 0');
    this.#requestIds = opts.requestId ?? 'used';
    if (this.#requestIds !== 'used' && this.#requestIds !== 'always' && this.#requestIds !== false)
      throw new RangeError(`weft: requestId must be 'used', 'always' or false, got ${JSON.stringify(opts.requestId)}`);
    this.#tasks = new TaskSet(this.#logger, 'websocket');
    this.#metrics = opts.metrics;
    this.#env = { cookieKeys: opts.cookies === undefined ? undefined : new CookieKeys(opts.cookies), secure: false };
    this.#observed = this.#logRequests || this.#metrics !== undefined;
    watchTracer(); // before the reactor: it reads the trace headers only when an SDK is registered
    this.#reactorImpl = createReactor(reactorChoice(opts.reactor), this.#host());
    this.#metrics?.attach(this);
    if (opts.signals) {
      this.#onSignal = (sig) => this.#signal(sig);
      process.on('SIGTERM', this.#onSignal);
      process.on('SIGINT', this.#onSignal);
    }
  }

  /**
   * What the reactor sees of this server. A separate object, so none of it is
   * in the server's public type: reactors call in, users never do.
   */
  #host(): ReactorHost {
    const server = this;
    return {
      logger: this.#logger,
      limits: this.#limits,
      needs: this.#needs,
      wsCounters: this.#wsCounters,
      requestIds: this.#requestIds,
      get closing() {
        return server.#closing;
      },
      drainingReply: (path) => this.#drainingReply(path),
      early: (method, path, status, requestId) => this.#early(method, path, status, requestId),
      handle: (ex) => this.#handle(ex),
      openSocket: (transport, accept, remote) => this.#openSocket(transport, accept, remote),
    };
  }

  /** The reactor this server runs on. */
  get reactor(): ReactorInfo {
    return this.#reactorImpl.info;
  }

  /** The bound port (after `listen`), or -1. */
  get port(): number {
    return this.#boundPort;
  }

  /** True when serving HTTPS (`listen({ tls })`). */
  get secure(): boolean {
    return this.#tls;
  }

  /** Requests still being handled. */
  get pending(): number {
    return this.#inflight.size;
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.#reactorImpl.connections;
  }

  /** WebSocket message counts (for a metrics collector). */
  get ws(): WsCounters {
    return this.#wsCounters;
  }

  /** True once `close()` started: readiness answers 503 `draining`. */
  get isDraining(): boolean {
    return this.#closing;
  }

  /** Bind and start serving. Rejects with `ListenError` when the port is taken. */
  async listen(options: ListenOptions): Promise<this> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port;
    if (this.#listening || this.#closing) throw new Error('weft: this server is already listening or closed');
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`weft: port must be an integer from 0 to 65535, got ${port}`);
    }
    this.#listening = true;
    const pool = poolContext();
    try {
      if (options.tls !== undefined) checkTls(options.tls);
      // A thread pool's workers share their port with SO_REUSEPORT: uWS, Bun.serve and Deno.serve can, node:http cannot.
      if (pool && pool.mode === 'threads' && this.reactor.name === 'node') {
        throw new Error(
          "weft: a thread pool's workers share their port through uWS, Bun.serve or Deno.serve; use workers(n, start, { mode: 'processes' }) on the node reactor",
        );
      }
      // In a pool every worker binds the pool's port; the first checks nobody else holds it.
      // Port 0 in a pool: the first worker picks a free port and every other (and every
      // replacement) binds that one, so the port outlives any worker. uWS shares only a
      // port it was given; a cluster primary keys its shared handles by the port asked for.
      let want = pool && port === 0 && pool.port > 0 ? pool.port : port;
      if (pool?.probe) want = await probePort(host, want);
      this.#boundPort = await this.#reactorImpl.listen(host, want, pool !== undefined, options.tls);
      this.#tls = options.tls !== undefined;
      this.#env = { ...this.#env, secure: this.#tls };
      if (pool && pool.port === 0) pool.port = this.#boundPort;
    } catch (err) {
      this.#listening = false;
      throw err;
    }
    liveServers.add(this);
    this.#logger?.info({ host, port: this.#boundPort, reactor: this.reactor.name, tls: this.#tls }, 'weft listening');
    return this;
  }

  /**
   * Graceful shutdown: stop accepting, let in-flight requests finish (their
   * responses carry `Connection: close`), answer 503 to new requests on
   * kept-alive connections, close WebSockets with 1001 and abort their tasks,
   * and after `timeoutMs` abort what is left and close every connection.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closed ??= this.#shutdown(options.timeoutMs ?? 10_000);
    return this.#closed;
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    this.#closing = true;
    liveServers.delete(this);
    this.#reactorImpl.stopAccepting();
    if (this.#inflight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#drainedWaiter = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      for (const f of this.#inflight.snapshot())
        if (f.listed) f.ex.abort(new Error('server shut down before the request finished'));
      this.#inflight.clear();
    }
    this.#reactorImpl.closeSockets(1001, 'server shutting down');
    await this.#tasks.abortAll(new Error('server shutting down'), timeoutMs);
    // Let the reactor flush the last responses and close frames before cutting connections.
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.#reactorImpl.closeAll();
    if (this.#sweeper) clearInterval(this.#sweeper);
    if (this.#onSignal) {
      process.off('SIGTERM', this.#onSignal);
      process.off('SIGINT', this.#onSignal);
    }
    try {
      await this.opts.onClose?.();
    } catch (err) {
      this.#logger?.error({ err }, 'onClose failed');
    }
    this.#logger?.info('weft closed');
  }

  #signal(sig: NodeJS.Signals): void {
    if (this.#closing) {
      this.#logger?.warn({ signal: sig }, 'second signal: exiting now');
      process.exit(1);
    }
    this.#logger?.info({ signal: sig }, 'shutting down');
    void this.close({ timeoutMs: this.opts.shutdownTimeoutMs ?? 10_000 }).then(() => process.exit(0));
  }

  /** @internal a reactor's WebSocket opened: its socket, with the handler running as a task. */
  #openSocket(transport: Transport, accept: WsAccept, remote: string): WsSocket {
    const parent = this.#upgradeSpans.get(accept);
    if (parent !== undefined) {
      // The connection's task span is a child of the upgrade request's span.
      this.#upgradeSpans.delete(accept);
      return withContext(parent, () => this.#openSocket(transport, accept, remote));
    }
    const spawnTask: SpawnTask = (fn) => this.#tasks.spawn(fn);
    if (!isTraced(wsChannel))
      return openConnection(transport, accept, remote, spawnTask, this.#logger, this.#wsCounters);
    const message: WsMessage = { remote, protocol: accept.protocol };
    const socket = wsChannel.start.runStores(message, () =>
      openConnection(transport, accept, remote, spawnTask, this.#logger, this.#wsCounters),
    );
    wsChannel.end.publish(message);
    void socket.closed().then((info) => {
      message.code = info.code;
      message.reason = info.reason;
      publishDone(wsChannel, message);
    });
    return socket;
  }

  /** @internal the 503 for a request arriving while draining; a health route answers its own. */
  #drainingReply(path: string): Reply {
    for (const h of this.#needs.health) {
      const r = h.drainingReply(path);
      if (r !== undefined) return r;
    }
    return this.#draining;
  }

  /** @internal the reactor answered before any filter ran. */
  #early(method: string, path: string, status: number, requestId: string): void {
    this.#metrics?.request(methodLabel(method), 'unmatched', status, 0);
    if (this.#logRequests)
      this.#logger?.info({ reqId: requestId, method, path, route: 'unmatched', status, ms: 0 }, 'request');
  }

  /**
   * @internal one request from the reactor. A body declared within
   * `prefetchMax` is read first and the filters run once it is in (from the
   * reactor's data callback): they then settle synchronously, with no promise
   * per chunk or per filter. Anything larger or chunked streams as it comes.
   */
  #handle(ex: Exchange): void {
    const f = new Flight(ex, this.#env);
    if (this.#prefetchMax > 0 && ex.bodyPrefetchable(this.#prefetchMax)) {
      // Observed from arrival: a client that leaves mid-body is still logged and counted (499).
      if (this.#observed) f.obs = { t0: performance.now(), span: undefined, message: undefined, completed: false };
      this.#track(f); // uWS: onAborted before returning; in flight while the body arrives
      ex.prefetchBody(() => {
        if (!ex.aborted) ex.cork(() => this.#run(f));
      });
      return;
    }
    this.#run(f);
  }

  /** Run the filters and answer. */
  #run(f: Flight): void {
    const ex = f.ex;
    const tracer = otelTracer();
    const traced = isTraced(requestChannel);
    let out: Reply | Promise<Reply>;
    if (!this.#observed && tracer === undefined && !traced) {
      out = settle(this.#filter, f);
    } else {
      const obs: RequestObservation = f.obs ?? {
        t0: performance.now(),
        span: undefined,
        message: undefined,
        completed: false,
      };
      f.obs = obs;
      out = tracer === undefined && !traced ? settle(this.#filter, f) : this.#traceRun(f, obs, tracer, traced);
    }
    if (!(out instanceof Promise)) {
      if (!f.tracked && out.body !== null && typeof out.body === 'object' && !(out.body instanceof Uint8Array))
        this.#track(f);
      this.#finish(f, out);
      return;
    }
    if (!f.tracked) this.#track(f);
    ex.startBody(); // a later filter may read the body: start now, while it is allowed
    out.then(
      (reply) => {
        if (ex.aborted) return; // never answer (or upgrade) a request whose client left
        ex.cork(() => this.#finish(f, reply));
      },
      (err: unknown) => this.#logger?.error({ err }, 'weft internal error'),
    );
  }

  /** Run the filters inside the request's span and the `weft:request` channel's stores. */
  #traceRun(f: Flight, obs: RequestObservation, tracer: Tracer | undefined, traced: boolean): Reply | Promise<Reply> {
    const ex = f.ex;
    let run = () => settle(this.#filter, f);
    if (tracer !== undefined) {
      const span = startRequestSpan(tracer, ex);
      obs.span = span;
      const inner = run;
      run = () => withContext(span.context, inner);
    }
    if (!traced) return run();
    const message: RequestMessage = { method: ex.method, path: ex.path, requestId: ex.requestId };
    obs.message = message;
    try {
      return requestChannel.start.runStores(message, run);
    } finally {
      requestChannel.end.publish(message);
    }
  }

  #track(f: Flight): void {
    const ex = f.ex;
    f.tracked = true;
    this.#inflight.add(f);
    if (this.#handlerTimeoutMs > 0) {
      f.deadline = performance.now() + this.#handlerTimeoutMs;
      this.#sweeper ??= setInterval(
        () => this.#sweep(),
        Math.max(10, Math.min(1000, this.#handlerTimeoutMs / 4)),
      ).unref();
    }
    ex.onAbort(() => {
      ex.abort();
      this.#done(f);
      // Before any answer: 499 (nginx's "client closed request") when the client left, 444
      // (nginx's "closed without a response") when the reactor closed the connection itself.
      // Once an answer was decided or started, its status.
      this.#complete(f, ex.status !== 0 ? ex.status : ex.dropped ? 444 : 499, true);
    });
  }

  #finish(f: Flight, reply: Reply): void {
    const ex = f.ex;
    if (reply instanceof WsAccept) {
      if (ex.canUpgrade && !this.#closing) {
        if (f.obs?.span !== undefined) this.#upgradeSpans.set(reply, f.obs.span.context);
        ex.upgrade(reply);
        this.#done(f);
        this.#complete(f, 101, false);
        return;
      }
      reply = this.#closing ? this.#drainingReply(ex.path) : fixedProblem(400, 'Not a WebSocket upgrade request');
    }
    // A body left unread closes the connection, unless the reactor drops a small rest (see discardBody).
    const p = ex.respond(reply, this.#closing || (ex.bodyUnread && !ex.discardBody()));
    if (p === undefined) {
      this.#done(f);
      this.#complete(f, ex.status, false);
    } else {
      void p.then(() => {
        this.#done(f);
        this.#complete(f, ex.status, ex.aborted);
      });
    }
  }

  /** The request is over (answered, abandoned, or timed out): count it, log it, end its span. Once. */
  #complete(f: Flight, status: number, aborted: boolean): void {
    const obs = f.obs;
    if (obs === undefined || obs.completed || obs.t0 === 0) return;
    obs.completed = true;
    const ex = f.ex;
    const route = f.routeTemplate();
    const seconds = (performance.now() - obs.t0) / 1000;
    this.#metrics?.request(methodLabel(ex.method), route, status, seconds);
    if (this.#logRequests) {
      const line = {
        reqId: ex.logRequestId,
        method: ex.method,
        path: ex.path,
        route,
        status,
        ms: Math.round(seconds * 1e6) / 1000,
      };
      if (aborted) this.#logAbort(line, ex.dropped);
      else this.#logger?.info(line, 'request');
    }
    const error = f.error;
    if (obs.message !== undefined) {
      obs.message.route = route;
      obs.message.status = status;
      publishDone(requestChannel, obs.message, error);
    }
    if (obs.span !== undefined) endRequestSpan(obs.span, ex.method, route, status, error);
  }

  /**
   * Aborts are logged in batches, one per turn of the event loop: the first in
   * full, the rest of that turn as one `requests aborted` line with counts. A
   * mass disconnect (thousands of clients at once) then costs two lines, not
   * thousands; metrics still count every request.
   */
  #logAbort(line: Record<string, unknown>, dropped: boolean): void {
    const closedBy = dropped ? 'reactor' : 'client';
    const batch = this.#abortBatch;
    if (batch === undefined) {
      this.#logger?.info({ ...line, aborted: true, closedBy }, 'request aborted');
      this.#abortBatch = { count: 0, closedBy: { client: 0, reactor: 0 }, routes: {} };
      setImmediate(() => this.#flushAborts());
      return;
    }
    batch.count++;
    batch.closedBy[closedBy]++;
    const route = line.route as string;
    batch.routes[route] = (batch.routes[route] ?? 0) + 1;
  }

  #flushAborts(): void {
    const batch = this.#abortBatch;
    this.#abortBatch = undefined;
    if (batch !== undefined && batch.count > 0) this.#logger?.info(batch, 'requests aborted');
  }

  /** Answer 503 to requests whose filters ran past `handlerTimeoutMs`, and fire their signals. */
  #sweep(): void {
    const now = performance.now();
    for (const f of this.#inflight.snapshot()) {
      const ex = f.ex;
      if (!f.listed || f.deadline > now || ex.status !== 0 || ex.aborted) continue;
      ex.abort(new TimeoutError(this.#handlerTimeoutMs));
      const reply = fixedProblem(503, `The handler did not answer within ${this.#handlerTimeoutMs} ms`);
      this.#logger?.warn(
        { reqId: ex.logRequestId, method: ex.method, path: ex.path, timeoutMs: this.#handlerTimeoutMs },
        'handler timed out',
      );
      ex.cork(() => void ex.respond(reply, true));
      this.#done(f);
      this.#complete(f, 503, false);
    }
  }

  #done(f: Flight): void {
    if (!f.tracked) return; // answered synchronously: never entered the in-flight set
    if (!this.#inflight.delete(f)) return;
    if (this.#closing && this.#inflight.size === 0) {
      const w = this.#drainedWaiter;
      this.#drainedWaiter = undefined;
      w?.();
    }
  }
}

/**
 * Serve a filter that extracts one reply (a `Reply`, or a string / object /
 * bytes, converted).
 *
 * @example
 * const server = await serve(routes, { logger }).listen({ port: 3000 });
 * server.reactor; // { name: 'uws' | 'node' | 'bun' | 'deno', detail: '...' }
 * await server.close({ timeoutMs: 10_000 });
 */
export function serve(filter: Filter<[Replyable]>, options?: ServeOptions): Server {
  return new Server(filter, options);
}
