/**
 * Route templates: the path a request matched, with its params as
 * placeholders (`/todos/{id}`), never the raw path. Metrics label requests
 * with it, tracing names spans by it, and OpenAPI documents paths in the
 * same syntax.
 *
 * Each `path(...)` filter owns a `Fragment` (its static segments and
 * params). When it matches, it pushes the fragment on the request's trail,
 * a persistent list, so `or` undoes a failed branch by restoring one
 * reference. The template is rendered from the trail only when someone asks,
 * and cached per sequence of fragments.
 *
 * A named param shows its name (`int.as('id')` → `{id}`); an unnamed one its
 * type, numbered when the type repeats in one route (`/a/{int}/b/{int2}`).
 * What `rest`, `path.tail()` or an unconsumed prefix leave open shows as `*`.
 */

/** One part of a template: a static segment, a param placeholder, or `*`. */
export type TemplatePart =
  | { readonly kind: 'static'; readonly value: string }
  | { readonly kind: 'param'; readonly label: string }
  | { readonly kind: 'rest' };

let nextFragmentId = 0;

/** What one path filter contributes to the route template. */
export class Fragment {
  readonly id = nextFragmentId++;
  private own: string | undefined;
  constructor(readonly parts: readonly TemplatePart[]) {}

  /** This fragment alone, rendered. */
  get rendered(): string {
    this.own ??= render([this]);
    return this.own;
  }
}

/** The fragments a request's path filters matched, newest first. */
export interface Trail {
  readonly frag: Fragment;
  readonly prev: Trail | undefined;
}

/** The fragment `path.tail()` pushes: whatever is left. */
export const REST_FRAGMENT = new Fragment([{ kind: 'rest' }]);

/** Render a list of fragments (in match order) as one template: static segments, `{label}` placeholders numbered on repeats, `*`. */
export function render(frags: readonly Fragment[]): string {
  const seen = new Map<string, number>();
  let out = '';
  let open = false;
  for (const f of frags) {
    for (const p of f.parts) {
      if (p.kind === 'rest') {
        open = true;
        continue;
      }
      if (p.kind === 'static') {
        out += `/${p.value}`;
        continue;
      }
      const n = (seen.get(p.label) ?? 0) + 1;
      seen.set(p.label, n);
      out += `/{${p.label}${n === 1 ? '' : n}}`;
    }
  }
  if (open) out += '/*';
  return out === '' ? '/' : out;
}

const cache = new Map<string, string>();
const MAX_CACHED = 4096;

/**
 * The template of a trail; `open`: segments were left unconsumed (shown as `/*`).
 * Routes are finite, so the cache stays small; it is bounded anyway.
 */
export function templateOf(trail: Trail | undefined, open: boolean): string {
  if (trail === undefined) return open ? '/*' : '/';
  if (trail.prev === undefined && !open) return trail.frag.rendered;
  const frags: Fragment[] = [];
  let key = open ? '*' : '';
  for (let t: Trail | undefined = trail; t !== undefined; t = t.prev) {
    frags.push(t.frag);
    key += `,${t.frag.id}`;
  }
  let s = cache.get(key);
  if (s === undefined) {
    frags.reverse();
    if (open) frags.push(REST_FRAGMENT);
    s = render(frags);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, s);
  }
  return s;
}
