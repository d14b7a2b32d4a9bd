import { describe, expect, it } from 'vitest';
import { reply } from '../../filters/reply-headers.js';
import { isConstantHeaderList } from '../../reply/reply.js';
import { type StreamOwner, toResponse } from './response.js';

const owner: StreamOwner = { aborted: false, logger: undefined, abort() {}, onStreamEnd() {} };

const headersOf = (r: Response): [string, string][] => [...r.headers];

describe('toResponse with shared headers', () => {
  it('knows the builder’s constant header lists, kept by status() and lost to header()', () => {
    expect(isConstantHeaderList(reply.json(1).headers)).toBe(true);
    expect(isConstantHeaderList(reply.text('a').status(201).headers)).toBe(true);
    expect(isConstantHeaderList(reply.empty(204).headers)).toBe(true);
    expect(isConstantHeaderList(reply.json(1).header('x-a', '1').headers)).toBe(false);
    expect(isConstantHeaderList([['content-type', 'application/json']])).toBe(false);
  });

  it('freezes the constant lists, so a shared copy cannot go stale', () => {
    const list = reply.json(1).headers as [string, string][];
    expect(() => list.push(['x-a', '1'])).toThrow(TypeError);
    expect(() => {
      (list[0] as [string, string])[1] = 'text/html';
    }).toThrow(TypeError);
  });

  it('answers each reply with its own headers, shared or not', () => {
    for (let i = 0; i < 3; i++) {
      const plain = toResponse(owner, 'GET', undefined, reply.json({ i }), false, true).response;
      expect(headersOf(plain)).toEqual([['content-type', 'application/json']]);
      const own = toResponse(owner, 'GET', undefined, reply.json({ i }).header('x-n', String(i)), false, true);
      expect(headersOf(own.response)).toEqual([
        ['content-type', 'application/json'],
        ['x-n', String(i)],
      ]);
      const withId = toResponse(owner, 'GET', `id-${i}`, reply.json({ i }), true, true).response;
      expect(withId.headers.get('x-request-id')).toBe(`id-${i}`);
      expect(withId.headers.get('connection')).toBe('close');
    }
  });

  it('does not let one response’s headers reach the next', () => {
    const first = toResponse(owner, 'GET', undefined, reply.text('a'), false, true).response;
    first.headers.set('x-late', '1');
    const second = toResponse(owner, 'GET', undefined, reply.text('b'), false, true).response;
    expect(second.headers.get('x-late')).toBeNull();
    expect(second.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('writes the empty list and an unsorted one (SSE) as they are', () => {
    const empty = toResponse(owner, 'GET', undefined, reply.empty(200), false, true).response;
    expect(headersOf(empty)).toEqual([]);
    const events = reply.sse((async function* () {})());
    const res = toResponse(owner, 'GET', undefined, events, false, true).response;
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    void res.body?.cancel();
  });
});
