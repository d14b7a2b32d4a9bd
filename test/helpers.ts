/** Helpers for tests that talk to a real server over loopback. */
import { once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parse one HTTP/1.1 response (Content-Length framed or chunked) from the front of `buf`. */
function parseOne(buf: Buffer, head = false): { res: RawResponse; used: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number((lines[0] ?? '').split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  let pos = end + 4;
  if (head || status === 204 || status === 304) return { res: { status, headers, body: '' }, used: pos };
  if (headers['transfer-encoding']?.includes('chunked')) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(buf.subarray(pos, lineEnd).toString(), 16);
      if (buf.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      pos = lineEnd + 2 + size + 2;
      if (size === 0) break;
    }
    return { res: { status, headers, body: Buffer.concat(parts).toString() }, used: pos };
  }
  const len = Number(headers['content-length'] ?? 0);
  if (buf.length < pos + len) return undefined;
  return { res: { status, headers, body: buf.subarray(pos, pos + len).toString() }, used: pos + len };
}

/** A raw keep-alive HTTP client: write bytes, read responses one by one. */
export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  static async connect(port: number): Promise<RawClient> {
    const s = net.connect(port, '127.0.0.1');
    await once(s, 'connect');
    return new RawClient(s);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next complete response; rejects if the connection closes first or after `timeoutMs`. */
  async response(opts: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    for (;;) {
      const got = parseOne(this.buf, opts.head);
      if (got) {
        this.buf = this.buf.subarray(got.used);
        return got.res;
      }
      if (this.ended) throw new Error(`connection closed; buffered: ${JSON.stringify(this.buf.toString())}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for a response; buffered: ${JSON.stringify(this.buf.toString())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Everything received so far, as text. */
  get received(): string {
    return this.buf.toString('latin1');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Send raw bytes on a fresh connection and return the first response. */
export async function rawOnce(port: number, data: string | Buffer, head = false): Promise<RawResponse> {
  const c = await RawClient.connect(port);
  c.write(data);
  try {
    return await c.response({ head });
  } finally {
    c.destroy();
  }
}

/** A pino logger that records its JSON lines in memory. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, dest), lines };
}

/** Resolve after `ms`. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it is true (or fail after `timeoutMs`). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(10);
  }
}

/** What `fn` throws (to inspect the error's fields); fails the test when it does not throw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
