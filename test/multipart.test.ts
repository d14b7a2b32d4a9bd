/**
 * multipart/form-data on a real server, on the reactor under test: parts as
 * they stream in (fields and files in order, a file's bytes hashed as they
 * arrive, an unread file skipped), every limit (413), a malformed body (400),
 * the wrong type (415), and the buffered form validated by zod.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { body, path, post, reply, type Server, serve, type UploadedFile } from '../src/index.js';
import { rawOnce } from './helpers.js';
import { REACTOR } from './reactor.js';

let server: Server;
let base: string;

const Profile = z.object({
  name: z.string().min(1),
  tags: z.array(z.string()).optional(),
  avatar: z.custom<UploadedFile>((v) => typeof v === 'object' && v !== null && 'data' in v, 'avatar must be a file'),
});

beforeAll(async () => {
  const routes = post()
    .and(path('upload'))
    .and(body.multipart({ fileSize: 8 * 1024 * 1024, limit: 16 * 1024 * 1024, files: 3 }))
    .then(async (parts) => {
      const seen: unknown[] = [];
      for await (const part of parts) {
        if (part.kind === 'field') seen.push({ field: part.name, value: part.value });
        else if (part.name === 'skip')
          seen.push({ skipped: part.filename }); // never read: skipped
        else {
          const hash = createHash('sha256');
          let size = 0;
          for await (const chunk of part.stream) {
            hash.update(chunk);
            size += chunk.byteLength;
          }
          seen.push({
            file: part.name,
            filename: part.filename,
            type: part.mimeType,
            size,
            sha256: hash.digest('hex'),
          });
        }
      }
      return reply.json(seen);
    })
    .or(
      post()
        .and(path('upload-small'))
        .and(body.multipart({ fileSize: 64 * 1024 }))
        .then(async (parts) => {
          for await (const part of parts) if (part.kind === 'file') for await (const _ of part.stream);
          return reply.empty(204);
        }),
    )
    .or(
      post()
        .and(path('profile'))
        .and(body.multipart.buffered(Profile, { fileSize: 64 * 1024 }))
        .map((p) =>
          reply.json({
            name: p.name,
            tags: p.tags ?? [],
            avatar: { filename: p.avatar.filename, size: p.avatar.data.byteLength },
          }),
        ),
    );
  server = await serve(routes, { logger: false }).listen({ port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close({ timeoutMs: 100 });
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe(`multipart on the ${REACTOR} reactor`, () => {
  it('streams fields and files in order; a file is hashed as it arrives; an unread file is skipped', async () => {
    const big = randomBytes(5 * 1024 * 1024);
    const small = new TextEncoder().encode('tiny file');
    const form = new FormData();
    form.append('title', 'holiday');
    form.append('photo', new Blob([big], { type: 'image/jpeg' }), 'beach.jpg');
    form.append('skip', new Blob([randomBytes(100_000)]), 'ignored.bin');
    form.append('note', new Blob([small], { type: 'text/plain' }), 'note.txt');
    form.append('after', 'last field');
    const res = await fetch(`${base}/upload`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { field: 'title', value: 'holiday' },
      { file: 'photo', filename: 'beach.jpg', type: 'image/jpeg', size: big.byteLength, sha256: sha(big) },
      { skipped: 'ignored.bin' },
      { file: 'note', filename: 'note.txt', type: 'text/plain', size: small.byteLength, sha256: sha(small) },
      { field: 'after', value: 'last field' },
    ]);
  });

  it('413 over the per-file, file-count or total limit; 415 for another type; 400 when malformed; the server keeps serving', async () => {
    // A file past `fileSize` while it streams. Sent raw, in one write: a fetch still writing
    // its body when the 413 and the close come fails with EPIPE on Node 26 instead of reading it.
    const boundary = 'weftboundary';
    const file = randomBytes(100 * 1024).toString('base64');
    const big = `--${boundary}\r\ncontent-disposition: form-data; name="photo"; filename="big.bin"\r\ncontent-type: application/octet-stream\r\n\r\n${file}\r\n--${boundary}--\r\n`;
    const over = await rawOnce(
      server.port,
      `POST /upload-small HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=${boundary}\r\ncontent-length: ${big.length}\r\n\r\n${big}`,
    );
    expect(over.status).toBe(413);
    const fits = new FormData();
    fits.append('photo', new Blob([randomBytes(60 * 1024)]), 'ok.bin');
    expect((await fetch(`${base}/upload-small`, { method: 'POST', body: fits })).status).toBe(204);
    // One file more than `files`, also raw and in one write (the answer comes while a fetch would still be writing).
    let many = '';
    for (let i = 0; i < 4; i++)
      many += `--${boundary}\r\ncontent-disposition: form-data; name="f${i}"; filename="${i}.txt"\r\n\r\nx\r\n`;
    many += `--${boundary}--\r\n`;
    const tooMany = await rawOnce(
      server.port,
      `POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=${boundary}\r\ncontent-length: ${many.length}\r\n\r\n${many}`,
    );
    expect(tooMany.status).toBe(413);
    const declared = await rawOnce(
      server.port,
      `POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=b\r\ncontent-length: ${17 * 1024 * 1024}\r\n\r\n`,
    );
    expect(declared.status).toBe(413);
    expect(
      (
        await rawOnce(
          server.port,
          'POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
        )
      ).status,
    ).toBe(415);
    const malformed = '--b\r\ncontent-disposition: form-data; name="a"\r\n\r\nvalue-without-closing-boundary';
    const bad = await rawOnce(
      server.port,
      `POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=b\r\ncontent-length: ${malformed.length}\r\n\r\n${malformed}`,
    );
    expect(bad.status).toBe(400);
    const ok = new FormData();
    ok.append('title', 'still here');
    expect((await fetch(`${base}/upload`, { method: 'POST', body: ok })).status).toBe(200);
  });

  it('buffered: fields (repeated → array) and files validated by zod; 400 with issues; 413 over the file limit', async () => {
    const form = new FormData();
    form.append('name', 'ann');
    form.append('tags', 'a');
    form.append('tags', 'b');
    form.append('avatar', new Blob([randomBytes(1000)], { type: 'image/png' }), 'me.png');
    const res = await fetch(`${base}/profile`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'ann', tags: ['a', 'b'], avatar: { filename: 'me.png', size: 1000 } });
    const missing = new FormData();
    missing.append('name', '');
    const bad = await fetch(`${base}/profile`, { method: 'POST', body: missing });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { issues: { path: string[] }[] };
    expect(problem.issues.map((i) => i.path.join('.')).sort()).toEqual(['avatar', 'name']);
    // Over the file limit: raw, in one write (see above).
    const b = 'weftboundary';
    const big = `--${b}\r\ncontent-disposition: form-data; name="name"\r\n\r\nann\r\n--${b}\r\ncontent-disposition: form-data; name="avatar"; filename="big.png"\r\n\r\n${randomBytes(100 * 1024).toString('base64')}\r\n--${b}--\r\n`;
    const over = await rawOnce(
      server.port,
      `POST /profile HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=${b}\r\ncontent-length: ${big.length}\r\n\r\n${big}`,
    );
    expect(over.status).toBe(413);
  });
});
