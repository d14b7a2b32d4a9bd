import { describe, expect, it } from 'vitest';
import { type Positioned, parsePositions, replayFrom } from './positions.js';

const at = (epoch: string, offset: number): Positioned<string> => ({ epoch, offset, value: `${epoch}${offset}` });
const none = () => undefined;

describe('replayFrom', () => {
  it('replays what history holds after each epoch offset, in history order, and loses nothing', () => {
    const history = [at('a', 3), at('b', 7), at('a', 4), at('b', 8), at('a', 5)];
    const r = replayFrom({ a: 3, b: 7 }, history, none);
    expect(r.values.map((v) => v.value)).toEqual(['a4', 'b8', 'a5']);
    expect(r.lost).toBe(0);
  });

  it('counts what fell out of history between the client offset and the oldest kept value', () => {
    const r = replayFrom({ a: 1 }, [at('a', 5), at('a', 6)], none);
    expect(r.values.map((v) => v.offset)).toEqual([5, 6]);
    expect(r.lost).toBe(3);
  });

  it('without history, counts every later offset the instance heard of', () => {
    const r = replayFrom({ a: 1, b: 10 }, [], (e) => (e === 'a' ? 4 : e === 'b' ? 10 : undefined));
    expect(r.values).toEqual([]);
    expect(r.lost).toBe(3);
  });

  it('an epoch neither heard of nor kept makes the loss unknown', () => {
    expect(replayFrom({ gone: 3 }, [], none).lost).toBeNull();
    expect(replayFrom({ gone: 3, a: 0 }, [at('a', 1)], (e) => (e === 'a' ? 5 : undefined)).lost).toBeNull();
  });

  it('an epoch the client never saw started after it: all of it is replayed, a missing start is lost', () => {
    const r = replayFrom({ a: 0 }, [at('a', 1), at('n', 2), at('n', 3)], none);
    expect(r.values.map((v) => v.value)).toEqual(['a1', 'n2', 'n3']);
    expect(r.lost).toBe(2);
  });

  it('a client ahead of history (it saw the latest) gets nothing and loses nothing', () => {
    const r = replayFrom({ a: 9 }, [at('a', 8), at('a', 9)], () => 9);
    expect(r).toEqual({ values: [], lost: 0 });
  });
});

describe('parsePositions', () => {
  it('keeps well-formed offsets and drops the rest', () => {
    expect(parsePositions({ ch: { a: 3, b: 'x', c: -5, d: 1.5, e: -1 }, bad: 7, arr: [1] })).toEqual({
      ch: { a: 3, e: -1 },
    });
    expect(parsePositions(null)).toBeUndefined();
    expect(parsePositions([1])).toBeUndefined();
  });

  it('reads at most 1024 positions', () => {
    const many = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`e${i}`, i]));
    const parsed = parsePositions({ ch: many });
    expect(Object.keys(parsed?.ch ?? {}).length).toBeLessThanOrEqual(1024);
  });
});
