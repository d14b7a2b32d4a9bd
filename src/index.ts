/**
 * weft: typed filter combinators on the uWebSockets.js reactor, or node:http + ws where uWS cannot load.
 *
 * Every public name is listed here on purpose; anything not exported is internal.
 */

// Filters and combinators
export type { Filter, Wrapper, Accepted, NoRejection } from './filter/filter.js';
export { path } from './filters/path.js';
export type { PathPart, PathValues, PathFilters } from './filters/path.js';
export { str, int, uint, float, uuid, param, rest } from './filters/params.js';
export type { Param, Rest } from './filters/params.js';
export { get, post, put, patch, del, head, options, method } from './filters/method.js';
export { query } from './filters/query.js';
export type { QueryFilters } from './filters/query.js';
export { header, headers } from './filters/header.js';
export type { HeaderFilters } from './filters/header.js';
export { cookie } from './filters/cookie.js';
export type { CookieFilters } from './filters/cookie.js';
export { body, DEFAULT_BODY_LIMIT } from './filters/body.js';
export type { BodyOptions } from './filters/body.js';
export type { Part, FieldPart, FilePart, UploadedFile, MultipartOptions } from './filters/multipart.js';
export { addr } from './filters/addr.js';
export { any, signal } from './filters/any.js';
export { cors } from './filters/cors.js';
export type { CorsOptions } from './filters/cors.js';
export { log } from './filters/log.js';
export { compression } from './filters/compression.js';
export type { CompressionOptions } from './filters/compression.js';
export type { LogInfo } from './filters/log.js';
export { requestId, logger } from './filters/request-id.js';
export { lastEventId } from './filters/sse.js';
export { files } from './files/index.js';
export { openapi, doc } from './openapi/index.js';
export type { OpenApiOptions, OperationDoc, ResponseDoc } from './openapi/index.js';
export type { FilesOptions } from './files/index.js';
export { BodyTooLargeError, InvalidBodyError } from './filter/body-errors.js';

// WebSockets
export { ws, WsUpgrade, WsAccept, WsSocket, Message } from './ws/index.js';
export type { WsHandler, WsOptions, SendResult, Parsed, CloseInfo } from './ws/index.js';

// Broadcast channel
export { channel, Sender, Receiver, SendError, FullError, LaggedError, ClosedError, EmptyError, RecvError } from './broadcast/index.js';
export type { ChannelOptions } from './broadcast/index.js';
export type { Backplane, BackplaneLink } from './broadcast/backplane.js';

// tokio::sync beyond broadcast: mpsc, oneshot, watch, Semaphore, actors
export {
  mpsc,
  MpscSender,
  MpscReceiver,
  oneshot,
  OneshotSender,
  OneshotReceiver,
  watch,
  WatchSender,
  WatchReceiver,
  Semaphore,
  Permit,
  actor,
  ActorRef,
  DEFAULT_MAILBOX,
} from './sync/index.js';
export type { ActorOptions } from './sync/index.js';

// Scale-out
export { workers } from './server/workers.js';
export type { WorkerInfo, WorkersOptions, WorkerPool } from './server/workers.js';
export type { PoolMode } from './runtime/pool.js';

// Tasks
export {
  spawn,
  JoinHandle,
  TaskAbortedError,
  sleep,
  interval,
  timeout,
  join,
  select,
  Elapsed,
  spawnBlocking,
  shutdownBlockingPool,
} from './task/index.js';
export type { SpawnOptions, Selected, IntervalOptions, MissedTick } from './task/index.js';

// Replies and rejections
export { reply } from './filters/reply-headers.js';
export { Reply, SizedBody, toReply, encodeSse } from './reply/reply.js';
export type { ReplyBody, ReplyBuilder, Replyable, SseEvent, SseOptions, Chunk } from './reply/reply.js';
export { InvalidHeaderError } from './reply/headers.js';
export type { CookieOptions, CookieSettings } from './reply/cookies.js';
export { secureHeaders, cspNonce } from './filters/secure-headers.js';
export type { SecureHeadersOptions } from './filters/secure-headers.js';
export type { Problem } from './reply/problem.js';
export {
  Rejection,
  reject,
  HttpRejection,
  NotFound,
  MethodNotAllowed,
  InvalidPath,
  InvalidQuery,
  MissingHeader,
  InvalidHeader,
  MissingCookie,
  InvalidCookie,
  InvalidBody,
  LengthRequired,
  PayloadTooLarge,
  UnsupportedMediaType,
  BodyConsumed,
  CorsForbidden,
  UpgradeRequired,
  InvalidUpgrade,
  ForbiddenOrigin,
} from './reply/rejection.js';
export type { Issue, Reject } from './reply/rejection.js';

// Server
export { serve, Server } from './server/server.js';
export type { ServeOptions, ListenOptions, CloseOptions } from './server/server.js';
export { ListenError } from './reactor/listen-error.js';
export { WeftError } from './runtime/weft-error.js';
export { TimeoutError } from './server/timeout-error.js';

// Observability (Prometheus metrics are in 'weft/metrics')
export { health } from './filters/health.js';
export type { HealthOptions } from './filters/health.js';
export type { MetricsSink, ObservedServer, WsCounters } from './runtime/counters.js';
export type { RequestMessage, TaskMessage, WsMessage } from './runtime/tracing.js';
export type { ReactorChoice, ReactorInfo, Limits, TlsFiles } from './reactor/contract.js';
export { NativeBindingError } from './reactor/native-binding-error.js';
