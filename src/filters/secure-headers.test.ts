/** secureHeaders() and cspNonce() through the in-process harness. */
import { describe, expect, it } from 'vitest';
import { cspNonce, get, path, reply, secureHeaders } from '../index.js';
import { request } from '../test/index.js';

const page = get()
  .and(path())
  .and(cspNonce())
  .map((nonce) => reply.html(`<script nonce="${nonce}">1</script>`));

describe('secureHeaders()', () => {
  it('adds helmet’s headers and a CSP whose script and style nonce is the one cspNonce() extracted', async () => {
    const res = await request().path('/').reply(page.with(secureHeaders()));
    const h = res.headers;
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['x-frame-options']).toBe('SAMEORIGIN');
    expect(h['referrer-policy']).toBe('no-referrer');
    expect(h['cross-origin-opener-policy']).toBe('same-origin');
    expect(h['x-xss-protection']).toBe('0');
    expect(h['strict-transport-security']).toBeUndefined(); // not on plain HTTP
    const nonce = /nonce="([^"]+)"/.exec(res.text())?.[1] as string;
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const csp = h['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}'`);
    expect(csp).toContain(`style-src 'self' https: 'unsafe-inline' 'nonce-${nonce}'`);
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // A fresh nonce for every request.
    const again = await request().path('/').reply(page.with(secureHeaders()));
    expect(/nonce="([^"]+)"/.exec(again.text())?.[1]).not.toBe(nonce);
  });

  it('on TLS adds HSTS and upgrade-insecure-requests', async () => {
    const res = await request().path('/').secure().reply(page.with(secureHeaders()));
    expect(res.headers['strict-transport-security']).toBe('max-age=15552000; includeSubDomains');
    expect(res.headers['content-security-policy']).toMatch(/; upgrade-insecure-requests$/);
  });

  it('takes options, and leaves headers the reply set itself', async () => {
    const routes = get()
      .and(path('x'))
      .map(() => reply.text('x').header('x-frame-options', 'DENY'))
      .with(
        secureHeaders({
          contentSecurityPolicy: { 'img-src': ["'self'", 'https://img.example'], 'font-src': null },
          nonce: false,
          referrerPolicy: false,
          strictTransportSecurity: 'max-age=60',
        }),
      );
    const res = await request().path('/x').secure().reply(routes);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBe('max-age=60');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("img-src 'self' https://img.example");
    expect(csp).not.toContain('font-src');
    expect(csp).not.toContain('nonce-');
    const noCsp = await request()
      .path('/x')
      .reply(
        get()
          .and(path('x'))
          .map(() => 'x')
          .with(secureHeaders({ contentSecurityPolicy: false })),
      );
    expect(noCsp.headers['content-security-policy']).toBeUndefined();
    expect(noCsp.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses bad CSP input when built; cspNonce() outside secureHeaders is a 500', async () => {
    expect(() => secureHeaders({ contentSecurityPolicy: { 'script-src': ["'self'; evil"] } })).toThrow(TypeError);
    expect(() => secureHeaders({ contentSecurityPolicy: { 'Bad Name': [] } })).toThrow(TypeError);
    expect((await request().path('/').reply(page)).status).toBe(500);
  });
});
