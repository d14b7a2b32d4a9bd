/** node:http with hand routing and validation. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JSON_BODY, PORT, parseSearch, ROUTES, ready, validPerson, validTodo } from './common.js';

let nextTodo = 0;

const extra = new Set(Array.from({ length: Math.max(0, ROUTES - 1) }, (_, i) => `r${i + 1}`));
/** Read a JSON body as a plain node:http app does: collect the chunks, parse at the end (undefined if malformed). */
function readJson(req: IncomingMessage, answer: (v: unknown) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let v: unknown;
    try {
      v = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      v = undefined;
    }
    answer(v);
  });
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const segs = path.split('/');
  if (req.method === 'GET' && path === '/json') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(JSON_BODY));
  } else if (req.method === 'POST' && path === '/echo') {
    readJson(req, (v) => {
      if (validPerson(v)) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      else res.writeHead(400).end('invalid');
    });
  } else if (req.method === 'POST' && path === '/todos') {
    readJson(req, (v) => {
      if (validTodo(v))
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: ++nextTodo, ...v }));
      else res.writeHead(400).end('invalid');
    });
  } else if (req.method === 'GET' && path === '/search') {
    const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const s = parseSearch(params.get('q'), params.get('page'));
    const key = req.headers['x-api-key'];
    const lang = req.headers['accept-language'];
    if (!s || typeof key !== 'string' || !lang) res.writeHead(400).end('invalid');
    else
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ q: s.q, page: s.page, key, lang }));
  } else if (req.method === 'GET' && segs.length === 3 && segs[1] === 'hello' && segs[2]) {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(`Hello, ${decodeURIComponent(segs[2])}!`);
  } else if (req.method === 'GET' && segs.length === 3 && extra.has(segs[1] ?? '')) {
    res.end(segs[2]);
  } else {
    res.writeHead(404).end('not found');
  }
});
server.keepAliveTimeout = 60_000;
server.listen(PORT, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
