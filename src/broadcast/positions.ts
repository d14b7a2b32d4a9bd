/**
 * Positions in a named channel, and what a returning client missed.
 *
 * Every value a named channel carries has a position: the **epoch** is the
 * id of the channel instance that sent it (a new one each time a process
 * opens the channel, so it changes whenever that sender's numbering
 * restarts) and the **offset** that sender's sequence number (0, 1, 2 ...).
 * A client keeps the last offset it saw per epoch; that is exact whether or
 * not Redis keeps history, and a value delivered locally while Redis is away
 * has its position at once (a stream id would exist only once Redis had it).
 *
 * On its return, what it missed is the values after its offsets: replayed
 * from history, in each sender's order, each once; what history no longer
 * has is reported as `lost` with the count where the server knows it (it
 * heard the sender's later offsets) and without one where it cannot know
 * (an epoch it has never heard of and history does not hold).
 */

/** Where a value sits in a named channel. */
export interface Position {
  /** The sending channel instance. */
  readonly epoch: string;
  /** That sender's sequence number. */
  readonly offset: number;
}

/** The last offset seen per epoch. */
export type Positions = Readonly<Record<string, number>>;

/** A value with its position (what history and live delivery hand the replay). */
export interface Positioned<T> {
  readonly epoch: string;
  readonly offset: number;
  readonly value: T;
}

/** What a returning client gets: the values to replay, in order, and how many are lost (`null`: some may be, count unknown). */
export interface Replay<T> {
  readonly values: readonly Positioned<T>[];
  readonly lost: number | null;
}

/**
 * The replay for a client at `from`, given the history the channel keeps
 * (oldest first) and the last offset it knows of each epoch (`latest`).
 * Epochs in history that the client never saw are senders that started after
 * it last looked (its positions hold every epoch known when it subscribed):
 * all their kept values are replayed.
 */
export function replayFrom<T>(
  from: Positions,
  history: readonly Positioned<T>[],
  latest: (epoch: string) => number | undefined,
): Replay<T> {
  const values: Positioned<T>[] = [];
  const firstKept = new Map<string, number>();
  const lastKept = new Map<string, number>();
  for (const h of history) {
    if (!firstKept.has(h.epoch)) firstKept.set(h.epoch, h.offset);
    lastKept.set(h.epoch, h.offset);
    const seen = from[h.epoch];
    if (seen === undefined ? true : h.offset > seen) values.push(h);
  }
  let lost: number | null = 0;
  const count = (n: number) => {
    if (lost !== null && n > 0) lost += n;
  };
  for (const [epoch, seen] of Object.entries(from)) {
    const first = firstKept.get(epoch);
    const known = Math.max(latest(epoch) ?? -1, lastKept.get(epoch) ?? -1);
    if (first !== undefined)
      count(Math.min(first, known + 1) - seen - 1); // between its offset and the oldest kept
    else if (known >= 0)
      count(known - seen); // history keeps none of it: every later value is lost
    else lost = null; // never heard of: a sender from before this instance knew the channel
  }
  // A new epoch whose kept values do not start at 0 lost its first ones.
  for (const [epoch, first] of firstKept) if (from[epoch] === undefined) count(first);
  return { values, lost };
}

/** Parse positions a client sent: `{ channel: { epoch: offset } }`, anything malformed dropped. */
export function parsePositions(value: unknown): Record<string, Positions> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, Record<string, number>> = Object.create(null) as Record<string, Record<string, number>>;
  let n = 0;
  for (const [channel, epochs] of Object.entries(value as Record<string, unknown>)) {
    if (epochs === null || typeof epochs !== 'object' || Array.isArray(epochs)) continue;
    const one: Record<string, number> = Object.create(null) as Record<string, number>;
    for (const [epoch, offset] of Object.entries(epochs as Record<string, unknown>)) {
      if (++n > 1024) return out; // bounded: a client cannot make the server do unbounded work
      if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= -1) one[epoch] = offset;
    }
    out[channel] = one;
  }
  return out;
}
