/**
 * Which reactor a test project runs on, and how it differs from the others,
 * declared once (as crossws declares `{ pubsub: false }` per adapter): tests
 * read `TRAITS`, never branch on the reactor's name inside an assertion.
 *
 * A test file that imports this module runs once per reactor (vitest.config.ts
 * derives the list from that import).
 */
import { loadBinding } from '../src/reactor/uws/binding.js';

/** The reactors a test project can run on. bun and deno serve from a child process (test/remote.ts). */
export type ReactorName = 'uws' | 'node' | 'bun' | 'deno';

/** Which reactor this test project runs on (vitest sets WEFT_REACTOR per project). */
export const REACTOR: ReactorName =
  (['node', 'bun', 'deno'] as const).find((r) => r === process.env.WEFT_REACTOR) ?? 'uws';

/** The reactor and, for uws, the uWS build: what decides the behaviour below. */
export type Flavor = 'uws-20.30' | 'uws-20.57' | 'node' | 'bun' | 'deno';

function flavor(): Flavor {
  if (REACTOR !== 'uws') return REACTOR;
  const b = loadBinding(16384);
  if (b instanceof Error) throw b;
  // Newer builds (20.6x, the official package) parse as 20.57 does.
  return b.version.startsWith('20.30.') ? 'uws-20.30' : 'uws-20.57';
}

export const FLAVOR: Flavor = flavor();

/** No answer at all: the connection was closed, or left silent until the reactor's idle timer. */
export const NONE = 0;

export interface Traits {
  /** A native uWS binding answers (its `uWebSockets` response header is there). */
  readonly native: boolean;
  /** What a head its parser refuses (no colon, bad version, TLS bytes) may get (`NONE`: silence, then closed). */
  readonly malformedHead: readonly number[];
  /** The statuses a head that the reactor's own parser refuses may get (`NONE`: no answer). */
  readonly parserRefuses: readonly number[];
  /** Header lines a request may have and still be served. */
  readonly servesHeaderLines: number;
  /** What 101 header lines get. */
  readonly tooManyHeaders: number;
  /** `GET` without `Host`; `HTTP/1.0`; two `Host` lines: the status each gets (Deno serves a missing Host as `localhost`). */
  readonly missingHost: number;
  readonly http10: number;
  readonly doubledHost: number;
  /** A method outside the standard set (`PURGE`): closed unanswered, or routed by name. */
  readonly unknownMethod: 'closed' | 'routed';
  /** A made-up method (`FROB`) is refused with 400 (node's parser knows only real methods; Bun.serve closes unanswered; Deno routes any token). */
  readonly refusesMadeUpMethod: boolean;
  /**
   * A client sending a byte a second is cut at the reactor's deadline (uWS
   * 20.57 restarts its timer on every byte; Deno.serve has no head or body
   * timeout: neither cuts it).
   */
  readonly cutsSlowClients: boolean;
  /**
   * Bytes pipelined behind a refused request: the refusal is answered (node), or
   * the connection is closed unanswered (uWS closes a connection that pipelines
   * behind a pending answer, and weft's refusals on uws are answered a turn later).
   */
  readonly answersRefusalWithBytesBehind: boolean;
  /** Chunk extensions and trailers (valid HTTP/1.1) are served. */
  readonly chunkExtras: boolean;
  /** A request pipelined behind one whose answer is pending is answered in turn. */
  readonly answersBehindPending: boolean;
  /**
   * Where the reactor closes a connection that pipelines behind a pending
   * answer, whom the access log blames: the reactor (444; uWS tells weft) or
   * the client (499; Bun.serve's close looks like the client leaving).
   */
  readonly pipelinedCloseBlames: 'reactor' | 'client';
  /** After a chunked body with a trailer section, the connection serves the next request. */
  readonly servesAfterTrailer: boolean;
  /** How `workers()` runs its workers by default. */
  readonly workerMode: 'threads' | 'processes';
  /**
   * After weft's own closing answer (a refusal: 414, 431, 413, 501, a framing
   * 400) the connection closes. Deno does not act on a response's
   * `Connection: close` (denoland/deno#9411) and a handler cannot close its
   * connection: it stays open, and the deno reactor answers every later
   * request on it with its own 400 ("the connection was closed by an earlier
   * answer") without running a filter, so nothing pipelined behind runs.
   */
  readonly closesAfterRefusal: boolean;
  /**
   * What a head past the reactor's own cap (64 KiB) gets: weft's 431 where
   * weft measures it, or Deno's own 400 (empty body, closed), which it
   * answers before weft sees the request.
   */
  readonly headOverCap: number;
}

const TABLE: Readonly<Record<Flavor, Traits>> = {
  'uws-20.30': {
    native: true,
    malformedHead: [NONE],
    parserRefuses: [NONE, 400],
    servesHeaderLines: 40,
    tooManyHeaders: NONE,
    missingHost: NONE,
    http10: NONE,
    doubledHost: 200,
    unknownMethod: 'closed',
    refusesMadeUpMethod: false,
    cutsSlowClients: true,
    answersRefusalWithBytesBehind: false,
    chunkExtras: false,
    answersBehindPending: false,
    pipelinedCloseBlames: 'reactor',
    servesAfterTrailer: false,
    workerMode: 'threads',
    closesAfterRefusal: true,
    headOverCap: 431,
  },
  'uws-20.57': {
    native: true,
    malformedHead: [NONE, 400, 431, 505],
    parserRefuses: [NONE, 400],
    servesHeaderLines: 40,
    tooManyHeaders: 431,
    missingHost: 400,
    http10: 505,
    doubledHost: 400,
    unknownMethod: 'routed',
    refusesMadeUpMethod: false,
    cutsSlowClients: false,
    answersRefusalWithBytesBehind: false,
    chunkExtras: false,
    answersBehindPending: false,
    pipelinedCloseBlames: 'reactor',
    servesAfterTrailer: false,
    workerMode: 'threads',
    closesAfterRefusal: true,
    headOverCap: 431,
  },
  node: {
    native: false,
    malformedHead: [400, 431, 505],
    parserRefuses: [400],
    servesHeaderLines: 100,
    tooManyHeaders: 431,
    missingHost: 400,
    http10: 200,
    doubledHost: 200,
    unknownMethod: 'routed',
    refusesMadeUpMethod: true,
    cutsSlowClients: true,
    answersRefusalWithBytesBehind: true,
    chunkExtras: true,
    answersBehindPending: true,
    pipelinedCloseBlames: 'reactor',
    servesAfterTrailer: true,
    workerMode: 'processes',
    closesAfterRefusal: true,
    headOverCap: 431,
  },
  bun: {
    native: false,
    malformedHead: [400, 431, 505],
    parserRefuses: [400],
    servesHeaderLines: 100,
    tooManyHeaders: 431,
    missingHost: 400,
    http10: 200,
    doubledHost: 200,
    unknownMethod: 'routed',
    refusesMadeUpMethod: false,
    cutsSlowClients: true,
    answersRefusalWithBytesBehind: true,
    chunkExtras: true,
    answersBehindPending: false,
    pipelinedCloseBlames: 'client',
    servesAfterTrailer: false,
    workerMode: 'threads',
    closesAfterRefusal: true,
    headOverCap: 431,
  },
  // Measured on Deno 2.9.6: its own HTTP/1.1 parser answers a malformed head (a
  // bad request line, a space before a colon, obs-fold, a NUL, HTTP/2.0, a TLS
  // ClientHello), a doubled Host, CL with TE, and a head over 64 KiB or 128
  // lines with 400, empty body, closed; it cuts a bad chunk size unanswered.
  // It serves what it lets through: no Host, HTTP/1.0, any method token.
  deno: {
    native: false,
    malformedHead: [400],
    parserRefuses: [NONE, 400],
    servesHeaderLines: 100,
    tooManyHeaders: 431,
    missingHost: 200,
    http10: 200,
    doubledHost: 400,
    unknownMethod: 'routed',
    refusesMadeUpMethod: false,
    cutsSlowClients: false,
    answersRefusalWithBytesBehind: true,
    chunkExtras: true,
    answersBehindPending: true,
    pipelinedCloseBlames: 'reactor',
    servesAfterTrailer: true,
    workerMode: 'processes',
    closesAfterRefusal: false,
    headOverCap: 400,
  },
};

/** How this project's reactor behaves where reactors differ. */
export const TRAITS: Traits = TABLE[FLAVOR];
