import assert from 'node:assert/strict';
import { Clock } from '../../src/engine/clock';

describe('Clock (virtual time)', () => {
  it('runs events in time order, ties in scheduling order, and advances virtual time', () => {
    const clock = new Clock();
    const seen: string[] = [];
    clock.schedule(30, () => seen.push(`c@${clock.now}`));
    clock.schedule(10, () => seen.push(`a@${clock.now}`));
    clock.schedule(10, () => seen.push(`b@${clock.now}`));
    clock.drain();
    assert.deepEqual(seen, ['a@10', 'b@10', 'c@30']);
    assert.equal(clock.now, 30);
  });

  it('runUntil stops at the given time and leaves later events pending', () => {
    const clock = new Clock();
    let ran = 0;
    clock.schedule(5, () => ran++);
    clock.schedule(50, () => ran++);
    clock.runUntil(20);
    assert.equal(ran, 1);
    assert.equal(clock.now, 20);
    assert.equal(clock.pending, 1);
  });

  it('cancelled events never run and do not count as pending', () => {
    const clock = new Clock();
    let ran = false;
    const id = clock.schedule(5, () => (ran = true));
    clock.cancel(id);
    clock.cancel(id);
    assert.equal(clock.pending, 0);
    clock.drain();
    assert.equal(ran, false);
  });

  it('events scheduled from events run in the same drain', () => {
    const clock = new Clock();
    const seen: number[] = [];
    clock.schedule(1, () => clock.schedule(1, () => seen.push(clock.now)));
    clock.drain();
    assert.deepEqual(seen, [2]);
  });

  it('stays small when most scheduled events are cancelled', () => {
    const clock = new Clock();
    for (let i = 0; i < 10_000; i++) clock.cancel(clock.schedule(30_000, () => undefined));
    assert.equal(clock.pending, 0);
    assert.ok((clock as unknown as { heap: unknown[] }).heap.length <= 2048);
  });

  it('rejects a negative or non-finite delay', () => {
    const clock = new Clock();
    assert.throws(() => clock.schedule(-1, () => undefined), /delay must be/);
    assert.throws(() => clock.schedule(Number.NaN, () => undefined), /delay must be/);
  });
});
