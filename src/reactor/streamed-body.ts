/**
 * A request body as it arrives from a reactor, shared by both reactors: chunks
 * are buffered up to a high-water mark (then the source is paused), reading
 * stops at `limit + 1` bytes and nothing past it is buffered. A reactor
 * supplies the three source operations: attach, pause, resume.
 */

import { BodyTooLargeError } from '../filter/body-errors.js';
import type { BodySource } from '../filter/request-source.js';
import { CLIENT_GONE } from './abort-error.js';

/** Buffer at most this much body before a consumer asks for it; then pause the source. */
const HIGH_WATER = 64 * 1024;

const EMPTY = new Uint8Array(0);

/** Where a `StreamedBody` gets its chunks. */
export interface ChunkSource {
  /** Start delivering chunks to `body.push` (and `body.end`). */
  attach(body: StreamedBody): void;
  pause(): void;
  resume(): void;
}

export class StreamedBody implements BodySource {
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
  /** The reply is out: what is left is read and dropped (`discardRest`). */
  private discarding = false;
  /** Called once when the whole body has arrived (`prefetch`). */
  private onComplete: (() => void) | undefined;
  /** A prefetched body's one buffer, `contentLength` long, filled by `pushCopy`. */
  private into: Buffer | undefined;
  /**
   * The length of `into` while it is still to be made: on the first `pushCopy`
   * of a prefetched body (a reactor that hands over its chunks with `push`
   * never needs one); -1 once made, or when not prefetching.
   */
  private intoLength = -1;

  constructor(
    private readonly source: ChunkSource,
    readonly contentLength: number | undefined,
    /** The request framing says a body follows (Content-Length > 0 or chunked). */
    readonly expected: boolean,
  ) {
    this.done = !expected;
  }

  /** Start reading (uWS: must run inside the synchronous part of its request callback). */
  attach(): void {
    if (this.attached || this.done) return;
    this.attached = true;
    this.source.attach(this);
  }

  /** True when the body was announced but not (fully) read. */
  get unread(): boolean {
    return this.truncated || !this.done;
  }

  /** A chunk arrived; the caller hands over `chunk` (a reactor that reuses its buffers copies first). */
  push(chunk: Uint8Array, isLast: boolean): void {
    if (this.discarding) {
      this.received += chunk.byteLength;
      if (isLast) this.done = true;
      return;
    }
    if (this.truncated || this.failure) return;
    const n = chunk.byteLength;
    this.received += n;
    if (this.received > this.limit) {
      // Stop here: drop what we have and never buffer the rest.
      this.truncated = true;
      this.chunks = [];
      this.buffered = 0;
      this.pause();
    } else if (n > 0) {
      this.chunks.push(chunk);
      this.buffered += n;
      if (this.buffered > HIGH_WATER && this.wake === undefined) this.pause();
    }
    if (isLast) this.done = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
    if (isLast && this.onComplete !== undefined) {
      const c = this.onComplete;
      this.onComplete = undefined;
      c();
    }
  }

  /**
   * A chunk in a buffer the reactor will reuse (uWS neuters it on return):
   * copied into the prefetched body's one buffer, else into a pooled Buffer
   * (`ArrayBuffer.prototype.slice` costs a fresh backing store, ~1 µs).
   */
  pushCopy(view: Uint8Array, isLast: boolean): void {
    if (this.intoLength >= 0) {
      this.into = Buffer.allocUnsafe(this.intoLength);
      this.intoLength = -1;
    }
    const into = this.into;
    if (into !== undefined && !this.discarding && this.received + view.byteLength <= into.byteLength) {
      into.set(view, this.received);
      if (isLast) {
        const n = this.received + view.byteLength;
        const whole = n === into.byteLength ? into : into.subarray(0, n);
        this.into = undefined;
        this.received = 0; // push counts the whole body once
        this.push(whole, true);
        return;
      }
      this.received += view.byteLength;
      return;
    }
    if (into !== undefined) {
      // More than declared (cannot happen with uWS framing): fall back to chunks.
      this.into = undefined;
      const head = into.subarray(0, this.received);
      this.received = 0;
      this.push(head, false);
    }
    this.push(Buffer.from(view), isLast);
  }

  /**
   * Read the whole body now and call `complete` when it is in (from the
   * reactor's data callback), so the filters run once, synchronously, instead
   * of waiting on each chunk. Only for a declared length the caller bounded:
   * nothing past `contentLength` is read.
   */
  prefetch(complete: () => void): void {
    this.onComplete = complete;
    this.limit = this.contentLength ?? 0;
    this.intoLength = this.limit;
    this.attach();
  }

  private pause(): void {
    if (!this.paused && !this.failure) {
      this.paused = true;
      this.source.pause();
    }
  }

  private resume(): void {
    if (this.paused && !this.failure) {
      this.paused = false;
      this.source.resume();
    }
  }

  /**
   * The reply went out before the body was read: read and drop the rest when
   * it is declared and at most `max` bytes, so the connection can stay open
   * (closing with unread data makes a client that is still sending fail with
   * EPIPE instead of reading the answer). False when the rest is unknown
   * (chunked) or larger: the connection must then be closed.
   */
  discardRest(max: number): boolean {
    if (this.done && !this.truncated) return true;
    if (this.failure || this.contentLength === undefined || this.contentLength - this.received > max) return false;
    this.discarding = true;
    this.truncated = false;
    this.chunks = [];
    this.buffered = 0;
    this.wake = undefined;
    if (!this.attached) this.attach();
    this.paused = false;
    this.source.resume();
    return true;
  }

  /** The client went away: fail any reader. */
  abort(): void {
    this.failure = CLIENT_GONE;
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

  collect(limit: number): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    // All of it is in (a prefetched body): no promise, so the filters stay synchronous.
    if (this.done && !this.truncated && this.failure === undefined) {
      this.limit = limit;
      return this.over(limit) ? undefined : this.take();
    }
    return this.collectAsync(limit);
  }

  private async collectAsync(limit: number): Promise<Uint8Array | undefined> {
    this.begin(limit);
    for (;;) {
      if (this.over(limit)) return undefined;
      if (this.done) break;
      await this.next();
    }
    return this.take();
  }

  private take(): Uint8Array {
    const parts = this.chunks;
    this.chunks = [];
    this.buffered = 0;
    if (parts.length === 0) return EMPTY;
    if (parts.length === 1) return parts[0] as Uint8Array;
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

const NONE: ChunkSource = {
  attach() {},
  pause() {},
  resume() {},
};

/** The body of every request that has none to read (never attached). */
export const NO_BODY = new StreamedBody(NONE, undefined, false);
