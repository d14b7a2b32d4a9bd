/**
 * The client end of a typed WebSocket route: sends JSON of the route's
 * `receive` type, iterates JSON of its `send` type. Browser-safe: only the
 * standard `WebSocket` interface.
 */

/** The part of the standard `WebSocket` the client uses (the browser's, Node 22+'s, or the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (ev: never) => void): void;
}

/** A `WebSocket` constructor. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** A message that was not JSON, or failed the socket's `schema`. */
export class ClientMessageError extends Error {
  override readonly name = 'ClientMessageError';
  constructor(
    message: string,
    /** The message as it arrived. */
    readonly data: unknown,
    /** The schema's error, when it failed one. */
    readonly issues?: unknown,
  ) {
    super(message);
  }
}

/** Why the socket closed. */
export interface ClientCloseInfo {
  readonly code: number;
  readonly reason: string;
}

type Schema = { safeParse(v: unknown): { success: boolean; data?: unknown; error?: unknown } };
type Item<Out> = { readonly value: Out } | { readonly error: ClientMessageError };

/**
 * An open socket. `send` takes the route's `receive` type (sent as JSON);
 * iterating yields the route's `send` type, parsed (and checked by `schema`,
 * when one was given) as each message arrives. Messages wait in order until
 * read; the iteration ends when the socket closes.
 */
export class ClientSocket<In, Out> implements AsyncIterable<Out> {
  readonly #ws: WebSocketLike;
  readonly #items: Item<Out>[] = [];
  #wake: (() => void) | undefined;
  #info: ClientCloseInfo | undefined;
  readonly #closed: Promise<ClientCloseInfo>;

  /** @internal opened by the client's `.ws()` */
  constructor(ws: WebSocketLike, schema: Schema | undefined) {
    this.#ws = ws;
    let settle!: (c: ClientCloseInfo) => void;
    this.#closed = new Promise((resolve) => (settle = resolve));
    ws.addEventListener('message', (ev: { data: unknown }) => {
      this.#items.push(parse<Out>(ev.data, schema));
      this.#poke();
    });
    ws.addEventListener('close', (ev: { code: number; reason: string }) => {
      this.#info = { code: ev.code, reason: ev.reason };
      settle(this.#info);
      this.#poke();
    });
  }

  /** Send one message as JSON. Throws when the socket is not open. */
  send(message: In): void {
    if (this.#ws.readyState !== 1) throw new Error('ClientSocket.send: the socket is not open');
    this.#ws.send(JSON.stringify(message));
  }

  /** Close (1000 by default). */
  close(code = 1000, reason = ''): void {
    this.#ws.close(code, reason);
  }

  /** Resolves with the close code and reason once the socket closed. */
  closed(): Promise<ClientCloseInfo> {
    return this.#closed;
  }

  /** The underlying `WebSocket`. */
  get raw(): WebSocketLike {
    return this.#ws;
  }

  #poke(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Out> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        if ('error' in item) throw item.error;
        yield item.value;
        continue;
      }
      if (this.#info !== undefined) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

function parse<Out>(data: unknown, schema: Schema | undefined): Item<Out> {
  if (typeof data !== 'string') return { error: new ClientMessageError('binary message on a JSON socket', data) };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { error: new ClientMessageError('message is not JSON', data) };
  }
  if (schema === undefined) return { value: value as Out };
  const r = schema.safeParse(value);
  return r.success
    ? { value: r.data as Out }
    : { error: new ClientMessageError('message failed validation', data, r.error) };
}

/** Open `url` and resolve once it is open (reject if it closes first). */
export function openSocket<In, Out>(
  Ctor: WebSocketConstructor,
  url: string,
  protocols: string | readonly string[] | undefined,
  schema: Schema | undefined,
): Promise<ClientSocket<In, Out>> {
  const ws =
    protocols === undefined ? new Ctor(url) : new Ctor(url, typeof protocols === 'string' ? protocols : [...protocols]);
  const socket = new ClientSocket<In, Out>(ws, schema);
  return new Promise((resolve, reject) => {
    // After `open` these settle nothing; before it, a refused handshake fires `error` (and, in browsers, `close`).
    ws.addEventListener('open', () => resolve(socket));
    ws.addEventListener('error', (ev: { message?: string }) =>
      reject(new Error(`WebSocket to ${url} failed before it opened${ev.message ? `: ${ev.message}` : ''}`)),
    );
    ws.addEventListener('close', (ev: { code: number }) =>
      reject(new Error(`WebSocket to ${url} closed before it opened (${ev.code})`)),
    );
  });
}
