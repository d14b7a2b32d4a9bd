/**
 * weft: typed filter combinators on the uWebSockets.js reactor, or node:http + ws where uWS cannot load.
 *
 * Every public name is listed here on purpose; anything not exported is internal.
 */

export type { Backplane, BackplaneLink } from './broadcast/backplane.js';
export type { ChannelOptions } from './broadcast/index.js';
// Broadcast channel
export {
  ClosedError,
  channel,
  EmptyError,
  FullError,
  LaggedError,
  Receiver,
  RecvError,
  SendError,
  Sender,
} from './broadcast/index.js';
export type { FilesOptions } from './files/index.js';
export { files } from './files/index.js';
export { BodyTooLargeError, InvalidBodyError } from './filter/body-errors.js';
// Filters and combinators
export type { Accepted, Filter, NoRejection, Wrapper } from './filter/filter.js';
export { addr } from './filters/addr.js';
export { any, signal } from './filters/any.js';
export type { BodyOptions } from './filters/body.js';
export { body, DEFAULT_BODY_LIMIT } from './filters/body.js';
export type { CompressionOptions } from './filters/compression.js';
export { compression } from './filters/compression.js';
export type { CookieFilters } from './filters/cookie.js';
export { cookie } from './filters/cookie.js';
export type { CorsOptions } from './filters/cors.js';
export { cors } from './filters/cors.js';
export type { HeaderFilters } from './filters/header.js';
export { header, headers } from './filters/header.js';
export type { HealthOptions } from './filters/health.js';
// Observability (Prometheus metrics are in 'weft/metrics')
export { health } from './filters/health.js';
export type { LogInfo } from './filters/log.js';
export { log } from './filters/log.js';
export { del, get, head, method, options, patch, post, put } from './filters/method.js';
export type { FieldPart, FilePart, MultipartOptions, Part, UploadedFile } from './filters/multipart.js';
export type { Param, Rest } from './filters/params.js';
export { float, int, param, rest, str, uint, uuid } from './filters/params.js';
export type { PathFilters, PathPart, PathValues } from './filters/path.js';
export { path } from './filters/path.js';
export type { QueryFilters } from './filters/query.js';
export { query } from './filters/query.js';
// Replies and rejections
export { reply } from './filters/reply-headers.js';
export { logger, requestId } from './filters/request-id.js';
export type { SecureHeadersOptions } from './filters/secure-headers.js';
export { cspNonce, secureHeaders } from './filters/secure-headers.js';
export { lastEventId } from './filters/sse.js';
export type { OpenApiOptions, OperationDoc, ResponseDoc } from './openapi/index.js';
export { doc, openapi } from './openapi/index.js';
export type { Limits, ReactorChoice, ReactorInfo, TlsFiles } from './reactor/contract.js';
export { ListenError } from './reactor/listen-error.js';
export { NativeBindingError } from './reactor/native-binding-error.js';
export type { CookieOptions, CookieSettings } from './reply/cookies.js';
export { InvalidHeaderError } from './reply/headers.js';
export type { Problem } from './reply/problem.js';
export type { Issue, Reject } from './reply/rejection.js';
export {
  BodyConsumed,
  CorsForbidden,
  ForbiddenOrigin,
  HttpRejection,
  InvalidBody,
  InvalidCookie,
  InvalidHeader,
  InvalidPath,
  InvalidQuery,
  InvalidUpgrade,
  LengthRequired,
  MethodNotAllowed,
  MissingCookie,
  MissingHeader,
  NotFound,
  PayloadTooLarge,
  Rejection,
  reject,
  UnsupportedMediaType,
  UpgradeRequired,
} from './reply/rejection.js';
export type { Chunk, Replyable, ReplyBody, ReplyBuilder, SseEvent, SseOptions } from './reply/reply.js';
export { encodeSse, Reply, SizedBody, toReply } from './reply/reply.js';
export type { MetricsSink, ObservedServer, WsCounters } from './runtime/counters.js';
export type { PoolMode } from './runtime/pool.js';
export type { RequestIdMode } from './runtime/request-id-header.js';
export type { RequestMessage, TaskMessage, WsMessage } from './runtime/tracing.js';
export { WeftError } from './runtime/weft-error.js';
export type { CloseOptions, ListenOptions, ServeOptions } from './server/server.js';
// Server
export { Server, serve } from './server/server.js';
export { TimeoutError } from './server/timeout-error.js';
export type { WorkerInfo, WorkerPool, WorkersOptions } from './server/workers.js';
// Scale-out
export { workers } from './server/workers.js';
export type { ActorOptions } from './sync/index.js';
// tokio::sync beyond broadcast: mpsc, oneshot, watch, Semaphore, actors
export {
  ActorRef,
  actor,
  DEFAULT_MAILBOX,
  MpscReceiver,
  MpscSender,
  mpsc,
  OneshotReceiver,
  OneshotSender,
  oneshot,
  Permit,
  Semaphore,
  WatchReceiver,
  WatchSender,
  watch,
} from './sync/index.js';
export type { IntervalOptions, MissedTick, Selected, SpawnOptions } from './task/index.js';
// Tasks
export {
  Elapsed,
  interval,
  JoinHandle,
  join,
  select,
  shutdownBlockingPool,
  sleep,
  spawn,
  spawnBlocking,
  TaskAbortedError,
  timeout,
} from './task/index.js';
export type { CloseInfo, Parsed, SendResult, WsHandler, WsOptions } from './ws/index.js';
// WebSockets
export { Message, WsAccept, WsSocket, WsUpgrade, ws } from './ws/index.js';
