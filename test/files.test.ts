/**
 * files.dir / files.file against a real server, on the reactor under test:
 * headers, HEAD, 405, conditional requests, ranges at the file's edges,
 * precompressed siblings, directories, a 1 MiB file byte for byte, and the
 * traversal list (sent raw, so no client normalizes it first).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { files, path, type Server, serve } from '../src/index.js';
import { RawClient, rawOnce, until } from './helpers.js';
import { REACTOR } from './reactor.js';

let dir: string;
let server: Server;
let base: string;
const HELLO = 'hello, static world\n';
const BIG = randomBytes(1024 * 1024);
const APP = 'console.log("app");\n'.repeat(50);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-files-'));
  const pub = join(dir, 'public');
  mkdirSync(join(pub, 'sub'), { recursive: true });
  mkdirSync(join(pub, '.git'));
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(pub, 'hello.txt'), HELLO);
  writeFileSync(join(pub, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(pub, 'sub', 'index.html'), '<h1>sub</h1>');
  writeFileSync(join(pub, 'empty.txt'), '');
  writeFileSync(join(pub, 'big.bin'), BIG);
  writeFileSync(join(pub, 'app.js'), APP);
  writeFileSync(join(pub, 'app.js.br'), brotliCompressSync(APP));
  writeFileSync(join(pub, 'app.js.gz'), gzipSync(APP));
  writeFileSync(join(pub, '.env'), 'SECRET=1');
  writeFileSync(join(pub, '.git', 'config'), '[core]');
  writeFileSync(join(dir, 'outside', 'secret.txt'), 'TOP SECRET');
  writeFileSync(join(dir, 'public-sibling.txt'), 'NOT PUBLIC');
  symlinkSync(join(dir, 'outside', 'secret.txt'), join(pub, 'link-out'));
  symlinkSync(join(dir, 'outside'), join(pub, 'dir-out'));
  symlinkSync(join(pub, 'hello.txt'), join(pub, 'link-in'));
  const old = new Date('2024-01-01T00:00:00Z');
  utimesSync(join(pub, 'hello.txt'), old, old);
  const routes = path
    .prefix('static')
    .and(files.dir(join(dir, 'public'), { maxAge: 60 }))
    .or(path('favicon.ico').and(files.file(join(pub, 'hello.txt'))));
  server = await serve(routes, { logger: false }).listen({ port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close({ timeoutMs: 100 });
  rmSync(dir, { recursive: true, force: true });
});

const get = (p: string, headers: Record<string, string> = {}) => fetch(`${base}${p}`, { headers });

describe(`files on the ${REACTOR} reactor`, () => {
  it('serves a file with type, length, validators, cache-control and accept-ranges; HEAD the same without a body', async () => {
    const res = await get('/static/hello.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(HELLO.length));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(res.headers.get('last-modified')).toBe('Mon, 01 Jan 2024 00:00:00 GMT');
    expect(res.headers.get('etag')).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.headers.get('transfer-encoding')).toBeNull();
    expect(await res.text()).toBe(HELLO);
    const head = await rawOnce(server.port, 'HEAD /static/hello.txt HTTP/1.1\r\nhost: x\r\n\r\n', true);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(HELLO.length));
    expect(head.body).toBe('');
    expect((await fetch(`${base}/static/hello.txt`, { method: 'POST' })).status).toBe(405);
    const empty = await get('/static/empty.txt');
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-length')).toBe('0');
    expect(await empty.text()).toBe('');
    const one = await get('/favicon.ico');
    expect(await one.text()).toBe(HELLO);
  });

  it('answers 304 to a matching If-None-Match or a fresh If-Modified-Since, 200 otherwise', async () => {
    const etag = (await get('/static/hello.txt')).headers.get('etag') as string;
    const hit = await get('/static/hello.txt', { 'if-none-match': etag });
    expect(hit.status).toBe(304);
    expect(hit.headers.get('etag')).toBe(etag);
    expect(await hit.text()).toBe('');
    expect((await get('/static/hello.txt', { 'if-none-match': `"other", ${etag}` })).status).toBe(304);
    expect((await get('/static/hello.txt', { 'if-none-match': '"other"' })).status).toBe(200);
    expect((await get('/static/hello.txt', { 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' })).status).toBe(304);
    expect((await get('/static/hello.txt', { 'if-modified-since': 'Sun, 31 Dec 2023 23:59:59 GMT' })).status).toBe(200);
    // If-None-Match decides when both are sent.
    expect(
      (
        await get('/static/hello.txt', {
          'if-none-match': '"other"',
          'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT',
        })
      ).status,
    ).toBe(200);
  });

  it('serves one range (206), suffix and open ranges, at the edges; 416 when unsatisfiable; several ranges → whole file', async () => {
    const n = HELLO.length;
    const range = async (r: string, extra: Record<string, string> = {}) => {
      const res = await get('/static/hello.txt', { range: r, ...extra });
      return {
        status: res.status,
        cr: res.headers.get('content-range'),
        len: res.headers.get('content-length'),
        body: await res.text(),
      };
    };
    expect(await range('bytes=0-4')).toEqual({ status: 206, cr: `bytes 0-4/${n}`, len: '5', body: 'hello' });
    expect(await range('bytes=0-0')).toEqual({ status: 206, cr: `bytes 0-0/${n}`, len: '1', body: 'h' });
    expect(await range(`bytes=${n - 1}-`)).toEqual({
      status: 206,
      cr: `bytes ${n - 1}-${n - 1}/${n}`,
      len: '1',
      body: '\n',
    });
    expect(await range('bytes=-6')).toEqual({
      status: 206,
      cr: `bytes ${n - 6}-${n - 1}/${n}`,
      len: '6',
      body: 'world\n',
    });
    expect(await range(`bytes=7-${n + 100}`)).toMatchObject({
      status: 206,
      cr: `bytes 7-${n - 1}/${n}`,
      body: HELLO.slice(7),
    });
    expect(await range(`bytes=-${n + 100}`)).toMatchObject({ status: 206, body: HELLO });
    expect(await range(`bytes=${n}-`)).toMatchObject({ status: 416, cr: `bytes */${n}` });
    expect(await range('bytes=5-2')).toMatchObject({ status: 416 });
    expect(await range('bytes=0-1, 4-5')).toMatchObject({ status: 200, body: HELLO });
    expect(await range('items=0-1')).toMatchObject({ status: 200, body: HELLO });
    const etag = (await get('/static/hello.txt')).headers.get('etag') as string;
    expect(await range('bytes=0-4', { 'if-range': etag.replace(/^W\//, '') })).toMatchObject({
      status: 206,
      body: 'hello',
    });
    expect(await range('bytes=0-4', { 'if-range': '"stale"' })).toMatchObject({ status: 200, body: HELLO });
    expect(await range('bytes=0-4', { 'if-range': 'Mon, 01 Jan 2024 00:00:00 GMT' })).toMatchObject({ status: 206 });
    expect(await range('bytes=0-4', { 'if-range': 'Tue, 02 Jan 2024 00:00:00 GMT' })).toMatchObject({ status: 200 });
  });

  it('chooses a precompressed sibling by Accept-Encoding, with Vary', async () => {
    const raw = (ae: string) =>
      rawOnce(server.port, `GET /static/app.js HTTP/1.1\r\nhost: x\r\naccept-encoding: ${ae}\r\n\r\n`);
    const br = await raw('gzip, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(Number(br.headers['content-length'])).toBe(brotliCompressSync(APP).byteLength);
    const gz = await raw('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    const none = await raw('identity');
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body).toBe(APP);
    expect((await raw('br;q=0, gzip')).headers['content-encoding']).toBe('gzip');
    // fetch decodes it back.
    expect(await (await get('/static/app.js')).text()).toBe(APP);
  });

  it('serves index.html for directories and redirects /dir to /dir/', async () => {
    expect(await (await get('/static/')).text()).toBe('<h1>home</h1>');
    const redirect = await fetch(`${base}/static/sub?x=1`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('sub/?x=1');
    const page = await get('/static/sub/');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe('<h1>sub</h1>');
  });

  it('streams a 1 MiB file byte for byte with a Content-Length', async () => {
    const res = await get('/static/big.bin');
    expect(res.headers.get('content-length')).toBe(String(BIG.byteLength));
    const got = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(BIG).digest('hex'));
    const mid = await get('/static/big.bin', { range: 'bytes=500000-600000' });
    expect(Buffer.from(await mid.arrayBuffer()).equals(BIG.subarray(500000, 600001))).toBe(true);
  });

  it('clients that leave mid-file leave no open file behind (the read stream is closed)', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 20; i++) {
      const c = await RawClient.connect(server.port);
      c.socket.pause(); // read nothing: the server meets backpressure
      c.write('GET /static/big.bin HTTP/1.1\r\nhost: x\r\n\r\n');
      await new Promise((r) => setTimeout(r, 5));
      c.destroy();
    }
    await until(() => fds() <= before + 2);
  });

  it('never serves a byte from outside the root: traversal, encoded separators, backslashes, NUL, dotfiles, links out', async () => {
    const attempts = [
      '/static/../outside/secret.txt',
      '/static/../public-sibling.txt',
      '/static/%2e%2e/outside/secret.txt',
      '/static/%2E%2E/%2E%2E/etc/passwd',
      '/static/..%2foutside%2fsecret.txt',
      '/static/sub/..%2f..%2foutside%2fsecret.txt',
      '/static/..%5coutside%5csecret.txt',
      '/static/..\\outside\\secret.txt',
      '/static/hello.txt%00.png',
      '/static/%00',
      '/static/.env',
      '/static/.git/config',
      '/static/sub/../.env',
      '/static/link-out',
      '/static/dir-out/secret.txt',
      '/static/%zz',
    ];
    for (const p of attempts) {
      const res = await rawOnce(server.port, `GET ${p} HTTP/1.1\r\nhost: x\r\n\r\n`).catch(() => ({
        status: 0,
        body: '',
        headers: {},
      }));
      expect([400, 404], `${p} answered ${res.status}`).toContain(res.status);
      expect(res.body).not.toContain('SECRET');
      expect(res.body).not.toContain('NOT PUBLIC');
      expect(res.body).not.toContain('[core]');
    }
    // A link that stays inside the root is fine.
    expect(await (await get('/static/link-in')).text()).toBe(HELLO);
  });
});
