/** `lastEventId()`: where a Server-Sent Events client asks to resume. */
import type { Filter } from '../filter/filter.js';
import { header } from './header.js';

/**
 * Extracts the `Last-Event-ID` a reconnecting EventSource sends (the `id` of
 * the last event it received), or `undefined` on a first connection. Never rejects.
 *
 * @example
 * get().and(path('events')).and(lastEventId()).map((last) => reply.sse(eventsAfter(last), { retryMs: 2000 }))
 */
export function lastEventId(): Filter<[string | undefined]> {
  return header.optional('last-event-id');
}
