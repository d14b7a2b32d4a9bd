/**
 * The deno side of WebSockets, on `Deno.upgradeWebSocket`: a `Transport` over
 * a Deno server socket, and a `TopicHub` that fans a broadcast out in
 * JavaScript (the bookkeeping is the node reactor's, `../topics.ts`).
 *
 * Deno writes each `send` asynchronously and offers no drain event:
 * `bufferedAmount` is all it says. Backpressure is read from it (over a
 * route's `maxBackpressure` the policy applies), and a socket with bytes
 * waiting is polled, backing off to every 64 ms, until they are written,
 * then its `drained()` waiters are woken.
 *
 * The hub converts a message once for every socket (a string for a text
 * frame, bytes for a binary one), but Deno has no way to write a frame made
 * ahead: each socket's `send` frames the message again, and a text message
 * is encoded to UTF-8 again on the way into Deno. permessage-deflate is not
 * offered by Deno's server sockets, so `compression` is declined (the client
 * goes on uncompressed), and Deno has no hard close: a peer that never
 * answers weft's close frame keeps its connection until the process exits
 * (weft ends the socket on its side after `CLOSE_WAIT_MS`).
 */
import type { Logger } from 'pino';
import type { Sender, TopicHub } from '../../broadcast/channel.js';
import type { WsCounters } from '../../runtime/counters.js';
import { Message } from '../../ws/message.js';
import type { ResolvedWsOptions } from '../../ws/options.js';
import type { WsSocket } from '../../ws/socket.js';
import type { SendResult, Transport } from '../../ws/transport.js';
import { Topics } from '../topics.js';
import type { DenoCloseEvent, DenoMessageEvent, DenoWebSocket } from './deno-api.js';

const OPEN = 1;

/**
 * A send that leaves this much or more waiting returns `'queued'` (node's
 * stream high-water mark): every Deno send waits a moment, as its write is
 * asynchronous, so "anything waiting" would make every send `'queued'`.
 */
const HIGH_WATER = 16 * 1024;
/** The longest wait between two looks at a socket's `bufferedAmount`, in ms. */
const MAX_POLL_MS = 64;
/**
 * How long a close weft started waits for the peer's close frame. Deno keeps
 * the connection until the peer answers (and has no way to cut it), so past
 * this weft ends the socket on its side: the handler's task ends, the socket
 * leaves its topics and the count. The connection itself stays until the peer
 * goes or the process exits.
 */
const CLOSE_WAIT_MS = 10_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** As Deno sends it: a string goes as text, bytes as binary. */
function payload(data: string | Uint8Array, binary: boolean): string | Uint8Array {
  if (binary) return typeof data === 'string' ? encoder.encode(data) : data;
  return typeof data === 'string' ? data : decoder.decode(data);
}

export class DenoTransport implements Transport {
  socket: WsSocket | undefined;
  closed = false;

  constructor(
    readonly ws: DenoWebSocket,
    readonly options: ResolvedWsOptions,
    private readonly sockets: DenoSockets,
  ) {}

  /** Apply the backpressure policy; true when the socket may take more. */
  private room(): boolean {
    if (this.ws.bufferedAmount <= this.options.maxBackpressure) return true;
    // Deno cannot cut a socket: the close frame waits behind what is buffered.
    if (this.options.backpressure === 'close') this.end(1008, 'too slow to keep up');
    return false;
  }

  /** What a send did, from what is left waiting; a socket with bytes waiting is watched until they are out. */
  private after(): SendResult {
    const waiting = this.ws.bufferedAmount;
    if (waiting === 0) return 'sent';
    this.sockets.watch(this);
    return waiting >= HIGH_WATER ? 'queued' : 'sent';
  }

  send(data: string | Uint8Array, binary: boolean): SendResult {
    if (this.closed || this.ws.readyState !== OPEN) return 'dropped';
    if (!this.room()) return 'dropped';
    this.ws.send(payload(data, binary));
    return this.after();
  }

  /** A broadcast, already in the form Deno sends. */
  deliver(data: string | Uint8Array, counters: WsCounters): void {
    if (this.closed || this.ws.readyState !== OPEN) return;
    if (!this.room()) {
      if (this.socket) this.socket.dropped++;
      counters.dropped++;
      return;
    }
    counters.out++;
    this.ws.send(data);
    this.after();
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.close(code, reason);
    this.sockets.closing(this, code, reason);
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.ws.bufferedAmount;
  }

  subscribe(tx: Sender<unknown>, topic = tx.topic): void {
    if (this.closed) return;
    const hub = this.sockets.hub;
    tx.attach(hub);
    hub.topics.add(topic, this);
  }

  unsubscribe(tx: Sender<unknown>): void {
    const topics = this.sockets.hub.topics;
    topics.remove(tx.topic, this);
    topics.remove(tx.positionsTopic, this);
  }
}

/** Topic fan-out in JavaScript: each message converted once, then sent to every attached socket. */
export class DenoHub implements TopicHub {
  readonly topics = new Topics<DenoTransport>();
  constructor(private readonly counters: WsCounters) {}

  publish(topic: string, data: string | Uint8Array, binary: boolean): void {
    const set = this.topics.members(topic);
    if (set === undefined || set.size === 0) return;
    const p = payload(data, binary);
    for (const t of set) t.deliver(p, this.counters);
  }

  subscribers(topic: string): number {
    return this.topics.count(topic);
  }
}

/** Open sockets: events wired to weft's socket, drain polling, close on shutdown. */
export class DenoSockets {
  readonly hub: DenoHub;
  private readonly open = new Set<DenoTransport>();
  /** Sockets weft closed, until the peer answers (or `CLOSE_WAIT_MS` passed). */
  private readonly waiting = new Map<DenoTransport, ReturnType<typeof setTimeout>>();
  /** Sockets with bytes waiting, looked at until they are written. */
  private readonly filling = new Set<DenoTransport>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pollMs = 1;
  private readonly poll = () => this.check();

  constructor(
    private readonly logger: Logger | undefined,
    counters: WsCounters,
  ) {
    this.hub = new DenoHub(counters);
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Wire a socket Deno is opening: `open` makes weft's socket (and starts
   * the connection's task) once Deno says the socket is open.
   */
  add(ws: DenoWebSocket, options: ResolvedWsOptions, open: (t: DenoTransport) => WsSocket): void {
    const t = new DenoTransport(ws, options, this);
    ws.onopen = () => {
      this.open.add(t);
      t.socket = open(t);
    };
    ws.onmessage = (e: DenoMessageEvent) => {
      const data = e.data;
      // A fresh ArrayBuffer per message: no copy needed.
      t.socket?.receive(new Message(typeof data === 'string' ? data : new Uint8Array(data)));
    };
    ws.onerror = (err: unknown) => this.logger?.debug({ err }, 'websocket error');
    // No close frame came (the connection broke): 1006, as the other reactors report it.
    ws.onclose = (e: DenoCloseEvent) => this.finish(t, e.code === 0 ? 1006 : e.code, e.reason);
  }

  /** The socket is over for weft (Deno said so, or the peer never answered weft's close). */
  private finish(t: DenoTransport, code: number, reason: string): void {
    const timer = this.waiting.get(t);
    if (timer !== undefined) clearTimeout(timer);
    this.waiting.delete(t);
    if (t.closed) return;
    t.closed = true;
    this.open.delete(t);
    this.filling.delete(t);
    this.hub.topics.removeAll(t);
    t.socket?.onClose(code, reason);
  }

  /** weft sent a close frame: give the peer `CLOSE_WAIT_MS` to answer it. */
  closing(t: DenoTransport, code: number, reason: string): void {
    if (this.waiting.has(t)) return;
    this.waiting.set(
      t,
      setTimeout(() => this.finish(t, code, reason), CLOSE_WAIT_MS),
    );
  }

  /** `t` has bytes waiting: look again soon, and wake its `drained()` waiters once they are out. */
  watch(t: DenoTransport): void {
    this.filling.add(t);
    if (this.timer === undefined) {
      this.pollMs = 1;
      this.timer = setTimeout(this.poll, this.pollMs);
    }
  }

  private check(): void {
    this.timer = undefined;
    let drained = false;
    for (const t of this.filling) {
      if (t.closed) this.filling.delete(t);
      else if (t.ws.bufferedAmount === 0) {
        this.filling.delete(t);
        drained = true;
        t.socket?.onDrain();
      }
    }
    if (this.filling.size === 0) return;
    // Slow readers: look less often the longer nothing drains.
    this.pollMs = drained ? 1 : Math.min(MAX_POLL_MS, this.pollMs * 2);
    this.timer = setTimeout(this.poll, this.pollMs);
  }

  closeAll(code: number, reason: string): void {
    for (const t of [...this.open]) t.end(code, reason);
  }

  /** The server is closing for good: stop polling and waiting; what is still open is over for weft. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.filling.clear();
    for (const t of [...this.open]) this.finish(t, 1006, '');
  }
}
