/**
 * Load uWebSockets.js and refuse its JavaScript fallback.
 *
 * The package we install (an unofficial build published under an alias)
 * quietly falls back to a slow Node implementation when its native binary
 * fails to load. The native module exports `SSLApp` and `getParts`; the
 * fallback does not. weft will not run on the fallback.
 */
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';

/** Thrown when the native uWebSockets.js binding is not the one loaded. */
export class NativeBindingError extends Error {
  override readonly name = 'NativeBindingError';
}

function load(): typeof UWS {
  const require = createRequire(import.meta.url);
  if (/^(true|1)$/i.test(process.env.UWS_USE_FALLBACK ?? '')) {
    throw new NativeBindingError(
      'weft: UWS_USE_FALLBACK is set; weft runs only on the native uWebSockets.js binding. Unset it.',
    );
  }
  const mod = require('uWebSockets.js') as typeof UWS;
  if (typeof mod.SSLApp !== 'function' || typeof mod.getParts !== 'function') {
    throw new NativeBindingError(
      `weft: the native uWebSockets.js binding did not load (the JS fallback is running) for ` +
        `node ${process.version} ${process.platform}-${process.arch} (ABI ${process.versions.modules}). ` +
        'Install the package under the alias in package.json ' +
        '("uWebSockets.js": "npm:@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0") on a supported platform.',
    );
  }
  return mod;
}

let cached: typeof UWS | undefined;

/** The native uWebSockets.js module (loaded on first use). */
export function uws(): typeof UWS {
  cached ??= load();
  return cached;
}

/** The parts of the native app this build has that its `index.d.ts` leaves out. */
export interface App extends Omit<UWS.TemplatedApp, 'listen'> {
  listen(host: string, port: number, options: number, cb: (ls: UWS.us_listen_socket | false) => void): App;
  /** Close the listen sockets and every open connection. */
  close(): void;
}

/** `LIBUS_LISTEN_EXCLUSIVE_PORT`: without it uWS binds with SO_REUSEPORT and a busy port "succeeds". */
export const EXCLUSIVE_PORT = 1;

export function createApp(): App {
  return uws().App() as unknown as App;
}
