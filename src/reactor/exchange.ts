/**
 * What every reactor's `Exchange` shares: the abort state, the lazily made
 * `AbortSignal`, and the body. A reactor adds how it reads headers and writes.
 */
import type { Logger } from 'pino';
import type { Reply } from '../reply/reply.js';
import { newRequestId, type RequestIdMode } from '../runtime/request-id-header.js';
import type { WsAccept } from '../ws/upgrade.js';
import { CLIENT_GONE } from './abort-error.js';
import type { Exchange } from './contract.js';
import type { StreamedBody } from './streamed-body.js';

export abstract class BaseExchange implements Exchange {
  aborted = false;
  dropped = false;
  status = 0;
  private controller: AbortController | undefined;
  /** The client's sane id, or one made on first read; `''` until then. */
  #requestId: string;
  /** The client sent the id, or a handler read it: under `'used'` the response carries it. */
  #idUsed: boolean;
  readonly #idMode: RequestIdMode;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly query: string,
    readonly body: StreamedBody,
    readonly logger: Logger | undefined,
    /** The sane `x-request-id` the client sent, or `''`. */
    sentRequestId: string,
    idMode: RequestIdMode,
  ) {
    this.#requestId = sentRequestId;
    this.#idUsed = sentRequestId !== '';
    this.#idMode = idMode;
  }

  /** What handlers and spans read: made on first read when the client sent none (most requests never read it). */
  get requestId(): string {
    this.#idUsed = true;
    return this.logRequestId;
  }

  /** The id for log lines: the same, without putting it on the response. */
  get logRequestId(): string {
    if (this.#requestId === '') this.#requestId = newRequestId();
    return this.#requestId;
  }

  /** The id the response carries, or `undefined` (see `RequestIdMode`). */
  get responseRequestId(): string | undefined {
    const mode = this.#idMode;
    if (mode === 'always' || (mode === 'used' && this.#idUsed)) return this.logRequestId;
    return undefined;
  }

  abstract readonly canUpgrade: boolean;
  abstract header(name: string): string | undefined;
  abstract headers(): Readonly<Record<string, string>>;
  abstract remoteAddress(): string;
  abstract cork(fn: () => void): void;
  abstract respond(reply: Reply, close: boolean): void | Promise<void>;
  abstract onAbort(fn: () => void): void;
  abstract upgrade(accept: WsAccept): void;

  get bodyUnread(): boolean {
    return this.body.expected && this.body.unread;
  }

  /** Made on first use: most requests never read it. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.aborted && !this.controller.signal.aborted) this.controller.abort(CLIENT_GONE);
    return this.controller.signal;
  }

  /** node:http keeps reading after the reply: drop up to 1 MiB of unread body rather than close. */
  discardBody(): boolean {
    return this.body.discardRest(1024 * 1024);
  }

  startBody(): void {
    this.body.attach();
  }

  bodyPrefetchable(max: number): boolean {
    const b = this.body;
    return b.expected && !b.done && b.contentLength !== undefined && b.contentLength <= max;
  }

  prefetchBody(complete: () => void): void {
    this.body.prefetch(complete);
  }

  /** The client went away (or the server gave up on this request). */
  abort(reason: Error = CLIENT_GONE): void {
    if (this.aborted) return;
    this.aborted = true;
    this.body.abort();
    this.controller?.abort(reason);
  }
}
