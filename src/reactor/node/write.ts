/**
 * Write a `Reply` through node:http: one `writeHead` with a flat header list
 * and an explicit `Content-Length` (no chunked framing for complete bodies),
 * streams with `write` + `'drain'`. On the upgrade path a rejected handshake
 * is written to the socket by hand and the connection closed.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Chunk, type Reply, SizedBody } from '../../reply/reply.js';
import { bodiless, byteLength, statusLine } from '../../reply/status.js';
import { REQUEST_ID_HEADER } from '../../runtime/request-id-header.js';
import type { NodeExchange } from './request.js';

const encoder = new TextEncoder();

function flat(reply: Reply, extra: number): string[] {
  const hs = reply.headers;
  const out = new Array<string>(hs.length * 2 + extra);
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i] as readonly [string, string];
    out[2 * i] = h[0];
    out[2 * i + 1] = h[1];
  }
  return out;
}

/** Write `reply`. Returns a promise only for streamed bodies. `close` ends the connection after it. */
export function writeReply(res: ServerResponse, ex: NodeExchange, reply: Reply, close: boolean): void | Promise<void> {
  const body = reply.body;
  const code = reply.statusCode;
  const streamed = !(body === null || typeof body === 'string' || body instanceof Uint8Array);
  const sized = body instanceof SizedBody;
  const noBody = bodiless(code);
  const withLength = !noBody && (!streamed || sized);
  const id = ex.responseRequestId;
  const headers = flat(reply, (id === undefined ? 0 : 2) + (withLength ? 2 : 0) + (close ? 2 : 0));
  let n = reply.headers.length * 2;
  if (id !== undefined) {
    headers[n++] = REQUEST_ID_HEADER;
    headers[n++] = id;
  }
  if (withLength) {
    headers[n++] = 'content-length';
    headers[n++] = String(sized ? body.size : body === null ? 0 : byteLength(body as string | Uint8Array));
  }
  if (close) {
    headers[n++] = 'connection';
    headers[n++] = 'close';
  }
  res.writeHead(code, headers);
  if (!streamed) {
    if (noBody || ex.method === 'HEAD' || body === null) res.end();
    else res.end(body);
    return;
  }
  if (noBody || ex.method === 'HEAD') {
    res.end();
    return;
  }
  return pump(res, ex, body as AsyncIterable<Chunk>);
}

async function pump(res: ServerResponse, ex: NodeExchange, body: AsyncIterable<Chunk>): Promise<void> {
  const iterator = body[Symbol.asyncIterator]();
  let wake: (() => void) | undefined;
  const onDrain = () => wake?.();
  res.on('drain', onDrain);
  res.once('close', onDrain);
  try {
    for (;;) {
      const next = await iterator.next();
      if (ex.aborted) break;
      if (next.done) {
        res.end();
        return;
      }
      const chunk = next.value;
      if (byteLength(chunk) === 0) continue;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (ex.aborted || res.destroyed) resolve();
        });
        wake = undefined;
        if (ex.aborted || res.destroyed) break;
      }
    }
  } catch (err) {
    // Headers are on the wire: all we can do is cut the connection.
    ex.logger?.error({ err }, 'streamed reply failed');
    if (!ex.aborted) {
      ex.abort();
      res.destroy();
    }
  } finally {
    res.off('drain', onDrain);
    if (ex.aborted) await iterator.return?.();
  }
}

async function collect(body: AsyncIterable<Chunk>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of body) parts.push(typeof c === 'string' ? encoder.encode(c) : c);
  return Buffer.concat(parts);
}

/** A complete HTTP/1.1 response on a raw socket, then close (an upgrade request the filters did not accept). */
export async function writeRaw(
  socket: Duplex,
  ex: { readonly method: string; readonly responseRequestId: string | undefined },
  reply: Reply,
): Promise<void> {
  let body = reply.body;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) body = await collect(body);
  const bytes =
    body === null || bodiless(reply.statusCode) ? EMPTY : typeof body === 'string' ? Buffer.from(body) : body;
  let head = `HTTP/1.1 ${statusLine(reply.statusCode)}\r\n`;
  for (const [n, v] of reply.headers) head += `${n}: ${v}\r\n`;
  const id = ex.responseRequestId;
  if (id !== undefined) head += `${REQUEST_ID_HEADER}: ${id}\r\n`;
  if (!bodiless(reply.statusCode)) head += `content-length: ${bytes.byteLength}\r\n`;
  head += 'connection: close\r\n\r\n';
  if (!socket.writable) return;
  socket.write(head);
  if (bytes.byteLength > 0 && ex.method !== 'HEAD') socket.write(bytes);
  socket.end();
}

const EMPTY = new Uint8Array(0);
