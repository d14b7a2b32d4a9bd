/**
 * In-process WebSocket harness: `wsRequest().path('/chat').handshake(routes)`
 * runs the same filters, the same `WsSocket` and the same per-connection task
 * as the server, over a memory transport instead of uWS.
 */
import type { Logger } from 'pino';
import type { Sender, TopicHub } from '../broadcast/channel.js';
import { type Filter, impl } from '../filter/filter.js';
import { settle } from '../filter/settle.js';
import type { Replyable } from '../reply/reply.js';
import { WsCounters } from '../runtime/counters.js';
import { WeftError } from '../runtime/weft-error.js';
import { spawn } from '../task/spawn.js';
import { Message } from '../ws/message.js';
import { openConnection } from '../ws/open.js';
import type { CloseInfo, SendResult, Transport, WsSocket } from '../ws/socket.js';
import { WsAccept } from '../ws/upgrade.js';
import { RequestBuilder, type TestResponse, toTestResponse } from './request.js';

/** The handshake was answered with an HTTP response instead of an upgrade. */
export class HandshakeRejected extends WeftError {
  override readonly name = 'HandshakeRejected';
  constructor(readonly response: TestResponse) {
    super(`WebSocket handshake rejected with ${response.status}`);
  }
}

/** recv() on a closed client. */
export class WsClosedError extends WeftError {
  override readonly name = 'WsClosedError';
  constructor(readonly info: CloseInfo) {
    super(`WebSocket closed (${info.code} ${info.reason})`);
  }
}

/** One hub for every harness socket: `tx.send` reaches sockets attached with `subscribe(tx)`. */
class MemoryHub implements TopicHub {
  private readonly topics = new Map<string, Set<MemoryTransport>>();
  publish(topic: string, data: string | Uint8Array): void {
    for (const t of this.topics.get(topic) ?? []) t.deliver(new Message(data));
  }
  subscribers(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }
  add(topic: string, t: MemoryTransport): void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(t);
  }
  remove(topic: string, t: MemoryTransport): void {
    this.topics.get(topic)?.delete(t);
  }
}
const hub = new MemoryHub();

class MemoryTransport implements Transport {
  socket: WsSocket | undefined;
  private readonly topics = new Set<string>();
  constructor(private readonly client: WsClient) {}
  deliver(m: Message): void {
    this.client.deliver(m);
  }
  send(data: string | Uint8Array): SendResult {
    this.client.deliver(new Message(typeof data === 'string' ? data : data.slice()));
    return 'sent';
  }
  end(code: number, reason: string): void {
    for (const t of this.topics) hub.remove(t, this);
    this.topics.clear();
    queueMicrotask(() => {
      this.socket?.onClose(code, reason);
      this.client.closeFromServer({ code, reason });
    });
  }
  bufferedAmount(): number {
    return 0;
  }
  subscribe(tx: Sender<unknown>, topic = tx.topic): void {
    tx.attach(hub);
    hub.add(topic, this);
    this.topics.add(topic);
  }
  unsubscribe(tx: Sender<unknown>): void {
    for (const topic of [tx.topic, tx.positionsTopic]) {
      hub.remove(topic, this);
      this.topics.delete(topic);
    }
  }
}

/** The client end of an in-process WebSocket. */
export class WsClient {
  private readonly inbox: Message[] = [];
  private wake: (() => void) | undefined;
  private info: CloseInfo | undefined;
  private resolveClosed!: (c: CloseInfo) => void;
  /** Resolves with the code and reason when either side closes. */
  readonly closed: Promise<CloseInfo> = new Promise((r) => {
    this.resolveClosed = r;
  });
  /** @internal */
  server: WsSocket | undefined;

  /** Send a text (string) or binary message to the server. */
  send(data: string | Uint8Array): void {
    if (this.info) throw new WsClosedError(this.info);
    const m = new Message(typeof data === 'string' ? data : data.slice());
    queueMicrotask(() => this.server?.receive(m));
  }

  sendJson(value: unknown): void {
    this.send(JSON.stringify(value));
  }

  /** The next message from the server; throws `WsClosedError` once closed and drained. */
  async recv(timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.inbox.shift();
      if (m) return m;
      if (this.info) throw new WsClosedError(this.info);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('recv timed out');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** `JSON.parse` of the next text message. */
  async recvJson(timeoutMs?: number): Promise<unknown> {
    return JSON.parse((await this.recv(timeoutMs)).text()) as unknown;
  }

  /** Close from the client side. */
  close(code = 1000, reason = ''): void {
    if (this.info) return;
    this.closeFromServer({ code, reason });
    queueMicrotask(() => this.server?.onClose(code, reason));
  }

  /** @internal */
  deliver(m: Message): void {
    if (this.info) return;
    this.inbox.push(m);
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** @internal */
  closeFromServer(info: CloseInfo): void {
    if (this.info) return;
    this.info = info;
    this.resolveClosed(info);
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/** Builder for an in-process WebSocket handshake. */
export class WsRequestBuilder extends RequestBuilder {
  private logTo: Logger | undefined;

  constructor() {
    super();
    this.header('upgrade', 'websocket')
      .header('connection', 'Upgrade')
      .header('sec-websocket-version', '13')
      .header('sec-websocket-key', Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64'));
  }

  override log(logger: Logger): this {
    this.logTo = logger;
    return super.log(logger);
  }

  /** The request path (a handshake is a GET). */
  override path(p: string): this {
    super.path(p);
    return this;
  }

  override method(m: string): this {
    super.method(m);
    return this;
  }

  /**
   * Run the handshake through `filter`. Resolves with the client end when the
   * filters accept; throws `HandshakeRejected` (with the HTTP response) otherwise.
   */
  async handshake(filter: Filter<[Replyable]>): Promise<WsClient> {
    const src = this.source();
    const ctx = this.context(src);
    const reply = await settle(impl(filter) as never, ctx);
    if (!(reply instanceof WsAccept)) {
      throw new HandshakeRejected(await toTestResponse(src.withRequestId(reply), src.method, ctx.routeTemplate()));
    }
    const client = new WsClient();
    const transport = new MemoryTransport(client);
    const spawnTask = (fn: (signal: AbortSignal) => void | Promise<void>) =>
      spawn(fn, { logger: this.logTo, name: 'websocket' });
    const socket = openConnection(transport, reply, src.remoteAddress(), spawnTask, this.logTo, new WsCounters());
    transport.socket = socket;
    client.server = socket;
    return client;
  }
}

/** Start building an in-process WebSocket handshake (a valid one until told otherwise). */
export function wsRequest(): WsRequestBuilder {
  return new WsRequestBuilder();
}
