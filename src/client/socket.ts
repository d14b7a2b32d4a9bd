/**
 * The client end of a typed WebSocket route: sends JSON of the route's
 * `receive` type, iterates JSON of its `send` type. Browser-safe: only the
 * standard `WebSocket` interface.
 *
 * It speaks `weft.v1` to a weft server: messages, asks and their answers are
 * framed, and values from named channels carry their position. When the
 * connection drops it reconnects (backoff with jitter) and hands back the
 * last position it saw per channel; the server replays what it missed, in
 * order and once, or says what is `lost`. See the guide, "Realtime that survives".
 */

/** The part of the standard `WebSocket` the client uses (the browser's, Node 22+'s, or the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  /** The subprotocol the server chose. */
  readonly protocol: string;
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

/** `sock.ask()` got no answer in time, or the connection dropped before it came. */
export class AskError extends Error {
  override readonly name = 'AskError';
}

/** Why the socket closed. */
export interface ClientCloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** Values of a channel that the server could not replay after a reconnect. */
export interface LostInfo {
  readonly channel: string;
  /** How many, where the server knows (`null`: some may be lost, it cannot say how many). */
  readonly count: number | null;
}

/** How the socket comes back after the connection drops. */
export interface ReconnectOptions {
  /** First wait, in ms (then doubled each attempt, with jitter). @default 250 */
  readonly minDelayMs?: number | undefined;
  /** Longest wait between attempts, in ms. @default 10000 */
  readonly maxDelayMs?: number | undefined;
  /** Attempts in a row before giving up (the socket then closes). @default Infinity */
  readonly maxAttempts?: number | undefined;
}

/** @internal what `.ws()` hands the socket. */
export interface SocketSetup {
  readonly Ctor: WebSocketConstructor;
  readonly url: string;
  readonly protocols: readonly string[];
  readonly schema: Schema | undefined;
  /** `false`: a dropped connection ends the socket. */
  readonly reconnect: ReconnectOptions | false;
  readonly onLost: ((info: LostInfo) => void) | undefined;
  readonly onReconnect: (() => void) | undefined;
  readonly onDrop: ((info: ClientCloseInfo) => void) | undefined;
}

type Schema = { safeParse(v: unknown): { success: boolean; data?: unknown; error?: unknown } };
type Item<Out> = { readonly value: Out } | { readonly error: ClientMessageError };
interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

const WEFT = 'weft.v1';
/** Closes that mean "do not come back": normal, and the policy and protocol refusals. */
const FINAL = new Set([1000, 1002, 1003, 1007, 1008, 1009, 1010]);
const MAX_OUTBOX = 1024;

function base64url(s: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/**
 * An open socket. `send` takes the route's `receive` type (sent as JSON);
 * iterating yields the route's `send` type, parsed (and checked by `schema`,
 * when one was given) as each message arrives. Messages wait in order until
 * read; the iteration ends when the socket closes for good (`close()`, a
 * close the server meant, or reconnecting given up).
 */
export class ClientSocket<In, Out> implements AsyncIterable<Out> {
  readonly #setup: SocketSetup;
  #ws: WebSocketLike;
  readonly #items: Item<Out>[] = [];
  #wake: (() => void) | undefined;
  #info: ClientCloseInfo | undefined;
  #settle!: (c: ClientCloseInfo) => void;
  readonly #closed: Promise<ClientCloseInfo>;
  #userClosed = false;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #positions: Record<string, Record<string, number>> = {};
  readonly #pending = new Map<number, Pending>();
  #nextAsk = 1;
  readonly #outbox: string[] = [];
  #reconnects = 0;

  /** @internal opened by the client's `.ws()` */
  constructor(setup: SocketSetup, ws: WebSocketLike) {
    this.#setup = setup;
    this.#closed = new Promise((resolve) => (this.#settle = resolve));
    this.#ws = ws;
    this.#attach(ws);
  }

  /** Send one message as JSON. While reconnecting it waits (up to 1024 messages) and goes out once back. */
  send(message: In): void {
    this.#write(['m', message], message);
  }

  /**
   * Send `message` and wait for the server's answer (`socket.answer(message, value)`
   * in the handler). Rejects with `AskError` after `timeoutMs` (default 10 s), or
   * when the connection drops first (the server cannot answer on a new one).
   */
  ask(message: In, options: { readonly timeoutMs?: number | undefined } = {}): Promise<Out> {
    if (this.#info !== undefined) return Promise.reject(new AskError('the socket is closed'));
    if (this.#ws.readyState === 1 && this.#ws.protocol !== WEFT)
      return Promise.reject(new AskError('the server does not speak weft.v1, so it cannot answer'));
    const id = this.#nextAsk++;
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise<Out>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new AskError(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.#write(['ask', id, message], undefined);
    });
  }

  /** Close for good (1000 by default): no reconnecting, the iteration ends. */
  close(code = 1000, reason = ''): void {
    this.#userClosed = true;
    clearTimeout(this.#timer);
    if (this.#ws.readyState === 1) {
      this.#ws.close(code, reason);
      return;
    }
    // Not open (between attempts, or one still connecting): it ends now, with the code asked for.
    this.#end({ code, reason });
    if (this.#ws.readyState === 0) this.#ws.close();
  }

  /** Resolves with the close code and reason once the socket closed for good. */
  closed(): Promise<ClientCloseInfo> {
    return this.#closed;
  }

  /** The underlying `WebSocket` of the current connection. */
  get raw(): WebSocketLike {
    return this.#ws;
  }

  /** The last position seen per channel and sender (what a reconnect hands back). */
  get positions(): Readonly<Record<string, Readonly<Record<string, number>>>> {
    return structuredClone(this.#positions);
  }

  /** How many times the connection was made again. */
  get reconnects(): number {
    return this.#reconnects;
  }

  #write(frame: readonly unknown[], plain: unknown): void {
    if (this.#info !== undefined) throw new Error('ClientSocket.send: the socket is closed');
    const open = this.#ws.readyState === 1;
    // A server that does not speak weft.v1 (one that is not weft) gets plain JSON.
    const text = open && this.#ws.protocol !== WEFT ? JSON.stringify(plain) : JSON.stringify(frame);
    if (open) this.#ws.send(text);
    else if (this.#outbox.length < MAX_OUTBOX) this.#outbox.push(JSON.stringify(frame));
    else throw new Error('ClientSocket.send: 1024 messages already wait for the connection to come back');
  }

  #attach(ws: WebSocketLike): void {
    ws.addEventListener('open', () => {
      this.#attempt = 0;
      for (const m of this.#outbox.splice(0)) ws.send(m);
    });
    ws.addEventListener('message', (ev: { data: unknown }) => {
      if (ws === this.#ws) this.#receive(ev.data);
    });
    ws.addEventListener('close', (ev: { code: number; reason: string }) => {
      if (ws === this.#ws) this.#dropped({ code: ev.code, reason: ev.reason });
    });
  }

  #receive(data: unknown): void {
    if (this.#ws.protocol !== WEFT) {
      this.#push(parse<Out>(data, this.#setup.schema));
      return;
    }
    let f: unknown;
    try {
      f = typeof data === 'string' ? JSON.parse(data) : undefined;
    } catch {
      f = undefined;
    }
    if (!Array.isArray(f)) {
      this.#push({ error: new ClientMessageError('not a weft.v1 frame', data) });
      return;
    }
    switch (f[0]) {
      case 'm':
        this.#push(check<Out>(f[1], data, this.#setup.schema));
        return;
      case 'v': {
        const [, ch, epoch, offset, value] = f as [string, string, string, number, unknown];
        const at = (this.#positions[ch] ??= {});
        if (offset <= (at[epoch] ?? -1)) return; // a value it already has
        at[epoch] = offset;
        this.#push(check<Out>(value, data, this.#setup.schema));
        return;
      }
      case 'pos': {
        const [, ch, snapshot] = f as [string, string, Record<string, number>];
        const at = (this.#positions[ch] ??= {});
        for (const [epoch, offset] of Object.entries(snapshot)) at[epoch] = Math.max(at[epoch] ?? -1, offset);
        return;
      }
      case 'lost':
        this.#setup.onLost?.({ channel: String(f[1]), count: typeof f[2] === 'number' ? f[2] : null });
        return;
      case 're': {
        const p = this.#pending.get(f[1] as number);
        if (p === undefined) return; // timed out already
        this.#pending.delete(f[1] as number);
        clearTimeout(p.timer);
        const r = check<Out>(f[2], data, this.#setup.schema);
        if ('error' in r) p.reject(r.error);
        else p.resolve(r.value);
        return;
      }
      default:
        this.#push({ error: new ClientMessageError('unknown weft.v1 frame', data) });
    }
  }

  #dropped(info: ClientCloseInfo): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new AskError('the connection dropped before the answer came'));
      this.#pending.delete(id);
    }
    const r = this.#setup.reconnect;
    const max = r === false ? 0 : (r.maxAttempts ?? Number.POSITIVE_INFINITY);
    if (this.#userClosed || r === false || FINAL.has(info.code) || info.code >= 4000 || this.#attempt >= max) {
      this.#end(info);
      return;
    }
    this.#setup.onDrop?.(info);
    const min = r.minDelayMs ?? 250;
    const cap = Math.min(r.maxDelayMs ?? 10_000, min * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    this.#timer = setTimeout(() => this.#again(), cap / 2 + Math.random() * (cap / 2));
  }

  #again(): void {
    if (this.#userClosed) return;
    const s = this.#setup;
    const protocols = [...s.protocols];
    if (Object.keys(this.#positions).length > 0)
      protocols.push(`weft.resume.${base64url(JSON.stringify(this.#positions))}`);
    const ws = new s.Ctor(s.url, protocols);
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    this.#attach(ws);
    ws.addEventListener('error', () => undefined); // the close that follows decides what next
    ws.addEventListener('open', () => {
      this.#reconnects++;
      s.onReconnect?.();
    });
  }

  #end(info: ClientCloseInfo): void {
    if (this.#info !== undefined) return;
    this.#info = info;
    this.#settle(info);
    this.#poke();
  }

  #push(item: Item<Out>): void {
    this.#items.push(item);
    this.#poke();
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

function check<Out>(value: unknown, data: unknown, schema: Schema | undefined): Item<Out> {
  if (schema === undefined) return { value: value as Out };
  const r = schema.safeParse(value);
  return r.success
    ? { value: r.data as Out }
    : { error: new ClientMessageError('message failed validation', data, r.error) };
}

function parse<Out>(data: unknown, schema: Schema | undefined): Item<Out> {
  if (typeof data !== 'string') return { error: new ClientMessageError('binary message on a JSON socket', data) };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { error: new ClientMessageError('message is not JSON', data) };
  }
  return check<Out>(value, data, schema);
}

/** Open a socket and resolve once it is open (reject if it fails first). */
export function openSocket<In, Out>(setup: SocketSetup): Promise<ClientSocket<In, Out>> {
  const ws = new setup.Ctor(setup.url, [...setup.protocols]);
  ws.binaryType = 'arraybuffer';
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      reject(new Error(`WebSocket to ${setup.url} ${why}`));
    };
    // After `open` these settle nothing; before it, a refused handshake fires `error` (and, in browsers, `close`).
    ws.addEventListener('error', (ev: { message?: string }) =>
      fail(`failed before it opened${ev.message ? `: ${ev.message}` : ''}`),
    );
    ws.addEventListener('close', (ev: { code: number }) => fail(`closed before it opened (${ev.code})`));
    ws.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      resolve(new ClientSocket<In, Out>(setup, ws));
    });
  });
}
