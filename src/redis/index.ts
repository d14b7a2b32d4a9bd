/**
 * `weft/redis`: a Redis backplane for named channels, with optional history
 * (a capped stream per channel) and presence (members with instance
 * heartbeats).
 *
 * ```ts
 * import { channel } from 'weft';
 * import { redis } from 'weft/redis';
 * const backplane = redis(process.env.REDIS_URL!);
 * const [tx] = channel<ChatEvent>(256, { name: 'room:lobby', backplane, history: 50 });
 * ```
 *
 * One weft channel is one Redis channel (`prefix + name`); each `send` is one
 * PUBLISH (or SPUBLISH with `sharded`), never one per recipient or worker.
 * Built on ioredis; weft re-subscribes every channel after a reconnect itself.
 *
 * Redis down: local delivery goes on and `send` neither throws nor waits.
 * Messages wait in a bounded buffer (`bufferSize`) and go out in order once
 * Redis is back; what overflows is dropped, counted in `stats.dropped`, and
 * seen as `LaggedError(n)` by receivers elsewhere. The outage is logged once.
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * ioredis's (url, options) constructor, named alone: under
 * `exactOptionalPropertyTypes` TypeScript cannot pick it out of ioredis's
 * eight overloads when the whole project is checked.
 */
const RedisClient = Redis as unknown as new (url: string, options: RedisOptions) => Redis;

import type { Logger } from 'pino';
import type { Backplane, BackplaneLink } from '../broadcast/backplane.js';

export interface RedisBackplaneOptions {
  /** Prefix of every key and channel. @default 'weft:' */
  prefix?: string | undefined;
  /** Messages kept while Redis is unreachable; older ones are dropped past it. @default 1024 */
  bufferSize?: number | undefined;
  /** Use Redis 7 sharded pub/sub (SPUBLISH / SSUBSCRIBE). @default false */
  sharded?: boolean | undefined;
  /** A member of a presence set leaves when its instance has not been heard from for this long. @default 10000 */
  presenceTtlMs?: number | undefined;
  /** Where the outage and recovery are logged. */
  logger?: Logger | false | undefined;
  /** More ioredis options (TLS comes from a `rediss://` URL). */
  redis?: RedisOptions | undefined;
}

/** A member of a presence set. */
export interface PresenceMember {
  /** The id given to `add`, unique within this instance. */
  id: string;
  /** The instance that added it. */
  instance: string;
  data: string;
}

/** Who is in a named set (a chat room), across instances. */
export interface Presence {
  add(id: string, data: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** Every member, from every live instance. */
  members(): Promise<PresenceMember[]>;
}

export interface BackplaneStats {
  /** Messages handed to Redis. */
  published: number;
  /** Messages waiting for Redis to come back. */
  buffered: number;
  /** Messages dropped because the buffer was full (seen as lag elsewhere). */
  dropped: number;
}

/** Where one link publishes (made once per link, not per message). */
interface Target {
  channel: string;
  historyKey: string;
}

/** A Redis backplane. Create one per process and pass it to every named channel. */
export class RedisBackplane implements Backplane {
  /** This process's id in presence sets and heartbeats. */
  readonly instance = randomBytes(8).toString('hex');
  readonly stats: BackplaneStats = { published: 0, buffered: 0, dropped: 0 };
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly bufferSize: number;
  private readonly sharded: boolean;
  private readonly logger: Logger | undefined;
  private readonly ttlMs: number;
  private readonly buffer: { target: Target; message: string }[] = [];
  private readonly handlers = new Map<string, Set<(m: string) => void>>();
  /** Per channel, the longest history any link of it here asked for: every sender of the name writes to it. */
  private readonly histories = new Map<string, number>();
  private readonly subscribing = new Map<string, Promise<void>>();
  private up = false;
  private outage = false;
  private closed = false;
  /** Presence entries added here: re-added if this instance was taken for dead during an outage. */
  private readonly mine = new Map<string, Map<string, string>>();
  private readonly expiredListeners = new Set<(name: string, members: PresenceMember[]) => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** Which of the subscriber's connections (counted by `ready`) the re-subscription below is for. */
  private subGeneration = 0;
  /** Every channel is subscribed again on the subscriber's current connection. */
  private resubscribed = false;

  constructor(url: string, options: RedisBackplaneOptions = {}) {
    if (!/^rediss?:\/\//.test(url))
      throw new TypeError(`weft/redis: expected a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
    this.prefix = options.prefix ?? 'weft:';
    this.bufferSize = options.bufferSize ?? 1024;
    this.sharded = options.sharded ?? false;
    this.logger = options.logger === false ? undefined : options.logger;
    this.ttlMs = options.presenceTtlMs ?? 10_000;
    if (!(this.bufferSize >= 0) || !(this.ttlMs >= 100))
      throw new RangeError('weft/redis: bufferSize >= 0 and presenceTtlMs >= 100');
    const base: RedisOptions = { ...options.redis, lazyConnect: false };
    // No offline queue on the publisher: weft buffers (bounded) itself, ioredis's queue is unbounded.
    const pubOptions: RedisOptions = { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0 };
    // weft re-subscribes itself (`resubscribe`): ioredis's own re-subscription leaves a SUBSCRIBE that fails
    // (the connection closes before Redis answers it) as an unhandled rejection, which ends a Node process.
    const subOptions: RedisOptions = { ...base, autoResubscribe: false };
    this.pub = new RedisClient(url, pubOptions);
    this.sub = new RedisClient(url, subOptions);
    this.pub.on('ready', () => this.ready());
    this.pub.on('error', (err) => this.down(err));
    this.pub.on('close', () => this.down());
    this.sub.on('error', (err) => this.logger?.debug({ err }, 'weft/redis: subscriber connection error'));
    this.sub.on('ready', () => this.resubscribe());
    this.sub.on('close', () => this.down());
    this.sub.on(this.sharded ? 'smessage' : 'message', (ch: string, m: string) => {
      const hs = this.handlers.get(ch);
      if (hs) for (const h of hs) h(m);
    });
  }

  /** Whether both connections are up (publishing, and subscribed again after an outage). */
  get connected(): boolean {
    return this.up && this.sub.status === 'ready' && this.resubscribed;
  }

  /**
   * The subscriber (re)connected: subscribe to every open channel on the new
   * connection, and count the outage over once Redis answered them all. On
   * the first connection this repeats the subscriptions queued before it (a
   * SUBSCRIBE to a channel already subscribed changes nothing), so a channel
   * whose queued SUBSCRIBE was given up on is subscribed all the same.
   */
  private resubscribe(): void {
    if (this.closed) return;
    const generation = ++this.subGeneration;
    this.resubscribed = this.handlers.size === 0;
    // `subscribe` never rejects (a failure is logged): this settles once Redis answered every one.
    void Promise.all([...this.handlers.keys()].map((channel) => this.subscribe(channel, true))).then(() => {
      if (generation !== this.subGeneration) return; // a later connection's own re-subscription decides
      this.resubscribed = true;
      this.ready();
    });
  }

  open(name: string, onMessage: (message: string) => void, options: { history?: number } = {}): BackplaneLink {
    const channel = this.prefix + name;
    const historyKey = `${this.prefix}history:${name}`;
    const target: Target = { channel, historyKey };
    this.histories.set(channel, Math.max(this.histories.get(channel) ?? 0, options.history ?? 0));
    let hs = this.handlers.get(channel);
    if (!hs) {
      this.handlers.set(channel, (hs = new Set()));
      this.subscribing.set(channel, this.subscribe(channel, true));
    }
    hs.add(onMessage);
    const set = hs;
    // Wait for the subscription only while Redis is there to answer (on the subscriber's connection, even while
    // the other channels' re-subscriptions are in flight); during an outage there is nothing to wait for.
    const answering = this.up && this.sub.status === 'ready';
    const ready = answering ? (this.subscribing.get(channel) ?? Promise.resolve()) : Promise.resolve();
    return {
      ready,
      publish: (message) => this.publish(target, message),
      history: async (n) => {
        const rows = (await this.pub.xrevrange(historyKey, '+', '-', 'COUNT', n)) as [string, string[]][];
        return rows.reverse().map(([, fields]) => fields[1] ?? '');
      },
      // Redis answers a subscriber's PING after every message published before it: a barrier.
      barrier: () =>
        this.sub.status === 'ready'
          ? this.sub.ping().then(() => undefined)
          : Promise.reject(new Error('weft/redis: the subscriber connection is down')),
      close: () => {
        if (set.delete(onMessage) && set.size === 0 && this.handlers.get(channel) === set) {
          this.handlers.delete(channel);
          this.subscribing.delete(channel);
          void this.subscribe(channel, false);
        }
      },
    };
  }

  private subscribe(channel: string, on: boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    const p = this.sharded
      ? on
        ? this.sub.ssubscribe(channel)
        : this.sub.sunsubscribe(channel)
      : on
        ? this.sub.subscribe(channel)
        : this.sub.unsubscribe(channel);
    // While Redis is down the command waits in the subscriber's queue; `resubscribe` repeats it on reconnect.
    return p.then(
      () => undefined,
      (err: unknown) => {
        if (!this.closed) this.logger?.warn({ err, channel }, 'weft/redis: subscribe failed');
      },
    );
  }

  /** Resolves true once both connections are up, or false after `timeoutMs` (Redis is down: weft serves locally meanwhile). */
  async whenConnected(timeoutMs = 5000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.connected) {
      if (Date.now() >= end || this.closed) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  private publish(target: Target, message: string): void {
    if (this.closed) return;
    if (!this.up || this.buffer.length > 0) {
      this.buffer.push({ target, message });
      if (this.buffer.length > this.bufferSize) {
        this.buffer.shift();
        this.stats.dropped++;
      }
      this.stats.buffered = this.buffer.length;
      if (this.up) this.flush();
      return;
    }
    this.send(target, message);
  }

  /** A publish that failed in flight is lost; the receivers elsewhere see the gap as lag. */
  private readonly lost = (err: unknown) => this.logger?.debug({ err }, 'weft/redis: a publish was lost');

  private send(t: Target, message: string): void {
    this.stats.published++;
    const history = this.histories.get(t.channel) ?? 0;
    if (history > 0) {
      // One transaction (a pipeline in sharded mode, where the two keys may live on different shards):
      // a history read then never holds a value whose publish is still to come.
      this.pub[this.sharded ? 'pipeline' : 'multi']()
        .xadd(t.historyKey, 'MAXLEN', '~', history, '*', 'm', message)
        [this.sharded ? 'spublish' : 'publish'](t.channel, message)
        .exec()
        .catch(this.lost);
    } else if (this.sharded) this.pub.spublish(t.channel, message).catch(this.lost);
    else this.pub.publish(t.channel, message).catch(this.lost);
  }

  private flush(): void {
    while (this.up && this.buffer.length > 0) {
      const p = this.buffer.shift() as { target: Target; message: string };
      this.send(p.target, p.message);
    }
    this.stats.buffered = this.buffer.length;
  }

  /** Either connection is ready: publish what waited; once both are, the outage is over. */
  private ready(): void {
    if (this.closed) return;
    if (this.pub.status === 'ready' && !this.up) {
      this.up = true;
      this.flush();
      // Members added while Redis was away (or before it first answered) go in now.
      if (this.mine.size > 0)
        this.restore().catch((err: unknown) => this.logger?.debug({ err }, 'weft/redis: presence restore failed'));
      if (this.heartbeat) this.beat();
    }
    if (this.outage && this.connected) {
      this.outage = false;
      this.logger?.info({ dropped: this.stats.dropped }, 'weft/redis: reconnected');
    }
  }

  /** Either connection dropped: log the outage once, until both are back. */
  private down(err?: Error): void {
    if (this.closed) return;
    if (this.pub.status !== 'ready') this.up = false;
    if (this.outage) return;
    this.outage = true;
    this.logger?.warn(
      { err: err?.message, bufferSize: this.bufferSize },
      'weft/redis: Redis unreachable; delivering locally and buffering until it is back',
    );
  }

  /** Who is in `name` across every instance. Members of an instance that stops heartbeating are removed within `presenceTtlMs` plus a quarter of it. */
  presence(name: string): Presence {
    this.heartbeat ??= this.startHeartbeat();
    const key = `${this.prefix}presence:${name}`;
    const rooms = `${this.prefix}rooms:${this.instance}`;
    let mine = this.mine.get(name);
    if (!mine) this.mine.set(name, (mine = new Map()));
    const local = mine;
    return {
      add: async (id, data) => {
        local.set(id, data);
        await this.pub.multi().hset(key, `${this.instance}|${id}`, data).sadd(rooms, name).exec();
      },
      remove: async (id) => {
        local.delete(id);
        await this.pub.hdel(key, `${this.instance}|${id}`);
      },
      members: async () => parseMembers(await this.pub.hgetall(key)),
    };
  }

  /** Called on one instance (whichever noticed first) with the members of an instance found dead. */
  onExpired(listener: (name: string, members: PresenceMember[]) => void): () => void {
    this.expiredListeners.add(listener);
    return () => this.expiredListeners.delete(listener);
  }

  private startHeartbeat(): NodeJS.Timeout {
    const t = setInterval(() => this.beat(), Math.max(25, Math.floor(this.ttlMs / 4)));
    t.unref();
    queueMicrotask(() => this.beat());
    return t;
  }

  private beat(): void {
    if (!this.up || this.closed) return;
    const instances = `${this.prefix}instances`;
    void (async () => {
      const res = await this.pub
        .multi()
        .set(`${this.prefix}alive:${this.instance}`, '1', 'PX', this.ttlMs)
        .zadd(instances, 0, this.instance)
        .zrange(instances, '0', '-1')
        .exec();
      if (this.closed) return;
      const added = Number(res?.[1]?.[1] ?? 0);
      if (added === 1) await this.restore();
      const others = ((res?.[2]?.[1] as string[] | undefined) ?? []).filter((i) => i !== this.instance);
      if (others.length === 0) return;
      const checks = await Promise.all(others.map((i) => this.pub.exists(`${this.prefix}alive:${i}`)));
      for (const [k, i] of others.entries()) if (checks[k] === 0) await this.reap(i);
    })().catch((err: unknown) => this.logger?.debug({ err }, 'weft/redis: heartbeat failed'));
  }

  /** This instance was taken for dead (a long outage): put its members back. */
  private async restore(): Promise<void> {
    if (this.closed) return;
    const rooms = `${this.prefix}rooms:${this.instance}`;
    const m = this.pub.multi();
    let n = 0;
    for (const [name, members] of this.mine) {
      for (const [id, data] of members) {
        m.hset(`${this.prefix}presence:${name}`, `${this.instance}|${id}`, data).sadd(rooms, name);
        n++;
      }
    }
    if (n > 0) await m.exec();
    else m.discard();
  }

  /** Remove a dead instance's members; only the instance whose ZREM wins reports them. */
  private async reap(instance: string): Promise<void> {
    if ((await this.pub.zrem(`${this.prefix}instances`, instance)) !== 1) return;
    const rooms = `${this.prefix}rooms:${instance}`;
    for (const name of await this.pub.smembers(rooms)) {
      const key = `${this.prefix}presence:${name}`;
      const all = await this.pub.hgetall(key);
      const fields = Object.keys(all).filter((f) => f.startsWith(`${instance}|`));
      if (fields.length === 0) continue;
      await this.pub.hdel(key, ...fields);
      const members = parseMembers(Object.fromEntries(fields.map((f) => [f, all[f] as string])));
      this.logger?.info(
        { instance, name, members: members.length },
        'weft/redis: removed the members of a dead instance',
      );
      for (const l of this.expiredListeners) l(name, members);
    }
    await this.pub.del(rooms);
  }

  /** Close both connections. Channels opened on it stop hearing other instances. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true; // first: a heartbeat in flight must not put members back after they left
    if (this.heartbeat) clearInterval(this.heartbeat);
    // Leave presence sets cleanly, so others need not wait for the heartbeat to lapse.
    if (this.pub.status === 'ready' && this.mine.size > 0) {
      const m = this.pub.multi();
      for (const [name, members] of this.mine) {
        for (const id of members.keys()) m.hdel(`${this.prefix}presence:${name}`, `${this.instance}|${id}`);
      }
      m.del(`${this.prefix}alive:${this.instance}`, `${this.prefix}rooms:${this.instance}`).zrem(
        `${this.prefix}instances`,
        this.instance,
      );
      await m.exec().catch(() => undefined);
    }
    this.up = false;
    // QUIT where the connection is up (it flushes what was sent); never wait on a Redis that is gone.
    const quit = (c: Redis) =>
      c.status === 'ready' ? Promise.race([c.quit(), new Promise((r) => setTimeout(r, 1000).unref())]) : undefined;
    await Promise.allSettled([quit(this.pub), quit(this.sub)]);
    this.pub.disconnect();
    this.sub.disconnect();
  }
}

function parseMembers(all: Record<string, string>): PresenceMember[] {
  const out: PresenceMember[] = [];
  for (const [field, data] of Object.entries(all)) {
    const bar = field.indexOf('|');
    if (bar > 0) out.push({ instance: field.slice(0, bar), id: field.slice(bar + 1), data });
  }
  return out;
}

/**
 * A Redis backplane for named channels (`redis://` or `rediss://`).
 *
 * @example
 * const backplane = redis('redis://127.0.0.1:6379', { logger });
 * const [tx, rx] = channel<Event>(256, { name: 'room:lobby', backplane });
 */
export function redis(url: string, options?: RedisBackplaneOptions): RedisBackplane {
  return new RedisBackplane(url, options);
}
