/**
 * Path filters.
 *
 * `path('users', int, 'posts', str)` matches the whole remaining path (an
 * implicit end, like warp's `path!`) and extracts `[number, string]`.
 * `/users/` matches `path('users')`: one trailing slash is ignored.
 * Segments are percent-decoded first; invalid encoding rejects with 400.
 */

import type { Ctx } from '../filter/context.js';
import { type Check, type DocSegment, type Filter, FilterImpl, type Out } from '../filter/filter.js';
import type { Leaf, PathMark } from '../filter/shape.js';
import { Fragment, REST_FRAGMENT, type TemplatePart } from '../filter/template.js';
import { InvalidPath, NOT_FOUND, type Rejection, rejectWith } from '../reply/rejection.js';
import { NO_MATCH, type Param, ParamImpl, type Rest, rest } from './params.js';

/** A part of `path(...)`: a static segment, a param, or `rest`. */
export type PathPart = string | Param<unknown> | Rest;

/** The tuple a list of path parts extracts: one value per param, in order. */
export type PathValues<P extends readonly unknown[]> = P extends readonly [infer H, ...infer R]
  ? H extends Param<infer V>
    ? [V, ...PathValues<R>]
    : PathValues<R>
  : [];

let invalidPath: Rejection | undefined;
function badEncoding(): Rejection {
  invalidPath ??= rejectWith(new InvalidPath('The path contains invalid percent-encoding'));
  return invalidPath;
}

type Compiled = string | ParamImpl<unknown>;

function compile(parts: readonly PathPart[]): {
  segs: Compiled[];
  open: boolean;
  frag: Fragment | undefined;
  doc: DocSegment[];
} {
  const segs: Compiled[] = [];
  const tpl: TemplatePart[] = [];
  const doc: DocSegment[] = [];
  let open = false;
  parts.forEach((p, i) => {
    if (p === rest) {
      if (i !== parts.length - 1) throw new TypeError('path: `rest` must be the last part');
      open = true;
      tpl.push({ kind: 'rest' });
      doc.push({ rest: true });
    } else if (typeof p === 'string') {
      if (p === '' || p.includes('/')) {
        throw new TypeError(`path: static segment ${JSON.stringify(p)} must be non-empty and contain no "/"`);
      }
      segs.push(p);
      tpl.push({ kind: 'static', value: p });
      doc.push(p);
    } else if (p instanceof ParamImpl) {
      segs.push(p as ParamImpl<unknown>);
      tpl.push({ kind: 'param', label: p.label ?? p.name });
      doc.push({ label: p.label ?? p.name, schema: p.jsonSchema });
    } else {
      throw new TypeError('path: parts must be strings, params (str, int, ...) or rest');
    }
  });
  return { segs, open, frag: tpl.length > 0 ? new Fragment(tpl) : undefined, doc };
}

function segmentFilter<T extends unknown[]>(kind: string, parts: readonly PathPart[], exact: boolean): Filter<T> {
  const { segs, open, frag, doc } = compile(parts);
  const end = exact && !open;
  const leading: Check[] = [];
  let pure = true;
  for (const s of segs) {
    if (typeof s !== 'string') {
      pure = false;
      break;
    }
    leading.push({ kind: 'seg', value: s });
  }
  if (pure && end) leading.push({ kind: 'end' });
  const n = segs.length;
  const run = (ctx: Ctx): Out => {
    const all = ctx.segments();
    let pos = ctx.pos;
    let values: unknown[] | undefined;
    for (let i = 0; i < n; i++, pos++) {
      // Checked in order: a mismatch before a badly encoded segment is a 404.
      if (pos >= all.length) return NOT_FOUND;
      const seg = all[pos];
      if (seg === null || seg === undefined) return badEncoding();
      const want = segs[i] as Compiled;
      if (typeof want === 'string') {
        if (seg !== want) return NOT_FOUND;
      } else {
        if (seg === '') return NOT_FOUND;
        const v = want.parse(seg);
        if (v === NO_MATCH) return NOT_FOUND;
        (values ??= []).push(v);
      }
    }
    if (end && pos !== all.length) return NOT_FOUND;
    ctx.pos = open ? all.length : pos;
    if (frag !== undefined) ctx.route = { frag, prev: ctx.route };
    return values ?? [];
  };
  return new FilterImpl<T>(kind, run, { leading, pure: pure && (end || !open), doc: { kind: 'path', segments: doc } });
}

function pathFn<const P extends readonly PathPart[]>(...parts: P): Filter<PathValues<P>, Leaf<PathMark<P>>> {
  return segmentFilter<PathValues<P>>('path', parts, true) as Filter<PathValues<P>, never>;
}

/** Match these leading segments and let later filters see the rest. */
function prefix<const P extends readonly PathPart[]>(...parts: P): Filter<PathValues<P>, Leaf<PathMark<P>>> {
  return segmentFilter<PathValues<P>>('path.prefix', parts, false) as Filter<PathValues<P>, never>;
}

const endFilter = (): Filter<[]> =>
  new FilterImpl<[]>('path.end', (ctx) => (ctx.pos >= ctx.rawSegments().length ? [] : NOT_FOUND), {
    leading: [{ kind: 'end' }],
    pure: true,
  });

/** Matches only when no path segments remain. */
function end(): Filter<[]> {
  return endFilter();
}

/** Extracts the unmatched rest of the path (`"foo/bar"`) and consumes it. */
function tail(): Filter<[string], Leaf<PathMark<[Rest]>>> {
  return new FilterImpl<[string], Leaf<PathMark<[Rest]>>>(
    'path.tail',
    (ctx) => {
      const t = ctx.remaining();
      ctx.pos = ctx.rawSegments().length;
      ctx.route = { frag: REST_FRAGMENT, prev: ctx.route };
      return [t];
    },
    { doc: { kind: 'path', segments: [{ rest: true }] } },
  );
}

/** Extracts the unmatched rest of the path without consuming it. */
function peek(): Filter<[string]> {
  return new FilterImpl<[string]>('path.peek', (ctx) => [ctx.remaining()]);
}

/** Extracts the whole request path (`"/foo/bar"`), whatever was matched. */
function full(): Filter<[string]> {
  return new FilterImpl<[string]>('path.full', (ctx) => [ctx.req.path]);
}

export interface PathFilters {
  /**
   * Match the whole remaining path: static segments and params, with an
   * implicit end. Put `rest` last to accept any remaining segments.
   *
   * @example
   * path('users', int, 'posts', str).map((id, slug) => ...)  // [number, string]
   */
  <const P extends readonly PathPart[]>(...parts: P): Filter<PathValues<P>, Leaf<PathMark<P>>>;
  prefix: typeof prefix;
  end: typeof end;
  tail: typeof tail;
  peek: typeof peek;
  full: typeof full;
}

export const path: PathFilters = Object.assign(pathFn, { prefix, end, tail, peek, full });
