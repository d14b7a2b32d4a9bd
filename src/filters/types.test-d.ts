/** Type-level tests: they run with `vitest` (typecheck) and with `tsc` in `npm test`. */

import type { Logger } from 'pino';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  any,
  body,
  cookie,
  type Filter,
  get,
  header,
  health,
  int,
  logger,
  param,
  path,
  query,
  reject,
  reply,
  requestId,
  rest,
  type ServeOptions,
  serve,
  str,
  uuid,
} from '../index.js';
import { type Metrics, metrics } from '../metrics/index.js';
import type { Rejection } from '../reply/rejection.js';
import type { Reply } from '../reply/reply.js';

/** What a filter extracts (its shape aside). */
const values = <T extends unknown[]>(_f: Filter<T>): T => undefined as never;

describe('filter types', () => {
  it('path() extracts one typed value per param, in order', () => {
    expectTypeOf(values(path('users', int, 'posts', str))).toEqualTypeOf<[number, string]>();
    expectTypeOf(values(path('static', rest))).toEqualTypeOf<[]>();
    expectTypeOf(values(path(uuid))).toEqualTypeOf<[string]>();
    expectTypeOf(values(path('n', param(z.coerce.number().int())))).toEqualTypeOf<[number]>();
    // Naming a param for route templates keeps its type.
    expectTypeOf(values(path('todos', int.as('id')))).toEqualTypeOf<[number]>();
    expectTypeOf(values(path(uuid.as('user'), 'posts', str.as('slug')))).toEqualTypeOf<[string, string]>();
  });

  it('observability filters: requestId(), logger(), health(), and the metrics exposition', () => {
    expectTypeOf(values(requestId())).toEqualTypeOf<[string]>();
    expectTypeOf(values(logger())).toEqualTypeOf<[Logger]>();
    expectTypeOf(values(health())).toEqualTypeOf<[Reply]>();
    const m: Metrics = metrics();
    expectTypeOf(values(m.route())).toEqualTypeOf<[Reply]>();
    expectTypeOf(values(path('metrics').and(header('authorization')).and(m.route()))).toEqualTypeOf<[string, Reply]>();
    expectTypeOf(
      values(
        path('x')
          .and(requestId())
          .and(logger())
          .map((id, log) => (log.info(id), id)),
      ),
    ).toEqualTypeOf<[string]>();
    // serve() takes the collector.
    expectTypeOf<Metrics>().toMatchTypeOf<NonNullable<ServeOptions['metrics']>>();
  });

  it('and() concatenates tuples and empty tuples vanish', () => {
    const f = get()
      .and(path('users', int))
      .and(query(z.object({ q: z.string() })))
      .and(any());
    expectTypeOf(values(f)).toEqualTypeOf<[number, { q: string }]>();
  });

  it('handlers receive values as separate typed arguments', () => {
    path('users', int, 'posts', str).map((id, slug) => {
      expectTypeOf(id).toEqualTypeOf<number>();
      expectTypeOf(slug).toEqualTypeOf<string>();
      return reply.text(slug);
    });
  });

  it('wrong arity or wrong types fail to compile', () => {
    // @ts-expect-error: the handler takes a string where a number is extracted
    path('users', int).map((id: string) => id);
    // @ts-expect-error: three parameters for a two-value tuple
    path('a', int, 'b', str).map((a: number, b: string, c: boolean) => [a, b, c]);
    // @ts-expect-error: a filter that extracts nothing cannot be served
    serve(path('x'));
    // @ts-expect-error: a path part must be a string, a param or rest
    path('a', 42);
  });

  it('map() and then() cannot return a Rejection: that is a compile error at the callback', () => {
    const notes = new Map<number, { text: string }>();
    // @ts-expect-error: a map callback that may reject; andThen is the combinator that can
    path('notes', int).map((id) => notes.get(id) ?? reject.notFound());
    // @ts-expect-error: the same for a callback that always rejects
    path('notes', int).map(() => reject());
    // @ts-expect-error: then() cannot reject either, even asynchronously
    path('notes', int).then(async (id) => notes.get(id) ?? reject.notFound());
    // andThen takes the same callback, and its type drops the Rejection case.
    expectTypeOf(values(path('notes', int).andThen((id) => notes.get(id) ?? reject.notFound()))).toEqualTypeOf<
      [{ text: string }]
    >();
    expectTypeOf(values(path('notes', int).map((id) => notes.get(id)))).toEqualTypeOf<[{ text: string } | undefined]>();
  });

  it('or() extracts the union of both branches', () => {
    const f = path(int).or(path(str));
    expectTypeOf(values(f)).toEqualTypeOf<[number] | [string]>();
    f.map((v) => expectTypeOf(v).toEqualTypeOf<number | string>());
  });

  it('then() awaits; andThen() drops the Rejection case', () => {
    expectTypeOf(values(any().then(async () => 1))).toEqualTypeOf<[number]>();
    const checked = header('authorization').andThen(async (h) => (h === 'ok' ? h.length : reject()));
    expectTypeOf(values(checked)).toEqualTypeOf<[number]>();
  });

  it('recover() unions the reply with the recovered value', () => {
    const f = path('x')
      .map(() => reply.text('x'))
      .recover((r: Rejection) => (r.isNotFound() ? 'fallback' : r));
    expectTypeOf(values(f)).toEqualTypeOf<[Reply<string> | 'fallback']>();
  });

  it('untuple() flattens a single tuple value', () => {
    const f = any()
      .map(() => [1, 'a'] as [number, string])
      .untuple();
    expectTypeOf(values(f)).toEqualTypeOf<[number, string]>();
  });

  it('the extract types of request filters say what can be missing', () => {
    expectTypeOf(values(header.optional('x'))).toEqualTypeOf<[string | undefined]>();
    expectTypeOf(values(cookie('sid'))).toEqualTypeOf<[string]>();
    expectTypeOf(values(body.json(z.object({ a: z.number() })))).toEqualTypeOf<[{ a: number }]>();
    expectTypeOf(values(header('x-n', z.coerce.number()))).toEqualTypeOf<[number]>();
  });

  it('Filter is sealed: an object literal is not a Filter', () => {
    // @ts-expect-error: users cannot build a Filter by hand
    const fake: Filter<[]> = { and: () => fake };
    void fake;
  });
});
