/** WebSockets: the ws() filter, the socket handlers receive, messages. */

export { Message } from './message.js';
export type { WsOptions } from './options.js';
export type { CloseInfo, Parsed, SendResult } from './socket.js';
export { WsSocket } from './socket.js';
export type { WsHandler } from './upgrade.js';
export { WsAccept, WsUpgrade, ws } from './upgrade.js';
