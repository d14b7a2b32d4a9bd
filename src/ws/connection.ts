/**
 * Run a connection's handler as its task: the task is aborted when the
 * socket closes; a handler that returns closes the socket with 1000, one
 * that throws closes it with 1011 and is logged. Shared by the server and the
 * in-process harness.
 */
import type { Logger } from 'pino';
import type { JoinHandle } from '../task/spawn.js';
import type { WsHandler } from './filter.js';
import type { WsSocket } from './socket.js';

/** Handed to handlers that declare no `signal` parameter (they cannot read it). */
const NEVER: AbortSignal = new AbortController().signal;

export function runConnection(
  socket: WsSocket,
  handler: WsHandler,
  spawnTask: (fn: (signal: AbortSignal) => void | Promise<void>) => JoinHandle<void>,
  logger: Logger | undefined,
): JoinHandle<void> {
  // A handler that does not take `signal` does not pay for one.
  const task = spawnTask(handler.length >= 2 ? (signal) => handler(socket, signal) : () => handler(socket, NEVER));
  socket.onCloseHook = () => task.abort('socket closed');
  task.onDone((own) => {
    if (socket.isClosed) return;
    if (own.ok) {
      socket.close(1000, '');
    } else if (!task.aborted) {
      logger?.error({ err: own.error }, 'websocket handler failed');
      socket.close(1011, 'internal error');
    }
  });
  return task;
}
