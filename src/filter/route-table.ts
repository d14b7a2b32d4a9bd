/**
 * Dispatch for long `or` chains without giving up the scan's rejection rules.
 *
 * Every branch declares the static checks it makes first (`leading`): method
 * checks and static path segments. A branch whose first path check is the
 * static segment `s` can only match when the segment at the current position
 * is `s`, so it is filed under `s`; a branch without such a check is a
 * wildcard, tried for every request. A request tries, in the original order,
 * the wildcards plus the branches filed under its segment.
 *
 * A skipped branch would have rejected with 404: its path check fails, and a
 * method check placed before that path check also yields 404 when the path
 * does not match (see `and`). So the merged rejection is the one a straight
 * scan produces: 404 merged with whatever the tried branches rejected with.
 * Settling a 405 (allow.ts) looks only at branches whose path can match, so
 * the skipped ones change nothing there either.
 */
import { NOT_FOUND } from '../reply/rejection.js';
import type { Ctx } from './context.js';
import type { FilterImpl, Step } from './filter.js';
import { runBranches } from './or.js';

const END = '\u0000end';

interface Bucket {
  /** Branches to try for this key: its own plus the wildcards, in order. */
  readonly list: readonly FilterImpl<unknown[]>[];
  /** Whether some keyed branch is skipped (then the scan would have seen a 404). */
  readonly skipsAny: boolean;
}

/** The key of a branch: its first static path check, or undefined for a wildcard. */
function keyOf(branch: FilterImpl<unknown[]>): string | undefined {
  for (const check of branch.leading) {
    if (check.kind === 'seg') return check.value;
    if (check.kind === 'end') return END;
  }
  return undefined;
}

export class RouteTable {
  private readonly buckets = new Map<string, Bucket>();
  private readonly other: Bucket;

  constructor(private readonly branches: readonly FilterImpl<unknown[]>[]) {
    const keys = branches.map(keyOf);
    const build = (key: string | undefined): Bucket => {
      const list = branches.filter((_, i) => keys[i] === undefined || keys[i] === key);
      return { list, skipsAny: list.length < branches.length };
    };
    for (const key of new Set(keys)) if (key !== undefined) this.buckets.set(key, build(key));
    this.other = build(undefined);
  }

  run(ctx: Ctx): Step {
    const pos = ctx.pos;
    const segs = ctx.segments();
    let bucket: Bucket;
    if (pos >= segs.length) bucket = this.buckets.get(END) ?? this.other;
    else {
      const seg = segs[pos];
      // Invalid percent-encoding: no key to look up; let the path filters report it.
      if (seg === null || seg === undefined) return runBranches(ctx, this.branches, 0, pos, undefined);
      bucket = this.buckets.get(seg) ?? this.other;
    }
    return runBranches(ctx, bucket.list, 0, pos, bucket.skipsAny ? NOT_FOUND : undefined);
  }
}
