/** Header filters. Names are case-insensitive; the server copies only the headers these name. */
import type { z } from 'zod';
import { type Filter, FilterImpl } from '../filter/filter.js';
import { NO_NEEDS, needsHeaders } from '../filter/request-source.js';
import type { HeaderMark, Leaf } from '../filter/shape.js';
import { InvalidHeader, issuesOf, MissingHeader, rejectWith } from '../reply/rejection.js';

function headerFn<const N extends string>(name: N): Filter<[string], Leaf<HeaderMark<N, string, true>>>;
function headerFn<const N extends string, S extends z.ZodType>(
  name: N,
  schema: S,
): Filter<[z.output<S>], Leaf<HeaderMark<N, S, true>>>;
/**
 * A required header, as a string or validated by a zod schema. Missing is a
 * 400 `MissingHeader`; failing the schema a 400 `InvalidHeader`.
 *
 * @example
 * header('x-request-id')
 * header('content-length', z.coerce.number().int())
 */
function headerFn(name: string, schema?: z.ZodType): Filter<[unknown]> {
  const lower = name.toLowerCase();
  return new FilterImpl<[unknown]>(
    'header',
    (ctx) => {
      const v = ctx.req.header(lower);
      if (v === undefined) return rejectWith(new MissingHeader(lower));
      if (schema === undefined) return [v];
      const r = schema.safeParse(v);
      return r.success ? [r.data] : rejectWith(new InvalidHeader(lower, undefined, issuesOf(r.error)));
    },
    { needs: needsHeaders(lower), doc: { kind: 'header', name: lower, required: true, schema } },
  );
}

/** A header that may be absent (`undefined`); never rejects. */
function optional<const N extends string>(name: N): Filter<[string | undefined], Leaf<HeaderMark<N, string, false>>> {
  const lower = name.toLowerCase();
  return new FilterImpl<[string | undefined], Leaf<HeaderMark<N, string, false>>>(
    'header.optional',
    (ctx) => [ctx.req.header(lower)],
    {
      needs: needsHeaders(lower),
      doc: { kind: 'header', name: lower, required: false },
    },
  );
}

/** Require `name` to equal `value` exactly; extracts nothing. */
function exact<const N extends string, const V extends string>(
  name: N,
  value: V,
): Filter<[], Leaf<HeaderMark<N, V, true>>> {
  const lower = name.toLowerCase();
  return new FilterImpl<[], Leaf<HeaderMark<N, V, true>>>(
    'header.exact',
    (ctx) => {
      const v = ctx.req.header(lower);
      if (v === undefined) return rejectWith(new MissingHeader(lower));
      return v === value ? [] : rejectWith(new InvalidHeader(lower, `Header "${lower}" has an unexpected value`));
    },
    { needs: needsHeaders(lower), doc: { kind: 'header', name: lower, required: true, schema: { const: value } } },
  );
}

/** Every request header (lower-case names; repeats joined with `, `). */
export function headers(): Filter<[Readonly<Record<string, string>>]> {
  return new FilterImpl<[Readonly<Record<string, string>>]>('headers', (ctx) => [ctx.req.headers()], {
    needs: { ...NO_NEEDS, allHeaders: true },
  });
}

export interface HeaderFilters {
  <const N extends string>(name: N): Filter<[string], Leaf<HeaderMark<N, string, true>>>;
  <const N extends string, S extends z.ZodType>(
    name: N,
    schema: S,
  ): Filter<[z.output<S>], Leaf<HeaderMark<N, S, true>>>;
  optional: typeof optional;
  exact: typeof exact;
}

export const header: HeaderFilters = Object.assign(headerFn, { optional, exact });
