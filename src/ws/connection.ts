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

export function runConnection(
  socket: WsSocket,
  handler: WsHandler,
  spawnTask: (fn: (signal: AbortSignal) => Promise<void>) => JoinHandle<void>,
  logger: Logger | undefined,
): JoinHandle<void> {
  const task = spawnTask(async (signal) => {
    void socket.closed().then(() => task.abort('socket closed'));
    await handler(socket, signal);
  });
  void task.finished.then(async () => {
    try {
      await task;
      socket.close(1000, '');
    } catch (err) {
      if (socket.isClosed || task.signal.aborted) return;
      logger?.error({ err }, 'websocket handler failed');
      socket.close(1011, 'internal error');
    }
  });
  return task;
}
