/**
 * Route shapes at the type level: what the typed client (`weft/client`)
 * reads out of `typeof routes`. Nothing here exists at run time.
 *
 * A filter's second type parameter is its *shape*: a union of `Route`s, each
 * the marks its leaf filters left (`path(...)` a `PathMark`, `get()` a
 * `MethodMark`, `query(S)` a `QueryMark` ...) and what it extracts once a
 * handler ran (`Pending` before). `and` concatenates marks, `or` is the union
 * of both sides, `map`/`then`/`andThen` set the reply. `AnyRoute`, the shape
 * of a filter annotated as `Filter<[T]>`, adds nothing to the routes it joins.
 *
 * The shapes are built so that a chain of `or` does a constant amount of
 * type work per step: no conditional type ever looks at the whole union
 * (TypeScript instantiates a conditional's check type permissively, which
 * would visit every route at every step).
 *
 * The marks carry the schemas, not their input types, so the work of reading
 * them is done only for the routes a client call touches.
 */

/** `path(...)` and `path.prefix(...)`: static segments, params and `rest`, in order. */
export interface PathMark<P extends readonly unknown[]> {
  readonly path: P;
}

/** A method filter: the client's method name (`get`, `post`, ... ). */
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

/** `ws({ receive, send })`: what the client sends and what it receives (schemas, or `undefined`). */
export interface WsMark<In, Out> {
  readonly receive: In;
  readonly send: Out;
}

/** A route whose handler has not run yet: its reply is the filter's values when it is served. */
export interface Pending {
  readonly pending: true;
}

/** One route: its marks and the values it extracts once a handler ran (`Pending` before). */
export interface Route<M extends readonly unknown[], Out> {
  readonly marks: M;
  readonly out: Out;
}

/** The shape nothing is known of (a filter annotated as `Filter<[T]>`); every shape is one. */
export type AnyRoute = Route<readonly unknown[], unknown>;

/** The shape of a leaf filter that leaves one mark. */
export type Leaf<Mark> = Route<[Mark], Pending>;

/** The shape of a leaf filter that says nothing to the client (`any()`, `cookie(...)` ...). */
export type Blank = Route<[], Pending>;

/**
 * `a.and(b)`: every pairing of their routes, marks concatenated, with `b`'s reply
 * (`path.prefix('api').and(routes)` keeps each route's); `AnyRoute` on either side adds nothing.
 */
export type Joined<A, B> =
  A extends Route<infer M, unknown>
    ? number extends M['length']
      ? B
      : B extends Route<infer N, infer O>
        ? number extends N['length']
          ? Route<M, Pending>
          : Route<[...M, ...N], O>
        : never
    : never;

/** `map`, `then`, `andThen`: every route now extracts `O`. */
export type Handled<S, O> = S extends Route<infer M, unknown> ? Route<M, O> : never;
