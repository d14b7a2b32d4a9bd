import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidHeader, MissingHeader, type Rejection } from '../reply/rejection.js';
import { request } from '../test/index.js';
import { header, headers } from './header.js';

const rejectionOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Rejection,
  );

describe('header filters', () => {
  // warp tests/header.rs
  it('exact() requires the exact value', async () => {
    const host = header.exact('host', 'localhost');
    expect(await request().header('host', 'localhost').matches(host)).toBe(true);
    expect(await request().matches(host)).toBe(false);
    expect(await request().header('host', 'hyper.rs').matches(host)).toBe(false);
  });

  it('header(name) extracts the value, case-insensitively', async () => {
    expect(await request().header('X-Request-Id', 'abc').filter(header('x-request-id'))).toEqual(['abc']);
    expect(await request().header('x-request-id', 'abc').filter(header('X-Request-ID'))).toEqual(['abc']);
  });

  it('a missing header is a 400 MissingHeader', async () => {
    const err = await rejectionOf(request().filter(header('x-token')));
    expect(err?.find(MissingHeader)?.header).toBe('x-token');
    const res = await request().reply(header('x-token'));
    expect(res.status).toBe(400);
    expect((res.json() as { detail: string }).detail).toContain('x-token');
  });

  it('header(name, schema) parses with zod; failure is a 400 InvalidHeader with issues', async () => {
    const f = header('x-count', z.coerce.number().int());
    expect(await request().header('x-count', '12').filter(f)).toEqual([12]);
    const err = await rejectionOf(request().header('x-count', 'twelve').filter(f));
    expect(err?.find(InvalidHeader)?.issues?.length).toBeGreaterThan(0);
  });

  it('optional() extracts undefined when absent', async () => {
    expect(await request().filter(header.optional('x-a'))).toEqual([undefined]);
    expect(await request().header('x-a', '1').filter(header.optional('x-a'))).toEqual(['1']);
  });

  it('headers() extracts every header with lower-case names', async () => {
    const [all] = await request().header('X-A', '1').header('x-b', '2').filter(headers());
    expect(all).toMatchObject({ 'x-a': '1', 'x-b': '2' });
  });
});
