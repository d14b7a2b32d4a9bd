/**
 * A weft `Reply` as a fetch `Response`. Complete bodies go as they are (the
 * runtime frames them with `Content-Length`); a streamed body becomes a
 * pull-based `ReadableStream`, so the next chunk is produced only when the
 * runtime has written the last one (its backpressure is the socket's). A
 * body of known size (`SizedBody`) carries its `Content-Length`.
 */
import type { Logger } from 'pino';
import { type Chunk, isConstantHeaderList, type Reply, SizedBody } from '../../reply/reply.js';
import { bodiless } from '../../reply/status.js';
import { REQUEST_ID_HEADER } from '../../runtime/request-id-header.js';

const encoder = new TextEncoder();

/** Responses a reactor made that ask to close the connection (a refused upgrade). */
const closing = new WeakSet<Response>();

/**
 * `res`, made by a reactor, asks to close the connection (`Connection:
 * close`): read instead of `res.headers.get('connection')`, which on Deno
 * lower-cases and filters the whole header list. Only for what a reactor
 * hands back (an upgrade's answer); weft's own answers are known to close
 * from the close flag and `asksClose`.
 */
export function closesConnection(res: Response): boolean {
  return closing.has(res);
}

/** Remember that `res` asks to close the connection (see `closesConnection`). */
export function closingResponse(res: Response): Response {
  closing.add(res);
  return res;
}

/** The reply's own headers ask to close the connection (`connection: close`, set by a filter). */
export function asksClose(reply: Reply): boolean {
  const hs = reply.headers;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i] as readonly [string, string];
    if (h[0].length === 10 && h[0].toLowerCase() === 'connection' && h[1] === 'close') return true;
  }
  return false;
}

/** What a streamed reply needs of its exchange. */
export interface StreamOwner {
  readonly aborted: boolean;
  readonly logger: Logger | undefined;
  /** The stream failed or the client cancelled it: the request is over. */
  abort(): void;
  /** Called once the stream has ended, failed or been cancelled (with the reply's completion). */
  onStreamEnd(fn: () => void): void;
}

/** A `Response` for `reply`, and, for a streamed body, a promise that settles once the stream is over. */
export interface Written {
  readonly response: Response;
  readonly done: Promise<void> | undefined;
}

type HeaderList = Reply['headers'];

/**
 * `Headers` made once for each of the reply builder's constant header lists
 * (`reply.json`'s content type and the others), handed to every `Response`
 * made with only those headers: the runtime copies a `Headers` faster than
 * it reads a plain object (Bun 1.4: 0.6 against 1.0 µs a `Response`; Deno
 * serves a `Response` made so more slowly, and gets none). `null`: the list
 * cannot be held as it is written. A list made per reply (a header added) is
 * never looked up, so nothing here grows with traffic.
 */
const shared = new Map<HeaderList, Headers | null>();

/** The shared `Headers` for `list`, when it is one of the builder's constant lists. */
function sharedHeaders(list: HeaderList): Headers | undefined {
  if (!isConstantHeaderList(list)) return undefined;
  let h = shared.get(list);
  if (h === undefined) {
    h = headersFor(list) ?? null;
    shared.set(list, h);
  }
  return h ?? undefined;
}

/**
 * `Headers` holding `list` as it is written, or `undefined`. Only for distinct
 * names in ascending order: a `Headers` iterates its names sorted and joins
 * repeats (a runtime may copy one that way).
 */
function headersFor(list: HeaderList): Headers | undefined {
  for (let i = 1; i < list.length; i++)
    if ((list[i - 1] as readonly [string, string])[0] >= (list[i] as readonly [string, string])[0]) return undefined;
  try {
    return new Headers(list as [string, string][]);
  } catch {
    return undefined; // the Response refuses them as it would have
  }
}

/**
 * The response headers: the list's shared `Headers` when nothing is added to
 * it and the runtime copies one fast (`share`), else a plain object (copied
 * faster than pairs), or pairs when a name repeats (`set-cookie`).
 */
function headersOf(
  reply: Reply,
  requestId: string | undefined,
  close: boolean,
  length: number | undefined,
  share: boolean,
): Headers | Record<string, string> | [string, string][] {
  const hs = reply.headers;
  if (share && requestId === undefined && !close && length === undefined) {
    const h = sharedHeaders(hs);
    if (h !== undefined) return h;
  }
  const out: Record<string, string> = {};
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i] as readonly [string, string];
    if (out[h[0]] !== undefined || h[0] === '__proto__') return pairsOf(reply, requestId, close, length);
    out[h[0]] = h[1];
  }
  if (requestId !== undefined) out[REQUEST_ID_HEADER] = requestId;
  if (length !== undefined) out['content-length'] = String(length);
  if (close) out.connection = 'close';
  return out;
}

function pairsOf(
  reply: Reply,
  requestId: string | undefined,
  close: boolean,
  length: number | undefined,
): [string, string][] {
  const out = reply.headers.map(([n, v]) => [n, v] as [string, string]);
  if (requestId !== undefined) out.push([REQUEST_ID_HEADER, requestId]);
  if (length !== undefined) out.push(['content-length', String(length)]);
  if (close) out.push(['connection', 'close']);
  return out;
}

/**
 * Build the `Response` for `reply` to a request made with `method`.
 * `requestId`: sent back as `x-request-id`, or `undefined` for none.
 * `close`: ask the runtime to close the connection after it (`Connection: close`).
 * `shareHeaders`: the runtime copies a `Headers` faster than a plain object
 * (Bun; not Deno, which serves such a response more slowly).
 */
export function toResponse(
  owner: StreamOwner,
  method: string,
  requestId: string | undefined,
  reply: Reply,
  close: boolean,
  shareHeaders = false,
): Written {
  const code = reply.statusCode;
  const body = reply.body;
  const noBody = bodiless(code);
  if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
    // HEAD: the runtime sends the length of the body it is given, and not the body.
    const init = { status: code, headers: headersOf(reply, requestId, close, undefined, shareHeaders) };
    return { response: new Response(noBody || body === null ? null : body, init), done: undefined };
  }
  if (noBody)
    return {
      response: new Response(null, {
        status: code,
        headers: headersOf(reply, requestId, close, undefined, shareHeaders),
      }),
      done: undefined,
    };
  const sized = body instanceof SizedBody ? body.size : undefined;
  const headers = headersOf(reply, requestId, close, sized, shareHeaders);
  if (method === 'HEAD') return { response: new Response(null, { status: code, headers }), done: undefined };
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { response: new Response(pull(owner, body, finish), { status: code, headers }), done };
}

/** A `ReadableStream` that asks `body` for its next chunk only when the runtime pulls. */
function pull(owner: StreamOwner, body: AsyncIterable<Chunk>, finish: () => void): ReadableStream<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    finish();
  };
  const stop = (): void => {
    if (ended) return;
    end();
    void Promise.resolve(iterator.return?.()).catch(() => {});
  };
  // The client left while the iterator waits (an idle SSE stream): end it now.
  owner.onStreamEnd(stop);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const next = await iterator.next();
            if (ended || owner.aborted) {
              stop();
              return;
            }
            if (next.done) {
              controller.close();
              end();
              return;
            }
            const chunk = next.value;
            const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
            if (bytes.byteLength === 0) continue;
            controller.enqueue(bytes);
            return;
          }
        } catch (err) {
          // Headers are on the wire: all the runtime can do is cut the connection.
          owner.logger?.error({ err }, 'streamed reply failed');
          owner.abort();
          stop();
          controller.error(err);
        }
      },
      cancel() {
        // The runtime cancels the stream when the client goes away mid-body.
        owner.abort();
        stop();
      },
    },
    { highWaterMark: 0 },
  );
}
