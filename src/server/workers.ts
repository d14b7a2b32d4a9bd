/**
 * `workers(n, start)`: n workers serving one port.
 *
 * The entry script runs again in every worker, as with node:cluster; there
 * `workers()` calls `start({ id, count })` instead of starting workers. On
 * the uws reactor the workers are threads, each with its own uWS App on a
 * shared port (SO_REUSEPORT: the kernel spreads new connections), and so
 * on the bun reactor, each thread with its own Bun.serve (`reusePort`); on
 * the node reactor they are cluster processes (the primary accepts and hands
 * connections round-robin), which works on every Node from 20 to 26. Under
 * Bun, processes work too: each runs Bun.serve with `reusePort` (Linux).
 *
 * Signals reach the primary only: it tells every worker to drain (each
 * server closes as `server.close()` does, WebSockets get 1001), waits for
 * them, and exits. A worker that dies otherwise is logged and replaced.
 */
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { type BusMessage, isBusMessage, joinBus } from '../broadcast/bus.js';
import type { ReactorChoice } from '../reactor/contract.js';
import { ListenError } from '../reactor/listen-error.js';
import { defaultLogger } from '../runtime/logger.js';
import { type PoolMode, setPoolContext } from '../runtime/pool.js';
import { currentRuntime, uwsLoads } from './choose-reactor.js';

/** @internal servers listening in this thread: a pool drains them on the primary's word */
export const liveServers = new Set<{
  close(options?: { timeoutMs?: number | undefined }): Promise<void>;
  readonly port: number;
}>();

/** What `start` is told: its worker id (0..count-1) and the pool's size. */
export interface WorkerInfo {
  readonly id: number;
  readonly count: number;
}

export interface WorkersOptions {
  /**
   * Threads (each with its own uWS App or Bun.serve on a shared port) or
   * processes (node:cluster). `'auto'`: threads on uws and bun, else processes.
   * @default 'auto'
   */
  mode?: PoolMode | 'auto' | undefined;
  /** The reactor the workers' servers use, to choose the mode. @default process.env.WEFT_REACTOR, else 'auto' */
  reactor?: ReactorChoice | undefined;
  /** Logs worker starts, exits and replacements. `false` for none. */
  logger?: Logger | false | undefined;
  /** Drain on SIGTERM and SIGINT. @default true */
  signals?: boolean | undefined;
  /** How long each worker may drain before it is stopped. @default 10000 */
  shutdownTimeoutMs?: number | undefined;
}

/** The pool, as seen from the primary (or, in a worker, its own place in it). */
export interface WorkerPool {
  /** True in the primary; in a worker the code after `await workers()` runs too, with this false. */
  readonly primary: boolean;
  /** This worker's id, or -1 in the primary. */
  readonly id: number;
  readonly count: number;
  readonly mode: PoolMode;
  /** The port the workers listen on (the first one bound). */
  readonly port: number;
  /** Primary: drain every worker and wait for them to exit. In a worker: drain this one. */
  close(): Promise<void>;
}

type ToWorker = { weft: 'drain'; timeoutMs: number };
type FromWorker = { weft: 'ready'; port: number } | { weft: 'failed'; message: string } | { weft: 'closed' };

interface WorkerData {
  weft: { id: number; count: number; port: number; probe: boolean; entry: string; tsx: string | undefined };
}

/** Runs in a worker thread: load tsx when the entry needs it (Node 20 workers do not inherit `--import`), then the entry. */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  const w = workerData.weft;
  if (w.tsx) (await import(w.tsx)).register();
  await import(w.entry);
})().catch((err) => {
  require('node:worker_threads').parentPort.postMessage({ weft: 'failed', message: String(err && err.stack || err) });
  process.exit(1);
});
`;

/**
 * Run `start` in `n` workers that serve one port.
 *
 * @example
 * await workers(4, ({ id }) => serve(routes(id)).listen({ port: 3000 }));
 */
export async function workers(
  n: number,
  start: (info: WorkerInfo) => unknown,
  options: WorkersOptions = {},
): Promise<WorkerPool> {
  const inThread = !isMainThread && (workerData as Partial<WorkerData> | null)?.weft !== undefined;
  const inProcess = cluster.isWorker && process.env.WEFT_WORKER !== undefined;
  if (inThread || inProcess) return runWorker(start, inThread ? 'threads' : 'processes');
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new RangeError(`workers: n must be an integer from 1 to 1024, got ${n}`);
  const primary = new Primary(n, chooseMode(options), options);
  await primary.startAll();
  return primary;
}

function chooseMode(options: WorkersOptions): PoolMode {
  const mode = options.mode ?? 'auto';
  if (mode !== 'auto') return mode;
  const reactor = options.reactor ?? ((process.env.WEFT_REACTOR || 'auto') as ReactorChoice);
  if (reactor === 'node') return 'processes';
  // Bun.serve shares a port between threads with SO_REUSEPORT, as uWS does.
  if (currentRuntime() === 'bun') return 'threads';
  return uwsLoads() ? 'threads' : 'processes';
}

async function runWorker(start: (info: WorkerInfo) => unknown, mode: PoolMode): Promise<WorkerPool> {
  const d =
    mode === 'threads'
      ? (workerData as WorkerData).weft
      : (JSON.parse(process.env.WEFT_WORKER as string) as WorkerData['weft']);
  setPoolContext({ id: d.id, count: d.count, mode, port: d.port, probe: d.probe });
  joinBus(mode);
  const post = (m: FromWorker) => (mode === 'threads' ? parentPort?.postMessage(m) : process.send?.(m));
  let closing: Promise<void> | undefined;
  const close = (timeoutMs?: number) =>
    (closing ??= Promise.allSettled([...liveServers].map((s) => s.close({ timeoutMs }))).then(() => {
      post({ weft: 'closed' });
    }));
  const onMessage = (m: ToWorker) => {
    if (m?.weft !== 'drain') return;
    void close(m.timeoutMs).then(() => {
      // a thread whose uWS loop is still open must not exit: every server is closed by now
      setImmediate(() => process.exit(0));
    });
  };
  if (mode === 'threads') {
    parentPort?.on('message', onMessage);
    // A thread cannot die with its uWS loop open (the exit hangs or aborts the process):
    // on an uncaught exception it reports, closes its servers at once, and exits.
    process.on('uncaughtException', (err) => {
      post({ weft: 'failed', message: errorText(err) });
      void Promise.allSettled([...liveServers].map((s) => s.close({ timeoutMs: 0 }))).then(() =>
        setImmediate(() => process.exit(1)),
      );
    });
  } else {
    process.on('message', onMessage);
    // The primary drives shutdown; a terminal's Ctrl-C reaches the whole group.
    process.on('SIGINT', () => {});
    process.on('SIGTERM', () => {});
    process.on('disconnect', () => void close().then(() => process.exit(0)));
  }
  try {
    await start({ id: d.id, count: d.count });
  } catch (err) {
    post({ weft: 'failed', message: errorText(err) });
    setImmediate(() => process.exit(1));
    return new Promise<never>(() => {});
  }
  const port = [...liveServers][0]?.port ?? d.port;
  post({ weft: 'ready', port });
  return { primary: false, id: d.id, count: d.count, mode, port, close: () => close() };
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** One running worker, thread or process. */
interface Handle {
  send(m: ToWorker): void;
  /** Hand on a worker-bus message from another worker (processes; threads share a BroadcastChannel). */
  relay(m: BusMessage): void;
  kill(): void;
}

class Primary implements WorkerPool {
  readonly primary = true;
  readonly id = -1;
  port = 0;
  private readonly handles: (Handle | undefined)[];
  private readonly logger: Logger | undefined;
  private draining: Promise<void> | undefined;
  private readonly exits = new Map<number, () => void>();
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly restarts: number[];
  private readonly entry: string;
  private readonly onSignal: ((sig: NodeJS.Signals) => void) | undefined;

  constructor(
    readonly count: number,
    readonly mode: PoolMode,
    private readonly options: WorkersOptions,
  ) {
    this.handles = new Array<Handle | undefined>(count).fill(undefined);
    this.restarts = new Array<number>(count).fill(0);
    this.logger = options.logger === false ? undefined : (options.logger ?? defaultLogger());
    const entry = process.argv[1];
    if (!entry) throw new Error('workers: no entry script (process.argv[1]) to run in the workers');
    this.entry = entry;
    if (options.signals !== false) {
      this.onSignal = (sig) => {
        if (this.draining) {
          this.logger?.warn({ signal: sig }, 'second signal: exiting now');
          process.exit(1);
        }
        this.logger?.info({ signal: sig, workers: this.count }, 'draining workers');
        void this.close().then(() => process.exit(0));
      };
      process.on('SIGTERM', this.onSignal);
      process.on('SIGINT', this.onSignal);
    }
  }

  /** Worker 0 first (it checks the port is free and fixes port 0), then the rest together. */
  async startAll(): Promise<void> {
    try {
      this.port = await this.spawn(0, true);
      await Promise.all(Array.from({ length: this.count - 1 }, (_, i) => this.spawn(i + 1, false)));
    } catch (err) {
      await this.close();
      throw err;
    }
    this.logger?.info({ workers: this.count, mode: this.mode, port: this.port }, 'weft workers listening');
  }

  /** Start worker `id`; resolves with its port once it listens. */
  private spawn(id: number, probe: boolean): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let ready = false;
      const onMessage = (m: unknown) => {
        if (isBusMessage(m)) {
          for (const [i, h] of this.handles.entries()) if (i !== id) h?.relay(m);
          return;
        }
        const msg = m as FromWorker;
        if (msg?.weft === 'ready') {
          ready = true;
          resolve(msg.port);
        } else if (msg?.weft === 'failed') {
          const text = msg.message;
          const busy = /ListenError|EADDRINUSE/.test(text);
          if (!ready)
            reject(busy ? new ListenError('', this.port) : new Error(`workers: worker ${id} failed to start: ${text}`));
          else this.logger?.error({ worker: id, err: text }, 'worker failed');
        }
      };
      const onExit = (code: number | null) => {
        this.handles[id] = undefined;
        const waiter = this.exits.get(id);
        if (waiter) {
          this.exits.delete(id);
          waiter();
          return;
        }
        if (this.draining) return;
        if (!ready) {
          reject(new Error(`workers: worker ${id} exited with code ${code} before it listened`));
          return;
        }
        this.replace(id, code);
      };
      this.handles[id] =
        this.mode === 'threads'
          ? this.thread(id, probe, onMessage, onExit)
          : this.process(id, probe, onMessage, onExit);
    });
  }

  private replace(id: number, code: number | null): void {
    const n = (this.restarts[id] ?? 0) + 1;
    this.restarts[id] = n;
    const delay = Math.min(5000, 100 * 2 ** Math.min(n - 1, 6));
    this.logger?.error({ worker: id, code, restart: n, delayMs: delay }, 'worker exited; replacing it');
    // Not unref'd: with every worker gone, this timer is what keeps the primary alive.
    const t = setTimeout(() => {
      this.pending.delete(t);
      if (this.draining) return;
      this.spawn(id, false).then(
        () => {
          this.logger?.info({ worker: id }, 'worker replaced');
          setTimeout(() => (this.restarts[id] = 0), 30_000).unref();
        },
        (err: unknown) => {
          this.logger?.error({ worker: id, err }, 'replacement worker failed');
          if (!this.draining) this.replace(id, null); // keep trying, backing off
        },
      );
    }, delay);
    this.pending.add(t);
  }

  private thread(id: number, probe: boolean, onMessage: (m: unknown) => void, onExit: (code: number) => void): Handle {
    const weft: WorkerData['weft'] = {
      id,
      count: this.count,
      port: this.port,
      probe,
      entry: pathToFileURL(this.entry).href,
      tsx: tsxFor(this.entry),
    };
    const w = new Worker(BOOTSTRAP, { eval: true, workerData: { weft }, argv: process.argv.slice(2) });
    w.on('message', onMessage);
    w.on('error', (err) => this.logger?.error({ worker: id, err }, 'worker error'));
    w.on('exit', onExit);
    return { send: (m) => w.postMessage(m), relay: () => {}, kill: () => void w.terminate() };
  }

  private process(
    id: number,
    probe: boolean,
    onMessage: (m: unknown) => void,
    onExit: (code: number | null) => void,
  ): Handle {
    cluster.setupPrimary({ exec: this.entry, args: process.argv.slice(2) });
    const env = {
      WEFT_WORKER: JSON.stringify({ id, count: this.count, port: this.port, probe, entry: this.entry, tsx: undefined }),
    };
    const w: ClusterWorker = cluster.fork(env);
    w.on('message', onMessage);
    w.on('error', (err) => this.logger?.debug({ worker: id, err }, 'worker channel error'));
    w.on('exit', (code) => onExit(code));
    return {
      send: (m) => {
        if (w.isConnected()) w.send(m);
      },
      relay: (m) => {
        if (w.isConnected()) w.send(m);
      },
      kill: () => w.process.kill('SIGKILL'),
    };
  }

  close(): Promise<void> {
    this.draining ??= this.drain();
    return this.draining;
  }

  private async drain(): Promise<void> {
    const timeoutMs = this.options.shutdownTimeoutMs ?? 10_000;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    await Promise.all(
      this.handles.map((h, id) => {
        if (!h) return undefined;
        return new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.logger?.warn({ worker: id }, 'worker did not drain in time; stopping it');
            h.kill();
          }, timeoutMs + 5000);
          this.exits.set(id, () => {
            clearTimeout(timer);
            resolve();
          });
          h.send({ weft: 'drain', timeoutMs });
        });
      }),
    );
    if (this.onSignal) {
      process.off('SIGTERM', this.onSignal);
      process.off('SIGINT', this.onSignal);
    }
    this.logger?.info('weft workers stopped');
  }
}

/** The tsx loader to register in a worker thread, when the entry is TypeScript. */
function tsxFor(entry: string): string | undefined {
  // Bun and Deno run TypeScript themselves.
  if (currentRuntime() !== 'node' || !/\.[cm]?tsx?$/.test(entry)) return undefined;
  try {
    const pkgFile = createRequire(entry).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
      exports: Record<string, { import?: string | { default?: string } }>;
    };
    const imp = pkg.exports['./esm/api']?.import;
    const rel = typeof imp === 'string' ? imp : imp?.default;
    return rel ? pathToFileURL(path.join(path.dirname(pkgFile), rel)).href : undefined;
  } catch {
    return undefined; // no tsx next to the entry: Node's own type stripping may still run it
  }
}

/**
 * @internal fail with `ListenError` when another process holds the port (a
 * shared port would hide it); for port 0, a free port.
 */
export function probePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', () => reject(new ListenError(host, port)));
    srv.listen({ host, port, exclusive: true }, () => {
      const bound = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(bound));
    });
  });
}
