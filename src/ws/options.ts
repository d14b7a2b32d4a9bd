/** WebSocket options, checked before they reach uWS (which terminates the process on some bad values). */
import type { z } from 'zod';

export interface WsOptions {
  /**
   * Largest message accepted, in bytes once reassembled; a larger one closes
   * the socket (1009). The size counts, not the fragments (on node, which
   * keeps each fragment apart until the message completes, fragments must
   * average 64 bytes once there are more than 16384: 1008 otherwise). On uWS,
   * a message over the server's largest `maxPayload` is cut by uWS itself,
   * without a close frame.
   * @default 65536
   */
  maxPayload?: number | undefined;
  /**
   * Seconds without a message or pong before the socket is closed; 0 disables.
   * uWS checks in steps of 4 s. Either 0 or 8..960.
   * @default 120
   */
  idleTimeout?: number | undefined;
  /**
   * Bytes that may wait in a socket's send buffer. Past it, the `backpressure`
   * policy applies.
   * @default 1048576 (1 MiB)
   */
  maxBackpressure?: number | undefined;
  /**
   * What happens to a socket over `maxBackpressure`: `'close'` closes it (it is
   * too slow to keep up), `'drop'` skips messages to it (`send` returns 'dropped').
   * @default 'close'
   */
  backpressure?: 'close' | 'drop' | undefined;
  /**
   * permessage-deflate for this route: messages sent (`send` and channel
   * fan-out) are compressed for clients that negotiated it. No context is kept
   * between messages in either direction (uWS's shared compressor on uws), so
   * a socket holds no compression window.
   * @default false
   */
  compression?: boolean | undefined;
  /** Allowed `Origin` values; others get 403 before any upgrade. @default any origin */
  origins?: readonly string[] | undefined;
  /** Subprotocols this endpoint speaks, in order of preference. @default none */
  protocols?: readonly string[] | undefined;
  /**
   * Messages that may wait for the handler to read them; past it the socket
   * is closed with 1008.
   * @default 1024
   */
  maxQueued?: number | undefined;
  /**
   * Schema of the messages clients send (JSON). `socket.messages()` then
   * validates with it, and the typed client (`weft/client`) sends its input type.
   */
  receive?: z.ZodType | undefined;
  /**
   * Schema of the messages the server sends. `socket.send(value)` then takes
   * its input type and sends it as JSON, and the typed client iterates its output type.
   */
  send?: z.ZodType | undefined;
}

type Passed = 'origins' | 'protocols' | 'receive' | 'send';

export type ResolvedWsOptions = {
  readonly [K in Exclude<keyof WsOptions, Passed>]-?: Exclude<WsOptions[K], undefined>;
} & Pick<WsOptions, Passed>;

function intIn(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`ws: ${name} must be an integer from ${min} to ${max}, got ${v}`);
  }
  return v;
}

/** Fill defaults and check ranges; throws `RangeError` when a value would crash uWS. */
export function resolveWsOptions(o: WsOptions = {}): ResolvedWsOptions {
  const idle = o.idleTimeout ?? 120;
  if (idle !== 0) intIn('idleTimeout', idle, 8, 960);
  const bp = o.backpressure ?? 'close';
  if (bp !== 'close' && bp !== 'drop') throw new RangeError(`ws: backpressure must be 'close' or 'drop'`);
  return {
    maxPayload: intIn('maxPayload', o.maxPayload ?? 64 * 1024, 1, 2 ** 31 - 1),
    idleTimeout: idle,
    maxBackpressure: intIn('maxBackpressure', o.maxBackpressure ?? 1024 * 1024, 1024, 2 ** 31 - 1),
    backpressure: bp,
    compression: o.compression ?? false,
    maxQueued: intIn('maxQueued', o.maxQueued ?? 1024, 1, 1_000_000),
    origins: o.origins,
    protocols: o.protocols,
    receive: o.receive,
    send: o.send,
  };
}
