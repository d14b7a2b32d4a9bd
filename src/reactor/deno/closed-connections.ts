/**
 * The connections weft answered with `Connection: close`, which Deno keeps
 * open (it does not act on the header, denoland/deno#9411, and a handler has
 * no way to close its connection). The reactor answers every later request
 * on one of them itself, so nothing pipelined behind a closing answer runs.
 *
 * Deno names a connection only by its peer's address (`info.remoteAddr`:
 * hostname and port), and says nothing when it ends. So a mark is dropped
 * when Deno reports that an answer on that connection could not be sent (the
 * handler's `info.completed` rejects: the connection broke), and otherwise
 * when the table is full (the oldest goes first). A mark left behind by a
 * client that did close only matters if a new connection comes from the same
 * address and port while it is still in the table; that client is refused
 * (400) once, and closes as asked.
 *
 * Only HTTP/1 requests mark. Deno serves HTTP/2 too (h2 over TLS, h2c with
 * prior knowledge), where one connection carries many requests at once and
 * nothing is pipelined to smuggle; a Deno handler sees an HTTP/2 request
 * without a `Host` header (its authority is in the URL), while HTTP/1.1
 * requires one and every intermediary sends it. A request without `Host`
 * does not mark its connection.
 */
import type { DenoServeHandlerInfo } from './deno-api.js';

/** The most connections remembered at once. */
const MAX_MARKED = 4096;

export class ClosedConnections {
  /** Keyed by the peer's `hostname:port`; insertion order is age (a new mark moves to the end). */
  private readonly marked = new Set<string>();

  get size(): number {
    return this.marked.size;
  }

  /** weft answered `req` with `Connection: close`: refuse what comes next on its connection. */
  mark(req: Request, info: DenoServeHandlerInfo): void {
    if (!req.headers.has('host')) return;
    const key = keyOf(info);
    if (key === undefined) return;
    this.marked.delete(key);
    this.marked.add(key);
    if (this.marked.size > MAX_MARKED) {
      const oldest = this.marked.values().next().value as string;
      this.marked.delete(oldest);
    }
    // Rejected when the answer could not be sent: the connection is gone.
    info.completed?.then(undefined, () => this.marked.delete(key));
  }

  /** The request came on a connection weft already answered with `Connection: close`. */
  has(info: DenoServeHandlerInfo): boolean {
    const key = keyOf(info);
    return key !== undefined && this.marked.has(key);
  }
}

function keyOf(info: DenoServeHandlerInfo): string | undefined {
  const a = info.remoteAddr;
  // A Unix socket names no peer: nothing to tell its connections apart by.
  return a.hostname === undefined || a.port === undefined ? undefined : `${a.hostname}:${a.port}`;
}
