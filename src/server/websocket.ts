/**
 * The uWS side of WebSockets: one `app.ws('/*')` behavior configured from the
 * options of every `ws()` filter in the tree, a `Transport` over a uWS socket,
 * a `TopicHub` over the app for native broadcast fan-out, and the registry of
 * open sockets and their tasks (closed with 1001 and aborted on shutdown).
 */
import type { Logger } from 'pino';
import type { Sender, TopicHub } from '../broadcast/channel.js';
import { TaskSet } from '../task/spawn.js';
import type { WsAccept } from '../ws/filter.js';
import { runConnection } from '../ws/connection.js';
import { Message } from '../ws/message.js';
import type { ResolvedWsOptions } from '../ws/options.js';
import { type Transport, WsSocket } from '../ws/socket.js';
import { type App, type WebSocket, uws } from './uws.js';

/** What uWS keeps for each connection. */
export interface ConnData {
  readonly accept: WsAccept;
  readonly remote: string;
  socket?: WsSocket;
  transport?: UwsTransport;
}

const decoder = new TextDecoder();

/** Native publish through the app: uWS writes to every subscribed socket in C++. */
export class UwsHub implements TopicHub {
  constructor(private readonly app: App) {}
  publish(topic: string, data: string | Uint8Array, binary: boolean): void {
    this.app.publish(topic, data, binary, false);
  }
  subscribers(topic: string): number {
    return this.app.numSubscribers(topic);
  }
}

class UwsTransport implements Transport {
  closed = false;
  constructor(
    private readonly ws: WebSocket<ConnData>,
    private readonly hub: UwsHub,
  ) {}
  send(data: string | Uint8Array, binary: boolean): number {
    if (this.closed) return 2;
    let r = 2;
    // Sends come from tasks (after an await): cork them.
    this.ws.cork(() => {
      r = this.ws.send(data, binary, false);
    });
    return r;
  }
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.end(code, reason);
  }
  bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }
  subscribe(tx: Sender<unknown>): void {
    if (this.closed) return;
    tx.attach(this.hub);
    this.ws.subscribe(tx.topic);
  }
  unsubscribe(tx: Sender<unknown>): void {
    if (this.closed) return;
    this.ws.unsubscribe(tx.topic);
  }
}

/** uWS behavior settings for a set of `ws()` option objects. */
function settingsFor(all: ResolvedWsOptions[], logger: Logger | undefined) {
  const first = all[0] as ResolvedWsOptions;
  const differ = all.some(
    (o) => o.idleTimeout !== first.idleTimeout || o.compression !== first.compression || o.backpressure !== first.backpressure,
  );
  if (differ) {
    logger?.warn(
      'ws(): routes use different idleTimeout/compression/backpressure; uWS has one setting per server, using the first route\'s',
    );
  }
  const u = uws();
  return {
    // The largest limit goes to uWS; each socket enforces its own route's limit.
    maxPayloadLength: Math.max(...all.map((o) => o.maxPayload)),
    maxBackpressure: Math.max(...all.map((o) => o.maxBackpressure)),
    idleTimeout: first.idleTimeout,
    closeOnBackpressureLimit: first.backpressure === 'close' ? 1 : 0,
    compression: first.compression ? u.SHARED_COMPRESSOR | u.SHARED_DECOMPRESSOR : u.DISABLED,
    sendPingsAutomatically: true,
  };
}

/** Open sockets and their tasks. */
export class WsRegistry {
  readonly tasks: TaskSet;
  private readonly open = new Set<WebSocket<ConnData>>();
  readonly hub: UwsHub;

  constructor(
    private readonly app: App,
    private readonly logger: Logger | undefined,
  ) {
    this.tasks = new TaskSet(logger, 'websocket');
    this.hub = new UwsHub(app);
  }

  get size(): number {
    return this.open.size;
  }

  /** Register `app.ws('/*', ...)`; `upgrade` runs the filters. */
  install(options: ResolvedWsOptions[], upgrade: (res: never, req: never, context: unknown) => void): void {
    this.app.ws<ConnData>('/*', {
      ...settingsFor(options, this.logger),
      upgrade: upgrade as never,
      open: (ws) => this.onOpen(ws),
      message: (ws, data, isBinary) => {
        // Copy now: uWS neuters the buffer when this callback returns.
        const m = new Message(isBinary ? new Uint8Array(data.slice(0)) : decoder.decode(data));
        ws.getUserData().socket?.receive(m);
      },
      drain: (ws) => ws.getUserData().socket?.onDrain(),
      close: (ws, code, message) => this.onClose(ws, code, decoder.decode(message)),
    });
  }

  private onOpen(ws: WebSocket<ConnData>): void {
    const data = ws.getUserData();
    const { accept } = data;
    const transport = new UwsTransport(ws, this.hub);
    const socket = new WsSocket(transport, data.remote, accept.protocol, accept.options.maxQueued, accept.options.maxPayload);
    data.socket = socket;
    data.transport = transport;
    this.open.add(ws);
    runConnection(socket, accept.handler, (fn) => this.tasks.spawn(fn), this.logger);
  }

  private onClose(ws: WebSocket<ConnData>, code: number, reason: string): void {
    const data = ws.getUserData();
    if (data.transport) data.transport.closed = true;
    this.open.delete(ws);
    data.socket?.onClose(code, reason);
  }

  /** Close every socket with `code` and abort their tasks (waiting up to `timeoutMs`). */
  async closeAll(code: number, reason: string, timeoutMs: number): Promise<void> {
    for (const ws of [...this.open]) {
      const t = ws.getUserData().transport;
      if (t && !t.closed) ws.end(code, reason);
    }
    await this.tasks.abortAll(new Error(reason), timeoutMs);
  }
}
