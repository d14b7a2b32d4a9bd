/**
 * Run a reply filter against one request and settle on a `Reply`: extracted
 * values become replies, rejections become problem+json, thrown errors a
 * 500. Shared by the uWS server and the in-process test harness, so both
 * run exactly the same code. Synchronous filters settle synchronously.
 */
import type { Logger } from 'pino';
import { BodyTooLargeError, type Ctx } from '../filters/context.js';
import type { FilterImpl, Out } from '../filters/filter.js';
import { INTERNAL_ERROR, problemReply, rejectionReply } from '../reply/problem.js';
import { HttpRejection, PayloadTooLarge, Rejection } from '../reply/rejection.js';
import { type Reply, toReply } from '../reply/reply.js';

function failed(err: unknown, ctx: Ctx, logger: Logger | undefined): Reply {
  if (err instanceof BodyTooLargeError) {
    return rejectionReply(new Rejection([new PayloadTooLarge(err.limit)]));
  }
  ctx.error = err;
  logger?.error({ err, reqId: ctx.req.requestId }, 'request handler failed');
  return problemReply(INTERNAL_ERROR);
}

function settled(out: Out, ctx: Ctx, logger: Logger | undefined): Reply {
  if (out instanceof Rejection) {
    ctx.rejection = out;
    if (!(out.preferred instanceof HttpRejection)) {
      logger?.error({ rejection: out.preferred }, 'unhandled custom rejection');
    }
    return rejectionReply(out);
  }
  try {
    return toReply(out[0]);
  } catch (err) {
    return failed(err, ctx, logger);
  }
}

/** Settle `filter` for the request `ctx.req` (`ctx` then knows the route template). */
export function settle(filter: FilterImpl<unknown[]>, ctx: Ctx): Reply | Promise<Reply> {
  const logger = ctx.req.logger;
  let step;
  try {
    step = filter.run(ctx);
  } catch (err) {
    return failed(err, ctx, logger);
  }
  if (step instanceof Promise) {
    return step.then(
      (out: Out) => settled(out, ctx, logger),
      (err: unknown) => failed(err, ctx, logger),
    );
  }
  return settled(step, ctx, logger);
}
