/**
 * The seam between a named channel and whatever carries it beyond this
 * thread: the worker bus (threads or processes of one `workers()` pool) or
 * Redis (`weft/redis`). A backplane only moves strings; the channel puts its
 * origin and a per-origin sequence number on each one, so every backplane
 * gets the same ordering and lag semantics.
 */
import { randomBytes } from 'node:crypto';
import { threadId } from 'node:worker_threads';

/** Something that carries named channels between threads, processes or machines. */
export interface Backplane {
  /**
   * Join the channel `name`. Messages that any link of the same name
   * (anywhere, this process included) publishes reach `onMessage`; a link
   * may or may not hear its own. `options.history` asks the backplane to keep
   * the last N messages, where it can.
   */
  open(name: string, onMessage: (message: string) => void, options?: { history?: number | undefined }): BackplaneLink;
}

/** One channel's connection to a backplane. */
export interface BackplaneLink {
  /** Hand a message on. Never throws and never waits; what cannot go is dropped and shows as lag. */
  publish(message: string): void;
  /** Settles once messages published elsewhere reach this link (the subscription is in place). */
  ready?: Promise<void> | undefined;
  /** The last `n` messages kept by the backplane, oldest first, if it keeps any. */
  history?(n: number): Promise<string[]>;
  /**
   * Resolves once every message published before the call (anywhere) has
   * reached `onMessage`; rejects where it cannot tell. With `history`: what
   * a history read returned has then also been delivered live.
   */
  barrier?(): Promise<void>;
  /** Leave the channel. */
  close(): void;
}

/** `w1 <origin> <seq> <kind><payload>`: kind `s` is text, `b` is base64 of bytes. */
const TAG = 'w1 ';

export interface Envelope {
  origin: string;
  seq: number;
  data: string | Uint8Array;
}

export function wrap(origin: string, seq: number, data: string | Uint8Array): string {
  return typeof data === 'string'
    ? `${TAG}${origin} ${seq} s${data}`
    : `${TAG}${origin} ${seq} b${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}`;
}

/** Parse a wrapped message; `undefined` for anything that is not one (it is dropped, never thrown). */
export function unwrap(message: string): Envelope | undefined {
  if (!message.startsWith(TAG)) return undefined;
  const a = message.indexOf(' ', TAG.length);
  const b = a < 0 ? -1 : message.indexOf(' ', a + 1);
  if (b < 0 || b + 1 >= message.length) return undefined;
  const origin = message.slice(TAG.length, a);
  const seq = Number(message.slice(a + 1, b));
  if (!origin || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  const kind = message[b + 1];
  const body = message.slice(b + 2);
  if (kind === 's') return { origin, seq, data: body };
  if (kind === 'b') return { origin, seq, data: new Uint8Array(Buffer.from(body, 'base64')) };
  return undefined;
}

/**
 * Per-origin sequence tracking: a value whose sequence number jumps ahead of
 * the last one seen from its origin means the values in between were lost.
 * Origins not heard from for a while are forgotten (bounded memory).
 */
export class GapTracker {
  private readonly last = new Map<string, number>();

  constructor(private readonly maxOrigins = 4096) {}

  /** How many values from `origin` were missed before `seq`; -1 if `seq` is old (a duplicate: drop it). */
  see(origin: string, seq: number): number {
    const prev = this.last.get(origin);
    if (prev !== undefined) {
      if (seq <= prev) return -1;
      this.last.delete(origin); // re-insert: Map order is then least recently heard first
    } else if (this.last.size >= this.maxOrigins) {
      const oldest = this.last.keys().next().value as string;
      this.last.delete(oldest);
    }
    this.last.set(origin, seq);
    return prev === undefined ? 0 : seq - prev - 1;
  }

  /** The last sequence number seen from `origin`, if it is remembered. */
  lastOf(origin: string): number | undefined {
    return this.last.get(origin);
  }

  /** Every remembered origin with its last sequence number. */
  entries(): IterableIterator<[string, number]> {
    return this.last.entries();
  }
}

let counter = 0;
const processTag = randomBytes(6)
  .toString('base64url')
  .replaceAll(/[^A-Za-z0-9]/g, 'x');

/** A short id unique to one channel instance across threads, processes and machines. */
export function originId(): string {
  return `${processTag}.${threadId.toString(36)}.${(counter++).toString(36)}`;
}
