/**
 * Wrappers that edit the headers of every reply a filter produces
 * (`reply.with.*`), and the public `reply` builder that carries them: the
 * builder itself lives in `reply/`, a floor below the filters it wraps.
 */
import { afterRun, FilterImpl, makeWrapper, type Out, type Wrapper } from '../filter/filter.js';
import { checkHeader } from '../reply/headers.js';
import { reply as base, type Reply, type ReplyBuilder } from '../reply/reply.js';

/** @internal a wrapper that maps each reply. */
export function replyMapper(kind: string, edit: (r: Reply) => Reply): Wrapper {
  return makeWrapper((inner) => {
    const apply = (v: Out): Out => (Array.isArray(v) ? [edit(v[0] as Reply)] : v);
    const run = afterRun(inner as FilterImpl<unknown[]>, apply);
    return new FilterImpl<[Reply]>(kind, run, {
      leading: inner.leading,
      needs: inner.needs,
      inner: inner as FilterImpl<unknown[]>,
    });
  });
}

/** Set `name: value` on every reply, replacing what the handler set. */
function header(name: string, value: string): Wrapper {
  checkHeader(name, value);
  return replyMapper('with.header', (r) => r.header(name, value));
}

/** Set `name: value` only on replies that do not have that header yet. */
function defaultHeader(name: string, value: string): Wrapper {
  checkHeader(name, value);
  return replyMapper('with.defaultHeader', (r) => (r.getHeader(name) === undefined ? r.header(name, value) : r));
}

/** Set several headers on every reply, replacing what the handler set. */
function headers(values: Readonly<Record<string, string>>): Wrapper {
  const pairs = Object.entries(values);
  for (const [n, v] of pairs) checkHeader(n, v);
  return replyMapper('with.headers', (r) => pairs.reduce((acc, [n, v]) => acc.header(n, v), r));
}

export const withWrappers: {
  header: typeof header;
  defaultHeader: typeof defaultHeader;
  headers: typeof headers;
} = { header, defaultHeader, headers };

/** `reply.text(...)`, `reply.json(...)`, ..., and `reply.with.*` wrappers. */
export const reply: ReplyBuilder & { readonly with: typeof withWrappers } = Object.assign(base, {
  with: withWrappers,
});
