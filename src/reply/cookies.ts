/**
 * Set-Cookie serialization (by the `cookie` package, never by hand) and
 * signing: HMAC-SHA256 over the value, base64url, appended as `value.sig`
 * (the shape of cookie-signature, which Express and @fastify/cookie use).
 * The first secret signs; every secret verifies, so secrets can rotate.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type SerializeOptions, serialize } from 'cookie';

/** Attributes of a cookie a reply sets. */
export interface CookieOptions {
  /** Sign the value with the server's secret (`serve(routes, { cookies: { secret } })`); read it with `cookie.signed(name)`. */
  signed?: boolean | undefined;
  /** `Max-Age`, in seconds. */
  maxAge?: number | undefined;
  expires?: Date | undefined;
  domain?: string | undefined;
  /** @default '/' */
  path?: string | undefined;
  httpOnly?: boolean | undefined;
  secure?: boolean | undefined;
  sameSite?: boolean | 'lax' | 'strict' | 'none' | undefined;
  partitioned?: boolean | undefined;
  priority?: 'low' | 'medium' | 'high' | undefined;
}

/** A signed cookie waiting for the server's secret (signed when the reply is written). */
export interface PendingCookie {
  readonly name: string;
  readonly value: string;
  readonly options: CookieOptions;
}

/** A `Set-Cookie` value; the value is percent-encoded (`encodeURIComponent`), as `cookie` does. */
export function setCookie(name: string, value: string, options: CookieOptions = {}): string {
  const { signed: _signed, ...attrs } = options;
  const set: Record<string, unknown> = { path: '/' };
  // An attribute given as `undefined` is left out, as if it were not given.
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) set[k] = v;
  return serialize(name, value, set as SerializeOptions);
}

/** Server-wide cookie settings: `serve(routes, { cookies })`. */
export interface CookieSettings {
  /** The signing secret, or a list: the first signs, all verify (rotate by putting the new one first). */
  secret: string | readonly string[];
}

/** The secrets of a server, ready to sign and verify. */
export class CookieKeys {
  private readonly secrets: readonly string[];

  constructor(settings: CookieSettings) {
    const list = typeof settings.secret === 'string' ? [settings.secret] : [...settings.secret];
    if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0)) {
      throw new RangeError('cookies.secret must be a non-empty string or a non-empty list of them');
    }
    this.secrets = list;
  }

  /** `value.signature` with the first secret. */
  sign(value: string): string {
    return `${value}.${mac(value, this.secrets[0] as string)}`;
  }

  /** The value, when `signed` carries a valid signature under any of the secrets; else `undefined`. */
  unsign(signed: string): string | undefined {
    const dot = signed.lastIndexOf('.');
    if (dot === -1) return undefined;
    const value = signed.slice(0, dot);
    const got = Buffer.from(signed.slice(dot + 1));
    for (const secret of this.secrets) {
      const want = Buffer.from(mac(value, secret));
      if (got.length === want.length && timingSafeEqual(got, want)) return value;
    }
    return undefined;
  }
}

function mac(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}
