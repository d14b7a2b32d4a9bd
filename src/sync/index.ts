/** tokio::sync beyond broadcast: mpsc, oneshot, watch, Semaphore, and actors built on them. */

export type { ActorOptions } from './actor.js';
export { ActorRef, actor, DEFAULT_MAILBOX } from './actor.js';
export { ClosedError, EmptyError, FullError, LaggedError, RecvError, SendError } from './channel-errors.js';
export { MpscReceiver, MpscSender, mpsc } from './mpsc.js';
export { OneshotReceiver, OneshotSender, oneshot } from './oneshot.js';
export { Permit, Semaphore } from './semaphore.js';
export { WatchReceiver, WatchSender, watch } from './watch.js';
