import { afterAll, describe, expect, it, vi } from 'vitest';
import { memoryLogger } from '../../test/helpers.js';
import {
  Elapsed,
  interval,
  JoinHandle,
  join,
  select,
  shutdownBlockingPool,
  sleep,
  spawn,
  spawnBlocking,
  TaskAbortedError,
  timeout,
} from './index.js';
import { TaskSet } from './spawn.js';

afterAll(() => shutdownBlockingPool());

describe('spawn / JoinHandle', () => {
  it('awaiting a handle gives the task value', async () => {
    expect(await spawn(async () => 42)).toBe(42);
    expect(await spawn(() => 'sync')).toBe('sync');
  });

  it('awaiting a handle rethrows the task error', async () => {
    await expect(
      spawn(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(
      spawn(() => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
  });

  it('abort() fires the signal and the handle rejects with TaskAbortedError at once', async () => {
    let seen = false;
    const h = spawn(async (signal) => {
      await sleep(10_000, signal).catch(() => {
        seen = signal.aborted;
      });
      return 'late';
    });
    h.abort('stop');
    await expect(h).rejects.toBeInstanceOf(TaskAbortedError);
    await h.finished;
    expect(seen).toBe(true);
    expect(h.isFinished).toBe(true);
  });

  it('a failure nobody awaits is logged, not an unhandled rejection', async () => {
    const { logger, lines } = memoryLogger();
    spawn(
      async () => {
        throw new Error('unobserved');
      },
      { logger, name: 't1' },
    );
    await sleep(10);
    expect(lines[0]).toMatchObject({ level: 50, task: 't1', msg: 'task failed' });
  });

  it('a parent signal aborts the task', async () => {
    const parent = new AbortController();
    const h = spawn((s) => sleep(10_000, s), { signal: parent.signal });
    parent.abort();
    await expect(h).rejects.toBeInstanceOf(TaskAbortedError);
  });

  it('the signal exists only when asked for, and reflects an earlier abort', async () => {
    const h = spawn(() => new Promise<void>(() => {}));
    h.abort('why');
    expect(h.aborted).toBe(true);
    expect(h.signal.aborted).toBe(true);
    expect(h.signal.reason).toBe('why');
    await expect(h).rejects.toBeInstanceOf(TaskAbortedError);
  });

  it('a task spawned under an already-aborted parent is aborted', async () => {
    const h = spawn((s) => sleep(10_000, s), { signal: AbortSignal.abort('gone') });
    await expect(h).rejects.toBeInstanceOf(TaskAbortedError);
    expect(h.signal.aborted).toBe(true);
  });

  it('TaskSet aborts every task and waits for them', async () => {
    const set = new TaskSet();
    let stopped = 0;
    for (let i = 0; i < 5; i++)
      set.spawn(async (s) => {
        await sleep(10_000, s).catch(() => stopped++);
      });
    expect(set.size).toBe(5);
    await set.abortAll('shutdown', 1000);
    expect(stopped).toBe(5);
    expect(set.size).toBe(0);
  });

  it('TaskSet forgets a task when its function returns or throws, and never holds one that finished synchronously', async () => {
    const set = new TaskSet();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const waiting = set.spawn(async () => gate);
    const failing = set.spawn(async () => {
      await gate;
      throw new Error('boom');
    });
    set.spawn(() => 42);
    expect(set.size).toBe(2);
    const done: string[] = [];
    waiting.onDone((o) => done.push(o.ok ? 'ok' : 'failed'));
    failing.onDone({ taskDone: (o) => done.push(o.ok ? 'ok' : 'failed') });
    release();
    await waiting;
    await failing.then(
      () => undefined,
      () => undefined,
    );
    expect(set.size).toBe(0);
    expect(done.sort()).toEqual(['failed', 'ok']);
  });
});

describe('sleep / interval / timeout', () => {
  it('sleep rejects with an AbortError when the signal fires', async () => {
    const c = new AbortController();
    const p = sleep(10_000, c.signal);
    c.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sleep(1, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('interval ticks at once, then every ms, and ends on abort', async () => {
    // Fake clock: on a busy machine a real one skips ticks (by design), which this test is not about.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const c = new AbortController();
      const ticks: number[] = [];
      const done = (async () => {
        for await (const n of interval(5, c.signal)) {
          ticks.push(n);
          if (ticks.length === 3) c.abort();
        }
      })();
      expect(ticks).toEqual([]);
      await vi.advanceTimersByTimeAsync(0);
      expect(ticks).toEqual([0]);
      await vi.advanceTimersByTimeAsync(5);
      expect(ticks).toEqual([0, 1]);
      await vi.advanceTimersByTimeAsync(5);
      await done;
      expect(ticks).toEqual([0, 1, 2]);
    } finally {
      vi.useRealTimers();
    }
  });

  describe('interval missed ticks (tokio time_interval.rs: burst, delay, skip)', () => {
    // A consumer busy for 650 ms after the tick at 300 ms (period 300): the tick due at 600 comes late, at 950.
    async function run(missedTick: 'burst' | 'delay' | 'skip' | undefined): Promise<number[]> {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      try {
        const t0 = performance.now();
        const g = interval(300, missedTick === undefined ? undefined : { missedTick });
        const at: number[] = [];
        /** Pull one tick, advancing the clock in 1 ms steps until it comes (at most `limit` ms). */
        const pull = async (limit: number) => {
          let done = false;
          const p = g.next().then(() => {
            done = true;
            at.push(performance.now() - t0);
          });
          await vi.advanceTimersByTimeAsync(0);
          for (let waited = 0; !done && waited < limit; waited++) await vi.advanceTimersByTimeAsync(1);
          expect(done).toBe(true);
          await p;
        };
        await pull(0); // at once
        await pull(300); // on time
        await vi.advanceTimersByTimeAsync(650); // the consumer is busy
        for (let i = 0; i < 4; i++) await pull(400);
        await g.return(undefined);
        return at;
      } finally {
        vi.useRealTimers();
      }
    }

    it("'burst' (the default) catches up at once, then keeps the original schedule", async () => {
      expect(await run('burst')).toEqual([0, 300, 950, 950, 1200, 1500]);
      expect(await run(undefined)).toEqual([0, 300, 950, 950, 1200, 1500]);
    });

    it("'delay' restarts the schedule a period after the late tick", async () => {
      expect(await run('delay')).toEqual([0, 300, 950, 1250, 1550, 1850]);
    });

    it("'skip' drops the missed ticks and keeps the original phase", async () => {
      expect(await run('skip')).toEqual([0, 300, 950, 1200, 1500, 1800]);
    });

    it('a tick up to 5 ms late counts as on time, as in tokio', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      try {
        const t0 = performance.now();
        const g = interval(100, { missedTick: 'delay' });
        await g.next();
        await vi.advanceTimersByTimeAsync(104); // busy 4 ms past the next deadline
        await g.next();
        const p = g.next();
        await vi.advanceTimersByTimeAsync(96);
        await p;
        expect(performance.now() - t0).toBe(200);
        await g.return(undefined);
      } finally {
        vi.useRealTimers();
      }
    });

    it('rejects an unknown missedTick', async () => {
      // @ts-expect-error not a MissedTick
      await expect(interval(10, { missedTick: 'later' }).next()).rejects.toBeInstanceOf(TypeError);
    });
  });

  it('timeout gives the value in time and Elapsed (aborting the work) otherwise', async () => {
    expect(
      await timeout(
        1000,
        sleep(1).then(() => 'ok'),
      ),
    ).toBe('ok');
    let aborted = false;
    const slow = (s: AbortSignal) =>
      sleep(10_000, s).catch(() => {
        aborted = true;
      });
    await expect(timeout(10, slow)).rejects.toBeInstanceOf(Elapsed);
    await sleep(1);
    expect(aborted).toBe(true);
  });
});

describe('join / select', () => {
  it('join waits for all and keeps order and types', async () => {
    const [a, b, c] = await join(
      spawn(async () => 1),
      Promise.resolve('two'),
      async () => true,
    );
    expect([a, b, c]).toEqual([1, 'two', true]);
  });

  it('join rejects on the first failure and aborts the rest', async () => {
    let aborted = false;
    const other = spawn(async (s) => {
      await sleep(10_000, s).catch(() => {
        aborted = true;
      });
    });
    await expect(
      join(async () => {
        throw new Error('x');
      }, other),
    ).rejects.toThrow('x');
    await other.finished;
    expect(aborted).toBe(true);
  });

  it('select returns the first to finish and aborts the losers', async () => {
    let loserAborted = false;
    const r = await select(
      (s) =>
        sleep(10_000, s)
          .catch(() => {
            loserAborted = true;
          })
          .then(() => 'slow'),
      async () => {
        await sleep(5);
        return 'fast';
      },
    );
    expect(r).toEqual({ index: 1, value: 'fast' });
    await sleep(1);
    expect(loserAborted).toBe(true);
  });
});

describe('spawnBlocking', () => {
  it('runs a function on a worker thread and returns its value', async () => {
    const h = spawnBlocking(
      (n: number) => {
        let x = 0;
        for (let i = 0; i < n; i++) x += i;
        return x;
      },
      [1000],
    );
    expect(h).toBeInstanceOf(JoinHandle);
    expect(await h).toBe(499500);
  });

  it('does not block the event loop while it runs', async () => {
    const h = spawnBlocking(() => {
      const end = Date.now() + 300;
      while (Date.now() < end) {}
      return 'done';
    });
    let ticks = 0;
    const t = setInterval(() => ticks++, 10);
    await h;
    clearInterval(t);
    expect(ticks).toBeGreaterThan(5);
  });

  it('abort terminates the worker', async () => {
    const h = spawnBlocking(() => {
      for (;;) {}
    });
    setTimeout(() => h.abort(), 50);
    await expect(h).rejects.toBeInstanceOf(TaskAbortedError);
    expect(await spawnBlocking((a: number, b: number) => a + b, [2, 3])).toBe(5);
  });

  it('an error thrown in the worker rejects the handle', async () => {
    await expect(
      spawnBlocking(() => {
        throw new Error('in worker');
      }),
    ).rejects.toThrow('in worker');
  });
});
