/** tokio::sync beyond broadcast: mpsc, oneshot, watch, Semaphore, and actors built on them. */
export { mpsc, MpscSender, MpscReceiver } from './mpsc.js';
export { oneshot, OneshotSender, OneshotReceiver } from './oneshot.js';
export { watch, WatchSender, WatchReceiver } from './watch.js';
export { Semaphore, Permit } from './semaphore.js';
export { actor, ActorRef, DEFAULT_MAILBOX } from './actor.js';
export type { ActorOptions } from './actor.js';
export { SendError, FullError, LaggedError, ClosedError, EmptyError, RecvError } from './channel-errors.js';
