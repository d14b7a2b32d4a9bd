import { describe, expect, it } from 'vitest';
import { parseUrlEncoded } from '../filters/util.js';
import { blankRecord } from './record.js';

describe('blankRecord', () => {
  it('inherits no keys: __proto__, constructor and toString are plain own keys', () => {
    const r = blankRecord<string>();
    expect(r.toString).toBeUndefined();
    expect(r.constructor).toBeUndefined();
    expect('hasOwnProperty' in r).toBe(false);
    for (const [k, v] of [
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ] as const)
      r[k] = v;
    expect(Object.keys(r)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(r)).not.toBe(Object.prototype);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(r))).toBeNull();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(JSON.stringify(r)).toBe('{"__proto__":"x","constructor":"y"}');
  });

  it('records do not share keys, and the shared prototype cannot be written', () => {
    const a = blankRecord<number>();
    const b = blankRecord<number>();
    a.k = 1;
    expect(b.k).toBeUndefined();
    expect(() => {
      (Object.getPrototypeOf(a) as Record<string, number>).k = 2;
    }).toThrow(TypeError);
    expect(b.k).toBeUndefined();
  });

  it('is what a parsed query string is made of', () => {
    const q = parseUrlEncoded('__proto__=x&toString=y&a=1&a=2');
    expect(Object.entries(q)).toEqual([
      ['__proto__', 'x'],
      ['toString', 'y'],
      ['a', ['1', '2']],
    ]);
    expect(Object.hasOwn(q, '__proto__')).toBe(true);
    expect(parseUrlEncoded('valueOf=1').valueOf).toBe('1');
  });
});
