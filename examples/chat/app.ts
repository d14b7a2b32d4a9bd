/**
 * The chat demo: warp's `path("chat").and(ws())` with a broadcast channel,
 * done properly. One broadcast channel per room with native fan-out (uWS
 * writes each event to every socket in the room in C++), one spawned task per
 * connection.
 *
 * Protocol (clients depend on it):
 *   GET /                       the chat page
 *   GET /health                 {"status":"ok","connections":N}
 *   WS  /chat?name=NAME         room "lobby"
 *   WS  /chat/ROOM?name=NAME    ROOM = [a-z0-9-]{1,32}; NAME = [A-Za-z0-9_-]{1,32}, missing -> guest-N;
 *                               anything else -> HTTP 400 before any upgrade
 *   server -> client  {"type":"welcome","id","name","room","users":[names],"history":[last 50 messages]}
 *                     {"type":"join","name"} / {"type":"leave","name"}   to the others in the room
 *                     {"type":"message","id","from","text","ts"}         to everyone in the room
 *                     {"type":"error","message"}                          bad client frame; the socket stays open
 *   client -> server  {"type":"message","text":"1..2000 chars"}
 *   Frames over 64 KiB close the socket; more than 20 messages/s sustained (burst 40) closes it with 1008.
 */
import { z } from 'zod';
import {
  type Filter,
  InvalidPath,
  type Reply,
  type Sender,
  type WsSocket,
  channel,
  get,
  path,
  query,
  reject,
  reply,
  str,
  ws,
} from '../../src/index.js';
import { PAGE } from './page.js';

export interface MessageEvent {
  type: 'message';
  id: number;
  from: string;
  text: string;
  ts: number;
}
export type RoomEvent = MessageEvent | { type: 'join' | 'leave'; name: string };

const ROOM = /^[a-z0-9-]{1,32}$/;
const NameQuery = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'name must be 1-32 letters, digits, _ or -')
    .optional(),
});
const ClientFrame = z.object({ type: z.literal('message'), text: z.string().min(1).max(2000) });

export const HISTORY = 50;
export const RATE = { perSecond: 20, burst: 40 };

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

class Room {
  readonly users = new Map<number, string>();
  readonly history: MessageEvent[] = [];
  readonly tx: Sender<RoomEvent>;

  constructor(readonly name: string) {
    const [tx, rx] = channel<RoomEvent>(256);
    rx.unsubscribe(); // the sockets receive natively; no JS receiver needed
    this.tx = tx;
  }

  /** Publish to every socket in the room (none yet is fine). */
  publish(ev: RoomEvent): void {
    if (this.tx.socketCount > 0 || this.tx.receiverCount > 0) this.tx.send(ev);
  }

  remember(ev: MessageEvent): void {
    this.history.push(ev);
    if (this.history.length > HISTORY) this.history.shift();
  }
}

/** The chat state and routes. `connections` counts open chat sockets. */
export class Chat {
  private readonly rooms = new Map<string, Room>();
  private nextConn = 0;
  private nextGuest = 0;
  private nextMessage = 0;
  connections = 0;

  private room(name: string): Room {
    let r = this.rooms.get(name);
    if (!r) this.rooms.set(name, (r = new Room(name)));
    return r;
  }

  /** One connection's task: welcome, join, relay messages, leave. */
  private async session(socket: WsSocket, roomName: string, name: string): Promise<void> {
    const room = this.room(roomName);
    const id = ++this.nextConn;
    room.users.set(id, name);
    this.connections++;
    try {
      socket.sendJson({ type: 'welcome', id, name, room: room.name, users: [...room.users.values()], history: room.history });
      room.publish({ type: 'join', name }); // before subscribing: the others hear it, not the joiner
      socket.subscribe(room.tx);
      const bucket = new TokenBucket(RATE.perSecond, RATE.burst);
      for await (const m of socket.messages(ClientFrame)) {
        if (!bucket.take()) {
          socket.close(1008, 'rate limit exceeded');
          break;
        }
        if (!m.success) {
          const detail = m.error.issues?.[0];
          socket.sendJson({ type: 'error', message: detail ? `${detail.path.join('.') || 'frame'}: ${detail.message}` : m.error.message });
          continue;
        }
        const ev: MessageEvent = { type: 'message', id: ++this.nextMessage, from: name, text: m.data.text, ts: Date.now() };
        room.remember(ev);
        room.publish(ev);
      }
    } finally {
      room.users.delete(id);
      this.connections--;
      room.publish({ type: 'leave', name });
      if (room.users.size === 0) {
        this.rooms.delete(room.name);
        room.tx.close();
      }
    }
  }

  /** All routes: the page, health, and the chat socket. */
  routes(): Filter<[Reply]> {
    const roomName = path('chat')
      .map(() => 'lobby')
      .or(
        path('chat', str).andThen((r) =>
          ROOM.test(r) ? r : reject.with(new InvalidPath('room must be 1-32 characters from [a-z0-9-]')),
        ),
      );
    const socket = roomName
      .and(query(NameQuery))
      .and(ws({ maxPayload: 64 * 1024, idleTimeout: 120 }))
      .map((room, q, upgrade) => {
        const name = q.name ?? `guest-${++this.nextGuest}`;
        return upgrade.onUpgrade((s) => this.session(s, room, name));
      });
    const page = get()
      .and(path())
      .map(() => reply.html(PAGE));
    const health = get()
      .and(path('health'))
      .map(() => reply.json({ status: 'ok', connections: this.connections }));
    return page.or(health).or(socket);
  }
}
