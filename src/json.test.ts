import fc from 'fast-check';
import sjson from 'secure-json-parse';
import { describe, expect, it } from 'vitest';
import { parseJson } from './runtime/json.js';

/** What secure-json-parse makes of `text`: the value, or the error's class and message. */
function reference(text: string): { value: unknown } | { error: string } {
  try {
    return { value: sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }) };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

function ours(text: string): { value: unknown } | { error: string } {
  try {
    return { value: parseJson(text) };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

describe('parseJson', () => {
  it('refuses __proto__ and constructor.prototype, plain or escaped', () => {
    expect(() => parseJson('{"__proto__":{"x":1}}')).toThrow(SyntaxError);
    expect(() => parseJson('{"\\u005f_proto__":{"x":1}}')).toThrow(SyntaxError);
    expect(() => parseJson('{"constructor":{"prototype":{"x":1}}}')).toThrow(SyntaxError);
    expect(() => parseJson('{"\\u0063onstructor":{"prototype":{"x":1}}}')).toThrow(SyntaxError);
    expect(parseJson('{"constructor":"fine"}')).toEqual({ constructor: 'fine' });
    expect(parseJson('\ufeff{"a":1}')).toEqual({ a: 1 });
  });

  it('agrees with secure-json-parse on any JSON, and on JSON salted with the dangerous keys, escapes and BOMs', () => {
    const salt = fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '\\u005f',
      '\\u0063',
      '\\"',
      '\\\\',
      '\ufeff',
      '"',
      ':',
      '{',
      '}',
    );
    const salted = fc.tuple(fc.json(), fc.array(fc.tuple(fc.nat(), salt), { maxLength: 4 })).map(([text, cuts]) => {
      let out = text;
      for (const [at, s] of cuts) {
        const i = at % (out.length + 1);
        out = out.slice(0, i) + s + out.slice(i);
      }
      return out;
    });
    const keyed = fc
      .tuple(fc.constantFrom('__proto__', 'constructor', '\\u005f_proto__', 'a'), fc.json())
      .map(([k, v]) => `{"${k}":{"prototype":${v}},"b":${v}}`);
    fc.assert(
      fc.property(fc.oneof(fc.json(), salted, keyed), (text) => {
        expect(ours(text)).toEqual(reference(text));
      }),
      { numRuns: 20_000 },
    );
  });
});
