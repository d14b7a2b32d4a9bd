/** Query-string filters. */
import type { z } from 'zod';
import { InvalidQuery, rejectWith } from '../reply/rejection.js';
import { NO_NEEDS } from './context.js';
import { type Filter, FilterImpl, type FilterMeta } from './filter.js';

const QUERY_NEEDS: FilterMeta = { needs: { ...NO_NEEDS, query: true } };
import { issuesOf, parseUrlEncoded } from './util.js';

/**
 * Parse the query string into a record (repeated keys become arrays) and
 * validate it with `schema`; invalid rejects with 400 and the zod issues.
 * A missing query string is an empty record.
 *
 * @example
 * query(z.object({ offset: z.coerce.number().int().min(0).default(0) }))
 */
function queryFn<S extends z.ZodType>(schema: S): Filter<[z.output<S>]> {
  return new FilterImpl<[z.output<S>]>('query', (ctx) => {
    const r = schema.safeParse(parseUrlEncoded(ctx.req.query));
    if (r.success) return [r.data];
    return rejectWith(new InvalidQuery('Invalid query string', issuesOf(r.error)));
  }, { ...QUERY_NEEDS, doc: { kind: 'query', schema } });
}

/** The raw query string (without `?`); rejects with 400 when there is none, as in warp. */
function raw(): Filter<[string]> {
  return new FilterImpl<[string]>('query.raw', (ctx) =>
    ctx.req.query === '' ? rejectWith(new InvalidQuery('Missing query string')) : [ctx.req.query],
    QUERY_NEEDS,
  );
}

export interface QueryFilters {
  <S extends z.ZodType>(schema: S): Filter<[z.output<S>]>;
  raw: typeof raw;
}

export const query: QueryFilters = Object.assign(queryFn, { raw });
