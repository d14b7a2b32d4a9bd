/**
 * The worker bus: the backplane named channels use by default inside a
 * `workers()` pool. Threads talk through `BroadcastChannel`; processes
 * (cluster) through the primary, which relays each message to the other
 * workers.
 */
import cluster from 'node:cluster';
import { BroadcastChannel } from 'node:worker_threads';
import type { PoolMode } from '../runtime/pool.js';
import type { Backplane, BackplaneLink } from './backplane.js';

let bus: Backplane | undefined;

/** @internal called by `workers()` in a worker: named channels without a backplane use the bus. */
export function joinBus(mode: PoolMode): void {
  bus = mode === 'threads' ? threadBus() : processBus();
}

/** The worker bus inside a pool; `undefined` elsewhere. */
export function workerBus(): Backplane | undefined {
  return bus;
}

/** @internal a message between workers, relayed by the primary in process mode */
export interface BusMessage {
  weft: 'bus';
  name: string;
  m: string;
}

export function isBusMessage(m: unknown): m is BusMessage {
  return typeof m === 'object' && m !== null && (m as { weft?: unknown }).weft === 'bus';
}

/** Links of one name in this thread: they hear each other directly, other workers through `post`. */
class Topic {
  readonly handlers = new Set<(m: string) => void>();
  constructor(readonly close: () => void) {}

  link(onMessage: (m: string) => void, post: (m: string) => void): BackplaneLink {
    this.handlers.add(onMessage);
    return {
      publish: (m) => {
        post(m);
        for (const h of this.handlers) if (h !== onMessage) h(m);
      },
      close: () => {
        if (this.handlers.delete(onMessage) && this.handlers.size === 0) this.close();
      },
    };
  }

  dispatch(m: string): void {
    for (const h of this.handlers) h(m);
  }
}

function threadBus(): Backplane {
  const topics = new Map<string, { topic: Topic; bc: BroadcastChannel }>();
  return {
    open(name, onMessage) {
      let t = topics.get(name);
      if (!t) {
        const bc = new BroadcastChannel(`weft:bus:${name}`);
        const topic = new Topic(() => {
          topics.delete(name);
          bc.close();
        });
        bc.onmessage = (ev) => topic.dispatch((ev as { data: string }).data);
        (bc as unknown as { unref(): void }).unref();
        topics.set(name, (t = { topic, bc }));
      }
      const bc = t.bc;
      return t.topic.link(onMessage, (m) => bc.postMessage(m));
    },
  };
}

function processBus(): Backplane {
  const topics = new Map<string, Topic>();
  process.on('message', (msg: unknown) => {
    if (isBusMessage(msg)) topics.get(msg.name)?.dispatch(msg.m);
  });
  return {
    open(name, onMessage) {
      let t = topics.get(name);
      if (!t) topics.set(name, (t = new Topic(() => topics.delete(name))));
      return t.link(onMessage, (m) => {
        if (cluster.isWorker && process.connected) process.send?.({ weft: 'bus', name, m } satisfies BusMessage);
      });
    },
  };
}
