/** The broadcast channel: `channel()`, `Sender`, `Receiver` and their errors. */
export { channel, Sender, Receiver } from './channel.js';
export type { ChannelOptions, TopicHub } from './channel.js';
export { SendError, FullError, LaggedError, ClosedError, EmptyError, RecvError } from '../sync/channel-errors.js';
