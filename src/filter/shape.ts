/**
 * Route shapes at the type level: what the typed client (`weft/client`)
 * reads out of `typeof routes`. Nothing here exists at run time.
 *
 * A filter's second type parameter is its *shape*:
 * - an **open** shape is a tuple of marks, one per leaf filter that says
 *   something about the request (`path(...)` a `PathMark`, `get()` a
 *   `MethodMark`, `query(S)` a `QueryMark` ...); `and` concatenates them;
 * - a **closed** shape is a union of `Route`s: `or` closes each side, pairing
 *   its marks with what that side extracts (its reply);
 * - `unknown` is a shape nobody knows (a filter annotated as `Filter<[T]>`):
 *   it adds nothing to the routes it joins.
 *
 * The marks carry the schemas, not their input types, so the work of reading
 * them is done only for the routes a client call touches.
 */

/** `path(...)` and `path.prefix(...)`: static segments, params and `rest`, in order. */
export interface PathMark<P extends readonly unknown[]> {
  readonly path: P;
}

/** A method filter: the client's method name (`get`, `post`, ... `ws`). */
export interface MethodMark<M extends string> {
  readonly method: M;
}

/** `query(schema)`: the schema (the client sends its input type). */
export interface QueryMark<S> {
  readonly query: S;
}

/** `header(name)`, `header(name, schema)`, `header.optional(name)`: the name, a schema or `string`, and whether it must be sent. */
export interface HeaderMark<N extends string, V, Required extends boolean> {
  readonly header: N;
  readonly value: V;
  readonly required: Required;
}

/** How a body travels. */
export type BodyKind = 'json' | 'form' | 'text' | 'bytes' | 'multipart' | 'stream';

/** What a client may send to `body.stream()`: anything `fetch` takes as a body. */
export type StreamInput = string | Uint8Array | Blob | ReadableStream<Uint8Array>;

/** `body.json(schema)`, `body.form(schema)`, `body.text()` ...: the encoding and what the client passes. */
export interface BodyMark<K extends BodyKind, S> {
  readonly body: S;
  readonly kind: K;
}

/** `ws({ receive, send })`: what the client sends and what it receives (schemas, or `unknown`). */
export interface WsMark<In, Out> {
  readonly receive: In;
  readonly send: Out;
}

/** One route of a closed shape: its marks and the values it extracts (`Out`, its reply once a handler ran). */
export interface Route<M extends readonly unknown[], Out> {
  readonly marks: M;
  readonly out: Out;
}

/** Close a shape: an open one becomes one `Route`, a closed one stays as it is. */
export type Branch<S, T> = [S] extends [readonly unknown[]] ? Route<S, T> : unknown extends S ? never : S;

/** Prefix every route of a closed shape with marks `A`. */
type Prefixed<A extends readonly unknown[], B> = B extends Route<infer M, infer O> ? Route<[...A, ...M], O> : never;

/** Suffix every route of a closed shape with marks `B`. */
type Suffixed<A, B extends readonly unknown[]> = A extends Route<infer M, infer O> ? Route<[...M, ...B], O> : never;

/** Every pairing of two closed shapes. */
type Crossed<A, B> =
  A extends Route<infer M, unknown> ? (B extends Route<infer N, infer O> ? Route<[...M, ...N], O> : never) : never;

/** The shape of `a.and(b)`. */
export type Joined<A, B> = [A] extends [readonly unknown[]]
  ? [B] extends [readonly unknown[]]
    ? [...A, ...B]
    : unknown extends B
      ? A
      : Prefixed<A, B>
  : unknown extends A
    ? B
    : [B] extends [readonly unknown[]]
      ? Suffixed<A, B>
      : unknown extends B
        ? A
        : Crossed<A, B>;
