/** A raw WebSocket client over net.Socket, for protocol-level tests (frames built by hand). */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import zlib from 'node:zlib';

export interface Frame {
  fin: boolean;
  /** RSV1..RSV3 as the 3-bit field (RSV1 = 4: the frame is compressed under permessage-deflate). */
  rsv: number;
  opcode: number;
  payload: Buffer;
  /** Bytes the frame took on the wire, header included. */
  wire: number;
}

export interface FrameOptions {
  fin?: boolean;
  /** Masked unless false (a server must refuse unmasked frames). */
  mask?: boolean;
  /** The 3-bit RSV field (4 = RSV1). */
  rsv?: number;
}

/** The four bytes permessage-deflate strips from (and a receiver appends to) each message (RFC 7692 §7.2.1). */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A message deflated as permessage-deflate sends it (no context takeover). */
export function deflate(data: Buffer | string): Buffer {
  const out = zlib.deflateRawSync(typeof data === 'string' ? Buffer.from(data) : data, {
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  return out.subarray(0, out.length - 4);
}

/** A permessage-deflate payload inflated (no context takeover). */
export function inflate(data: Buffer): Buffer {
  return zlib.inflateRawSync(Buffer.concat([data, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** One client frame, ready to write (several can go out in one write). */
export function buildFrame(opcode: number, payload: Buffer | string, opts: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const fin = opts.fin ?? true;
  const mask = opts.mask ?? true;
  const head: number[] = [(fin ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (data.length < 126) head.push(m | data.length);
  else if (data.length < 65536) head.push(m | 126, data.length >> 8, data.length & 0xff);
  else {
    head.push(m | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(data.length));
    head.push(...b);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const k = randomBytes(4);
  const body = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) body[i] = (data[i] as number) ^ (k[i & 3] as number);
  return Buffer.concat([Buffer.from(head), k, body]);
}

export class RawWs {
  private buf: Buffer = Buffer.alloc(0);
  readonly frames: Frame[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly socket: net.Socket,
    /** The 101 response's headers, names lower-cased. */
    readonly headers: Readonly<Record<string, string>>,
  ) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.parse();
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private parse(): void {
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0] as number;
      const b1 = this.buf[1] as number;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      if (this.buf.length < off + len) return;
      this.frames.push({
        fin: (b0 & 0x80) !== 0,
        rsv: (b0 >> 4) & 0x7,
        opcode: b0 & 0x0f,
        payload: Buffer.from(this.buf.subarray(off, off + len)),
        wire: off + len,
      });
      this.buf = this.buf.subarray(off + len);
    }
  }

  /**
   * Connect and complete the handshake; throws unless the answer is 101.
   * `extensions` is sent as Sec-WebSocket-Extensions.
   */
  static async open(port: number, path: string, opts: { extensions?: string } = {}): Promise<RawWs> {
    const s = net.connect(port, '127.0.0.1');
    await once(s, 'connect');
    const key = randomBytes(16).toString('base64');
    const ext = opts.extensions !== undefined ? `Sec-WebSocket-Extensions: ${opts.extensions}\r\n` : '';
    s.write(
      `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n${ext}\r\n`,
    );
    let head = Buffer.alloc(0);
    while (!head.includes('\r\n\r\n')) {
      const [d] = (await once(s, 'data')) as [Buffer];
      head = Buffer.concat([head, d]);
    }
    const end = head.indexOf('\r\n\r\n') + 4;
    const lines = head
      .subarray(0, end - 4)
      .toString('latin1')
      .split('\r\n');
    if (!(lines[0] ?? '').includes(' 101')) throw new Error(`no upgrade: ${head.toString()}`);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const ws = new RawWs(s, headers);
    if (head.length > end) ws.socket.emit('data', head.subarray(end));
    return ws;
  }

  /** Send one frame. */
  send(opcode: number, payload: Buffer | string, opts: FrameOptions = {}): void {
    this.socket.write(buildFrame(opcode, payload, opts));
  }

  /** Write bytes as they are: several frames in one write (the server reads them in one go). */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Wait until `done()` holds, the connection closed, or `ms` passed. */
  async until(done: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!done() && !this.closed && Date.now() < end) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, end - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The first frame with `opcode` (already received or arriving within `ms`). */
  async frame(opcode: number, ms = 3000): Promise<Frame | undefined> {
    const find = () => this.frames.find((x) => x.opcode === opcode);
    await this.until(() => find() !== undefined, ms);
    return find();
  }

  /** The whole next data message from frame `from` on (continuations joined), or undefined. */
  async message(
    from = 0,
    ms = 5000,
  ): Promise<{ opcode: number; rsv: number; payload: Buffer; wire: number; frames: number } | undefined> {
    const data = () => this.frames.slice(from).filter((f) => f.opcode < 0x8);
    const complete = () => data().some((f) => f.fin);
    await this.until(complete, ms);
    if (!complete()) return undefined;
    const parts: Frame[] = [];
    for (const f of data()) {
      parts.push(f);
      if (f.fin) break;
    }
    const first = parts[0] as Frame;
    return {
      opcode: first.opcode,
      rsv: first.rsv,
      payload: Buffer.concat(parts.map((p) => p.payload)),
      wire: parts.reduce((n, p) => n + p.wire, 0),
      frames: parts.length,
    };
  }

  /** Resolves once the server closed the TCP connection (or `ms` passed). */
  async ended(ms = 5000): Promise<boolean> {
    await this.until(() => false, ms);
    return this.closed;
  }

  /** The close code the server sent (undefined if it just dropped the connection). */
  async closeCode(ms = 3000): Promise<number | undefined> {
    const f = await this.frame(0x8, ms);
    return f && f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
