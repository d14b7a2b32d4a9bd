/** RFC 9457 problem details for rejections nobody recovered and for failures. */
import { STATUS_CODES } from 'node:http';
import { HttpRejection, type Rejection } from './rejection.js';
import { Reply } from './reply.js';

/** The body of an `application/problem+json` response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  issues?: readonly { code: string; path: readonly PropertyKey[]; message: string }[];
}

const PROBLEM: readonly (readonly [string, string])[] = [['content-type', 'application/problem+json']];

export function problemReply(p: Problem, headers: readonly (readonly [string, string])[] = []): Reply {
  const body = JSON.stringify(p, (_k, v: unknown) => (typeof v === 'symbol' ? String(v) : v));
  return new Reply(p.status, headers.length === 0 ? PROBLEM : [...PROBLEM, ...headers], body);
}

const cache = new WeakMap<Rejection, Reply>();

/** The reply an unrecovered rejection is served as (cached: rejections and replies are immutable). */
export function rejectionReply(r: Rejection): Reply {
  let reply = cache.get(r);
  if (reply === undefined) {
    const p = r.preferred;
    reply = problemReply(rejectionProblem(r), p instanceof HttpRejection ? p.headers : []);
    cache.set(r, reply);
  }
  return reply;
}

/** The problem a rejection is served as. Custom rejections are a 500 (as in warp). */
export function rejectionProblem(r: Rejection): Problem {
  const p = r.preferred;
  if (p instanceof HttpRejection) {
    const out: Problem = { type: 'about:blank', title: p.title, status: p.status, detail: p.detail };
    if (p.issues !== undefined) {
      out.issues = p.issues.map((i) => ({ code: i.code, path: i.path, message: i.message }));
    }
    return out;
  }
  return { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'Unhandled rejection' };
}

export const INTERNAL_ERROR: Problem = {
  type: 'about:blank',
  title: 'Internal Server Error',
  status: 500,
  detail: 'The server failed to handle this request',
};

const fixed = new Map<string, Reply>();

/**
 * The problem reply for a fixed status and detail (the title is the status's
 * reason phrase), made once: replies are immutable. For answers given before
 * any filter ran (framing, limits, draining), the same on every reactor.
 */
export function fixedProblem(status: number, detail: string): Reply {
  const key = `${status} ${detail}`;
  let r = fixed.get(key);
  if (r === undefined) {
    r = problemReply({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail });
    fixed.set(key, r);
  }
  return r;
}
