/** Type-level tests of the sync primitives: pairs, inferred message and answer types. */
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ActorRef,
  actor,
  interval,
  type MpscReceiver,
  type MpscSender,
  mpsc,
  type OneshotReceiver,
  type OneshotSender,
  oneshot,
  type Permit,
  Semaphore,
  type WatchReceiver,
  type WatchSender,
  watch,
} from '../index.js';

describe('sync types', () => {
  it('constructors return [tx, rx] pairs of the value type', () => {
    expectTypeOf(mpsc<number>(4)).toEqualTypeOf<[MpscSender<number>, MpscReceiver<number>]>();
    expectTypeOf(oneshot<string>()).toEqualTypeOf<[OneshotSender<string>, OneshotReceiver<string>]>();
    expectTypeOf(watch({ on: true })).toEqualTypeOf<[WatchSender<{ on: boolean }>, WatchReceiver<{ on: boolean }>]>();
  });

  it('recv says closed with undefined; a oneshot awaits to its value; a watch borrows its type', async () => {
    const [tx, rx] = mpsc<number>(4);
    expectTypeOf(rx.recv()).resolves.toEqualTypeOf<number | undefined>();
    expectTypeOf(rx.tryRecv()).toEqualTypeOf<number>();
    // @ts-expect-error a string is not a number
    tx.trySend('1');
    const [, one] = oneshot<Date>();
    expectTypeOf(await one).toEqualTypeOf<Date>();
    const [, w] = watch(1);
    expectTypeOf(w.borrow()).toEqualTypeOf<number>();
    expectTypeOf(w.waitFor((n) => n > 1)).resolves.toEqualTypeOf<number>();
  });

  it('an actor is typed by its handler: message in, awaited answer out', () => {
    const counter = actor(
      () => ({ n: 0 }),
      async (s, m: 'inc' | 'get') => (m === 'inc' ? ++s.n : s.n),
    );
    expectTypeOf(counter).toEqualTypeOf<ActorRef<'inc' | 'get', number>>();
    expectTypeOf(counter.ask('get')).resolves.toEqualTypeOf<number>();
    // @ts-expect-error not a message of this actor
    counter.tell('reset');
    actor(
      // @ts-expect-error init makes a Set, but the handler wants a number
      () => new Set<string>(),
      (s: number, m: string) => s + m.length,
    );
  });

  it('a Semaphore hands out Permits; interval takes a signal or options', () => {
    expectTypeOf(new Semaphore(1).acquire()).resolves.toEqualTypeOf<Permit>();
    expectTypeOf(new Semaphore(1).tryAcquire()).toEqualTypeOf<Permit | undefined>();
    void interval(10, AbortSignal.timeout(1));
    void interval(10, { missedTick: 'skip' });
    // @ts-expect-error not a MissedTick
    void interval(10, { missedTick: 'never' });
  });
});
