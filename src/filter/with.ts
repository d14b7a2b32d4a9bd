import type { Reply, Replyable } from '../reply/reply.js';
import { toReply } from '../reply/reply.js';
import { afterRun, type Filter, FilterImpl, type Out, type WrapperImpl } from './filter.js';

const convert = (v: Out): Out => (Array.isArray(v) ? [toReply(v[0])] : v);

/** `a.with(wrapper)`: convert `a`'s value to a `Reply`, then let the wrapper wrap it. */
export function withFilter(a: FilterImpl<[Replyable]>, wrapper: WrapperImpl): Filter<[Reply]> {
  const run = afterRun(a as FilterImpl<unknown[]>, convert);
  const asReply = new FilterImpl<[Reply]>('reply', run, {
    leading: a.leading,
    needs: a.needs,
    inner: a as FilterImpl<unknown[]>,
  });
  return wrapper.wrap(asReply);
}
