/**
 * `body.multipart(options)`: a `multipart/form-data` body as its parts
 * stream in, parsed by @fastify/busboy; `body.multipart.buffered(schema,
 * options)` for small forms, fields (and files) validated by zod.
 *
 * Limits are checked as bytes arrive: the whole body (`limit`), each file
 * (`fileSize`), each field (`fieldSize`), and how many files and fields.
 * Over any of them the iteration throws `BodyTooLargeError` (a 413 when
 * nothing was answered yet); a malformed body throws `InvalidBodyError` (400).
 */
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import type { z } from 'zod';
import { BodyTooLargeError, InvalidBodyError } from '../filter/body-errors.js';
import type { Ctx } from '../filter/context.js';
import { type Filter, FilterImpl, type Step } from '../filter/filter.js';
import { type Needs, NO_NEEDS } from '../filter/request-source.js';
import type { BodyMark, Leaf } from '../filter/shape.js';
import {
  BodyConsumed,
  InvalidBody,
  issuesOf,
  PayloadTooLarge,
  Rejection,
  rejectWith,
  UnsupportedMediaType,
} from '../reply/rejection.js';
import { blankRecord } from '../runtime/record.js';
import { mediaType } from './util.js';

/** A text field of the form. */
export interface FieldPart {
  readonly kind: 'field';
  readonly name: string;
  readonly value: string;
}

/** A file of the form: its bytes arrive through `stream` (read it, or it is skipped when you move on). */
export interface FilePart {
  readonly kind: 'file';
  readonly name: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly stream: AsyncIterable<Uint8Array>;
}

export type Part = FieldPart | FilePart;

/** A file collected by `body.multipart.buffered`. */
export interface UploadedFile {
  readonly filename: string;
  readonly mimeType: string;
  readonly data: Uint8Array;
}

export interface MultipartOptions {
  /** The whole body, in bytes. @default 10 MiB (1 MiB for `buffered`) */
  limit?: number | undefined;
  /** Each file, in bytes. @default the body limit */
  fileSize?: number | undefined;
  /** Each field value, in bytes. @default 64 KiB */
  fieldSize?: number | undefined;
  /** How many files. @default 10 */
  files?: number | undefined;
  /** How many fields. @default 100 */
  fields?: number | undefined;
}

interface Limits {
  readonly limit: number;
  readonly fileSize: number;
  readonly fieldSize: number;
  readonly files: number;
  readonly fields: number;
}

function limits(o: MultipartOptions, defaultLimit: number): Limits {
  const limit = o.limit ?? defaultLimit;
  const l = {
    limit,
    fileSize: o.fileSize ?? limit,
    fieldSize: o.fieldSize ?? 64 * 1024,
    files: o.files ?? 10,
    fields: o.fields ?? 100,
  };
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`body.multipart: ${k} must be a non-negative integer, got ${String(v)}`);
  }
  return l;
}

const NEEDS: Needs = {
  ...NO_NEEDS,
  headers: new Set(['content-type', 'content-length', 'transfer-encoding']),
  body: true,
};
const END: unique symbol = Symbol('end');

/** The parts of the body, as busboy finds them; the body is fed to busboy as the consumer asks for more. */
async function* parse(ctx: Ctx, contentType: string, l: Limits): AsyncGenerator<Part> {
  let bb: BusboyInstance;
  try {
    bb = new Busboy({
      headers: { 'content-type': contentType },
      limits: { fileSize: l.fileSize, fieldSize: l.fieldSize, files: l.files, fields: l.fields },
    });
  } catch (err) {
    throw new InvalidBodyError(`Malformed multipart/form-data: ${(err as Error).message}`);
  }
  const queue: (Part | Error | typeof END)[] = [];
  let wake: (() => void) | undefined;
  const push = (x: Part | Error | typeof END) => {
    queue.push(x);
    const w = wake;
    wake = undefined;
    w?.();
  };
  bb.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated) push(new BodyTooLargeError(l.fieldSize));
    else push({ kind: 'field', name, value });
  });
  bb.on('file', (name, stream: BusboyFileStream, filename, _transferEncoding, mimeType) => {
    stream.on('limit', () => stream.destroy(new BodyTooLargeError(l.fileSize)));
    push({ kind: 'file', name, filename, mimeType, stream });
  });
  bb.on('filesLimit', () => push(new BodyTooLargeError(l.limit)));
  bb.on('fieldsLimit', () => push(new BodyTooLargeError(l.limit)));
  bb.on('error', (err: unknown) =>
    push(new InvalidBodyError(`Malformed multipart/form-data: ${(err as Error).message}`)),
  );
  bb.on('finish', () => push(END));

  let stopped = false;
  const body = ctx.req.body.stream(l.limit);
  const feed = (async () => {
    try {
      for await (const chunk of body) {
        if (stopped) return;
        if (!bb.write(chunk)) await new Promise<void>((r) => bb.once('drain', () => r()));
      }
      bb.end();
    } catch (err) {
      push(err instanceof Error ? err : new Error(String(err)));
    }
  })();

  let previous: BusboyFileStream | undefined;
  try {
    for (;;) {
      // A file the consumer did not read is skipped, so busboy can go on.
      if (previous !== undefined && !previous.destroyed && !previous.readableEnded) previous.resume();
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      const x = queue.shift() as Part | Error | typeof END;
      if (x === END) return;
      if (x instanceof Error) throw x;
      if (x.kind === 'file') previous = x.stream as BusboyFileStream;
      yield x;
    }
  } finally {
    stopped = true;
    bb.removeAllListeners('drain');
    bb.destroy();
    void feed;
  }
}

/** Take the body as multipart: the parts, or the rejection (415, 413, 500 when taken twice). */
function take(ctx: Ctx, l: Limits): AsyncGenerator<Part> | Rejection {
  if (ctx.bodyTaken) return rejectWith(new BodyConsumed());
  const ct = ctx.req.header('content-type');
  if (mediaType(ct) !== 'multipart/form-data' || ct === undefined || !/boundary=/i.test(ct)) {
    return rejectWith(new UnsupportedMediaType('Expected Content-Type multipart/form-data with a boundary'));
  }
  const declared = ctx.req.body.contentLength;
  if (declared !== undefined && declared > l.limit) return rejectWith(new PayloadTooLarge(l.limit));
  ctx.bodyTaken = true;
  return parse(ctx, ct, l);
}

/**
 * The parts of a `multipart/form-data` body as they stream in: fields and
 * files in order; a file's bytes through its `stream`.
 *
 * @example
 * post().and(path('upload')).and(body.multipart({ fileSize: 50 * 1024 * 1024 })).then(async (parts) => {
 *   for await (const part of parts) {
 *     if (part.kind === 'file') await pipeline(part.stream, createWriteStream(`/uploads/${randomUUID()}`));
 *   }
 *   return reply.empty(204);
 * })
 */
export function multipart(
  options: MultipartOptions = {},
): Filter<[AsyncIterable<Part>], Leaf<BodyMark<'multipart', FormData>>> {
  const l = limits(options, 10 * 1024 * 1024);
  return new FilterImpl<[AsyncIterable<Part>], Leaf<BodyMark<'multipart', FormData>>>(
    'body.multipart',
    (ctx) => {
      const parts = take(ctx, l);
      return parts instanceof Rejection ? parts : [parts];
    },
    { needs: NEEDS, doc: { kind: 'body', media: 'multipart/form-data', schema: { type: 'object' } } },
  );
}

/**
 * A small form, collected and validated: fields as strings (a repeated name
 * becomes an array) and files as `UploadedFile`s, under their names, checked
 * by `schema`. Over a limit is a 413, a malformed body or a schema failure a 400.
 *
 * @example
 * const Profile = z.object({ name: z.string().min(1), avatar: z.custom<UploadedFile>() });
 * post().and(path('profile')).and(body.multipart.buffered(Profile)).map((p) => ...)
 */
function buffered<S extends z.ZodType>(
  schema: S,
  options: MultipartOptions = {},
): Filter<[z.output<S>], Leaf<BodyMark<'multipart', FormData>>> {
  const l = limits(options, 1024 * 1024);
  const run = (ctx: Ctx): Step => {
    const parts = take(ctx, l);
    if (parts instanceof Rejection) return parts;
    return (async () => {
      const record = blankRecord<unknown>();
      const add = (name: string, v: unknown) => {
        const prev = record[name];
        record[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      };
      try {
        for await (const part of parts) {
          if (part.kind === 'field') add(part.name, part.value);
          else {
            const chunks: Uint8Array[] = [];
            for await (const c of part.stream) chunks.push(c);
            add(part.name, {
              filename: part.filename,
              mimeType: part.mimeType,
              data: new Uint8Array(Buffer.concat(chunks)),
            } satisfies UploadedFile);
          }
        }
      } catch (err) {
        if (err instanceof BodyTooLargeError) return rejectWith(new PayloadTooLarge(err.limit));
        if (err instanceof InvalidBodyError) return rejectWith(new InvalidBody(err.message));
        throw err;
      }
      const r = schema.safeParse(record);
      return r.success
        ? [r.data as z.output<S>]
        : rejectWith(new InvalidBody('Form failed validation', issuesOf(r.error)));
    })();
  };
  return new FilterImpl<[z.output<S>], Leaf<BodyMark<'multipart', FormData>>>('body.multipart.buffered', run, {
    needs: NEEDS,
    doc: { kind: 'body', media: 'multipart/form-data', schema },
  });
}

multipart.buffered = buffered;
