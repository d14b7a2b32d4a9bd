/**
 * Raw uWebSockets.js: the same routes by hand (the baseline).
 *
 * READS (hello only, for load-tests/floor.ts): `line` also reads the method,
 * URL and query as weft's uws reactor does before any filter; `head` also
 * walks the headers once (what weft does on uWS 20.30 to enforce its limits).
 */
import { type HttpResponse, loadBinding } from '../../src/reactor/uws/binding.js';
import { JSON_BODY, PORT, parseSearch, ROUTES, ready, validPerson, validTodo } from './common.js';

// The same binding weft's uws reactor loads (and the same head cap).
const binding = loadBinding(16384);
if (binding instanceof Error) throw binding;
const uws = binding.uws;
const app = uws.App();
app.get('/json', (res) => {
  res.writeStatus('200 OK').writeHeader('content-type', 'application/json').end(JSON.stringify(JSON_BODY));
});
/** Read a JSON body as a plain uWS app does: copy each chunk, parse at the end (undefined if malformed), answer corked. */
function readJson(res: HttpResponse, answer: (v: unknown) => void): void {
  let aborted = false;
  const chunks: Buffer[] = [];
  res.onAborted(() => {
    aborted = true;
  });
  res.onData((ab, last) => {
    chunks.push(Buffer.from(ab.slice(0)));
    if (!last || aborted) return;
    let v: unknown;
    try {
      v = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      v = undefined;
    }
    res.cork(() => answer(v));
  });
}
app.post('/echo', (res) =>
  readJson(res, (v) => {
    if (validPerson(v)) res.writeHeader('content-type', 'application/json').end(JSON.stringify(v));
    else res.writeStatus('400 Bad Request').end('invalid');
  }),
);
let nextTodo = 0;
app.post('/todos', (res) =>
  readJson(res, (v) => {
    if (validTodo(v))
      res
        .writeStatus('201 Created')
        .writeHeader('content-type', 'application/json')
        .end(JSON.stringify({ id: ++nextTodo, ...v }));
    else res.writeStatus('400 Bad Request').end('invalid');
  }),
);
app.get('/search', (res, req) => {
  const s = parseSearch(req.getQuery('q'), req.getQuery('page'));
  const key = req.getHeader('x-api-key');
  const lang = req.getHeader('accept-language');
  if (!s || !key || !lang) {
    res.writeStatus('400 Bad Request').end('invalid');
    return;
  }
  res.writeHeader('content-type', 'application/json').end(JSON.stringify({ q: s.q, page: s.page, key, lang }));
});
for (let i = 1; i < ROUTES; i++) {
  app.get(`/r${i}/:x`, (res, req) => {
    res.end(req.getParameter(0));
  });
}
const READS = process.env.READS ?? 'none';
let readBytes = 0;
const readOne = (k: string, v: string): void => {
  readBytes += k.length + v.length;
};
app.get('/hello/:name', (res, req) => {
  if (READS !== 'none') {
    const q = req.getQuery();
    readBytes += req.getCaseSensitiveMethod().length + req.getUrl().length + (q === undefined ? 0 : q.length);
    if (READS === 'head') req.forEach(readOne);
  }
  const name = req.getParameter(0);
  res.writeHeader('content-type', 'text/plain; charset=utf-8').end(`Hello, ${name}!`);
});
app.any('/*', (res) => {
  res.writeStatus('404 Not Found').end(readBytes < 0 ? String(readBytes) : 'not found');
});
app.listen('127.0.0.1', PORT, (ls) => {
  if (!ls) throw new Error('listen failed');
  ready(uws.us_socket_local_port(ls as never));
});
