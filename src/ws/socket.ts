/**
 * The socket a WebSocket handler receives. It does not know the reactor: a
 * `Transport` carries frames (uWS or `ws` on the server, memory in the test harness).
 *
 * Messages that arrive before the handler reads them wait in a bounded queue;
 * a socket whose queue overflows is closed with 1008.
 */
import type { z } from 'zod';
import { positionedFrame, type Sender } from '../broadcast/channel.js';
import type { Positioned, Positions } from '../broadcast/positions.js';
import type { Issue } from '../reply/rejection.js';
import { issuesOf } from '../reply/rejection.js';
import type { WsCounters } from '../runtime/counters.js';
import { Message } from './message.js';
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
/** A weft client's frame, `["m", value]` or `["ask", id, value]`, as the message it carries; anything else as it is. */
function unframe(frame: Message): Message {
  if (typeof frame.data !== 'string' || !frame.data.startsWith('[')) return frame;
  let f: unknown;
  try {
    f = JSON.parse(frame.data);
  } catch {
    return frame;
  }
  if (!Array.isArray(f)) return frame;
  if (f[0] === 'm' && f.length === 2) return new Message(JSON.stringify(f[1]));
  if (f[0] === 'ask' && f.length === 3 && Number.isSafeInteger(f[1])) return new Message(JSON.stringify(f[2]), f[1]);
  return frame;
}

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
    /** A returning weft client's last positions, per channel. */
    private readonly resume: Readonly<Record<string, Positions>> | undefined = undefined,
  ) {
    this.weft = protocol === 'weft.v1';
  }

  /**
   * The peer is the weft client (`weft/client`), which speaks `weft.v1`:
   * messages travel as `["m", value]`, asks as `["ask", id, value]` and their
   * answers as `["re", id, value]`; channel values carry their positions
   * (`["v", channel, epoch, offset, value]`) so a client that comes back
   * resumes where it left off.
   */
  private readonly weft: boolean;

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
    if (this.weft && !(data instanceof Uint8Array)) return this.sendRaw(`["m",${JSON.stringify(data) ?? 'null'}]`);
    if (this.options.send !== undefined) return this.sendRaw(JSON.stringify(data));
    return this.sendRaw(data as string | Uint8Array);
  }

  /**
   * Answer a message a weft client sent with `sock.ask(...)` (its `askId` is
   * set); the client's `ask` resolves with `value`. Returns 'dropped' for a
   * message that was not an ask.
   */
  answer(message: Message, value: Out): SendResult {
    if (message.askId === undefined || !this.weft) return 'dropped';
    return this.sendRaw(`["re",${message.askId},${JSON.stringify(value) ?? 'null'}]`);
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
    if (this.weft) return this.sendRaw(`["m",${JSON.stringify(value) ?? 'null'}]`);
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
    const name = tx.name;
    if (!this.weft || name === undefined) {
      this.transport.subscribe(tx as Sender<unknown>);
      return;
    }
    const from = this.resume?.[name];
    if (from === undefined) {
      // First time: where the client starts, so a later return knows every sender it has seen.
      const known = tx.snapshot();
      this.sendRaw(`["pos",${JSON.stringify(name)},${JSON.stringify(known)}]`);
      this.transport.subscribe(tx as Sender<unknown>, tx.positionsTopic);
      void this.sendBaseline(tx as Sender<unknown>, name, known);
      return;
    }
    void this.catchUp(tx as Sender<unknown>, name, from);
  }

  /**
   * Senders whose values history holds but this instance never heard (they
   * sent before it opened the channel): the client starts after them too,
   * so a later resume does not replay them as missed.
   */
  private async sendBaseline(tx: Sender<unknown>, name: string, known: Positions): Promise<void> {
    const more = await tx.baseline(known);
    if (more !== undefined && !this.closeInfo) this.sendRaw(`["pos",${JSON.stringify(name)},${JSON.stringify(more)}]`);
  }

  /**
   * A returning client: replay what it missed (from history), say what is
   * lost, then go live. Values sent meanwhile are held and sent after the
   * replay, each once; going live happens in the same turn as the last of
   * them, so nothing falls between.
   */
  private async catchUp(tx: Sender<unknown>, name: string, from: Positions): Promise<void> {
    const held: Positioned<unknown>[] = [];
    const untap = tx.tap((v) => held.push(v));
    try {
      const { values, lost } = await tx.replay(from);
      if (this.closeInfo) return;
      const last: Record<string, number> = { ...from };
      const ch = JSON.stringify(name);
      if (lost !== 0) this.sendRaw(`["lost",${ch},${lost === null ? 'null' : lost}]`);
      const out = (v: Positioned<unknown>) => {
        if (v.offset <= (last[v.epoch] ?? -1)) return; // already had it
        last[v.epoch] = v.offset;
        this.sendRaw(positionedFrame(name, v));
      };
      for (const v of values) out(v);
      untap();
      for (const v of held) out(v);
      this.transport.subscribe(tx, tx.positionsTopic);
    } finally {
      untap();
    }
  }

  /**
   * Whether this connection is a weft client coming back to `tx`: it handed
   * back its positions there, so `subscribe(tx)` replays what it missed (an
   * app skips what it would send a newcomer, such as recent history).
   */
  resumes<T>(tx: Sender<T>): boolean {
    const name = tx.name;
    return this.weft && name !== undefined && this.resume?.[name] !== undefined;
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
  receive(frame: Message): void {
    if (this.closeInfo) return;
    this.counters.in++;
    if (frame.byteLength > this.options.maxPayload) {
      this.transport.end(1009, 'message too big');
      return;
    }
    const m = this.weft ? unframe(frame) : frame;
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
