/**
 * The node side of WebSockets, on the `ws` package: a `Transport` over a `ws`
 * socket, the idle timeout and pings uWS gives by itself, and a `TopicHub`
 * that fans a broadcast out in JavaScript.
 *
 * The hub encodes a message once and, for sockets without permessage-deflate,
 * frames it once: the same frame bytes go to every socket. Frames published in
 * one turn of the event loop are coalesced per socket and written in one
 * `writev` at `setImmediate`. Writing frames to the socket directly is safe
 * because, without compression, `ws` writes each frame synchronously and never
 * holds a frame back; a socket with compression goes through `ws.send`. Any
 * direct `send` on a socket first flushes its pending broadcast frames, so a
 * socket's order is the order of the calls.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { PerMessageDeflateOptions, ServerOptions, WebSocket } from 'ws';
import type { Sender, TopicHub } from '../../broadcast/channel.js';
import type { WsCounters } from '../../runtime/counters.js';
import { deflateOffers } from '../../ws/deflate.js';
import { Message } from '../../ws/message.js';
import type { ResolvedWsOptions } from '../../ws/options.js';
import type { WsSocket } from '../../ws/socket.js';
import type { SendResult, Transport } from '../../ws/transport.js';
import { Topics } from '../topics.js';

const OPEN = 1;

type WsModule = typeof import('ws');

/**
 * A `ws` socket whose own closes wait for the end of the turn. `ws` parses a
 * whole read at once: it hands over the messages in it, then, on a protocol
 * error or the peer's close frame further on, sends its close frame at once,
 * before the connection's task has run to answer those messages. Deferred to
 * `setImmediate`, the close goes out after every answer the task gives in the
 * same turn, as on uWS. weft's own closes (`closeNow`) do not wait.
 */
export interface TurnEndSocket extends WebSocket {
  closeNow(code: number, reason: string): void;
}

let turnEndClass: WsModule['WebSocket'] | undefined;

function turnEndSocket(mod: WsModule): WsModule['WebSocket'] {
  turnEndClass ??= class extends mod.WebSocket implements TurnEndSocket {
    override close(code?: number, data?: string | Buffer): void {
      setImmediate(() => super.close(code, data));
    }
    closeNow(code: number, reason: string): void {
      super.close(code, reason);
    }
  };
  return turnEndClass;
}

function isTurnEnd(ws: WebSocket): ws is TurnEndSocket {
  return typeof (ws as Partial<TurnEndSocket>).closeNow === 'function';
}

/**
 * permessage-deflate as the uws reactor negotiates it: no context takeover in
 * either direction, so a socket keeps no compression window between messages.
 */
const DEFLATE: PerMessageDeflateOptions = {
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
};

/**
 * Leave on the request only the permessage-deflate offers weft accepts: `ws`
 * fails the whole handshake (400) on an offer it cannot accept, where weft
 * declines the offer and goes on uncompressed.
 */
export function keepAcceptableOffers(req: IncomingMessage, o: ResolvedWsOptions): void {
  const offered = req.headers['sec-websocket-extensions'];
  if (!o.compression || offered === undefined) return;
  const kept = deflateOffers(offered, true);
  if (kept === '') delete req.headers['sec-websocket-extensions'];
  else req.headers['sec-websocket-extensions'] = kept;
}

/**
 * Fragments `ws` keeps for one message, derived from `maxPayload`: a message
 * of any size up to `maxPayload` in fragments of 64 bytes or more (Autobahn
 * 9.3/9.4 send 4 MiB in 64-byte ones) is taken whole, as on uWS. `ws` holds
 * each fragment as its own Buffer (~100 bytes of heap each): without a bound,
 * a 1 MiB message in 1-byte fragments cost 106 MiB of heap; with it, a
 * message's bookkeeping stays under about 1.6x `maxPayload` (1.6 MiB at least).
 */
const MIN_FRAGMENT = 64;
const maxFragments = (maxPayload: number) => Math.max(16 * 1024, Math.ceil(maxPayload / MIN_FRAGMENT));

/**
 * The `ws` server options that carry weft's WebSocket policy. A message is
 * bounded by its size (`maxPayload`, 1009 past it), as on uWS, not by `ws`'s
 * default count of 16384 fragments (which closed a 4 MiB message in 64-byte
 * fragments with 1008); see `maxFragments` for the one bound kept.
 */
export function wsServerOptions(mod: WsModule, o: ResolvedWsOptions): ServerOptions {
  return {
    maxPayload: o.maxPayload,
    maxFragments: maxFragments(o.maxPayload),
    perMessageDeflate: o.compression ? DEFLATE : false,
    WebSocket: turnEndSocket(mod),
  };
}

/** One unmasked server frame (RFC 6455 §5.2) holding a whole message. */
export function frame(payload: Uint8Array, binary: boolean): Buffer {
  const n = payload.byteLength;
  const headLen = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headLen + n);
  out[0] = 0x80 | (binary ? 2 : 1);
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  out.set(payload, headLen);
  return out;
}

export class NodeTransport implements Transport {
  socket: WsSocket | undefined;
  closed = false;
  /** Last time a frame (message, ping or pong) arrived, `Date.now()` based. */
  seen = Date.now();
  pinged = false;
  /** Broadcast frames waiting for this turn's flush. */
  pending: Buffer[] | undefined;
  /** Frames can be written to the socket directly (no permessage-deflate). */
  readonly raw: boolean;

  constructor(
    readonly ws: WebSocket,
    readonly stream: Duplex,
    readonly options: ResolvedWsOptions,
    private readonly hub: NodeHub,
  ) {
    this.raw = ws.extensions === '';
  }

  /** Apply the backpressure policy; true when the socket may take more. */
  private room(): boolean {
    if (this.stream.writableLength <= this.options.maxBackpressure) return true;
    if (this.options.backpressure === 'close') this.terminate();
    return false;
  }

  private terminate(): void {
    if (this.closed) return;
    this.ws.terminate();
  }

  send(data: string | Uint8Array, binary: boolean): SendResult {
    if (this.closed || this.ws.readyState !== OPEN) return 'dropped';
    if (this.pending !== undefined) this.flush();
    if (!this.room()) return 'dropped';
    this.ws.send(data, { binary });
    return this.stream.writableNeedDrain ? 'queued' : 'sent';
  }

  /** Queue a broadcast: a ready frame, or (with compression) the data for `ws.send`. */
  deliver(framed: Buffer, data: string | Uint8Array, binary: boolean): boolean {
    if (this.closed || this.ws.readyState !== OPEN) return false;
    if (!this.room()) {
      if (this.socket) this.socket.dropped++;
      this.hub.counters.dropped++;
      return false;
    }
    this.hub.counters.out++;
    if (!this.raw) {
      this.ws.send(data, { binary });
      return true;
    }
    if (this.pending === undefined) {
      this.pending = [framed];
      this.hub.dirty(this);
    } else this.pending.push(framed);
    return true;
  }

  /** Write the frames queued this turn, in one writev. */
  flush(): void {
    const frames = this.pending;
    this.pending = undefined;
    if (frames === undefined || this.closed || this.ws.readyState !== OPEN) return;
    if (frames.length === 1) {
      this.stream.write(frames[0] as Buffer);
      return;
    }
    this.stream.cork();
    for (const f of frames) this.stream.write(f);
    this.stream.uncork();
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    if (this.pending !== undefined) this.flush();
    if (isTurnEnd(this.ws)) this.ws.closeNow(code, reason);
    else this.ws.close(code, reason);
  }

  bufferedAmount(): number {
    if (this.closed) return 0;
    let n = this.ws.bufferedAmount;
    if (this.pending !== undefined) for (const f of this.pending) n += f.byteLength;
    return n;
  }

  subscribe(tx: Sender<unknown>, topic = tx.topic): void {
    if (this.closed) return;
    tx.attach(this.hub);
    this.hub.add(topic, this);
  }

  unsubscribe(tx: Sender<unknown>): void {
    this.hub.remove(tx.topic, this);
    this.hub.remove(tx.positionsTopic, this);
  }

  /** The connection closed: leave every topic. */
  onClosed(): void {
    this.closed = true;
    this.pending = undefined;
    this.hub.removeAll(this);
  }
}

/** Topic fan-out in JavaScript: encode once, frame once, coalesce per tick. */
export class NodeHub implements TopicHub {
  constructor(readonly counters: WsCounters) {}
  private readonly topics = new Topics<NodeTransport>();
  private dirtyList: NodeTransport[] = [];
  private scheduled = false;
  private readonly flushAll = () => {
    this.scheduled = false;
    const list = this.dirtyList;
    this.dirtyList = [];
    for (const t of list) t.flush();
  };

  publish(topic: string, data: string | Uint8Array, binary: boolean): void {
    const set = this.topics.members(topic);
    if (set === undefined || set.size === 0) return;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    const framed = frame(payload, binary);
    for (const t of set) t.deliver(framed, data, binary);
  }

  subscribers(topic: string): number {
    return this.topics.count(topic);
  }

  dirty(t: NodeTransport): void {
    this.dirtyList.push(t);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }

  add(topic: string, t: NodeTransport): void {
    this.topics.add(topic, t);
  }

  remove(topic: string, t: NodeTransport): void {
    this.topics.remove(topic, t);
  }

  removeAll(t: NodeTransport): void {
    this.topics.removeAll(t);
  }
}

/** Open sockets: idle sweep, close on shutdown. */
export class NodeSockets {
  readonly hub: NodeHub;
  private readonly open = new Set<NodeTransport>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweepMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly logger: Logger | undefined,
    counters: WsCounters,
  ) {
    this.hub = new NodeHub(counters);
  }

  get size(): number {
    return this.open.size;
  }

  /** Wire a `ws` socket to its transport and the socket weft hands the handler. */
  add(ws: WebSocket, stream: Duplex, options: ResolvedWsOptions, open: (t: NodeTransport) => WsSocket): void {
    const t = new NodeTransport(ws, stream, options, this.hub);
    this.open.add(t);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      t.seen = Date.now();
      t.pinged = false;
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      t.socket?.receive(new Message(isBinary ? new Uint8Array(buf) : buf.toString('utf8')));
    });
    const alive = () => {
      t.seen = Date.now();
      t.pinged = false;
    };
    ws.on('pong', alive);
    ws.on('ping', alive);
    stream.on('drain', () => t.socket?.onDrain());
    ws.on('error', (err) => this.logger?.debug({ err }, 'websocket error'));
    ws.on('close', (code: number, reason: Buffer) => {
      this.open.delete(t);
      t.onClosed();
      t.socket?.onClose(code, reason.toString('utf8'));
    });
    t.socket = open(t);
    if (options.idleTimeout > 0) this.sweepEvery(options.idleTimeout * 250);
  }

  /**
   * Sweep at least every `ms` (a quarter of the shortest idle timeout, at most
   * 4 s): with sweeps as coarse as the half-way point, a peer could be closed
   * without the ping it was owed.
   */
  private sweepEvery(ms: number): void {
    const every = Math.min(4000, ms);
    if (this.sweeper !== undefined && every >= this.sweepMs) return;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweepMs = every;
    this.sweeper = setInterval(() => this.sweep(), every).unref();
  }

  /** uWS's idle timeout: ping half-way, close when nothing arrived for `idleTimeout` seconds. */
  private sweep(): void {
    const now = Date.now();
    for (const t of this.open) {
      const idle = t.options.idleTimeout * 1000;
      if (idle === 0) continue;
      const quiet = now - t.seen;
      if (quiet >= idle) t.ws.terminate();
      else if (quiet >= idle / 2 && !t.pinged) {
        t.pinged = true;
        t.ws.ping();
      }
    }
  }

  closeAll(code: number, reason: string): void {
    for (const t of [...this.open]) t.end(code, reason);
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of [...this.open]) t.ws.terminate();
  }
}
