import { describe, expect, it } from 'vitest';
import { memoryLogger, thrown } from '../../test/helpers.js';
import { sleep } from '../task/index.js';
import { actor, ClosedError, DEFAULT_MAILBOX, FullError, oneshot, SendError } from './index.js';

type CounterMsg = { op: 'inc'; by?: number } | { op: 'get' } | { op: 'boom' };

function counter(options: Parameters<typeof actor>[2] = {}) {
  return actor(
    () => ({ n: 0 }),
    (s, m: CounterMsg) => {
      if (m.op === 'inc') return (s.n += m.by ?? 1);
      if (m.op === 'boom') throw new Error('boom');
      return s.n;
    },
    options,
  );
}

describe('actor', () => {
  it('handles one message at a time, in mailbox order, and ask returns what handle returned', async () => {
    let inside = 0;
    let most = 0;
    const seen: number[] = [];
    const a = actor(
      () => [] as number[],
      async (log, m: number) => {
        inside++;
        most = Math.max(most, inside);
        await sleep(1);
        log.push(m);
        seen.push(m);
        inside--;
        return log.length;
      },
    );
    const answers = await Promise.all([1, 2, 3, 4, 5].map((m) => a.ask(m)));
    expect(answers).toEqual([1, 2, 3, 4, 5]);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(1);
    a.close();
    await a.stopped;
  });

  it('state is made by init inside the task and reached only through messages', async () => {
    const c = counter();
    c.tell({ op: 'inc' });
    await c.send({ op: 'inc', by: 5 });
    expect(await c.ask({ op: 'get' })).toBe(6);
    c.stop();
  });

  it('tell throws FullError with the message when the mailbox is full; send waits for room', async () => {
    const [gateTx, gate] = oneshot<void>();
    const a = actor(
      () => null,
      async (_s, m: number) => {
        if (m === 0) await gate;
        return m;
      },
      { capacity: 2 },
    );
    a.tell(0); // taken by the actor, which now waits on the gate
    await sleep(1);
    a.tell(1);
    a.tell(2);
    expect(a.queued).toBe(2);
    const err = thrown(() => a.tell(3));
    expect(err).toBeInstanceOf(FullError);
    expect((err as FullError<number>).value).toBe(3);
    let sent = false;
    const waiting = a.send(3).then(() => (sent = true));
    await sleep(1);
    expect(sent).toBe(false);
    gateTx.send();
    await waiting;
    expect(await a.ask(4)).toBe(4);
    a.stop();
  });

  it('the default mailbox holds 64 messages', async () => {
    expect(DEFAULT_MAILBOX).toBe(64);
    const a = actor(
      () => null,
      () => new Promise<never>(() => {}),
    );
    a.tell(0);
    await sleep(1); // taken by the actor, which never finishes it
    for (let i = 1; i <= 64; i++) a.tell(i);
    expect(() => a.tell(65)).toThrow(FullError);
    a.stop();
  });

  it("a throw rejects that ask, is logged, and with onError 'continue' (the default) the actor goes on", async () => {
    const { logger, lines } = memoryLogger();
    const c = counter({ logger, name: 'counter' });
    await expect(c.ask({ op: 'boom' })).rejects.toThrow('boom');
    expect(await c.ask({ op: 'inc' })).toBe(1);
    expect(lines.find((l) => l.msg === 'actor message failed')).toMatchObject({ level: 50, actor: 'counter' });
    expect(c.isStopped).toBe(false);
    c.stop();
  });

  it("with onError 'stop' a throw stops the actor: queued asks reject with ClosedError, later sends with SendError", async () => {
    const { logger } = memoryLogger();
    const c = counter({ onError: 'stop', logger });
    const boom = c.ask({ op: 'boom' });
    const after = c.ask({ op: 'get' });
    await expect(boom).rejects.toThrow('boom');
    await expect(after).rejects.toBeInstanceOf(ClosedError);
    await c.stopped;
    expect(c.isStopped).toBe(true);
    expect(() => c.tell({ op: 'get' })).toThrow(SendError);
    await expect(c.ask({ op: 'get' })).rejects.toBeInstanceOf(SendError);
  });

  it('stop() aborts the running handle and rejects pending asks at once, even if handle ignores its signal', async () => {
    let sawAbort = false;
    const a = actor(
      () => null,
      async (_s, m: string, signal) => {
        signal.addEventListener('abort', () => (sawAbort = true));
        await new Promise((r) => setTimeout(r, 200)); // ignores the signal
        return m;
      },
    );
    const running = a.ask('a');
    const queued = a.ask('b');
    await sleep(1);
    a.stop();
    await expect(running).rejects.toBeInstanceOf(ClosedError);
    await expect(queued).rejects.toBeInstanceOf(ClosedError);
    expect(sawAbort).toBe(true);
    await a.stopped;
  });

  it('close() handles what is queued, refuses new messages, then stops', async () => {
    const c = counter();
    c.tell({ op: 'inc' });
    c.tell({ op: 'inc' });
    const last = c.ask({ op: 'get' });
    c.close();
    expect(() => c.tell({ op: 'inc' })).toThrow(SendError);
    expect(await last).toBe(2);
    await c.stopped;
  });

  it('a failing init stops the actor, is logged, and queued asks reject with its error', async () => {
    const { logger, lines } = memoryLogger();
    const a = actor(
      async () => {
        await sleep(1);
        throw new Error('no database');
      },
      (_s: never, m: number) => m,
      { logger },
    );
    await expect(a.ask(1)).rejects.toThrow('no database');
    await a.stopped;
    expect(lines.find((l) => l.msg === 'actor init failed; stopped')).toBeDefined();
    await expect(a.send(2)).rejects.toBeInstanceOf(SendError);
  });

  it('a parent signal stops the actor', async () => {
    const parent = new AbortController();
    const c = counter({ signal: parent.signal });
    expect(await c.ask({ op: 'inc' })).toBe(1);
    parent.abort();
    await c.stopped;
    await expect(c.ask({ op: 'get' })).rejects.toBeInstanceOf(SendError);
  });

  it('an aborted ask rejects with the reason; the message is still handled', async () => {
    const c = counter();
    const ctl = new AbortController();
    ctl.abort(new Error('caller left'));
    await expect(c.ask({ op: 'inc' }, ctl.signal)).rejects.toThrow('caller left');
    const ctl2 = new AbortController();
    const p = c.ask({ op: 'inc' }, ctl2.signal);
    ctl2.abort(new Error('caller left'));
    await expect(p).rejects.toThrow('caller left');
    expect(await c.ask({ op: 'get' })).toBe(1);
    c.stop();
  });

  it('rejects an unknown onError', () => {
    // @ts-expect-error not an onError policy
    expect(() => counter({ onError: 'retry' })).toThrow(TypeError);
  });
});
