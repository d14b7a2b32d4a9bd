/**
 * `compression()`: a wrapper that compresses complete text-like reply bodies
 * with brotli or gzip, as the request's `Accept-Encoding` allows.
 *
 * Streams, small bodies (under `threshold`), bodiless statuses, replies that
 * already carry a `Content-Encoding`, and media types that are already
 * compressed (images, archives...) pass through unchanged.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Ctx } from '../filter/context.js';
import { afterRun, FilterImpl, makeWrapper, type Out, type Wrapper } from '../filter/filter.js';
import { mergeNeeds, needsHeaders } from '../filter/request-source.js';
import { Reply } from '../reply/reply.js';
import { mediaType } from './util.js';

export interface CompressionOptions {
  /**
   * Smallest body worth compressing, in bytes.
   * @default 1024
   */
  threshold?: number | undefined;
  /**
   * Encodings to offer, in order of preference.
   * @default ['br', 'gzip']
   */
  encodings?: readonly ('br' | 'gzip')[] | undefined;
}

const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|problem\+json|[a-z.+-]*\+(json|xml))|image\/svg\+xml)/;

/** Parse `Accept-Encoding` into the set of encodings with q > 0. */
function accepted(header: string | undefined): Set<string> {
  const out = new Set<string>();
  if (!header) return out;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    out.add(name.trim());
  }
  return out;
}

function compress(body: Uint8Array, encoding: 'br' | 'gzip'): Uint8Array {
  return encoding === 'br'
    ? brotliCompressSync(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength },
      })
    : gzipSync(body, { level: 6 });
}

/**
 * Compress replies for clients that accept it.
 *
 * @example
 * routes.with(compression({ threshold: 2048 }))
 */
export function compression(options: CompressionOptions = {}): Wrapper {
  const threshold = options.threshold ?? 1024;
  const encodings = options.encodings ?? ['br', 'gzip'];
  const encoder = new TextEncoder();
  const apply = (v: Out, ctx: Ctx): Out => {
    if (!Array.isArray(v)) return v;
    const r = v[0] as Reply;
    const body = r.body;
    if (body === null || (typeof body !== 'string' && !(body instanceof Uint8Array))) return v;
    if (r.statusCode === 204 || r.statusCode === 304 || r.getHeader('content-encoding') !== undefined) return v;
    const type = mediaType(r.getHeader('content-type'));
    if (type === undefined || !COMPRESSIBLE.test(type)) return v;
    const bytes = typeof body === 'string' ? encoder.encode(body) : body;
    if (bytes.byteLength < threshold) return v;
    const ok = accepted(ctx.req.header('accept-encoding'));
    const encoding = encodings.find((e) => ok.has(e));
    const vary = r.getHeader('vary');
    const varied =
      vary === undefined
        ? 'accept-encoding'
        : vary.toLowerCase().includes('accept-encoding')
          ? vary
          : `${vary}, accept-encoding`;
    if (encoding === undefined) return [r.header('vary', varied)];
    const out = new Reply(r.statusCode, r.headers, compress(bytes, encoding), r.pendingCookies);
    return [out.header('content-encoding', encoding).header('vary', varied)];
  };
  return makeWrapper((inner) => {
    return new FilterImpl<[Reply]>('compression', afterRun(inner as FilterImpl<unknown[]>, apply), {
      leading: inner.leading,
      needs: mergeNeeds(needsHeaders('accept-encoding'), inner.needs),
      inner: inner as FilterImpl<unknown[]>,
    });
  });
}
