/**
 * WebSocket protocol abuse, frame by frame (the Autobahn|Testsuite case
 * categories; Autobahn itself needs Python 2 or Docker). uWS decides most of
 * these outcomes; each case asserts what the peer sees and that the server
 * keeps serving.
 */
import { onUws } from './reactor.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, path, serve, ws } from '../src/index.js';
import { RawWs } from './rawws.js';

let server: Server;
let opened = 0;
let ended = 0;

beforeAll(async () => {
  const echo = path('echo')
    .and(ws({ maxPayload: 1024 }))
    .map((u) =>
      u.onUpgrade(async (socket) => {
        opened++;
        for await (const m of socket) socket.send(m.isText ? m.text() : m.bytes());
        ended++;
      }),
    );
  server = await serve(echo, { logger: false }).listen({ port: 0 });
});
afterAll(() => server.close({ timeoutMs: 100 }));

const code = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const TEXT = 0x1;
const CONT = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

async function stillEchoes(): Promise<void> {
  const w = await RawWs.open(server.port, '/echo');
  w.send(TEXT, 'alive');
  expect((await w.frame(TEXT))?.payload.toString()).toBe('alive');
  w.destroy();
}

describe('WebSocket frames', () => {
  it('answers a ping with a pong carrying the same payload', async () => {
    const w = await RawWs.open(server.port, '/echo');
    w.send(PING, 'pp');
    expect((await w.frame(PONG))?.payload.toString()).toBe('pp');
    w.destroy();
  });

  it('reassembles a fragmented text message', async () => {
    const w = await RawWs.open(server.port, '/echo');
    w.send(TEXT, 'hel', { fin: false });
    w.send(CONT, 'lo');
    expect((await w.frame(TEXT))?.payload.toString()).toBe('hello');
    w.destroy();
  });

  it('closes on a fragmented message that grows past maxPayload', async () => {
    const w = await RawWs.open(server.port, '/echo');
    w.send(TEXT, 'a'.repeat(800), { fin: false });
    w.send(CONT, 'b'.repeat(800));
    await w.frame(CLOSE);
    expect(w.closed || (await w.frame(CLOSE)) !== undefined).toBe(true);
    await stillEchoes();
  });

  it('ends the connection on invalid UTF-8 in a text frame (uWS: cut without a close frame; node: close 1007)', async () => {
    const w = await RawWs.open(server.port, '/echo');
    w.send(TEXT, Buffer.from([0xff, 0xfe, 0xfd]));
    if (onUws) {
      await w.frame(CLOSE, 1000);
      expect(w.closed).toBe(true);
    } else expect(await w.closeCode()).toBe(1007);
    expect(w.frames.some((f) => f.opcode === TEXT)).toBe(false);
    await stillEchoes();
  });

  it('echoes a valid close code and closes', async () => {
    const w = await RawWs.open(server.port, '/echo');
    w.send(CLOSE, code(1000));
    expect(await w.closeCode()).toBe(1000);
  });

  it('answers a forbidden close code (1005, 999) with a close and ends the connection (uWS)', async () => {
    for (const bad of [1005, 999]) {
      const w = await RawWs.open(server.port, '/echo');
      w.send(CLOSE, code(bad));
      await w.frame(CLOSE);
      expect(await w.closeCode(200)).not.toBe(bad);
      w.destroy();
    }
    await stillEchoes();
  });

  it('closes on a reserved opcode or a fragmented control frame (uWS: cut; node: close 1002)', async () => {
    const a = await RawWs.open(server.port, '/echo');
    a.send(0x3, 'x');
    const b = await RawWs.open(server.port, '/echo');
    b.send(PING, 'x', { fin: false });
    for (const w of [a, b]) {
      if (onUws) {
        await w.frame(CLOSE, 1000);
        expect(w.closed).toBe(true);
      } else expect(await w.closeCode()).toBe(1002);
    }
    await stillEchoes();
  });

  it('ignores an unmasked client frame (uWS does not close; nothing is delivered to the handler)', async () => {
    const w = await RawWs.open(server.port, '/echo');
    w.send(TEXT, 'unmasked', { mask: false });
    await w.frame(TEXT, 300);
    expect(w.frames.some((f) => f.opcode === TEXT && f.payload.toString() === 'unmasked')).toBe(false);
    w.destroy();
    await stillEchoes();
  });

  it('a half-open peer (never answers pings) is closed after idleTimeout', async () => {
    let closedCode = 0;
    const idle = await serve(
      path('idle')
        .and(ws({ idleTimeout: 8 }))
        .map((u) =>
          u.onUpgrade(async (so) => {
            closedCode = (await so.closed()).code;
          }),
        ),
      { logger: false },
    ).listen({ port: 0 });
    const w = await RawWs.open(idle.port, '/idle'); // RawWs never answers pings
    const t0 = Date.now();
    while (!w.closed && Date.now() - t0 < 25_000) await new Promise((r) => setTimeout(r, 200));
    expect(w.closed).toBe(true);
    expect(w.frames.some((f) => f.opcode === PING)).toBe(true); // uWS pinged it first
    expect(closedCode).not.toBe(0);
    await idle.close({ timeoutMs: 100 });
  }, 30_000);

  it('every handler task ended for the connections that went away', async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(server.connections).toBe(0);
    expect(ended).toBe(opened);
  });
});
