/** Query-string filters. */
import type { z } from 'zod';
import { type Filter, FilterImpl, type FilterMeta } from '../filter/filter.js';
import { NO_NEEDS } from '../filter/request-source.js';
import type { Leaf, QueryMark } from '../filter/shape.js';
import { InvalidQuery, type Issue, rejectWith } from '../reply/rejection.js';

const QUERY_NEEDS: FilterMeta = { needs: { ...NO_NEEDS, query: true } };

import { issuesOf } from '../reply/rejection.js';
import { parseUrlEncoded } from './util.js';

/**
 * Parse the query string into a record (repeated keys become arrays) and
 * validate it with `schema`; invalid rejects with 400 and the zod issues.
 * A missing query string is an empty record.
 *
 * @example
 * query(z.object({ offset: z.coerce.number().int().min(0).default(0) }))
 */
function queryFn<S extends z.ZodType>(schema: S): Filter<[z.output<S>], Leaf<QueryMark<S>>> {
  return new FilterImpl<[z.output<S>], Leaf<QueryMark<S>>>(
    'query',
    (ctx) => {
      const input = parseUrlEncoded(ctx.req.query);
      const r = schema.safeParse(input);
      if (r.success) return [r.data];
      return rejectWith(new InvalidQuery(detailOf(r.error.issues, input), issuesOf(r.error)));
    },
    { ...QUERY_NEEDS, doc: { kind: 'query', schema } },
  );
}

/** What converts query text into each type a schema may expect instead of a string. */
const CONVERTERS: Readonly<Record<string, string>> = {
  number: 'z.coerce.number()',
  int: 'z.coerce.number().int()',
  bigint: 'z.coerce.bigint()',
  boolean: 'z.stringbool()',
  date: 'z.coerce.date()',
};

/**
 * The problem's detail. Query values are always text, so `z.number()` can
 * never accept one: when that is what failed, say so and name the schema
 * that converts (weft does not coerce behind the schema's back).
 */
function detailOf(
  issues: readonly (Issue & { readonly expected?: unknown })[],
  input: Record<string, string | string[]>,
): string {
  const fields: string[] = [];
  const fixes = new Set<string>();
  for (const i of issues) {
    const expected = i.expected;
    if (i.code !== 'invalid_type' || typeof expected !== 'string' || CONVERTERS[expected] === undefined) continue;
    let v: unknown = input;
    for (const k of i.path)
      v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    if (typeof v !== 'string') continue;
    fields.push(JSON.stringify(i.path.map(String).join('.')));
    fixes.add(CONVERTERS[expected]);
  }
  if (fields.length === 0) return 'Invalid query string';
  return `Invalid query string: query values are text, so ${fields.join(', ')} cannot match a schema that expects another type; use ${[...fixes].join(' / ')} in the query schema`;
}

/** The raw query string (without `?`); rejects with 400 when there is none, as in warp. */
function raw(): Filter<[string]> {
  return new FilterImpl<[string]>(
    'query.raw',
    (ctx) => (ctx.req.query === '' ? rejectWith(new InvalidQuery('Missing query string')) : [ctx.req.query]),
    QUERY_NEEDS,
  );
}

export interface QueryFilters {
  <S extends z.ZodType>(schema: S): Filter<[z.output<S>], Leaf<QueryMark<S>>>;
  raw: typeof raw;
}

export const query: QueryFilters = Object.assign(queryFn, { raw });
