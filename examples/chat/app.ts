/**
 * The chat demo: warp's `path("chat").and(ws())` with a broadcast channel,
 * done properly. One named broadcast channel per room with native fan-out
 * (uWS writes each event to every socket in the room in C++), one spawned
 * task per connection. Rooms span the workers of `WORKERS=n` and, with
 * `REDIS_URL`, every instance: no sticky sessions. Without Redis, who is in
 * which room is state owned by one actor (`actor()`), which every connection
 * task reaches through its mailbox instead of sharing the maps.
 *
 * Protocol (clients depend on it):
 *   GET /                       the chat page
 *   GET /health                 {"status":"ok","connections":N,"worker":K}  N: this worker's open chat sockets
 *   WS  /chat?name=NAME         room "lobby"
 *   WS  /chat/ROOM?name=NAME    ROOM = [a-z0-9-]{1,32}; NAME = [A-Za-z0-9_-]{1,32}, missing -> guest-N;
 *                               anything else -> HTTP 400 before any upgrade
 *   server -> client  {"type":"welcome","id","name","room","users":[names],"history":[last 50 messages]}
 *                       a weft client coming back (weft/client reconnects by itself and hands back where
 *                       it was) gets {..., "history":[], "resumed":true}: what it missed is replayed after
 *                       the welcome (the room's messages, joins and leaves, in order and once) or reported
 *                       lost, by the weft.v1 protocol; it is announced again with a join like any joiner
 *                     {"type":"join","name"} / {"type":"leave","name"}   to the others in the room
 *                     {"type":"message","id","from","text","ts"}         to everyone in the room
 *                     {"type":"error","message"}                          bad client frame; the socket stays open
 *   client -> server  {"type":"message","text":"1..2000 chars"}
 *   Frames over 64 KiB close the socket; more than 20 messages/s sustained (burst 40) closes it with 1008.
 *   Each connection is in one room. One client address may hold 64 connections and 16 rooms at once
 *   (per instance; `limits`): past either, the handshake is answered 429 before any upgrade.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  type ActorRef,
  actor,
  addr,
  type Backplane,
  channel,
  cspNonce,
  get,
  HttpRejection,
  health,
  InvalidPath,
  path,
  query,
  type Receiver,
  reject,
  reply,
  type Sender,
  secureHeaders,
  str,
  type WsSocket,
  ws,
} from '../../src/index.js';
import type { Metrics } from '../../src/metrics/index.js';
import type { RedisBackplane } from '../../src/redis/index.js';
import { PAGE_SCRIPT, page } from './page.js';

/** What a client sends: `{"type":"message","text":"1..2000 chars"}` (the route's `ws({ receive })`). */
export const ClientFrame = z.object({ type: z.literal('message'), text: z.string().min(1).max(2000) });
export type ClientFrame = z.infer<typeof ClientFrame>;

/** A chat message, to everyone in the room and in the history. */
export const MessageEvent = z.object({
  type: z.literal('message'),
  /** Unique across instances: `<instance>-m<n>`. */
  id: z.string(),
  from: z.string(),
  text: z.string(),
  ts: z.number(),
});
export type MessageEvent = z.infer<typeof MessageEvent>;

/** Someone joined or left the room (to the others in it). */
export const PresenceEvent = z.object({ type: z.enum(['join', 'leave']), name: z.string() });
/** What a room's channel carries to every socket in the room. */
export type RoomEvent = MessageEvent | z.infer<typeof PresenceEvent>;

/** The first event on a socket: who you are, who is here, the last messages. */
export const WelcomeEvent = z.object({
  type: z.literal('welcome'),
  id: z.string(),
  name: z.string(),
  room: z.string(),
  users: z.array(z.string()),
  /** The last messages; empty when `resumed` (the replay brings what was missed). */
  history: z.array(MessageEvent),
  /**
   * True when a weft client came back after its connection dropped: the
   * room's events it missed follow, replayed, so it keeps what it shows.
   */
  resumed: z.literal(true).optional(),
});

/** A bad client frame; the socket stays open. */
export const ErrorEvent = z.object({ type: z.literal('error'), message: z.string() });

/** Everything the server sends on a chat socket (the route's `ws({ send })`). */
export const ServerEvent = z.union([WelcomeEvent, MessageEvent, PresenceEvent, ErrorEvent]);
export type ServerEvent = z.infer<typeof ServerEvent>;

const ROOM = /^[a-z0-9-]{1,32}$/;
const NameQuery = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'name must be 1-32 letters, digits, _ or -')
    .optional(),
});

export const HISTORY = 50;
/** What a room's channel keeps: the last 50 messages, with room for the joins and leaves between them. */
const ROOM_HISTORY = HISTORY * 4;
/**
 * How long a room nobody is in stays open (its channel, and without Redis its
 * history), so a lone client whose connection dropped comes back to it and
 * resumes; at most MAX_IDLE_ROOMS such rooms per instance (the oldest go first).
 */
export const ROOM_LINGER_MS = 60_000;
const MAX_IDLE_ROOMS = 256;
export const RATE = { perSecond: 20, burst: 40 };

/** What one client address may hold at once, per instance: every socket and every room costs memory. */
export interface ChatLimits {
  /** Open chat sockets from one address. @default 64 */
  connectionsPerAddress: number;
  /** Distinct rooms those sockets are in (each room is a named channel). @default 16 */
  roomsPerAddress: number;
}
export const DEFAULT_LIMITS: ChatLimits = { connectionsPerAddress: 64, roomsPerAddress: 16 };

/** 429: a client address already holds as many connections or rooms as it may. */
class TooManyFromAddress extends HttpRejection {
  readonly name = 'TooManyFromAddress';
  readonly status = 429;
  readonly title = 'Too Many Requests';
}

/** What each client address holds: its open sockets, and how many of them are in each room. */
class AddressTable {
  private readonly held = new Map<string, { connections: number; rooms: Map<string, number> }>();

  constructor(readonly limits: ChatLimits) {}

  /** Why `address` may not open a socket in `room` now, or undefined when it may. */
  refusal(address: string, room: string): string | undefined {
    const h = this.held.get(address);
    if (h === undefined) return undefined;
    if (h.connections >= this.limits.connectionsPerAddress) {
      return `at most ${this.limits.connectionsPerAddress} chat connections per client address`;
    }
    if (!h.rooms.has(room) && h.rooms.size >= this.limits.roomsPerAddress) {
      return `at most ${this.limits.roomsPerAddress} rooms per client address`;
    }
    return undefined;
  }

  /** Count a socket in; false (and nothing counted) when a limit is reached. */
  take(address: string, room: string): boolean {
    if (this.refusal(address, room) !== undefined) return false;
    let h = this.held.get(address);
    if (h === undefined) this.held.set(address, (h = { connections: 0, rooms: new Map() }));
    h.connections++;
    h.rooms.set(room, (h.rooms.get(room) ?? 0) + 1);
    return true;
  }

  release(address: string, room: string): void {
    const h = this.held.get(address);
    if (h === undefined) return;
    const n = (h.rooms.get(room) ?? 1) - 1;
    if (n === 0) h.rooms.delete(room);
    else h.rooms.set(room, n);
    if (--h.connections === 0) this.held.delete(address);
  }
}

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Who is in each room: this instance's view of every instance's members. */
interface Members {
  add(room: string, key: string, name: string): Promise<void>;
  remove(room: string, key: string): Promise<void>;
  names(room: string): Promise<string[]>;
}

/** What the members actor is told or asked: local joins and leaves, a room's names, other workers' updates. */
type MembersMsg =
  | { op: 'add'; room: string; key: string; name: string }
  | { op: 'remove'; room: string; key: string }
  | { op: 'names'; room: string }
  | { op: 'remote'; m: MemberOp };

/**
 * The state of `LocalMembers`: every worker's members, and this worker's own.
 * Only the actor's task touches it, one message at a time, so the many
 * connection tasks that join and leave never race on the maps.
 */
class MemberTable {
  private readonly rooms = new Map<string, Map<string, string>>();
  private readonly mine = new Map<string, Map<string, string>>();

  constructor(
    private readonly worker: number,
    private readonly tx: Sender<MemberOp>,
  ) {}

  /** Apply one message; answer with the names in its room (none for remote updates). */
  handle(m: MembersMsg): string[] {
    if (m.op === 'add') {
      this.map(this.mine, m.room).set(m.key, m.name);
      this.map(this.rooms, m.room).set(m.key, m.name); // now, not when the echo arrives: the welcome lists the joiner
      this.tx.send({ op: 'add', room: m.room, key: m.key, name: m.name });
    } else if (m.op === 'remove') {
      this.mine.get(m.room)?.delete(m.key);
      this.rooms.get(m.room)?.delete(m.key);
      this.tx.send({ op: 'remove', room: m.room, key: m.key });
    } else if (m.op === 'remote') {
      this.remote(m.m);
      return [];
    }
    return [...(this.rooms.get(m.room)?.values() ?? [])];
  }

  private remote(m: MemberOp): void {
    if (m.op === 'hello') {
      if (m.worker === this.worker) return;
      for (const members of this.rooms.values())
        for (const k of members.keys()) if (k.startsWith(`${m.worker}:`)) members.delete(k);
      for (const [room, members] of this.mine)
        for (const [key, name] of members) this.tx.send({ op: 'add', room, key, name });
    } else if (m.op === 'add') this.map(this.rooms, m.room).set(m.key, m.name);
    else this.rooms.get(m.room)?.delete(m.key);
  }

  private map(of: Map<string, Map<string, string>>, room: string): Map<string, string> {
    let r = of.get(room);
    if (!r) of.set(room, (r = new Map()));
    return r;
  }
}

/**
 * Members without Redis: a replicated map kept in step over the named channel
 * `chat:members`, which spans the workers of a `workers()` pool (and is just
 * local in a single process). A worker that starts says hello; the others
 * answer with their own members, and forget those of the worker it replaces.
 * The map is owned by an actor: connection tasks and the channel follower
 * reach it only through the actor's mailbox.
 */
class LocalMembers implements Members {
  private readonly table: ActorRef<MembersMsg, string[]>;

  constructor(worker: number, logger: Logger | undefined) {
    const [tx, rx] = channel<MemberOp>(4096, { name: 'chat:members' });
    this.table = actor(
      () => new MemberTable(worker, tx),
      (t, m: MembersMsg) => t.handle(m),
      { name: 'chat-members', capacity: 1024, logger },
    );
    void this.follow(rx);
    tx.send({ op: 'hello', worker });
  }

  private async follow(rx: Receiver<MemberOp>): Promise<void> {
    for await (const m of rx) await this.table.send({ op: 'remote', m }); // waits for room: nothing is dropped
  }

  async add(room: string, key: string, name: string): Promise<void> {
    await this.table.send({ op: 'add', room, key, name });
  }

  async remove(room: string, key: string): Promise<void> {
    await this.table.send({ op: 'remove', room, key });
  }

  names(room: string): Promise<string[]> {
    return this.table.ask({ op: 'names', room }); // after this connection's add: the mailbox keeps order
  }
}

type MemberOp =
  | { op: 'hello'; worker: number }
  | { op: 'add'; room: string; key: string; name: string }
  | { op: 'remove'; room: string; key: string };

/** Members in Redis (weft/redis presence): they span instances, and a dead instance's members leave. */
class RedisMembers implements Members {
  constructor(private readonly backplane: RedisBackplane) {}
  add(room: string, key: string, name: string): Promise<void> {
    return this.backplane.presence(`chat:${room}`).add(key, name);
  }
  remove(room: string, key: string): Promise<void> {
    return this.backplane.presence(`chat:${room}`).remove(key);
  }
  async names(room: string): Promise<string[]> {
    return (await this.backplane.presence(`chat:${room}`).members()).map((m) => m.data);
  }
}

class Room {
  readonly tx: Sender<RoomEvent>;
  sessions = 0;
  /** Set while nobody is in the room: closes it when it fires. */
  idle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly name: string,
    backplane: Backplane | undefined,
  ) {
    // Named: the room spans every worker, and every instance through Redis. Sockets receive
    // natively; history is the last 50 messages (in Redis with a backplane, else in memory).
    const [tx, rx] = channel<RoomEvent>(256, { name: `chat:room:${name}`, backplane, history: ROOM_HISTORY });
    rx.close(); // sockets receive natively; a receiver nobody reads would keep 256 events alive
    this.tx = tx;
  }

  async history(): Promise<MessageEvent[]> {
    const events = await this.tx.history();
    return events.filter((e): e is MessageEvent => e.type === 'message').slice(-HISTORY);
  }
}

export interface ChatOptions {
  /** The Redis backplane that joins instances into one chat. */
  backplane?: RedisBackplane | undefined;
  /** This worker's id (for /health and member keys). @default 0 */
  worker?: number | undefined;
  logger?: Logger | undefined;
  /** Prometheus metrics, served at GET /metrics (pass the same to `serve`). */
  metrics?: Metrics | undefined;
  /** Per-address limits. @default DEFAULT_LIMITS */
  limits?: Partial<ChatLimits> | undefined;
  /**
   * The page's script (page/main.ts bundled: `bundlePage()` in page.ts), served at
   * GET /main.js. Without it /main.js is 404 (a chat served only to socket clients).
   */
  script?: string | undefined;
}

/** A chat socket on the server: it reads `ClientFrame`s and sends `ServerEvent`s (as JSON). */
type ChatSocket = WsSocket<ClientFrame, z.input<typeof ServerEvent>>;

/** The chat state and routes. `connections` counts open chat sockets. */
export class Chat {
  private readonly rooms = new Map<string, Room>();
  /** Rooms nobody is in, oldest first (see `linger`). */
  private readonly idleRooms = new Set<Room>();
  private readonly members: Members;
  private readonly instance = randomBytes(4).toString('hex');
  private readonly worker: number;
  private nextConn = 0;
  private nextGuest = 0;
  private nextMessage = 0;
  private readonly addresses: AddressTable;
  connections = 0;

  constructor(private readonly options: ChatOptions = {}) {
    this.worker = options.worker ?? 0;
    this.addresses = new AddressTable({ ...DEFAULT_LIMITS, ...options.limits });
    const bp = options.backplane;
    this.members = bp ? new RedisMembers(bp) : new LocalMembers(this.worker, options.logger);
    // Members of a crashed instance: whoever notices tells their rooms they left.
    bp?.onExpired((name, gone) => {
      if (!name.startsWith('chat:')) return;
      const room = name.slice(5);
      // With the room's history: a sender without it publishes past the stream, and a client
      // resuming the room would miss these leaves without a word.
      const [tx] = channel<RoomEvent>(1, { name: `chat:room:${room}`, backplane: bp, history: ROOM_HISTORY });
      for (const m of gone) tx.send({ type: 'leave', name: m.data });
      tx.close();
    });
  }

  private room(name: string): Room {
    let r = this.rooms.get(name);
    if (!r) this.rooms.set(name, (r = new Room(name, this.options.backplane)));
    else if (r.idle !== undefined) {
      clearTimeout(r.idle);
      r.idle = undefined;
      this.idleRooms.delete(r);
    }
    return r;
  }

  /** The last one left `room`: keep it a while for a client coming back, then close it. */
  private linger(room: Room): void {
    room.idle = setTimeout(() => this.closeRoom(room), ROOM_LINGER_MS);
    room.idle.unref?.();
    this.idleRooms.add(room);
    if (this.idleRooms.size > MAX_IDLE_ROOMS) {
      const oldest = this.idleRooms.values().next().value;
      if (oldest !== undefined) this.closeRoom(oldest);
    }
  }

  private closeRoom(room: Room): void {
    clearTimeout(room.idle);
    room.idle = undefined;
    this.idleRooms.delete(room);
    if (this.rooms.get(room.name) === room) this.rooms.delete(room.name);
    room.tx.close();
  }

  /** One connection's task: welcome, join, relay messages, leave. */
  private async session(socket: ChatSocket, roomName: string, name: string, address: string): Promise<void> {
    // Checked at the handshake too; counted here, where the socket is known to be open (no leak if it never opens).
    if (!this.addresses.take(address, roomName)) {
      socket.close(1008, this.addresses.refusal(address, roomName) ?? 'too many connections');
      return;
    }
    const room = this.room(roomName);
    room.sessions++;
    const id = `${this.instance}-${++this.nextConn}`;
    const key = `${this.worker}:${id}`;
    this.connections++;
    try {
      // A weft client coming back: `subscribe` replays what it missed, so no history in the welcome.
      const resumed = socket.resumes(room.tx);
      await this.members.add(room.name, key, name).catch((err: unknown) => this.log(err));
      const [users, history] = await Promise.all([
        this.members.names(room.name).catch((err: unknown) => {
          this.log(err);
          return [name];
        }),
        resumed
          ? []
          : room.history().catch((err: unknown) => {
              this.log(err);
              return [];
            }),
        room.tx.ready(), // subscribed: what others send after the welcome reaches this socket
      ]);
      socket.send({ type: 'welcome', id, name, room: room.name, users, history, ...(resumed && { resumed }) });
      room.tx.send({ type: 'join', name }); // before subscribing: the others hear it (a returning joiner too, in its replay)
      socket.subscribe(room.tx);
      const bucket = new TokenBucket(RATE.perSecond, RATE.burst);
      for await (const m of socket.messages()) {
        if (!bucket.take()) {
          socket.close(1008, 'rate limit exceeded');
          break;
        }
        if (!m.success) {
          const detail = m.error.issues?.[0];
          socket.send({
            type: 'error',
            message: detail ? `${detail.path.join('.') || 'frame'}: ${detail.message}` : m.error.message,
          });
          continue;
        }
        const ev: MessageEvent = {
          type: 'message',
          id: `${this.instance}-m${++this.nextMessage}`,
          from: name,
          text: m.data.text,
          ts: Date.now(),
        };
        room.tx.send(ev);
      }
    } finally {
      this.addresses.release(address, roomName);
      this.connections--;
      void this.members.remove(room.name, key).catch((err: unknown) => this.log(err));
      room.tx.send({ type: 'leave', name });
      if (--room.sessions === 0) this.linger(room);
    }
  }

  private log(err: unknown): void {
    this.options.logger?.warn({ err }, 'chat: shared state unavailable; serving from what this instance knows');
  }

  /**
   * All routes: the page and its script (GET /, GET /main.js), health (/health readiness,
   * /health/live), /metrics, and the chat socket. Not annotated: the inferred type is the
   * route shape the typed client reads (`ChatRoutes`).
   */
  routes() {
    const roomName = path('chat')
      .map(() => 'lobby')
      .or(
        path('chat', str.as('room')).andThen((r) =>
          ROOM.test(r) ? r : reject.with(new InvalidPath('room must be 1-32 characters from [a-z0-9-]')),
        ),
      );
    const socket = roomName
      .and(query(NameQuery))
      .and(ws({ maxPayload: 64 * 1024, idleTimeout: 120, receive: ClientFrame, send: ServerEvent }))
      .and(addr.remote())
      .andThen((room, q, upgrade, address) => {
        const refused = this.addresses.refusal(address, room);
        if (refused !== undefined) return reject.with(new TooManyFromAddress(refused));
        const name = q.name ?? `guest-${++this.nextGuest}`;
        return upgrade.onUpgrade((s) => this.session(s, room, name, address));
      });
    const home = get()
      .and(path())
      .and(cspNonce())
      .map((nonce) => reply.html(page(nonce)));
    const script = this.options.script;
    const pageScript = get()
      .and(path(PAGE_SCRIPT))
      .andThen(() =>
        script === undefined
          ? reject.notFound()
          : reply
              .text(script)
              .header('content-type', 'text/javascript; charset=utf-8')
              .header('cache-control', 'no-cache'),
      );
    const probes = health({ info: () => ({ connections: this.connections, worker: this.worker }) });
    const m = this.options.metrics;
    const routes = home.or(pageScript).or(probes).or(socket);
    return (m ? path('metrics').and(m.route()).or(routes) : routes).with(secureHeaders());
  }
}

/** The chat's routes, as the typed client reads them: `client<ChatRoutes>(origin)` (see page/main.ts). */
export type ChatRoutes = ReturnType<Chat['routes']>;
