/** The broadcast channel: `channel()`, `Sender`, `Receiver` and their errors. */

export { ClosedError, EmptyError, FullError, LaggedError, RecvError, SendError } from '../sync/channel-errors.js';
export type { ChannelOptions, TopicHub } from './channel.js';
export { channel, Receiver, Sender } from './channel.js';
