/**
 * Static files: `files.dir(root)` and `files.file(path)` (warp's `fs::dir` /
 * `fs::file`, @fastify/send's rules).
 *
 * GET and HEAD (other methods 405); `Content-Length`, `Accept-Ranges`,
 * `ETag` and `Last-Modified` with 304; one `Range` → 206 (suffix ranges too,
 * `If-Range` honoured; several ranges → the whole file); unsatisfiable → 416;
 * precompressed `.br` / `.gz` siblings chosen by `Accept-Encoding` (with
 * `Vary`); `Content-Type` from mime-types; `Cache-Control` from `maxAge`;
 * `index.html` for directories and a 301 from `/dir` to `/dir/`. Dotfiles,
 * `..`, encoded separators, backslashes, NUL and symlinks that leave the
 * root are 404: no byte from outside the root is ever read. Bodies stream
 * from disk with backpressure and a known length.
 */

import type { Stats } from 'node:fs';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, extname, join, sep } from 'node:path';
import { contentType } from 'mime-types';
import type { Ctx } from '../filter/context.js';
import { type Filter, FilterImpl, type Step } from '../filter/filter.js';
import { needsHeaders } from '../filter/request-source.js';
import { REST_FRAGMENT } from '../filter/template.js';
import { METHOD_NOT_ALLOWED, NOT_FOUND } from '../reply/rejection.js';
import { Reply, SizedBody } from '../reply/reply.js';

export interface FilesOptions {
  /**
   * `Cache-Control: public, max-age=N` (seconds); 0 sends `public, max-age=0`.
   * @default 0
   */
  maxAge?: number | undefined;
  /** Add `, immutable` to `Cache-Control` (for fingerprinted assets). @default false */
  immutable?: boolean | undefined;
  /**
   * The file served for a directory (`/docs/` → `/docs/index.html`); `false`:
   * directories are 404.
   * @default 'index.html'
   */
  index?: string | false | undefined;
  /**
   * Serve `name.br` / `name.gz` instead of `name` when the client accepts
   * that encoding and the sibling exists (and is not older).
   * @default true
   */
  precompressed?: boolean | undefined;
  /**
   * Dotfiles (`.env`, `.git/...`): `'deny'` refuses them (404), `'allow'` serves them.
   * @default 'deny'
   */
  dotfiles?: 'deny' | 'allow' | undefined;
  /** `ETag` and `If-None-Match`. @default true */
  etag?: boolean | undefined;
  /** `Last-Modified` and `If-Modified-Since`. @default true */
  lastModified?: boolean | undefined;
}

interface Resolved {
  readonly maxAge: number;
  readonly immutable: boolean;
  readonly index: string | false;
  readonly precompressed: boolean;
  readonly dotfiles: 'deny' | 'allow';
  readonly etag: boolean;
  readonly lastModified: boolean;
}

function resolve(o: FilesOptions): Resolved {
  const maxAge = o.maxAge ?? 0;
  if (!Number.isInteger(maxAge) || maxAge < 0)
    throw new RangeError('files: maxAge must be a non-negative integer (seconds)');
  const index = o.index ?? 'index.html';
  if (index !== false && (index === '' || /[/\\\0]/.test(index)))
    throw new TypeError('files: index must be a file name');
  return {
    maxAge,
    immutable: o.immutable ?? false,
    index,
    precompressed: o.precompressed ?? true,
    dotfiles: o.dotfiles ?? 'deny',
    etag: o.etag ?? true,
    lastModified: o.lastModified ?? true,
  };
}

const HEADERS = ['range', 'if-range', 'if-none-match', 'if-modified-since', 'accept-encoding'];
const ENCODINGS = [
  { name: 'br', ext: '.br' },
  { name: 'gzip', ext: '.gz' },
] as const;

/** Whether `Accept-Encoding` accepts `coding` (q=0 refuses; `*` accepts). */
function accepts(header: string | undefined, coding: string): boolean {
  if (header === undefined) return false;
  let star = false;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const refused = q !== undefined && Number(q.slice(2)) === 0;
    if (name === coding) return !refused;
    if (name === '*') star = !refused;
  }
  return star;
}

/** A weak validator from size and modification time, as @fastify/send makes it. */
function etagOf(st: Stats, encoding: string | undefined): string {
  const tag = `${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}${encoding ? `-${encoding}` : ''}`;
  return `W/"${tag}"`;
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

type Range = { start: number; end: number } | 'unsatisfiable' | undefined;

/** One byte range of `bytes=...` against `size`; several ranges, or a malformed header, are ignored (the whole file). */
function parseRange(header: string, size: number): Range {
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (m === null) return undefined; // several ranges, another unit, or garbage: serve it whole
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const n = Number(b); // suffix: the last n bytes
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || (b !== '' && Number(b) < start)) return 'unsatisfiable';
  return { start, end };
}

/** The file at `abs`, or undefined when it is missing, not a file, or leaves `realRoot` through a link. */
async function statInside(abs: string, realRoot: string | undefined): Promise<{ path: string; st: Stats } | undefined> {
  try {
    const real = await realpath(abs);
    if (realRoot !== undefined && real !== realRoot && !real.startsWith(realRoot + sep)) return undefined;
    const st = await stat(real);
    return { path: real, st };
  } catch {
    return undefined;
  }
}

/** Build the reply for one file (already confined), honouring the conditional and range headers. */
async function serveFile(
  ctx: Ctx,
  file: { path: string; st: Stats },
  o: Resolved,
  realRoot: string | undefined,
): Promise<Reply> {
  const req = ctx.req;
  const type = contentType(extname(file.path)) || 'application/octet-stream';
  // A precompressed sibling, when the client takes it and it is at least as new.
  let chosen = file;
  let encoding: string | undefined;
  if (o.precompressed) {
    const ae = req.header('accept-encoding');
    for (const e of ENCODINGS) {
      if (!accepts(ae, e.name)) continue;
      const sib = await statInside(file.path + e.ext, realRoot);
      if (sib?.st.isFile() && sib.st.mtimeMs >= file.st.mtimeMs) {
        chosen = sib;
        encoding = e.name;
        break;
      }
    }
  }
  const st = chosen.st;
  const headers: [string, string][] = [
    ['content-type', type],
    ['accept-ranges', 'bytes'],
  ];
  headers.push(['cache-control', `public, max-age=${o.maxAge}${o.immutable ? ', immutable' : ''}`]);
  if (o.precompressed) headers.push(['vary', 'accept-encoding']);
  if (encoding !== undefined) headers.push(['content-encoding', encoding]);
  const etag = o.etag ? etagOf(st, encoding) : undefined;
  const modified = o.lastModified ? new Date(Math.floor(st.mtimeMs / 1000) * 1000) : undefined;
  if (etag !== undefined) headers.push(['etag', etag]);
  if (modified !== undefined) headers.push(['last-modified', modified.toUTCString()]);

  // 304: If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
  const inm = req.header('if-none-match');
  const ims = req.header('if-modified-since');
  if (
    inm !== undefined
      ? etag !== undefined && etagMatches(inm, etag)
      : ims !== undefined && modified !== undefined && Date.parse(ims) >= modified.getTime()
  ) {
    return new Reply(
      304,
      headers.filter(([n]) => n !== 'content-type' && n !== 'accept-ranges'),
      null,
    );
  }

  const size = st.size;
  let range: Range;
  const rangeHeader = req.header('range');
  if (rangeHeader !== undefined) {
    const ifRange = req.header('if-range');
    const fresh =
      ifRange === undefined ||
      (ifRange.startsWith('"') || ifRange.startsWith('W/')
        ? etag !== undefined && !ifRange.startsWith('W/') && ifRange === etag.replace(/^W\//, '')
        : modified !== undefined && Date.parse(ifRange) === modified.getTime());
    if (fresh) range = parseRange(rangeHeader, size);
  }
  if (range === 'unsatisfiable') {
    return new Reply(
      416,
      [
        ['content-range', `bytes */${size}`],
        ['accept-ranges', 'bytes'],
      ],
      null,
    );
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = size === 0 ? 0 : end - start + 1;
  const at = chosen.path;
  const body = new SizedBody(length, () =>
    createReadStream(at, { start, end: Math.max(start, end), highWaterMark: 64 * 1024 }),
  );
  if (range !== undefined) {
    headers.push(['content-range', `bytes ${start}-${end}/${size}`]);
    return new Reply(206, headers, body);
  }
  return new Reply(200, headers, size === 0 ? '' : body);
}

const GET_HEAD: ReadonlySet<string> = new Set(['GET', 'HEAD']);

function methodCheck(ctx: Ctx): boolean {
  const m = ctx.req.method;
  return m === 'GET' || m === 'HEAD';
}

/**
 * Serve the files under `root`, by the rest of the path (mount it under a
 * prefix: `path.prefix('static').and(files.dir('./public'))`).
 *
 * @example
 * const assets = path.prefix('assets').and(files.dir('./public', { maxAge: 3600 }));
 */
function dir(root: string, options: FilesOptions = {}): Filter<[Reply]> {
  const o = resolve(options);
  let realRoot: Promise<string> | undefined;
  const run = (ctx: Ctx): Step => {
    const segs = ctx.segments();
    const rest = segs.slice(ctx.pos);
    // Refuse before touching the disk: invalid encoding, separators or NUL inside a
    // segment (%2f, %5c, %00), dot segments, and dotfiles unless allowed.
    for (const s of rest) {
      if (s === null || s === '' || s === '.' || s === '..' || /[/\\\0]/.test(s)) return NOT_FOUND;
      if (o.dotfiles === 'deny' && s.startsWith('.')) return NOT_FOUND;
    }
    if (!methodCheck(ctx)) return METHOD_NOT_ALLOWED;
    ctx.pos = segs.length;
    ctx.route = { frag: REST_FRAGMENT, prev: ctx.route };
    realRoot ??= realpath(root);
    return realRoot.then(
      async (base) => {
        const found = await statInside(join(base, ...(rest as string[])), base);
        if (found === undefined) return NOT_FOUND;
        if (found.st.isDirectory()) {
          if (o.index === false) return NOT_FOUND;
          const p = ctx.req.path;
          if (!p.endsWith('/')) {
            // `/docs` → `/docs/`, so the page's relative links resolve under it.
            const q = ctx.req.query;
            return [new Reply(301, [['location', `${basename(p)}/${q ? `?${q}` : ''}`]], null)];
          }
          const index = await statInside(join(found.path, o.index), base);
          if (index === undefined || !index.st.isFile()) return NOT_FOUND;
          return [await serveFile(ctx, index, o, base)];
        }
        if (!found.st.isFile()) return NOT_FOUND;
        return [await serveFile(ctx, found, o, base)];
      },
      () => NOT_FOUND,
    );
  };
  return new FilterImpl<[Reply]>('files.dir', run, {
    needs: { ...needsHeaders(...HEADERS), query: true },
    methods: GET_HEAD,
    doc: { kind: 'path', segments: [{ rest: true }] },
  });
}

/**
 * Serve one file (GET and HEAD), whatever the rest of the path (mount it:
 * `path('favicon.ico').and(files.file('./public/favicon.ico'))`).
 */
function file(at: string, options: FilesOptions = {}): Filter<[Reply]> {
  const o = resolve(options);
  const run = (ctx: Ctx): Step => {
    if (!methodCheck(ctx)) return METHOD_NOT_ALLOWED;
    return statInside(at, undefined).then(async (found) => {
      if (found === undefined || !found.st.isFile()) return NOT_FOUND;
      return [await serveFile(ctx, found, o, undefined)];
    });
  };
  return new FilterImpl<[Reply]>('files.file', run, { needs: needsHeaders(...HEADERS), methods: GET_HEAD });
}

/** Static files: `files.dir(root, options)` and `files.file(path, options)`. */
export const files: { dir: typeof dir; file: typeof file } = { dir, file };
