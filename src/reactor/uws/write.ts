/**
 * Write a `Reply` to a uWS `HttpResponse`.
 *
 * Callers cork: the server writes either inside the uWS request callback
 * (already corked) or inside `cork(...)` after an `await`. Streams write one
 * corked chunk at a time and wait for `onWritable` when uWS reports
 * backpressure.
 */
import { type Chunk, type Reply, SizedBody } from '../../reply/reply.js';
import { bodiless, byteLength, statusLine } from '../../reply/status.js';
import { REQUEST_ID_HEADER } from '../../runtime/request-id-header.js';
import type { HttpResponse } from './binding.js';
import type { UwsExchange } from './request.js';

function writeHead(res: HttpResponse, reply: Reply, requestId: string | undefined): void {
  // uWS writes "200 OK" itself when no status was written: one call fewer on the hot path.
  if (reply.statusCode !== 200) res.writeStatus(statusLine(reply.statusCode));
  const hs = reply.headers;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i] as readonly [string, string];
    res.writeHeader(h[0], h[1]);
  }
  if (requestId !== undefined) res.writeHeader(REQUEST_ID_HEADER, requestId);
}

// endWithoutBody() takes optional (length, close) arguments, but in uWS 20.30
// passing any argument leaves the response "unanswered" and uWS aborts the
// process. So bodiless replies always call it bare, write Content-Length by
// hand for HEAD, and ask the client to close with a header.

/**
 * Write `reply`. Returns a promise only for streamed bodies. `close` asks
 * uWS to close the connection after this response.
 */
export function writeReply(res: HttpResponse, ex: UwsExchange, reply: Reply, close: boolean): void | Promise<void> {
  const body = reply.body;
  const code = reply.statusCode;
  writeHead(res, reply, ex.responseRequestId);
  const isHead = ex.method === 'HEAD';
  if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
    if (bodiless(code)) {
      if (close) res.writeHeader('connection', 'close');
      res.endWithoutBody();
    } else if (isHead) {
      res.writeHeader('content-length', String(body === null ? 0 : byteLength(body)));
      if (close) res.writeHeader('connection', 'close');
      res.endWithoutBody();
    } else {
      res.end(body ?? '', close);
    }
    return;
  }
  if (body instanceof SizedBody && !bodiless(code)) {
    if (isHead) {
      res.writeHeader('content-length', String(body.size));
      if (close) res.writeHeader('connection', 'close');
      res.endWithoutBody();
      return;
    }
    if (close) res.writeHeader('connection', 'close');
    return pumpSized(res, ex, body);
  }
  if (isHead || bodiless(code)) {
    if (close) res.writeHeader('connection', 'close');
    res.endWithoutBody();
    return;
  }
  return pump(res, ex, body, close);
}

/**
 * A body of known size, as uWS's own streaming examples do it: `tryEnd(chunk,
 * size)` writes what the socket takes (uWS frames it with Content-Length and
 * completes the response with the last byte); on backpressure the chunk is
 * kept and the rest is sent from `onWritable(offset)`, inside uWS's callback,
 * which returns whether it got through. The next chunk is read only then.
 */
function pumpSized(res: HttpResponse, ex: UwsExchange, body: SizedBody): Promise<void> {
  const total = body.size;
  if (total === 0) {
    res.end('');
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    const iterator = body[Symbol.asyncIterator]();
    let ended = false;
    let pending: Uint8Array | undefined;
    let pendingAt = 0;
    const finish = () => {
      if (ended) return;
      ended = true;
      ex.wake = undefined;
      void Promise.resolve(iterator.return?.()).catch(() => {});
      resolve();
    };
    const cut = (err: unknown) => {
      ex.logger?.error({ err }, 'streamed reply failed');
      if (!ex.aborted) {
        ex.abort();
        res.close();
      }
      finish();
    };
    ex.wake = finish; // an abort ends the pump
    /** Write `chunk` (inside a cork); true when the next one may be read. */
    const write = (chunk: Uint8Array): boolean => {
      const at = res.getWriteOffset();
      const [ok, done] = res.tryEnd(chunk, total);
      if (done) {
        finish();
        return false;
      }
      if (!ok) {
        pending = chunk;
        pendingAt = at;
      }
      return ok;
    };
    res.onWritable((offset) => {
      const chunk = pending;
      if (chunk === undefined || ended) return true;
      pending = undefined;
      const ok = write(chunk.subarray(offset - pendingAt));
      if (ok) pull();
      return ok || ended;
    });
    const pull = (): void => {
      iterator.next().then(
        (next) => {
          if (ended || ex.aborted) return finish();
          if (next.done) return cut(new Error(`the body ended before its size (${total} bytes)`));
          let go = false;
          res.cork(() => {
            go = write(next.value);
          });
          if (go) pull();
        },
        (err: unknown) => (ended ? undefined : cut(err)),
      );
    };
    pull();
  });
}

async function pump(res: HttpResponse, ex: UwsExchange, body: AsyncIterable<Chunk>, close: boolean): Promise<void> {
  res.onWritable(() => {
    const wake = ex.wake;
    ex.wake = undefined;
    wake?.();
    return true;
  });
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (ex.aborted) break;
      if (next.done) {
        res.cork(() => res.end(undefined, close));
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
          ex.wake = resolve;
          if (ex.aborted) resolve();
        });
        if (ex.aborted) break;
      }
    }
  } catch (err) {
    // Headers are on the wire: all we can do is cut the connection.
    ex.logger?.error({ err }, 'streamed reply failed');
    if (!ex.aborted) {
      ex.abort();
      res.close();
    }
  } finally {
    if (ex.aborted) await iterator.return?.();
  }
}
