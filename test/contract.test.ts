/**
 * One contract, two transports: every case runs against the in-process
 * harness and against a real server on port 0, and must give the same status,
 * headers that matter and body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../src/test/index.js';
import { routes } from './fixtures/suites/contract.js';
import { REACTOR } from './reactor.js';
import { type Served, startFixture } from './remote.js';

interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
interface Res {
  status: number;
  headers: Record<string, string>;
  body: string;
}
type Send = (req: Req) => Promise<Res>;

const viaHarness: Send = async (req) => {
  const b = request()
    .method(req.method ?? 'GET')
    .path(req.path);
  for (const [k, v] of Object.entries(req.headers ?? {})) b.header(k, v);
  if (req.body !== undefined) b.body(req.body);
  const res = await b.reply(routes);
  return { status: res.status, headers: { ...res.headers }, body: res.text() };
};

let server: Served;
const viaServer: Send = async (req) => {
  const res = await fetch(`http://127.0.0.1:${server.port}${req.path}`, {
    method: req.method ?? 'GET',
    headers: req.headers ?? {},
    body: req.body ?? null,
    redirect: 'manual',
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return { status: res.status, headers, body: await res.text() };
};

interface Case {
  name: string;
  req: Req;
  check: (res: Res) => void;
}

const problem = (status: number) => (res: Res) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect((JSON.parse(res.body) as { status: number }).status).toBe(status);
};

const cases: Case[] = [
  {
    name: 'a static + param route answers text',
    req: { path: '/hello/world' },
    check: (r) => {
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.body).toBe('Hello, world!');
    },
  },
  { name: 'an unknown path is a 404 problem', req: { path: '/nope' }, check: problem(404) },
  {
    name: 'a known path with another method is a 405',
    req: { method: 'DELETE', path: '/hello/x' },
    check: problem(405),
  },
  { name: 'a param that does not parse is a 404', req: { path: '/n/abc' }, check: problem(404) },
  { name: 'bad percent-encoding is a 400', req: { path: '/hello/%zz' }, check: problem(400) },
  {
    name: 'percent-decoded params',
    req: { path: '/hello/caf%C3%A9' },
    check: (r) => expect(r.body).toBe('Hello, café!'),
  },
  {
    name: 'an object is served as JSON',
    req: { path: '/n/42' },
    check: (r) => {
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse(r.body)).toEqual({ n: 42 });
    },
  },
  {
    name: 'a valid JSON body is echoed with 201',
    req: { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"a":1}' },
    check: (r) => {
      expect(r.status).toBe(201);
      expect(JSON.parse(r.body)).toEqual({ a: 1 });
    },
  },
  {
    name: 'a JSON body failing its schema is a 400 with issues',
    req: { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"a":"x"}' },
    check: (r) => {
      problem(400)(r);
      expect((JSON.parse(r.body) as { issues: { path: string[] }[] }).issues[0]?.path).toEqual(['a']);
    },
  },
  {
    name: 'malformed JSON is a 400',
    req: { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"a":' },
    check: problem(400),
  },
  {
    name: 'prototype poisoning is a 400',
    req: {
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1,"__proto__":{"x":1}}',
    },
    check: problem(400),
  },
  {
    name: 'a wrong content type is a 415',
    req: { method: 'POST', path: '/echo', headers: { 'content-type': 'text/xml' }, body: '<a/>' },
    check: problem(415),
  },
  {
    name: 'a body over the limit is a 413',
    req: {
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/json' },
      body: `{"a":1,"pad":"${'x'.repeat(100)}"}`,
    },
    check: problem(413),
  },
  { name: 'an invalid query is a 400', req: { path: '/q?n=abc' }, check: problem(400) },
  { name: 'a valid query parses', req: { path: '/q?n=3' }, check: (r) => expect(JSON.parse(r.body)).toEqual({ n: 3 }) },
  {
    name: 'a redirect carries its location',
    req: { path: '/redirect' },
    check: (r) => {
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe('/hello/there');
    },
  },
  { name: 'a throwing handler is a 500 problem', req: { path: '/throws' }, check: problem(500) },
  {
    name: 'a cookie is read',
    req: { path: '/cookie', headers: { cookie: 'a=1; sid=xyz' } },
    check: (r) => expect(r.body).toBe('sid=xyz'),
  },
  { name: 'a missing cookie is a 400', req: { path: '/cookie' }, check: problem(400) },
  { name: 'a missing header is a 400', req: { path: '/header' }, check: problem(400) },
  {
    name: 'a custom rejection is recovered to a 401',
    req: { method: 'DELETE', path: '/secret' },
    check: (r) => expect(r.status).toBe(401),
  },
  {
    name: 'andThen passes with the right token',
    req: { method: 'DELETE', path: '/secret', headers: { authorization: 'Bearer ok' } },
    check: (r) => {
      expect(r.status).toBe(204);
      expect(r.body).toBe('');
    },
  },
  {
    name: 'HEAD of a GET route has no body',
    req: { method: 'HEAD', path: '/hello/x' },
    check: (r) => {
      expect(r.status).toBe(200);
      expect(r.body).toBe('');
    },
  },
  { name: 'an empty 204', req: { path: '/empty' }, check: (r) => expect([r.status, r.body]).toEqual([204, '']) },
];

beforeAll(async () => {
  server = await startFixture('contract');
});
afterAll(async () => {
  await server?.close();
});

for (const [transport, send] of [
  ['harness', viaHarness],
  ['server', viaServer],
] as const) {
  describe(`contract via the ${transport}`, () => {
    for (const c of cases) it(c.name, async () => c.check(await send(c.req)));
  });
}

describe(`contract: both transports agree (${REACTOR} reactor)`, () => {
  for (const c of cases) {
    it(`same status and body: ${c.name}`, async () => {
      const [a, b] = await Promise.all([viaHarness(c.req), viaServer(c.req)]);
      expect(b.status).toBe(a.status);
      expect(b.body).toBe(a.body);
      expect(b.headers['content-type']).toBe(a.headers['content-type']);
    });
  }
});
