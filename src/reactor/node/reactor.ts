/**
 * The node:http + `ws` reactor: the only place node:http serves and `ws` is
 * loaded at run time. It runs where no native uWS build loads, with the same
 * semantics: keep-alive and pipelining (node's), bodies read under a limit and
 * never past `limit + 1`, streams with backpressure, client aborts, weft's
 * request limits (414 / 431, framing 400s answered as problems), and
 * WebSockets upgraded with `noServer` only after the whole filter chain
 * accepted.
 */

import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createRequire } from 'node:module';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { fixedProblem } from '../../reply/problem.js';
import type { Reply } from '../../reply/reply.js';
import { newRequestId, REQUEST_ID_HEADER, sentRequestId } from '../../runtime/request-id-header.js';
import type { ResolvedWsOptions } from '../../ws/options.js';
import type { WsAccept } from '../../ws/upgrade.js';
import type { Reactor, ReactorHost, ReactorInfo, TlsFiles } from '../contract.js';
import { framingError, headTooLarge, targetTooLong, tooManyHeaders } from '../framing.js';
import { ListenError } from '../listen-error.js';
import { NO_BODY, StreamedBody } from '../streamed-body.js';
import { closing, NodeChunks, NodeExchange } from './request.js';
import { keepAcceptableOffers, NodeSockets, wsServerOptions } from './websocket.js';
import { writeRaw } from './write.js';

type WsModule = typeof import('ws');

const require = createRequire(import.meta.url);

/** How many header lines named `name` (lower case) are in node's `rawHeaders`. */
function countLines(raw: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === name) n++;
  return n;
}
/** The head must arrive within this long, and kept-alive connections idle this long close (uWS: 10 s). */
const IDLE_MS = 10_000;
/** The whole request (head and body) must arrive within this long: a slow POST is cut (uWS cuts it at about 10 s). */
const REQUEST_MS = 15_000;

/** The answer to a request node's parser refused, by llhttp error code. */
function parseErrorReply(code: string | undefined): Reply {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return headTooLarge();
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return fixedProblem(400, 'Unsupported or conflicting Transfer-Encoding');
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return fixedProblem(400, 'Content-Length with Transfer-Encoding, or more than one Content-Length');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return fixedProblem(408, 'The request did not arrive in time');
    default:
      return fixedProblem(400, 'Malformed request');
  }
}

export class NodeReactor implements Reactor {
  readonly info: ReactorInfo;
  /** Made at `listen` (`https` with TLS). */
  private server: HttpServer | undefined;
  private readonly ws: WsModule | undefined;
  private readonly sockets: NodeSockets;
  private readonly wss = new Map<string, WebSocketServer>();
  private readonly pendingAccept = new WeakMap<IncomingMessage, { accept: WsAccept; requestId: string | undefined }>();

  constructor(private readonly host: ReactorHost) {
    const needsWs = host.needs.ws.size > 0;
    this.ws = needsWs ? (require('ws') as WsModule) : undefined;
    const wsVersion = (require('ws/package.json') as { version: string }).version;
    this.info = { name: 'node', detail: `node:http (node ${process.version}) + ws ${wsVersion}` };
    this.sockets = new NodeSockets(host.logger, host.wsCounters);
  }

  /** The server: `https` with TLS, else `http`; the same limits and handlers either way. */
  private makeServer(tls: TlsFiles | undefined): HttpServer {
    const host = this.host;
    const options = {
      maxHeaderSize: host.limits.maxHeadBytes,
      headersTimeout: IDLE_MS,
      requestTimeout: REQUEST_MS,
      keepAliveTimeout: IDLE_MS,
      connectionsCheckingInterval: 1000,
    };
    const onRequest = (req: IncomingMessage, res: ServerResponse) => this.request(req, res, undefined, undefined);
    const server = tls
      ? createHttpsServer(
          { ...options, cert: readFileSync(tls.cert), key: readFileSync(tls.key), passphrase: tls.passphrase },
          onRequest,
        )
      : createServer(options, onRequest);
    server.maxHeadersCount = 0; // counted by weft (431), never silently cut
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.clientError(err, socket));
    if (this.ws !== undefined) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        // node drops its own 'error' listener from an upgraded socket: a peer that resets
        // while a rejection is written must not crash the process.
        socket.on('error', (err) => host.logger?.debug({ err }, 'upgrade socket error'));
        this.request(req, undefined, socket, head);
      });
    }
    return server;
  }

  get hub() {
    return this.sockets.hub;
  }

  get connections(): number {
    return this.sockets.size;
  }

  listen(host: string, port: number, shared: boolean, tls?: TlsFiles): Promise<number> {
    const server = (this.server = this.makeServer(tls));
    return new Promise((resolve, reject) => {
      const onError = () => reject(new ListenError(host, port));
      server.once('error', onError);
      // exclusive: a second server on the port fails instead of sharing it; a cluster
      // worker of a pool (shared) binds through the primary, which hands out connections.
      server.listen({ host, port, exclusive: !shared }, () => {
        server.off('error', onError);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
      });
    });
  }

  stopAccepting(): void {
    // http.Server#close also closes idle kept-alive connections (Node >= 19); weft keeps them
    // until the deadline and answers their next request with 503 + close, as on uWS.
    if (this.server !== undefined) net.Server.prototype.close.call(this.server);
  }

  closeSockets(code: number, reason: string): void {
    this.sockets.closeAll(code, reason);
  }

  closeAll(): void {
    this.sockets.stop();
    this.server?.close(() => {}); // stops node's connection-checking timer; the listener is already closed
    this.server?.closeAllConnections();
  }

  private clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    // The client reset, left mid-request (its request, if one was in flight, is logged as aborted),
    // or cannot be written to: nothing to answer.
    if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
      socket.destroy();
      return;
    }
    // The bytes after an answer that closes the connection are not a request: one answer
    // per request, and node closes the socket once that answer is out.
    if (closing.has(socket)) return;
    // The head did not parse: no method or path to report.
    const id = newRequestId();
    const ex = { method: 'GET', responseRequestId: this.host.requestIds === 'always' ? id : undefined };
    const reply = parseErrorReply(err.code);
    void writeRaw(socket, ex, reply);
    this.host.early('', '', reply.statusCode, id);
  }

  /** Why the request is answered before any filter runs, if it is. */
  private refusal(
    req: IncomingMessage,
    url: string,
    cl: string | undefined,
    te: string | undefined,
  ): Reply | undefined {
    const host = this.host;
    if (host.closing) return host.drainingReply(url.split('?', 1)[0] as string);
    if (req.httpVersionMajor !== 1) return fixedProblem(505, 'Only HTTP/1.x is served here');
    const limits = host.limits;
    if (url.length > limits.maxUrlBytes) return targetTooLong(limits);
    if (req.rawHeaders.length > 2 * limits.maxHeaders) return tooManyHeaders(limits);
    if (cl === undefined && te === undefined) return undefined;
    // node's parser refuses Content-Length with Transfer-Encoding and doubled lengths itself,
    // and joins repeated Transfer-Encoding lines into one value: count them here.
    return framingError(cl, te, 1, te === undefined ? 0 : countLines(req.rawHeaders, 'transfer-encoding'));
  }

  /** Answer before any filter ran, and close (a method, not a closure made per request). */
  private early(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    socket: Duplex | undefined,
    head: Buffer | undefined,
    method: string,
    url: string,
    rid: string,
    reply: Reply,
  ): void {
    const ex = new NodeExchange(
      req,
      res,
      method,
      '/',
      '',
      NO_BODY,
      this.host.logger,
      rid,
      this.host.requestIds,
      socket,
      head,
      undefined,
    );
    void ex.respond(reply, true);
    const q = url.indexOf('?');
    this.host.early(method, q === -1 ? url : url.slice(0, q), reply.statusCode, ex.logRequestId);
  }

  private request(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    socket: Duplex | undefined,
    head: Buffer | undefined,
  ): void {
    const host = this.host;
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const sent = host.requestIds === false ? undefined : req.headers[REQUEST_ID_HEADER];
    const rid = typeof sent === 'string' ? sentRequestId(sent) : '';
    // A request pipelined behind an answer that closes the connection is never run (nor answered).
    if (closing.has(req.socket)) return;
    const h = req.headers;
    const te = h['transfer-encoding'];
    const cl = h['content-length'];
    const refusal = this.refusal(req, url, cl, te);
    if (refusal !== undefined) {
      this.early(req, res, socket, head, method, url, rid, refusal);
      return;
    }
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    let body = NO_BODY;
    if (res !== undefined && host.needs.body) {
      // framingError refused a Content-Length that is not plain digits.
      const contentLength = cl === undefined ? undefined : Number(cl);
      const expected = (contentLength ?? 0) > 0 || te !== undefined;
      if (expected || contentLength !== undefined)
        body = new StreamedBody(new NodeChunks(req), contentLength, expected);
    }
    const upgrader =
      socket !== undefined ? (ex: NodeExchange, accept: WsAccept) => this.upgrade(ex, accept) : undefined;
    host.handle(
      new NodeExchange(req, res, method, path, query, body, host.logger, rid, host.requestIds, socket, head, upgrader),
    );
  }

  private serverFor(o: ResolvedWsOptions): WebSocketServer {
    const key = `${o.maxPayload}:${o.compression}`;
    let wss = this.wss.get(key);
    if (wss === undefined) {
      const ws = this.ws as WsModule;
      wss = new ws.WebSocketServer({
        noServer: true,
        clientTracking: false,
        ...wsServerOptions(ws, o),
        handleProtocols: (_offered, req) => this.pendingAccept.get(req)?.accept.protocol || false,
      });
      wss.on('headers', (headers: string[], req: IncomingMessage) => {
        const pending = this.pendingAccept.get(req);
        if (pending === undefined) return;
        for (const [n, v] of pending.accept.headers) headers.push(`${n}: ${v}`);
        if (pending.requestId !== undefined) headers.push(`${REQUEST_ID_HEADER}: ${pending.requestId}`);
      });
      this.wss.set(key, wss);
    }
    return wss;
  }

  private upgrade(ex: NodeExchange, accept: WsAccept): void {
    const { req, socket, head } = ex;
    if (socket === undefined || head === undefined) return;
    this.pendingAccept.set(req, { accept, requestId: ex.responseRequestId });
    const remote = ex.remoteAddress();
    keepAcceptableOffers(req, accept.options);
    this.serverFor(accept.options).handleUpgrade(req, socket, head, (ws: WebSocket) => {
      this.pendingAccept.delete(req);
      this.sockets.add(ws, socket, accept.options, (t) => this.host.openSocket(t, accept, remote));
    });
  }
}
