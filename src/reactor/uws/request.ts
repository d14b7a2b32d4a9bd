/**
 * The uWS side of one request: everything copied out of the stack-allocated
 * `HttpRequest` before the handler returns, the body read through `onData`
 * (attached synchronously, every chunk copied), and the response written
 * through the `HttpResponse` (corked after an `await`).
 */
import type { Logger } from 'pino';
import type { Reply } from '../../reply/reply.js';
import { blankRecord } from '../../runtime/record.js';
import { REQUEST_ID_HEADER, type RequestIdMode } from '../../runtime/request-id-header.js';
import { deflateOffers } from '../../ws/deflate.js';
import type { WsAccept } from '../../ws/upgrade.js';
import { BaseExchange } from '../exchange.js';
import type { ChunkSource, StreamedBody } from '../streamed-body.js';
import type { HttpResponse } from './binding.js';
import { writeReply } from './write.js';

/** What uWS keeps for each WebSocket connection. */
export interface ConnData {
  /** Until the socket opens: then dropped, so an idle socket does not keep its handshake reply. */
  accept: WsAccept | undefined;
  readonly remote: string;
  /** Set when the socket opens. */
  transport?: import('./websocket.js').UwsTransport | undefined;
}

/** `onData` as a chunk source: uWS neuters each buffer on return, so the body copies it. */
export class UwsChunks implements ChunkSource {
  constructor(private readonly res: HttpResponse) {}
  attach(body: StreamedBody): void {
    this.res.onData((ab, isLast) => body.pushCopy(new Uint8Array(ab), isLast));
  }
  pause(): void {
    this.res.pause();
  }
  resume(): void {
    this.res.resume();
  }
}

/**
 * The last request uWS dispatched in this turn of the event loop (cleared at
 * the end of the turn once a pending request cares). uWS closes a connection,
 * unanswered, when a request is pipelined behind one whose answer is still
 * pending; it does so while parsing the read that carried both, so an abort
 * that arrives while its own request is still the last one dispatched is
 * uWS's close, not a client that left.
 */
let lastDispatched: UwsExchange | undefined;
let resetQueued = false;
function resetTurn(): void {
  lastDispatched = undefined;
  resetQueued = false;
}

/** What the server copies from a uWS request (only what the filters need). */
export class UwsExchange extends BaseExchange {
  /** Wakes a streamed reply waiting for `onWritable` (also on abort). */
  wake: (() => void) | undefined;
  /** Set when uWS closed the connection itself before the answer (see `lastDispatched`). */
  override dropped = false;
  /** What runs when the connection goes before the answer is complete. */
  private abortFn: (() => void) | undefined;
  private abortAttached = false;

  constructor(
    /** Cleared once the response is complete: nothing may touch it after. */
    private res: HttpResponse | undefined,
    method: string,
    path: string,
    query: string,
    private readonly names: readonly string[],
    private readonly values: readonly string[],
    private readonly all: Readonly<Record<string, string>> | undefined,
    private readonly remote: string,
    body: StreamedBody,
    logger: Logger | undefined,
    sentRequestId: string,
    idMode: RequestIdMode,
    /** The uWS upgrade context, on the WebSocket path. */
    private readonly context: unknown,
  ) {
    super(method, path, query, body, logger, sentRequestId, idMode);
    lastDispatched = this;
  }

  /** uWS reads nothing for a response that has ended: close as before. */
  override discardBody(): boolean {
    return false;
  }

  get canUpgrade(): boolean {
    return this.context !== undefined;
  }

  header(name: string): string | undefined {
    if (this.all !== undefined) return this.all[name];
    const i = this.names.indexOf(name);
    if (i === -1) return undefined;
    const v = this.values[i];
    // uWS reports an absent header as ''; an empty header is treated as absent.
    return v === '' ? undefined : v;
  }

  headers(): Readonly<Record<string, string>> {
    if (this.all !== undefined) return this.all;
    const out = blankRecord<string>();
    this.names.forEach((n, i) => {
      const v = this.values[i];
      if (v) out[n] = v;
    });
    return out;
  }

  remoteAddress(): string {
    return this.remote;
  }

  cork(fn: () => void): void {
    if (this.res === undefined) return;
    this.res.cork(fn);
  }

  respond(reply: Reply, close: boolean): void | Promise<void> {
    const res = this.res;
    if (res === undefined) return;
    if (close) return this.respondAndClose(res, reply);
    this.status = reply.statusCode;
    const p = writeReply(res, this, reply, false);
    if (p === undefined) this.res = undefined;
    else return p.then(() => void (this.res = undefined));
  }

  /**
   * An answer that closes the connection, written on the next turn.
   *
   * uWS closes after `end(body, true)` only when it is not parsing: inside its
   * request or data callback (and the microtasks after them) it goes on parsing
   * what the client sent behind this request, and runs it. So reading stops
   * now and the answer goes out from `setImmediate`; a request already read
   * behind this one makes uWS close the connection before it is dispatched.
   */
  private respondAndClose(res: HttpResponse, reply: Reply): Promise<void> {
    this.status = reply.statusCode;
    this.attachAborted();
    res.pause();
    return new Promise((resolve) => {
      setImmediate(() => {
        const r = this.res;
        if (r === undefined) return resolve(); // the connection is gone
        let p!: void | Promise<void>; // set inside the cork
        r.cork(() => {
          p = writeReply(r, this, reply, true);
        });
        if (p === undefined) {
          this.res = undefined;
          resolve();
        } else {
          void (p as Promise<void>).then(() => {
            this.res = undefined;
            resolve();
          });
        }
      });
    });
  }

  onAbort(fn: () => void): void {
    this.abortFn = fn;
    this.attachAborted();
  }

  /** uWS keeps one abort handler per response: weft attaches it once. */
  private attachAborted(): void {
    const res = this.res;
    if (res === undefined || this.abortAttached) return;
    this.abortAttached = true;
    if (lastDispatched === this && !resetQueued) {
      resetQueued = true;
      setImmediate(resetTurn);
    }
    res.onAborted(() => {
      this.res = undefined;
      this.dropped = lastDispatched === this;
      const fn = this.abortFn;
      this.abortFn = undefined;
      if (fn !== undefined) fn();
      else this.abort();
    });
  }

  /** Also wakes a streamed reply waiting for `onWritable`. */
  override abort(reason?: Error): void {
    if (this.aborted) return;
    super.abort(reason);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  upgrade(accept: WsAccept): void {
    const res = this.res;
    if (res === undefined) return;
    res.writeStatus('101 Switching Protocols');
    for (const [n, v] of accept.headers) res.writeHeader(n, v);
    const id = this.responseRequestId;
    if (id !== undefined) res.writeHeader(REQUEST_ID_HEADER, id);
    const data: ConnData = { accept, remote: this.remote };
    // uWS has one compression setting per app: only a route that asked for compression passes the offers on,
    // and not those asking for a smaller server window (uWS would accept them and compress with its own).
    const offer = accept.options.compression ? deflateOffers(this.header('sec-websocket-extensions'), false) : '';
    res.upgrade(data, this.header('sec-websocket-key') ?? '', accept.protocol, offer, this.context as never);
    this.res = undefined;
    this.status = 101;
  }
}
