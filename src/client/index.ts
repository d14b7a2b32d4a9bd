/**
 * `weft/client`: the typed client. Browser-safe (only `fetch` and
 * `WebSocket`); it imports nothing from the server at run time.
 */
export type { ClientOptions } from './client.js';
export { client, form } from './client.js';
export type {
  ClientCloseInfo,
  LostInfo,
  ReconnectOptions,
  WebSocketConstructor,
  WebSocketLike,
} from './socket.js';
export { AskError, ClientMessageError, ClientSocket } from './socket.js';
export type {
  CallOptions,
  Client,
  ClientResponse,
  FormBody,
  InputOf,
  Node,
  OutputOf,
  QueryValue,
  RoutesOf,
  SocketCallOptions,
} from './types.js';
