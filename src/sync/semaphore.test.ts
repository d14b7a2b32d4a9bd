/** Semaphore, with the cases of tokio's tests/sync_semaphore.rs that apply. */
import { describe, expect, it } from 'vitest';
import { ClosedError, Semaphore } from './index.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('Semaphore', () => {
  it('no_permits: a semaphore of 0 grants nothing until permits are added', async () => {
    const s = new Semaphore(0);
    expect(s.tryAcquire()).toBeUndefined();
    let got = false;
    const p = s.acquire().then((permit) => ((got = true), permit));
    await tick();
    expect(got).toBe(false);
    s.addPermits(1);
    expect((await p).count).toBe(1);
  });

  it('try_acquire: permits run out and come back on release', () => {
    const s = new Semaphore(1);
    const p1 = s.tryAcquire();
    expect(p1).toBeDefined();
    expect(s.tryAcquire()).toBeUndefined();
    p1?.release();
    p1?.release(); // idempotent
    expect(s.available).toBe(1);
    expect(s.tryAcquire()).toBeDefined();
  });

  it('add_permits_open / add_permits_closed: adding permits works open or closed', () => {
    const s = new Semaphore(0);
    s.addPermits(1);
    expect(s.tryAcquire()).toBeDefined();
    s.close();
    s.addPermits(1);
    expect(s.available).toBe(1);
    expect(() => s.tryAcquire()).toThrow(ClosedError);
  });

  it('forget: a forgotten permit is not returned', () => {
    const s = new Semaphore(1);
    const p = s.tryAcquire();
    p?.forget();
    expect(p?.count).toBe(0);
    p?.release();
    expect(s.available).toBe(0);
  });

  it('acquire many: a large request at the head holds back smaller ones behind it (no starvation)', async () => {
    const s = new Semaphore(2);
    const held = await s.acquire(2);
    const order: string[] = [];
    const big = s.acquire(2).then((p) => (order.push('big'), p));
    const small = s.acquire(1).then((p) => (order.push('small'), p));
    held.release();
    expect(s.tryAcquire()).toBeUndefined(); // nobody jumps the queue
    const b = await big;
    await tick();
    expect(order).toEqual(['big']);
    b.release();
    (await small).release();
    expect(order).toEqual(['big', 'small']);
    expect(s.available).toBe(2);
  });

  it('waiters are served first come, first served', async () => {
    const s = new Semaphore(1);
    const first = await s.acquire();
    const order: number[] = [];
    const ws = [1, 2, 3].map((i) => s.acquire().then((p) => (order.push(i), p.release())));
    first.release();
    await Promise.all(ws);
    expect(order).toEqual([1, 2, 3]);
  });

  it('blocking_acquire_closed: close() rejects waiting and later acquires with ClosedError; permits out stay valid', async () => {
    const s = new Semaphore(1);
    const out = await s.acquire();
    const waiting = s.acquire();
    s.close();
    await expect(waiting).rejects.toBeInstanceOf(ClosedError);
    await expect(s.acquire()).rejects.toBeInstanceOf(ClosedError);
    expect(s.isClosed).toBe(true);
    out.release();
    expect(s.available).toBe(1);
  });

  it('an aborted acquire takes nothing, and if it was at the head the ones behind it are served', async () => {
    const s = new Semaphore(1);
    const c = new AbortController();
    const big = s.acquire(2, c.signal).catch((e: unknown) => e);
    const small = s.acquire(1);
    c.abort();
    expect(((await big) as Error).name).toBe('AbortError');
    expect((await small).count).toBe(1);
    expect(s.available).toBe(0);
  });

  it('bad counts are RangeErrors; Symbol.dispose releases', async () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    const s = new Semaphore(1);
    await expect(s.acquire(0)).rejects.toBeInstanceOf(RangeError);
    expect(() => s.tryAcquire(1.5)).toThrow(RangeError);
    const p = await s.acquire();
    p[Symbol.dispose]();
    expect(s.available).toBe(1);
  });

  it('limits concurrency: no more than n holders at once', async () => {
    const s = new Semaphore(3);
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const p = await s.acquire();
        inside++;
        most = Math.max(most, inside);
        await tick();
        inside--;
        p.release();
      }),
    );
    expect(most).toBe(3);
  });
});
