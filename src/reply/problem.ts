/** RFC 9457 problem details for rejections nobody recovered and for failures. */
import { STATUS_CODES } from 'node:http';
import { Reply } from './reply.js';

/** The body of an `application/problem+json` response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  issues?: readonly { code: string; path: readonly PropertyKey[]; message: string }[] | undefined;
}

const PROBLEM: readonly (readonly [string, string])[] = [['content-type', 'application/problem+json']];

export function problemReply(p: Problem, headers: readonly (readonly [string, string])[] = []): Reply {
  const body = JSON.stringify(p, (_k, v: unknown) => (typeof v === 'symbol' ? String(v) : v));
  return new Reply(p.status, headers.length === 0 ? PROBLEM : [...PROBLEM, ...headers], body);
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
