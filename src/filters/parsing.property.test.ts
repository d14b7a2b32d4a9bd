/** Property tests (fast-check) for the parsing the filters do: path, query, cookie, header. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Ctx } from '../filter/context.js';
import type { RequestSource } from '../filter/request-source.js';
import { request } from '../test/index.js';
import { cookie, findCookie } from './cookie.js';
import { header } from './header.js';
import { int, str } from './params.js';
import { path } from './path.js';
import { query } from './query.js';
import { parseUrlEncoded } from './util.js';

const segment = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });

describe('parsing properties', () => {
  it('path: any percent-encoded segments come back decoded, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 5 }), async (segs) => {
        const f = path.prefix(...segs.map(() => str)).and(path.end());
        const got = await request()
          .path(`/${segs.map(encodeURIComponent).join('/')}`)
          .filter(f);
        expect(got).toEqual(segs);
      }),
    );
  });

  it('path: int accepts exactly the safe integers, whatever else the segment holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }).map(String), segment),
        async (s) => {
          const ok = /^[+-]?\d+$/.test(s) && Number.isSafeInteger(Number(s));
          const matched = await request()
            .path(`/${encodeURIComponent(s)}`)
            .matches(path(int));
          expect(matched).toBe(ok);
        },
      ),
    );
  });

  it('path: a random path never throws; bad encoding is a 400, anything else 404 or a match', async () => {
    const raw = fc
      .array(fc.constantFrom('a', 'b', '%', '2', 'F', 'z', '/', 'é'), { maxLength: 12 })
      .map((cs) => `/${cs.join('')}`);
    await fc.assert(
      fc.asyncProperty(raw, async (p) => {
        const res = await request()
          .path(p)
          .reply(path('a', str).map((s) => s));
        expect([200, 400, 404]).toContain(res.status);
      }),
    );
  });

  it('path: the hand-written splitter cuts any path exactly as split("/") did (one trailing slash ignored)', () => {
    const reference = (p: string): string[] => {
      if (p.length <= 1) return [];
      const segs = p.slice(1).split('/');
      if (segs[segs.length - 1] === '') segs.pop();
      return segs;
    };
    const raw = fc.array(fc.constantFrom('a', 'b', '/', '%2F', 'é'), { maxLength: 10 }).map((cs) => `/${cs.join('')}`);
    fc.assert(
      fc.property(raw, (p) => {
        expect(new Ctx({ path: p } as RequestSource).rawSegments()).toEqual(reference(p));
      }),
      { numRuns: 5000 },
    );
    for (const p of ['/', '//', '///', '/a/', '/a//', '//a'])
      expect(new Ctx({ path: p } as RequestSource).rawSegments()).toEqual(reference(p));
  });

  it('query: any string map survives URL encoding; repeated keys become arrays', async () => {
    const key = fc.string({ minLength: 1, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(key, fc.string({ maxLength: 10 }), { maxKeys: 6 }),
        fc.string({ minLength: 1, maxLength: 4 }),
        async (m, rep) => {
          const qs = new URLSearchParams(Object.entries(m));
          qs.append(`r_${rep}`, 'x');
          qs.append(`r_${rep}`, 'y');
          const [got] = await request()
            .path(`/?${qs.toString()}`)
            .filter(query(z.record(z.string(), z.unknown())));
          for (const [k, v] of Object.entries(m)) if (k !== `r_${rep}`) expect(got[k]).toBe(v);
          expect(got[`r_${rep}`]).toEqual(expect.arrayContaining(['x', 'y']));
        },
      ),
    );
  });

  it('query: the hand-written form decoder reads any string exactly as URLSearchParams does', () => {
    const reference = (text: string) => {
      const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>; // keys like `valueOf`
      for (const [k, v] of new URLSearchParams(text)) {
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      return out;
    };
    const piece = fc.oneof(
      fc.string(),
      fc.constantFrom('%', '%2', '%zz', '%41', '%E2%82%AC', '%C3', '+', '=', '&', '&&', '=='),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect({ ...parseUrlEncoded(text) }).toEqual({ ...reference(text) });
      }),
      { numRuns: 2000 },
    );
  });

  it('cookie: finds any token-named cookie among others, quotes removed', async () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,10}$/);
    const octets = fc.stringMatching(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{0,12}$/);
    await fc.assert(
      fc.asyncProperty(token, octets, fc.boolean(), async (name, value, quoted) => {
        const headerValue = `other=1; ${name}=${quoted ? `"${value}"` : value}; last=2`;
        const expected = name === 'other' ? '1' : value; // the first pair with that name wins
        expect(findCookie(headerValue, name)).toBe(expected);
        if (name !== 'other')
          expect(await request().header('cookie', headerValue).filter(cookie(name))).toEqual([value]);
      }),
    );
  });

  it('header: any visible-ASCII value comes back unchanged, names are case-insensitive', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\x20-\x7e]{1,40}$/), fc.boolean(), async (value, upper) => {
        const name = upper ? 'X-Prop' : 'x-prop';
        expect(await request().header(name, value).filter(header('x-PROP'))).toEqual([value]);
      }),
    );
  });
});
