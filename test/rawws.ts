/** A raw WebSocket client over net.Socket, for protocol-level tests (frames built by hand). */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export class RawWs {
  private buf = Buffer.alloc(0);
  readonly frames: Frame[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
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
      this.frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload: this.buf.subarray(off, off + len) });
      this.buf = this.buf.subarray(off + len);
    }
  }

  /** Connect and complete the handshake; throws unless the answer is 101. */
  static async open(port: number, path: string): Promise<RawWs> {
    const s = net.connect(port, '127.0.0.1');
    await once(s, 'connect');
    const key = randomBytes(16).toString('base64');
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`);
    let head = Buffer.alloc(0);
    while (!head.includes('\r\n\r\n')) {
      const [d] = (await once(s, 'data')) as [Buffer];
      head = Buffer.concat([head, d]);
    }
    const end = head.indexOf('\r\n\r\n') + 4;
    if (!head.subarray(0, 12).toString().includes('101')) throw new Error(`no upgrade: ${head.toString()}`);
    const ws = new RawWs(s);
    if (head.length > end) ws.socket.emit('data', head.subarray(end));
    return ws;
  }

  /** Send one frame; masked unless `mask` is false (which a server must refuse). */
  send(opcode: number, payload: Buffer | string, opts: { fin?: boolean; mask?: boolean } = {}): void {
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const fin = opts.fin ?? true;
    const mask = opts.mask ?? true;
    const head: number[] = [(fin ? 0x80 : 0) | opcode];
    const m = mask ? 0x80 : 0;
    if (data.length < 126) head.push(m | data.length);
    else if (data.length < 65536) head.push(m | 126, data.length >> 8, data.length & 0xff);
    else {
      head.push(m | 127);
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(data.length));
      head.push(...b);
    }
    let body = data;
    const parts: Buffer[] = [Buffer.from(head)];
    if (mask) {
      const k = randomBytes(4);
      body = Buffer.from(data.map((v, i) => v ^ (k[i % 4] as number)));
      parts.push(k);
    }
    parts.push(body);
    this.socket.write(Buffer.concat(parts));
  }

  /** The first frame with `opcode` (already received or arriving within `ms`). */
  async frame(opcode: number, ms = 3000): Promise<Frame | undefined> {
    const end = Date.now() + ms;
    for (;;) {
      const f = this.frames.find((x) => x.opcode === opcode);
      if (f || this.closed || Date.now() > end) return f;
      await new Promise<void>((r) => {
        const t = setTimeout(r, end - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
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
