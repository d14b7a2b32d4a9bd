/**
 * What carries a socket's frames: the contract every reactor (and the
 * in-process harness) implements for `WsSocket`. Results are weft's own
 * `SendResult`, never a reactor's codes.
 */
import type { Sender } from '../broadcast/channel.js';

/** What `send` did: written, queued behind backpressure, or dropped (over the limit, or closed). */
export type SendResult = 'sent' | 'queued' | 'dropped';

/** @internal */
export interface Transport {
  /** Write one message; what happened to it. */
  send(data: string | Uint8Array, binary: boolean): SendResult;
  end(code: number, reason: string): void;
  bufferedAmount(): number;
  /** Attach to a broadcast channel's topic (`topic`: its topic with positions, for a resuming client). */
  subscribe(tx: Sender<unknown>, topic?: string): void;
  /** Detach from both of the channel's topics. */
  unsubscribe(tx: Sender<unknown>): void;
}
