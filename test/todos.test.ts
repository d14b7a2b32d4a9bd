/** Black-box tests of examples/todos over real HTTP, against the example's own process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delay, RawClient, rawOnce, until } from './helpers.js';
import { type Child, startExample } from './process.js';
import { REACTOR } from './reactor.js';

let app: Child;
let base: string;
const json = { 'content-type': 'application/json' };
const todo = (id: number, text = `todo ${id}`) => ({ id, text, completed: false });

beforeAll(async () => {
  app = await startExample('examples/todos/server.ts');
  base = `http://127.0.0.1:${app.port}`;
});
afterAll(async () => {
  app.proc.kill('SIGKILL');
});

const post = (body: unknown, headers: Record<string, string> = json) =>
  fetch(`${base}/todos`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe(`examples/todos (${REACTOR} reactor)`, () => {
  it('lists nothing at first', async () => {
    const res = await fetch(`${base}/todos`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('creates a todo (201, location) and refuses a duplicate id (400)', async () => {
    const res = await post(todo(1));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/todos/1');
    expect(await res.json()).toEqual(todo(1));
    expect((await post(todo(1))).status).toBe(400);
  });

  it('lists with offset and limit; bad numbers are a 400', async () => {
    for (const id of [2, 3, 4]) await post(todo(id));
    expect(
      ((await (await fetch(`${base}/todos?offset=1&limit=2`)).json()) as { id: number }[]).map((t) => t.id),
    ).toEqual([2, 3]);
    for (const q of ['offset=-1', 'limit=abc', 'limit=1.5']) {
      const res = await fetch(`${base}/todos?${q}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('updates with PUT (200) and 404s a missing one', async () => {
    const res = await fetch(`${base}/todos/2`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ ...todo(2, 'changed'), completed: true }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 2, text: 'changed', completed: true });
    const missing = await fetch(`${base}/todos/999`, { method: 'PUT', headers: json, body: JSON.stringify(todo(999)) });
    expect(missing.status).toBe(404);
  });

  it('deletes only with the admin token: 401 without or wrong, 204, then 404', async () => {
    expect((await fetch(`${base}/todos/3`, { method: 'DELETE' })).status).toBe(401);
    expect(
      (await fetch(`${base}/todos/3`, { method: 'DELETE', headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    const ok = await fetch(`${base}/todos/3`, { method: 'DELETE', headers: { authorization: 'Bearer admin' } });
    expect(ok.status).toBe(204);
    expect(await ok.text()).toBe('');
    expect(
      (await fetch(`${base}/todos/3`, { method: 'DELETE', headers: { authorization: 'Bearer admin' } })).status,
    ).toBe(404);
  });

  it('other methods on /todos and /todos/:id are a 405; other paths a 404', async () => {
    expect((await fetch(`${base}/todos`, { method: 'PATCH' })).status).toBe(405);
    expect((await fetch(`${base}/todos`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${base}/todos/1`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/todos/abc`, { method: 'PUT' })).status).toBe(404);
  });

  it('rejects bad bodies: malformed 400, wrong type 415, schema 400, over 16 KiB 413', async () => {
    expect((await post('{"id":')).status).toBe(400);
    expect((await post(todo(50), { 'content-type': 'text/plain' })).status).toBe(415);
    const bad = await post({ id: 'x', text: 1 });
    expect(bad.status).toBe(400);
    const issues = ((await bad.json()) as { issues: { path: string[] }[] }).issues.map((i) => i.path[0]);
    expect(issues).toEqual(expect.arrayContaining(['id', 'text', 'completed']));
    expect((await post({ ...todo(51), text: 'x'.repeat(17 * 1024) })).status).toBe(413);
    expect((await post('{"__proto__":{"id":1},"id":52,"text":"t","completed":false}')).status).toBe(400);
  });

  it('a Content-Length + Transfer-Encoding request cannot smuggle a second one', async () => {
    const before = ((await (await fetch(`${base}/todos`)).json()) as unknown[]).length;
    const c = await RawClient.connect(app.port);
    const inner = JSON.stringify(todo(60));
    const smuggled = `POST /todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`;
    c.write(
      `POST /todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    );
    await Promise.race([c.closed, delay(500)]);
    c.destroy();
    const after = (await (await fetch(`${base}/todos`)).json()) as { id: number }[];
    expect(after.some((t) => t.id === 60)).toBe(false);
    expect(after.length).toBe(before);
  });

  it('a client that vanishes mid-body does not hurt the server', async () => {
    for (let i = 0; i < 20; i++) {
      const c = await RawClient.connect(app.port);
      c.write(
        'POST /todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":7',
      );
      c.destroy();
    }
    await delay(50);
    expect((await fetch(`${base}/todos`)).status).toBe(200);
  });

  it('200 concurrent creates: every one is stored, nothing lost', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => 1000 + i);
    const results = await Promise.all(ids.map((id) => post(todo(id))));
    expect(results.every((r) => r.status === 201)).toBe(true);
    const all = (await (await fetch(`${base}/todos`)).json()) as { id: number }[];
    const stored = new Set(all.map((t) => t.id));
    expect(ids.every((id) => stored.has(id))).toBe(true);
  });

  it('logs one access line per request', async () => {
    // The lines come through the child's stdout pipe: wait for them, not for a moment.
    const access = () => app.lines.filter((l) => l.msg === 'request');
    await until(() => access().length > 200);
    expect(access()[0]).toMatchObject({ method: 'GET', path: '/todos', status: 200 });
  });
});

describe('examples/todos shutdown', () => {
  /**
   * Once the server answered a request on another connection, it has read the head just written (it was
   * readable before that connection was accepted): the request is in flight.
   */
  const inFlight = (port: number) => rawOnce(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');

  it('SIGTERM lets an in-flight request finish (Connection: close), then exits 0', async () => {
    const child = await startExample('examples/todos/server.ts');
    const body = JSON.stringify(todo(9));
    const c = await RawClient.connect(child.port);
    // Send the head and half the body: the request is in flight.
    c.write(
      `POST /todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await inFlight(child.port);
    child.proc.kill('SIGTERM');
    await until(() => child.lines.some((l) => l.msg === 'shutting down'));
    // New connections are refused while it drains.
    await expect(fetch(`http://127.0.0.1:${child.port}/todos`)).rejects.toThrow();
    c.write(body.slice(5));
    const res = await c.response();
    expect(res.status).toBe(201);
    expect(res.headers.connection).toBe('close');
    expect(await child.exited).toBe(0);
  });

  it('a second signal exits at once, without waiting for in-flight requests', async () => {
    const child = await startExample('examples/todos/server.ts');
    const c = await RawClient.connect(child.port);
    c.write('POST /todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":');
    await inFlight(child.port);
    child.proc.kill('SIGTERM');
    await until(() => child.lines.some((l) => l.msg === 'shutting down'));
    child.proc.kill('SIGTERM');
    // 1 is the second signal's exit: the graceful close would wait for the request (it never completes), then exit 0.
    expect(await child.exited).toBe(1);
    c.destroy();
  });

  it('SIGINT also shuts down gracefully', async () => {
    const child = await startExample('examples/todos/server.ts');
    child.proc.kill('SIGINT');
    expect(await child.exited).toBe(0);
  });

  it('serves /metrics by route template, and health', async () => {
    await fetch(`${base}/todos/12345`, { method: 'PUT', headers: json, body: JSON.stringify(todo(12345)) });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="PUT",route="\/todos\/\{id\}",status_code="404"\} \d+$/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/todos",status_code="200"\} \d+$/m,
    );
    expect(text).not.toContain('12345');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });

  it('serves its OpenAPI document and the /docs page', async () => {
    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths).sort()).toEqual(['/todos', '/todos/{id}']);
    expect(Object.keys(spec.paths['/todos/{id}'] ?? {}).sort()).toEqual(['delete', 'put']);
    expect((await fetch(`${base}/docs`, { redirect: 'manual' })).status).toBe(301);
    const page = await fetch(`${base}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
    expect(await (await fetch(`${base}/docs/swagger-initializer.js`)).text()).toContain("url: '/openapi.json'");
  });
});
