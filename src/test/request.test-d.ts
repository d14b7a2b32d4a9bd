/** Type-level tests of the harness's responses. */
import { describe, expectTypeOf, it } from 'vitest';
import type { TestResponse } from './index.js';

describe('TestResponse types', () => {
  it('json() is unknown unless a type is asked for', () => {
    const res = {} as TestResponse;
    expectTypeOf(res.json()).toEqualTypeOf<unknown>();
    expectTypeOf(res.json<{ id: number }[]>()).toEqualTypeOf<{ id: number }[]>();
  });
});
