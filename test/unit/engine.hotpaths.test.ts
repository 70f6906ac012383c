// What the engine's fast paths rely on: the clock's indexed heap, the trace's `wants` and totals,
// the queue's `hasReceivable`, and records-off runs behaving exactly like records-on runs.
import assert from 'node:assert/strict';
import { Clock } from '../../src/engine/clock';
import { EngineContext } from '../../src/engine/context';
import { Queue } from '../../src/engine/queue';
import { Random } from '../../src/engine/random';
import { Simulation } from '../../src/engine/simulation';
import { Trace, toJsonLine, type RecordRetention } from '../../src/engine/trace';

describe('Clock: indexed heap', () => {
  it('runs what was not cancelled in (time, scheduling) order, whatever is cancelled and when', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = new Random(seed);
      const clock = new Clock();
      const ran: number[] = [];
      const expected: Array<{ at: number; n: number }> = [];
      const ids: Array<{ id: ReturnType<Clock['at']>; n: number; at: number }> = [];
      let n = 0;
      for (let i = 0; i < 400; i++) {
        const at = random.int(50);
        const k = n++;
        ids.push({ id: clock.at(at, () => ran.push(k)), n: k, at });
      }
      const cancelled = new Set<number>();
      for (const t of ids) {
        if (random.chance(0.4)) {
          clock.cancel(t.id);
          clock.cancel(t.id); // twice is harmless
          cancelled.add(t.n);
        } else expected.push({ at: t.at, n: t.n });
      }
      assert.equal(clock.pending, expected.length);
      assert.equal((clock as unknown as { heap: unknown[] }).heap.length, expected.length, 'cancelled timers leave the heap at once');
      clock.drain();
      expected.sort((a, b) => a.at - b.at || a.n - b.n);
      assert.deepEqual(ran, expected.map((e) => e.n));
      assert.equal(clock.pending, 0);
    }
  });

  it('cancelling an event that already ran, or from inside another event, is safe', () => {
    const clock = new Clock();
    const seen: string[] = [];
    const a = clock.schedule(1, () => seen.push('a'));
    clock.schedule(2, () => {
      seen.push('b');
      clock.cancel(a); // already ran
      clock.cancel(c); // still pending: never runs
    });
    const c = clock.schedule(3, () => seen.push('c'));
    clock.schedule(4, () => seen.push('d'));
    clock.drain();
    assert.deepEqual(seen, ['a', 'b', 'd']);
    assert.equal(clock.now, 4);
  });

  it('peek and runUntil see only live events', () => {
    const clock = new Clock();
    const early = clock.schedule(5, () => undefined);
    clock.schedule(10, () => undefined);
    clock.cancel(early);
    assert.equal(clock.peek(), 10);
    clock.runUntil(7);
    assert.equal(clock.now, 7);
    assert.equal(clock.pending, 1);
  });
});

describe('Trace: wants and totals', () => {
  it('wants a kind when records are kept or someone listens for it', () => {
    assert.equal(new Trace(() => 0, { mode: 'all' }).wants('sent'), true);
    assert.equal(new Trace(() => 0, { mode: 'window', size: 3 }).wants('sent'), true);
    const trace = new Trace(() => 0, { mode: 'none' });
    assert.equal(trace.wants('sent'), false);
    const off = trace.subscribe(() => undefined, ['sent']);
    assert.equal(trace.wants('sent'), true);
    assert.equal(trace.wants('received'), false);
    off();
    assert.equal(trace.wants('sent'), false);
    const offAll = trace.subscribe(() => undefined);
    assert.equal(trace.wants('received'), true);
    offAll();
    assert.equal(trace.wants('received'), false);
  });

  it('count without a resource is the total over every resource', () => {
    const trace = new Trace(() => 0, { mode: 'none' });
    trace.emit('sent', 'a');
    trace.emit('sent', 'b');
    trace.emit('sent', 'b');
    trace.emit('deleted', 'a');
    assert.equal(trace.count('sent'), 3);
    assert.equal(trace.count('deleted'), 1);
    assert.equal(trace.count('purged'), 0);
  });
});

describe('Queue: hasReceivable', () => {
  it('standard queue: true exactly when a visible message waits', () => {
    const ctx = new EngineContext({ seed: 1 });
    const queue = new Queue(ctx, { name: 'q' });
    assert.equal(queue.hasReceivable(), false);
    queue.send('a', { delayS: 1 });
    assert.equal(queue.hasReceivable(), false, 'a delayed message is not receivable');
    ctx.clock.advance(1000);
    assert.equal(queue.hasReceivable(), true);
    const [m] = queue.receive();
    assert.equal(queue.hasReceivable(), false, 'in flight');
    assert.deepEqual(queue.receive(), []);
    queue.delete(m.receiptHandle);
    assert.equal(queue.hasReceivable(), false);
  });

  it('FIFO queue: false while every group with visible messages has one in flight', () => {
    const ctx = new EngineContext({ seed: 1 });
    const queue = new Queue(ctx, { name: 'q.fifo', fifo: true, contentBasedDeduplication: true });
    queue.send('a1', { groupId: 'a' });
    queue.send('a2', { groupId: 'a' });
    assert.equal(queue.hasReceivable(), true);
    const [m] = queue.receive();
    assert.equal(queue.depth().visible, 1);
    assert.equal(queue.hasReceivable(), false, 'group a is blocked behind its in-flight message');
    queue.send('b1', { groupId: 'b' });
    assert.equal(queue.hasReceivable(), true);
    queue.receive();
    queue.delete(m.receiptHandle);
    assert.equal(queue.hasReceivable(), true, 'group a unblocked');
  });
});

describe('records kept or not: the same run', () => {
  it('a scenario gives the same events, counts and summary whether records are kept, windowed or not kept', () => {
    const scenario = {
      name: 'mix',
      seed: 3,
      durationS: 60,
      queues: [{ name: 'jobs', duplicateRate: 0.2, deadLetter: { queue: 'jobs-dlq', maxReceiveCount: 2 } }, { name: 'jobs-dlq' }],
      functions: [{ name: 'worker', handler: 'worker', durationMs: 50, events: [{ queue: 'jobs', batchSize: 3 }] }],
      traffic: [{ name: 'load', target: { queue: 'jobs' }, ratePerSecond: 20, arrival: 'poisson', payload: { n: '{{seq}}', pick: '{{pick "x" "y"}}' } }],
    };
    const handlers = {
      worker: () => ({
        handler: (event: { Records: Array<{ body: string }> }) => {
          if (event.Records.some((r) => (JSON.parse(r.body) as { n: number }).n % 7 === 0)) throw new Error('seven');
        },
      }),
    };
    const run = (records: RecordRetention) => {
      const sim = new Simulation(structuredClone(scenario), { records, handlers });
      const lines: string[] = [];
      sim.ctx.trace.subscribe((r) => lines.push(toJsonLine(r)), ['received', 'request', 'dead-lettered', 'duplicate']);
      sim.run();
      return { lines, counters: sim.ctx.trace.counters(), summary: sim.summary(), kept: sim.records().map(toJsonLine) };
    };
    const all = run({ mode: 'all' });
    const none = run({ mode: 'none' });
    const window = run({ mode: 'window', size: 50 });
    assert.ok(all.lines.length > 1000);
    assert.ok(all.summary.queues.jobs.duplicates > 0 && all.summary.queues.jobs.deadLettered > 0);
    for (const other of [none, window]) {
      assert.deepEqual(other.lines, all.lines);
      assert.deepEqual(other.counters, all.counters);
      assert.deepEqual(other.summary, all.summary);
    }
    assert.deepEqual(none.kept, []);
    assert.deepEqual(window.kept, all.kept.slice(-50));
  });
});
