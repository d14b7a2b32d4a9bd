/** Connection address filters. */

import { type Filter, FilterImpl } from '../filter/filter.js';
import { NO_NEEDS } from '../filter/request-source.js';

/** The peer's IP address as text (`127.0.0.1`, `::1`). Not a proxy's `X-Forwarded-For`. */
function remote(): Filter<[string]> {
  return new FilterImpl<[string]>('addr.remote', (ctx) => [ctx.req.remoteAddress()], {
    needs: { ...NO_NEEDS, remote: true },
  });
}

export const addr: { remote: typeof remote } = { remote };
