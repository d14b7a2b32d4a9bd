/**
 * Types for the harness: the reply type of the route a literal method and
 * path reach, read from the routes' shape as the typed client reads it.
 */
import type { DataOf, MethodsOf, PathOf, RoutesOf } from '../client/types.js';
import type { Route } from '../filter/shape.js';
import type { Param, Rest } from '../filters/params.js';

type Trim<P extends string> = P extends `/${infer R}` ? Trim<R> : P extends `${infer R}/` ? Trim<R> : P;
type Split<S extends string> = S extends '' ? [] : S extends `${infer H}/${infer T}` ? [H, ...Split<T>] : [S];
/** `/users/7/posts?x=1` → `['users', '7', 'posts']`. */
type Segments<P extends string> = Split<Trim<P extends `${infer A}?${string}` ? A : P>>;

type Fits<Parts, Segs> = Parts extends readonly [infer A, ...infer RA]
  ? A extends Rest
    ? true
    : Segs extends [infer B, ...infer RB]
      ? A extends string
        ? B extends A
          ? Fits<RA, RB>
          : false
        : A extends Param<infer V>
          ? [V] extends [number]
            ? B extends `${number}`
              ? Fits<RA, RB>
              : false
            : Fits<RA, RB>
          : false
      : false
  : Segs extends []
    ? true
    : false;

type Answers<R, M extends string> =
  Lowercase<M> extends MethodsOf<R>
    ? true
    : Lowercase<M> extends 'head'
      ? 'get' extends MethodsOf<R>
        ? true
        : false
      : false;

type Reached<R, M extends string, S> =
  R extends Route<infer Marks, unknown>
    ? Fits<PathOf<Marks>, S> extends true
      ? Answers<R, M> extends true
        ? R
        : never
      : never
    : never;

/** @internal the reply type at method `M` and path `P` of routes `F` (`unknown` when no route, or `P` is not a literal). */
export type ReplyAt<F, M extends string, P extends string> = string extends P
  ? unknown
  : [Reached<RoutesOf<F>, M, Segments<P>>] extends [never]
    ? unknown
    : DataOf<Reached<RoutesOf<F>, M, Segments<P>>>;
