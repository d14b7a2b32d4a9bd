/** `log(...)`: a wrapper that reports each reply a filter produces. */

import type { Ctx } from '../filter/context.js';
import { FilterImpl, makeWrapper, type Out, type Step, type Wrapper } from '../filter/filter.js';
import type { Reply } from '../reply/reply.js';

/** What `log.custom` receives for each reply. */
export interface LogInfo {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Time spent in the wrapped filter, in milliseconds. */
  readonly elapsedMs: number;
}

function wrapper(kind: string, report: (ctx: Ctx, info: LogInfo) => void): Wrapper {
  return makeWrapper((inner) => {
    const run = (ctx: Ctx): Step => {
      const t0 = performance.now();
      const after = (v: Out): Out => {
        if (Array.isArray(v)) {
          const r = v[0] as Reply;
          report(ctx, {
            method: ctx.req.method,
            path: ctx.req.path,
            status: r.statusCode,
            elapsedMs: performance.now() - t0,
          });
        }
        return v;
      };
      const x = inner.run(ctx);
      return x instanceof Promise ? x.then(after) : after(x);
    };
    return new FilterImpl<[Reply]>(kind, run, {
      leading: inner.leading,
      needs: inner.needs,
      inner: inner as FilterImpl<unknown[]>,
    });
  });
}

/**
 * Log every reply at info through the server's pino logger, with `name` as
 * the logger name (warp's `warp::log("name")`). Rejections are not logged
 * here; the server's access log has every request.
 *
 * @example
 * routes.with(log('api'))
 */
function logFn(name: string): Wrapper {
  return wrapper('log', (ctx, info) => {
    ctx.req.logger?.info({ name, ...info }, 'reply');
  });
}

/** Call `fn` with the method, path, status and time of every reply. */
function custom(fn: (info: LogInfo) => void): Wrapper {
  return wrapper('log.custom', (_ctx, info) => fn(info));
}

export const log: { (name: string): Wrapper; custom: typeof custom } = Object.assign(logFn, { custom });
