/** WebSockets: the ws() filter, the socket handlers receive, messages. */
export { ws, WsUpgrade, WsAccept } from './upgrade.js';
export type { WsHandler } from './upgrade.js';
export { WsSocket } from './socket.js';
export type { SendResult, Parsed, CloseInfo } from './socket.js';
export { Message } from './message.js';
export type { WsOptions } from './options.js';
