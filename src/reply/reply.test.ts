import { describe, expect, it, vi } from 'vitest';
import { any } from '../filters/any.js';
import { reply } from '../filters/reply-headers.js';
import { request } from '../test/index.js';
import { InvalidHeaderError } from './headers.js';
import type { SseEvent } from './reply.js';
import { encodeSse, toReply } from './reply.js';

describe('reply builder', () => {
  it('sets content types for each kind', () => {
    expect(reply.text('a').getHeader('content-type')).toBe('text/plain; charset=utf-8');
    expect(reply.html('<p>').getHeader('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.json({}).getHeader('content-type')).toBe('application/json');
    expect(reply.bytes(new Uint8Array(1)).getHeader('content-type')).toBe('application/octet-stream');
  });

  it('is immutable and chainable', () => {
    const base = reply.json({ id: 1 });
    const created = base.status(201).header('location', '/users/1');
    expect(base.statusCode).toBe(200);
    expect(base.getHeader('location')).toBeUndefined();
    expect(created.statusCode).toBe(201);
    expect(created.getHeader('location')).toBe('/users/1');
  });

  it('header() replaces and appendHeader() repeats', () => {
    const r = reply()
      .header('x-a', '1')
      .header('X-A', '2')
      .appendHeader('set-cookie', 'a=1')
      .appendHeader('set-cookie', 'b=2');
    expect(r.headers.filter(([n]) => n === 'x-a')).toEqual([['x-a', '2']]);
    expect(r.headers.filter(([n]) => n === 'set-cookie')).toHaveLength(2);
  });

  it('refuses CR/LF, bad names and framing headers', () => {
    expect(() => reply().header('x-a', 'ok\r\nSet-Cookie: evil=1')).toThrow(InvalidHeaderError);
    expect(() => reply().header('x-a', 'a\nb')).toThrow(InvalidHeaderError);
    expect(() => reply().header('bad name', 'v')).toThrow(InvalidHeaderError);
    expect(() => reply().header('content-length', '5')).toThrow(InvalidHeaderError);
    expect(() => reply().header('transfer-encoding', 'chunked')).toThrow(InvalidHeaderError);
    expect(() => reply.redirect('/x\r\nevil: 1')).toThrow(InvalidHeaderError);
  });

  it('a handler that sets a bad header gets a 500 and nothing of it on the wire', async () => {
    const res = await request().reply(any().map(() => reply.text('x').header('x-a', 'a\r\nb')));
    expect(res.status).toBe(500);
    expect(res.headers['x-a']).toBeUndefined();
  });

  it('refuses statuses outside 200..599', () => {
    expect(() => reply().status(99)).toThrow(RangeError);
    expect(() => reply().status(600)).toThrow(RangeError);
    expect(() => reply().status(200.5)).toThrow(RangeError);
    expect(() => reply.empty(101)).toThrow(RangeError);
  });

  it('json() serializes eagerly: BigInt and cycles throw in the handler (500)', async () => {
    expect(() => reply.json({ n: 1n })).toThrow(TypeError);
    const cyc: { self?: unknown } = {};
    cyc.self = cyc;
    const res = await request().reply(any().map(() => reply.json(cyc)));
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });

  it('toReply converts strings, bytes, objects and undefined', () => {
    expect(toReply('hi').getHeader('content-type')).toContain('text/plain');
    expect(toReply(new Uint8Array([1])).getHeader('content-type')).toBe('application/octet-stream');
    expect(toReply({ a: 1 }).body).toBe('{"a":1}');
    expect(toReply(undefined).statusCode).toBe(200);
    expect(toReply(null).body).toBe('null');
  });

  // warp tests/redirect.rs
  it('redirect() defaults to 301 with a location', async () => {
    const res = await request().reply(any().map(() => reply.redirect('/over-there')));
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/over-there');
    expect(reply.redirect('/x', 303).statusCode).toBe(303);
  });

  it('stream() bodies are collected by the harness', async () => {
    async function* gen() {
      yield 'a';
      yield new Uint8Array([98]);
    }
    const res = await request().reply(any().map(() => reply.stream(gen(), 'text/plain')));
    expect(res.text()).toBe('ab');
    expect(res.headers['content-type']).toBe('text/plain');
  });

  it('encodes server-sent events', () => {
    expect(encodeSse({ data: 'hi' })).toBe('data: hi\n\n');
    expect(encodeSse({ event: 'tick', id: '7', data: { n: 1 } })).toBe('event: tick\nid: 7\ndata: {"n":1}\n\n');
    expect(encodeSse({ data: 'a\nb' })).toBe('data: a\ndata: b\n\n');
    expect(encodeSse({ comment: 'ping' })).toBe(': ping\n\n');
    expect(() => encodeSse({ event: 'a\nb' })).toThrow(TypeError);
  });

  it('sse() sets the event-stream headers', async () => {
    async function* events() {
      yield { data: 'one' };
      yield { event: 'done', data: 'two' };
    }
    const res = await request().reply(any().map(() => reply.sse(events())));
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.text()).toBe('data: one\n\nevent: done\ndata: two\n\n');
  });

  it('sse() sends a retry hint first and a keep-alive comment after each idle interval (fake timers)', async () => {
    vi.useFakeTimers();
    try {
      let push: ((ev: SseEvent) => void) | undefined;
      let ended = false;
      async function* source(): AsyncGenerator<SseEvent> {
        try {
          for (;;) yield await new Promise<SseEvent>((r) => (push = r));
        } finally {
          ended = true;
        }
      }
      const r = reply.sse(source(), { keepAliveMs: 1000, retryMs: 2500 });
      const it = (r.body as AsyncIterable<string>)[Symbol.asyncIterator]();
      expect((await it.next()).value).toBe('retry: 2500\n\n');
      const idle = it.next();
      await vi.advanceTimersByTimeAsync(1000);
      expect((await idle).value).toBe(': keep-alive\n\n');
      const idle2 = it.next();
      await vi.advanceTimersByTimeAsync(1000);
      expect((await idle2).value).toBe(': keep-alive\n\n');
      // An event before the interval: no comment, and the interval starts again.
      const ev = it.next();
      await vi.advanceTimersByTimeAsync(400);
      push?.({ id: '7', data: 'x' });
      expect((await ev).value).toBe('id: 7\ndata: x\n\n');
      // The client leaves: the source is closed.
      const last = it.next();
      push?.({ data: 'y' });
      await last;
      await it.return?.();
      expect(ended).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sse() with keepAliveMs 0 sends no comments', async () => {
    async function* events() {
      yield { data: 'one' };
    }
    const res = await request().reply(any().map(() => reply.sse(events(), { keepAliveMs: 0 })));
    expect(res.text()).toBe('data: one\n\n');
    expect(() => reply.sse(events(), { keepAliveMs: -1 })).toThrow(RangeError);
  });
});

// warp tests/reply_with.rs
describe('reply.with wrappers', () => {
  it('with.header sets and replaces a header', async () => {
    const header = reply.with.header('foo', 'bar');
    const noHeader = any()
      .map(() => reply())
      .with(header);
    expect((await request().reply(noHeader)).headers.foo).toBe('bar');
    const prev = reply.with.header('foo', 'sean');
    const yes = any()
      .map(() => reply())
      .with(prev)
      .with(header);
    expect((await request().reply(yes)).headers.foo).toBe('bar');
  });

  it('with.defaultHeader does not replace a header already set', async () => {
    const def = reply.with.defaultHeader('foo', 'bar');
    expect(
      (
        await request().reply(
          any()
            .map(() => reply())
            .with(def),
        )
      ).headers.foo,
    ).toBe('bar');
    const yes = any()
      .map(() => reply())
      .with(reply.with.header('foo', 'sean'))
      .with(def);
    expect((await request().reply(yes)).headers.foo).toBe('sean');
  });

  it('with.headers sets several, validated when built', async () => {
    const f = any()
      .map(() => 'x')
      .with(reply.with.headers({ 'x-a': '1', 'x-b': '2' }));
    const res = await request().reply(f);
    expect([res.headers['x-a'], res.headers['x-b']]).toEqual(['1', '2']);
    expect(() => reply.with.headers({ 'x-a': '\r\n' })).toThrow(InvalidHeaderError);
  });
});
