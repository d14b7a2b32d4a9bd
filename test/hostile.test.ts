/**
 * Hostile framing, on every reactor: each vector is sent with a request
 * smuggled behind it in the same write, as a desynchronising proxy would pass
 * it on. Whatever the reactor answers, the same things hold everywhere:
 * - at most one answer (one status line) comes back for the vector;
 * - the connection closes after it, or, where the reactor keeps it open
 *   after weft's closing answer (Deno: `TRAITS.closesAfterRefusal`), every
 *   later request on it is refused by the reactor with its own 400;
 * - the smuggled request never runs;
 * - the server goes on serving.
 * And sent alone (nothing behind it), a refused request gets its status with
 * `Connection: close`, and the connection closes (Deno: runs nothing more).
 *
 * What a reactor's own parser decides, and how, is declared once below.
 */
import { afterAll, beforeAll, describe, type ExpectStatic, expect, it } from 'vitest';
import { CLOSED_DETAIL } from '../src/reactor/deno/reactor.js';
import { RawClient, until } from './helpers.js';
import { NONE, REACTOR, TRAITS } from './reactor.js';
import { type Served, startFixture } from './remote.js';

let server: Served;

beforeAll(async () => {
  server = await startFixture('hostile');
});
afterAll(() => server?.close());

/** A state-changing request, named per vector so one that ran is pinned to its vector. */
const smuggled = (i: number) =>
  `DELETE /items/smuggled-${i} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin\r\n\r\n`;

/**
 * What each reactor answers, where it differs from weft's own refusal.
 *
 * uws: weft answers a refusal from the next turn of the event loop (uWS closes
 * only outside its parser), and uWS closes a connection, unanswered, when a
 * request is pipelined behind one whose answer is still pending. So with a
 * request smuggled behind it, a refusal weft decides is either its status or no
 * answer at all. uWS's own parser refuses some heads before weft sees them:
 * 20.30 closes silently, 20.57 answers 400.
 *
 * node: node's parser refuses doubled and conflicting lengths itself (400 from
 * weft's `clientError`), and answers what it cannot parse with 400.
 */
const PIPELINED_BEHIND_REFUSAL: readonly number[] = TRAITS.answersRefusalWithBytesBehind ? [] : [NONE];
const PARSER_REFUSES: readonly number[] = TRAITS.parserRefuses;

interface Vector {
  readonly name: string;
  /** The request, up to where the smuggled one is appended. */
  readonly bytes: string;
  /** The status weft (or the reactor's parser) answers, sent alone. */
  readonly status: number;
  /** Other answers the reactors may give (see above). */
  readonly also?: readonly number[];
  /**
   * weft answers before the body is all read and leaves the rest unread.
   * Where the connection stays open after weft's closing answer (Deno),
   * Deno then waits for that body to be read and reads nothing more from the
   * connection: no later request is answered, or run (the reactor would
   * refuse it: the connection is marked), until the client leaves.
   */
  readonly leavesBodyUnread?: true;
}

const post1 = (headers: string, rest = '') => `POST /echo HTTP/1.1\r\nHost: x\r\n${headers}\r\n\r\n${rest}`;
const chunked = (rest: string) => post1('Transfer-Encoding: chunked', rest);

const VECTORS: readonly Vector[] = [
  {
    name: 'two differing Content-Lengths',
    bytes: post1('Content-Length: 2\r\nContent-Length: 40', 'xx'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'two equal Content-Lengths',
    bytes: post1('Content-Length: 2\r\nContent-Length: 2', 'xx'),
    status: 400,
    also: PARSER_REFUSES,
  },
  { name: 'a Content-Length list', bytes: post1('Content-Length: 2, 2', 'xx'), status: 400, also: PARSER_REFUSES },
  { name: 'a signed Content-Length', bytes: post1('Content-Length: +2', 'xx'), status: 400, also: PARSER_REFUSES },
  {
    name: 'a hexadecimal Content-Length',
    bytes: post1('Content-Length: 0x2', 'xx'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'Content-Length with Transfer-Encoding',
    bytes: post1('Content-Length: 5\r\nTransfer-Encoding: chunked', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'Transfer-Encoding: chunked, identity',
    bytes: post1('Transfer-Encoding: chunked, identity', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'Transfer-Encoding: xchunked',
    bytes: post1('Transfer-Encoding: xchunked', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'Transfer-Encoding: identity',
    bytes: post1('Transfer-Encoding: identity', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'Transfer-Encoding: chunked, chunked',
    bytes: post1('Transfer-Encoding: chunked, chunked', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'two Transfer-Encoding lines',
    bytes: post1('Transfer-Encoding: chunked\r\nTransfer-Encoding: identity', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'two chunked Transfer-Encoding lines',
    bytes: post1('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'Transfer-Encoding: gzip, chunked (a coding weft does not implement)',
    bytes: post1('Transfer-Encoding: gzip, chunked', '0\r\n\r\n'),
    status: 501,
    also: PARSER_REFUSES,
  },
  {
    name: 'a space before the colon',
    bytes: post1('Transfer-Encoding : chunked', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'a folded Transfer-Encoding',
    bytes: post1('Transfer-Encoding:\r\n chunked', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'a vertical tab before chunked',
    bytes: post1('Transfer-Encoding: \x0bchunked', '0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'a chunk size that is not hexadecimal',
    bytes: chunked('zz\r\nabc\r\n0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'a chunk size that overflows',
    bytes: chunked('fffffffffffffffff1\r\nabc\r\n0\r\n\r\n'),
    status: 400,
    also: PARSER_REFUSES,
  },
  {
    name: 'a chunked body over the route limit',
    bytes: chunked(`800\r\n${'a'.repeat(0x800)}\r\n0\r\n\r\n`),
    status: 413,
    leavesBodyUnread: true,
  },
  {
    name: 'a request target over 8 KiB',
    bytes: `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 414,
    also: PARSER_REFUSES,
  },
  {
    name: 'a request head over 16 KiB',
    bytes: `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    status: 431,
    also: PARSER_REFUSES,
  },
  {
    name: 'HTTP/2.0 on the request line',
    bytes: 'GET / HTTP/2.0\r\nHost: x\r\n\r\n',
    status: 505,
    also: PARSER_REFUSES,
  },
  {
    name: 'a NUL in a header value',
    bytes: 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n',
    status: 400,
    also: PARSER_REFUSES,
  },
];

/** How many complete responses `raw` starts with (every answer here is Content-Length framed, or bodiless). */
function complete(raw: string): number {
  let n = 0;
  let pos = 0;
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', pos);
    if (end === -1) return n;
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(raw.slice(pos, end))?.[1] ?? 0);
    if (raw.length < end + 4 + len) return n;
    n++;
    pos = end + 4 + len;
  }
}

interface Exchanged {
  readonly statuses: number[];
  readonly raw: string;
  /** The server closed the connection (false only where `TRAITS.closesAfterRefusal` is not). */
  readonly closed: boolean;
  /** The connection, still open when `closed` is false; the caller destroys it. */
  readonly client: RawClient;
}

/**
 * Write `bytes` on a fresh connection and wait until the server closes it,
 * or, where the reactor keeps a connection open after weft's closing answer,
 * until `answers` complete responses are in.
 */
async function exchange(bytes: string, expect: ExpectStatic, answers: number): Promise<Exchanged> {
  const c = await RawClient.connect(server.port);
  c.write(bytes);
  // Only weft's refusals are problem+json: what the reactor's parser answers itself (an empty 400) is followed by a close.
  const byWeft = (raw: string) =>
    /\r\ncontent-type: application\/problem\+json/i.test(raw.slice(0, raw.indexOf('\r\n\r\n')));
  const settled = () =>
    c.ended || (!TRAITS.closesAfterRefusal && complete(c.received) >= answers && byWeft(c.received));
  // The failsafe only turns a hang into a clear failure.
  await until(settled, 15_000).catch(() => {});
  const raw = c.received;
  expect(settled(), `the server did not close the connection; received ${JSON.stringify(raw.slice(0, 200))}`).toBe(
    true,
  );
  const statuses = [...raw.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
  if (c.ended) c.destroy();
  return { statuses, raw, closed: c.ended, client: c };
}

/** The body of the `n`th response in `raw`. */
const bodyOf = (raw: string, n: number) => raw.split('HTTP/1.1 ')[n + 1]?.split('\r\n\r\n')[1] ?? '';

async function stillServes(expect: ExpectStatic): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${server.port}/fresh`);
  expect(await res.text()).toBe('ok');
}

// Concurrent: where uWS 20.30's parser refuses a head it stays silent until its
// 10 s timeout closes the connection; the vectors wait for their closes together.
describe.concurrent(`hostile framing (${REACTOR} reactor)`, () => {
  for (const [i, v] of VECTORS.entries()) {
    const after = TRAITS.closesAfterRefusal ? 'then close' : 'then nothing more runs on the connection';
    it(`${v.name}: one answer, ${after}; a request smuggled behind it never runs`, async ({ expect }) => {
      // Deno waits for the unread body: the smuggled request is never read, so never answered.
      const answers = v.leavesBodyUnread ? 1 : 2;
      const { statuses, raw, closed, client } = await exchange(v.bytes + smuggled(i), expect, answers);
      client.destroy();
      if (closed) {
        expect(statuses.length).toBeLessThanOrEqual(1);
        expect([v.status, ...(v.also ?? []), ...PIPELINED_BEHIND_REFUSAL]).toContain(statuses[0] ?? NONE);
      } else {
        // weft refused, and the connection stayed open: the smuggled request got the reactor's 400.
        expect(TRAITS.closesAfterRefusal).toBe(false);
        expect(raw.toLowerCase()).toContain('connection: close');
        if (v.leavesBodyUnread) expect(statuses).toEqual([v.status]);
        else {
          expect(statuses).toEqual([v.status, 400]);
          expect(bodyOf(raw, 1)).toContain(CLOSED_DETAIL);
        }
      }
      await server.sync();
      expect(server.records).not.toContain(`DELETE /items/smuggled-${i}`);
      await stillServes(expect);
    });

    it(`${v.name}: sent alone, ${v.status} and ${TRAITS.closesAfterRefusal ? 'close' : 'nothing more runs'}`, async ({
      expect,
    }) => {
      const { statuses, raw, closed, client } = await exchange(v.bytes, expect, 1);
      expect(statuses.length).toBeLessThanOrEqual(1);
      expect([v.status, ...(v.also ?? [])]).toContain(statuses[0] ?? NONE);
      if (statuses[0] === v.status) expect(raw.toLowerCase()).toContain('connection: close');
      if (!closed) {
        // The connection stayed open (Deno): what comes next on it is refused without running
        // (or, behind a body weft left unread, never read: see `leavesBodyUnread`).
        expect(TRAITS.closesAfterRefusal).toBe(false);
        expect(statuses).toEqual([v.status]);
      }
      if (!closed && !v.leavesBodyUnread) {
        client.write(`GET /after-refusal-${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
        expect((await client.response()).status).toBe(v.status);
        const next = await client.response();
        expect(next.status).toBe(400);
        expect(next.headers.connection).toBe('close');
        expect(next.body).toContain(CLOSED_DETAIL);
        client.destroy();
        await server.sync();
        expect(server.records).not.toContain(`GET /after-refusal-${i}`);
      }
      client.destroy();
      await stillServes(expect);
    });
  }

  it('a well-framed request pipelined behind a good one is answered in order', async ({ expect }) => {
    const c = await RawClient.connect(server.port);
    c.write(`${post1('Content-Length: 2', 'hi')}GET /second HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect((await c.response()).body).toBe('echo:hi');
    expect((await c.response()).body).toBe('ok');
    c.destroy();
  });
});

/**
 * Chunk extensions and trailers are valid HTTP/1.1 (RFC 9112 §7.1.1, §7.1.2),
 * and node serves them. uWS's parser supports neither: 20.30 closes the
 * connection on an extension and stalls a kept-alive connection after a
 * trailer; 20.57 answers an extension with 400 and reads a trailer as the next
 * request line (505). Bun.serve ignores an extension and ends the body at a
 * trailer, then serves nothing more on that connection. What weft controls
 * everywhere: a handler never sees a body other than the one sent.
 */
const CHUNK_EXTRAS = TRAITS.chunkExtras;

describe(`valid chunked bodies (${REACTOR} reactor)`, () => {
  it(
    CHUNK_EXTRAS
      ? 'a chunk extension is ignored and the body kept'
      : 'a chunk extension never reaches a handler with another body',
    async () => {
      const c = await RawClient.connect(server.port);
      c.write(chunked('5;name=v\r\nhello\r\n0\r\n\r\n'));
      if (CHUNK_EXTRAS) {
        expect((await c.response()).body).toBe('echo:hello');
      } else {
        await c.closed;
        const statuses = [...c.received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
        expect(statuses.every((st) => st === 400)).toBe(true);
      }
      c.destroy();
    },
  );

  it(`a trailer section ends the body${TRAITS.servesAfterTrailer ? ', and the connection serves the next request' : ' or is refused (uWS 20.57); nothing else is served on that connection'}`, async () => {
    const c = await RawClient.connect(server.port);
    c.write(chunked('5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n'));
    const first = await c.response();
    if (CHUNK_EXTRAS || first.status === 200) expect(first.body).toBe('echo:hello');
    else expect(first.status).toBe(505);
    if (TRAITS.servesAfterTrailer) {
      c.write('GET /after-trailer HTTP/1.1\r\nHost: x\r\n\r\n');
      expect((await c.response()).body).toBe('ok');
    }
    c.destroy();
  });
});

/**
 * A request pipelined behind one whose answer is still pending: node answers
 * both, in order. uWS closes the connection, unanswered (its design: it never
 * queues a request behind a pending answer; no uWS.js build does otherwise).
 * weft cannot change that, and does not blame the client for it: the pending
 * request is logged and counted as 444 with `closedBy: 'reactor'`. Bun.serve
 * closes the same way (it shares uWS's lineage) but gives weft no way to tell
 * its close from the client's, so there it is logged as 499.
 */
const ANSWERS_BEHIND_PENDING = TRAITS.answersBehindPending;

describe(`a request pipelined behind a pending answer (${REACTOR} reactor)`, () => {
  it(
    ANSWERS_BEHIND_PENDING
      ? 'both are answered, in order'
      : TRAITS.pipelinedCloseBlames === 'reactor'
        ? "uWS closes unanswered, and weft logs it as the reactor's close (444), not the client's"
        : 'Bun.serve closes unanswered; weft cannot tell that close from the client leaving (499)',
    async () => {
      const s = await startFixture('hostile', 'slow', { log: true });
      const lines = s.lines;
      try {
        const c = await RawClient.connect(s.port);
        c.write('GET /slow/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /slow/2 HTTP/1.1\r\nHost: x\r\n\r\n');
        if (ANSWERS_BEHIND_PENDING) {
          expect((await c.response()).body).toBe('slow:1');
          expect((await c.response()).body).toBe('slow:2');
        } else {
          await c.closed;
          expect(c.received).toBe('');
          await until(() => lines.some((l) => l.msg === 'request aborted'));
          const reactor = TRAITS.pipelinedCloseBlames === 'reactor';
          expect(lines.find((l) => l.msg === 'request aborted')).toMatchObject({
            path: '/slow/1',
            status: reactor ? 444 : 499,
            aborted: true,
            closedBy: reactor ? 'reactor' : 'client',
          });
        }
        c.destroy();
      } finally {
        await s.close();
      }
    },
  );

  it('a client that leaves before the answer is logged as the client leaving (499)', async () => {
    const s = await startFixture('hostile', 'never', { log: true });
    const lines = s.lines;
    try {
      const c = await RawClient.connect(s.port);
      c.write('GET /never HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => s.records.includes('arrived'));
      c.destroy();
      await until(() => lines.some((l) => l.msg === 'request aborted'));
      expect(lines.find((l) => l.msg === 'request aborted')).toMatchObject({
        path: '/never',
        status: 499,
        aborted: true,
        closedBy: 'client',
      });
    } finally {
      await s.close();
    }
  });
});
