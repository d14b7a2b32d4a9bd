import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reply } from '../reply/index.js';
import { request } from '../test/index.js';
import { body } from './body.js';
import { cors } from './cors.js';
import { get, post } from './method.js';
import { path } from './path.js';
import { query } from './query.js';

const routes = get()
  .and(path('data'))
  .map(() => reply.json({ ok: true }))
  .or(
    post()
      .and(path('data'))
      .map(() => 'posted'),
  );

describe('cors()', () => {
  const app = routes.with(
    cors({
      origins: ['https://app.example'],
      headers: ['content-type', 'x-key'],
      maxAge: 600,
      credentials: true,
      exposeHeaders: ['x-total'],
    }),
  );

  it('leaves requests without Origin alone', async () => {
    const res = await request().path('/data').reply(app);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('adds CORS headers for an allowed origin', async () => {
    const res = await request().path('/data').header('origin', 'https://app.example').reply(app);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toBe('x-total');
    expect(res.headers.vary).toBe('origin');
  });

  it('answers a preflight with 204 and the allowed methods and headers', async () => {
    const res = await request()
      .method('OPTIONS')
      .path('/data')
      .header('origin', 'https://app.example')
      .header('access-control-request-method', 'POST')
      .header('access-control-request-headers', 'Content-Type, X-Key')
      .reply(app);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toBe('content-type, x-key');
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  it('rejects a disallowed origin, method or header with 403', async () => {
    expect((await request().path('/data').header('origin', 'https://evil.example').reply(app)).status).toBe(403);
    const badMethod = await request()
      .method('OPTIONS')
      .header('origin', 'https://app.example')
      .header('access-control-request-method', 'PURGE')
      .reply(app);
    expect(badMethod.status).toBe(403);
    const badHeader = await request()
      .method('OPTIONS')
      .header('origin', 'https://app.example')
      .header('access-control-request-method', 'GET')
      .header('access-control-request-headers', 'x-secret')
      .reply(app);
    expect(badHeader.status).toBe(403);
  });

  it("allows any origin with '*' and refuses '*' with credentials", async () => {
    const open = routes.with(cors());
    expect(
      (await request().path('/data').header('origin', 'https://x.example').reply(open)).headers[
        'access-control-allow-origin'
      ],
    ).toBe('*');
    expect(() => cors({ credentials: true })).toThrow(TypeError);
  });

  describe('on answers that are rejections', () => {
    const api = get()
      .and(path('items'))
      .and(query(z.object({ limit: z.coerce.number<number>().int().max(100) })))
      .map((q) => q)
      .or(
        post()
          .and(path('items'))
          .and(body.json(z.object({ name: z.string() }), { limit: 64 }))
          .map((v) => reply.json(v).status(201)),
      );
    const app = api.with(cors({ origins: ['https://app.example'] }));
    const from = (m: string, p: string) => request().method(m).path(p).header('origin', 'https://app.example');

    it('adds the CORS headers to 400, 404, 405 and 413 problem replies', async () => {
      const answers = [
        await from('GET', '/items?limit=1000').reply(app),
        await from('GET', '/nope').reply(app),
        await from('DELETE', '/items').reply(app),
        await from('POST', '/items')
          .json({ name: 'x'.repeat(100) })
          .reply(app),
      ];
      expect(answers.map((r) => r.status)).toEqual([400, 404, 405, 413]);
      for (const r of answers) {
        expect(r.headers['content-type']).toBe('application/problem+json');
        expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
        expect(r.headers.vary).toBe('origin');
      }
      expect(answers[2]?.headers.allow).toBe('GET, HEAD, POST');
    });

    it('leaves a rejection a rejection: another branch of an or may still answer', async () => {
      const both = app.or(path('health').map(() => 'ok'));
      const res = await from('GET', '/health').reply(both);
      expect([res.status, res.text()]).toEqual([200, 'ok']);
    });

    it('carries the headers to rejection.toReply() in a recover outside the wrapper', async () => {
      const recovered = app.recover((r) => r.toReply().header('cache-control', 'no-store'));
      const res = await from('GET', '/nope').reply(recovered);
      expect(res.status).toBe(404);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('does not decorate the 403 for an origin that is not allowed', async () => {
      const res = await request().path('/items').header('origin', 'https://evil.example').reply(app);
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
