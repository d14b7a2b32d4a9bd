/**
 * The one place a WebSocket connection is set up, for every reactor and the
 * in-process harness: make the `WsSocket` over the reactor's `Transport` and
 * run the route's handler as the connection's task. The task is aborted when
 * the socket closes; a handler that returns closes the socket with 1000, one
 * that throws closes it with 1011 and is logged.
 */
import type { Logger } from 'pino';
import type { WsCounters } from '../runtime/counters.js';
import type { JoinHandle, Outcome } from '../task/spawn.js';
import { type Transport, WsSocket } from './socket.js';
import type { WsAccept, WsHandler } from './upgrade.js';

/** Handed to handlers that declare no `signal` parameter (they cannot read it). */
const NEVER: AbortSignal = new AbortController().signal;

export type SpawnTask = (fn: (signal: AbortSignal) => void | Promise<void>) => JoinHandle<void>;

/** Open a connection the filters accepted: its socket, with its handler running as a task. */
export function openConnection(
  transport: Transport,
  accept: WsAccept,
  remote: string,
  spawnTask: SpawnTask,
  logger: Logger | undefined,
  counters: WsCounters,
): WsSocket {
  const { options } = accept;
  // The handler was typed by the route's schemas; the socket is what they describe.
  const handler = accept.handler as unknown as WsHandler;
  const socket = new WsSocket(transport, remote, accept.protocol, options, counters, accept.resume);
  // A handler that does not take `signal` does not pay for one.
  const task = spawnTask(handler.length >= 2 ? (signal) => handler(socket, signal) : () => handler(socket, NEVER));
  socket.task = task;
  task.onDone(new HandlerDone(socket, task, logger));
  return socket;
}

/**
 * Closes the socket when its handler returns (1000) or throws (1011, logged).
 * An object with a method rather than a closure: a closure would keep the
 * whole of `openConnection`'s scope alive for as long as the connection.
 */
class HandlerDone {
  constructor(
    private readonly socket: WsSocket,
    private readonly task: JoinHandle<void>,
    private readonly logger: Logger | undefined,
  ) {}

  taskDone(own: Outcome<void>): void {
    const socket = this.socket;
    if (socket.isClosed) return;
    if (own.ok) {
      socket.close(1000, '');
    } else if (!this.task.aborted) {
      this.logger?.error({ err: own.error }, 'websocket handler failed');
      socket.close(1011, 'internal error');
    }
  }
}
