/**
 * Tasks: spawned, awaitable, cancellable units of work (tokio::spawn).
 *
 * `spawn(fn)` starts `fn(signal)` now and returns a `JoinHandle`. Awaiting the
 * handle gives `fn`'s value or error. `abort()` fires `signal`; JavaScript
 * cannot stop a function from the outside, so the task stops at the next
 * point where it looks at its signal (an `await sleep(ms, signal)`, a
 * `fetch(url, { signal })`, a `signal.aborted` check...). An aborted handle
 * rejects with `TaskAbortedError` at once, whatever the task does later.
 *
 * A failure nobody awaits is not an unhandled rejection: the handle settles
 * lazily, and the error goes to the `onError` hook (the server logs it).
 */
import type { Logger } from 'pino';
import { runtimeCounters, taskListeners } from '../runtime/counters.js';
import {
  endTaskSpan,
  isTraced,
  otelTracer,
  publishDone,
  type RequestSpan,
  startTaskSpan,
  type TaskMessage,
  taskChannel,
  withContext,
} from '../runtime/tracing.js';
import { WeftError } from '../runtime/weft-error.js';

/** What a task records for metrics and tracing (only when someone listens). */
interface TaskTrace {
  readonly t0: number;
  readonly message: TaskMessage | undefined;
  readonly span: RequestSpan | undefined;
}

/** Thrown by awaiting a handle whose task was aborted. */
export class TaskAbortedError extends WeftError {
  override readonly name = 'TaskAbortedError';
  constructor(readonly reason?: unknown) {
    super('The task was aborted');
  }
}

/** @internal */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** @internal what `onDone` calls: a function, or an object's `taskDone` (a long-lived owner needs no closure per task). */
export type DoneHook<T> = ((own: Outcome<T>) => void) | { taskDone(own: Outcome<T>): void };

function callHook<T>(h: DoneHook<T>, o: Outcome<T>): void {
  if (typeof h === 'function') h(o);
  else h.taskDone(o);
}

export interface SpawnOptions {
  /** A pino logger for failures nobody awaited. */
  logger?: Logger | undefined;
  /** A name for logs. */
  name?: string | undefined;
  /** Abort the task when this signal fires (a parent's signal). */
  signal?: AbortSignal | undefined;
}

/** A handle to a spawned task: awaitable, abortable. */
export class JoinHandle<T> implements PromiseLike<T> {
  // An AbortSignal costs ~0.8 KiB once materialized: it is created only when
  // the task's function declares a parameter, or someone reads `signal`.
  private controller: AbortController | undefined;
  private abortReason: { reason: unknown } | undefined;
  private outcome: Outcome<T> | undefined;
  private waiters: (() => void)[] | undefined;
  private observed = false;
  /** What the function itself produced, once it has returned or thrown. */
  private own: Outcome<T> | undefined;
  // The first hook in a field, more in an array: most tasks have one or two (a task set's, a socket's).
  private doneHook: DoneHook<T> | undefined;
  private doneHooks: DoneHook<T>[] | undefined;
  /** The task set that holds this task until its function returns (a field, not a hook: no closure per task). */
  private owner: Set<JoinHandle<unknown>> | undefined;
  private finishedPromise: Promise<void> | undefined;
  private trace: TaskTrace | undefined;

  /** @internal use `spawn` */
  constructor(
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    private readonly opts: SpawnOptions = {},
  ) {
    const parent = opts.signal;
    if (parent) {
      if (parent.aborted) this.abortReason = { reason: parent.reason };
      else parent.addEventListener('abort', () => this.abort(parent.reason), { once: true });
    }
    runtimeCounters.tasksActive++;
    const traced = isTraced(taskChannel);
    const t0 = taskListeners.size > 0 || traced ? performance.now() : 0;
    const tracer = otelTracer();
    let invoke = () => (fn.length === 0 ? (fn as () => T | PromiseLike<T>)() : fn(this.signal));
    if (t0 > 0 || tracer !== undefined) {
      const name = opts.name ?? 'task';
      const span = tracer !== undefined ? startTaskSpan(tracer, name) : undefined;
      const message: TaskMessage | undefined = traced ? { name } : undefined;
      this.trace = { t0, message, span };
      if (span !== undefined) {
        const inner = invoke;
        invoke = () => withContext(span.context, inner);
      }
      if (message !== undefined) {
        const inner = invoke;
        invoke = () => {
          try {
            return taskChannel.start.runStores(message, inner);
          } finally {
            taskChannel.end.publish(message);
          }
        };
      }
    }
    let r: T | PromiseLike<T>;
    try {
      r = invoke();
    } catch (error) {
      this.fnSettled({ ok: false, error });
      return;
    }
    if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<T>).then === 'function') {
      this.follow(r as PromiseLike<T>);
    } else {
      this.fnSettled({ ok: true, value: r as T });
    }
    if (this.abortReason && this.outcome === undefined)
      this.settle({ ok: false, error: new TaskAbortedError(this.abortReason.reason) });
  }

  /**
   * Settle when `p` does. A method of its own: the two callbacks then keep
   * only the handle alive, not the constructor's scope (the function, its
   * closures), for as long as a connection's handler runs.
   */
  private follow(p: PromiseLike<T>): void {
    p.then(
      (value) => this.fnSettled({ ok: true, value }),
      (error: unknown) => this.fnSettled({ ok: false, error }),
    );
  }

  /** Fires when the task is aborted. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason.reason);
    }
    return this.controller.signal;
  }

  /** `abort()` was called (or the parent signal fired). */
  get aborted(): boolean {
    return this.abortReason !== undefined;
  }

  /** The task has settled (returned, thrown, or was aborted). */
  get isFinished(): boolean {
    return this.outcome !== undefined;
  }

  /** Resolves when the task's function itself has returned or thrown (even after an abort). */
  get finished(): Promise<void> {
    if (this.own !== undefined) return Promise.resolve();
    this.finishedPromise ??= new Promise((resolve) => this.onDone(() => resolve()));
    return this.finishedPromise;
  }

  /** @internal call `cb` with the function's own outcome when it returns or throws. */
  onDone(cb: DoneHook<T>): void {
    if (this.own !== undefined) callHook(cb, this.own);
    else if (this.doneHook === undefined) this.doneHook = cb;
    else (this.doneHooks ??= []).push(cb);
  }

  /** Ask the task to stop: fires its signal; awaiting the handle now rejects with `TaskAbortedError`. */
  abort(reason?: unknown): void {
    if (this.outcome !== undefined) return;
    this.abortReason = { reason };
    this.controller?.abort(reason);
    this.settle({ ok: false, error: new TaskAbortedError(reason) });
  }

  private fnSettled(o: Outcome<T>): void {
    this.own = o;
    runtimeCounters.tasksActive--;
    const tr = this.trace;
    if (tr !== undefined) {
      this.trace = undefined;
      const error = o.ok ? undefined : o.error;
      if (tr.t0 > 0 && taskListeners.size > 0) {
        const seconds = (performance.now() - tr.t0) / 1000;
        for (const l of taskListeners) l(this.opts.name ?? 'task', seconds, !o.ok);
      }
      if (tr.message !== undefined) {
        if (o.ok) tr.message.result = o.value;
        publishDone(taskChannel, tr.message, error);
      }
      if (tr.span !== undefined) endTaskSpan(tr.span, error);
    }
    this.settle(o);
    const owner = this.owner;
    if (owner !== undefined) {
      this.owner = undefined;
      owner.delete(this as JoinHandle<unknown>);
    }
    const first = this.doneHook;
    const hooks = this.doneHooks;
    this.doneHook = undefined;
    this.doneHooks = undefined;
    if (first !== undefined) callHook(first, o);
    if (hooks) for (const h of hooks) callHook(h, o);
  }

  /** @internal `set` holds this task until its function returns (at once if it has). */
  joinSet(set: Set<JoinHandle<unknown>>): void {
    if (this.own !== undefined) return;
    set.add(this as JoinHandle<unknown>);
    this.owner = set;
  }

  private settle(o: Outcome<T>): void {
    if (this.outcome !== undefined) {
      // Already aborted: a late failure is still worth a log line.
      if (!o.ok) this.report(o.error, true);
      return;
    }
    this.outcome = o;
    if (!o.ok && !this.observed) queueMicrotask(() => this.observed || this.report(o.error, false));
    const ws = this.waiters;
    this.waiters = undefined;
    if (ws) for (const w of ws) w();
  }

  private report(error: unknown, late: boolean): void {
    if (error instanceof TaskAbortedError) return;
    if (late && isAbortError(error)) return;
    this.opts.logger?.error({ err: error, task: this.opts.name }, 'task failed');
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.observed = true;
    const p = new Promise<T>((resolve, reject) => {
      const deliver = () => {
        const o = this.outcome as Outcome<T>;
        if (o.ok) resolve(o.value);
        else reject(o.error);
      };
      if (this.outcome !== undefined) deliver();
      else (this.waiters ??= []).push(deliver);
    });
    return p.then(onfulfilled, onrejected);
  }
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e instanceof TaskAbortedError);
}

/**
 * Start `fn(signal)` as a task.
 *
 * @example
 * const h = spawn(async (signal) => { await sleep(1000, signal); return 42; });
 * h.abort();              // await h  -> TaskAbortedError
 */
export function spawn<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, options?: SpawnOptions): JoinHandle<T> {
  return new JoinHandle(fn, options);
}

/** A set of tasks that can be aborted together (the server keeps one for its connections). */
export class TaskSet {
  private readonly tasks = new Set<JoinHandle<unknown>>();
  private readonly opts: SpawnOptions;

  constructor(logger?: Logger, name?: string) {
    this.opts = { logger, name }; // shared by every task of the set
  }

  spawn<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): JoinHandle<T> {
    const h = spawn(fn, this.opts);
    h.joinSet(this.tasks);
    return h;
  }

  get size(): number {
    return this.tasks.size;
  }

  /** Abort every task and wait (up to `timeoutMs`) for their functions to return. */
  async abortAll(reason: unknown, timeoutMs: number): Promise<void> {
    const all = [...this.tasks];
    for (const t of all) t.abort(reason);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(all.map((t) => t.finished)),
      new Promise((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
