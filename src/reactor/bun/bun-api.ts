/**
 * The few Bun APIs the bun reactor uses, declared here instead of taking
 * `@types/bun` (whose globals would leak into the package's types). `bun()`
 * is the one place `globalThis.Bun` is reached.
 */

/** What `Bun.file(path)` returns, passed through to `tls` untouched. */
export type BunFile = object;

/** `server.requestIP(req)`. */
export interface BunSocketAddress {
  readonly address: string;
  readonly family: string;
  readonly port: number;
}

/** A server-side WebSocket; `data` is what `server.upgrade` attached. */
export interface BunWebSocket<D> {
  readonly data: D;
  /** Bytes written; -1 enqueued behind backpressure; 0 dropped (closed, or over `backpressureLimit`). */
  sendText(data: string, compress?: boolean): number;
  sendBinary(data: Uint8Array, compress?: boolean): number;
  close(code?: number, reason?: string): void;
  terminate(): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  getBufferedAmount(): number;
  readonly remoteAddress: string;
}

/** `Bun.serve({ websocket })`. */
export interface BunWebSocketHandler<D> {
  open(ws: BunWebSocket<D>): void;
  message(ws: BunWebSocket<D>, message: string | Uint8Array): void;
  drain(ws: BunWebSocket<D>): void;
  close(ws: BunWebSocket<D>, code: number, reason: string): void;
  maxPayloadLength: number;
  /** Seconds; 0 disables. */
  idleTimeout: number;
  backpressureLimit: number;
  closeOnBackpressureLimit: boolean;
  perMessageDeflate: boolean;
  sendPings: boolean;
  publishToSelf: boolean;
}

/** `Bun.serve(...)`'s server. */
export interface BunServer {
  readonly port: number;
  /** `closeActiveConnections`: cut open connections (WebSockets included) instead of letting them finish. */
  stop(closeActiveConnections?: boolean): Promise<void>;
  upgrade<D>(req: Request, options: { headers?: [string, string][]; data: D }): boolean;
  /** Bytes written to the first subscriber, 0 when none, -1 behind backpressure. */
  publish(topic: string, data: string | Uint8Array, compress?: boolean): number;
  subscriberCount(topic: string): number;
  requestIP(req: Request): BunSocketAddress | null;
}

export interface BunTlsOptions {
  cert: BunFile;
  key: BunFile;
  passphrase?: string;
}

/** `Bun.serve`'s options, as far as weft sets them. */
export interface BunServeOptions<D> {
  hostname: string;
  port: number;
  reusePort: boolean;
  /** Seconds a connection may sit idle (a request's head or body included); at most 255. */
  idleTimeout: number;
  maxRequestBodySize: number;
  development: boolean;
  tls?: BunTlsOptions;
  fetch(req: Request, server: BunServer): Response | undefined | Promise<Response | undefined>;
  error(err: Error): Response;
  websocket?: BunWebSocketHandler<D>;
}

export interface BunGlobal {
  readonly version: string;
  serve<D>(options: BunServeOptions<D>): BunServer;
  file(path: string): BunFile;
}

/** Bun's own Headers count their entries (`Headers#count`, not in the web standard). */
export interface BunHeaders extends Headers {
  readonly count: number;
}

/** True when this process runs under Bun. */
export function underBun(): boolean {
  return typeof process.versions.bun === 'string';
}

/** The `Bun` global; throws outside Bun. */
export function bun(): BunGlobal {
  const b = (globalThis as { Bun?: BunGlobal }).Bun;
  if (b === undefined) throw new Error('weft: the bun reactor runs only under Bun');
  return b;
}
