/**
 * The uWS side of WebSockets: one `app.ws('/*')` behavior configured from the
 * options of every `ws()` filter in the tree, a `Transport` over a uWS socket,
 * and a `TopicHub` over the app for native broadcast fan-out (uWS writes to
 * every subscribed socket in C++).
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
import type { App, HttpRequest, HttpResponse, WebSocket } from './binding.js';
import type { ConnData } from './request.js';

type Uws = typeof import('@btc-vision/uwebsockets.js');

const decoder = new TextDecoder();
/** uWS's `send` codes: 0 backpressure (queued), 1 sent, 2 dropped. */
const SEND_RESULT: readonly SendResult[] = ['queued', 'sent', 'dropped'];

/** Native publish through the app. */
export class UwsHub implements TopicHub {
  constructor(
    private readonly app: App,
    private readonly counters: WsCounters,
    /**
     * Some route asked for compression. uWS compresses a published message
     * for each socket that negotiated permessage-deflate, and only the
     * sockets of such routes do (the upgrade offers it to uWS for them alone).
     */
    private readonly compress: boolean,
  ) {}
  publish(topic: string, data: string | Uint8Array, binary: boolean): void {
    // uWS writes in C++ and skips sockets over their backpressure limit without saying which: counted as sent.
    this.counters.out += this.app.numSubscribers(topic);
    this.app.publish(topic, data, binary, this.compress);
  }
  subscribers(topic: string): number {
    return this.app.numSubscribers(topic);
  }
}

export class UwsTransport extends NativeTransport<WebSocket<ConnData>> {
  constructor(
    ws: WebSocket<ConnData>,
    hub: UwsHub,
    /** The route asked for compression (uWS compresses only if the socket negotiated it). */
    private readonly compress: boolean,
  ) {
    super(ws, hub);
  }
  send(data: string | Uint8Array, binary: boolean): SendResult {
    if (this.closed) return 'dropped';
    let r = 2;
    // Sends come from tasks (after an await): cork them.
    this.ws.cork(() => {
      r = this.ws.send(data, binary, this.compress);
    });
    return SEND_RESULT[r] ?? 'dropped';
  }
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.end(code, reason);
  }
}

const anyCompression = (all: ResolvedWsOptions[]) => all.some((o) => o.compression);

/** uWS behavior settings for a set of `ws()` option objects (uWS has one per app). */
function settingsFor(uws: Uws, all: ResolvedWsOptions[], logger: Logger | undefined) {
  const first = all[0] as ResolvedWsOptions;
  const differ = all.some((o) => o.idleTimeout !== first.idleTimeout || o.backpressure !== first.backpressure);
  if (differ) {
    logger?.warn(
      "ws(): routes use different idleTimeout/backpressure; uWS has one setting per server, using the first route's",
    );
  }
  // uWS terminates the process on some out-of-range values: check what ws() cannot know.
  const maxPayloadLength = Math.max(...all.map((o) => o.maxPayload));
  const maxBackpressure = Math.max(...all.map((o) => o.maxBackpressure));
  if (first.idleTimeout !== 0 && (first.idleTimeout < 8 || first.idleTimeout > 960)) {
    throw new RangeError(`uWS: idleTimeout must be 0 or 8..960, got ${first.idleTimeout}`);
  }
  if (maxPayloadLength > 2 ** 31 - 1 || maxBackpressure > 2 ** 31 - 1)
    throw new RangeError('uWS: sizes must fit in 31 bits');
  return {
    // The largest limit goes to uWS; each socket enforces its own route's limit.
    maxPayloadLength,
    maxBackpressure,
    idleTimeout: first.idleTimeout,
    closeOnBackpressureLimit: first.backpressure === 'close',
    // Per route: uWS negotiates permessage-deflate only where the upgrade passes the client's offer on.
    compression: anyCompression(all) ? uws.SHARED_COMPRESSOR | uws.SHARED_DECOMPRESSOR : uws.DISABLED,
    sendPingsAutomatically: true,
  };
}

/** Open sockets: closed with a code on shutdown. */
export class UwsSockets {
  readonly hub: UwsHub;
  private readonly open = new Set<WebSocket<ConnData>>();

  constructor(
    uws: Uws,
    app: App,
    private readonly host: ReactorHost,
    options: ResolvedWsOptions[],
    upgrade: (res: HttpResponse, req: HttpRequest, context: unknown) => void,
  ) {
    this.hub = new UwsHub(app, host.wsCounters, anyCompression(options));
    app.ws<ConnData>('/*', {
      ...settingsFor(uws, options, host.logger),
      upgrade: upgrade as never,
      open: (ws) => this.onOpen(ws),
      message: (ws, data, isBinary) => {
        // Copy now: uWS neuters the buffer when this callback returns.
        // A pooled copy: `ArrayBuffer.prototype.slice` costs a fresh backing store (~1 µs).
        const m = new Message(isBinary ? Buffer.from(new Uint8Array(data)) : decoder.decode(data));
        ws.getUserData().transport?.socket?.receive(m);
      },
      drain: (ws) => ws.getUserData().transport?.socket?.onDrain(),
      close: (ws, code, message) => this.onClose(ws, code, decoder.decode(message)),
    });
  }

  get size(): number {
    return this.open.size;
  }

  private onOpen(ws: WebSocket<ConnData>): void {
    const data = ws.getUserData();
    const accept = data.accept as WsAccept;
    const transport = new UwsTransport(ws, this.hub, accept.options.compression);
    data.transport = transport;
    this.open.add(ws);
    data.accept = undefined;
    transport.socket = this.host.openSocket(transport, accept, data.remote);
  }

  private onClose(ws: WebSocket<ConnData>, code: number, reason: string): void {
    const t = ws.getUserData().transport;
    this.open.delete(ws);
    t?.onNativeClose(code, reason);
  }

  closeAll(code: number, reason: string): void {
    for (const ws of [...this.open]) {
      const t = ws.getUserData().transport;
      if (t && !t.closed) ws.end(code, reason);
    }
  }
}
