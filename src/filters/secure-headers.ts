/**
 * `secureHeaders(options)`: the response headers helmet and Hono's
 * `secureHeaders` set, as a wrapper (`routes.with(secureHeaders())`), with a
 * per-request CSP nonce that `cspNonce()` extracts for inline scripts and styles.
 */
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../filter/context.js';
import { type Filter, FilterImpl, makeWrapper, type Out, type Step, type Wrapper } from '../filter/filter.js';
import { checkHeader } from '../reply/headers.js';
import { Reply } from '../reply/reply.js';

/** CSP directives: name → sources (`'self'`, `https:`, ...). An empty list writes the bare directive. */
export type CspDirectives = Readonly<Record<string, readonly string[]>>;

export interface SecureHeadersOptions {
  /**
   * `Content-Security-Policy` directives, merged over the defaults (a directive
   * set to `null` is dropped); `false` sends no CSP.
   * Defaults (helmet's): `default-src 'self'`, `base-uri 'self'`, `font-src 'self' https: data:`,
   * `form-action 'self'`, `frame-ancestors 'self'`, `img-src 'self' data:`, `object-src 'none'`,
   * `script-src 'self'`, `script-src-attr 'none'`, `style-src 'self' https: 'unsafe-inline'`,
   * and `upgrade-insecure-requests` when the server listens with TLS.
   */
  contentSecurityPolicy?: false | Readonly<Record<string, readonly string[] | null>> | undefined;
  /**
   * Add `'nonce-…'` to `script-src` and `style-src`, fresh for each request
   * (`cspNonce()` extracts it). `'unsafe-inline'` is then ignored by browsers for those.
   * @default true
   */
  nonce?: boolean | undefined;
  /** `Strict-Transport-Security`, sent only when the server listens with TLS; `false` never. @default 'max-age=15552000; includeSubDomains' */
  strictTransportSecurity?: string | false | undefined;
  /** `X-Frame-Options`. @default 'SAMEORIGIN' */
  xFrameOptions?: 'DENY' | 'SAMEORIGIN' | false | undefined;
  /** `Referrer-Policy`. @default 'no-referrer' */
  referrerPolicy?: string | false | undefined;
  /** `Cross-Origin-Opener-Policy`. @default 'same-origin' */
  crossOriginOpenerPolicy?: string | false | undefined;
  /** `Cross-Origin-Resource-Policy`. @default 'same-origin' */
  crossOriginResourcePolicy?: string | false | undefined;
}

const DEFAULT_CSP: CspDirectives = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'font-src': ["'self'", 'https:', 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", 'https:', "'unsafe-inline'"],
};

const DIRECTIVE = /^[a-z-]+$/;
const SOURCE = /^[^\s;,]+$/;

function cspText(directives: CspDirectives, nonce: string | undefined, secure: boolean): string {
  const parts: string[] = [];
  for (const [name, sources] of Object.entries(directives)) {
    const list =
      nonce !== undefined && (name === 'script-src' || name === 'style-src')
        ? [...sources, `'nonce-${nonce}'`]
        : sources;
    parts.push(list.length === 0 ? name : `${name} ${list.join(' ')}`);
  }
  if (secure && !('upgrade-insecure-requests' in directives)) parts.push('upgrade-insecure-requests');
  return parts.join('; ');
}

/**
 * A wrapper that adds security headers to every reply of the filter it wraps
 * (a header the reply already has is left as it is): CSP, `X-Content-Type-Options:
 * nosniff`, `X-Frame-Options`, `Referrer-Policy`, HSTS on TLS, and helmet's
 * other defaults (`Cross-Origin-Opener-Policy`, `Cross-Origin-Resource-Policy`,
 * `Origin-Agent-Cluster`, `X-DNS-Prefetch-Control: off`, `X-Download-Options:
 * noopen`, `X-Permitted-Cross-Domain-Policies: none`, `X-XSS-Protection: 0`).
 * Rejections are not wrapped: an unmatched request's 404 goes out without them.
 *
 * @example
 * const page = get().and(path()).and(cspNonce()).map((nonce) => reply.html(`<script nonce="${nonce}">...</script>`));
 * serve(page.or(api).with(secureHeaders()));
 */
export function secureHeaders(options: SecureHeadersOptions = {}): Wrapper {
  const csp = options.contentSecurityPolicy;
  let directives: CspDirectives | undefined;
  if (csp !== false) {
    const merged: Record<string, readonly string[]> = { ...DEFAULT_CSP };
    for (const [name, sources] of Object.entries(csp ?? {})) {
      if (!DIRECTIVE.test(name)) throw new TypeError(`secureHeaders: bad CSP directive name ${JSON.stringify(name)}`);
      if (sources === null) delete merged[name];
      else {
        for (const src of sources)
          if (!SOURCE.test(src)) throw new TypeError(`secureHeaders: bad CSP source ${JSON.stringify(src)} in ${name}`);
        merged[name] = sources;
      }
    }
    directives = merged;
  }
  const useNonce = directives !== undefined && options.nonce !== false;
  const fixed: [string, string][] = [];
  const add = (name: string, value: string | false | undefined, dflt: string) => {
    if (value === false) return;
    const v = value ?? dflt;
    checkHeader(name, v);
    fixed.push([name, v]);
  };
  add('cross-origin-opener-policy', options.crossOriginOpenerPolicy, 'same-origin');
  add('cross-origin-resource-policy', options.crossOriginResourcePolicy, 'same-origin');
  add('origin-agent-cluster', undefined, '?1');
  add('referrer-policy', options.referrerPolicy, 'no-referrer');
  add('x-content-type-options', undefined, 'nosniff');
  add('x-dns-prefetch-control', undefined, 'off');
  add('x-download-options', undefined, 'noopen');
  add('x-frame-options', options.xFrameOptions, 'SAMEORIGIN');
  add('x-permitted-cross-domain-policies', undefined, 'none');
  add('x-xss-protection', undefined, '0');
  const hsts =
    options.strictTransportSecurity === false
      ? undefined
      : (options.strictTransportSecurity ?? 'max-age=15552000; includeSubDomains');
  if (hsts !== undefined) checkHeader('strict-transport-security', hsts);
  // Without a nonce the CSP is the same for every request: build it once per TLS setting.
  const staticCsp =
    directives !== undefined && !useNonce
      ? [cspText(directives, undefined, false), cspText(directives, undefined, true)]
      : undefined;

  return makeWrapper((inner) => {
    const decorate = (r: Reply, ctx: Ctx): Reply => {
      if (r.statusCode === 101) return r; // a WebSocket upgrade: nothing for a browser to apply
      const secure = ctx.env.secure === true;
      const headers = [...r.headers];
      const has = new Set(headers.map(([n]) => n));
      const put = (n: string, v: string) => {
        if (!has.has(n)) headers.push([n, v]);
      };
      if (directives !== undefined) {
        put(
          'content-security-policy',
          staticCsp ? (staticCsp[secure ? 1 : 0] as string) : cspText(directives, ctx.cspNonce, secure),
        );
      }
      for (const [n, v] of fixed) put(n, v);
      if (secure && hsts !== undefined) put('strict-transport-security', hsts);
      return new Reply(r.statusCode, headers, r.body, r.pendingCookies);
    };
    const run = (ctx: Ctx): Step => {
      if (useNonce) ctx.cspNonce = randomBytes(16).toString('base64');
      const after = (v: Out): Out => (Array.isArray(v) ? [decorate(v[0] as Reply, ctx)] : v);
      const x = inner.run(ctx);
      return x instanceof Promise ? x.then(after) : after(x);
    };
    return new FilterImpl<[Reply]>('secureHeaders', run, {
      leading: inner.leading,
      needs: inner.needs,
      inner: inner as FilterImpl<unknown[]>,
    });
  });
}

/**
 * Extracts this request's CSP nonce, for `<script nonce="…">` and `<style
 * nonce="…">`. Only inside routes wrapped by `secureHeaders()` (elsewhere it
 * is a 500 saying so).
 */
export function cspNonce(): Filter<[string]> {
  return new FilterImpl<[string]>('cspNonce', (ctx) => {
    if (ctx.cspNonce === undefined)
      throw new Error('cspNonce() is only available inside routes wrapped by secureHeaders() (with its nonce on)');
    return [ctx.cspNonce];
  });
}
