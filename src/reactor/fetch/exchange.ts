/**
 * The runtime-neutral half of a reactor whose runtime serves through a
 * `fetch(request)` handler (Bun.serve, Deno.serve): a web `Request` becomes a
 * weft `Exchange`, the `Reply` the Server settles on becomes a `Response`,
 * and the body is read from `request.body` as a `StreamedBody`. Only web
 * globals (`Request`, `Response`, `Headers`, `ReadableStream`) are used here;
 * what differs per runtime comes in through `FetchRuntime` (the peer's
 * address, the WebSocket upgrade, the runtime's own head cap).
 *
 * A reactor's fetch handler is one call: `return serveFetch(host, runtime, request, conn)`.
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
import { blankRecord } from '../../runtime/record.js';
import { REQUEST_ID_HEADER, type RequestIdMode, sentRequestId } from '../../runtime/request-id-header.js';
import type { WsAccept } from '../../ws/upgrade.js';
import type { ReactorHost, ResolvedLimits } from '../contract.js';
import { BaseExchange } from '../exchange.js';
import { framingError, headTooLarge, targetTooLong, tooManyHeaders } from '../framing.js';
import { NO_BODY, StreamedBody } from '../streamed-body.js';
import { RequestChunks } from './body.js';
import { asksClose, closesConnection, type StreamOwner, toResponse } from './response.js';

/** What a fetch handler returns: a response, or nothing once the runtime took the request over (an upgrade). */
export type FetchResult = Response | undefined;

/**
 * What a runtime adds to the shared fetch handling. `C`: what the reactor
 * hands `serveFetch` along with the request (Deno: the handler's `info`).
 */
export interface FetchRuntime<C = undefined> {
  /** The peer's IP address (asked only when a filter reads it). */
  remoteAddress(req: Request, conn: C): string;
  /**
   * weft is handing the runtime a response that asks to close the connection
   * (`Connection: close`: weft's close flag, a filter's own header, the
   * unanswered 503, an upgrade answer marked with `closingResponse`), as it
   * settles: for a runtime that does not act on the header itself (Deno).
   */
  closing?(req: Request, conn: C): void;
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
  /**
   * The most header lines the runtime itself lets through (it refuses more).
   * weft counts them only when its own limit is smaller; `undefined`: always.
   */
  readonly headerCap?: number;
  /**
   * Answers whose headers are a reply's shared list get one `Headers` made for
   * the list (the runtime copies it faster than a plain object: Bun). Unset:
   * a plain object each time (Deno serves a `Response` made from a `Headers`
   * more slowly: hello 1.18x in an interleaved A/B).
   */
  readonly shareHeaders?: boolean;
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
  /** An abort listener is on `req.signal`. */
  private listening = false;
  /** The body is being prefetched: its read reports a client that leaves. */
  private prefetching = false;
  /** Inside `host.handle`: a lazy abort listener waits for `handled`. */
  private handling = true;

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
    private readonly runtime: FetchRuntime<unknown>,
    private readonly conn: unknown,
    /** The filters may upgrade it (not an answer weft gives before any filter ran). */
    private readonly upgradable: boolean,
  ) {
    super(method, path, query, body, logger, sentRequestId, idMode);
  }

  /** A filter that reads the signal needs the client's leaving reported. */
  override get signal(): AbortSignal {
    this.listen();
    return super.signal;
  }

  get canUpgrade(): boolean {
    return this.upgradable && this.runtime.upgrade !== undefined && this.req.headers.has('upgrade');
  }

  header(name: string): string | undefined {
    const v = this.req.headers.get(name);
    return v === null || v === '' ? undefined : v; // an empty header is treated as absent, as on uWS
  }

  headers(): Readonly<Record<string, string>> {
    const out = blankRecord<string>();
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
    const runtime = this.runtime;
    const { response, done } = toResponse(
      this,
      this.method,
      this.responseRequestId,
      reply,
      close,
      runtime.shareHeaders === true,
    );
    const closing = runtime.closing;
    if (closing !== undefined && (close || asksClose(reply))) closing(this.req, this.conn);
    this.settle(response);
    if (done === undefined) {
      this.complete = true;
      return;
    }
    return done.then(() => void (this.complete = true));
  }

  onAbort(fn: () => void): void {
    this.abortFn = fn;
    // weft listens to `request.signal` (how a client that left is reported) only once the request is still
    // pending after the synchronous part of its handling and any prefetched body: a request whose filters
    // settle on its body's arrival never touches the signal (on Deno the listener costs more than the rest
    // of a small POST; on Bun reading `signal` makes an AbortSignal). A body read that fails meanwhile
    // reports the client's leaving instead. The listener is on before the runtime can see a close (added
    // in the same turn, or in the body read's callback), which Bun needs: it aborts only a signal that had
    // a listener when the connection closed. Decided by `handled` when the synchronous part is the one
    // `serveFetch` runs (no microtask per request).
    if (!this.handling) queueMicrotask(() => this.listenIfPending());
  }

  /** The Server's synchronous part of this request is over (`host.handle` returned). */
  handled(): void {
    this.handling = false;
    if (this.abortFn !== undefined) this.listenIfPending();
  }

  override prefetchBody(complete: () => void): void {
    this.prefetching = true;
    super.prefetchBody(() => {
      this.prefetching = false;
      complete();
      this.listenIfPending();
    });
  }

  private listenIfPending(): void {
    if (!this.complete && !this.aborted && !this.prefetching) this.listen();
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    const signal = this.req.signal;
    if (signal.aborted) queueMicrotask(() => this.gone());
    else signal.addEventListener('abort', () => this.gone(), { once: true });
  }

  /**
   * The client left: the request's signal fired, or its body could not be read
   * (ignored once the answer is out).
   */
  gone(): void {
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
    this.runtime.closing?.(this.req, this.conn);
    this.settle(new Response(null, { status: 503, headers: { connection: 'close' } }));
  }

  /** A fetch runtime drops an unread body itself when the connection is closed: close after replying. */
  override discardBody(): boolean {
    return false;
  }

  upgrade(accept: WsAccept): void {
    const upgrader = this.runtime.upgrade;
    if (this.answered || !this.upgradable || upgrader === undefined) return;
    this.answered = true;
    this.status = 101;
    this.complete = true;
    const r = upgrader(this, accept);
    if (r !== undefined && closesConnection(r)) this.runtime.closing?.(this.req, this.conn);
    this.settle(r);
  }
}

/** Where the request target starts in an absolute URL (`http://host/path?q` → the `/`). */
function targetStart(url: string): number {
  const scheme = url.indexOf('://');
  const at = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  return at === -1 ? url.length : at;
}

/** What weft reads of a request's head before any filter runs. */
interface Head {
  /** Header count (names, as the runtime joins repeated lines); 0 when the runtime's own cap already bounds it. */
  count: number;
  /** The head's size on the wire as weft counts it; 0 when the runtime's own cap already bounds it. */
  bytes: number;
  contentLength: string | null;
  transferEncoding: string | null;
  requestId: string | null;
}

/**
 * Read the head: in one walk of the headers when weft must count them or
 * measure the head (a walk is dear on Deno, which builds and sorts the list
 * for it; the values asked for on the way come free), else by name.
 */
function readHead(
  runtime: FetchRuntime<unknown>,
  limits: ResolvedLimits,
  method: string,
  targetLength: number,
  headers: Headers,
): Head {
  const measure = limits.maxHeadBytes < runtime.headCap;
  const count = limits.maxHeaders < (runtime.headerCap ?? Number.POSITIVE_INFINITY);
  if (!measure && (!count || runtime.headerCount !== undefined))
    return {
      count: count && runtime.headerCount !== undefined ? runtime.headerCount(headers) : 0,
      bytes: 0,
      contentLength: headers.get('content-length'),
      transferEncoding: headers.get('transfer-encoding'),
      requestId: headers.get(REQUEST_ID_HEADER),
    };
  const head: Head = { count: 0, bytes: 0, contentLength: null, transferEncoding: null, requestId: null };
  let bytes = method.length + targetLength + 12; // "GET /x HTTP/1.1\r\n"
  let n = 0;
  headers.forEach((v, k) => {
    n++;
    bytes += k.length + v.length + 4;
    if (k === 'content-length') head.contentLength = v;
    else if (k === 'transfer-encoding') head.transferEncoding = v;
    else if (k === REQUEST_ID_HEADER) head.requestId = v;
  });
  head.count = n;
  head.bytes = measure ? bytes : 0;
  return head;
}

/** Why the request is answered before any filter runs, if it is. */
function refusal(host: ReactorHost, head: Head, target: string, path: string): Reply | undefined {
  if (host.closing) return host.drainingReply(path);
  const limits = host.limits;
  if (target.length > limits.maxUrlBytes) return targetTooLong(limits);
  if (head.count > limits.maxHeaders) return tooManyHeaders(limits);
  if (head.bytes > limits.maxHeadBytes) return headTooLarge();
  const cl = head.contentLength;
  const te = head.transferEncoding;
  if (cl === null && te === null) return undefined;
  // The runtime joins repeated lines into one value: a doubled Content-Length reads as "5, 5" (not digits, 400).
  return framingError(cl ?? undefined, te ?? undefined, 1, 1);
}

/** Answer before any filter ran, closing the connection. */
function early<C>(
  host: ReactorHost,
  runtime: FetchRuntime<C>,
  req: Request,
  conn: C,
  method: string,
  path: string,
  rid: string,
  reply: Reply,
): FetchResult {
  const ex = new FetchExchange(
    req,
    method,
    path,
    '',
    NO_BODY,
    host.logger,
    rid,
    host.requestIds,
    '',
    runtime,
    conn,
    false,
  );
  void ex.respond(reply, true);
  host.early(method, path, reply.statusCode, ex.logRequestId);
  return ex.outcome() as FetchResult;
}

/**
 * Serve one fetch request through weft: the whole body of a reactor's
 * `fetch` handler. Returns the response, or a promise of it (which only
 * resolves). `conn` is handed back to the runtime's hooks.
 */
export function serveFetch<C>(
  host: ReactorHost,
  runtime: FetchRuntime<C>,
  req: Request,
  conn: C,
): FetchResult | Promise<FetchResult> {
  const method = req.method;
  const url = req.url;
  const at = targetStart(url);
  const target = at === 0 ? url : url.slice(at);
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const head = readHead(runtime, host.limits, method, target.length, req.headers);
  const rid = host.requestIds === false ? '' : sentRequestId(head.requestId ?? undefined);
  const refused = refusal(host, head, target, path);
  if (refused !== undefined) return early(host, runtime, req, conn, method, path, rid, refused);
  const needs = host.needs;
  const query = q === -1 || !needs.query ? '' : target.slice(q + 1);
  let body = NO_BODY;
  let ex: FetchExchange | undefined;
  if (needs.body) {
    // Read from the framing headers: `req.body` makes a stream, asked for only when the body is read.
    const cl = head.contentLength;
    // framingError refused a Content-Length that is not plain digits.
    const contentLength = cl === null ? undefined : Number(cl);
    const expected = (contentLength ?? 0) > 0 || head.transferEncoding !== null;
    if (expected || contentLength !== undefined)
      body = new StreamedBody(new RequestChunks(req, () => ex?.gone()), contentLength, expected);
  }
  const remote = needs.remote ? runtime.remoteAddress(req, conn) : '';
  ex = new FetchExchange(
    req,
    method,
    path,
    query,
    body,
    host.logger,
    rid,
    host.requestIds,
    remote,
    runtime,
    conn,
    true,
  );
  try {
    host.handle(ex);
  } finally {
    ex.handled();
  }
  return ex.outcome();
}
