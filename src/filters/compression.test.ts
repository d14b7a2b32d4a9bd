import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACTOR } from '../../test/reactor.js';
import { reply } from '../reply/index.js';
import { type Server, serve } from '../server/server.js';
import { request } from '../test/index.js';
import { compression } from './compression.js';
import { path } from './path.js';

const big = 'weft '.repeat(1000);
const routes = path('big')
  .map(() => reply.text(big))
  .or(path('small').map(() => reply.text('tiny')))
  .or(path('png').map(() => reply.bytes(new Uint8Array(5000)).header('content-type', 'image/png')))
  .or(path('json').map(() => reply.json({ items: Array.from({ length: 500 }, (_, i) => i) })))
  .with(compression());

describe(`compression() (${REACTOR} reactor)`, () => {
  it('brotli when accepted, gzip otherwise, with Vary', async () => {
    const br = await request().path('/big').header('accept-encoding', 'gzip, br').reply(routes);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(brotliDecompressSync(br.body).toString()).toBe(big);
    const gz = await request().path('/big').header('accept-encoding', 'gzip').reply(routes);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(big);
    expect(gz.body.byteLength).toBeLessThan(big.length / 10);
  });

  it('leaves alone: no Accept-Encoding, q=0, small bodies, already-compressed types', async () => {
    const plain = await request().path('/big').reply(routes);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text()).toBe(big);
    expect(plain.headers.vary).toBe('accept-encoding');
    const q0 = await request().path('/big').header('accept-encoding', 'br;q=0, gzip;q=0').reply(routes);
    expect(q0.headers['content-encoding']).toBeUndefined();
    expect(
      (await request().path('/small').header('accept-encoding', 'br').reply(routes)).headers['content-encoding'],
    ).toBeUndefined();
    expect(
      (await request().path('/png').header('accept-encoding', 'br').reply(routes)).headers['content-encoding'],
    ).toBeUndefined();
  });

  describe('over real HTTP', () => {
    let server: Server;
    beforeAll(async () => {
      server = await serve(routes, { logger: false }).listen({ port: 0 });
    });
    afterAll(() => server.close({ timeoutMs: 100 }));
    it('fetch decodes a compressed JSON reply', async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/json`, { headers: { 'accept-encoding': 'gzip, br' } });
      expect(res.headers.get('content-encoding')).toBe('br');
      expect(((await res.json()) as { items: number[] }).items).toHaveLength(500);
    });
  });
});
