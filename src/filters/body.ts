/**
 * Body filters. The body can be taken once per request: a second body filter
 * in the same chain rejects with 500 `BodyConsumed` (as in warp).
 *
 * Limits (default 1 MiB): a declared `Content-Length` over the limit rejects
 * with 413 before anything is read; an undeclared (chunked) body is read up
 * to `limit + 1` bytes and then rejected, and the server closes the
 * connection instead of buffering the rest.
 */
import type { z } from 'zod';
import type { Ctx } from '../filter/context.js';
import { type DocLeaf, type Filter, FilterImpl, type Out, type Step } from '../filter/filter.js';
import { type Needs, NO_NEEDS } from '../filter/request-source.js';
import type { BodyMark, Leaf, StreamInput } from '../filter/shape.js';
import {
  BodyConsumed,
  InvalidBody,
  issuesOf,
  LengthRequired,
  PayloadTooLarge,
  Rejection,
  rejectWith,
  UnsupportedMediaType,
} from '../reply/rejection.js';
import { parseJson } from '../runtime/json.js';
import { multipart } from './multipart.js';
import { mediaType, parseUrlEncoded } from './util.js';

/** The default body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface BodyOptions {
  /**
   * Largest body accepted, in bytes; larger is a 413.
   * @default 1048576 (1 MiB)
   */
  limit?: number | undefined;
}

const BODY_NEEDS: Needs = {
  ...NO_NEEDS,
  headers: new Set(['content-type', 'content-length', 'transfer-encoding']),
  body: true,
};

const BYTES_DOC: DocLeaf = {
  kind: 'body',
  media: 'application/octet-stream',
  schema: { type: 'string', format: 'binary' },
};

function limitOf(opts: BodyOptions | undefined): number {
  const limit = opts?.limit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`body limit must be a non-negative integer, got ${limit}`);
  return limit;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Shared skeleton: take the body once, check the media type and declared
 * length, collect up to the limit, then hand the bytes to `parse`.
 */
function bodyFilter<T, M>(
  kind: string,
  limit: number,
  accepts: ((media: string | undefined) => boolean) | undefined,
  parse: (bytes: Uint8Array) => T | Rejection,
  doc: DocLeaf,
): Filter<[T], Leaf<M>> {
  const tooLarge = rejectWith(new PayloadTooLarge(limit));
  const run = (ctx: Ctx): Step => {
    if (ctx.bodyTaken) return rejectWith(new BodyConsumed());
    if (accepts !== undefined) {
      const media = mediaType(ctx.req.header('content-type'));
      if (!accepts(media)) {
        return rejectWith(new UnsupportedMediaType(`Content-Type ${JSON.stringify(media)} is not supported here`));
      }
    }
    const declared = ctx.req.body.contentLength;
    if (declared !== undefined && declared > limit) return tooLarge;
    ctx.bodyTaken = true;
    const got = ctx.req.body.collect(limit);
    return got instanceof Promise ? got.then(parsed) : parsed(got);
  };
  const parsed = (bytes: Uint8Array | undefined): Out => {
    if (bytes === undefined) return tooLarge;
    const v = parse(bytes);
    return v instanceof Rejection ? v : [v];
  };
  return new FilterImpl<[T], Leaf<M>>(kind, run, { needs: { ...BODY_NEEDS, bodyLimit: limit }, doc });
}

const invalid = (detail: string, issues?: ReturnType<typeof issuesOf>): Rejection =>
  rejectWith(new InvalidBody(detail, issues));

const isJson = (m: string | undefined) => m === undefined || m === 'application/json' || m.endsWith('+json');
const isForm = (m: string | undefined) => m === undefined || m === 'application/x-www-form-urlencoded';

/**
 * A JSON body validated by a zod schema. No Content-Type, `application/json`
 * or `application/*+json` are accepted (415 otherwise). Malformed JSON,
 * `__proto__` / `constructor.prototype` keys, or a schema failure are a 400
 * with the zod issues.
 *
 * @example
 * body.json(z.object({ text: z.string().min(1) }), { limit: 16 * 1024 })
 */
function json<S extends z.ZodType>(schema: S, opts?: BodyOptions): Filter<[z.output<S>], Leaf<BodyMark<'json', S>>> {
  return bodyFilter<z.output<S>, BodyMark<'json', S>>(
    'body.json',
    limitOf(opts),
    isJson,
    (bytes) => {
      const text = decodeUtf8(bytes);
      if (text === undefined) return invalid('Request body is not valid UTF-8');
      let value: unknown;
      try {
        value = parseJson(text);
      } catch (e) {
        // weft's own words, not the engine's: V8, JavaScriptCore (Bun) and Deno word syntax errors differently.
        return invalid(
          /forbidden/.test((e as Error).message)
            ? 'Request body is not valid JSON: it holds a forbidden key (__proto__ or constructor.prototype)'
            : 'Request body is not valid JSON',
        );
      }
      const r = schema.safeParse(value);
      return r.success ? (r.data as z.output<S>) : invalid('Request body failed validation', issuesOf(r.error));
    },
    { kind: 'body', media: 'application/json', schema },
  );
}

/** The body as UTF-8 text (400 if it is not valid UTF-8). Any Content-Type. */
function text(opts?: BodyOptions): Filter<[string], Leaf<BodyMark<'text', string>>> {
  return bodyFilter<string, BodyMark<'text', string>>(
    'body.text',
    limitOf(opts),
    undefined,
    (bytes) => {
      const t = decodeUtf8(bytes);
      return t === undefined ? invalid('Request body is not valid UTF-8') : t;
    },
    { kind: 'body', media: 'text/plain', schema: { type: 'string' } },
  );
}

/** The body as bytes. Any Content-Type. */
function bytes(opts?: BodyOptions): Filter<[Uint8Array], Leaf<BodyMark<'bytes', Uint8Array>>> {
  return bodyFilter<Uint8Array, BodyMark<'bytes', Uint8Array>>(
    'body.bytes',
    limitOf(opts),
    undefined,
    (b) => b,
    BYTES_DOC,
  );
}

/**
 * A `application/x-www-form-urlencoded` body, parsed like a query string and
 * validated by `schema` (415 for another Content-Type, 400 when invalid).
 */
function form<S extends z.ZodType>(schema: S, opts?: BodyOptions): Filter<[z.output<S>], Leaf<BodyMark<'form', S>>> {
  return bodyFilter<z.output<S>, BodyMark<'form', S>>(
    'body.form',
    limitOf(opts),
    isForm,
    (bytes) => {
      const t = decodeUtf8(bytes);
      if (t === undefined) return invalid('Request body is not valid UTF-8');
      const r = schema.safeParse(parseUrlEncoded(t));
      return r.success ? (r.data as z.output<S>) : invalid('Request body failed validation', issuesOf(r.error));
    },
    { kind: 'body', media: 'application/x-www-form-urlencoded', schema },
  );
}

/**
 * The body as a stream of chunks, read as the handler iterates. Past the
 * limit the iteration throws `BodyTooLargeError`, which is served as a 413.
 */
function stream(opts?: BodyOptions): Filter<[AsyncIterable<Uint8Array>], Leaf<BodyMark<'stream', StreamInput>>> {
  const limit = limitOf(opts);
  const tooLarge = rejectWith(new PayloadTooLarge(limit));
  return new FilterImpl<[AsyncIterable<Uint8Array>], Leaf<BodyMark<'stream', StreamInput>>>(
    'body.stream',
    (ctx) => {
      if (ctx.bodyTaken) return rejectWith(new BodyConsumed());
      const declared = ctx.req.body.contentLength;
      if (declared !== undefined && declared > limit) return tooLarge;
      ctx.bodyTaken = true;
      return [ctx.req.body.stream(limit)];
    },
    { needs: { ...BODY_NEEDS, bodyLimit: limit }, doc: BYTES_DOC },
  );
}

/** Require a `Content-Length` of at most `limit` (411 when absent, 413 when over), as warp's `content_length_limit`. */
function contentLengthLimit(limit: number): Filter<[]> {
  const tooLarge = rejectWith(new PayloadTooLarge(limit));
  const required = rejectWith(new LengthRequired('A Content-Length header is required'));
  return new FilterImpl<[]>(
    'body.contentLengthLimit',
    (ctx) => {
      const declared = ctx.req.body.contentLength;
      if (declared === undefined) return required;
      return declared > limit ? tooLarge : [];
    },
    { needs: { ...BODY_NEEDS, bodyLimit: limit } },
  );
}

export const body: {
  json: typeof json;
  text: typeof text;
  bytes: typeof bytes;
  form: typeof form;
  stream: typeof stream;
  contentLengthLimit: typeof contentLengthLimit;
  multipart: typeof multipart;
} = { json, text, bytes, form, stream, contentLengthLimit, multipart };
