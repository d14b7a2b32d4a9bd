/**
 * Method filters. A mismatch rejects with 405, which routing then confirms
 * (allow.ts): the answer is 405, with `Allow`, only when some route's path
 * matches the request's path with other methods; otherwise 404.
 * `get()` also accepts HEAD (the server then sends headers only), as
 * Fastify and Hono do; `head()` accepts HEAD alone.
 */

import { type Filter, FilterImpl } from '../filter/filter.js';
import type { Leaf, MethodMark } from '../filter/shape.js';
import { METHOD_NOT_ALLOWED } from '../reply/rejection.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function methodsFilter<M extends string>(kind: M, names: readonly string[]): Filter<[], Leaf<MethodMark<M>>> {
  const set = new Set(names);
  const [a, b] = names;
  const run =
    names.length === 1
      ? (ctx: { req: { method: string } }) => (ctx.req.method === a ? [] : METHOD_NOT_ALLOWED)
      : names.length === 2
        ? (ctx: { req: { method: string } }) => (ctx.req.method === a || ctx.req.method === b ? [] : METHOD_NOT_ALLOWED)
        : (ctx: { req: { method: string } }) => (set.has(ctx.req.method) ? [] : METHOD_NOT_ALLOWED);
  return new FilterImpl<[], Leaf<MethodMark<M>>>(kind, run, {
    leading: [{ kind: 'method', methods: set }],
    pure: true,
  });
}

/** GET (and HEAD). */
export const get = (): Filter<[], Leaf<MethodMark<'get'>>> => methodsFilter('get', ['GET', 'HEAD']);
/** POST. */
export const post = (): Filter<[], Leaf<MethodMark<'post'>>> => methodsFilter('post', ['POST']);
/** PUT. */
export const put = (): Filter<[], Leaf<MethodMark<'put'>>> => methodsFilter('put', ['PUT']);
/** PATCH. */
export const patch = (): Filter<[], Leaf<MethodMark<'patch'>>> => methodsFilter('patch', ['PATCH']);
/** DELETE (`delete` is a reserved word). */
export const del = (): Filter<[], Leaf<MethodMark<'delete'>>> => methodsFilter('delete', ['DELETE']);
/** HEAD only. */
export const head = (): Filter<[], Leaf<MethodMark<'head'>>> => methodsFilter('head', ['HEAD']);
/** OPTIONS. */
export const options = (): Filter<[], Leaf<MethodMark<'options'>>> => methodsFilter('options', ['OPTIONS']);

/**
 * Any method by name, matched exactly (methods are case-sensitive).
 *
 * @example
 * method('PURGE').and(path('cache', rest))
 */
export function method(name: string): Filter<[]> {
  if (!TOKEN.test(name)) throw new TypeError(`method: ${JSON.stringify(name)} is not a valid method name`);
  return methodsFilter('method', [name]);
}
