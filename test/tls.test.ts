/**
 * TLS on the reactor under test: HTTPS requests (with a body), WebSockets as
 * `wss:`, a plain-text request to the TLS port answered with nothing, and a
 * bad certificate refused at `listen`. The certificate is self-signed, made
 * here with openssl.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { body, get, path, post, reply, type Server, secureHeaders, serve, str, ws } from '../src/index.js';
import { rawOnce } from './helpers.js';
import { REACTOR } from './reactor.js';

let dir: string;
let cert: string;
let key: string;
let ca: Buffer;

/** A self-signed certificate for 127.0.0.1 and localhost. */
function makeCertificate(into: string): void {
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(into, 'key.pem'),
        '-out',
        join(into, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('the TLS test needs the openssl binary: apt-get install -y openssl (.ci/run installs it)');
    }
    throw err;
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-tls-'));
  makeCertificate(dir);
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  ca = readFileSync(cert);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close({ timeoutMs: 100 })));
});

const routes = get()
  .and(path('hello', str))
  .map((name) => reply.text(`Hello, ${name}!`))
  .or(
    post()
      .and(path('echo'))
      .and(body.json(z.object({ n: z.number() })))
      .map((v) => reply.json(v)),
  )
  .or(
    path('ws').and(
      ws().map((u) =>
        u.onUpgrade(async (socket) => {
          for await (const m of socket) socket.send(`echo ${m.text()}`);
        }),
      ),
    ),
  );

function request(
  port: number,
  method: string,
  p: string,
  payload?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, method, path: p, ca, headers: payload ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe(`TLS on the ${REACTOR} reactor`, () => {
  it('serves HTTPS (bodies too) and WebSockets as wss:', async () => {
    const s = await serve(routes, { logger: false, requestId: 'always' }).listen({ port: 0, tls: { cert, key } });
    servers.push(s);
    expect(s.secure).toBe(true);
    expect(s.reactor.name).toBe(REACTOR);
    const hello = await request(s.port, 'GET', '/hello/tls');
    expect(hello.status).toBe(200);
    expect(hello.body).toBe('Hello, tls!');
    expect(hello.headers['x-request-id']).toBeTruthy();
    const echo = await request(s.port, 'POST', '/echo', JSON.stringify({ n: 7 }));
    expect(echo.status).toBe(200);
    expect(JSON.parse(echo.body)).toEqual({ n: 7 });
    const client = new WebSocket(`wss://127.0.0.1:${s.port}/ws`, { ca });
    await once(client, 'open');
    client.send('over tls');
    const [msg] = (await once(client, 'message')) as [Buffer];
    expect(msg.toString()).toBe('echo over tls');
    client.close();
    await once(client, 'close');
  });

  it('secureHeaders() sends HSTS over TLS only', async () => {
    const wrapped = routes.with(secureHeaders());
    const tls = await serve(wrapped, { logger: false }).listen({ port: 0, tls: { cert, key } });
    const plain = await serve(wrapped, { logger: false }).listen({ port: 0 });
    servers.push(tls, plain);
    const overTls = await request(tls.port, 'GET', '/hello/x');
    expect(overTls.headers['strict-transport-security']).toBe('max-age=15552000; includeSubDomains');
    expect(String(overTls.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
    const overHttp = await fetch(`http://127.0.0.1:${plain.port}/hello/x`);
    expect(overHttp.headers.get('strict-transport-security')).toBeNull();
    expect(overHttp.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('a plain-text request to the TLS port gets no HTTP answer', async () => {
    const s = await serve(routes, { logger: false }).listen({ port: 0, tls: { cert, key } });
    servers.push(s);
    const answer = await rawOnce(s.port, 'GET /hello/x HTTP/1.1\r\nhost: x\r\n\r\n').then(
      (r) => r.status,
      () => 'no answer',
    );
    expect(answer).not.toBe(200);
    // And the server keeps serving TLS clients.
    expect((await request(s.port, 'GET', '/hello/after')).status).toBe(200);
  });

  it('a certificate or key that cannot be used rejects listen with the reason', async () => {
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, 'not a pem');
    await expect(serve(routes, { logger: false }).listen({ port: 0, tls: { cert: bad, key } })).rejects.toThrow(
      /TLS certificate or key cannot be used/,
    );
    await expect(
      serve(routes, { logger: false }).listen({ port: 0, tls: { cert, key: join(dir, 'missing.pem') } }),
    ).rejects.toThrow(/ENOENT/);
  });
});
