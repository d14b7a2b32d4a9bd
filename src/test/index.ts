/** `weft/test`: the in-process harness. */

export type { TestClientOptions } from './client.js';
export { testClient } from './client.js';
export type { QueryValue, TestResponse } from './request.js';
export { RequestBuilder, request } from './request.js';
export { HandshakeRejected, WsClient, WsClosedError, WsRequestBuilder, wsRequest } from './ws.js';
