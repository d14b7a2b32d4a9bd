/** `weft/test`: the in-process harness. */
export { request, RequestBuilder } from './request.js';
export type { TestResponse, QueryValue } from './request.js';
export { wsRequest, WsRequestBuilder, WsClient, HandshakeRejected, WsClosedError } from './ws.js';
