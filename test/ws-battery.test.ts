/**
 * weft's WebSocket frame battery: what Autobahn|Testsuite's groups 1–7, 9, 10,
 * 12 and 13 check (framing, pings, reserved bits and opcodes, fragmentation,
 * UTF-8, closing, limits, auto-fragmentation, permessage-deflate), frame by
 * frame from a raw client, on every reactor. Autobahn itself needs Python 2.7.
 * Every case that ends a connection also checks that the server still serves.
 * Nothing here is timed: tests wait for frames and closes, with generous
 * timeouts only as a failsafe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIG, SMALL } from './fixtures/suites/ws-battery.js';
import { until } from './helpers.js';
import { buildFrame, deflate, inflate, RawWs } from './rawws.js';
import { REACTOR, type ReactorName } from './reactor.js';
import { type Served, startFixture } from './remote.js';

/**
 * How a connection ends: a close frame with this code, a close frame with no
 * code, or the TCP connection cut without a close frame.
 */
type Ending = number | 'empty close' | 'cut';

/**
 * What each reactor's own frame parser decides, declared once. uWS (measured
 * on 20.30) parses frames in C++ before weft sees them: it cuts the connection
 * on a protocol error without a close frame (dropping an answer the task
 * already gave to a message earlier in the same read), answers a close frame
 * whose code it does not take (it takes 1000–1003, 1007–1011 and 4000–4999)
 * with an empty close frame, cuts a message over the largest `maxPayload` of
 * the server itself, does not check the mask bit (an unmasked frame is read as
 * if masked), joins a binary frame sent inside a fragmented text message to
 * it, and answers a compressed ping. It cannot compress within a smaller
 * window than 2^15, so weft declines offers that ask for one. `ws` (the node
 * reactor) closes with the RFC 6455 code, after the task's answers.
 *
 * Deno (measured on 2.9.6) parses frames in Rust before weft sees them: it
 * cuts the connection without a close frame on a protocol error or invalid
 * UTF-8, accepts unmasked client frames, echoes a peer's close frame as soon
 * as it reads it (so an answer the task gives to a message in the same read
 * is dropped; frames behind the close stay unread, the kernel resets the
 * connection and the echo may be lost), offers no permessage-deflate at all,
 * and after a close the server sends waits for the peer's close frame before
 * it ends the connection (weft ends its side of an unanswered one after 10 s).
 */
interface Expectations {
  /** RSV bits, reserved opcodes, bad control frames, bad fragmentation. */
  protocolError: Ending;
  invalidUtf8: Ending;
  /** A close frame with a code no endpoint may send, 1 byte long, or with a reason that is not UTF-8. */
  invalidCloseCode: Ending;
  /** Valid close codes the reactor answers with an empty close frame instead of echoing them. */
  closeCodesAnsweredEmpty: readonly number[];
  /** Valid close codes the reactor takes for invalid ones (answered as `invalidCloseCode`): Deno, 1014. */
  closeCodesRefused: readonly number[];
  /** A message over the largest `maxPayload` of the server (smaller route limits are weft's: 1009). */
  overLargestLimit: Ending;
  /**
   * 'misread': the frame is read as if masked; what follows depends on the bytes.
   * 'accepted': delivered as sent, the connection goes on (Deno).
   */
  unmasked: Ending | 'misread' | 'accepted';
  /** The task's answer to a message goes out when the same read also carried a protocol error. */
  answersBeforeProtocolError: boolean;
  /** A binary frame sent while a text message is fragmented. */
  binaryInsideFragmentedText: Ending | 'joined';
  /**
   * A message in more fragments than 16384 and than `maxPayload / 64` (on
   * node, `ws` holds each fragment as its own Buffer; uWS appends them).
   */
  tinyFragments: Ending | 'echoed';
  /** A ping with RSV1 set on a compressed connection. */
  compressedPing: Ending | 'answered';
  /** permessage-deflate within a smaller server window when the client asks. */
  limitsServerWindow: boolean;
  /**
   * permessage-deflate is negotiated on a route that asks for compression.
   * Deno's server sockets offer none: the offer is declined, messages go
   * uncompressed, and an RSV1 frame is a protocol error there too.
   */
  compression: boolean;
  /** A close frame 1 byte long; one whose reason is not UTF-8; one over 125 bytes. */
  oneByteClose: Ending;
  closeReasonNotUtf8: Ending;
  closeOver125: Ending;
  /**
   * A close the server starts (1009 over a route limit...) ends the TCP
   * connection only once the peer answers it with its own close frame
   * (Deno: it waits with no timeout); the others end it themselves.
   */
  closeWaitsForPeer: boolean;
  /**
   * Frames the peer sends after its close frame: 'ignored' (the close is
   * echoed, then the connection ends), or 'may reset' (Deno ends the
   * connection with them unread: the kernel resets it, and the echo may be
   * lost; sent alone, the close is echoed).
   */
  framesBehindClose: 'ignored' | 'may reset';
  /**
   * The task's answer to a message that came in the same read as the peer's
   * close frame goes out before the close echo (Deno echoes the close first:
   * the answer is dropped).
   */
  answersBeforePeerClose: boolean;
}

const EXPECTED: Record<ReactorName, Expectations> = {
  uws: {
    protocolError: 'cut',
    invalidUtf8: 'cut',
    invalidCloseCode: 'empty close',
    closeCodesAnsweredEmpty: [1012, 1013, 1014, 3000, 3999],
    closeCodesRefused: [],
    overLargestLimit: 'cut',
    unmasked: 'misread',
    answersBeforeProtocolError: false,
    binaryInsideFragmentedText: 'joined',
    compressedPing: 'answered',
    tinyFragments: 'echoed',
    limitsServerWindow: false,
    compression: true,
    oneByteClose: 'empty close',
    closeReasonNotUtf8: 'empty close',
    closeOver125: 'cut',
    closeWaitsForPeer: false,
    framesBehindClose: 'ignored',
    answersBeforePeerClose: true,
  },
  node: {
    protocolError: 1002,
    invalidUtf8: 1007,
    invalidCloseCode: 1002,
    closeCodesAnsweredEmpty: [],
    closeCodesRefused: [],
    overLargestLimit: 1009,
    unmasked: 1002,
    answersBeforeProtocolError: true,
    binaryInsideFragmentedText: 1002,
    compressedPing: 1002,
    tinyFragments: 1008,
    limitsServerWindow: true,
    compression: true,
    oneByteClose: 1002,
    closeReasonNotUtf8: 1007,
    closeOver125: 1002,
    closeWaitsForPeer: false,
    framesBehindClose: 'ignored',
    answersBeforePeerClose: true,
  },
  bun: {
    protocolError: 1002,
    invalidUtf8: 1007,
    invalidCloseCode: 1002,
    closeCodesAnsweredEmpty: [],
    closeCodesRefused: [],
    overLargestLimit: 1009,
    unmasked: 1002,
    answersBeforeProtocolError: true,
    binaryInsideFragmentedText: 1002,
    compressedPing: 1002,
    tinyFragments: 'echoed',
    limitsServerWindow: false,
    compression: true,
    oneByteClose: 1002,
    closeReasonNotUtf8: 1007,
    closeOver125: 1002,
    closeWaitsForPeer: false,
    framesBehindClose: 'ignored',
    answersBeforePeerClose: true,
  },
  deno: {
    protocolError: 'cut',
    invalidUtf8: 'cut',
    invalidCloseCode: 1002,
    closeCodesAnsweredEmpty: [],
    // 1014 (Bad Gateway) came after RFC 6455: Deno answers it as an invalid code.
    closeCodesRefused: [1014],
    overLargestLimit: 1009,
    unmasked: 'accepted',
    answersBeforeProtocolError: true,
    binaryInsideFragmentedText: 'cut',
    // No permessage-deflate: RSV1 on a ping is a reserved bit, a protocol error.
    compressedPing: 'cut',
    tinyFragments: 'echoed',
    limitsServerWindow: false,
    compression: false,
    oneByteClose: 'cut',
    closeReasonNotUtf8: 'cut',
    // Deno takes a close payload over 125 bytes and echoes its code.
    closeOver125: 1000,
    closeWaitsForPeer: true,
    framesBehindClose: 'may reset',
    answersBeforePeerClose: false,
  },
};
const EXPECT = EXPECTED[REACTOR];

const TEXT = 0x1;
const BINARY = 0x2;
const CONT = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;
const RSV1 = 4;

const KiB = 1024;
const MiB = 1024 * KiB;

let server: Served;

/** Send `text` on the fan-out routes' channel (in the server, wherever it runs). */
async function fanOut(text: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${server.port}/fan`, { method: 'POST', body: text });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  server = await startFixture('ws-battery');
});
afterAll(() => server?.close());

const closePayload = (code: number, reason: Buffer | string = '') => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return Buffer.concat([b, typeof reason === 'string' ? Buffer.from(reason) : reason]);
};

const open = (p = '/echo', extensions?: string) =>
  RawWs.open(server.port, p, extensions === undefined ? {} : { extensions });

/** Patterned bytes (text-safe ASCII), `n` long. */
const ascii = (n: number) => Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(n / 36)).slice(0, n));

/** Bytes that do not compress. */
const noise = (n: number) => {
  const b = Buffer.allocUnsafe(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
};

/** One message as frames of `size` bytes (the first carries the opcode). */
function fragments(opcode: number, data: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length || i === 0; i += size) {
    parts.push(buildFrame(i === 0 ? opcode : CONT, data.subarray(i, i + size), { fin: i + size >= data.length }));
  }
  return Buffer.concat(parts);
}

/** The server still answers a new connection. */
async function stillServes(): Promise<void> {
  const w = await open();
  w.send(TEXT, 'alive');
  expect((await w.message())?.payload.toString()).toBe('alive');
  w.destroy();
}

/** The server ended the connection this way; then it still serves. */
async function expectEnding(w: RawWs, ending: Ending): Promise<void> {
  if (EXPECT.closeWaitsForPeer && typeof ending === 'number') {
    // Answer the server's close frame, as a peer does: only then does it end the connection.
    const close = await w.frame(CLOSE, 10_000);
    if (close !== undefined && !w.closed) w.send(CLOSE, close.payload.subarray(0, 2));
  }
  expect(await w.ended(10_000)).toBe(true);
  const close = w.frames.find((f) => f.opcode === CLOSE);
  if (ending === 'cut') expect(close).toBeUndefined();
  else if (ending === 'empty close') expect(close?.payload.length).toBe(0);
  else expect(close?.payload.readUInt16BE(0)).toBe(ending);
  w.destroy();
  await stillServes();
}

/** Send `data` as one message and expect it back as it was sent. */
async function roundTrip(w: RawWs, opcode: number, data: Buffer): Promise<void> {
  const from = w.frames.length;
  w.send(opcode, data);
  const m = await w.message(from, 20_000);
  expect(m?.opcode).toBe(opcode);
  expect(m?.payload.equals(data)).toBe(true);
}

describe('1 framing', () => {
  it('echoes text and binary messages of every length class (7-bit, 16-bit, 64-bit lengths)', async () => {
    const w = await open('/big');
    for (const n of [0, 1, 125, 126, 127, 128, 65535, 65536, 65537, MiB]) {
      for (const op of [TEXT, BINARY]) {
        const from = w.frames.length;
        await roundTrip(w, op, op === TEXT ? ascii(n) : noise(n));
        // The server's frame uses the shortest length field (RFC 6455 §5.2).
        const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
        expect(w.frames[from]?.wire).toBe(head + n);
      }
    }
    w.destroy();
  });

  it('takes a frame written one byte at a time, and several frames in one write', async () => {
    const w = await open();
    const bytes = buildFrame(TEXT, ascii(300));
    for (const b of bytes) w.write(Buffer.from([b]));
    expect((await w.message())?.payload.equals(ascii(300))).toBe(true);
    w.write(Buffer.concat([buildFrame(TEXT, 'one'), buildFrame(TEXT, 'two'), buildFrame(BINARY, Buffer.from([1, 2]))]));
    await w.until(() => w.frames.length >= 4);
    expect(w.frames.slice(1, 4).map((f) => f.payload.toString('hex'))).toEqual([
      Buffer.from('one').toString('hex'),
      Buffer.from('two').toString('hex'),
      '0102',
    ]);
    w.destroy();
  });

  it(`unmasked client frame: ${EXPECT.unmasked}${EXPECT.unmasked === 'accepted' ? ', delivered as sent' : ', never delivered as sent'}`, async () => {
    const w = await open();
    w.write(
      Buffer.concat([
        buildFrame(TEXT, 'unmasked', { mask: false }),
        buildFrame(PING, 'after'),
        buildFrame(CLOSE, closePayload(1000)),
      ]),
    );
    if (EXPECT.unmasked === 'accepted') {
      w.destroy();
      // Sent alone, it is delivered as if masked, and the connection goes on.
      const a = await open();
      a.write(buildFrame(TEXT, 'unmasked', { mask: false }));
      expect((await a.message(0))?.payload.toString()).toBe('unmasked');
      await roundTrip(a, TEXT, Buffer.from('then masked'));
      a.destroy();
      return;
    }
    if (EXPECT.unmasked === 'misread') {
      expect(await w.ended(10_000)).toBe(true);
      w.destroy();
      await stillServes();
    } else await expectEnding(w, EXPECT.unmasked);
    expect(w.frames.some((f) => f.opcode === TEXT && f.payload.toString() === 'unmasked')).toBe(false);
  });
});

describe('2 pings and pongs', () => {
  it('answers a ping with a pong carrying the same payload (empty, text, 125 binary bytes)', async () => {
    const w = await open();
    for (const payload of [Buffer.alloc(0), Buffer.from('pp'), noise(125)]) {
      const from = w.frames.length;
      w.send(PING, payload);
      await w.until(() => w.frames.length > from);
      expect(w.frames[from]?.opcode).toBe(PONG);
      expect(w.frames[from]?.payload.equals(payload)).toBe(true);
    }
    w.destroy();
  });

  it('ignores an unsolicited pong and answers ten pings in a row in order', async () => {
    const w = await open();
    w.send(PONG, 'unsolicited');
    for (let i = 0; i < 10; i++) w.send(PING, `p${i}`);
    await w.until(() => w.frames.filter((f) => f.opcode === PONG).length === 10);
    expect(w.frames.map((f) => f.payload.toString())).toEqual([...Array(10).keys()].map((i) => `p${i}`));
    await roundTrip(w, TEXT, Buffer.from('still open'));
    w.destroy();
  });

  it(`ping with 126 payload bytes: ${EXPECT.protocolError}`, async () => {
    const w = await open();
    w.send(PING, noise(126));
    await expectEnding(w, EXPECT.protocolError);
    expect(w.frames.some((f) => f.opcode === PONG)).toBe(false);
  });

  it(`fragmented ping or pong: ${EXPECT.protocolError}`, async () => {
    for (const op of [PING, PONG]) {
      const w = await open();
      w.send(op, 'frag', { fin: false });
      w.send(CONT, 'ment');
      await expectEnding(w, EXPECT.protocolError);
    }
  });
});

describe('3 reserved bits', () => {
  it(`a frame with RSV bits set (no extension negotiated): ${EXPECT.protocolError}`, async () => {
    for (const [op, rsv] of [
      [TEXT, 1],
      [TEXT, 2],
      [TEXT, 3],
      [BINARY, 4],
      [BINARY, 5],
      [PING, 6],
      [CLOSE, 7],
    ] as const) {
      const w = await open();
      w.send(op, op === CLOSE ? closePayload(1000) : 'x', { rsv });
      await expectEnding(w, EXPECT.protocolError);
      expect(w.frames.some((f) => f.opcode === TEXT || f.opcode === BINARY || f.opcode === PONG)).toBe(false);
    }
  });

  it(`a message, then a frame with a reserved bit in the same read: ${
    EXPECT.answersBeforeProtocolError ? 'the message is answered, then' : 'no answer,'
  } ${EXPECT.protocolError}`, async () => {
    const w = await open();
    w.write(Buffer.concat([buildFrame(TEXT, 'hello'), buildFrame(TEXT, 'x', { rsv: 2 }), buildFrame(PING, '')]));
    await expectEnding(w, EXPECT.protocolError);
    const texts = w.frames.filter((f) => f.opcode === TEXT).map((f) => f.payload.toString());
    expect(texts).toEqual(EXPECT.answersBeforeProtocolError ? ['hello'] : []);
    // The answer goes before the close frame (or the cut), and nothing after it.
    if (EXPECT.answersBeforeProtocolError)
      expect(w.frames.map((f) => f.opcode)).toEqual(EXPECT.protocolError === 'cut' ? [TEXT] : [TEXT, CLOSE]);
  });
});

describe('4 opcodes', () => {
  it(`a reserved opcode (3–7, 0xB–0xF): ${EXPECT.protocolError}`, async () => {
    for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
      const w = await open();
      w.send(op, op > 7 ? '' : 'reserved');
      await expectEnding(w, EXPECT.protocolError);
    }
  });

  it(`a message, then a reserved opcode in the same read: ${
    EXPECT.answersBeforeProtocolError ? 'the message is answered, then' : 'no answer,'
  } ${EXPECT.protocolError}`, async () => {
    const w = await open();
    w.write(Buffer.concat([buildFrame(TEXT, 'before'), buildFrame(0xb, ''), buildFrame(PING, '')]));
    await expectEnding(w, EXPECT.protocolError);
    const texts = w.frames.filter((f) => f.opcode === TEXT).map((f) => f.payload.toString());
    expect(texts).toEqual(EXPECT.answersBeforeProtocolError ? ['before'] : []);
    expect(w.frames.some((f) => f.opcode === PONG)).toBe(false);
  });
});

describe('5 fragmentation', () => {
  it('reassembles text and binary messages in 2, many and 1-byte fragments, empty fragments included', async () => {
    const w = await open();
    for (const [op, data] of [
      [TEXT, Buffer.from('hello')],
      [BINARY, noise(200)],
    ] as const) {
      for (const size of [3, 1, 64]) {
        const from = w.frames.length;
        w.write(fragments(op, data, size));
        const m = await w.message(from);
        expect(m?.opcode).toBe(op);
        expect(m?.payload.equals(data)).toBe(true);
      }
    }
    const from = w.frames.length;
    w.send(TEXT, '', { fin: false });
    w.send(CONT, 'mid', { fin: false });
    w.send(CONT, '', { fin: false });
    w.send(CONT, '');
    expect((await w.message(from))?.payload.toString()).toBe('mid');
    w.destroy();
  });

  it('answers pings sent between the fragments of a message, before the message', async () => {
    const w = await open();
    w.send(TEXT, 'frag', { fin: false });
    w.send(PING, 'in-between');
    w.send(CONT, 'ment', { fin: false });
    w.send(PONG, 'unsolicited');
    w.send(CONT, 'ed');
    const m = await w.message();
    expect(m?.payload.toString()).toBe('fragmented');
    expect(w.frames.map((f) => f.opcode)).toEqual([PONG, TEXT]);
    expect(w.frames[0]?.payload.toString()).toBe('in-between');
    w.destroy();
  });

  it(`a continuation with no message started (fin or not): ${EXPECT.protocolError}`, async () => {
    for (const fin of [true, false]) {
      const w = await open();
      w.send(CONT, 'orphan', { fin });
      await expectEnding(w, EXPECT.protocolError);
    }
  });

  it(`a new text frame while a message is fragmented: ${EXPECT.protocolError}`, async () => {
    for (const op of [TEXT, BINARY]) {
      const w = await open();
      w.send(op, 'started', { fin: false });
      w.send(TEXT, 'again');
      await expectEnding(w, EXPECT.protocolError);
      expect(w.frames.some((f) => f.opcode === TEXT || f.opcode === BINARY)).toBe(false);
    }
  });

  it(`a binary frame while a text message is fragmented: ${EXPECT.binaryInsideFragmentedText}`, async () => {
    const w = await open();
    w.send(TEXT, 'started', { fin: false });
    w.send(BINARY, 'again');
    const ending = EXPECT.binaryInsideFragmentedText;
    if (ending === 'joined') {
      const m = await w.message();
      expect(m?.payload.toString()).toBe('startedagain');
      w.destroy();
      await stillServes();
    } else {
      await expectEnding(w, ending);
      expect(w.frames.some((f) => f.opcode === TEXT || f.opcode === BINARY)).toBe(false);
    }
  });
});

describe('6 UTF-8', () => {
  const valid = Buffer.from('κόσμε · Hello-µ@ßöäüàá-UTF-8!! · \u{1F600}\u{10FFFF}\uFFFF\uFEFF · €');

  it('echoes valid UTF-8 split across fragment boundaries at every byte', async () => {
    const w = await open();
    for (const size of [1, 2, 3, 5, 7]) {
      const from = w.frames.length;
      w.write(fragments(TEXT, valid, size));
      expect((await w.message(from))?.payload.equals(valid)).toBe(true);
    }
    w.destroy();
  });

  it('echoes invalid UTF-8 in a binary message as bytes', async () => {
    const w = await open();
    await roundTrip(w, BINARY, Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]));
    w.destroy();
  });

  const invalid: [string, Buffer][] = [
    ['0xFF', Buffer.from([0x61, 0xff])],
    ['an overlong slash', Buffer.from([0xc0, 0xaf])],
    ['a surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
    ['a truncated sequence at the end', Buffer.from([0xce, 0xba, 0xe1, 0xbd])],
    ['a lone continuation byte', Buffer.from([0x80])],
  ];
  for (const [what, bytes] of invalid) {
    it(`invalid UTF-8 in a text message (${what}): ${EXPECT.invalidUtf8}`, async () => {
      const w = await open();
      w.send(TEXT, bytes);
      await expectEnding(w, EXPECT.invalidUtf8);
      expect(w.frames.some((f) => f.opcode === TEXT)).toBe(false);
    });
  }

  it(`invalid UTF-8 in a later fragment of a text message: ${EXPECT.invalidUtf8}`, async () => {
    const w = await open();
    w.send(TEXT, Buffer.from('κόσμε'), { fin: false });
    w.send(CONT, Buffer.from([0xed, 0xa0, 0x80]), { fin: false });
    w.send(CONT, 'edited');
    await expectEnding(w, EXPECT.invalidUtf8);
    expect(w.frames.some((f) => f.opcode === TEXT)).toBe(false);
  });
});

describe('7 closing', () => {
  it('answers a close frame with an empty payload with an empty close frame', async () => {
    const w = await open();
    w.send(CLOSE, Buffer.alloc(0));
    await expectEnding(w, 'empty close');
  });

  const valid = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
  for (const code of valid) {
    const answer = EXPECT.closeCodesAnsweredEmpty.includes(code)
      ? 'empty close'
      : EXPECT.closeCodesRefused.includes(code)
        ? EXPECT.invalidCloseCode
        : code;
    const behind = EXPECT.framesBehindClose === 'ignored' ? '' : ' (frames behind it may reset the connection)';
    it(`echoes close code ${code}${answer === code ? '' : ` (${REACTOR}: ${answer})`} with a reason, and nothing after it${behind}`, async () => {
      const w = await open();
      w.send(CLOSE, closePayload(code, 'bye ✓'));
      w.send(TEXT, 'after close');
      w.send(PING, 'after close');
      if (EXPECT.framesBehindClose === 'ignored') {
        await expectEnding(w, answer);
        expect(w.frames.map((f) => f.opcode)).toEqual([CLOSE]);
        return;
      }
      // The connection ends; nothing but the echo (if it was not lost to the reset) came back.
      expect(await w.ended(10_000)).toBe(true);
      expect(w.frames.every((f) => f.opcode === CLOSE && f.payload.readUInt16BE(0) === answer)).toBe(true);
      w.destroy();
      // Sent alone, the close is echoed with its code and reason.
      const alone = await open();
      alone.send(CLOSE, closePayload(code, 'bye ✓'));
      await expectEnding(alone, answer);
      expect(alone.frames.map((f) => f.opcode)).toEqual([CLOSE]);
      if (answer === code) expect(alone.frames[0]?.payload.subarray(2).toString()).toBe('bye ✓');
    });
  }

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    it(`close code ${code}: ${EXPECT.invalidCloseCode}`, async () => {
      const w = await open();
      w.send(CLOSE, closePayload(code));
      await expectEnding(w, EXPECT.invalidCloseCode);
    });
  }

  it(`a close payload of 1 byte: ${EXPECT.oneByteClose}`, async () => {
    const w = await open();
    w.send(CLOSE, Buffer.from([0x03]));
    await expectEnding(w, EXPECT.oneByteClose);
  });

  it(`a close reason that is not UTF-8: ${EXPECT.closeReasonNotUtf8}`, async () => {
    const w = await open();
    w.send(CLOSE, closePayload(1000, Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80])));
    await expectEnding(w, EXPECT.closeReasonNotUtf8);
  });

  it(`a close payload over 125 bytes: ${EXPECT.closeOver125}`, async () => {
    const w = await open();
    w.send(CLOSE, closePayload(1000, 'r'.repeat(124)));
    await expectEnding(w, EXPECT.closeOver125);
  });

  it(`${EXPECT.answersBeforePeerClose ? 'answers messages sent before the close, then echoes' : 'echoes at once (the answer to a message in the same read is dropped)'} the close (even inside a fragmented message)`, async () => {
    const w = await open();
    w.write(
      Buffer.concat([
        buildFrame(TEXT, 'first'),
        buildFrame(TEXT, 'frag', { fin: false }),
        buildFrame(CLOSE, closePayload(1000)),
      ]),
    );
    await expectEnding(w, 1000);
    // The fragmented message never completed: only the first is answered, before the close frame.
    expect(w.frames.map((f) => [f.opcode, f.opcode === TEXT ? f.payload.toString() : ''])).toEqual(
      EXPECT.answersBeforePeerClose
        ? [
            [TEXT, 'first'],
            [CLOSE, ''],
          ]
        : [[CLOSE, '']],
    );
  });

  it('a second close frame is not answered again', async () => {
    const w = await open();
    w.write(Buffer.concat([buildFrame(CLOSE, closePayload(1000)), buildFrame(CLOSE, closePayload(1001))]));
    await expectEnding(w, 1000);
    expect(w.frames.filter((f) => f.opcode === CLOSE)).toHaveLength(1);
  });
});

describe('9 limits', () => {
  it('echoes text and binary messages up to maxPayload, whole', async () => {
    const w = await open('/big');
    for (const n of [64 * KiB, 256 * KiB, MiB, BIG]) {
      await roundTrip(w, TEXT, ascii(n));
      await roundTrip(w, BINARY, noise(n));
    }
    w.destroy();
  });

  for (const size of [64, 256, 4 * KiB, 64 * KiB, MiB]) {
    it(`echoes a message of maxPayload bytes sent in ${size}-byte fragments`, async () => {
      const w = await open('/big');
      const data = noise(BIG);
      w.write(fragments(BINARY, data, size));
      const m = await w.message(0, 30_000);
      expect(m?.payload.length).toBe(BIG);
      expect(m?.payload.equals(data)).toBe(true);
      w.destroy();
    }, 60_000);
  }

  it(`a message in more fragments than maxPayload / 64 (and 16384): ${EXPECT.tinyFragments}`, async () => {
    const w = await open('/big');
    const n = BIG / 64 + 1;
    w.write(fragments(BINARY, noise(n), 1));
    const ending = EXPECT.tinyFragments;
    if (ending === 'echoed') {
      expect((await w.message(0, 30_000))?.payload.length).toBe(n);
      w.destroy();
    } else await expectEnding(w, ending);
  }, 60_000);

  it('echoes a message written to TCP in small pieces, and 1000 empty messages in order', async () => {
    const w = await open('/big');
    const bytes = buildFrame(BINARY, noise(256 * KiB));
    for (let i = 0; i < bytes.length; i += 997) w.write(bytes.subarray(i, i + 997));
    expect((await w.message())?.payload.length).toBe(256 * KiB);
    w.write(Buffer.concat(Array.from({ length: 1000 }, () => buildFrame(TEXT, ''))));
    await w.until(() => w.frames.length === 1001, 20_000);
    expect(w.frames.slice(1).every((f) => f.opcode === TEXT && f.payload.length === 0)).toBe(true);
    w.destroy();
  });

  it('one byte over a route limit that is not the largest: 1009 (whole or fragmented)', async () => {
    const a = await open('/echo');
    a.send(TEXT, ascii(SMALL + 1));
    await expectEnding(a, 1009);
    const b = await open('/echo');
    b.write(fragments(TEXT, ascii(SMALL + 1), 100));
    await expectEnding(b, 1009);
  });

  it(`one byte over the largest route limit: ${EXPECT.overLargestLimit} (whole or in 64-byte fragments)`, async () => {
    const a = await open('/big');
    a.send(BINARY, noise(BIG + 1));
    await expectEnding(a, EXPECT.overLargestLimit);
    const b = await open('/big');
    b.write(fragments(BINARY, noise(BIG + 1), 64));
    await expectEnding(b, EXPECT.overLargestLimit);
    expect(b.frames.some((f) => f.opcode === BINARY)).toBe(false);
  }, 60_000);
});

describe('10 auto-fragmentation', () => {
  it('echoes a 64 KiB text message auto-fragmented at 1300 bytes, multibyte characters split across fragments', async () => {
    const w = await open('/big');
    const data = Buffer.from('ab€\u{1F600}κ'.repeat(Math.ceil(65536 / 12))).subarray(0, 65536 - 2);
    const text = Buffer.from(data.toString('utf8')); // cut on a character boundary
    w.write(fragments(TEXT, text, 1300));
    expect((await w.message())?.payload.equals(text)).toBe(true);
    w.destroy();
  });
});

/** The parameters of the accepted permessage-deflate response (undefined when declined). */
function negotiated(w: RawWs): Map<string, string | undefined> | undefined {
  const h = w.headers['sec-websocket-extensions'];
  if (h === undefined) return undefined;
  const [name, ...params] = h.split(';').map((s) => s.trim());
  expect(name).toBe('permessage-deflate');
  return new Map(params.map((p) => [p.split('=')[0] as string, p.split('=')[1]]));
}

/** The next message, inflated if it was sent compressed. */
async function receive(w: RawWs, from: number): Promise<{ payload: Buffer; rsv: number; wire: number } | undefined> {
  const m = await w.message(from, 20_000);
  if (m === undefined) return undefined;
  return { payload: m.rsv & RSV1 ? inflate(m.payload) : m.payload, rsv: m.rsv, wire: m.wire };
}

/** Where no permessage-deflate is offered (Deno): the offer is declined and `data` goes both ways as it is. */
async function uncompressed(w: RawWs, data: Buffer): Promise<void> {
  expect(w.headers['sec-websocket-extensions']).toBeUndefined();
  const from = w.frames.length;
  w.send(TEXT, data);
  const m = await w.message(from, 20_000);
  expect(m?.rsv).toBe(0);
  expect(m?.payload.equals(data)).toBe(true);
  expect(m?.wire).toBeGreaterThan(data.length);
}

const NO_DEFLATE = ` (${REACTOR}: declined, sent uncompressed)`;

describe(`12 permessage-deflate: messages both ways${EXPECT.compression ? '' : NO_DEFLATE}`, () => {
  it('echoes compressed text and binary messages of many sizes, compressible and not', async () => {
    const w = await open('/deflate', 'permessage-deflate; client_max_window_bits');
    if (!EXPECT.compression) {
      for (const n of [0, 16, 1024, 64 * KiB, MiB]) await uncompressed(w, ascii(n));
      w.destroy();
      return;
    }
    expect(negotiated(w)).toBeDefined();
    for (const n of [0, 16, 64, 256, 1023, 1024, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB]) {
      for (const [op, data] of [
        [TEXT, ascii(n)],
        [BINARY, noise(n)],
      ] as const) {
        const from = w.frames.length;
        w.send(op, deflate(data), { rsv: RSV1 });
        const m = await receive(w, from);
        expect(m?.payload.equals(data)).toBe(true);
      }
    }
    w.destroy();
  }, 60_000);

  it(`takes a compressed message in fragments (RSV1 on the first only) and uncompressed ones between${EXPECT.compression ? '' : ` (${REACTOR}: RSV1 unnegotiated, ${EXPECT.protocolError})`}`, async () => {
    const w = await open('/deflate', 'permessage-deflate');
    const data = ascii(20_000);
    const z = deflate(data);
    if (!EXPECT.compression) {
      w.send(TEXT, z.subarray(0, 10), { rsv: RSV1, fin: false });
      await expectEnding(w, EXPECT.protocolError);
      return;
    }
    w.send(TEXT, z.subarray(0, 10), { rsv: RSV1, fin: false });
    w.send(PING, 'mid');
    w.send(CONT, z.subarray(10));
    expect((await receive(w, 0))?.payload.equals(data)).toBe(true);
    const from = w.frames.length;
    w.send(TEXT, 'plain');
    expect((await receive(w, from))?.payload.toString()).toBe('plain');
    w.destroy();
  });

  for (const [what, p] of [
    ['the send of a route that asked for compression', '/deflate'],
    ['the fan-out of a channel to sockets of such a route', '/fan-deflate'],
  ] as const) {
    const how = EXPECT.compression ? 'RSV1 set, wire size under 0.2x the payload' : `${REACTOR}: RSV1 clear, whole`;
    it(`${EXPECT.compression ? 'compresses' : 'sends'} ${what}: ${how}`, async () => {
      const w = await open(p, 'permessage-deflate');
      if (EXPECT.compression) expect(negotiated(w)).toBeDefined();
      else expect(w.headers['sec-websocket-extensions']).toBeUndefined();
      const data = Buffer.from(
        JSON.stringify(Array.from({ length: 800 }, (_, i) => ({ id: i % 10, user: 'someone', text: 'hello there' }))),
      );
      let from = 0;
      if (p === '/deflate') w.send(TEXT, data);
      else {
        await w.message(0); // 'ready': subscribed
        from = w.frames.length;
        await fanOut(data.toString());
      }
      const m = await receive(w, from);
      expect(m?.payload.equals(data)).toBe(true);
      if (!EXPECT.compression) {
        expect(m?.rsv).toBe(0);
        expect(m?.wire).toBeGreaterThan(data.length);
        w.destroy();
        return;
      }
      expect(m?.rsv).toBe(RSV1);
      const ratio = (m?.wire ?? Number.NaN) / data.length;
      expect(ratio).toBeLessThan(0.2);
      console.log(`[${REACTOR}] compression ratio (${p}): ${ratio.toFixed(4)} (${m?.wire} / ${data.length} bytes)`);
      w.destroy();
    });
  }

  it('never sets RSV1 on a route without compression, and does not negotiate it there (send and fan-out)', async () => {
    for (const p of ['/echo', '/fan-plain']) {
      const w = await open(p, 'permessage-deflate; client_max_window_bits');
      expect(w.headers['sec-websocket-extensions']).toBeUndefined();
      if (p === '/echo') w.send(TEXT, ascii(1000));
      else {
        await w.message(0);
        await fanOut(ascii(1000).toString());
      }
      await w.until(() => w.frames.filter((f) => f.opcode === TEXT).length >= (p === '/echo' ? 1 : 2));
      expect(w.frames.every((f) => f.rsv === 0)).toBe(true);
      w.destroy();
    }
  });

  it(`a compressed frame on a route without compression: ${EXPECT.protocolError}`, async () => {
    const w = await open('/echo', 'permessage-deflate');
    w.send(TEXT, deflate('hello'), { rsv: RSV1 });
    await expectEnding(w, EXPECT.protocolError);
  });

  it(`a compressed ping: ${EXPECT.compressedPing}`, async () => {
    const w = await open('/deflate', 'permessage-deflate');
    w.send(PING, deflate('hello'), { rsv: RSV1 });
    const ending = EXPECT.compressedPing;
    if (ending === 'answered') {
      expect((await w.frame(PONG))?.payload.equals(deflate('hello'))).toBe(true);
      w.destroy();
      await stillServes();
    } else await expectEnding(w, ending);
  });
});

describe(`13 permessage-deflate: offers${EXPECT.compression ? '' : NO_DEFLATE}`, () => {
  const accepted = [
    'permessage-deflate',
    'permessage-deflate; client_no_context_takeover',
    'permessage-deflate; server_no_context_takeover',
    'permessage-deflate; client_max_window_bits',
    'permessage-deflate; client_max_window_bits=9',
    'permessage-deflate; server_max_window_bits=15',
    'permessage-deflate; client_no_context_takeover; server_no_context_takeover; client_max_window_bits',
  ];
  for (const offer of accepted) {
    const title = EXPECT.compression
      ? `accepts "${offer}" and exchanges compressed messages with no context kept between them`
      : `declines "${offer}" (no permessage-deflate): the connection goes on uncompressed`;
    it(title, async () => {
      const w = await open('/deflate', offer);
      if (!EXPECT.compression) {
        await uncompressed(w, ascii(5000));
        w.destroy();
        return;
      }
      const params = negotiated(w);
      expect(params?.has('server_no_context_takeover')).toBe(true);
      expect(params?.has('client_no_context_takeover')).toBe(true);
      const data = ascii(5000);
      for (let i = 0; i < 3; i++) {
        const from = w.frames.length;
        w.send(TEXT, deflate(data), { rsv: RSV1 });
        const m = await receive(w, from); // each inflates alone: no context taken over
        expect(m?.payload.equals(data)).toBe(true);
        expect(m?.rsv).toBe(RSV1);
      }
      w.destroy();
    });
  }

  it(`a smaller server window (server_max_window_bits=10): ${EXPECT.limitsServerWindow ? 'accepted and kept' : 'declined'}`, async () => {
    const w = await open('/deflate', 'permessage-deflate; server_max_window_bits=10');
    const params = negotiated(w);
    // Far repeats: a compressor with a 32 KiB window refers back further than 1 KiB.
    const block = noise(3000).toString('hex');
    const data = Buffer.from(block + block);
    w.send(TEXT, data);
    const m = await w.message(0);
    if (EXPECT.limitsServerWindow) {
      expect(params?.get('server_max_window_bits')).toBe('10');
      expect(m?.rsv).toBe(RSV1);
      const zlib = await import('node:zlib');
      const out = zlib.inflateRawSync(Buffer.concat([m?.payload ?? Buffer.alloc(0), Buffer.from([0, 0, 0xff, 0xff])]), {
        windowBits: 10,
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      });
      expect(out.equals(data)).toBe(true);
    } else {
      expect(params).toBeUndefined();
      expect(m?.rsv).toBe(0);
      expect(m?.payload.equals(data)).toBe(true);
    }
    w.destroy();
  });

  it(`${EXPECT.compression ? 'picks the first acceptable' : 'declines every one'} of several offers`, async () => {
    const w = await open(
      '/deflate',
      'x-webkit-deflate-frame, permessage-deflate; bogus=1, permessage-deflate; client_max_window_bits',
    );
    if (!EXPECT.compression) {
      await uncompressed(w, Buffer.from('no negotiation'));
      w.destroy();
      return;
    }
    expect(negotiated(w)).toBeDefined();
    w.send(TEXT, deflate('after negotiation'), { rsv: RSV1 });
    expect((await receive(w, 0))?.payload.toString()).toBe('after negotiation');
    w.destroy();
  });

  for (const offer of [
    'permessage-deflate; unknown_param',
    'permessage-deflate; server_max_window_bits',
    'permessage-deflate; server_max_window_bits=16',
    'permessage-deflate; client_max_window_bits=7',
    'permessage-deflate; server_no_context_takeover=1',
    'permessage-deflate; client_no_context_takeover; client_no_context_takeover',
    'x-webkit-deflate-frame',
  ]) {
    it(`declines "${offer}": the connection goes on uncompressed`, async () => {
      const w = await open('/deflate', offer);
      expect(w.headers['sec-websocket-extensions']).toBeUndefined();
      await roundTrip(w, TEXT, ascii(5000));
      expect(w.frames.every((f) => f.rsv === 0)).toBe(true);
      w.destroy();
    });
  }
});

describe('connections', () => {
  it('a half-open peer (never answers pings) is closed after idleTimeout', async () => {
    const idle = await startFixture('ws-battery', 'idle');
    const w = await RawWs.open(idle.port, '/idle'); // RawWs never answers pings
    expect(await w.ended(25_000)).toBe(true);
    expect(w.frames.some((f) => f.opcode === PING)).toBe(true); // pinged first
    await until(() => idle.records.some((r) => r.startsWith('closed ')));
    await idle.close();
  }, 30_000);

  it('every handler task ended for the connections that went away', async () => {
    const count = (what: string) => server.records.filter((r) => r === what).length;
    await until(async () => {
      await server.sync();
      return count('ended') === count('opened');
    }, 10_000);
    expect(count('opened')).toBeGreaterThan(40);
  });
});
