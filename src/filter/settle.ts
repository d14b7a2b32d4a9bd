/**
 * Run a reply filter against one request and settle on a `Reply`: extracted
 * values become replies, rejections become problem+json, thrown errors a
 * 500. Shared by the uWS server and the in-process test harness, so both
 * run exactly the same code. Synchronous filters settle synchronously.
 */
import type { Logger } from 'pino';
import { setCookie } from '../reply/cookies.js';
import { INTERNAL_ERROR, problemReply } from '../reply/problem.js';
import { HttpRejection, InvalidBody, PayloadTooLarge, Rejection } from '../reply/rejection.js';
import { Reply, toReply } from '../reply/reply.js';
import { resolveMethod } from './allow.js';
import { BodyTooLargeError, InvalidBodyError } from './body-errors.js';
import type { Ctx } from './context.js';
import type { FilterImpl, Out } from './filter.js';

function failed(err: unknown, ctx: Ctx, logger: Logger | undefined): Reply {
  if (err instanceof BodyTooLargeError) {
    return new Rejection([new PayloadTooLarge(err.limit)]).toReply();
  }
  if (err instanceof InvalidBodyError) return new Rejection([new InvalidBody(err.message)]).toReply();
  ctx.error = err;
  logger?.error({ err, reqId: ctx.req.requestId }, 'request handler failed');
  return problemReply(INTERNAL_ERROR);
}

function settled(out: Out, ctx: Ctx, logger: Logger | undefined, filter: FilterImpl<unknown[]>): Reply {
  if (out instanceof Rejection) {
    // A route that is not an `or` (one route served alone) still answers 404 / 405 with Allow by the same rule.
    if (out.rank === 1) out = resolveMethod(ctx, [filter], 0, out);
    ctx.rejection = out;
    if (!(out.preferred instanceof HttpRejection)) {
      logger?.error({ rejection: out.preferred }, 'unhandled custom rejection');
    }
    return out.toReply();
  }
  try {
    const r = toReply(out[0]);
    // Only `onUpgrade` makes a 101 (its WsAccept); any other success would leave the client hanging.
    if (ctx.upgrade !== undefined && r.statusCode < 300 && r.statusCode !== 101) throw new TypeError(NOT_UPGRADED);
    return r.pendingCookies === undefined ? r : signCookies(r, ctx);
  } catch (err) {
    return failed(err, ctx, logger);
  }
}

/**
 * A route accepted a WebSocket handshake (`ws()` extracted a `WsUpgrade`) and
 * answered it with a 2xx that is not an upgrade: its handler forgot to return
 * `upgrade.onUpgrade(handler)`. A client would get a 200 where it waits for
 * 101; the request is answered 500 and logged with this message instead.
 */
const NOT_UPGRADED =
  'A WebSocket route accepted the handshake but did not upgrade: its handler must return upgrade.onUpgrade(handler) ' +
  '(reject, or answer with a 4xx reply, to refuse the connection)';

/** Sign the reply's signed cookies with the server's first secret: `Set-Cookie` lines. */
function signCookies(r: Reply, ctx: Ctx): Reply {
  const keys = ctx.cookieKeys;
  if (keys === undefined) {
    throw new Error(
      'reply.cookie(name, value, { signed: true }) needs a secret: serve(routes, { cookies: { secret } })',
    );
  }
  let out = new Reply(r.statusCode, r.headers, r.body);
  for (const c of r.pendingCookies ?? [])
    out = out.appendHeader('set-cookie', setCookie(c.name, keys.sign(c.value), c.options));
  return out;
}

/** Settle `filter` for the request `ctx.req` (`ctx` then knows the route template). */
export function settle(filter: FilterImpl<unknown[]>, ctx: Ctx): Reply | Promise<Reply> {
  const logger = ctx.req.logger;
  let step: ReturnType<typeof filter.run>;
  try {
    step = filter.run(ctx);
  } catch (err) {
    return failed(err, ctx, logger);
  }
  if (step instanceof Promise) {
    return step.then(
      (out: Out) => settled(out, ctx, logger, filter),
      (err: unknown) => failed(err, ctx, logger),
    );
  }
  return settled(step, ctx, logger, filter);
}
