/**
 * `cors(options)`: a wrapper that answers CORS preflights and adds the
 * `Access-Control-*` headers to every answer its routes produce: replies,
 * and rejections too (a 400 with zod issues, 404, 405, 413), so a browser
 * can read why a request failed. A rejection stays a rejection (another `or`
 * branch may still match); it carries the headers to the problem+json reply
 * it is served as, or to `rejection.toReply()` in a `recover`. A request from
 * an origin that is not allowed, or a preflight for a method or header that
 * is not allowed, is rejected with 403 `CorsForbidden` (as in warp).
 */

import type { Ctx } from '../filter/context.js';
import { FilterImpl, makeWrapper, type Out, type Step, type Wrapper } from '../filter/filter.js';
import { mergeNeeds, needsHeaders } from '../filter/request-source.js';
import { CorsForbidden, type Rejection, rejectWith } from '../reply/rejection.js';
import { Reply } from '../reply/reply.js';

export interface CorsOptions {
  /**
   * Allowed origins (`https://app.example`), or `'*'` for any.
   * @default '*'
   */
  origins?: '*' | readonly string[] | undefined;
  /**
   * Methods a preflight may ask for.
   * @default ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']
   */
  methods?: readonly string[] | undefined;
  /**
   * Request headers a preflight may ask for (case-insensitive).
   * @default ['content-type']
   */
  headers?: readonly string[] | undefined;
  /** Response headers the browser may read. @default [] */
  exposeHeaders?: readonly string[] | undefined;
  /** Send `Access-Control-Allow-Credentials: true` (origins must then be a list). @default false */
  credentials?: boolean | undefined;
  /** How long (seconds) a browser may cache a preflight. */
  maxAge?: number | undefined;
}

const forbidden = (detail: string): Rejection => rejectWith(new CorsForbidden(detail));

/** Build a CORS wrapper. @example routes.with(cors({ origins: ['https://app.example'] })) */
export function cors(options: CorsOptions = {}): Wrapper {
  const origins = options.origins ?? '*';
  const anyOrigin = origins === '*';
  if (anyOrigin && options.credentials)
    throw new TypeError("cors: credentials need an explicit list of origins, not '*'");
  const allowed = new Set(anyOrigin ? [] : origins);
  const methods = options.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const methodSet = new Set(methods);
  const headers = (options.headers ?? ['content-type']).map((h) => h.toLowerCase());
  const headerSet = new Set(headers);
  const expose = options.exposeHeaders ?? [];

  const decorate = (r: Reply, origin: string): Reply => {
    let out = r.header('access-control-allow-origin', anyOrigin ? '*' : origin);
    if (!anyOrigin) out = out.header('vary', r.getHeader('vary') ? `${r.getHeader('vary')}, origin` : 'origin');
    if (options.credentials) out = out.header('access-control-allow-credentials', 'true');
    if (expose.length > 0) out = out.header('access-control-expose-headers', expose.join(', '));
    return out;
  };

  const preflight = (ctx: Ctx, origin: string, requested: string): Out => {
    if (!methodSet.has(requested)) return forbidden(`CORS method ${JSON.stringify(requested)} is not allowed`);
    const asked = ctx.req.header('access-control-request-headers');
    if (asked !== undefined) {
      for (const h of asked.split(',')) {
        const name = h.trim().toLowerCase();
        if (name !== '' && !headerSet.has(name)) return forbidden(`CORS request header "${name}" is not allowed`);
      }
    }
    let r = decorate(new Reply(204, [], null), origin)
      .header('access-control-allow-methods', methods.join(', '))
      .header('access-control-allow-headers', headers.join(', '));
    if (options.maxAge !== undefined) r = r.header('access-control-max-age', String(options.maxAge));
    return [r];
  };

  return makeWrapper((inner) => {
    const run = (ctx: Ctx): Step => {
      const origin = ctx.req.header('origin');
      if (origin === undefined) return inner.run(ctx);
      if (!anyOrigin && !allowed.has(origin)) return forbidden(`CORS origin ${JSON.stringify(origin)} is not allowed`);
      const requested = ctx.req.method === 'OPTIONS' ? ctx.req.header('access-control-request-method') : undefined;
      if (requested !== undefined) return preflight(ctx, origin, requested);
      const after = (v: Out): Out =>
        Array.isArray(v) ? [decorate(v[0] as Reply, origin)] : v.withEdit((r) => decorate(r, origin));
      const x = inner.run(ctx);
      return x instanceof Promise ? x.then(after) : after(x);
    };
    const own = needsHeaders('origin', 'access-control-request-method', 'access-control-request-headers');
    return new FilterImpl<[Reply]>('cors', run, {
      needs: mergeNeeds(own, inner.needs),
      inner: inner as FilterImpl<unknown[]>,
    });
  });
}
