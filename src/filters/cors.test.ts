import { describe, expect, it } from 'vitest';
import { reply } from '../reply/index.js';
import { request } from '../test/index.js';
import { cors } from './cors.js';
import { get, post } from './method.js';
import { path } from './path.js';

const routes = get()
  .and(path('data'))
  .map(() => reply.json({ ok: true }))
  .or(post().and(path('data')).map(() => 'posted'));

describe('cors()', () => {
  const app = routes.with(cors({ origins: ['https://app.example'], headers: ['content-type', 'x-key'], maxAge: 600, credentials: true, exposeHeaders: ['x-total'] }));

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
    expect((await request().path('/data').header('origin', 'https://x.example').reply(open)).headers['access-control-allow-origin']).toBe('*');
    expect(() => cors({ credentials: true })).toThrow(TypeError);
  });
});
