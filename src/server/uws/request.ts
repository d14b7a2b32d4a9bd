/**
 * The uWS side of one request: everything copied out of the stack-allocated
 * `HttpRequest` before the handler returns, the body read through `onData`
 * (attached synchronously, every chunk copied), and the response written
 * through the `HttpResponse` (corked after an `await`).
 */
import type { Logger } from 'pino';
import type { Reply } from '../../reply/reply.js';
import { deflateOffers } from '../../ws/deflate.js';
import type { WsAccept } from '../../ws/filter.js';
import type { ChunkSource, StreamedBody } from '../body.js';
import { BaseExchange } from '../exchange.js';
import type { HttpResponse } from './binding.js';
import { writeReply } from './write.js';
import { REQUEST_ID_HEADER } from '../request-id.js';

/** What uWS keeps for each WebSocket connection. */
export interface ConnData {
  /** Until the socket opens: then dropped, so an idle socket does not keep its handshake reply. */
  accept: WsAccept | undefined;
  readonly remote: string;
  /** Set when the socket opens. */
  transport?: import('./websocket.js').UwsTransport;
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

/** What the server copies from a uWS request (only what the filters need). */
export class UwsExchange extends BaseExchange {
  /** Wakes a streamed reply waiting for `onWritable` (also on abort). */
  wake: (() => void) | undefined;

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
    requestId: string,
    /** The uWS upgrade context, on the WebSocket path. */
    private readonly context: unknown,
  ) {
    super(method, path, query, body, logger, requestId);
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
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
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
    const p = writeReply(res, this, reply, close);
    if (p === undefined) this.res = undefined;
    else return p.then(() => void (this.res = undefined));
  }

  onAbort(fn: () => void): void {
    this.res?.onAborted(() => {
      this.res = undefined;
      fn();
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
    res.writeHeader(REQUEST_ID_HEADER, this.requestId);
    const data: ConnData = { accept, remote: this.remote };
    // uWS has one compression setting per app: only a route that asked for compression passes the offers on,
    // and not those asking for a smaller server window (uWS would accept them and compress with its own).
    const offer = accept.options.compression ? deflateOffers(this.header('sec-websocket-extensions'), false) : '';
    res.upgrade(data, this.header('sec-websocket-key') ?? '', accept.protocol, offer, this.context as never);
    this.res = undefined;
    this.status = 101;
  }
}
