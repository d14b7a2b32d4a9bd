/**
 * The one place a WebSocket connection is set up, for every reactor and the
 * in-process harness: make the `WsSocket` over the reactor's `Transport` and
 * run the route's handler as the connection's task. The task is aborted when
 * the socket closes; a handler that returns closes the socket with 1000, one
 * that throws closes it with 1011 and is logged.
 */
import type { Logger } from 'pino';
import type { JoinHandle } from '../task/spawn.js';
import type { WsCounters } from '../server/observe.js';
import type { WsAccept } from './filter.js';
import { type Transport, WsSocket } from './socket.js';

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
  const { options, handler } = accept;
  const socket = new WsSocket(transport, remote, accept.protocol, options.maxQueued, options.maxPayload, counters);
  // A handler that does not take `signal` does not pay for one.
  const task = spawnTask(handler.length >= 2 ? (signal) => handler(socket, signal) : () => handler(socket, NEVER));
  socket.task = task;
  task.onDone((own) => {
    if (socket.isClosed) return;
    if (own.ok) {
      socket.close(1000, '');
    } else if (!task.aborted) {
      logger?.error({ err: own.error }, 'websocket handler failed');
      socket.close(1011, 'internal error');
    }
  });
  return socket;
}
