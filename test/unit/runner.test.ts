import assert from 'node:assert/strict';
import { Runner, type Progress } from '../../src/engine/runner';
import { Simulation } from '../../src/engine/simulation';

/** Fake wall time: timers fire only when the test advances time. */
function fakeTime() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 1;
  return {
    wallClock: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn, id: nextId++ };
      timers.push(t);
      return t.id;
    },
    clearTimer: (id: unknown) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > end) break;
        timers.shift();
        now = t.at;
        t.fn();
      }
      now = end;
    },
    get pending() {
      return timers.length;
    },
  };
}

const scenario = { name: 'r', durationS: 60, queues: [{ name: 'q' }], traffic: [{ name: 't', target: { queue: 'q' }, ratePerSecond: 10 }] };

describe('Runner', () => {
  it('runToEnd runs as fast as possible to the end, with progress batched every N events', () => {
    const progress: Progress[] = [];
    const sim = new Simulation(scenario);
    const runner = new Runner(sim, { onProgress: (p) => progress.push(p), progressEveryEvents: 100 });
    const end = runner.runToEnd();
    assert.equal(end.state, 'done');
    assert.equal(sim.now, 60_000);
    assert.equal(sim.summary().queues.q.sent, 600);
    assert.ok(progress.length >= 5 && progress.length < 20, `${progress.length} reports for ${sim.ctx.trace.length} events`);
    assert.equal(progress.at(-1)!.state, 'done');
  });

  it('play(speed) advances virtual time speed × wall time, on the injected timer', () => {
    const time = fakeTime();
    const progress: Progress[] = [];
    const sim = new Simulation(scenario);
    const runner = new Runner(sim, { ...time, tickMs: 100, onProgress: (p) => progress.push(p) });
    runner.play(10);
    assert.equal(runner.state, 'running');
    time.advance(1000);
    assert.equal(sim.now, 10_000);
    assert.equal(sim.summary().queues.q.sent, 101);
    assert.equal(progress.length, 10, 'one report per tick, not per event');
    runner.setSpeed(1);
    time.advance(500);
    assert.equal(sim.now, 10_500);
  });

  it('pause stops virtual time; resume continues without a jump', () => {
    const time = fakeTime();
    const sim = new Simulation(scenario);
    const runner = new Runner(sim, { ...time, tickMs: 50 });
    runner.play(2);
    time.advance(1000);
    assert.equal(sim.now, 2000);
    runner.pause();
    assert.equal(runner.state, 'paused');
    assert.equal(time.pending, 0);
    time.advance(5000);
    assert.equal(sim.now, 2000);
    runner.resume();
    time.advance(1000);
    assert.equal(sim.now, 4000);
  });

  it('step runs exactly one event and pauses a running play', () => {
    const time = fakeTime();
    const sim = new Simulation(scenario);
    const runner = new Runner(sim, { ...time });
    assert.equal(runner.step(), true);
    assert.equal(sim.ctx.trace.length, 2, 'the first arrival: request + sent');
    const before = sim.ctx.trace.length;
    runner.step();
    assert.ok(sim.ctx.trace.length > before);
    runner.play(1);
    time.advance(100);
    runner.step();
    assert.equal(runner.state, 'paused');
  });

  it('finishes at the end and resolves whenDone; bad speeds are rejected', async () => {
    const time = fakeTime();
    const sim = new Simulation(scenario);
    const runner = new Runner(sim, { ...time, untilMs: 3000 });
    const done = runner.whenDone();
    runner.play(100);
    time.advance(1000);
    const p = await done;
    assert.equal(p.state, 'done');
    assert.equal(sim.now, 3000);
    assert.equal(runner.step(), false);
    assert.throws(() => new Runner(sim).play(0), /speed must be/);
  });
});
