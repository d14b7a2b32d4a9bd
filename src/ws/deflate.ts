/**
 * permessage-deflate offers (RFC 7692) as weft accepts them, the same on
 * every reactor: an offer with an unknown, repeated or out-of-range parameter
 * is declined (RFC 7692 §5: the connection goes on uncompressed), never
 * accepted as it stands and never a failed handshake. Each reactor then
 * negotiates from the offers left.
 */

const WINDOW = /^(?:[89]|1[0-5])$/;

/** One offer's parameters, or undefined when the offer must be declined. */
function offerParams(offer: string): Map<string, string | undefined> | undefined {
  const [name, ...params] = offer.split(';').map((p) => p.trim());
  if (name?.toLowerCase() !== 'permessage-deflate') return undefined;
  const seen = new Map<string, string | undefined>();
  for (const p of params) {
    const eq = p.indexOf('=');
    const key = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? undefined : p.slice(eq + 1).trim();
    if (value !== undefined && value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    if (seen.has(key)) return undefined;
    switch (key) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== undefined) return undefined;
        break;
      case 'server_max_window_bits':
        if (value === undefined || !WINDOW.test(value)) return undefined;
        break;
      case 'client_max_window_bits':
        if (value !== undefined && !WINDOW.test(value)) return undefined;
        break;
      default:
        return undefined;
    }
    seen.set(key, value);
  }
  return seen;
}

/**
 * The client's `Sec-WebSocket-Extensions` offers a server may accept, in the
 * client's order, joined as a header value ('' when none is left).
 * `limitsServerWindow`: the reactor can compress within a smaller window than
 * 2^15 when the client asks for one (`server_max_window_bits`); where it
 * cannot, such offers are declined instead of accepted and broken.
 */
export function deflateOffers(header: string | undefined, limitsServerWindow: boolean): string {
  if (header === undefined || header === '') return '';
  const kept: string[] = [];
  for (const offer of header.split(',')) {
    const params = offerParams(offer);
    if (params === undefined) continue;
    const bits = params.get('server_max_window_bits');
    if (!limitsServerWindow && bits !== undefined && bits !== '15') continue;
    kept.push(offer.trim());
  }
  return kept.join(', ');
}
