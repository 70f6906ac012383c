import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EngineContext } from '../../src/engine/context';
import { ValidationError } from '../../src/engine/errors';
import { Random } from '../../src/engine/random';
import { toJsonLine } from '../../src/engine/trace';
import { compileTemplate, FaultSchedule, FaultSpec, renderPayload, TrafficGenerator, TrafficSpec, validateFault, validateTraffic } from '../../src/engine/traffic';

function throwsValidation(fn: () => unknown, path: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ValidationError && err.path === path, `expected ValidationError at ${path}`);
}

/** Run a generator to the end and return the virtual times of its requests. */
function run(spec: TrafficSpec, seed = 1, untilMs?: number): { times: number[]; payloads: unknown[]; ids: string[]; gen: TrafficGenerator; ctx: EngineContext; maxPending: number } {
  const ctx = new EngineContext({ seed, records: { mode: 'none' } });
  const times: number[] = [];
  const payloads: unknown[] = [];
  const ids: string[] = [];
  let maxPending = 0;
  const gen = new TrafficGenerator(ctx, spec, (payload, id) => {
    times.push(ctx.clock.now);
    payloads.push(payload);
    ids.push(id);
    maxPending = Math.max(maxPending, ctx.clock.pending);
  });
  gen.start();
  if (untilMs === undefined) ctx.clock.drain();
  else ctx.clock.runUntil(untilMs);
  return { times, payloads, ids, gen, ctx, maxPending };
}

const vars = (seed = 1) => ({ seq: 7, id: 'req-7', now: 1234, random: new Random(seed) });

describe('TrafficGenerator', () => {
  it('uniform 10/s for 60 s sends exactly 600 requests, evenly 100 ms apart in [0, 60 s)', () => {
    const { times, gen } = run({ name: 'checkout', ratePerSecond: 10, durationS: 60 });
    assert.equal(times.length, 600);
    assert.equal(gen.sent, 600);
    assert.equal(times[0], 0);
    assert.equal(times[599], 59_900);
    for (let i = 1; i < times.length; i++) assert.equal(times[i] - times[i - 1], 100);
  });

  it('a spike overrides the base rate in its window and raises the count exactly', () => {
    const spec: TrafficSpec = { name: 'sale', ratePerSecond: 10, durationS: 60, spikes: [{ atS: 20, durationS: 10, ratePerSecond: 50 }] };
    const { times } = run(spec);
    assert.equal(times.length, 50 * 10 + 10 * 50); // 50 s at 10/s + 10 s at 50/s
    const inSpike = times.filter((t) => t >= 20_000 && t < 30_000);
    assert.equal(inSpike.length, 500);
    assert.equal(inSpike[0], 20_000);
    assert.equal(inSpike[1] - inSpike[0], 20);
    assert.equal(times.filter((t) => t < 20_000).length, 200);
    assert.equal(times.filter((t) => t >= 30_000).length, 300);
  });

  it('a spike with rate 0 is an outage window with no traffic; a spike beyond the window is clipped', () => {
    const { times } = run({ name: 'x', ratePerSecond: 2, durationS: 10, spikes: [{ atS: 2, durationS: 3, ratePerSecond: 0 }, { atS: 9, durationS: 5, ratePerSecond: 10 }] });
    assert.equal(times.filter((t) => t >= 2000 && t < 5000).length, 0);
    assert.equal(times.length, 2 * 2 + 2 * 4 + 10 * 1);
    assert.ok(times.every((t) => t < 10_000));
  });

  it('startS delays the traffic; a rate below 1/s is spaced by 1/rate', () => {
    const { times } = run({ name: 'slow', ratePerSecond: 0.5, startS: 5, durationS: 10 });
    assert.deepEqual(times, [5000, 7000, 9000, 11_000, 13_000]);
  });

  it('schedules lazily: 100 req/s for an hour is 360,000 requests with never more than one pending timer', function () {
    this.timeout(20_000);
    const { gen, maxPending } = run({ name: 'hour', ratePerSecond: 100, durationS: 3600, payload: 'x' });
    assert.equal(gen.sent, 360_000);
    assert.equal(maxPending, 1);
  });

  it('without a duration it runs until stopped; stop cancels the pending arrival and start resumes without a burst', () => {
    const ctx = new EngineContext();
    const times: number[] = [];
    const gen = new TrafficGenerator(ctx, { name: 'open', ratePerSecond: 10 }, () => times.push(ctx.clock.now));
    gen.start();
    gen.start(); // already running: no second schedule
    ctx.clock.runUntil(950);
    assert.equal(gen.sent, 10);
    gen.stop();
    assert.equal(ctx.clock.pending, 0);
    ctx.clock.runUntil(5_000);
    assert.equal(gen.sent, 10);
    gen.start();
    ctx.clock.runUntil(5_250);
    assert.deepEqual(times.slice(10), [5000, 5100, 5200]);
    gen.stop();
  });

  it('traces one request per emitted item, on the generator, with the id passed to emit', () => {
    const ctx = new EngineContext();
    const ids: string[] = [];
    new TrafficGenerator(ctx, { name: 'orders-in', ratePerSecond: 5, durationS: 1 }, (_p, id) => ids.push(id)).start();
    ctx.clock.drain();
    const records = ctx.trace.records().filter((r) => r.kind === 'request');
    assert.equal(records.length, 5);
    assert.deepEqual(
      records.map((r) => r.id),
      ids,
    );
    assert.ok(records.every((r) => r.resource === 'orders-in'));
    assert.equal(new Set(ids).size, 5);
  });

  it('a request record carries the payload it rendered, so a check can trace an item back to its fields', () => {
    const ctx = new EngineContext();
    const payloads: unknown[] = [];
    new TrafficGenerator(ctx, { name: 'ledger', ratePerSecond: 3, durationS: 1, payload: { entryId: 'e-{{seq}}', accountId: '{{pick "a" "b"}}' } }, (p) => payloads.push(p)).start();
    ctx.clock.drain();
    const records = ctx.trace.records().filter((r) => r.kind === 'request');
    assert.deepEqual(
      records.map((r) => r.detail?.payload),
      payloads,
    );
    assert.deepEqual(
      records.map((r) => (r.detail?.payload as { entryId: string }).entryId),
      ['e-1', 'e-2', 'e-3'],
    );
  });

  it('the default payload carries seq and id; a template renders per request', () => {
    const a = run({ name: 'a', ratePerSecond: 2, durationS: 1 });
    assert.deepEqual(a.payloads, [
      { seq: 1, id: a.ids[0] },
      { seq: 2, id: a.ids[1] },
    ]);
    const b = run({ name: 'b', ratePerSecond: 1, durationS: 2, payload: { orderId: 'o-{{seq}}', at: '{{now}}' } });
    assert.deepEqual(b.payloads, [
      { orderId: 'o-1', at: 0 },
      { orderId: 'o-2', at: 1000 },
    ]);
  });

  it('poisson arrivals are deterministic per seed, differ across seeds, and average the rate', () => {
    const spec: TrafficSpec = { name: 'p', ratePerSecond: 100, durationS: 100, arrival: 'poisson' };
    const a = run(spec, 42).times;
    const b = run(spec, 42).times;
    const c = run(spec, 43).times;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    // 10,000 expected; a Poisson count has σ = 100, so ±500 is 5σ.
    assert.ok(Math.abs(a.length - 10_000) < 500, `got ${a.length}`);
    const gaps = a.slice(1).map((t, i) => t - a[i]);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    assert.ok(Math.abs(mean - 10) < 0.5, `mean gap ${mean}`);
    // Exponential gaps: about e^-1 ≈ 36.8 % of gaps exceed the mean.
    const above = gaps.filter((g) => g > 10).length / gaps.length;
    assert.ok(Math.abs(above - Math.exp(-1)) < 0.03, `share above mean ${above}`);
  });

  it('poisson traffic follows a spike (more arrivals where the rate is higher)', () => {
    const { times } = run({ name: 'p', ratePerSecond: 10, durationS: 30, arrival: 'poisson', spikes: [{ atS: 10, durationS: 10, ratePerSecond: 100 }] }, 7);
    const inSpike = times.filter((t) => t >= 10_000 && t < 20_000).length;
    const outside = times.length - inSpike;
    assert.ok(Math.abs(inSpike - 1000) < 160, `in spike ${inSpike}`);
    assert.ok(Math.abs(outside - 200) < 75, `outside ${outside}`);
  });

  it('the same seed gives the same trace byte for byte (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom('uniform' as const, 'poisson' as const), (seed, arrival) => {
        const lines = (): string => {
          const ctx = new EngineContext({ seed });
          new TrafficGenerator(ctx, { name: 't', ratePerSecond: 20, durationS: 2, arrival, payload: { u: '{{uuid}}', n: '{{randomInt 1 6}}' } }, () => undefined).start();
          ctx.clock.drain();
          return ctx.trace.records().map(toJsonLine).join('\n');
        };
        assert.equal(lines(), lines());
      }),
      { numRuns: 30 },
    );
  });

  it('uniform count is exactly rate × duration, with or without a spike inside the window (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 100 }),
        (rate, duration, start, spikeRate, spikeAtPct) => {
          const spikeLen = Math.max(1, Math.floor(duration / 3));
          const spikeAt = start + Math.floor(((duration - spikeLen) * spikeAtPct) / 100);
          const { times } = run({ name: 'p', ratePerSecond: rate, startS: start, durationS: duration, spikes: [{ atS: spikeAt, durationS: spikeLen, ratePerSecond: spikeRate }] });
          assert.equal(times.length, rate * (duration - spikeLen) + spikeRate * spikeLen);
          assert.ok(times.every((t) => t >= start * 1000 && t < (start + duration) * 1000));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects bad specs naming the field, before anything is scheduled', () => {
    const ctx = new EngineContext();
    const emit = (): void => undefined;
    throwsValidation(() => new TrafficGenerator(ctx, { name: '', ratePerSecond: 1 }, emit), 'name');
    throwsValidation(() => new TrafficGenerator(ctx, { name: 'a', ratePerSecond: -1 }, emit), 'ratePerSecond');
    throwsValidation(() => new TrafficGenerator(ctx, { name: 'a', ratePerSecond: Number.NaN }, emit), 'ratePerSecond');
    throwsValidation(() => new TrafficGenerator(ctx, { name: 'a', ratePerSecond: 1, durationS: 0 }, emit), 'durationS');
    throwsValidation(() => new TrafficGenerator(ctx, { name: 'a', ratePerSecond: 1, startS: -5 }, emit), 'startS');
    throwsValidation(() => new TrafficGenerator(ctx, { name: 'a', ratePerSecond: 1, arrival: 'burst' as never }, emit), 'arrival');
    throwsValidation(() => new TrafficGenerator(ctx, { name: 'a', ratePerSecond: 1, spikes: [{ atS: 1, durationS: 0, ratePerSecond: 5 }] }, emit), 'spikes[0].durationS');
    throwsValidation(
      () =>
        new TrafficGenerator(
          ctx,
          {
            name: 'a',
            ratePerSecond: 1,
            spikes: [
              { atS: 10, durationS: 5, ratePerSecond: 5 },
              { atS: 12, durationS: 5, ratePerSecond: 5 },
            ],
          },
          emit,
        ),
      'spikes[1]',
    );
    throwsValidation(() => new TrafficGenerator(ctx, { name: 'a', ratePerSecond: 1, payload: { items: [{ sku: '{{sku}}' }] } }, emit), 'payload.items[0].sku');
    throwsValidation(() => new TrafficGenerator(ctx, { name: 'a', ratePerSecond: 1, rate: 3 } as never, emit), 'rate');
    throwsValidation(() => validateTraffic({ name: 'a', ratePerSecond: 1, spikes: [{ atS: 'soon', durationS: 1, ratePerSecond: 1 }] }, 'traffic[3]'), 'traffic[3].spikes[0].atS');
    assert.equal(ctx.clock.pending, 0);
  });
});

describe('payload templates', () => {
  it('a string that is exactly one placeholder keeps the type; mixed strings are text', () => {
    assert.equal(renderPayload('{{seq}}', vars()), 7);
    assert.equal(renderPayload('{{now}}', vars()), 1234);
    assert.equal(renderPayload('{{id}}', vars()), 'req-7');
    assert.equal(renderPayload('order-{{seq}}@{{now}}', vars()), 'order-7@1234');
    assert.equal(renderPayload('{{ seq }}', vars()), 7);
    assert.equal(renderPayload('no placeholders', vars()), 'no placeholders');
    assert.equal(renderPayload(42, vars()), 42);
    assert.equal(renderPayload(null, vars()), null);
  });

  it('renders objects and arrays recursively, into fresh copies', () => {
    const template = { a: ['{{seq}}', { b: 'x-{{id}}' }], c: true };
    const out = renderPayload(template, vars());
    assert.deepEqual(out, { a: [7, { b: 'x-req-7' }], c: true });
    assert.deepEqual(template, { a: ['{{seq}}', { b: 'x-{{id}}' }], c: true });
    const render = compileTemplate({ list: [1, 2] });
    const first = render(vars()) as { list: number[] };
    first.list.push(3);
    assert.deepEqual(render(vars()), { list: [1, 2] });
  });

  it('randomInt is inclusive at both ends; pick chooses among its values and keeps their type', () => {
    const r = new Random(5);
    const seen = new Set<unknown>();
    for (let i = 0; i < 500; i++) seen.add(renderPayload('{{randomInt 1 3}}', { seq: i, id: 'x', now: 0, random: r }));
    assert.deepEqual([...seen].sort(), [1, 2, 3]);
    const picks = new Set<unknown>();
    for (let i = 0; i < 200; i++) picks.add(renderPayload('{{pick "a b" \'c\' 3}}', { seq: i, id: 'x', now: 0, random: r }));
    assert.deepEqual([...picks].sort(), [3, 'a b', 'c']);
    assert.equal(renderPayload('{{randomInt -2 -2}}', vars()), -2);
  });

  it('uuid is a version-4 UUID drawn from the seeded random source', () => {
    const a = renderPayload('{{uuid}}', vars(9));
    const b = renderPayload('{{uuid}}', vars(9));
    const c = renderPayload('{{uuid}}', vars(10));
    assert.match(String(a), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('bad placeholders are ValidationErrors naming the path', () => {
    throwsValidation(() => renderPayload({ order: { lines: ['ok', '{{nope}}'] } }, vars()), 'payload.order.lines[1]');
    throwsValidation(() => renderPayload('{{seq', vars()), 'payload');
    throwsValidation(() => renderPayload('{{}}', vars()), 'payload');
    throwsValidation(() => renderPayload('{{randomInt 5 1}}', vars()), 'payload');
    throwsValidation(() => renderPayload('{{randomInt 1.5 3}}', vars()), 'payload');
    throwsValidation(() => renderPayload('{{randomInt 1}}', vars()), 'payload');
    throwsValidation(() => renderPayload('{{pick}}', vars()), 'payload');
    throwsValidation(() => renderPayload('{{pick a b}}', vars()), 'payload');
    throwsValidation(() => renderPayload('{{seq 1}}', vars()), 'payload');
    throwsValidation(() => renderPayload('{{pick "a}}', vars()), 'payload');
    throwsValidation(() => renderPayload({ x: '{{uuid 3}}' }, vars(), 'scenario.traffic[0].payload'), 'scenario.traffic[0].payload.x');
    assert.throws(() => renderPayload('{{bogus}}', vars()), /unknown helper "bogus"/);
  });
});

describe('faults', () => {
  it('validateFault returns a clean copy of each kind', () => {
    assert.deepEqual(validateFault({ kind: 'poison', target: 'orders', atS: 3, payload: { bad: true } }, 'f'), { kind: 'poison', target: 'orders', atS: 3, payload: { bad: true } });
    assert.deepEqual(validateFault({ kind: 'duplicate', target: 'orders', rate: 0.1 }, 'f'), { kind: 'duplicate', target: 'orders', rate: 0.1 });
    assert.deepEqual(validateFault({ kind: 'throttle', target: 'fn', fromS: 1, toS: 2, concurrency: 0 }, 'f'), { kind: 'throttle', target: 'fn', fromS: 1, toS: 2, concurrency: 0 });
    assert.deepEqual(validateFault({ kind: 'crash', target: 'fn', atS: 0 }, 'f'), { kind: 'crash', target: 'fn', atS: 0 });
    assert.deepEqual(validateFault({ kind: 'latency', target: 'db', fromS: 0, toS: 5, addMs: 250 }, 'f'), { kind: 'latency', target: 'db', fromS: 0, toS: 5, addMs: 250 });
  });

  it('validateFault names the bad field', () => {
    throwsValidation(() => validateFault({ kind: 'duplicate', target: 'q', rate: 1.5 }, 'faults[2]'), 'faults[2].rate');
    throwsValidation(() => validateFault({ kind: 'duplicate', target: 'q', rate: -0.1 }, 'faults[2]'), 'faults[2].rate');
    throwsValidation(() => validateFault({ kind: 'meteor', target: 'q' }, 'faults[0]'), 'faults[0].kind');
    throwsValidation(() => validateFault({ kind: 'duplicate', target: 'q', rat: 0.5 }, 'faults[1]'), 'faults[1].rat');
    throwsValidation(() => validateFault({ kind: 'crash', target: '', atS: 1 }, 'faults[0]'), 'faults[0].target');
    throwsValidation(() => validateFault({ kind: 'crash', target: 'fn' }, 'faults[0]'), 'faults[0].atS');
    throwsValidation(() => validateFault({ kind: 'poison', target: 'q', atS: 1 }, 'faults[0]'), 'faults[0].payload');
    throwsValidation(() => validateFault({ kind: 'throttle', target: 'fn', fromS: 5, toS: 5, concurrency: 1 }, 'faults[0]'), 'faults[0].toS');
    throwsValidation(() => validateFault({ kind: 'throttle', target: 'fn', fromS: 1, toS: 5, concurrency: -1 }, 'faults[0]'), 'faults[0].concurrency');
    throwsValidation(() => validateFault({ kind: 'throttle', target: 'fn', toS: 5, concurrency: 1 }, 'faults[0]'), 'faults[0].fromS');
    throwsValidation(() => validateFault({ kind: 'latency', target: 'db', fromS: 0, toS: 5, addMs: 0 }, 'faults[4]'), 'faults[4].addMs');
    throwsValidation(() => validateFault('crash', 'faults[3]'), 'faults[3]');
  });

  it('active() reports window faults in [fromS, toS) and instant faults at their instant', () => {
    const ctx = new EngineContext();
    const faults = new FaultSchedule(ctx, [
      { kind: 'throttle', target: 'fn', fromS: 1, toS: 2, concurrency: 1 },
      { kind: 'duplicate', target: 'q', rate: 0.5, fromS: 3 },
      { kind: 'crash', target: 'fn', atS: 4 },
    ]);
    assert.equal(faults.active('throttle', 'fn'), undefined);
    ctx.clock.runUntil(999);
    assert.equal(faults.active('throttle', 'fn'), undefined);
    ctx.clock.runUntil(1000);
    assert.equal(faults.active('throttle', 'fn')?.concurrency, 1);
    assert.equal(faults.active('throttle', 'other'), undefined);
    ctx.clock.runUntil(2000);
    assert.equal(faults.active('throttle', 'fn'), undefined);
    ctx.clock.runUntil(3000);
    assert.equal(faults.active('duplicate', 'q')?.rate, 0.5);
    ctx.clock.runUntil(4000);
    assert.equal(faults.active('crash', 'fn')?.kind, 'crash');
    ctx.clock.runUntil(1e9);
    assert.equal(faults.active('crash', 'fn'), undefined);
    assert.equal(faults.active('duplicate', 'q')?.rate, 0.5); // no toS: until the end of the run
  });

  it('start() traces every start, end and instant, and calls onAt listeners for poison and crash at their time', () => {
    const ctx = new EngineContext();
    const faults = new FaultSchedule(ctx, [
      { kind: 'latency', target: 'db', fromS: 1, toS: 3, addMs: 100 },
      { kind: 'poison', target: 'orders', atS: 2, payload: { total: 'NaN' } },
      { kind: 'crash', target: 'worker', atS: 2.5 },
    ]);
    const fired: Array<[string, number, string]> = [];
    faults.onAt((f, id) => fired.push([f.kind, ctx.clock.now, id]));
    faults.start();
    faults.start(); // once only
    ctx.clock.drain();
    assert.deepEqual(fired, [
      ['poison', 2000, faults.idOf(faults.faults[1])!],
      ['crash', 2500, faults.idOf(faults.faults[2])!],
    ]);
    const records = ctx.trace.records().filter((r) => r.kind === 'fault');
    assert.deepEqual(
      records.map((r) => [r.t, r.resource, r.detail?.kind, r.detail?.phase]),
      [
        [1000, 'db', 'latency', 'start'],
        [2000, 'orders', 'poison', 'at'],
        [2500, 'worker', 'crash', 'at'],
        [3000, 'db', 'latency', 'end'],
      ],
    );
    assert.equal(records[0].detail?.addMs, 100);
    assert.deepEqual(records[1].detail?.payload, { total: 'NaN' });
    assert.equal(records[0].id, records[3].id);
  });

  it('rejects overlapping windows of the same kind on the same target, and bad faults by index', () => {
    const ctx = new EngineContext();
    const overlapping: FaultSpec[] = [
      { kind: 'throttle', target: 'fn', fromS: 0, toS: 10, concurrency: 1 },
      { kind: 'throttle', target: 'other', fromS: 0, toS: 10, concurrency: 1 },
      { kind: 'latency', target: 'fn', fromS: 0, toS: 10, addMs: 5 },
      { kind: 'throttle', target: 'fn', fromS: 10, toS: 20, concurrency: 2 }, // touching, not overlapping
      { kind: 'throttle', target: 'fn', fromS: 15, toS: 16, concurrency: 3 },
    ];
    throwsValidation(() => new FaultSchedule(ctx, overlapping), 'faults[4]');
    throwsValidation(() => new FaultSchedule(ctx, [{ kind: 'crash', target: 'fn', atS: 1 }, { kind: 'duplicate', target: 'q', rate: 2 } as FaultSpec]), 'faults[1].rate');
    assert.equal(ctx.clock.pending, 0);
    new FaultSchedule(ctx, overlapping.slice(0, 4));
  });
});

describe('TrafficGenerator: its own random stream', () => {
  /** Poisson arrivals and random payloads of one generator, while `meddle` draws from the shared source on every request. */
  const arrivals = (seed: number, meddle: boolean, name = 'shoppers') => {
    const ctx = new EngineContext({ seed });
    const out: string[] = [];
    new TrafficGenerator(ctx, { name, ratePerSecond: 20, durationS: 5, arrival: 'poisson', payload: { amount: '{{randomInt 1 1000}}' } }, (payload) => {
      out.push(`${ctx.clock.now.toFixed(6)} ${JSON.stringify(payload)}`);
      if (meddle) for (let i = 0; i < 3; i++) ctx.random.next(); // e.g. retry jitter caused by the learner's handler
    }).start();
    ctx.clock.drain();
    return out;
  };

  it('the same seed sends the same requests at the same times whatever else draws random numbers', () => {
    const quiet = arrivals(7, false);
    assert.ok(quiet.length > 50);
    assert.deepEqual(arrivals(7, true), quiet);
  });

  it('another seed or another generator name gives another sequence', () => {
    assert.notDeepEqual(arrivals(8, false), arrivals(7, false));
    assert.notDeepEqual(arrivals(7, false, 'browsers'), arrivals(7, false));
  });
});
