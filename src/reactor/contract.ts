/**
 * The seam between the reactor-neutral `Server` and a reactor (uWebSockets.js
 * in `./uws/`, node:http + `ws` in `./node/`, Bun.serve in `./bun/`, Deno.serve
 * in `./deno/`; the fetch-style request handling Bun and Deno share is in `./fetch/`).
 *
 * A reactor owns sockets: it accepts connections, parses requests, turns each
 * into an `Exchange` and hands it to `ReactorHost.handle`; it writes the reply
 * the Server settles on, completes WebSocket upgrades and carries frames. The
 * Server owns everything else (the filters, in-flight tracking, drain, handler
 * timeout, the access log, the upgrade decision, connection tasks) and never
 * sees a reactor's own objects.
 */
import type { Logger } from 'pino';
import type { TopicHub } from '../broadcast/channel.js';
import type { Needs, RequestSource } from '../filter/request-source.js';
import type { Reply } from '../reply/reply.js';
import type { WsCounters } from '../runtime/counters.js';
import type { RequestIdMode } from '../runtime/request-id-header.js';
import type { Transport, WsSocket } from '../ws/socket.js';
import type { WsAccept } from '../ws/upgrade.js';

/** A certificate and key for TLS, as PEM file paths (what uWS's `SSLApp` takes). */
export interface TlsFiles {
  /** PEM certificate (chain) file. */
  readonly cert: string;
  /** PEM private key file. */
  readonly key: string;
  /** The key's passphrase, if it is encrypted. */
  readonly passphrase?: string | undefined;
}

/**
 * Which reactor to run on. `'auto'`: bun under Bun, deno under Deno; on Node
 * uws when a native build loads, else node.
 */
export type ReactorChoice = 'auto' | 'uws' | 'node' | 'bun' | 'deno';

/** Which reactor a server runs on, and which build. */
export interface ReactorInfo {
  readonly name: 'uws' | 'node' | 'bun' | 'deno';
  /**
   * e.g. `uWebSockets.js 20.57.0 (@btc-vision/uwebsockets.js)`, `node:http (node v26.1.0) + ws 8.18.3`
   * `Bun.serve (bun 1.4.4)` or `Deno.serve (deno 2.9.6)`.
   */
  readonly detail: string;
}

/** Request limits, the same on every reactor. */
export interface Limits {
  /**
   * Longest request target (path and query) in bytes; longer is a 414.
   * @default 8192
   */
  maxUrlBytes?: number | undefined;
  /**
   * Largest request head (request line and headers) in bytes; larger is a 431.
   * @default 16384
   */
  maxHeadBytes?: number | undefined;
  /**
   * Most header lines in a request; more is a 431.
   * @default 100
   */
  maxHeaders?: number | undefined;
}

/** Every limit, set. */
export type ResolvedLimits = { readonly [K in keyof Limits]-?: Exclude<Limits[K], undefined> };

export const DEFAULT_LIMITS: ResolvedLimits = { maxUrlBytes: 8192, maxHeadBytes: 16384, maxHeaders: 100 };

export function resolveLimits(l: Limits = {}): ResolvedLimits {
  const out = {
    maxUrlBytes: l.maxUrlBytes ?? DEFAULT_LIMITS.maxUrlBytes,
    maxHeadBytes: l.maxHeadBytes ?? DEFAULT_LIMITS.maxHeadBytes,
    maxHeaders: l.maxHeaders ?? DEFAULT_LIMITS.maxHeaders,
  };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`limits.${k} must be a positive integer, got ${String(v)}`);
  }
  return out;
}

/**
 * One HTTP request as a reactor presents it: what the filters read
 * (`RequestSource`) plus what the Server needs to answer it.
 */
export interface Exchange extends RequestSource {
  /** Status written, for the access log; 0 until a reply is written. */
  status: number;
  /** The client left, or the Server gave up on the request. */
  readonly aborted: boolean;
  /**
   * The reactor closed the connection before the answer, not the client (uWS
   * does so when a request is pipelined behind one whose answer is pending).
   */
  readonly dropped: boolean;
  /** The `x-request-id` the response carries, or `undefined` for none (the server's `requestId` option). */
  readonly responseRequestId: string | undefined;
  /** The request's id for log lines: `requestId`, without counting as a read that puts it on the response. */
  readonly logRequestId: string;
  /** The framing announced a body the filters left (partly) unread: close after replying (unless `discardBody`). */
  readonly bodyUnread: boolean;
  /** After the reply: drop the unread rest of the body instead of closing, when the reactor can and it is small. */
  discardBody(): boolean;
  /** The request arrived on the reactor's upgrade path and can become a WebSocket. */
  readonly canUpgrade: boolean;
  /** Run `fn` with its writes batched (uWS `cork`); required for writes after an `await`. */
  cork(fn: () => void): void;
  /** Write `reply` (`close`: end the connection after it). A promise only for streamed bodies. */
  respond(reply: Reply, close: boolean): void | Promise<void>;
  /** Call `fn` once if the client goes away before the reply is complete. Call it synchronously. */
  onAbort(fn: () => void): void;
  /** Start reading the body now (a filter may read it after an `await`). */
  startBody(): void;
  /** A body is announced with a `Content-Length` of at most `max` (and none of it read yet). */
  bodyPrefetchable(max: number): boolean;
  /** Read the whole (prefetchable) body; `complete` runs, from the reactor's data callback, once it is in. */
  prefetchBody(complete: () => void): void;
  /** Fail readers and the signal; the reply is no longer wanted. */
  abort(reason?: Error): void;
  /** Complete the WebSocket handshake the filters accepted (only when `canUpgrade`). */
  upgrade(accept: WsAccept): void;
}

/** What the Server offers a reactor. */
export interface ReactorHost {
  readonly logger: Logger | undefined;
  readonly limits: ResolvedLimits;
  /** What the filter tree reads: copy only this. */
  readonly needs: Needs;
  /** Draining: answer new requests with `drainingReply(path)`, closing the connection. */
  readonly closing: boolean;
  /** The 503 for a request that arrives while draining (a health route answers its own). */
  drainingReply(path: string): Reply;
  /** WebSocket message counts (the reactor's sockets and hubs add to them). */
  readonly wsCounters: WsCounters;
  /** Which responses carry `x-request-id`; `false`: do not read the client's either. */
  readonly requestIds: RequestIdMode;
  /**
   * The reactor answered a request itself, before any filter ran (a framing
   * 400, 414, 431, a draining 503): count and log it.
   */
  early(method: string, path: string, status: number, requestId: string): void;
  /** Run the filters for one request and answer it. */
  handle(ex: Exchange): void;
  /** A WebSocket opened: make its socket and spawn its task (see `src/ws/open.ts`). */
  openSocket(transport: Transport, accept: WsAccept, remote: string): WsSocket;
}

/** A reactor: sockets in, `Exchange`s out. */
export interface Reactor {
  readonly info: ReactorInfo;
  /** Where `socket.subscribe(tx)` attaches sockets for native fan-out. */
  readonly hub: TopicHub;
  /** Open WebSocket connections. */
  readonly connections: number;
  /**
   * Bind; resolves with the bound port, rejects with `ListenError` when the port is taken.
   * `shared`: the workers of a pool share the port (SO_REUSEPORT on uws, bun and deno, the cluster primary on node).
   * `tls`: serve HTTPS (and `wss:`) with this certificate and key (already checked to load).
   */
  listen(host: string, port: number, shared: boolean, tls?: TlsFiles): Promise<number>;
  /** Stop accepting connections; idle kept-alive connections may be closed. */
  stopAccepting(): void;
  /** Send a close frame with `code` to every open WebSocket. */
  closeSockets(code: number, reason: string): void;
  /** Cut every connection that is left. */
  closeAll(): void;
}

/** Build a reactor for a host. */
export type ReactorFactory = (host: ReactorHost) => Reactor;
