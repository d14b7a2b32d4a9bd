/**
 * Load a native uWebSockets.js binding, and refuse every JavaScript fallback.
 *
 * Tried in order, the first that loads natively wins:
 * 1. `uWebSockets.js`, the official build (installed from its GitHub tag by the user);
 * 2. `@btc-vision/uwebsockets.js` (uWS 20.57: Node 20/22/24/25, glibc >= 2.38);
 * 3. `@trufflesuite/uws-js-unofficial` (uWS 20.30: Node <= 20, older glibc). Its
 *    own loader prints two `console.warn` lines and falls back to a slow JS
 *    server when its binary does not fit, so weft loads the binary file itself.
 *
 * A module is native when it exports `SSLApp` and `getParts` (the fallback does not).
 * uWS reads `UWS_HTTP_MAX_HEADERS_SIZE` once, when the binding loads: weft sets
 * it (unless the user did) so uWS's own head cap fits weft's limit.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UWS from '@btc-vision/uwebsockets.js';
import { NativeBindingError } from '../native-binding-error.js';

export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, WebSocket } from '@btc-vision/uwebsockets.js';

/** A loaded native binding and where it came from. */
export interface Binding {
  readonly uws: typeof UWS;
  /** The package it was loaded from. */
  readonly from: string;
  /** The uWS version of that package. */
  readonly version: string;
}

const require = createRequire(import.meta.url);
const binaryName = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;

function isNative(mod: unknown): mod is typeof UWS {
  const m = mod as Partial<typeof UWS> | undefined;
  return typeof m?.SSLApp === 'function' && typeof m.getParts === 'function';
}

/** The folder of a package whose main file sits at its root (its `exports` may hide `package.json`). */
function packageDir(name: string): string {
  return dirname(require.resolve(name));
}

function versionOf(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

interface Candidate {
  readonly from: string;
  /** Load the native module; throws with the reason when it cannot. */
  load(): { mod: unknown; version: string };
}

const candidates: readonly Candidate[] = [
  {
    from: 'uWebSockets.js',
    load() {
      const dir = packageDir('uWebSockets.js');
      return { mod: require(join(dir, binaryName)) as unknown, version: versionOf(dir) };
    },
  },
  {
    from: '@btc-vision/uwebsockets.js',
    load() {
      const dir = packageDir('@btc-vision/uwebsockets.js');
      return { mod: require(join(dir, binaryName)) as unknown, version: versionOf(dir) };
    },
  },
  {
    from: '@trufflesuite/uws-js-unofficial',
    load() {
      const dir = dirname(require.resolve('@trufflesuite/uws-js-unofficial/package.json'));
      return {
        mod: require(join(dir, 'binaries', binaryName)) as unknown,
        version: versionOf(dir).replace(/-unofficial.*$/, ''),
      };
    },
  },
];

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'MODULE_NOT_FOUND' && !msg.includes('.node')) return 'not installed';
  if (code === 'MODULE_NOT_FOUND') return `no binary ${binaryName} for this Node (ABI ${process.versions.modules})`;
  return (msg.split('\n')[0] ?? msg).trim();
}

let loaded: Binding | NativeBindingError | undefined;

/** The first native uWS binding that loads (cached), or the `NativeBindingError` saying why none did. */
export function loadBinding(maxHeadBytes: number): Binding | NativeBindingError {
  if (loaded !== undefined) return loaded;
  if (/^(true|1)$/i.test(process.env.UWS_USE_FALLBACK ?? '')) {
    loaded = new NativeBindingError(
      'weft: UWS_USE_FALLBACK is set; weft runs only on a native uWebSockets.js binding. Unset it.',
    );
    return loaded;
  }
  process.env.UWS_HTTP_MAX_HEADERS_SIZE ??= String(maxHeadBytes);
  const tried: { from: string; reason: string }[] = [];
  for (const c of candidates) {
    try {
      const { mod, version } = c.load();
      if (!isNative(mod)) {
        tried.push({ from: c.from, reason: 'not a native binding (a JavaScript fallback)' });
        continue;
      }
      loaded = { uws: mod, from: c.from, version };
      return loaded;
    } catch (err) {
      tried.push({ from: c.from, reason: firstLine(err) });
    }
  }
  loaded = new NativeBindingError(
    `weft: no native uWebSockets.js binding loads on node ${process.version} ${process.platform}-${process.arch} ` +
      `(ABI ${process.versions.modules}): ${tried.map((t) => `${t.from}: ${t.reason}`).join('; ')}`,
    tried,
  );
  return loaded;
}

/** The head cap uWS was loaded with (it reads the variable once). */
export function uwsHeadCap(): number {
  return Number(process.env.UWS_HTTP_MAX_HEADERS_SIZE ?? 4096);
}

/** The parts of the native app these builds have that their `index.d.ts` leaves out. */
export interface App extends Omit<UWS.TemplatedApp, 'listen' | 'close'> {
  listen(host: string, port: number, options: number, cb: (ls: UWS.us_listen_socket | false) => void): App;
  /** Close the listen sockets and every open connection. */
  close(): void;
}

/** `LIBUS_LISTEN_EXCLUSIVE_PORT`: without it uWS binds with SO_REUSEPORT and a busy port "succeeds". */
export const EXCLUSIVE_PORT = 1;
