import { describe, expect, it, vi } from 'vitest';
import { type ChunkSource, StreamedBody } from './streamed-body.js';

/** A source that hands chunks over when told to, as a reactor's data callback would. */
function source(): ChunkSource & { body: StreamedBody | undefined } {
  return {
    body: undefined,
    attach(body) {
      this.body = body;
    },
    pause() {},
    resume() {},
  };
}

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

describe('StreamedBody prefetch', () => {
  it('keeps a handed-over chunk as it is (node, Bun, Deno: push)', () => {
    const src = source();
    const body = new StreamedBody(src, 5, true);
    let complete = 0;
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    try {
      body.prefetch(() => complete++);
      const chunk = new TextEncoder().encode('hello');
      src.body?.push(chunk, true);
      expect(complete).toBe(1);
      expect(body.collect(5)).toBe(chunk); // no copy into a buffer of its own
      expect(alloc).not.toHaveBeenCalled(); // nor a buffer made for one
    } finally {
      alloc.mockRestore();
    }
  });

  it('copies chunks from a reused buffer into one buffer (uWS: pushCopy)', () => {
    const src = source();
    const body = new StreamedBody(src, 6, true);
    let complete = 0;
    body.prefetch(() => complete++);
    const reused = new Uint8Array(3);
    reused.set(new TextEncoder().encode('abc'));
    src.body?.pushCopy(reused, false);
    reused.set(new TextEncoder().encode('def')); // the reactor reuses its buffer
    src.body?.pushCopy(reused, true);
    reused.fill(0);
    expect(complete).toBe(1);
    expect(text(body.collect(6) as Uint8Array)).toBe('abcdef');
  });

  it('refuses a body longer than declared (the copy falls back to chunks)', async () => {
    const src = source();
    const body = new StreamedBody(src, 2, true);
    body.prefetch(() => {});
    src.body?.pushCopy(new TextEncoder().encode('ab'), false);
    src.body?.pushCopy(new TextEncoder().encode('c'), true);
    expect(await body.collect(2)).toBeUndefined(); // over the declared length: refused, not cut
    expect(body.truncated).toBe(true);
  });
});
