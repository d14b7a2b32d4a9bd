/** Cookie filters: read one cookie from the `Cookie` request header. */

import type { Ctx } from '../filter/context.js';
import { type Filter, FilterImpl } from '../filter/filter.js';
import { needsHeaders } from '../filter/request-source.js';
import { InvalidCookie, MissingCookie, rejectWith } from '../reply/rejection.js';

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

/**
 * A cookie set with `reply.cookie(name, value, { signed: true })`: its value,
 * once the signature verifies under one of the server's secrets. Missing is a
 * 400 `MissingCookie`; tampered with (or signed by a retired secret) is a 400
 * `InvalidCookie`.
 */
function signed(name: string): Filter<[string]> {
  return new FilterImpl<[string]>(
    'cookie.signed',
    (ctx) => {
      const raw = read(ctx, name);
      if (raw === undefined) return rejectWith(new MissingCookie(name));
      const keys = ctx.cookieKeys;
      if (keys === undefined)
        throw new Error(`cookie.signed('${name}') needs a secret: serve(routes, { cookies: { secret } })`);
      let text: string;
      try {
        text = decodeURIComponent(raw);
      } catch {
        return rejectWith(new InvalidCookie(name));
      }
      const value = keys.unsign(text);
      return value === undefined ? rejectWith(new InvalidCookie(name)) : [value];
    },
    { needs: needsHeaders('cookie') },
  );
}

export interface CookieFilters {
  (name: string): Filter<[string]>;
  optional: typeof optional;
  signed: typeof signed;
}

export const cookie: CookieFilters = Object.assign(cookieFn, { optional, signed });
