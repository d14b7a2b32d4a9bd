/**
 * `ws(options)`: the WebSocket handshake as a filter.
 *
 * ```ts
 * const chat = path('chat').and(ws({ maxPayload: 64 * 1024 }))
 *   .map((upgrade) => upgrade.onUpgrade(async (socket, signal) => { ... }));
 * ```
 *
 * It checks the handshake (GET, `Upgrade: websocket`, `Connection: upgrade`,
 * version 13, a valid key, an allowed origin) and extracts a `WsUpgrade`. It
 * combines with any other filter; the server upgrades only after the whole
 * chain accepted (async steps included), and never on an aborted request.
 */

import type { z } from 'zod';
import { type Positions, parsePositions } from '../broadcast/positions.js';
import { type Filter, FilterImpl } from '../filter/filter.js';
import { NO_NEEDS } from '../filter/request-source.js';
import type { Leaf, WsMark } from '../filter/shape.js';
import {
  ForbiddenOrigin,
  InvalidUpgrade,
  METHOD_NOT_ALLOWED,
  type Rejection,
  rejectWith,
  UpgradeRequired,
} from '../reply/rejection.js';
import { Reply } from '../reply/reply.js';
import { parseJson } from '../runtime/json.js';
import type { Message } from './message.js';
import { type ResolvedWsOptions, resolveWsOptions, type WsOptions } from './options.js';
import type { WsSocket } from './socket.js';

/** A per-connection handler: runs as a spawned task; `signal` fires on close or shutdown. */
export type WsHandler<In = Message, Out = string | Uint8Array> = (
  socket: WsSocket<In, Out>,
  signal: AbortSignal,
) => void | Promise<void>;

/** What `socket.messages()` yields on a route with `receive` schema `R`. */
export type Received<R> = R extends z.ZodType ? z.output<R> : Message;
/** What `socket.send` takes on a route with `send` schema `S`. */
export type Sent<S> = S extends z.ZodType ? z.input<S> : string | Uint8Array;

/**
 * The subprotocol the weft client offers: frames carry channel positions,
 * asks and answers (see `socket.ts`). A second offered token,
 * `weft.resume.<base64url JSON>`, holds the positions it saw last.
 */
export const WEFT_PROTOCOL = 'weft.v1';
const RESUME = 'weft.resume.';

/** Where a returning weft client left each channel, from its offered subprotocols. */
function resumeOf(asked: readonly string[]): Record<string, Positions> | undefined {
  const token = asked.find((p) => p.startsWith(RESUME));
  if (token === undefined) return undefined;
  try {
    return parsePositions(parseJson(Buffer.from(token.slice(RESUME.length), 'base64url').toString('utf8')));
  } catch {
    return undefined; // a client's bad token: it starts afresh (and hears `lost` for nothing)
  }
}

/** The reply that tells the server to complete the upgrade (status 101). */
export class WsAccept extends Reply {
  /** @internal */
  constructor(
    readonly handler: WsHandler<never, never>,
    readonly options: ResolvedWsOptions,
    /** The subprotocol chosen ('' for none). */
    readonly protocol: string,
    headers: readonly (readonly [string, string])[] = [],
    /** A returning weft client's last positions, per channel. */
    readonly resume: Readonly<Record<string, Positions>> | undefined = undefined,
  ) {
    super(101, headers, null);
  }

  /** A copy with a header added to the 101 response (wrappers such as `cors` use this). */
  override header(name: string, value: string): WsAccept {
    const r = super.header(name, value);
    return new WsAccept(this.handler, this.options, this.protocol, r.headers, this.resume);
  }

  override appendHeader(name: string, value: string): WsAccept {
    const r = super.appendHeader(name, value);
    return new WsAccept(this.handler, this.options, this.protocol, r.headers, this.resume);
  }

  /** The status of an upgrade is always 101. */
  override status(code: number): Reply {
    throw new RangeError(`A WebSocket upgrade is answered with 101, not ${code}`);
  }
}

/** What `ws()` extracts: a handshake that passed, waiting for a handler (typed by the route's schemas). */
export class WsUpgrade<In = Message, Out = string | Uint8Array> {
  /** @internal */
  constructor(
    private readonly options: ResolvedWsOptions,
    /** The subprotocol chosen from the client's offer and `options.protocols` ('' for none). */
    readonly protocol: string,
    private readonly resume: Readonly<Record<string, Positions>> | undefined = undefined,
  ) {}

  /** Accept the connection and run `handler` as its task. */
  onUpgrade(handler: WsHandler<In, Out>): WsAccept {
    return new WsAccept(handler as WsHandler<never, never>, this.options, this.protocol, [], this.resume);
  }
}

const KEY = /^[A-Za-z0-9+/]{22}==$/;
const GET_ONLY: ReadonlySet<string> = new Set(['GET']);

function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  return value
    .toLowerCase()
    .split(',')
    .some((t) => t.trim() === token);
}

const UPGRADE_HEADERS = [
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'origin',
];

/**
 * The WebSocket handshake filter. Rejects with 405 (not GET), 426 (not an
 * upgrade, or a version other than 13), 400 (bad key), 403 (origin not allowed).
 */
export function ws<R extends z.ZodType | undefined = undefined, S extends z.ZodType | undefined = undefined>(
  options?: WsOptions & { receive?: R; send?: S },
): Filter<[WsUpgrade<Received<R>, Sent<S>>], Leaf<WsMark<R, S>>> {
  const opts = resolveWsOptions(options);
  const origins = opts.origins ? new Set(opts.origins) : undefined;
  let notUpgrade: Rejection | undefined;
  let badVersion: Rejection | undefined;
  let badKey: Rejection | undefined;
  return new FilterImpl<[WsUpgrade<Received<R>, Sent<S>>], Leaf<WsMark<R, S>>>(
    'ws',
    (ctx) => {
      const h = (n: string) => ctx.req.header(n);
      if (ctx.req.method !== 'GET') return METHOD_NOT_ALLOWED;
      if (!hasToken(h('upgrade'), 'websocket') || !hasToken(h('connection'), 'upgrade')) {
        notUpgrade ??= rejectWith(new UpgradeRequired('This endpoint speaks WebSocket only'));
        return notUpgrade;
      }
      if (h('sec-websocket-version') !== '13') {
        badVersion ??= rejectWith(new UpgradeRequired('Only WebSocket version 13 is supported'));
        return badVersion;
      }
      if (!KEY.test(h('sec-websocket-key') ?? '')) {
        badKey ??= rejectWith(new InvalidUpgrade('Missing or malformed Sec-WebSocket-Key'));
        return badKey;
      }
      if (origins && !origins.has(h('origin') ?? '')) {
        return rejectWith(new ForbiddenOrigin(`Origin ${JSON.stringify(h('origin') ?? '')} is not allowed`));
      }
      let protocol = '';
      let resume: Record<string, Positions> | undefined;
      const offered = h('sec-websocket-protocol');
      if (offered) {
        const asked = offered.split(',').map((p) => p.trim());
        if (asked.includes(WEFT_PROTOCOL)) {
          protocol = WEFT_PROTOCOL;
          resume = resumeOf(asked);
        } else if (opts.protocols) protocol = opts.protocols.find((p) => asked.includes(p)) ?? '';
      }
      const upgrade = new WsUpgrade<Received<R>, Sent<S>>(opts, protocol, resume);
      ctx.upgrade = upgrade; // the pipeline checks that a handshake that got this far is answered by onUpgrade
      return [upgrade];
    },
    {
      needs: { ...NO_NEEDS, headers: new Set(UPGRADE_HEADERS), remote: true, ws: new Set([opts]) },
      doc: { kind: 'ws' },
      methods: GET_ONLY,
    },
  );
}
