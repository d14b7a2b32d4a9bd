/**
 * The uWebSockets.js reactor: the only place uWS is driven.
 *
 * The uWS rules this adapter keeps:
 * - copy method, URL, query and the needed headers before any `await`
 *   (the `HttpRequest` is stack-allocated and dies when the callback returns);
 * - answer synchronously when the filters are synchronous, otherwise attach
 *   `onAborted` before returning and never touch the response after it fired;
 * - attach `onData` synchronously and copy every chunk;
 * - `cork` every write made after an `await`;
 * - stream with `write` + `onWritable` and honour backpressure;
 * - check what `send` returns.
 */
import type { Reply } from '../../reply/reply.js';
import { blankRecord } from '../../runtime/record.js';
import { REQUEST_ID_HEADER, sentRequestId } from '../../runtime/request-id-header.js';
import { otelTracer, TRACE_HEADERS } from '../../runtime/tracing.js';
import type { ResolvedWsOptions } from '../../ws/options.js';
import type { Reactor, ReactorHost, ReactorInfo, TlsFiles } from '../contract.js';
import { framingError, headTooLarge, targetTooLong } from '../framing.js';
import { ListenError } from '../listen-error.js';
import { NO_BODY, StreamedBody } from '../streamed-body.js';
import {
  type App,
  type Binding,
  EXCLUSIVE_PORT,
  type HttpRequest,
  type HttpResponse,
  type us_listen_socket,
  uwsHeadCap,
} from './binding.js';
import { UwsChunks, UwsExchange } from './request.js';
import { UwsSockets } from './websocket.js';

const decoder = new TextDecoder();
const NO_VALUES: string[] = [];
const NO_INDEX: ReadonlyMap<string, number> = new Map();

/** How many Content-Length and Transfer-Encoding lines (uWS's `getHeader` sees only the first of each). */
function countFraming(req: HttpRequest): number {
  let cl = 0;
  let te = 0;
  req.forEach((k) => {
    if (k === 'content-length') cl++;
    else if (k === 'transfer-encoding') te++;
  });
  return cl * FRAMING_TE + te;
}

/** `countFraming` packs both counts in one number: `cl * FRAMING_TE + te`. */
const FRAMING_TE = 1 << 16;

/**
 * One walk of the headers (uWS 20.30, which does not cap the head itself):
 * the head's size, the framing header counts, and the first value of each
 * header in `index` (into `values`), so no second walk and no `getHeader`
 * call into C++ per needed header. The walk's state lives in module
 * variables and its callback is made once: a request costs no closure and no
 * result object (the walk is synchronous, so requests never share it).
 */
let scanBytes = 0;
let scanContentLengths = 0;
let scanTransferEncodings = 0;
let scanIndex: ReadonlyMap<string, number> = new Map();
let scanValues: string[] = [];
function scanOne(k: string, v: string): void {
  scanBytes += k.length + v.length + 4;
  if (k === 'content-length') scanContentLengths++;
  else if (k === 'transfer-encoding') scanTransferEncodings++;
  const i = scanIndex.get(k);
  if (i !== undefined && scanValues[i] === '') scanValues[i] = v;
}
/** Walk `req`'s headers from `base` bytes (the request line); the results are in the `scan*` variables. */
function scanHead(req: HttpRequest, base: number, index: ReadonlyMap<string, number>, values: string[]): void {
  scanBytes = base;
  scanContentLengths = 0;
  scanTransferEncodings = 0;
  scanIndex = index;
  scanValues = values;
  req.forEach(scanOne);
  scanValues = NO_VALUES;
}

export class UwsReactor implements Reactor {
  readonly info: ReactorInfo;
  /** Made at `listen` (an `SSLApp` with TLS). */
  private app: App | undefined;
  private sockets: UwsSockets | undefined;
  private readonly names: string[];
  private readonly clIndex: number;
  private readonly teIndex: number;
  /** Where the client's `x-request-id` lands in `values`; -1 when the server reads none (`requestId: false`). */
  private readonly ridIndex: number;
  /** `''` for every name: copied per request (a copy of a packed array is cheaper than `new Array(n).fill('')`). */
  private readonly emptyValues: readonly string[];
  /** Header name → its place in `names` (for `scanHead`). */
  private readonly index: ReadonlyMap<string, number>;
  private listenSocket: us_listen_socket | undefined;
  /** uWS 20.30 ignores UWS_HTTP_MAX_HEADERS_SIZE: weft measures the head itself there. */
  private readonly measureHead: boolean;

  constructor(
    private readonly binding: Binding,
    private readonly host: ReactorHost,
  ) {
    this.info = { name: 'uws', detail: `uWebSockets.js ${binding.version} (${binding.from})` };
    this.measureHead = binding.version.startsWith('20.30.');
    if (uwsHeadCap() < host.limits.maxHeadBytes) {
      host.logger?.warn(
        { uwsHeadCap: uwsHeadCap(), maxHeadBytes: host.limits.maxHeadBytes },
        'uWS loaded with a smaller head cap (UWS_HTTP_MAX_HEADERS_SIZE) than limits.maxHeadBytes: uWS answers 431 first',
      );
    }
    const needs = host.needs;
    this.names = [...needs.headers];
    // The framing headers are read on every request (their checks run before the filters);
    // x-request-id in the same walk (a getHeader call of its own cost as much as the walk);
    // the W3C trace headers when an OpenTelemetry SDK was registered before the server was made.
    const always = [
      'content-length',
      'transfer-encoding',
      ...(host.requestIds === false ? [] : [REQUEST_ID_HEADER]),
      ...(otelTracer() !== undefined ? TRACE_HEADERS : []),
    ];
    for (const h of always) if (!this.names.includes(h)) this.names.push(h);
    this.clIndex = this.names.indexOf('content-length');
    this.teIndex = this.names.indexOf('transfer-encoding');
    this.ridIndex = host.requestIds === false ? -1 : this.names.indexOf(REQUEST_ID_HEADER);
    this.emptyValues = this.names.map(() => '');
    this.index = new Map(this.names.map((n, i) => [n, i]));
  }

  /** The app: `SSLApp` (certificate and key read by uWS from their files) with TLS, else `App`. */
  private makeApp(tls: TlsFiles | undefined): App {
    const uws = this.binding.uws;
    const app = (tls
      ? uws.SSLApp({
          cert_file_name: tls.cert,
          key_file_name: tls.key,
          ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
        })
      : uws.App()) as unknown as App;
    app.any('/*', (res, req) => this.request(res, req, undefined));
    const needs = this.host.needs;
    if (needs.ws.size > 0) {
      this.sockets = new UwsSockets(uws, app, this.host, [...needs.ws] as ResolvedWsOptions[], (res, req, context) =>
        this.request(res, req, context),
      );
    }
    return app;
  }

  get hub() {
    return this.sockets?.hub ?? NO_HUB;
  }

  get connections(): number {
    return this.sockets?.size ?? 0;
  }

  listen(host: string, port: number, shared: boolean, tls?: TlsFiles): Promise<number> {
    const app = (this.app = this.makeApp(tls));
    return new Promise((resolve, reject) => {
      app.listen(host, port, shared ? 0 : EXCLUSIVE_PORT, (ls) => {
        if (!ls) {
          reject(new ListenError(host, port));
          return;
        }
        this.listenSocket = ls;
        resolve(this.binding.uws.us_socket_local_port(ls as never));
      });
    });
  }

  stopAccepting(): void {
    if (this.listenSocket !== undefined) this.binding.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }

  closeSockets(code: number, reason: string): void {
    this.sockets?.closeAll(code, reason);
  }

  closeAll(): void {
    this.app?.close();
  }

  /** The client's sane `x-request-id` for an answer before the header walk (`''` under `requestId: false`). */
  private sentId(req: HttpRequest): string {
    return this.ridIndex < 0 ? '' : sentRequestId(req.getHeader(REQUEST_ID_HEADER));
  }

  /** One request; `context` is set on the WebSocket upgrade path. */
  private request(res: HttpResponse, req: HttpRequest, context: unknown): void {
    const host = this.host;
    // Read first: uWS's getMethod() lowercases the method in place.
    const method = req.getCaseSensitiveMethod();
    const path = req.getUrl();
    if (host.closing) {
      reject(host, res, method, path, this.sentId(req), host.drainingReply(path));
      return;
    }
    const needs = host.needs;
    const limits = host.limits;
    const rawQuery = req.getQuery();
    if (path.length + (rawQuery === undefined ? 0 : rawQuery.length + 1) > limits.maxUrlBytes) {
      reject(host, res, method, path, this.sentId(req), targetTooLong(limits));
      return;
    }
    let values = NO_VALUES;
    let all: Record<string, string> | undefined;
    let cl: string;
    let te: string;
    let contentLengths: number;
    let transferEncodings: number;
    const headBase = method.length + path.length + (rawQuery === undefined ? 0 : rawQuery.length + 1) + 12; // request line
    if (this.measureHead && !needs.allHeaders) {
      // uWS 20.30 does not cap the head: one walk measures it, counts Content-Length and reads the needed values.
      values = this.emptyValues.slice();
      scanHead(req, headBase, this.index, values);
      if (scanBytes > limits.maxHeadBytes) {
        reject(host, res, method, path, this.sentId(req), headTooLarge());
        return;
      }
      cl = values[this.clIndex] as string;
      te = values[this.teIndex] as string;
      contentLengths = scanContentLengths;
      transferEncodings = scanTransferEncodings;
    } else {
      if (this.measureHead) {
        scanHead(req, headBase, NO_INDEX, NO_VALUES);
        if (scanBytes > limits.maxHeadBytes) {
          reject(host, res, method, path, this.sentId(req), headTooLarge());
          return;
        }
      }
      cl = req.getHeader('content-length');
      te = req.getHeader('transfer-encoding');
      // Counted only when there is one: most requests carry no body.
      const counts = cl === '' && te === '' ? 0 : countFraming(req);
      contentLengths = Math.floor(counts / FRAMING_TE);
      transferEncodings = counts % FRAMING_TE;
      if (needs.allHeaders) {
        const h = blankRecord<string>();
        req.forEach((k, v) => {
          const prev = h[k];
          h[k] = prev === undefined ? v : `${prev}, ${v}`;
        });
        all = h;
      } else {
        values = new Array<string>(this.names.length);
        for (let i = 0; i < this.names.length; i++) {
          // The two framing headers were read above: no second trip into C++.
          values[i] = i === this.clIndex ? cl : i === this.teIndex ? te : req.getHeader(this.names[i] as string);
        }
      }
    }
    const rid =
      this.ridIndex < 0 ? '' : sentRequestId(all === undefined ? values[this.ridIndex] : all[REQUEST_ID_HEADER]);
    const framing = framingError(cl, te, contentLengths, transferEncodings);
    if (framing !== undefined) {
      reject(host, res, method, path, rid, framing);
      return;
    }
    const query = needs.query ? (rawQuery ?? '') : '';
    const remote = needs.remote ? decoder.decode(res.getRemoteAddressAsText()) : '';
    let body = NO_BODY;
    if (needs.body) {
      // framingError refused a Content-Length that is not plain digits.
      const contentLength = cl === '' ? undefined : Number(cl);
      const expected = (contentLength ?? 0) > 0 || te !== '';
      body =
        expected || contentLength !== undefined
          ? new StreamedBody(new UwsChunks(res), contentLength, expected)
          : NO_BODY;
    }
    host.handle(
      new UwsExchange(
        res,
        method,
        path,
        query,
        this.names,
        values,
        all,
        remote,
        body,
        host.logger,
        rid,
        host.requestIds,
        context,
      ),
    );
  }
}

const NO_HUB = {
  publish() {},
  subscribers: () => 0,
};

/**
 * Answer with a problem before any filter ran, and close the connection: as
 * every closing answer on uWS, from the next turn, so nothing the client sent
 * behind this request is parsed or run (see `UwsExchange.respondAndClose`).
 */
function reject(host: ReactorHost, res: HttpResponse, method: string, path: string, rid: string, reply: Reply): void {
  const ex = new UwsExchange(
    res,
    method,
    path,
    '',
    NO_VALUES,
    NO_VALUES,
    undefined,
    '',
    NO_BODY,
    host.logger,
    rid,
    host.requestIds,
    undefined,
  );
  void ex.respond(reply, true);
  host.early(method, path, reply.statusCode, ex.logRequestId);
}
