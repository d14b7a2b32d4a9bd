/**
 * Bun's native WebSockets: one `websocket` handler configured from the
 * options of every `ws()` filter in the tree (Bun, like uWS, has one setting
 * per server), a `Transport` over a Bun socket, and a `TopicHub` over the
 * server's pub/sub, so a broadcast is written to every subscribed socket by
 * Bun in native code (`server.publish`), encoded once.
 */
import type { Logger } from 'pino';
import type { TopicHub } from '../../broadcast/channel.js';
import type { WsCounters } from '../../runtime/counters.js';
import { Message } from '../../ws/message.js';
import type { ResolvedWsOptions } from '../../ws/options.js';
import type { SendResult } from '../../ws/transport.js';
import type { WsAccept } from '../../ws/upgrade.js';
import type { ReactorHost } from '../contract.js';
import { NativeTransport } from '../native-transport.js';
import type { BunServer, BunWebSocket, BunWebSocketHandler } from './bun-api.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What Bun keeps for each WebSocket (`server.upgrade(req, { data })`). */
export interface ConnData {
  /** Until the socket opens: then dropped, so an idle socket does not keep its handshake reply. */
  accept: WsAccept | undefined;
  readonly remote: string;
  /** Set when the socket opens. */
  transport: BunTransport | undefined;
}

/** Bun's `send` result as weft's: bytes written, -1 behind backpressure, 0 dropped. */
function sendResult(n: number): SendResult {
  return n > 0 ? 'sent' : n === -1 ? 'queued' : 'dropped';
}

/** Native publish through the server (set once it listens). */
export class BunHub implements TopicHub {
  server: BunServer | undefined;
  constructor(
    private readonly counters: WsCounters,
    /** Some route asked for compression: Bun compresses for the sockets that negotiated it. */
    private readonly compress: boolean,
  ) {}

  publish(topic: string, data: string | Uint8Array, binary: boolean): void {
    const server = this.server;
    if (server === undefined) return;
    // Bun writes in native code and skips sockets over their backpressure limit without saying which: counted as sent.
    const n = server.subscriberCount(topic);
    if (n === 0) return;
    this.counters.out += n;
    // Bun sends a string as text and bytes as binary.
    const payload = binary
      ? typeof data === 'string'
        ? encoder.encode(data)
        : data
      : typeof data === 'string'
        ? data
        : decoder.decode(data);
    server.publish(topic, payload, this.compress);
  }

  subscribers(topic: string): number {
    return this.server?.subscriberCount(topic) ?? 0;
  }
}

export class BunTransport extends NativeTransport<BunWebSocket<ConnData>> {
  constructor(
    ws: BunWebSocket<ConnData>,
    hub: BunHub,
    /** This socket's route: its backpressure limit and policy, and whether it compresses. */
    private readonly options: ResolvedWsOptions,
  ) {
    super(ws, hub);
  }

  send(data: string | Uint8Array, binary: boolean): SendResult {
    if (this.closed) return 'dropped';
    // Bun's limit is the largest route's: each socket keeps its own route's.
    if (this.ws.getBufferedAmount() > this.options.maxBackpressure) {
      if (this.options.backpressure === 'close') {
        // Too slow to keep up: cut it (Bun reports the close later; nothing more is sent meanwhile).
        this.closed = true;
        this.ws.terminate();
      }
      return 'dropped';
    }
    const compress = this.options.compression;
    const n = binary
      ? this.ws.sendBinary(typeof data === 'string' ? encoder.encode(data) : data, compress)
      : this.ws.sendText(typeof data === 'string' ? data : decoder.decode(data), compress);
    return sendResult(n);
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.close(code, reason);
  }
}

/** Open sockets, and the `websocket` handler Bun.serve takes. */
export class BunSockets {
  readonly hub: BunHub;
  private readonly open = new Set<BunWebSocket<ConnData>>();
  readonly handler: BunWebSocketHandler<ConnData>;

  constructor(
    private readonly host: ReactorHost,
    options: ResolvedWsOptions[],
  ) {
    const compress = options.some((o) => o.compression);
    this.hub = new BunHub(host.wsCounters, compress);
    this.handler = {
      ...settingsFor(options, host.logger),
      perMessageDeflate: compress,
      open: (ws) => this.onOpen(ws),
      message: (ws, data) => {
        // Bun hands text as a string and binary as a fresh Buffer: no copy needed.
        ws.data.transport?.socket?.receive(new Message(data));
      },
      drain: (ws) => ws.data.transport?.socket?.onDrain(),
      close: (ws, code, reason) => this.onClose(ws, code, reason),
    };
  }

  get size(): number {
    return this.open.size;
  }

  private onOpen(ws: BunWebSocket<ConnData>): void {
    const data = ws.data;
    const accept = data.accept as WsAccept;
    const transport = new BunTransport(ws, this.hub, accept.options);
    data.transport = transport;
    data.accept = undefined;
    this.open.add(ws);
    transport.socket = this.host.openSocket(transport, accept, data.remote);
  }

  private onClose(ws: BunWebSocket<ConnData>, code: number, reason: string): void {
    const t = ws.data.transport;
    this.open.delete(ws);
    t?.onNativeClose(code, reason);
  }

  closeAll(code: number, reason: string): void {
    for (const ws of [...this.open]) {
      const t = ws.data.transport;
      if (t && !t.closed) ws.close(code, reason);
    }
  }

  terminateAll(): void {
    for (const ws of [...this.open]) ws.terminate();
  }
}

/** Bun's per-server WebSocket settings for a set of `ws()` option objects. */
function settingsFor(
  all: ResolvedWsOptions[],
  logger: Logger | undefined,
): Pick<
  BunWebSocketHandler<ConnData>,
  'maxPayloadLength' | 'idleTimeout' | 'backpressureLimit' | 'closeOnBackpressureLimit' | 'sendPings' | 'publishToSelf'
> {
  const first = all[0] as ResolvedWsOptions;
  if (all.some((o) => o.idleTimeout !== first.idleTimeout || o.backpressure !== first.backpressure)) {
    logger?.warn(
      "ws(): routes use different idleTimeout/backpressure; Bun has one setting per server, using the first route's",
    );
  }
  return {
    // The largest limits go to Bun; each socket keeps its own route's (WsSocket checks maxPayload, the transport backpressure).
    maxPayloadLength: Math.max(...all.map((o) => o.maxPayload)),
    backpressureLimit: Math.max(...all.map((o) => o.maxBackpressure)),
    closeOnBackpressureLimit: first.backpressure === 'close',
    idleTimeout: first.idleTimeout,
    sendPings: true,
    publishToSelf: false,
  };
}
