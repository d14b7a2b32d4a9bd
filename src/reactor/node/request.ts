/**
 * The node:http side of one request: the `IncomingMessage` read as a
 * `RequestSource`, its body as a chunk source (node hands over fresh buffers,
 * so no copy), and the reply written through the `ServerResponse` — or, on
 * the upgrade path, straight to the socket when the filters did not accept.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Reply } from '../../reply/reply.js';
import { blankRecord } from '../../runtime/record.js';
import type { RequestIdMode } from '../../runtime/request-id-header.js';
import type { WsAccept } from '../../ws/upgrade.js';
import { BaseExchange } from '../exchange.js';
import type { ChunkSource, StreamedBody } from '../streamed-body.js';
import { writeRaw, writeReply } from './write.js';

const EMPTY = new Uint8Array(0);

/** `data` / `end` events as a chunk source. */
export class NodeChunks implements ChunkSource {
  constructor(private readonly req: IncomingMessage) {}
  attach(body: StreamedBody): void {
    this.req.on('data', (chunk: Buffer) => body.push(chunk, false));
    this.req.on('end', () => body.push(EMPTY, true));
  }
  pause(): void {
    this.req.pause();
  }
  resume(): void {
    this.req.resume();
  }
}

/**
 * Connections whose last answer closes them: node parses what a client
 * pipelined behind that request, and none of it may run (`NodeReactor.request`).
 */
export const closing = new WeakSet<object>();

/** How the node reactor completes an accepted upgrade. */
export type Upgrader = (ex: NodeExchange, accept: WsAccept) => void;

export class NodeExchange extends BaseExchange {
  private answered = false;

  constructor(
    readonly req: IncomingMessage,
    /** The response; `undefined` on the upgrade path. */
    readonly res: ServerResponse | undefined,
    method: string,
    path: string,
    query: string,
    body: StreamedBody,
    logger: Logger | undefined,
    sentRequestId: string,
    idMode: RequestIdMode,
    /** On the upgrade path: the socket and first bytes, and how to upgrade. */
    readonly socket: Duplex | undefined,
    readonly head: Buffer | undefined,
    private readonly upgrader: Upgrader | undefined,
  ) {
    super(method, path, query, body, logger, sentRequestId, idMode);
  }

  get canUpgrade(): boolean {
    return this.upgrader !== undefined;
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name];
    if (v === undefined || v === '') return undefined; // an empty header is treated as absent, as on uWS
    return typeof v === 'string' ? v : v.join(', ');
  }

  headers(): Readonly<Record<string, string>> {
    const out = blankRecord<string>();
    const h = this.req.headers;
    for (const k in h) {
      const v = h[k];
      if (v === undefined || v === '') continue;
      out[k] = typeof v === 'string' ? v : v.join(', ');
    }
    return out;
  }

  remoteAddress(): string {
    return this.req.socket.remoteAddress ?? '';
  }

  cork(fn: () => void): void {
    fn();
  }

  respond(reply: Reply, close: boolean): void | Promise<void> {
    if (this.answered) return;
    this.answered = true;
    if (close) closing.add(this.req.socket);
    this.status = reply.statusCode;
    if (this.res !== undefined) return writeReply(this.res, this, reply, close);
    if (this.socket !== undefined) return writeRaw(this.socket, this, reply);
  }

  onAbort(fn: () => void): void {
    const res = this.res;
    if (res === undefined) {
      this.socket?.once('close', () => {
        if (!this.answered) fn();
      });
      return;
    }
    res.once('close', () => {
      if (!res.writableFinished) fn();
    });
  }

  upgrade(accept: WsAccept): void {
    if (this.answered || this.upgrader === undefined) return;
    this.answered = true;
    this.status = 101;
    this.upgrader(this, accept);
  }
}
