/**
 * Actors: state owned by one task and reached only through its mailbox.
 *
 * ```ts
 * const counter = actor(() => ({ n: 0 }), (s, msg: 'inc' | 'get') => (msg === 'inc' ? ++s.n : s.n));
 * counter.tell('inc');              // enqueue now; FullError when the mailbox is full
 * await counter.send('inc');        // wait for room in the mailbox
 * await counter.ask('get');         // what handle returned, or what it threw
 * counter.close();                  // finish what is queued, then stop
 * counter.stop();                   // stop now: pending asks reject with ClosedError
 * ```
 *
 * `init()` makes the state inside a spawned task; `handle(state, msg, signal)`
 * runs for one message at a time, in mailbox order, so the state needs no
 * locks however many connections talk to it. Mutate the state object in
 * place; what `handle` returns is the answer to `ask`.
 *
 * ## Mailbox and backpressure
 *
 * The mailbox is an `mpsc` of `capacity` messages (default 64). `tell` never
 * waits and throws `FullError` (the message inside) when it is full: the
 * caller decides to drop, retry or answer 503. `send` and `ask` wait for room
 * in turn with other waiting senders.
 *
 * ## Failures
 *
 * A throw from `handle` rejects that message's `ask` with the error and is
 * logged through `options.logger`. With `onError: 'continue'` (the default)
 * the actor goes on with the next message: one bad message does not take a
 * room down, but the state is whatever `handle` left it as. With `'stop'`
 * the actor stops as by `stop()`. A throw from `init` always stops it.
 *
 * ## Stopping
 *
 * `close()` closes the mailbox: queued messages are handled, new ones are
 * refused with `SendError`, then the task ends. `stop(reason)` aborts the
 * task at once (the running `handle` sees its `signal` fire) and rejects
 * every queued and running `ask` with `ClosedError`. `await ref.stopped`
 * waits until the task has ended either way.
 */
import type { Logger } from 'pino';
import { type JoinHandle, type Outcome, spawn } from '../task/spawn.js';
import { abortError } from '../task/time.js';
import { ClosedError, FullError, SendError } from './channel-errors.js';
import { type MpscReceiver, type MpscSender, mpsc } from './mpsc.js';
import { type OneshotReceiver, type OneshotSender, oneshot } from './oneshot.js';

/** The default mailbox capacity. */
export const DEFAULT_MAILBOX = 64;

export interface ActorOptions {
  /**
   * Messages the mailbox holds before `tell` throws and `send`/`ask` wait.
   * @default 64
   */
  capacity?: number | undefined;
  /**
   * What a throw from `handle` does to the actor (the message's `ask`
   * rejects either way).
   * @default 'continue'
   */
  onError?: 'continue' | 'stop' | undefined;
  /** A pino logger for failures. */
  logger?: Logger | undefined;
  /** A name for logs and task metrics. @default 'actor' */
  name?: string | undefined;
  /** Stop the actor when this signal fires (a server's or a parent's lifetime). */
  signal?: AbortSignal | undefined;
}

interface Envelope<M, R> {
  readonly msg: M;
  readonly reply: OneshotSender<Outcome<R>> | undefined;
}

/** A handle to an actor: the only way to reach its state. */
export class ActorRef<M, R> {
  private readonly tx: MpscSender<Envelope<M, R>>;
  private readonly rx: MpscReceiver<Envelope<M, R>>;
  private readonly task: JoinHandle<void>;
  /** The reply of the message being handled, so `stop()` can reject it. */
  private current: OneshotSender<Outcome<R>> | undefined;
  /** What `init` threw: the answer to every ask that was queued. */
  private initError: unknown;

  /** @internal use `actor()` */
  constructor(
    init: () => unknown,
    handle: (state: never, msg: M, signal: AbortSignal) => R | PromiseLike<R>,
    private readonly options: ActorOptions,
  ) {
    [this.tx, this.rx] = mpsc<Envelope<M, R>>(options.capacity ?? DEFAULT_MAILBOX);
    const name = options.name ?? 'actor';
    this.task = spawn((signal) => this.run(init, handle, signal), {
      logger: options.logger,
      name,
      signal: options.signal,
    });
    // However the task ends (returned, init threw, aborted), nothing queued is left waiting.
    this.task.onDone(() => this.refuseAll());
    this.task.then(undefined, () => {}); // failures are logged by run(); the handle must not report them again
  }

  private async run(
    init: () => unknown,
    handle: (state: never, msg: M, signal: AbortSignal) => R | PromiseLike<R>,
    signal: AbortSignal,
  ): Promise<void> {
    // Stopped (stop(), the parent signal): pending asks reject now, even if `handle` ignores its signal.
    signal.addEventListener('abort', () => this.refuseAll(), { once: true });
    let state: unknown;
    try {
      state = await init();
    } catch (err) {
      this.options.logger?.error({ err, actor: this.options.name ?? 'actor' }, 'actor init failed; stopped');
      this.initError = err;
      return;
    }
    for (;;) {
      let env: Envelope<M, R> | undefined;
      try {
        env = await this.rx.recv(signal);
      } catch {
        return; // aborted by stop()
      }
      if (env === undefined) return; // closed and drained
      this.current = env.reply;
      try {
        const value = await handle(state as never, env.msg, signal);
        if (signal.aborted) return;
        this.answer(env.reply, { ok: true, value });
      } catch (error) {
        if (signal.aborted) return;
        this.options.logger?.error({ err: error, actor: this.options.name ?? 'actor' }, 'actor message failed');
        this.answer(env.reply, { ok: false, error });
        if (this.options.onError === 'stop') return;
      } finally {
        this.current = undefined;
      }
    }
  }

  private answer(reply: OneshotSender<Outcome<R>> | undefined, o: Outcome<R>): void {
    if (reply === undefined || reply.isClosed) return;
    reply.send(o);
  }

  private refuseAll(): void {
    this.rx.close();
    this.current?.close();
    for (;;) {
      let env: Envelope<M, R> | undefined;
      try {
        env = this.rx.tryRecv();
      } catch {
        break;
      }
      if (env.reply === undefined) continue;
      if (this.initError !== undefined) env.reply.send({ ok: false, error: this.initError });
      else env.reply.close();
    }
  }

  /**
   * Enqueue `msg` without waiting. Throws `FullError` (the message inside)
   * when the mailbox is full, `SendError` when the actor is closed or stopped.
   * Says nothing about whether it will be handled successfully.
   */
  tell(msg: M): void {
    try {
      this.tx.trySend({ msg, reply: undefined });
    } catch (e) {
      if (e instanceof FullError) throw new FullError(msg);
      if (e instanceof SendError) throw new SendError(msg, 'actor: the mailbox is closed');
      throw e;
    }
  }

  /**
   * Enqueue `msg`, waiting for room (an abort `signal` gives up the wait).
   * Resolves once it is queued; rejects with `SendError` when the actor is
   * closed or stopped.
   */
  async send(msg: M, signal?: AbortSignal): Promise<void> {
    try {
      await this.tx.send({ msg, reply: undefined }, signal);
    } catch (e) {
      if (e instanceof SendError) throw new SendError(msg, 'actor: the mailbox is closed');
      throw e;
    }
  }

  /**
   * Enqueue `msg` (waiting for room) and resolve with what `handle` returned
   * for it, or reject with what it threw. Rejects with `SendError` if the
   * mailbox is closed, `ClosedError` if the actor stops before answering.
   * An aborted `signal` rejects with its reason; a message already queued is
   * still handled, and its answer dropped.
   */
  async ask(msg: M, signal?: AbortSignal): Promise<Awaited<R>> {
    const [reply, answer] = oneshot<Outcome<R>>();
    try {
      await this.tx.send({ msg, reply }, signal);
    } catch (e) {
      if (e instanceof SendError) throw new SendError(msg, 'actor: the mailbox is closed');
      throw e;
    }
    let o: Outcome<R>;
    try {
      o = signal === undefined ? await answer : await abortable(answer, signal);
    } catch (e) {
      if (e instanceof ClosedError) throw new ClosedError('actor stopped before answering');
      throw e;
    }
    if (o.ok) return o.value as Awaited<R>;
    throw o.error;
  }

  /** Close the mailbox: queued messages are handled, new ones refused, then the actor stops. Idempotent. */
  close(): void {
    this.rx.close();
  }

  /** Stop now: abort the task (the running `handle` sees its signal) and reject pending asks with `ClosedError`. */
  stop(reason?: unknown): void {
    this.task.abort(reason ?? new ClosedError('actor stopped'));
  }

  /** Messages waiting in the mailbox now. */
  get queued(): number {
    return this.rx.size;
  }

  /** The actor's task has ended (closed and drained, stopped, or `init` failed). */
  get isStopped(): boolean {
    return this.task.isFinished;
  }

  /** Resolves when the actor's task has ended, however it ended. */
  get stopped(): Promise<void> {
    return this.task.finished;
  }

  [Symbol.dispose](): void {
    this.stop();
  }
}

/** `answer`, or the signal's reason if it aborts first (the receiver is then closed). */
function abortable<T>(answer: OneshotReceiver<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    answer.close();
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      answer.close();
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    answer.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Start an actor: `init()` makes the state in a spawned task, and
 * `handle(state, msg, signal)` answers one message at a time.
 *
 * @example
 * type Msg = { op: 'join'; name: string } | { op: 'leave'; name: string } | { op: 'list' };
 * const room = actor(() => new Set<string>(), (users, m: Msg) => {
 *   if (m.op === 'join') users.add(m.name);
 *   else if (m.op === 'leave') users.delete(m.name);
 *   return [...users];
 * }, { logger });
 * const names = await room.ask({ op: 'list' });   // string[]
 */
export function actor<S, M, R>(
  init: () => S | PromiseLike<S>,
  handle: (state: S, msg: M, signal: AbortSignal) => R | PromiseLike<R>,
  options: ActorOptions = {},
): ActorRef<M, Awaited<R>> {
  if (options.onError !== undefined && options.onError !== 'continue' && options.onError !== 'stop') {
    throw new TypeError(`actor: onError must be 'continue' or 'stop' (got ${String(options.onError)})`);
  }
  return new ActorRef<M, Awaited<R>>(
    init,
    handle as (state: never, msg: M, signal: AbortSignal) => Awaited<R> | PromiseLike<Awaited<R>>,
    options,
  );
}
