/**
 * Write a `Reply` to a uWS `HttpResponse`.
 *
 * Callers cork: the server calls `writeReply` either inside the uWS request
 * callback (already corked) or inside `res.cork(...)` after an `await`.
 * Streams write one corked chunk at a time and wait for `onWritable` when
 * uWS reports backpressure.
 */
import { STATUS_CODES } from 'node:http';
import type { Logger } from 'pino';
import type { Chunk, Reply } from '../reply/reply.js';
import type { UwsRequest } from './request.js';
import type { HttpResponse } from './uws.js';

const statusLines = new Map<number, string>();
function statusLine(code: number): string {
  let line = statusLines.get(code);
  if (line === undefined) {
    line = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`;
    statusLines.set(code, line);
  }
  return line;
}

/** Statuses that never carry a body (RFC 9110 §6.4.1). */
function bodiless(code: number): boolean {
  return code === 204 || code === 304 || (code >= 100 && code < 200);
}

function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

function writeHead(res: HttpResponse, reply: Reply): void {
  // uWS writes "200 OK" itself when no status was written: one call fewer on the hot path.
  if (reply.statusCode !== 200) res.writeStatus(statusLine(reply.statusCode));
  const hs = reply.headers;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i] as readonly [string, string];
    res.writeHeader(h[0], h[1]);
  }
}

// endWithoutBody() takes optional (length, close) arguments, but in this uWS
// build passing any argument leaves the response "unanswered" and uWS aborts
// the process. So bodiless replies always call it bare, write Content-Length
// by hand for HEAD, and ask the client to close with a header.

/**
 * Write `reply`. Returns a promise only for streamed bodies. `close` asks
 * uWS to close the connection after this response.
 */
export function writeReply(
  res: HttpResponse,
  req: UwsRequest,
  reply: Reply,
  close: boolean,
  logger: Logger | undefined,
): void | Promise<void> {
  const body = reply.body;
  const code = reply.statusCode;
  req.status = code;
  writeHead(res, reply);
  const isHead = req.method === 'HEAD';
  if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
    if (bodiless(code)) {
      if (close) res.writeHeader('connection', 'close');
      res.endWithoutBody();
    } else if (isHead) {
      // endWithoutBody(length) is broken in this uWS build; write the header by hand.
      res.writeHeader('content-length', String(body === null ? 0 : byteLength(body)));
      if (close) res.writeHeader('connection', 'close');
      res.endWithoutBody();
    } else {
      res.end(body ?? '', close);
    }
    req.responded = true;
    return;
  }
  if (isHead || bodiless(code)) {
    if (close) res.writeHeader('connection', 'close');
    res.endWithoutBody();
    req.responded = true;
    return;
  }
  return pump(res, req, body, close, logger);
}

async function pump(
  res: HttpResponse,
  req: UwsRequest,
  body: AsyncIterable<Chunk>,
  close: boolean,
  logger: Logger | undefined,
): Promise<void> {
  res.onWritable(() => {
    const wake = req.wake;
    req.wake = undefined;
    wake?.();
    return true;
  });
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (req.aborted) break;
      if (next.done) {
        res.cork(() => res.end(undefined, close));
        req.responded = true;
        return;
      }
      const chunk = next.value;
      if (byteLength(chunk) === 0) continue;
      let ok = true;
      res.cork(() => {
        ok = res.write(chunk);
      });
      if (!ok) {
        await new Promise<void>((resolve) => {
          req.wake = resolve;
          if (req.aborted) resolve();
        });
        if (req.aborted) break;
      }
    }
  } catch (err) {
    // Headers are on the wire: all we can do is cut the connection.
    logger?.error({ err }, 'streamed reply failed');
    if (!req.aborted) {
      req.abort();
      res.close();
    }
  } finally {
    if (req.aborted) await iterator.return?.();
  }
}
