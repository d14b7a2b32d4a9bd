/**
 * The Bun reactor: Bun.serve with native WebSockets, the only place the `Bun`
 * global is driven. Requests go through the shared fetch handling
 * (`../fetch/exchange.ts`); this file adds what is Bun's own: the peer's
 * address (`server.requestIP`), the upgrade (`server.upgrade` with the
 * socket's data), pub/sub fan-out (`server.publish`), TLS from `Bun.file`,
 * `reusePort` for a pool, and the drain (`server.stop`).
 *
 * What Bun decides before weft sees a request (see the fetch module for the
 * rest), measured on Bun 1.4:
 * - a head over Bun's cap (`--max-http-header-size`, 16 KiB by default) or
 *   with more than 198 header lines: 431 from Bun (weft's own 431 comes first
 *   at its 100 lines);
 * - a malformed head, a folded header line, a missing Host on HTTP/1.1,
 *   Content-Length with Transfer-Encoding, two different Content-Lengths, a
 *   transfer coding other than chunked: 400 from Bun, closed; HTTP/2.0 in
 *   the request line (or bare LF line ends): 505;
 * - a lower-case or made-up method (`get`, `FROB`): closed unanswered;
 *   known extension methods (`PURGE`) reach the filters;
 * - a request pipelined behind one whose answer is pending: Bun closes the
 *   connection unanswered, and weft sees only the request's signal (499);
 * - dot segments in the path are resolved before weft reads it (`/a/../b` is
 *   `/b`); an absolute-form target is read for its path;
 * - a slow head or body is cut at `idleTimeout` (10 s) without an answer.
 */

import { fixedProblem } from '../../reply/problem.js';
import type { Reply } from '../../reply/reply.js';
import { REQUEST_ID_HEADER } from '../../runtime/request-id-header.js';
import { deflateOffers } from '../../ws/deflate.js';
import type { ResolvedWsOptions } from '../../ws/options.js';
import type { WsAccept } from '../../ws/upgrade.js';
import type { Reactor, ReactorHost, ReactorInfo, TlsFiles } from '../contract.js';
import { type FetchExchange, type FetchResult, type FetchRuntime, serveFetch } from '../fetch/exchange.js';
import { ListenError } from '../listen-error.js';
import { type BunGlobal, type BunHeaders, type BunServeOptions, type BunServer, bun } from './bun-api.js';
import { BunSockets, type ConnData } from './websocket.js';

/** Bun's own head cap without `--max-http-header-size`. */
const BUN_HEAD_CAP = 16 * 1024;
/** Seconds a connection may idle, a slow head or body included (uWS: 10 s). */
const IDLE_SECONDS = 10;

/** The head cap this Bun was started with (`--max-http-header-size=N`), else Bun's default. */
function bunHeadCap(): number {
  for (const a of process.execArgv) {
    const m = /^--max-http-header-size=(\d+)$/.exec(a);
    if (m) return Number(m[1]);
  }
  return BUN_HEAD_CAP;
}

const NO_HUB = {
  publish() {},
  subscribers: () => 0,
};

export class BunReactor implements Reactor {
  readonly info: ReactorInfo;
  private readonly bun: BunGlobal;
  private server: BunServer | undefined;
  private readonly sockets: BunSockets | undefined;
  private readonly runtime: FetchRuntime;

  constructor(private readonly host: ReactorHost) {
    this.bun = bun();
    this.info = { name: 'bun', detail: `Bun.serve (bun ${this.bun.version})` };
    const ws = host.needs.ws;
    this.sockets = ws.size > 0 ? new BunSockets(host, [...ws] as ResolvedWsOptions[]) : undefined;
    const headCap = bunHeadCap();
    if (headCap < host.limits.maxHeadBytes) {
      host.logger?.warn(
        { bunHeadCap: headCap, maxHeadBytes: host.limits.maxHeadBytes },
        'Bun runs with a smaller head cap (--max-http-header-size) than limits.maxHeadBytes: Bun answers 431 first',
      );
    }
    this.runtime = {
      remoteAddress: (req) => this.server?.requestIP(req)?.address ?? '',
      upgrade: this.sockets === undefined ? undefined : (ex, accept) => this.upgrade(ex, accept),
      headCap,
      headerCount: (headers) => (headers as BunHeaders).count,
      shareHeaders: true,
    };
  }

  get hub() {
    return this.sockets?.hub ?? NO_HUB;
  }

  get connections(): number {
    return this.sockets?.size ?? 0;
  }

  listen(host: string, port: number, shared: boolean, tls?: TlsFiles): Promise<number> {
    const b = this.bun;
    const options: BunServeOptions<ConnData> = {
      hostname: host,
      port,
      // A pool's workers each bind the port (SO_REUSEPORT: the kernel spreads connections).
      reusePort: shared,
      idleTimeout: IDLE_SECONDS,
      // weft's body filters decide (413 at their limit, reading stops at limit + 1).
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      development: false,
      fetch: (req) => serveFetch(this.host, this.runtime, req, undefined),
      error: (err) => {
        this.host.logger?.error({ err }, 'weft internal error');
        return new Response(null, { status: 500, headers: { connection: 'close' } });
      },
    };
    if (tls !== undefined) {
      options.tls = {
        cert: b.file(tls.cert),
        key: b.file(tls.key),
        ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
      };
    }
    if (this.sockets !== undefined) options.websocket = this.sockets.handler;
    try {
      this.server = b.serve(options);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
        return Promise.reject(new ListenError(host, port));
      return Promise.reject(err);
    }
    if (this.sockets !== undefined) this.sockets.hub.server = this.server;
    return Promise.resolve(this.server.port);
  }

  stopAccepting(): void {
    // Bun stops listening; requests in flight and open WebSockets go on.
    void this.server?.stop(false);
  }

  closeSockets(code: number, reason: string): void {
    this.sockets?.closeAll(code, reason);
  }

  closeAll(): void {
    this.sockets?.terminateAll();
    void this.server?.stop(true);
  }

  /** Hand the request to Bun's upgrade with the 101's headers and the socket's data. */
  private upgrade(ex: FetchExchange, accept: WsAccept): FetchResult {
    const server = this.server;
    const headers: [string, string][] = [];
    for (const [n, v] of accept.headers) headers.push([n, v]);
    const id = ex.responseRequestId;
    if (id !== undefined) headers.push([REQUEST_ID_HEADER, id]);
    if (accept.protocol !== '') headers.push(['sec-websocket-protocol', accept.protocol]);
    // Bun answers the client's first offered subprotocol itself when the upgrade names none: a client must not be
    // told of a protocol the route did not choose, so the offers go when weft chose none.
    else ex.req.headers.delete('sec-websocket-protocol');
    // Bun has one permessage-deflate setting per server and negotiates from the request's offers:
    // a route without compression gets none (it negotiates nothing), one with it the offers weft accepts.
    const offers = ex.req.headers.get('sec-websocket-extensions');
    if (offers !== null) {
      const kept = accept.options.compression ? deflateOffers(offers, false) : '';
      if (kept === '') ex.req.headers.delete('sec-websocket-extensions');
      else ex.req.headers.set('sec-websocket-extensions', kept);
    }
    const data: ConnData = { accept, remote: ex.remoteAddress() || this.remoteOf(ex.req), transport: undefined };
    if (server?.upgrade(ex.req, { headers, data })) return undefined;
    return refusedUpgrade();
  }

  private remoteOf(req: Request): string {
    return this.server?.requestIP(req)?.address ?? '';
  }
}

/** Bun refused a handshake the filters accepted (it cannot happen for one `ws()` checked). */
function refusedUpgrade(): Response {
  const reply: Reply = fixedProblem(400, 'Not a WebSocket upgrade request');
  return new Response(reply.body as string, {
    status: 400,
    headers: [...reply.headers.map(([n, v]) => [n, v] as [string, string]), ['connection', 'close']],
  });
}
