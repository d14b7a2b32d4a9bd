/** Header name/value validation: nothing that could split a response reaches the wire. */
import { WeftError } from '../runtime/weft-error.js';

/** Thrown when a reply is given a header the wire must never carry. */
export class InvalidHeaderError extends WeftError {
  override readonly name = 'InvalidHeaderError';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible ASCII, space, tab and obs-text; no CR, LF, NUL or other controls.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Framing is the server's job; setting these by hand could desync the connection. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade', 'keep-alive']);

/** Returns the lower-cased name, or throws `InvalidHeaderError`. */
export function checkHeader(name: string, value: string): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new InvalidHeaderError(`Invalid header name ${JSON.stringify(name)}`);
  }
  const lower = name.toLowerCase();
  if (FRAMING.has(lower)) {
    throw new InvalidHeaderError(`Header "${lower}" is set by the server and cannot be set by hand`);
  }
  if (typeof value !== 'string' || !FIELD_VALUE.test(value)) {
    throw new InvalidHeaderError(
      `Invalid value for header "${lower}" (control characters such as CR/LF are not allowed)`,
    );
  }
  return lower;
}
