/** The public `reply` builder: `reply.text(...)`, `reply.json(...)`, ..., and `reply.with.*` wrappers. */
import { type ReplyBuilder, reply as base } from './reply.js';
import { withWrappers } from '../filters/reply-headers.js';

export const reply: ReplyBuilder & { readonly with: typeof withWrappers } = Object.assign(base, {
  with: withWrappers,
});
