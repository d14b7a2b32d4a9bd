/**
 * `serve(filter).listen(...)`: run a reply filter on the uWebSockets.js reactor.
 *
 * The uWS rules this adapter keeps (and the only place they are kept):
 * - copy method, URL, query and the needed headers before any `await`
 *   (the `HttpRequest` is stack-allocated and dies when the callback returns);
 * - answer synchronously when the filters are synchronous, otherwise attach
 *   `onAborted` before returning and never touch the response after it fired;
 * - attach `onData` synchronously and copy every chunk;
 * - `cork` every write made after an `await`;
 * - stream with `write` + `onWritable` and honour backpressure.
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { RequestSource } from '../filters/context.js';
import { type Filter, type FilterImpl, impl } from '../filters/filter.js';
import { problemReply } from '../reply/problem.js';
import type { Reply, Replyable } from '../reply/reply.js';
import { WsAccept } from '../ws/filter.js';
import type { ResolvedWsOptions } from '../ws/options.js';
import { settle } from './pipeline.js';
import { UwsBody, UwsRequest } from './request.js';
import { type ConnData, WsRegistry } from './websocket.js';
import { type App, EXCLUSIVE_PORT, type HttpRequest, type HttpResponse, type us_listen_socket, createApp, uws } from './uws.js';
import { writeReply } from './write.js';

export interface ServeOptions {
  /**
   * A pino logger for the access log (one info line per request) and errors.
   * `false` silences weft.
   * @default pino() at level info, to stdout
   */
  logger?: Logger | false;
  /**
   * Close gracefully on SIGTERM and SIGINT, then exit; a second signal exits at once.
   * @default false
   */
  signals?: boolean;
  /**
   * Deadline for the graceful close started by a signal.
   * @default 10000
   */
  shutdownTimeoutMs?: number;
  /**
   * A request whose filters have not answered after this long gets a 503
   * (with `Connection: close`) and its `signal()` fires. 0 disables. Streamed
   * replies that already started are not cut.
   * @default 30000
   */
  handlerTimeoutMs?: number;
}

export interface ListenOptions {
  /** TCP port; 0 picks a free one (read it back from `server.port`). */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
}

export interface CloseOptions {
  /**
   * How long in-flight requests may take to finish before their connections are cut.
   * @default 10000
   */
  timeoutMs?: number;
}

/** The reason a request's signal fires when its handler runs past `handlerTimeoutMs`. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly ms: number) {
    super(`The handler did not answer within ${ms} ms`);
  }
}

function countHeader(req: HttpRequest, name: string): number {
  let n = 0;
  req.forEach((k) => {
    if (k === name) n++;
  });
  return n;
}

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

const decoder = new TextDecoder();

/** `pino()`, loaded only when no logger was given. */
function defaultLogger(): Logger {
  const pino = createRequire(import.meta.url)('pino') as (opts?: object) => Logger;
  return pino();
}
const NO_VALUES: string[] = [];
/** The body of every request on a server whose filters never read bodies (never attached). */
const NO_BODY = new UwsBody(undefined as never, undefined, false);
const DIGITS = /^\d+$/;

/** A weft HTTP server. Build with `serve(filter, options)`, then `await server.listen(...)`. */
export class Server {
  private readonly filter: FilterImpl<unknown[]>;
  private readonly logger: Logger | undefined;
  private readonly logRequests: boolean;
  private readonly names: string[];
  private readonly clIndex: number;
  private readonly teIndex: number;
  private readonly app: App;
  private listenSocket: us_listen_socket | undefined;
  private boundPort = -1;
  private closing = false;
  private closed: Promise<void> | undefined;
  private readonly inflight = new Set<UwsRequest>();
  private readonly sockets: WsRegistry | undefined;
  private drainedWaiter: (() => void) | undefined;
  private readonly handlerTimeoutMs: number;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly onSignal: ((sig: NodeJS.Signals) => void) | undefined;

  /** @internal use `serve()` */
  constructor(filter: Filter<[Replyable]>, private readonly opts: ServeOptions = {}) {
    this.filter = impl(filter) as FilterImpl<unknown[]>;
    this.logger = opts.logger === false ? undefined : (opts.logger ?? defaultLogger());
    this.logRequests = this.logger?.isLevelEnabled('info') ?? false;
    this.handlerTimeoutMs = opts.handlerTimeoutMs ?? 30_000;
    if (!(this.handlerTimeoutMs >= 0)) throw new RangeError('handlerTimeoutMs must be >= 0');
    const needs = this.filter.needs;
    this.names = [...needs.headers];
    if (needs.body) for (const h of ['content-length', 'transfer-encoding']) if (!this.names.includes(h)) this.names.push(h);
    this.clIndex = this.names.indexOf('content-length');
    this.teIndex = this.names.indexOf('transfer-encoding');
    this.app = createApp();
    this.app.any('/*', (res, req) => this.handle(res, req, undefined));
    if (needs.ws.size > 0) {
      this.sockets = new WsRegistry(this.app, this.logger);
      this.sockets.install([...needs.ws] as ResolvedWsOptions[], ((res: HttpResponse, req: HttpRequest, context: unknown) =>
        this.handle(res, req, context)) as never);
    }
    if (opts.signals) {
      this.onSignal = (sig) => this.signal(sig);
      process.on('SIGTERM', this.onSignal);
      process.on('SIGINT', this.onSignal);
    }
  }

  /** The bound port (after `listen`), or -1. */
  get port(): number {
    return this.boundPort;
  }

  /** Requests still being handled. */
  get pending(): number {
    return this.inflight.size;
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.sockets?.size ?? 0;
  }

  /** Bind and start serving. Rejects with `ListenError` when the port is taken. */
  listen(options: ListenOptions): Promise<this> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port;
    if (this.listenSocket !== undefined || this.closing) {
      return Promise.reject(new Error('weft: this server is already listening or closed'));
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return Promise.reject(new RangeError(`weft: port must be an integer from 0 to 65535, got ${port}`));
    }
    const u = uws();
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, EXCLUSIVE_PORT, (ls) => {
        if (!ls) {
          reject(new ListenError(host, port));
          return;
        }
        this.listenSocket = ls;
        this.boundPort = u.us_socket_local_port(ls as never);
        this.logger?.info({ host, port: this.boundPort }, 'weft listening');
        resolve(this);
      });
    });
  }

  /**
   * Graceful shutdown: stop accepting, let in-flight requests finish (their
   * responses carry `Connection: close`), answer 503 to new requests on
   * kept-alive connections, and after `timeoutMs` abort what is left and
   * close every connection.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closed ??= this.shutdown(options.timeoutMs ?? 10_000);
    return this.closed;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.listenSocket !== undefined) uws().us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    if (this.inflight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drainedWaiter = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      for (const r of this.inflight) r.abort(new Error('server shut down before the request finished'));
      this.inflight.clear();
    }
    await this.sockets?.closeAll(1001, 'server shutting down', timeoutMs);
    // Let uWS flush the last responses (it writes them from its loop) before cutting connections.
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.app.close();
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.onSignal) {
      process.off('SIGTERM', this.onSignal);
      process.off('SIGINT', this.onSignal);
    }
    this.logger?.info('weft closed');
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.closing) {
      this.logger?.warn({ signal: sig }, 'second signal: exiting now');
      process.exit(1);
    }
    this.logger?.info({ signal: sig }, 'shutting down');
    void this.close({ timeoutMs: this.opts.shutdownTimeoutMs ?? 10_000 }).then(() => process.exit(0));
  }

  /** One request; `context` is set on the WebSocket upgrade path. */
  private handle(res: HttpResponse, req: HttpRequest, context: unknown): void {
    const t0 = this.logRequests ? performance.now() : 0;
    if (this.closing) {
      this.reject(res, 503, 'Service Unavailable', 'The server is shutting down');
      return;
    }
    // uWS frames the body by the first Content-Length and does not reject a second
    // one; a proxy that reads the other would see a different request boundary.
    const cl = req.getHeader('content-length');
    if (cl !== '' && countHeader(req, 'content-length') > 1) {
      this.reject(res, 400, 'Bad Request', 'More than one Content-Length header');
      return;
    }
    // uWS decodes only plain `chunked`; anything else would be read as a body-less request.
    const te = req.getHeader('transfer-encoding');
    if (te !== '' && te.trim().toLowerCase() !== 'chunked') {
      this.reject(res, 400, 'Bad Request', 'Unsupported Transfer-Encoding (only "chunked" is accepted)');
      return;
    }
    const method = req.getCaseSensitiveMethod();
    const path = req.getUrl();
    const needs = this.filter.needs;
    const query = needs.query ? (req.getQuery() ?? '') : '';
    let values = NO_VALUES;
    let all: Record<string, string> | undefined;
    if (needs.allHeaders) {
      const h: Record<string, string> = Object.create(null) as Record<string, string>;
      req.forEach((k, v) => {
        const prev = h[k];
        h[k] = prev === undefined ? v : `${prev}, ${v}`;
      });
      all = h;
    } else if (this.names.length > 0) {
      values = new Array<string>(this.names.length);
      for (let i = 0; i < this.names.length; i++) {
        // The two framing headers were read above: no second trip into C++.
        values[i] = i === this.clIndex ? cl : i === this.teIndex ? te : req.getHeader(this.names[i] as string);
      }
    }
    const remote = needs.remote ? decoder.decode(res.getRemoteAddressAsText()) : '';

    let contentLength: number | undefined;
    let expected = false;
    if (needs.body) {
      if (cl) {
        if (!DIGITS.test(cl)) {
          this.reject(res, 400, 'Bad Request', 'Invalid Content-Length header');
          return;
        }
        contentLength = Number(cl);
      }
      expected = (contentLength ?? 0) > 0 || Boolean(te);
    }
    const r = new UwsRequest(
      method,
      path,
      query,
      this.names,
      values,
      all,
      remote,
      needs.body ? new UwsBody(res, contentLength, expected) : NO_BODY,
      this.logger,
    );
    const out = settle(this.filter, r);
    if (!(out instanceof Promise)) {
      if (out.body !== null && typeof out.body === 'object' && !(out.body instanceof Uint8Array)) {
        this.track(res, r);
      }
      this.finish(res, r, out, t0, context);
      return;
    }
    this.track(res, r);
    r.body.attach(); // a later filter may read the body: start now, while it is allowed
    out.then(
      (reply) => {
        if (r.aborted) return; // never answer (or upgrade) a request whose client left
        res.cork(() => this.finish(res, r, reply, t0, context));
      },
      (err: unknown) => this.logger?.error({ err }, 'weft internal error'),
    );
  }

  /** Complete a WebSocket handshake the filters accepted. */
  private upgrade(res: HttpResponse, r: UwsRequest, accept: WsAccept, context: unknown): void {
    if (accept.headers.length > 0) {
      res.writeStatus('101 Switching Protocols');
      for (const [n, v] of accept.headers) res.writeHeader(n, v);
    }
    const data: ConnData = { accept, remote: r.remoteAddress() };
    res.upgrade(
      data,
      r.header('sec-websocket-key') ?? '',
      accept.protocol,
      r.header('sec-websocket-extensions') ?? '',
      context as never,
    );
    r.responded = true;
    r.status = 101;
  }

  private track(res: HttpResponse, r: UwsRequest): void {
    r.tracked = true;
    this.inflight.add(r);
    if (this.handlerTimeoutMs > 0) {
      r.deadline = performance.now() + this.handlerTimeoutMs;
      r.res = res;
      this.sweeper ??= setInterval(() => this.sweep(), Math.max(10, Math.min(1000, this.handlerTimeoutMs / 4))).unref();
    }
    res.onAborted(() => {
      r.abort();
      this.done(r);
      if (this.logRequests) this.logger?.info({ method: r.method, path: r.path, aborted: true }, 'request aborted');
    });
  }

  private finish(res: HttpResponse, r: UwsRequest, reply: Reply, t0: number, context: unknown): void {
    if (reply instanceof WsAccept) {
      if (context !== undefined && !this.closing) {
        this.upgrade(res, r, reply, context);
        this.done(r);
        this.log(r, t0);
        return;
      }
      reply = problemReply({
        type: 'about:blank',
        title: this.closing ? 'Service Unavailable' : 'Bad Request',
        status: this.closing ? 503 : 400,
        detail: this.closing ? 'The server is shutting down' : 'Not a WebSocket upgrade request',
      });
    }
    const close = this.closing || (r.body.expected && r.body.unread);
    const p = writeReply(res, r, reply, close, this.logger);
    if (p === undefined) {
      this.done(r);
      this.log(r, t0);
    } else {
      void p.then(() => {
        this.done(r);
        this.log(r, t0);
      });
    }
  }

  private log(r: RequestSource & { status: number; aborted: boolean }, t0: number): void {
    if (!this.logRequests || r.aborted) return;
    const ms = Math.round((performance.now() - t0) * 1000) / 1000;
    this.logger?.info({ method: r.method, path: r.path, status: r.status, ms }, 'request');
  }

  /** Answer 503 to requests whose filters ran past `handlerTimeoutMs`, and fire their signals. */
  private sweep(): void {
    const now = performance.now();
    for (const r of this.inflight) {
      const res = r.res;
      if (res === undefined || r.deadline > now || r.status !== 0) continue;
      r.abort(new TimeoutError(this.handlerTimeoutMs));
      const reply = problemReply({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: `The handler did not answer within ${this.handlerTimeoutMs} ms`,
      });
      this.logger?.warn({ method: r.method, path: r.path, timeoutMs: this.handlerTimeoutMs }, 'handler timed out');
      res.cork(() => void writeReply(res, r, reply, true, this.logger));
      this.done(r);
    }
  }

  private done(r: UwsRequest): void {
    if (!r.tracked) return; // answered synchronously: never entered the in-flight set
    r.res = undefined;
    if (!this.inflight.delete(r)) return;
    if (this.closing && this.inflight.size === 0) {
      const w = this.drainedWaiter;
      this.drainedWaiter = undefined;
      w?.();
    }
  }

  /** Answer with a problem before any filter ran, and close the connection. */
  private reject(res: HttpResponse, status: number, title: string, detail: string): void {
    const reply = problemReply({ type: 'about:blank', title, status, detail });
    res.writeStatus(`${status} ${title}`);
    for (const [n, v] of reply.headers) res.writeHeader(n, v);
    res.end(reply.body as string, true);
  }
}

/**
 * Serve a filter that extracts one reply (a `Reply`, or a string / object /
 * bytes, converted).
 *
 * @example
 * const server = await serve(routes, { logger }).listen({ port: 3000 });
 * await server.close({ timeoutMs: 10_000 });
 */
export function serve(filter: Filter<[Replyable]>, options?: ServeOptions): Server {
  return new Server(filter, options);
}
