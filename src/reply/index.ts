/** The reply builder: `reply.text(...)`, `reply.json(...)`, ... (`reply.with.*` is added a floor up, in `filters/reply-headers.ts`). */
export { type ReplyBuilder, reply } from './reply.js';
