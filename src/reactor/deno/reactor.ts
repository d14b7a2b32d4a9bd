/**
 * The Deno reactor: Deno.serve and `Deno.upgradeWebSocket`, the only place
 * the `Deno` global is driven. Requests go through the shared fetch handling
 * (`../fetch/exchange.ts`); this file adds what is Deno's own: the peer's
 * address (the handler's `info.remoteAddr`), the upgrade (the 101 response
 * `Deno.upgradeWebSocket` makes, with weft's headers added), fan-out through
 * a JS hub (`./websocket.ts`), TLS from the PEM files' text, `reusePort` for
 * a pool, and the drain (`server.shutdown()` when no WebSocket is open, the
 * abort signal at the end).
 *
 * What Deno's own HTTP/1.1 parser decides before weft sees a request (see
 * the fetch module for the rest): a malformed head (a bad request line, a
 * space before a colon, obs-fold, a NUL, an HTTP/2.0 request line), a doubled
 * Host, Content-Length with Transfer-Encoding, a Content-Length that is not a
 * number, a head over 64 KiB and more than 128 header lines are answered 400
 * with an empty body and the connection closed. A missing Host is served (the
 * URL names `localhost`), methods Deno does not know (PURGE, FROB) reach weft,
 * chunk extensions and trailers are dropped, dot segments in the path are
 * kept, and a head that never completes is not cut (Deno.serve has no head
 * timeout). weft's own limits (414 past `maxUrlBytes`, 431 past
 * `maxHeadBytes` or `maxHeaders`) are measured in JS from the `Request`;
 * Deno joins repeated header lines into one, so they count once.
 *
 * Deno does not close a connection for a response's `Connection: close`
 * (denoland/deno#9411), and offers no way to close one from a handler: after
 * weft's closing answers (a refusal, a body left unread, the drain's 503) the
 * connection stays open, and Deno goes on reading requests from it. So that
 * nothing pipelined behind such an answer runs (a request smuggled behind a
 * refused one), the reactor remembers the connection (`ClosedConnections`)
 * and answers every later request on it with a 400 of its own, before any
 * filter runs. Only what Deno refuses itself closes at once.
 *
 * Deno aborts `request.signal` after every successful response unless it
 * runs with the `no-legacy-abort` unstable feature (weft's `deno.json` sets
 * it), and prints a warning once when it does; weft ignores an abort that
 * comes after its answer, so either way works.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fixedProblem } from '../../reply/problem.js';
import { newRequestId, REQUEST_ID_HEADER, sentRequestId } from '../../runtime/request-id-header.js';
import type { ResolvedWsOptions } from '../../ws/options.js';
import type { WsAccept } from '../../ws/upgrade.js';
import type { Reactor, ReactorHost, ReactorInfo, TlsFiles } from '../contract.js';
import { type FetchExchange, type FetchResult, type FetchRuntime, serveFetch } from '../fetch/exchange.js';
import { closingResponse } from '../fetch/response.js';
import { ListenError } from '../listen-error.js';
import { ClosedConnections } from './closed-connections.js';
import {
  type DenoGlobal,
  type DenoHttpServer,
  type DenoServeHandlerInfo,
  type DenoServeOptions,
  deno,
} from './deno-api.js';
import { DenoSockets } from './websocket.js';

/** The largest head Deno lets through (it answers 400 past it); weft measures heads against its own smaller limit. */
const DENO_HEAD_CAP = 64 * 1024;
/** The most header lines Deno lets through (it answers 400 past them). */
const DENO_MAX_HEADERS = 128;

/** The 400's detail for a request on a connection weft had already answered with `Connection: close`. */
export const CLOSED_DETAIL = 'the connection was closed by an earlier answer';

/** Deno's errors for an address that cannot be bound. */
const BIND_ERRORS = new Set(['AddrInUse', 'AddrNotAvailable', 'PermissionDenied']);

const NO_HUB = {
  publish() {},
  subscribers: () => 0,
};

/** The key as Deno takes it: PEM text, decrypted with the passphrase if there is one. */
function keyPem(tls: TlsFiles): string {
  const pem = readFileSync(tls.key, 'utf8');
  if (tls.passphrase === undefined) return pem;
  return createPrivateKey({ key: pem, passphrase: tls.passphrase }).export({ type: 'pkcs8', format: 'pem' }) as string;
}

export class DenoReactor implements Reactor {
  readonly info: ReactorInfo;
  private readonly deno: DenoGlobal;
  private server: DenoHttpServer | undefined;
  /** Aborted by `closeAll`: Deno then cuts every HTTP connection. */
  private readonly stopper = new AbortController();
  private readonly sockets: DenoSockets | undefined;
  private readonly runtime: FetchRuntime<DenoServeHandlerInfo>;
  /** Deno closed the server (its resource is gone: aborting `stopper` then would throw). */
  private finished = false;
  /** Connections weft answered with `Connection: close`, which Deno keeps open. */
  private readonly closed = new ClosedConnections();

  constructor(private readonly host: ReactorHost) {
    this.deno = deno();
    this.info = { name: 'deno', detail: `Deno.serve (deno ${this.deno.version.deno})` };
    this.sockets = host.needs.ws.size > 0 ? new DenoSockets(host.logger, host.wsCounters) : undefined;
    if (this.sockets !== undefined && [...host.needs.ws].some((o) => (o as ResolvedWsOptions).compression))
      host.logger?.warn(
        'ws({ compression }): Deno offers no permessage-deflate on server sockets; sending uncompressed',
      );
    const { maxHeadBytes, maxHeaders } = host.limits;
    if (maxHeadBytes > DENO_HEAD_CAP || maxHeaders > DENO_MAX_HEADERS) {
      host.logger?.warn(
        { denoHeadCap: DENO_HEAD_CAP, denoMaxHeaders: DENO_MAX_HEADERS, maxHeadBytes, maxHeaders },
        'Deno refuses heads over 64 KiB or 128 header lines itself (400): limits past those are not reached',
      );
    }
    this.runtime = {
      remoteAddress: (_req, info) => info.remoteAddr.hostname ?? '',
      // weft's closing answer, as it settles: refuse what comes next on the connection.
      closing: (req, info) => this.closed.mark(req, info),
      upgrade: this.sockets === undefined ? undefined : (ex, accept) => this.upgrade(ex, accept),
      headCap: DENO_HEAD_CAP,
      // With weft's limits at Deno's own, weft neither measures nor counts: Deno refuses past them (400).
      headerCap: DENO_MAX_HEADERS,
    };
  }

  get hub() {
    return this.sockets?.hub ?? NO_HUB;
  }

  get connections(): number {
    return this.sockets?.size ?? 0;
  }

  listen(host: string, port: number, shared: boolean, tls?: TlsFiles): Promise<number> {
    if (shared) {
      const why = reusePortMissing(this.deno);
      if (why !== undefined) return Promise.reject(new Error(why));
    }
    const options: DenoServeOptions = {
      hostname: host,
      port,
      // A pool's workers each bind the port (SO_REUSEPORT: the kernel spreads connections).
      reusePort: shared,
      signal: this.stopper.signal,
      onListen: () => {},
      onError: (err) => {
        this.host.logger?.error({ err }, 'weft internal error');
        return new Response(null, { status: 500, headers: { connection: 'close' } });
      },
    };
    if (tls !== undefined) {
      options.cert = readFileSync(tls.cert, 'utf8');
      options.key = keyPem(tls);
    }
    const handler = (req: Request, info: DenoServeHandlerInfo): Response | Promise<Response> => {
      if (this.closed.size > 0 && this.closed.has(info)) return this.afterClose(req, info);
      try {
        // Deno's handlers always get a response: the upgrade's is the 101 Deno made. A closing
        // answer marks its connection as it settles (`closing`); the promise only resolves.
        return serveFetch(this.host, this.runtime, req, info) as Response | Promise<Response>;
      } catch (err) {
        // Deno answers with onError's 500 (Connection: close, which it does not act on).
        this.closed.mark(req, info);
        throw err;
      }
    };
    try {
      this.server = this.deno.serve(options, handler);
    } catch (err) {
      if (BIND_ERRORS.has((err as Error).name)) return Promise.reject(new ListenError(host, port));
      return Promise.reject(err);
    }
    void this.server.finished.then(() => {
      this.finished = true;
    });
    return Promise.resolve(this.server.addr.port ?? port);
  }

  stopAccepting(): void {
    // Deno's shutdown() stops listening and closes idle connections, but it also closes every
    // WebSocket at once (1001 "Server shutting down"), before the requests in flight finish and
    // without weft's close. With sockets open the listener stays until closeAll: requests that
    // arrive meanwhile get the draining 503 (with Connection: close, which Deno does not act on).
    if (this.connections > 0 || this.server === undefined) return;
    this.server.shutdown().catch((err: unknown) => this.host.logger?.debug({ err }, 'Deno.serve shutdown failed'));
  }

  closeSockets(code: number, reason: string): void {
    this.sockets?.closeAll(code, reason);
  }

  closeAll(): void {
    this.sockets?.stop();
    // Cuts what is left at once (a graceful shutdown() begun above included).
    if (!this.finished) this.stopper.abort();
  }

  /**
   * A request on a connection weft already answered with `Connection: close`:
   * a client that went on (or a request smuggled behind a refused one). No
   * filter runs; the answer closes again, as far as Deno lets it.
   */
  private afterClose(req: Request, info: DenoServeHandlerInfo): Response {
    const ids = this.host.requestIds;
    const sent = ids === false ? '' : sentRequestId(req.headers.get(REQUEST_ID_HEADER) ?? undefined);
    const rid = sent === '' ? newRequestId() : sent;
    const url = req.url;
    const at = url.indexOf('/', url.indexOf('://') + 3);
    const q = url.indexOf('?', at);
    const path = at === -1 ? '/' : url.slice(at, q === -1 ? undefined : q);
    this.closed.mark(req, info);
    this.host.early(req.method, path, 400, rid);
    const reply = fixedProblem(400, CLOSED_DETAIL);
    const headers: [string, string][] = reply.headers.map(([n, v]) => [n, v]);
    if (sent !== '' || ids === 'always') headers.push([REQUEST_ID_HEADER, rid]);
    headers.push(['connection', 'close']);
    return new Response(reply.body as string, { status: 400, headers });
  }

  /** Let Deno make the 101 and add weft's headers (the chosen subprotocol among them) to it. */
  private upgrade(ex: FetchExchange, accept: WsAccept): FetchResult {
    let upgraded: ReturnType<DenoGlobal['upgradeWebSocket']>;
    try {
      // The subprotocol is not handed to Deno: it splits the offer on ", " only, and refuses a
      // protocol offered as "a,b". weft chose it from the offer; it goes on the 101 below.
      upgraded = this.deno.upgradeWebSocket(ex.req, { idleTimeout: accept.options.idleTimeout });
    } catch (err) {
      // The filters checked the handshake; Deno refusing it is not expected.
      this.host.logger?.debug({ err }, 'Deno refused a WebSocket upgrade');
      return refusedUpgrade();
    }
    const { socket, response } = upgraded;
    const headers = response.headers;
    if (accept.protocol !== '') headers.set('sec-websocket-protocol', accept.protocol);
    for (const [n, v] of accept.headers) headers.append(n, v);
    const id = ex.responseRequestId;
    if (id !== undefined) headers.set(REQUEST_ID_HEADER, id);
    const remote = ex.remoteAddress();
    (this.sockets as DenoSockets).add(socket, accept.options, (t) => this.host.openSocket(t, accept, remote));
    return response;
  }
}

/**
 * Why a pool's workers cannot share a port here, if they cannot: Deno.serve's
 * `reusePort` works on Linux only, and behind the `net` unstable feature
 * (without it Deno exits the process at the bind, so this is asked first).
 */
function reusePortMissing(d: DenoGlobal): string | undefined {
  if (process.platform !== 'linux')
    return `weft: workers() under Deno shares the port with SO_REUSEPORT, which Deno.serve offers only on Linux (this is ${process.platform}); run one process per port behind a balancer, or run workers() on Node`;
  if (typeof d.listenDatagram !== 'function')
    return 'weft: workers() under Deno shares the port with Deno.serve\'s reusePort, which needs the net unstable feature: run deno with --unstable-net, or add "net" to "unstable" in deno.json';
  return undefined;
}

/** Deno refused a handshake the filters accepted. */
function refusedUpgrade(): Response {
  const reply = fixedProblem(400, 'Not a WebSocket upgrade request');
  return closingResponse(
    new Response(reply.body as string, {
      status: 400,
      headers: [...reply.headers.map(([n, v]) => [n, v] as [string, string]), ['connection', 'close']],
    }),
  );
}
