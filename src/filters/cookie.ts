/** Cookie filters: read one cookie from the `Cookie` request header. */
import { MissingCookie, rejectWith } from '../reply/rejection.js';
import type { Ctx } from './context.js';
import { needsHeaders } from './context.js';
import { type Filter, FilterImpl } from './filter.js';

/** The value of cookie `name` in a `Cookie` header, or `undefined`. Quotes are removed; no decoding. */
export function findCookie(headerValue: string | undefined, name: string): string | undefined {
  if (headerValue === undefined) return undefined;
  for (const pair of headerValue.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (pair.slice(0, eq).trim() !== name) continue;
    let v = pair.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return v;
  }
  return undefined;
}

const read = (ctx: Ctx, name: string) => findCookie(ctx.req.header('cookie'), name);

/** A required cookie; missing is a 400 `MissingCookie`. */
function cookieFn(name: string): Filter<[string]> {
  return new FilterImpl<[string]>(
    'cookie',
    (ctx) => {
      const v = read(ctx, name);
      return v === undefined ? rejectWith(new MissingCookie(name)) : [v];
    },
    { needs: needsHeaders('cookie') },
  );
}

/** A cookie that may be absent; never rejects. */
function optional(name: string): Filter<[string | undefined]> {
  return new FilterImpl<[string | undefined]>('cookie.optional', (ctx) => [read(ctx, name)], {
    needs: needsHeaders('cookie'),
  });
}

export interface CookieFilters {
  (name: string): Filter<[string]>;
  optional: typeof optional;
}

export const cookie: CookieFilters = Object.assign(cookieFn, { optional });
