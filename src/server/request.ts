/**
 * The uWS side of a request: everything copied out of the stack-allocated
 * `HttpRequest` before the handler returns, and the body read through
 * `onData` (attached synchronously, every chunk copied).
 */
import type { Logger } from 'pino';
import { BodyTooLargeError, type BodySource, type RequestSource } from '../filters/context.js';
import type { HttpResponse } from './uws.js';

/** Buffer at most this much body before a consumer asks for it; then pause the socket. */
const HIGH_WATER = 64 * 1024;

const EMPTY = new Uint8Array(0);

export class AbortedError extends Error {
  override readonly name = 'AbortError';
  constructor() {
    super('The client closed the connection');
  }
}

/** A request body read from a uWS response with `onData`. */
export class UwsBody implements BodySource {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private received = 0;
  private limit = Number.POSITIVE_INFINITY;
  private attached = false;
  private paused = false;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  /** All of the body has arrived. */
  done: boolean;
  /** Reading stopped early (over the limit): the connection must be closed. */
  truncated = false;

  constructor(
    private readonly res: HttpResponse,
    readonly contentLength: number | undefined,
    /** The request framing says a body follows (Content-Length > 0 or chunked). */
    readonly expected: boolean,
  ) {
    this.done = !expected;
  }

  /** Attach `onData`. Must run inside the synchronous part of the uWS handler. */
  attach(): void {
    if (this.attached || this.done) return;
    this.attached = true;
    this.res.onData((ab, isLast) => this.onChunk(ab, isLast));
  }

  /** True when the body was announced but not (fully) read. */
  get unread(): boolean {
    return this.truncated || !this.done;
  }

  private onChunk(ab: ArrayBuffer, isLast: boolean): void {
    if (this.truncated || this.failure) return;
    const n = ab.byteLength;
    this.received += n;
    if (this.received > this.limit) {
      // Stop here: drop what we have and never buffer the rest.
      this.truncated = true;
      this.chunks = [];
      this.buffered = 0;
      this.pause();
    } else if (n > 0) {
      this.chunks.push(new Uint8Array(ab.slice(0))); // copy: uWS neuters the buffer on return
      this.buffered += n;
      if (this.buffered > HIGH_WATER && this.wake === undefined) this.pause();
    }
    if (isLast) this.done = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private pause(): void {
    if (!this.paused && !this.failure) {
      this.paused = true;
      this.res.pause();
    }
  }

  private resume(): void {
    if (this.paused && !this.failure) {
      this.paused = false;
      this.res.resume();
    }
  }

  /** The client went away: fail any reader. */
  abort(): void {
    this.failure = new AbortedError();
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.resume();
    });
  }

  /** Start reading under `limit`. */
  private begin(limit: number): void {
    this.limit = limit;
    this.attach();
  }

  /** True (and the body dropped) once more than `limit` bytes arrived. */
  private over(limit: number): boolean {
    if (this.failure) throw this.failure;
    if (this.received <= limit) return false;
    this.truncated = true;
    this.chunks = [];
    return true;
  }

  async collect(limit: number): Promise<Uint8Array | undefined> {
    this.begin(limit);
    for (;;) {
      if (this.over(limit)) return undefined;
      if (this.done) break;
      await this.next();
    }
    const parts = this.chunks;
    this.chunks = [];
    this.buffered = 0;
    if (parts.length === 0) return EMPTY;
    if (parts.length === 1) return parts[0];
    return Buffer.concat(parts);
  }

  async *stream(limit: number): AsyncIterable<Uint8Array> {
    this.begin(limit);
    for (;;) {
      if (this.over(limit)) throw new BodyTooLargeError(limit);
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        this.buffered -= chunk.byteLength;
        yield chunk;
        continue;
      }
      if (this.done) return;
      await this.next();
    }
  }
}

/** What the server copies from a uWS request (only what the filters need). */
export class UwsRequest implements RequestSource {
  aborted = false;
  responded = false;
  /** Response status once written (for the access log); 0 until then. */
  status = 0;
  /** When the handler timeout fires (performance.now() based). */
  deadline = 0;
  /** In the server's in-flight set (answered asynchronously or streaming). */
  tracked = false;
  /** The uWS response, kept while a handler timeout may still answer it. */
  res: HttpResponse | undefined;
  /** Wakes a streamed reply waiting for `onWritable` (also on abort). */
  wake: (() => void) | undefined;
  private controller: AbortController | undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly query: string,
    private readonly names: readonly string[],
    private readonly values: readonly string[],
    private readonly all: Readonly<Record<string, string>> | undefined,
    private readonly remote: string,
    readonly body: UwsBody,
    readonly logger: Logger | undefined,
  ) {}

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

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.aborted && !this.controller.signal.aborted) this.controller.abort(new AbortedError());
    return this.controller.signal;
  }

  /** The client went away (or the server gave up on this request). */
  abort(reason: Error = new AbortedError()): void {
    if (this.aborted) return;
    this.aborted = true;
    this.body.abort();
    this.controller?.abort(reason);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
