/**
 * A multi-producer, multi-consumer broadcast channel (tokio::sync::broadcast).
 *
 * ```ts
 * const [tx, rx] = channel<ChatEvent>(256);
 * tx.send(event);               // how many receivers and sockets will see it; 0 if none (never throws for that)
 * const rx2 = tx.subscribe();   // sees values sent from now on
 * await rx.recv();              // next value; throws RecvError.Lagged(n) / RecvError.Closed
 * for await (const v of rx) {}  // iteration skips lag, ends on close
 * rx2.close();                  // a receiver counts until it is closed (or `using rx2 = ...`)
 * tx.close();
 * ```
 *
 * Every value sent is seen by every receiver subscribed at the time. Values
 * are shared, not copied: receivers get the same object.
 *
 * Nothing here depends on garbage collection: a program gives the same
 * answers whether or when the collector runs. A receiver counts toward
 * `send`'s result, and keeps the values it has not read, until it is closed.
 *
 * ## Lagging
 *
 * The channel keeps the last `capacity` values in a ring (allocated as values
 * arrive, not up front). A receiver that falls further behind loses the
 * oldest: its next `recv` throws `LaggedError` with the number skipped, and
 * the one after returns the oldest value still kept. It stays subscribed.
 * Sending never waits for slow receivers, so one slow receiver cannot slow
 * the others down.
 *
 * ## Closing
 *
 * `tx.close()` drops a sender; when every sender (see `clone`) is closed the
 * channel is closed. Receivers first get every value still kept, then
 * `ClosedError`; async iteration simply ends.
 *
 * `rx.close()` (also `rx[Symbol.dispose]()`, so `using rx = tx.subscribe()`
 * closes it at the end of the scope, and `break` out of `for await`) drops a
 * receiver: it stops counting toward `send`'s result and the values it did
 * not read are released. A receiver that is never closed stays subscribed:
 * it keeps counting and keeps up to `capacity` values alive, however long
 * ago its last reference went away. Close the receiver `channel()` returns
 * when you only want the sender.
 *
 * ## Backpressure
 *
 * There is none on the channel itself: memory is bounded by `capacity`.
 * WebSockets attached with `socket.subscribe(tx)` receive through a uWS topic:
 * `send` encodes the value once and uWS writes it to every attached socket in
 * C++. A socket whose send buffer is over its `maxBackpressure` is handled by
 * its `backpressure` policy (closed with 1008 by default) and never buffers
 * without bound.
 *
 * ## Where weft differs from tokio, and why
 *
 * - `send` with nobody to see the value returns 0; tokio returns
 *   `Err(SendError)`. In a server the send is a side effect of a request
 *   ("tell the room"), and an empty room must not fail the request that
 *   already did its work. `SendError` stays for mpsc, oneshot and watch.
 * - Receivers are released by `close()`, never by the collector. Rust drops a
 *   receiver at a known point; JavaScript has no such point, and releasing on
 *   garbage collection made `send`'s result (and whether a request failed)
 *   depend on when the collector ran. `using` gives Rust's scope-based drop.
 * - Capacity is exact (tokio rounds it up to a power of two), the ring is
 *   filled as values arrive, attached sockets count toward `send`'s result,
 *   and values are shared rather than cloned per receiver.
 *
 * ## Named channels
 *
 * `channel(capacity, { name })` spans every worker of a `workers()` pool, and
 * with `{ name, backplane: redis(url) }` every process on every machine that
 * opens the same name. A value sent anywhere reaches local receivers and
 * attached sockets here exactly as a local send does. Each sender's order is
 * kept; values lost on the way (a backplane outage, a full buffer) show up as
 * `LaggedError(n)` at receivers and as `onLag(n)` for applications whose
 * sockets are attached natively. `send` returns the local count, zero
 * included: others may be listening.
 */
import { parseJson } from '../runtime/json.js';
import { ClosedError, EmptyError, LaggedError } from '../sync/channel-errors.js';
import { type Backplane, type BackplaneLink, GapTracker, originId, unwrap, wrap } from './backplane.js';
import { type Positioned, type Positions, type Replay, replayFrom } from './positions.js';

/** `poll` found nothing new: a sentinel no sent value can be. */
const EMPTY: unique symbol = Symbol('empty');

import { runtimeCounters } from '../runtime/counters.js';
import { workerBus } from './bus.js';

/** Where native subscribers live: a uWS app, or the test harness's hub. */
export interface TopicHub {
  publish(topic: string, data: string | Uint8Array, binary: boolean): void;
  subscribers(topic: string): number;
}

export interface ChannelOptions<T> {
  /**
   * How a value is encoded once for attached WebSockets (and, with `decode`,
   * for the backplane).
   * @default strings as text, Uint8Array as binary, anything else as JSON text
   */
  encode?: (value: T) => string | Uint8Array;
  /** With `encode`: how a value from the backplane is decoded. Without both, values cross as JSON. */
  decode?: (data: string | Uint8Array) => T;
  /** Name the channel to span threads, processes and machines (with `backplane`). */
  name?: string | undefined;
  /**
   * What carries a named channel beyond this thread.
   * @default the worker bus inside a `workers()` pool, else none
   */
  backplane?: Backplane | undefined;
  /** Keep the last N values for `tx.history()` (in Redis with `weft/redis`, else in memory). */
  history?: number | undefined;
  /** Values of a named channel lost on the way (n of them); for sockets attached natively. */
  onLag?: (n: number) => void;
}

/** A hole in a named channel's stream: `n` values lost before the next one. */
class Gap {
  constructor(readonly n: number) {}
}

interface Slot<T> {
  seq: number;
  value: T | Gap | undefined;
  /** Receivers that still have to read this slot. */
  rem: number;
}

interface Cursor {
  next: number;
  live: boolean;
}

let nextChannelId = 0;

/** @internal shared state of one channel */
class Shared<T> {
  /** The ring, grown as values arrive up to `capacity` slots: a channel nobody sends on costs no slots. */
  readonly slots: Slot<T>[] = [];
  /** Sequence number of the next value to send. */
  head = 0;
  receivers = 0;
  senders = 1;
  closed = false;
  waiters = new Set<() => void>();
  readonly hubs = new Set<TopicHub>();
  readonly topic = `weft:broadcast:${nextChannelId++}`;
  /** Sockets that resume (the weft client) take frames with positions from this topic. */
  readonly positionsTopic = `${this.topic}:p`;
  /** Listeners that see each value with its position as it is delivered (a socket catching up). */
  readonly taps = new Set<(v: Positioned<T>) => void>();
  /** Named channels: the backplane link, this instance's origin and next sequence number. */
  named = false;
  link: BackplaneLink | undefined;
  readonly origin = originId();
  wireSeq = 0;
  readonly gaps = new GapTracker();
  /** Values lost on the way to this channel instance, in total. */
  lagged = 0;
  /** In-memory history (the last `keep` values, with their positions) when the backplane keeps none. */
  readonly recent: Positioned<T>[] = [];
  keep = 0;
  /** A read of the kept values not started yet (callers until it starts share it), and the last one begun. */
  nextRead: Promise<Kept<T>> | undefined;
  reading: Promise<Kept<T>> | undefined;

  constructor(
    readonly capacity: number,
    readonly encode: (value: T) => string | Uint8Array,
    readonly options: ChannelOptions<T>,
  ) {}

  /** Deliver to local receivers and attached sockets; how many will see it. */
  deliver(value: T | Gap, frame?: string | Uint8Array, epoch?: string, offset?: number): number {
    let sockets = 0;
    let resuming = 0;
    if (!(value instanceof Gap)) {
      for (const hub of this.hubs) {
        sockets += hub.subscribers(this.topic);
        resuming += hub.subscribers(this.positionsTopic);
      }
    }
    if (this.receivers > 0) {
      const seq = this.head++;
      const i = seq % this.capacity;
      const slot = this.slots[i];
      // Sequence numbers start at 0 and grow by one, so a missing slot is always the next one to push.
      if (slot === undefined) this.slots.push({ seq, value, rem: this.receivers });
      else {
        slot.seq = seq;
        slot.value = value;
        slot.rem = this.receivers;
      }
      this.wake();
    }
    if (sockets > 0) {
      const data = frame ?? this.encode(value as T);
      const binary = typeof data !== 'string';
      for (const hub of this.hubs) if (hub.subscribers(this.topic) > 0) hub.publish(this.topic, data, binary);
    }
    if (epoch === undefined || offset === undefined || value instanceof Gap) return this.receivers + sockets;
    const at: Positioned<T> = { epoch, offset, value };
    if (resuming > 0) {
      const data = positionedFrame(this.options.name as string, at);
      for (const hub of this.hubs) {
        if (hub.subscribers(this.positionsTopic) > 0) hub.publish(this.positionsTopic, data, false);
      }
    }
    for (const tap of this.taps) tap(at);
    if (this.keep > 0) {
      this.recent.push(at);
      if (this.recent.length > this.keep) this.recent.shift();
    }
    return this.receivers + sockets + resuming;
  }

  /** The last offset this instance knows of `epoch` (its own included). */
  latest(epoch: string): number | undefined {
    if (epoch === this.origin) return this.wireSeq > 0 ? this.wireSeq - 1 : undefined;
    return this.gaps.lastOf(epoch);
  }

  /** Put a value on the backplane, at offset `seq` of this instance's epoch. */
  publish(value: T, seq: number): void {
    const o = this.options;
    const data = o.decode ? this.encode(value) : JSON.stringify(value);
    (this.link as BackplaneLink).publish(wrap(this.origin, seq, data));
  }

  /** A message from the backplane. */
  arrive(message: string): void {
    if (this.closed) return;
    const env = unwrap(message);
    if (env === undefined || env.origin === this.origin) return; // not ours to read, or our own echo
    const missed = this.gaps.see(env.origin, env.seq);
    if (missed < 0) return;
    if (missed > 0) this.lag(missed);
    let value: T;
    try {
      value = this.decode(env.data);
    } catch {
      this.lag(1); // undecodable: as good as lost
      return;
    }
    // The default JSON wire form of an object is already its socket frame.
    const frame =
      !this.options.decode && !this.options.encode && typeof value !== 'string' && !(value instanceof Uint8Array)
        ? (env.data as string)
        : undefined;
    this.deliver(value, frame, env.origin, env.seq);
  }

  /** A value from its wire form: `decode`, else JSON (prototype poisoning refused). */
  decode(data: string | Uint8Array): T {
    return this.options.decode ? this.options.decode(data) : (parseJson(String(data)) as T);
  }

  lag(n: number): void {
    this.lagged += n;
    runtimeCounters.channelLagged += n;
    this.options.onLag?.(n);
    if (this.receivers > 0) this.deliver(new Gap(n));
  }

  /** Oldest sequence number still kept. */
  get oldest(): number {
    return Math.max(0, this.head - this.capacity);
  }

  wake(): void {
    const ws = this.waiters;
    this.waiters = new Set();
    for (const w of ws) w();
  }

  /** Give up a cursor's claims on the slots it has not read. */
  release(c: Cursor): void {
    if (!c.live) return;
    c.live = false;
    this.receivers--;
    for (let s = Math.max(c.next, this.oldest); s < this.head; s++) this.consume(s);
  }

  consume(seq: number): void {
    const slot = this.slots[seq % this.capacity];
    if (slot !== undefined && slot.seq === seq && --slot.rem === 0) slot.value = undefined; // free it: nobody else will read it
  }
}

/**
 * The frame a resuming socket gets: `["v", channel, epoch, offset, value]`,
 * the value as JSON (bytes as an array of numbers is not worth it: a channel
 * of bytes resumes as base64 text, `{ "$bytes": "..." }`).
 */
export function positionedFrame(name: string, at: Positioned<unknown>): string {
  let frame = frames.get(at);
  if (frame === undefined) frames.set(at, (frame = encodePositioned(name, at)));
  return frame;
}

/** Frames already made, per value: a replay to a thousand returning clients encodes each value once. A cache only. */
const frames = new WeakMap<Positioned<unknown>, string>();

function encodePositioned(name: string, at: Positioned<unknown>): string {
  const v = at.value;
  const json =
    v instanceof Uint8Array
      ? JSON.stringify({ $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') })
      : (JSON.stringify(v) ?? 'null');
  return `["v",${JSON.stringify(name)},${JSON.stringify(at.epoch)},${at.offset},${json}]`;
}

/** A read of the kept values; `settled`: each of them has also been delivered here. */
interface Kept<T> {
  readonly values: readonly Positioned<T>[];
  readonly settled: boolean;
}

const YES = () => true;
const NO = () => false;

const defaultEncode = (v: unknown): string | Uint8Array =>
  typeof v === 'string' || v instanceof Uint8Array ? v : JSON.stringify(v);

/** The sending half. Clone it for more producers; the channel closes when all are closed. */
export class Sender<T> {
  private open = true;

  /** @internal use `channel()` */
  constructor(private readonly shared: Shared<T>) {}

  /**
   * Send `value` to every current receiver and attached socket. Returns how
   * many will see it (open receivers plus attached sockets): 0 when nobody
   * is listening, which is not an error (tokio returns `SendError` there;
   * see the module doc). The count is not a promise of delivery: a receiver
   * may lag past the value, a socket may close first. A named channel also
   * publishes the value for every other instance and returns the local
   * count. Throws only when this sender was closed (a bug in the caller).
   */
  send(value: T): number {
    const sh = this.shared;
    if (!this.open || sh.closed) throw new Error('send on a closed channel');
    if (!sh.named) return sh.deliver(value);
    const seq = sh.wireSeq++;
    if (sh.link) sh.publish(value, seq);
    return sh.deliver(value, undefined, sh.origin, seq);
  }

  /** A new receiver that sees values sent from now on. */
  subscribe(): Receiver<T> {
    return new Receiver(this.shared, this.shared.head);
  }

  /** Another sender for the same channel. */
  clone(): Sender<T> {
    if (!this.open) throw new Error('clone of a closed sender');
    this.shared.senders++;
    return new Sender(this.shared);
  }

  /** Receivers currently subscribed, i.e. not yet closed (sockets not counted). */
  get receiverCount(): number {
    return this.shared.receivers;
  }

  /** WebSockets attached through `socket.subscribe(tx)`. */
  get socketCount(): number {
    let n = 0;
    const sh = this.shared;
    for (const hub of sh.hubs) n += hub.subscribers(sh.topic) + hub.subscribers(sh.positionsTopic);
    return n;
  }

  /** Drop this sender. When every sender is closed, receivers drain and then end. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    if (--this.shared.senders === 0) {
      this.shared.closed = true;
      this.shared.link?.close();
      this.shared.wake();
    }
  }

  /**
   * Settles once values sent elsewhere reach this instance (a named channel's
   * subscription is in place); at once for a local channel. Await it before
   * telling a client it has joined, so nothing sent after that is missed.
   * While the backplane cannot reach Redis (an outage, or a backplane not yet
   * connected) it settles at once rather than wait: where the first values
   * matter, await `backplane.whenConnected()` before opening the channel.
   */
  ready(): Promise<void> {
    return this.shared.link?.ready ?? Promise.resolve();
  }

  /** The channel's name, if it has one. */
  get name(): string | undefined {
    return this.shared.options.name;
  }

  /** Values of a named channel lost on the way here, in total (see `onLag`). */
  get lagged(): number {
    return this.shared.lagged;
  }

  /**
   * The last values sent on the channel (up to the `history` option), oldest
   * first: from the backplane where it keeps them (Redis), else the values
   * this instance has seen.
   */
  async history(): Promise<T[]> {
    return (await this.kept()).values.map((p) => p.value);
  }

  /**
   * The kept values with their positions, oldest first. Reads are shared:
   * every caller until a read starts gets that read, and at most one is in
   * flight (a thousand clients resuming at once cost a few reads, not a
   * thousand). A read always starts after the call, so whatever a caller set
   * up before calling (a tap) covers everything the read may miss.
   */
  private kept(): Promise<Kept<T>> {
    const sh = this.shared;
    if (sh.nextRead) return sh.nextRead;
    const start = () => {
      sh.nextRead = undefined;
      return this.readKept();
    };
    const read = (sh.reading ?? Promise.resolve()).then(start, start);
    sh.nextRead = read;
    sh.reading = read;
    const done = () => {
      if (sh.reading === read) sh.reading = undefined;
    };
    read.then(done, done);
    return read;
  }

  private async readKept(): Promise<Kept<T>> {
    const sh = this.shared;
    const n = sh.options.history ?? 0;
    const link = sh.link;
    if (n <= 0) return { values: [], settled: true };
    if (!link?.history) return { values: [...sh.recent], settled: true };
    const values: Positioned<T>[] = [];
    for (const m of await link.history(n)) {
      const env = unwrap(m);
      if (!env) continue;
      try {
        values.push({ epoch: env.origin, offset: env.seq, value: sh.decode(env.data) });
      } catch {
        // an entry that does not decode is skipped
      }
    }
    const settled = link.barrier ? await link.barrier().then(YES, NO) : false;
    return { values, settled };
  }

  /**
   * @internal what a client at `from` missed: kept values after its
   * positions, and how many are lost (see positions.ts). Redis unreachable:
   * what this instance keeps in memory, if anything.
   */
  async replay(from: Positions): Promise<Replay<T>> {
    let kept: readonly Positioned<T>[];
    try {
      kept = (await this.kept()).values;
    } catch {
      kept = [...this.shared.recent];
    }
    return replayFrom(from, kept, (e) => this.shared.latest(e));
  }

  /**
   * @internal the senders a new subscriber at `known` (its first snapshot)
   * never heard of but history holds, with their last kept offset: values
   * sent before this instance opened the channel. Without them a later
   * resume would replay those old values as missed. Only where every kept
   * value has also been delivered here (the backplane's barrier passed), so
   * no value still on its way is marked as seen; else `undefined`.
   */
  async baseline(known: Positions): Promise<Record<string, number> | undefined> {
    const sh = this.shared;
    if (!sh.link?.history || (sh.options.history ?? 0) <= 0) return undefined;
    let kept: Kept<T>;
    try {
      kept = await this.kept();
    } catch {
      return undefined;
    }
    if (!kept.settled) return undefined;
    const out: Record<string, number> = {};
    let any = false;
    for (const v of kept.values) {
      if (known[v.epoch] !== undefined) continue;
      out[v.epoch] = v.offset;
      any = true;
    }
    return any ? out : undefined;
  }

  /** @internal the last offset of every epoch this instance knows: where a new subscriber starts. */
  snapshot(): Record<string, number> {
    const sh = this.shared;
    const out: Record<string, number> = Object.fromEntries(sh.gaps.entries());
    if (sh.wireSeq > 0) out[sh.origin] = sh.wireSeq - 1;
    return out;
  }

  /** @internal watch values (with positions) as they are delivered; returns the way to stop. */
  tap(fn: (v: Positioned<T>) => void): () => void {
    this.shared.taps.add(fn);
    return () => this.shared.taps.delete(fn);
  }

  /** @internal the topic resuming sockets subscribe to */
  get positionsTopic(): string {
    return this.shared.positionsTopic;
  }

  get isClosed(): boolean {
    return this.shared.closed;
  }

  /** @internal the uWS topic sockets subscribe to */
  get topic(): string {
    return this.shared.topic;
  }

  /** @internal register where attached sockets live */
  attach(hub: TopicHub): void {
    this.shared.hubs.add(hub);
  }
}

/** The receiving half. */
export class Receiver<T> implements AsyncIterable<T> {
  private readonly cursor: Cursor;

  /** @internal */
  constructor(
    private readonly shared: Shared<T>,
    next: number,
  ) {
    this.cursor = { next, live: true };
    shared.receivers++;
    for (let s = Math.max(next, shared.oldest); s < shared.head; s++) {
      const slot = shared.slots[s % shared.capacity];
      if (slot !== undefined && slot.seq === s) slot.rem++;
    }
  }

  /** Values sent that this receiver has not read yet (lost ones included). */
  get len(): number {
    return this.shared.head - this.cursor.next;
  }

  /**
   * The next value, now. Throws `LaggedError(n)` once after falling behind,
   * `EmptyError` when there is nothing new, `ClosedError` when the channel is
   * closed and drained.
   */
  tryRecv(): T {
    const v = this.poll();
    if (v === EMPTY) throw new EmptyError();
    return v;
  }

  /** Wait for the next value. Throws `LaggedError(n)` (then continues) or `ClosedError`. */
  async recv(): Promise<T> {
    for (;;) {
      const v = this.poll();
      if (v !== EMPTY) return v;
      await new Promise<void>((resolve) => this.shared.waiters.add(resolve));
    }
  }

  /** The next value, or `EMPTY` when nothing new has come; throws lag and close (they are answers, not waiting). */
  private poll(): T | typeof EMPTY {
    const sh = this.shared;
    const c = this.cursor;
    if (!c.live) throw new ClosedError();
    const oldest = sh.oldest;
    if (c.next < oldest) {
      const skipped = oldest - c.next;
      c.next = oldest;
      runtimeCounters.channelLagged += skipped;
      throw new LaggedError(skipped);
    }
    if (c.next < sh.head) {
      const seq = c.next++;
      const slot = sh.slots[seq % sh.capacity] as Slot<T>;
      const value = slot.value;
      sh.consume(seq);
      if (value instanceof Gap) throw new LaggedError(value.n);
      return value as T;
    }
    if (sh.closed) throw new ClosedError();
    return EMPTY;
  }

  /** A receiver at the same position (both will see the same values). */
  clone(): Receiver<T> {
    return new Receiver(this.shared, this.cursor.next);
  }

  /** A new receiver that sees values sent from now on. */
  resubscribe(): Receiver<T> {
    return new Receiver(this.shared, this.shared.head);
  }

  /**
   * Stop receiving: this receiver no longer counts toward `send`'s result,
   * the values it did not read are released, and its `recv` throws
   * `ClosedError`. Idempotent. Nothing else closes a receiver: dropping the
   * last reference to one does not.
   */
  close(): void {
    this.shared.release(this.cursor);
  }

  /** The same as `close()` (kept for code written before `close()`). */
  unsubscribe(): void {
    this.close();
  }

  /** `using rx = tx.subscribe()` closes the receiver at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Iterate values; lag is skipped, the loop ends when the channel closes. `break` (or a throw) closes the receiver. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        try {
          yield await this.recv();
        } catch (e) {
          if (e instanceof LaggedError) continue;
          if (e instanceof ClosedError) return;
          throw e;
        }
      }
    } finally {
      this.close();
    }
  }
}

/**
 * Create a broadcast channel that keeps the last `capacity` values.
 *
 * @example
 * const [tx, rx] = channel<string>(16);
 */
export function channel<T>(capacity: number, options: ChannelOptions<T> = {}): [Sender<T>, Receiver<T>] {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 2 ** 24) {
    throw new RangeError(`channel capacity must be an integer from 1 to ${2 ** 24}, got ${capacity}`);
  }
  if (options.decode && !options.encode) throw new TypeError('channel: decode needs encode');
  const shared = new Shared<T>(capacity, options.encode ?? defaultEncode, options);
  shared.receivers = 0;
  if (options.name !== undefined) {
    if (typeof options.name !== 'string' || options.name.length === 0 || options.name.length > 200) {
      throw new RangeError('channel name must be a string of 1 to 200 characters');
    }
    const backplane = options.backplane ?? workerBus();
    shared.named = true;
    shared.link = backplane?.open(options.name, (m) => shared.arrive(m), { history: options.history });
    // Keep history in memory only where the backplane keeps none.
    if (!shared.link?.history) shared.keep = options.history ?? 0;
  } else if (options.backplane) {
    throw new TypeError('channel: a backplane needs a name');
  } else {
    shared.keep = options.history ?? 0;
  }
  const tx = new Sender(shared);
  const rx = new Receiver(shared, 0);
  return [tx, rx];
}
