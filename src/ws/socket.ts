/**
 * The socket a WebSocket handler receives. It does not know the reactor: a
 * `Transport` carries frames (uWS or `ws` on the server, memory in the test harness).
 *
 * Messages that arrive before the handler reads them wait in a bounded queue;
 * a socket whose queue overflows is closed with 1008.
 */
import type { z } from 'zod';
import type { Sender } from '../broadcast/channel.js';
import type { Issue } from '../reply/rejection.js';
import { issuesOf } from '../reply/rejection.js';
import type { WsCounters } from '../runtime/counters.js';
import type { Message } from './message.js';
import type { ResolvedWsOptions } from './options.js';
import type { SendResult, Transport } from './transport.js';

export type { SendResult, Transport } from './transport.js';

/** A message parsed by `socket.messages(schema)`: zod's safeParse shape. */
export type Parsed<T> =
  | { readonly success: true; readonly data: T; readonly message: Message }
  | {
      readonly success: false;
      readonly error: { readonly message: string; readonly issues?: readonly Issue[] };
      readonly message: Message;
    };

/** How a socket ended. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

type Reader = (r: IteratorResult<Message, undefined>) => void;
const encoder = new TextEncoder();

/** Codes an application may send (RFC 6455 §7.4). */
export function checkCloseCode(code: number): void {
  const ok =
    code === 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  if (!Number.isInteger(code) || !ok) throw new RangeError(`Invalid WebSocket close code ${code}`);
}

/**
 * A connection's socket. `In` is what `socket.messages()` yields and `Out`
 * what `send` takes: with `ws({ receive, send })` schemas, their types (and
 * `send` encodes JSON); without, raw messages and `string | Uint8Array`.
 */
export class WsSocket<In = Message, Out = string | Uint8Array> implements AsyncIterableIterator<Message> {
  // Idle sockets are the common case: keep them small (arrays are created on demand).
  private queue: Message[] | undefined;
  // Waiting readers get iterator results, so a `for await` waits with its promise's own
  // resolve (no closure); the first waits in a field (an idle socket has exactly one), more in an array.
  private reader: Reader | undefined;
  private moreReaders: Reader[] | undefined;
  private drainWaiters: (() => void)[] | undefined;
  private closeInfo: CloseInfo | undefined;
  private closedWaiters: ((c: CloseInfo) => void)[] | undefined;
  /** Messages dropped because the socket was closed or over its limit. */
  dropped = 0;
  /** @internal the connection's task, aborted when the socket closes (a field, not a closure: one per socket). */
  task: { abort(reason?: unknown): void } | undefined;

  /** @internal */
  constructor(
    private readonly transport: Transport,
    /** The peer's IP address. */
    readonly remote: string,
    /** The subprotocol agreed in the handshake ('' for none). */
    readonly protocol: string,
    private readonly options: ResolvedWsOptions,
    private readonly counters: WsCounters,
  ) {}

  /** True once the socket is closed (by either side). */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Bytes waiting in the send buffer. */
  get bufferedAmount(): number {
    return this.closeInfo ? 0 : this.transport.bufferedAmount();
  }

  /**
   * Send a text (string) or binary (bytes) message. Returns `'sent'`, `'queued'`
   * (accepted, waiting behind backpressure: `await socket.drained()` before
   * sending much more) or `'dropped'` (over `maxBackpressure`, or closed).
   * On a route with a `send` schema, the value is sent as JSON.
   */
  send(data: Out): SendResult {
    if (this.options.send !== undefined) return this.sendRaw(JSON.stringify(data));
    return this.sendRaw(data as string | Uint8Array);
  }

  /** Send text or bytes as they are, whatever the route's `send` schema. */
  sendRaw(data: string | Uint8Array): SendResult {
    if (this.closeInfo) {
      this.dropped++;
      this.counters.dropped++;
      return 'dropped';
    }
    const r = this.transport.send(data, typeof data !== 'string');
    if (r === 'dropped') {
      this.dropped++;
      this.counters.dropped++;
    } else this.counters.out++;
    return r;
  }

  /** `send(JSON.stringify(value))`. */
  sendJson(value: unknown): SendResult {
    return this.sendRaw(JSON.stringify(value));
  }

  /** Resolves when the send buffer is empty (or the socket closed). */
  drained(): Promise<void> {
    if (this.closeInfo || this.transport.bufferedAmount() === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drainWaiters ??= []).push(resolve));
  }

  /** Close with `code` (default 1000) and a reason of at most 123 bytes. */
  close(code = 1000, reason = ''): void {
    checkCloseCode(code);
    if (encoder.encode(reason).byteLength > 123)
      throw new RangeError('WebSocket close reason is longer than 123 bytes');
    if (this.closeInfo) return;
    this.transport.end(code, reason);
  }

  /** Resolves with the close code and reason when the socket closes. */
  closed(): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve) => (this.closedWaiters ??= []).push(resolve));
  }

  /**
   * Attach this socket to a broadcast channel: every `tx.send(v)` is encoded
   * once and delivered by uWS in C++ to all attached sockets.
   */
  subscribe<T>(tx: Sender<T>): void {
    if (this.closeInfo) return;
    this.transport.subscribe(tx as Sender<unknown>);
  }

  /** Detach from a broadcast channel. */
  unsubscribe<T>(tx: Sender<T>): void {
    if (this.closeInfo) return;
    this.transport.unsubscribe(tx as Sender<unknown>);
  }

  /** The next message, or `undefined` once the socket is closed and the queue is empty. */
  recv(): Promise<Message | undefined> {
    const m = this.queue?.shift();
    if (m !== undefined) return Promise.resolve(m);
    if (this.closeInfo) return Promise.resolve(undefined);
    return new Promise((resolve) => this.wait((r) => resolve(r.done ? undefined : r.value)));
  }

  private wait(r: Reader): void {
    if (this.reader === undefined && this.moreReaders === undefined) this.reader = r;
    else (this.moreReaders ??= []).push(r);
  }

  /** The longest-waiting reader, taken off the line. */
  private nextReader(): Reader | undefined {
    const r = this.reader;
    if (r !== undefined) {
      this.reader = undefined;
      return r;
    }
    const more = this.moreReaders;
    if (more === undefined) return undefined;
    const first = more.shift();
    if (more.length === 0) this.moreReaders = undefined;
    return first;
  }

  /** Iterate incoming messages until the socket closes. The socket is its own iterator (no per-loop allocation). */
  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    return this;
  }

  /** @internal iterator protocol */
  next(): Promise<IteratorResult<Message, undefined>> {
    const m = this.queue?.shift();
    if (m !== undefined) return Promise.resolve({ done: false, value: m });
    if (this.closeInfo) return Promise.resolve(DONE);
    return new Promise((resolve) => this.wait(resolve));
  }

  /** @internal iterator protocol: leaving a `for await` loop does not close the socket. */
  return(): Promise<IteratorResult<Message, undefined>> {
    return Promise.resolve(DONE);
  }

  /**
   * Incoming messages parsed as JSON and validated by `schema` (by default
   * the route's `ws({ receive })` schema), in zod's safeParse shape; a bad
   * message does not end the iteration.
   *
   * @example
   * for await (const m of socket.messages(ClientFrame)) {
   *   if (!m.success) { socket.sendJson({ type: 'error', message: m.error.message }); continue; }
   *   handle(m.data);
   * }
   */
  messages(): AsyncGenerator<Parsed<In>>;
  messages<S extends z.ZodType>(schema: S): AsyncGenerator<Parsed<z.output<S>>>;
  messages(schema?: z.ZodType): AsyncGenerator<Parsed<unknown>> {
    const s = schema ?? this.options.receive;
    if (s === undefined) throw new TypeError('socket.messages() needs a schema: pass one, or give ws({ receive })');
    return this.parsed(s);
  }

  private async *parsed(schema: z.ZodType): AsyncGenerator<Parsed<unknown>> {
    for await (const message of this) {
      let value: unknown;
      try {
        value = message.json();
      } catch (e) {
        yield { success: false, error: { message: `invalid JSON: ${(e as Error).message}` }, message };
        continue;
      }
      const r = schema.safeParse(value);
      if (r.success) yield { success: true, data: r.data, message };
      else
        yield { success: false, error: { message: 'message failed validation', issues: issuesOf(r.error) }, message };
    }
  }

  /** @internal a frame arrived (already copied). */
  receive(m: Message): void {
    if (this.closeInfo) return;
    this.counters.in++;
    if (m.byteLength > this.options.maxPayload) {
      this.transport.end(1009, 'message too big');
      return;
    }
    const reader = this.nextReader();
    if (reader !== undefined) {
      reader({ done: false, value: m }); // someone is waiting, so the queue is empty
      return;
    }
    const q = (this.queue ??= []);
    if (q.length >= this.options.maxQueued) {
      this.dropped++;
      this.counters.dropped++;
      this.transport.end(1008, 'too many unread messages');
      return;
    }
    q.push(m);
  }

  /** @internal the send buffer drained. */
  onDrain(): void {
    if (this.transport.bufferedAmount() > 0) return;
    const ws = this.drainWaiters;
    this.drainWaiters = undefined;
    if (ws) for (const w of ws) w();
  }

  /** @internal the connection closed. */
  onClose(code: number, reason: string): void {
    if (this.closeInfo) return;
    const info = { code, reason };
    this.closeInfo = info;
    for (let r = this.nextReader(); r !== undefined; r = this.nextReader()) r(DONE);
    const ds = this.drainWaiters;
    this.drainWaiters = undefined;
    if (ds) for (const d of ds) d();
    const cs = this.closedWaiters;
    this.closedWaiters = undefined;
    if (cs) for (const c of cs) c(info);
    const task = this.task;
    this.task = undefined;
    task?.abort('socket closed');
  }
}
