/** Status rules every reactor and the harness share. */
import { STATUS_CODES } from 'node:http';

const statusLines = new Map<number, string>();

/** `"404 Not Found"`: the status line without the protocol (cached per code). */
export function statusLine(code: number): string {
  let line = statusLines.get(code);
  if (line === undefined) {
    line = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`;
    statusLines.set(code, line);
  }
  return line;
}

/** Statuses that never carry a body (RFC 9110 §6.4.1, §15.2, §15.3.5, §15.4.5). */
export function bodiless(code: number): boolean {
  return code === 204 || code === 304 || (code >= 100 && code < 200);
}

/** The wire size of a body chunk (UTF-8 for strings). */
export function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}
