import { describe, expect, it } from 'vitest';
import type { Exchange } from '../reactor/contract.js';
import { Flight, InFlight } from './flight.js';

const flight = (path: string) => new Flight({ path } as unknown as Exchange, {});

describe('InFlight', () => {
  it('keeps flights in arrival order and removes any of them once', () => {
    const list = new InFlight();
    const [a, b, c] = [flight('/a'), flight('/b'), flight('/c')] as [Flight, Flight, Flight];
    list.add(a);
    list.add(b);
    list.add(c);
    list.add(b); // already listed: no second entry
    expect(list.size).toBe(3);
    expect(list.snapshot().map((f) => f.ex.path)).toEqual(['/a', '/b', '/c']);
    expect(list.delete(b)).toBe(true);
    expect(list.delete(b)).toBe(false);
    expect(list.snapshot().map((f) => f.ex.path)).toEqual(['/a', '/c']);
    expect(list.delete(a)).toBe(true);
    expect(list.delete(c)).toBe(true);
    expect(list.size).toBe(0);
    expect(list.snapshot()).toEqual([]);
    list.add(c);
    expect(list.snapshot()).toEqual([c]);
  });

  it('is safe to change while a snapshot is walked, and clears', () => {
    const list = new InFlight();
    const fs = ['/1', '/2', '/3', '/4'].map(flight);
    for (const f of fs) list.add(f);
    const seen: string[] = [];
    for (const f of list.snapshot()) {
      if (!f.listed) continue;
      seen.push(f.ex.path);
      list.delete(fs[2] as Flight); // a later one leaves while the walk is on
      list.delete(f);
    }
    expect(seen).toEqual(['/1', '/2', '/4']);
    expect(list.size).toBe(0);
    for (const f of fs) list.add(f);
    list.clear();
    expect(list.size).toBe(0);
    expect(fs.every((f) => !f.listed)).toBe(true);
  });
});
