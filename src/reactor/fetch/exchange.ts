/**
 * The runtime-neutral half of a reactor whose runtime serves through a
 * `fetch(request)` handler (Bun.serve, Deno.serve): a web `Request` becomes a
 * weft `Exchange`, the `Reply` the Server settles on becomes a `Response`,
 * and the body is read from `request.body` as a `StreamedBody`. Only web
 * globals (`Request`, `Response`, `Headers`, `ReadableStream`) are used here;
 * what differs per runtime comes in through `FetchRuntime` (the peer's
 * address, the WebSocket upgrade, the runtime's own head cap).
 *
 * A reactor's fetch handler is one call: `return serveFetch(host, runtime, request)`.
 * It answers weft's request limits (414, 431, framing 400s, the draining 503)
 * before any filter runs, hands the exchange to `host.handle`, and returns the
 * `Response` at once when the filters settled synchronously, else a promise of
 * it (`undefined` once the request became a WebSocket: the runtime answers the
 * handshake itself).
 *
 * What the runtime decides, not weft: the connection (keep-alive, pipelining,
 * `Connection: close` honoured after the response), the head parse (the runtime
 * answers a malformed head, a missing Host, or a head over its own cap before
 * the handler runs), and the body's framing (it dechunks; weft sees bytes).
 * A client that leaves fires the request's `signal` (and cancels a streamed
 * body): that is weft's abort.
 */
import type { Logger } from 'pino';
import type { Reply } from '../../reply/reply.js';
import { REQUEST_ID_HEADER, type RequestIdMode, sentRequestId } from '../../runtime/request-id-header.js';
import type { WsAccept } from '../../ws/upgrade.js';
import type { ReactorHost } from '../contract.js';
import { BaseExchange } from '../exchange.js';
import { framingError, headTooLarge, targetTooLong, tooManyHeaders } from '../framing.js';
import { NO_BODY, StreamedBody } from '../streamed-body.js';
import { RequestChunks } from './body.js';
import { type StreamOwner, toResponse } from './response.js';

/** What a fetch handler returns: a response, or nothing once the runtime took the request over (an upgrade). */
export type FetchResult = Response | undefined;

/** What a runtime adds to the shared fetch handling. */
export interface FetchRuntime {
  /** The peer's IP address (asked only when a filter reads it). */
  remoteAddress(req: Request): string;
  /**
   * Complete the WebSocket handshake the filters accepted: what the fetch
   * handler returns for it (Deno: the 101 response; Bun: `undefined`).
   * `undefined` when the runtime serves no WebSockets.
   */
  readonly upgrade: ((ex: FetchExchange, accept: WsAccept) => FetchResult) | undefined;
  /**
   * The largest head the runtime itself lets through (it answers 431 past it).
   * weft measures the head only when its own limit is smaller.
   */
  readonly headCap: number;
  /**
   * How many headers a request carries, when the runtime can say without a walk
   * (Bun's `Headers#count`); `undefined` to count them.
   */
  headerCount?(headers: Headers): number;
}

/** One fetch request as weft sees it. */
export class FetchExchange extends BaseExchange implements StreamOwner {
  /** Set once answered: what the fetch handler returns. */
  private result: FetchResult | null = null;
  private deliver: ((r: FetchResult) => void) | undefined;
  private answered = false;
  /** The answer (for a streamed body: its last byte) is out; an abort after it is not the client's. */
  private complete = false;
  private abortFn: (() => void) | undefined;
  private streamEnd: (() => void) | undefined;

  constructor(
    readonly req: Request,
    method: string,
    path: string,
    query: string,
    body: StreamedBody,
    logger: Logger | undefined,
    sentRequestId: string,
    idMode: RequestIdMode,
    private readonly remote: string,
    private readonly upgrader: FetchRuntime['upgrade'],
  ) {
    super(method, path, query, body, logger, sentRequestId, idMode);
  }

  get canUpgrade(): boolean {
    return this.upgrader !== undefined && this.req.headers.has('upgrade');
  }

  header(name: string): string | undefined {
    const v = this.req.headers.get(name);
    return v === null || v === '' ? undefined : v; // an empty header is treated as absent, as on uWS
  }

  headers(): Readonly<Record<string, string>> {
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    this.req.headers.forEach((v, k) => {
      if (v !== '') out[k] = v;
    });
    return out;
  }

  remoteAddress(): string {
    return this.remote;
  }

  cork(fn: () => void): void {
    fn();
  }

  /** The fetch handler's return value: the response if it is decided, else a promise of it. */
  outcome(): FetchResult | Promise<FetchResult> {
    if (this.result !== null) return this.result;
    return new Promise<FetchResult>((resolve) => (this.deliver = resolve));
  }

  private settle(r: FetchResult): void {
    this.result = r;
    const d = this.deliver;
    this.deliver = undefined;
    d?.(r);
  }

  respond(reply: Reply, close: boolean): void | Promise<void> {
    if (this.answered) return;
    this.answered = true;
    this.status = reply.statusCode;
    const { response, done } = toResponse(this, this.method, this.responseRequestId, reply, close);
    this.settle(response);
    if (done === undefined) {
      this.complete = true;
      return;
    }
    return done.then(() => void (this.complete = true));
  }

  onAbort(fn: () => void): void {
    this.abortFn = fn;
    const signal = this.req.signal;
    if (signal.aborted) queueMicrotask(() => this.gone());
    else signal.addEventListener('abort', () => this.gone(), { once: true });
  }

  /** The request's signal fired: the client left (ignored once the answer is out). */
  private gone(): void {
    if (this.complete) return;
    const fn = this.abortFn;
    this.abortFn = undefined;
    if (fn !== undefined) fn();
    else this.abort();
  }

  onStreamEnd(fn: () => void): void {
    this.streamEnd = fn;
  }

  /** Also ends a streamed reply that waits for its next chunk, and answers nothing if nothing was answered. */
  override abort(reason?: Error): void {
    if (this.aborted) return;
    super.abort(reason);
    const end = this.streamEnd;
    this.streamEnd = undefined;
    end?.();
    // Nothing will answer an aborted request (unless the Server does at once, as its handler timeout
    // does): settle the handler's promise with a closing 503 so the runtime lets the request go.
    if (!this.answered) queueMicrotask(() => this.unanswered());
  }

  private unanswered(): void {
    if (this.answered) return;
    this.answered = true;
    this.settle(new Response(null, { status: 503, headers: { connection: 'close' } }));
  }

  /** A fetch runtime drops an unread body itself when the connection is closed: close after replying. */
  override discardBody(): boolean {
    return false;
  }

  upgrade(accept: WsAccept): void {
    if (this.answered || this.upgrader === undefined) return;
    this.answered = true;
    this.status = 101;
    this.complete = true;
    this.settle(this.upgrader(this, accept));
  }
}

/** Where the request target starts in an absolute URL (`http://host/path?q` → the `/`). */
function targetStart(url: string): number {
  const scheme = url.indexOf('://');
  const at = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  return at === -1 ? url.length : at;
}

/** The head's size on the wire, as weft counts it: request line and header lines. */
function headBytes(method: string, targetLength: number, headers: Headers): number {
  let n = method.length + targetLength + 12; // "GET /x HTTP/1.1\r\n"
  headers.forEach((v, k) => {
    n += k.length + v.length + 4;
  });
  return n;
}

function countHeaders(headers: Headers): number {
  let n = 0;
  headers.forEach(() => {
    n++;
  });
  return n;
}

/** Why the request is answered before any filter runs, if it is. */
function refusal(
  host: ReactorHost,
  runtime: FetchRuntime,
  req: Request,
  method: string,
  target: string,
  path: string,
): Reply | undefined {
  if (host.closing) return host.drainingReply(path);
  const limits = host.limits;
  if (target.length > limits.maxUrlBytes) return targetTooLong(limits);
  const headers = req.headers;
  const count = runtime.headerCount?.(headers) ?? countHeaders(headers);
  if (count > limits.maxHeaders) return tooManyHeaders(limits);
  if (limits.maxHeadBytes < runtime.headCap && headBytes(method, target.length, headers) > limits.maxHeadBytes)
    return headTooLarge();
  const cl = headers.get('content-length');
  const te = headers.get('transfer-encoding');
  if (cl === null && te === null) return undefined;
  // The runtime joins repeated lines into one value: a doubled Content-Length reads as "5, 5" (not digits, 400).
  return framingError(cl ?? undefined, te ?? undefined, 1, 1);
}

/** Answer before any filter ran, closing the connection. */
function early(host: ReactorHost, req: Request, method: string, path: string, rid: string, reply: Reply): FetchResult {
  const ex = new FetchExchange(req, method, path, '', NO_BODY, host.logger, rid, host.requestIds, '', undefined);
  void ex.respond(reply, true);
  host.early(method, path, reply.statusCode, ex.logRequestId);
  return ex.outcome() as FetchResult;
}

/**
 * Serve one fetch request through weft: the whole body of a reactor's
 * `fetch` handler. Returns the response, or a promise of it.
 */
export function serveFetch(host: ReactorHost, runtime: FetchRuntime, req: Request): FetchResult | Promise<FetchResult> {
  const method = req.method;
  const url = req.url;
  const at = targetStart(url);
  const target = at === 0 ? url : url.slice(at);
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const headers = req.headers;
  const rid = host.requestIds === false ? '' : sentRequestId(headers.get(REQUEST_ID_HEADER) ?? undefined);
  const refused = refusal(host, runtime, req, method, target, path);
  if (refused !== undefined) return early(host, req, method, path, rid, refused);
  const needs = host.needs;
  const query = q === -1 || !needs.query ? '' : target.slice(q + 1);
  let body = NO_BODY;
  let ex: FetchExchange | undefined;
  if (needs.body && req.body !== null) {
    const cl = headers.get('content-length');
    // framingError refused a Content-Length that is not plain digits.
    const contentLength = cl === null ? undefined : Number(cl);
    const expected = (contentLength ?? 0) > 0 || headers.has('transfer-encoding');
    if (expected || contentLength !== undefined)
      body = new StreamedBody(new RequestChunks(req, () => ex?.abort()), contentLength, expected);
  }
  const remote = needs.remote ? runtime.remoteAddress(req) : '';
  ex = new FetchExchange(req, method, path, query, body, host.logger, rid, host.requestIds, remote, runtime.upgrade);
  host.handle(ex);
  return ex.outcome();
}
