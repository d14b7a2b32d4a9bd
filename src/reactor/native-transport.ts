/**
 * What the uws and bun transports share: both runtimes keep broadcast topics
 * natively on the socket (`subscribe`/`unsubscribe` by name) and report its
 * buffered bytes, so attaching to a channel, leaving both of its topics and
 * the closed guard are written once here. How a frame is written, what the
 * native `send` returns and how a socket is ended stay in each reactor.
 */
import type { Sender, TopicHub } from '../broadcast/channel.js';
import type { WsSocket } from '../ws/socket.js';
import type { SendResult, Transport } from '../ws/transport.js';

/** The part of a uWS or Bun WebSocket this base uses. */
export interface NativeTopicSocket {
  getBufferedAmount(): number;
  subscribe(topic: string): unknown;
  unsubscribe(topic: string): unknown;
}

export abstract class NativeTransport<W extends NativeTopicSocket> implements Transport {
  closed = false;
  socket: WsSocket | undefined;
  constructor(
    protected readonly ws: W,
    /** The reactor's native hub: a channel publishes through it once a socket of this reactor subscribes. */
    private readonly hub: TopicHub,
  ) {}

  abstract send(data: string | Uint8Array, binary: boolean): SendResult;
  abstract end(code: number, reason: string): void;

  bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  subscribe(tx: Sender<unknown>, topic = tx.topic): void {
    if (this.closed) return;
    tx.attach(this.hub);
    this.ws.subscribe(topic);
  }

  unsubscribe(tx: Sender<unknown>): void {
    if (this.closed) return;
    this.ws.unsubscribe(tx.topic);
    this.ws.unsubscribe(tx.positionsTopic);
  }

  /** The runtime reported the socket closed: nothing more goes to it, and its `WsSocket` learns why. */
  onNativeClose(code: number, reason: string): void {
    this.closed = true;
    this.socket?.onClose(code, reason);
  }
}
