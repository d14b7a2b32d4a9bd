/**
 * The typed client's types: `Client<typeof routes>` read out of the routes'
 * shape (see `src/filter/shape.ts`). Static segments become properties,
 * params calls, and the methods a route takes its leaves.
 *
 * Every step here is computed only for the part of the tree a call touches:
 * a node groups its routes by their next segment once, and a property's type
 * is worked out when it is used.
 */
import type { BodyOf, Filter } from '../filter/filter.js';
import type {
  BodyKind,
  BodyMark,
  HeaderMark,
  MethodMark,
  PathMark,
  Pending,
  QueryMark,
  Route,
  WsMark,
} from '../filter/shape.js';
import type { Param, Rest } from '../filters/params.js';
import type { Problem } from '../reply/problem.js';
import type { ClientCloseInfo, ClientSocket, LostInfo, ReconnectOptions } from './socket.js';

/** What a schema accepts (zod's input type), or `unknown` for something else. */
export type InputOf<S> = S extends { readonly _zod: { readonly input: infer I } } ? I : unknown;
/** What a schema produces (zod's output type). */
export type OutputOf<S> = S extends { readonly _zod: { readonly output: infer O } } ? O : unknown;

/** A query value as the client writes it; arrays repeat the key, `undefined` leaves it out. */
export type QueryValue = string | number | boolean | bigint | Date | null | undefined | readonly QueryScalar[];
type QueryScalar = string | number | boolean | bigint | Date;

declare const formBrand: unique symbol;
/** A urlencoded form body for a `body.form(schema)` route; make one with `form(value)`. */
export interface FormBody<T> extends URLSearchParams {
  /** @internal phantom */
  readonly [formBrand]: T;
}

/** The answer to a call: `data` on 2xx, the problem+json `error` otherwise. */
export type ClientResponse<D> =
  | {
      readonly ok: true;
      readonly status: number;
      readonly data: D;
      readonly error: undefined;
      readonly headers: Headers;
    }
  | {
      readonly ok: false;
      readonly status: number;
      readonly data: undefined;
      readonly error: Problem;
      readonly headers: Headers;
    };

/** Options every call takes last. */
export interface CallOptions {
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Aborts the request (the call then rejects). */
  readonly signal?: AbortSignal | undefined;
}

type AllMethods = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
type WithBody = 'post' | 'put' | 'patch';

/**
 * The routes of a filter type, each a `Route<marks, out>`: a route whose
 * handler ran before the last `or` keeps its reply, one still `Pending` takes
 * the filter's final values; a route with no known marks (`AnyRoute`, from a
 * filter annotated as `Filter<[T]>` alone) is left out.
 */
export type RoutesOf<F> = F extends Filter<infer T, infer S> ? Resolve<S, T> : never;
type Resolve<S, T> =
  S extends Route<infer M, infer O>
    ? number extends M['length']
      ? never
      : Route<M, O extends Pending ? T : O>
    : never;

/** @internal a route's path parts (the harness matches them too). */
export type PathOf<M> = M extends readonly [infer H, ...infer R]
  ? H extends PathMark<infer P>
    ? [...P, ...PathOf<R>]
    : PathOf<R>
  : [];

/** A route on its way down the tree: the segments still to go, and the route. */
interface Entry<S extends readonly unknown[], R> {
  readonly s: S;
  readonly r: R;
}
type Entries<R> = R extends Route<infer M, unknown> ? Entry<PathOf<M>, R> : never;

/** A node's routes grouped by their next static segment (one pass). */
type Grouped<E> = {
  [X in E as X extends Entry<readonly [infer H extends string, ...unknown[]], unknown> ? H : never]: X extends Entry<
    readonly [unknown, ...infer T],
    infer R
  >
    ? Entry<T, R>
    : never;
};

type ParamArg<E> =
  E extends Entry<readonly [infer H, ...unknown[]], unknown>
    ? H extends Param<infer V>
      ? V
      : H extends Rest
        ? readonly string[]
        : never
    : never;
type ParamNext<E> =
  E extends Entry<readonly [infer H, ...infer T], infer R>
    ? H extends Param<unknown>
      ? Entry<T, R>
      : H extends Rest
        ? Entry<[], R>
        : never
    : never;

/** The routes that end here (a `rest` matches no segments too). */
type Here<E> = E extends Entry<readonly [] | readonly [Rest], infer R> ? R : never;

type MarksOf<R> = R extends Route<infer M, unknown> ? M[number] : never;
/** @internal the client method names a route answers. */
export type MethodsOf<R> =
  R extends Route<infer M, unknown>
    ? [Extract<M[number], WsMark<unknown, unknown>>] extends [never]
      ? [Extract<M[number], MethodMark<string>>] extends [never]
        ? AllMethods
        : Extract<Extract<M[number], MethodMark<string>>['method'], AllMethods>
      : 'ws'
    : never;
type RoutesFor<R, K> = R extends unknown ? (K extends MethodsOf<R> ? R : never) : never;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

type QueryOf<R> = [Extract<MarksOf<R>, QueryMark<unknown>>] extends [never]
  ? Readonly<Record<string, QueryValue>>
  : UnionToIntersection<Extract<MarksOf<R>, QueryMark<unknown>> extends QueryMark<infer S> ? InputOf<S> : never>;

type HeaderValue<V> = V extends string ? V : InputOf<V>;
type HeaderRecord<H> =
  H extends HeaderMark<infer N, infer V, infer Req>
    ? Req extends true
      ? { readonly [K in N]: HeaderValue<V> }
      : { readonly [K in N]?: HeaderValue<V> }
    : never;
type HeadersOf<R> = [Extract<MarksOf<R>, HeaderMark<string, unknown, boolean>>] extends [never]
  ? Readonly<Record<string, string>>
  : UnionToIntersection<HeaderRecord<Extract<MarksOf<R>, HeaderMark<string, unknown, boolean>>>> &
      Readonly<Record<string, string>>;

type BodyInput<K extends BodyKind, S> = K extends 'json' ? InputOf<S> : K extends 'form' ? FormBody<InputOf<S>> : S;
type BodyMarkOf<R> = Extract<MarksOf<R>, BodyMark<BodyKind, unknown>>;
type BodyOfRoute<R> = [BodyMarkOf<R>] extends [never]
  ? undefined
  : BodyMarkOf<R> extends BodyMark<infer K, infer S>
    ? BodyInput<K, S>
    : undefined;

/** An object type with no required key: `Optional extends X` holds when every key of `X` may be left out. */
type Optional = Record<never, never>;

/** `{ query?, headers? }`, each required when the route requires something in it. */
type Options<Q, H> = (Optional extends Q ? { readonly query?: Q | undefined } : { readonly query: Q }) &
  (Optional extends H ? { readonly headers?: H | undefined } : { readonly headers: H }) & {
    readonly signal?: AbortSignal | undefined;
  };
type OptionArgs<R> =
  Optional extends QueryOf<R>
    ? Optional extends HeadersOf<R>
      ? [options?: Options<QueryOf<R>, HeadersOf<R>>]
      : [options: Options<QueryOf<R>, HeadersOf<R>>]
    : [options: Options<QueryOf<R>, HeadersOf<R>>];

/** What a route's reply is read as on 2xx. */
/** @internal */
export type DataOf<R> =
  R extends Route<readonly unknown[], infer O> ? (O extends readonly [infer X] ? BodyOf<X> : unknown) : never;

type WsIn<R> = Extract<MarksOf<R>, WsMark<unknown, unknown>> extends WsMark<infer I, unknown> ? InputOf<I> : never;
type WsOut<R> = Extract<MarksOf<R>, WsMark<unknown, unknown>> extends WsMark<unknown, infer O> ? OutputOf<O> : never;

/** Options of a socket call. */
export interface SocketCallOptions<Q> {
  readonly query?: Q | undefined;
  /** Subprotocols to offer. */
  readonly protocols?: string | readonly string[] | undefined;
  /**
   * Checks each message on arrival (a zod schema, or anything with `safeParse`):
   * a message that fails it ends the iteration with a `ClientMessageError`.
   */
  readonly schema?: { safeParse(v: unknown): { success: boolean; data?: unknown } } | undefined;
  /**
   * Come back after the connection drops (backoff with jitter), resuming
   * every channel where it left off; `false` ends the socket instead.
   * @default true
   */
  readonly reconnect?: boolean | ReconnectOptions | undefined;
  /** Values a reconnect could not replay (history no longer had them): never a silent gap. */
  readonly onLost?: ((info: LostInfo) => void) | undefined;
  /** Called each time the connection is made again. */
  readonly onReconnect?: (() => void) | undefined;
  /** Called when the connection drops and a reconnect is on its way (with how it closed). */
  readonly onDrop?: ((info: ClientCloseInfo) => void) | undefined;
}

type SocketArgs<R> =
  Optional extends QueryOf<R> ? [options?: SocketCallOptions<QueryOf<R>>] : [options: SocketCallOptions<QueryOf<R>>];

type Call<R, K> = K extends 'ws'
  ? (...args: SocketArgs<R>) => Promise<ClientSocket<WsIn<R>, WsOut<R>>>
  : K extends WithBody
    ? BodyOfRoute<R> extends undefined
      ? (body?: undefined, ...options: OptionArgs<R>) => Promise<ClientResponse<DataOf<R>>>
      : (body: BodyOfRoute<R>, ...options: OptionArgs<R>) => Promise<ClientResponse<DataOf<R>>>
    : (...options: OptionArgs<R>) => Promise<ClientResponse<DataOf<R>>>;

type Methods<E> = { readonly [K in MethodsOf<Here<E>>]: Call<RoutesFor<Here<E>, K>, K> };
type Statics<E> = { readonly [K in keyof Grouped<E>]: Node<Grouped<E>[K]> };
type ParamCall<E> = [ParamArg<E>] extends [never] ? unknown : (param: ParamArg<E>) => Node<ParamNext<E>>;

/** One level of the client: static segments, a param call, the methods of the routes that end here. */
export type Node<E> = Statics<E> & ParamCall<E> & Methods<E>;

/** The typed client of a routes filter type. */
export type Client<F> = Node<Entries<RoutesOf<F>>>;
