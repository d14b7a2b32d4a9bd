/**
 * Server-Sent Events on a real server, on the reactor under test: the retry
 * hint, resuming after `Last-Event-ID`, and keep-alive comments on an idle stream.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { get, lastEventId, path, reply, type Server, serve } from '../src/index.js';
import { until } from './helpers.js';
import { REACTOR } from './reactor.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close({ timeoutMs: 100 })));
});

const LOG = ['a', 'b', 'c', 'd', 'e'];
/** The idle stream's one event waits for the test to have seen a keep-alive. */
let release: () => void = () => {};
const released = new Promise<void>((r) => (release = r));

const routes = get()
  .and(path('events'))
  .and(lastEventId())
  .map((last) => {
    const from = last === undefined ? 0 : Number(last) + 1;
    async function* events() {
      for (let i = from; i < LOG.length; i++) yield { id: String(i), data: LOG[i] };
    }
    return reply.sse(events(), { retryMs: 1500 });
  })
  .or(
    get()
      .and(path('idle'))
      .map(() => {
        async function* slow() {
          await released;
          yield { data: 'finally' };
        }
        return reply.sse(slow(), { keepAliveMs: 50 });
      }),
  );

describe(`SSE on the ${REACTOR} reactor`, () => {
  it('sends the retry hint, and resumes after the Last-Event-ID the client sends', async () => {
    const s = await serve(routes, { logger: false }).listen({ port: 0 });
    servers.push(s);
    const all = await fetch(`http://127.0.0.1:${s.port}/events`);
    expect(all.headers.get('content-type')).toBe('text/event-stream');
    const text = await all.text();
    expect(text.startsWith('retry: 1500\n\n')).toBe(true);
    expect(text.match(/^id: \d$/gm)).toEqual(['id: 0', 'id: 1', 'id: 2', 'id: 3', 'id: 4']);
    const resumed = await (
      await fetch(`http://127.0.0.1:${s.port}/events`, { headers: { 'last-event-id': '2' } })
    ).text();
    expect(resumed).toBe('retry: 1500\n\nid: 3\ndata: d\n\nid: 4\ndata: e\n\n');
  });

  it('keeps an idle stream alive with comments until the next event', async () => {
    const s = await serve(routes, { logger: false }).listen({ port: 0 });
    servers.push(s);
    const res = await fetch(`http://127.0.0.1:${s.port}/idle`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const read = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString();
      }
    })();
    await until(() => text.includes(': keep-alive\n\n'));
    release();
    await read;
    expect(text.endsWith('data: finally\n\n')).toBe(true);
    expect(text.replace(/: keep-alive\n\n/g, '')).toBe('data: finally\n\n');
  });
});
