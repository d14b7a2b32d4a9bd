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

describe('filter types', () => {
  it('path() extracts one typed value per param, in order', () => {
    expectTypeOf(path('users', int, 'posts', str)).toEqualTypeOf<Filter<[number, string]>>();
    expectTypeOf(path('static', rest)).toEqualTypeOf<Filter<[]>>();
    expectTypeOf(path(uuid)).toEqualTypeOf<Filter<[string]>>();
    expectTypeOf(path('n', param(z.coerce.number().int()))).toEqualTypeOf<Filter<[number]>>();
    // Naming a param for route templates keeps its type.
    expectTypeOf(path('todos', int.as('id'))).toEqualTypeOf<Filter<[number]>>();
    expectTypeOf(path(uuid.as('user'), 'posts', str.as('slug'))).toEqualTypeOf<Filter<[string, string]>>();
  });

  it('observability filters: requestId(), logger(), health(), and the metrics exposition', () => {
    expectTypeOf(requestId()).toEqualTypeOf<Filter<[string]>>();
    expectTypeOf(logger()).toEqualTypeOf<Filter<[Logger]>>();
    expectTypeOf(health()).toEqualTypeOf<Filter<[Reply]>>();
    const m: Metrics = metrics();
    expectTypeOf(m.route()).toEqualTypeOf<Filter<[Reply]>>();
    expectTypeOf(path('metrics').and(header('authorization')).and(m.route())).toEqualTypeOf<Filter<[string, Reply]>>();
    expectTypeOf(
      path('x')
        .and(requestId())
        .and(logger())
        .map((id, log) => (log.info(id), id)),
    ).toEqualTypeOf<Filter<[string]>>();
    // serve() takes the collector.
    expectTypeOf<Metrics>().toMatchTypeOf<NonNullable<ServeOptions['metrics']>>();
  });

  it('and() concatenates tuples and empty tuples vanish', () => {
    const f = get()
      .and(path('users', int))
      .and(query(z.object({ q: z.string() })))
      .and(any());
    expectTypeOf(f).toEqualTypeOf<Filter<[number, { q: string }]>>();
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
    expectTypeOf(path('notes', int).andThen((id) => notes.get(id) ?? reject.notFound())).toEqualTypeOf<
      Filter<[{ text: string }]>
    >();
    expectTypeOf(path('notes', int).map((id) => notes.get(id))).toEqualTypeOf<Filter<[{ text: string } | undefined]>>();
  });

  it('or() extracts the union of both branches', () => {
    const f = path(int).or(path(str));
    expectTypeOf(f).toEqualTypeOf<Filter<[number] | [string]>>();
    f.map((v) => expectTypeOf(v).toEqualTypeOf<number | string>());
  });

  it('then() awaits; andThen() drops the Rejection case', () => {
    expectTypeOf(any().then(async () => 1)).toEqualTypeOf<Filter<[number]>>();
    const checked = header('authorization').andThen(async (h) => (h === 'ok' ? h.length : reject()));
    expectTypeOf(checked).toEqualTypeOf<Filter<[number]>>();
  });

  it('recover() unions the reply with the recovered value', () => {
    const f = path('x')
      .map(() => reply.text('x'))
      .recover((r: Rejection) => (r.isNotFound() ? 'fallback' : r));
    expectTypeOf(f).toEqualTypeOf<Filter<[Reply | 'fallback']>>();
  });

  it('untuple() flattens a single tuple value', () => {
    const f = any()
      .map(() => [1, 'a'] as [number, string])
      .untuple();
    expectTypeOf(f).toEqualTypeOf<Filter<[number, string]>>();
  });

  it('the extract types of request filters say what can be missing', () => {
    expectTypeOf(header.optional('x')).toEqualTypeOf<Filter<[string | undefined]>>();
    expectTypeOf(cookie('sid')).toEqualTypeOf<Filter<[string]>>();
    expectTypeOf(body.json(z.object({ a: z.number() }))).toEqualTypeOf<Filter<[{ a: number }]>>();
    expectTypeOf(header('x-n', z.coerce.number())).toEqualTypeOf<Filter<[number]>>();
  });

  it('Filter is sealed: an object literal is not a Filter', () => {
    // @ts-expect-error: users cannot build a Filter by hand
    const fake: Filter<[]> = { and: () => fake };
    void fake;
  });
});
