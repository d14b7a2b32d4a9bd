/**
 * Path parameters for `path(...)`. Each parses one percent-decoded segment;
 * a segment that does not parse makes the path reject with 404 (another
 * route may match), as in warp.
 */
import type { z } from 'zod';
import { jsonSchemaOf } from './util.js';

declare const paramBrand: unique symbol;

/** A path parameter that extracts a `T`. */
export interface Param<T> {
  /** @internal */
  readonly [paramBrand]: T;
  /** A short name used in docs and errors, e.g. `int`. */
  readonly name: string;
  /** The name given with `as`, if any: the placeholder in route templates and OpenAPI (`{id}`). */
  readonly label: string | undefined;
  /**
   * The same param, named: `path('todos', int.as('id'))` has the route
   * template `/todos/{id}` (an unnamed param shows its type: `/todos/{int}`).
   */
  as(label: string): Param<T>;
}

/** `..` in warp's `path!`: accept whatever segments remain, extract nothing. */
export interface Rest {
  readonly rest: true;
}

/** @internal returned by a parser when a segment does not fit. */
export const NO_MATCH: unique symbol = Symbol('no match');

/** @internal */
export class ParamImpl<T> implements Param<T> {
  declare readonly [paramBrand]: T;
  constructor(
    readonly name: string,
    readonly parse: (segment: string) => T | typeof NO_MATCH,
    readonly label: string | undefined = undefined,
    /** The JSON Schema of the segment, for OpenAPI. */
    readonly jsonSchema: () => object = () => ({ type: 'string' }),
  ) {}

  as(label: string): Param<T> {
    if (!LABEL.test(label)) {
      throw new TypeError(
        `param.as(${JSON.stringify(label)}): a param name is a letter or _ followed by letters, digits or _`,
      );
    }
    return new ParamImpl(this.name, this.parse, label, this.jsonSchema);
  }
}

const LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

const INT = /^[+-]?\d+$/;
const UINT = /^\d+$/;
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Any non-empty segment, as a string. */
export const str: Param<string> = new ParamImpl('str', (s) => s);
/** A safe integer, optionally signed: `-3`, `42`. */
export const int: Param<number> = new ParamImpl(
  'int',
  (s) => {
    if (!INT.test(s)) return NO_MATCH;
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : NO_MATCH;
  },
  undefined,
  () => ({ type: 'integer' }),
);
/** A non-negative safe integer: `0`, `42`. */
export const uint: Param<number> = new ParamImpl(
  'uint',
  (s) => {
    if (!UINT.test(s)) return NO_MATCH;
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : NO_MATCH;
  },
  undefined,
  () => ({ type: 'integer', minimum: 0 }),
);
/** A finite decimal number: `1.5`, `-2`, `1e3`. */
export const float: Param<number> = new ParamImpl(
  'float',
  (s) => {
    if (!FLOAT.test(s)) return NO_MATCH;
    const n = Number(s);
    return Number.isFinite(n) ? n : NO_MATCH;
  },
  undefined,
  () => ({ type: 'number' }),
);
/** A UUID in canonical 8-4-4-4-12 form, lower-cased. */
export const uuid: Param<string> = new ParamImpl(
  'uuid',
  (s) => (UUID.test(s) ? s.toLowerCase() : NO_MATCH),
  undefined,
  () => ({
    type: 'string',
    format: 'uuid',
  }),
);

/**
 * A segment validated (and transformed) by a zod schema.
 *
 * @example
 * const Slug = z.string().regex(/^[a-z0-9-]+$/);
 * path('posts', param(Slug))
 */
export function param<S extends z.ZodType>(schema: S, name = 'param'): Param<z.output<S>> {
  return new ParamImpl<z.output<S>>(
    name,
    (s) => {
      const r = schema.safeParse(s);
      return r.success ? r.data : NO_MATCH;
    },
    undefined,
    () => jsonSchemaOf(schema),
  );
}

/** Matches any remaining segments (warp's `..`); only as the last part of `path(...)`. */
export const rest: Rest = Object.freeze({ rest: true as const });
