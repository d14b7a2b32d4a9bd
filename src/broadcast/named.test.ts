import { describe, expect, it } from 'vitest';
import { channel, LaggedError } from '../index.js';
import { type Backplane, type BackplaneLink, GapTracker, unwrap, wrap } from './backplane.js';

/** An in-memory backplane: a bus of links, with a switch to lose messages in transit. */
class MemoryBackplane implements Backplane {
  readonly links = new Map<string, Set<(m: string) => void>>();
  readonly published: string[] = [];
  lose = false;
  echo = true;

  open(name: string, onMessage: (m: string) => void): BackplaneLink {
    let set = this.links.get(name);
    if (!set) this.links.set(name, (set = new Set()));
    set.add(onMessage);
    return {
      publish: (m) => {
        this.published.push(m);
        if (this.lose) return;
        for (const h of set) if (this.echo || h !== onMessage) h(m);
      },
      close: () => set.delete(onMessage),
    };
  }
}

describe('named channels', () => {
  it('carry values between instances in each sender’s order, skipping their own echo', async () => {
    const bp = new MemoryBackplane();
    const [a] = channel<number>(64, { name: 'n', backplane: bp });
    const [b, rxB] = channel<number>(64, { name: 'n', backplane: bp });
    const [, rxA] = [a, a.subscribe()];
    for (let i = 0; i < 20; i++) a.send(i);
    b.send(100);
    const gotB = [];
    for (let i = 0; i < 21; i++) gotB.push(await rxB.recv());
    expect(gotB).toEqual([...Array.from({ length: 20 }, (_, i) => i), 100]);
    const gotA = [];
    for (let i = 0; i < 21; i++) gotA.push(await rxA.recv());
    expect(gotA).toEqual([...Array.from({ length: 20 }, (_, i) => i), 100]); // own values once, not twice
    expect(rxA.len).toBe(0);
  });

  it('send returns the local count and never throws for want of local receivers, like an unnamed channel', () => {
    const bp = new MemoryBackplane();
    const [tx, rx] = channel<string>(4, { name: 'lonely', backplane: bp });
    rx.unsubscribe();
    expect(tx.send('x')).toBe(0);
    expect(bp.published).toHaveLength(1);
    const [plain, prx] = channel<string>(4);
    prx.close();
    expect(plain.send('x')).toBe(0);
  });

  it('turns values lost on the way into LaggedError(n) and onLag(n), then goes on', async () => {
    const bp = new MemoryBackplane();
    const lags: number[] = [];
    const [a] = channel<number>(64, { name: 'g', backplane: bp });
    const [, rx] = channel<number>(64, { name: 'g', backplane: bp, onLag: (n) => lags.push(n) });
    a.send(1);
    bp.lose = true;
    a.send(2);
    a.send(3);
    a.send(4);
    bp.lose = false;
    a.send(5);
    expect(await rx.recv()).toBe(1);
    await expect(rx.recv()).rejects.toEqual(new LaggedError(3));
    expect(await rx.recv()).toBe(5);
    expect(lags).toEqual([3]);
  });

  it('drops what does not decode (counted as lag) and keeps serving', async () => {
    const bp = new MemoryBackplane();
    const [txR, rx] = channel<{ n: number }>(8, { name: 'd', backplane: bp });
    const link = bp.links.get('d') as Set<(m: string) => void>;
    for (const h of link) h(wrap('other', 0, '{not json'));
    for (const h of link) h('garbage that is not an envelope');
    const [tx2] = channel<{ n: number }>(8, { name: 'd', backplane: bp });
    tx2.send({ n: 7 });
    await expect(rx.recv()).rejects.toBeInstanceOf(LaggedError);
    expect(await rx.recv()).toEqual({ n: 7 });
    expect(txR.lagged).toBe(1);
  });

  it('rejects prototype pollution in JSON from the backplane', async () => {
    const bp = new MemoryBackplane();
    const [, rx] = channel<object>(8, { name: 'p', backplane: bp });
    for (const h of bp.links.get('p') as Set<(m: string) => void>) h(wrap('evil', 0, '{"__proto__":{"polluted":1}}'));
    await expect(rx.recv()).rejects.toBeInstanceOf(LaggedError);
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
  });

  it('uses encode/decode for the wire when given both, bytes included', async () => {
    const bp = new MemoryBackplane();
    const enc = (v: Uint8Array) => v;
    const dec = (d: string | Uint8Array) => (typeof d === 'string' ? new TextEncoder().encode(d) : d);
    const [a] = channel<Uint8Array>(8, { name: 'b', backplane: bp, encode: enc, decode: dec });
    const [, rx] = channel<Uint8Array>(8, { name: 'b', backplane: bp, encode: enc, decode: dec });
    a.send(new Uint8Array([0, 1, 255]));
    expect([...(await rx.recv())]).toEqual([0, 1, 255]);
    expect(() => channel<number>(1, { name: 'x', decode: () => 1 })).toThrow(/decode needs encode/);
    expect(() => channel<number>(1, { backplane: bp })).toThrow(/needs a name/);
  });

  it('keeps an in-memory history of what it saw when the backplane keeps none', async () => {
    const bp = new MemoryBackplane();
    const [a] = channel<number>(8, { name: 'h', backplane: bp, history: 3 });
    const [b] = channel<number>(8, { name: 'h', backplane: bp, history: 3 });
    for (let i = 0; i < 5; i++) a.send(i);
    expect(await a.history()).toEqual([2, 3, 4]);
    expect(await b.history()).toEqual([2, 3, 4]);
    const [plain] = channel<number>(8);
    expect(await plain.history()).toEqual([]);
  });

  it('stops hearing the backplane once every sender closed', () => {
    const bp = new MemoryBackplane();
    const [a, rx] = channel<number>(8, { name: 'c', backplane: bp });
    expect(bp.links.get('c')?.size).toBe(1);
    a.close();
    expect(bp.links.get('c')?.size).toBe(0);
    rx.unsubscribe();
  });

  it('a named channel outside a pool and without a backplane is local', async () => {
    const [tx, rx] = channel<number>(4, { name: 'solo' });
    expect(tx.send(1)).toBe(1);
    expect(await rx.recv()).toBe(1);
    rx.unsubscribe();
    expect(tx.send(2)).toBe(0);
  });
});

describe('envelopes and gap tracking', () => {
  it('round-trips text and bytes and refuses anything else', () => {
    expect(unwrap(wrap('o1', 5, 'hello world'))).toEqual({ origin: 'o1', seq: 5, data: 'hello world' });
    expect(unwrap(wrap('o1', 0, new Uint8Array([1, 2])))).toEqual({
      origin: 'o1',
      seq: 0,
      data: new Uint8Array([1, 2]),
    });
    for (const bad of ['', 'w1 ', 'w1 o 1', 'w1 o x sA', 'w1 o -1 sA', 'w1 o 1 zA', 'x1 o 1 sA'])
      expect(unwrap(bad)).toBeUndefined();
  });

  it('counts the gap per origin, drops duplicates, and forgets the least recently heard', () => {
    const g = new GapTracker(2);
    expect(g.see('a', 10)).toBe(0);
    expect(g.see('a', 11)).toBe(0);
    expect(g.see('a', 15)).toBe(3);
    expect(g.see('a', 15)).toBe(-1);
    expect(g.see('b', 0)).toBe(0);
    expect(g.see('c', 0)).toBe(0); // forgets a
    expect(g.see('a', 20)).toBe(0);
  });
});

/** A backplane that keeps history like Redis does: reads are counted and answered when the test says. */
class HistoryBackplane implements Backplane {
  readonly kept: string[] = [];
  reads = 0;
  barrierWorks = true;
  private readonly pending: (() => void)[] = [];

  open(_name: string, onMessage: (m: string) => void): BackplaneLink {
    return {
      publish: (m) => {
        this.kept.push(m);
        onMessage(m);
      },
      history: (n) => {
        this.reads++;
        const snapshot = this.kept.slice(-n);
        return new Promise((resolve) => this.pending.push(() => resolve(snapshot)));
      },
      barrier: () => (this.barrierWorks ? Promise.resolve() : Promise.reject(new Error('down'))),
      close: () => undefined,
    };
  }

  /** Answer every read asked so far. */
  answer(): void {
    for (const p of this.pending.splice(0)) p();
  }
}

describe('history reads', () => {
  it('are shared: callers until a read starts share it, and one more read serves everyone who came meanwhile', async () => {
    const bp = new HistoryBackplane();
    const [tx] = channel<number>(8, { name: 'many', backplane: bp, history: 10 });
    for (let i = 0; i < 3; i++) tx.send(i);
    const first = Array.from({ length: 50 }, () => tx.replay({}));
    await Promise.resolve();
    await Promise.resolve();
    expect(bp.reads).toBe(1);
    tx.send(3); // after the first read began: only the second read holds it
    const second = Array.from({ length: 50 }, () => tx.replay({}));
    bp.answer();
    const a = await Promise.all(first);
    await until(() => bp.reads === 2);
    bp.answer();
    const b = await Promise.all(second);
    expect(bp.reads).toBe(2);
    expect(new Set(a.map((r) => r.values.map((v) => v.value).join()))).toEqual(new Set(['0,1,2']));
    expect(new Set(b.map((r) => r.values.map((v) => v.value).join()))).toEqual(new Set(['0,1,2,3']));
  });

  it('give a new subscriber the senders only history knows, once the barrier says they were delivered', async () => {
    const bp = new HistoryBackplane();
    const [old] = channel<number>(8, { name: 'base', backplane: bp, history: 10 });
    for (let i = 0; i < 4; i++) old.send(i);
    const [tx] = channel<number>(8, { name: 'base', backplane: bp, history: 10 }); // opened later: never heard `old`
    const known = tx.snapshot();
    expect(known).toEqual({});
    const epoch = Object.keys(old.snapshot())[0] as string;
    const got = tx.baseline(known);
    await until(() => bp.reads === 1);
    bp.answer();
    expect(await got).toEqual({ [epoch]: 3 });
    bp.barrierWorks = false; // cannot tell whether a kept value is still on its way: no baseline
    const unsure = tx.baseline(known);
    await until(() => bp.reads === 2);
    bp.answer();
    expect(await unsure).toBeUndefined();
  });
});

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setImmediate(r));
  expect(ok()).toBe(true);
}
