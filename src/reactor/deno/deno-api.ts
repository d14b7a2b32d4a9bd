/**
 * The few Deno APIs the deno reactor uses, declared here instead of taking
 * Deno's type declarations (whose globals would leak into the package's
 * types). `deno()` is the one place `globalThis.Deno` is reached.
 */

/** `info.remoteAddr` and `server.addr` (TCP: `hostname` and `port`). */
export interface DenoNetAddr {
  readonly transport: string;
  readonly hostname?: string;
  readonly port?: number;
}

/** The second argument of a `Deno.serve` handler. */
export interface DenoServeHandlerInfo {
  readonly remoteAddr: DenoNetAddr;
  /**
   * Settles once the response is out: resolves when it was delivered, rejects
   * when it could not be (the client went away). Deno 2.x.
   */
  readonly completed?: Promise<void>;
}

/** What `Deno.serve` returns. */
export interface DenoHttpServer {
  readonly addr: DenoNetAddr;
  /** Resolves once the server has closed. */
  readonly finished: Promise<void>;
  /** Stop accepting; requests in flight finish, then idle connections close. */
  shutdown(): Promise<void>;
}

/** `Deno.serve`'s options, as far as weft sets them. */
export interface DenoServeOptions {
  hostname: string;
  port: number;
  /** SO_REUSEPORT (Linux): several servers share the port and the kernel spreads connections. */
  reusePort: boolean;
  /** Aborting it closes the server and cuts every HTTP connection at once. */
  signal: AbortSignal;
  /** Called once bound (Deno logs "Listening on ..." without it). */
  onListen(addr: DenoNetAddr): void;
  /** The handler threw: the response to send instead. */
  onError(error: unknown): Response;
  /** PEM certificate chain (the text, not a path). */
  cert?: string;
  /** PEM private key, unencrypted. */
  key?: string;
}

export type DenoServeHandler = (req: Request, info: DenoServeHandlerInfo) => Response | Promise<Response>;

/** A WebSocket message as Deno hands it to a server socket (binary as an `ArrayBuffer`). */
export interface DenoMessageEvent {
  readonly data: string | ArrayBuffer;
}

/** How a Deno WebSocket closed; `code` is 0 when no close frame came (the connection broke). */
export interface DenoCloseEvent {
  readonly code: number;
  readonly reason: string;
}

/** The server side of a WebSocket from `Deno.upgradeWebSocket` (the web `WebSocket`). */
export interface DenoWebSocket {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes handed to `send` that are not written to the connection yet. */
  readonly bufferedAmount: number;
  /** A string goes as a text frame, bytes as a binary frame. */
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: (() => void) | null;
  onmessage: ((event: DenoMessageEvent) => void) | null;
  onclose: ((event: DenoCloseEvent) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface DenoUpgradeOptions {
  /** Seconds: a ping after half of it without a message or pong, a close (1001) after the rest. 0 disables. */
  idleTimeout: number;
}

export interface DenoGlobal {
  readonly version: { readonly deno: string };
  serve(options: DenoServeOptions, handler: DenoServeHandler): DenoHttpServer;
  /** The 101 response to return from the handler, and the socket it opens. */
  upgradeWebSocket(req: Request, options: DenoUpgradeOptions): { socket: DenoWebSocket; response: Response };
  /** Present only when the `net` unstable feature is on (as `reusePort` needs it to be). */
  readonly listenDatagram?: unknown;
}

/** The `Deno` global; throws outside Deno. */
export function deno(): DenoGlobal {
  const d = (globalThis as { Deno?: DenoGlobal }).Deno;
  if (d === undefined) throw new Error('weft: the deno reactor runs only under Deno');
  return d;
}
