// Node's timers in a handler, on the virtual clock, in both executors of learner code. What they
// assert is Lambda's and Node's documented behaviour:
// - Node "Timers": setTimeout(cb, delay, ...args) calls cb(...args) "after delay milliseconds"; "When
//   delay is larger than 2147483647 or less than 1 or NaN, the delay will be set to 1"; clearTimeout
//   accepts the Timeout or its primitive id; setInterval repeats until clearInterval; setImmediate runs
//   "after I/O events' callbacks"; timeout.unref() only stops the timer from keeping the event loop
//   active; timers/promises setTimeout(delay, value) resolves with value.
// - Lambda "Define Lambda function handler in Node.js" / "Lambda execution environment lifecycle": an
//   async handler's invocation ends when its promise settles; the environment is frozen until the next
//   invocation, and "background processes or callbacks that were initiated by your Lambda function and
//   did not complete when the function ended resume if Lambda reuses the execution environment"; a
//   function's duration (billed) is until the handler returns, and past its timeout the invocation fails
//   ("Task timed out").
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor } from '../../src/engine/executor';
import { Simulation } from '../../src/engine/simulation';
import { MAX_LIVE_TIMERS, MAX_TIMERS_PER_INVOCATION } from '../../src/engine/timers';
import type { TraceRecord } from '../../src/engine/trace';
import { clearCompileCache } from '../../src/sandbox/compile';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { VmExecutor } from '../../src/sandbox/vmExecutor';

const kinds: Array<[string, (dir: string) => Executor & { dispose(): void }]> = [
  ['sandbox', (dir) => new IsolateExecutor({ rootDir: dir })],
  ['in-process', (dir) => new VmExecutor({ rootDir: dir })],
];

for (const [kind, make] of kinds) {
  describe(`timers on the virtual clock (${kind})`, function () {
    this.timeout(60_000);
    let dir: string;
    const executors: Array<{ dispose(): void }> = [];
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'timers-'));
      clearCompileCache();
    });
    afterEach(() => {
      for (const e of executors.splice(0)) e.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    /** One function `fn` (no init time, 5 ms of overhead), invoked once a second `n` times: one environment serves them all. */
    function run(code: string, options: { n?: number; fn?: Record<string, unknown>; scenario?: Record<string, unknown>; seed?: number } = {}): Simulation {
      writeFileSync(join(dir, 'h.ts'), code);
      const executor = make(dir);
      executors.push(executor);
      const n = options.n ?? 1;
      const sim = new Simulation(
        {
          name: 'timers',
          durationS: n + 5,
          tables: [{ name: 'items', key: 'id' }],
          queues: [{ name: 'out' }],
          functions: [{ name: 'fn', handler: 'h.ts', initMs: 0, durationMs: 5, timeoutS: 3, ...options.fn }],
          traffic: [{ name: 'load', target: { function: 'fn' }, ratePerSecond: 1, durationS: n }],
          ...options.scenario,
        },
        { seed: options.seed ?? 1, executor },
      );
      sim.run();
      return sim;
    }
    const records = (sim: Simulation, kind: TraceRecord['kind']) => sim.ctx.trace.records().filter((r) => r.kind === kind);
    const returned = (sim: Simulation) => records(sim, 'succeeded').map((r) => r.detail?.returned);
    const logs = (sim: Simulation) => records(sim, 'log').map((r) => ({ t: r.t, id: r.id, line: (r.detail?.args as unknown[]).join(' ') }));

    it('a backoff sleep takes virtual time: the clock moves on, the remaining time goes down, and the wait is billed', () => {
      const sim = run(`export const handler = async (_e: unknown, context: { getRemainingTimeInMillis(): number }) => {
  const t0 = Date.now(), p0 = performance.now(), left0 = context.getRemainingTimeInMillis();
  for (let attempt = 0; attempt < 3; attempt++) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
  return { slept: Date.now() - t0, perf: performance.now() - p0, used: left0 - context.getRemainingTimeInMillis() };
};`);
      assert.deepEqual(returned(sim), [{ slept: 700, perf: 700, used: 700 }]);
      const done = records(sim, 'succeeded')[0];
      assert.equal(done.t, 705, '100 + 200 + 400 ms of sleep, then the 5 ms overhead');
      assert.equal(done.detail?.billedMs, 705);
    });

    it('a call raced against a timeout: the timeout wins over a slow call, and a fast call wins and clears the timer', () => {
      const code = `import { tableGet, log } from 'serverless-lab';
export const handler = async () => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => { timer = setTimeout(() => { log('timer fired'); resolve('timed out'); }, 50); });
  const winner = await Promise.race([tableGet('items', 'k').then(() => 'answered'), timeout]);
  clearTimeout(timer);
  return { winner, at: Date.now() - Date.UTC(2026, 0, 1) };
};`;
      const slow = run(code, { scenario: { latency: { table: { baseMs: 300, jitterMs: 0 } } } });
      assert.deepEqual(returned(slow), [{ winner: 'timed out', at: 50 }]);
      assert.equal(records(slow, 'call-pending').length, 1, 'the slow call is still in flight when the handler returns');
      const fast = run(code, { scenario: { latency: { table: { baseMs: 10, jitterMs: 0 } } } });
      assert.deepEqual(returned(fast), [{ winner: 'answered', at: 10 }]);
      assert.deepEqual(logs(fast), [], 'the cleared timer never fires');
    });

    it('a timer pending when the handler returns is frozen with the environment and fires at the thaw of the next invocation, during it', () => {
      const sim = run(`import { log } from 'serverless-lab';
let n = 0;
export const handler = async () => {
  const seq = ++n;
  setTimeout(() => log('late ' + seq + ' at ' + (Date.now() - Date.UTC(2026, 0, 1))), 100);
  return seq;
};`, { n: 3 });
      const invoked = records(sim, 'invoked');
      assert.deepEqual(invoked.map((r) => [r.t, r.detail?.env]), [[0, 'env-1'], [1000, 'env-1'], [2000, 'env-1']]);
      // Due at 100 and 1,100 ms, but the environment was frozen then: each fires when the next invocation thaws it.
      assert.deepEqual(logs(sim), [
        { t: 1000, id: invoked[1].id, line: 'late 1 at 1000' },
        { t: 2000, id: invoked[2].id, line: 'late 2 at 2000' },
      ]);
      assert.equal(records(sim, 'succeeded')[1].t, 1005, 'the next invocation is not made longer by it');
    });

    it("the module's top-level timers: frozen until the first invocation keeps the environment thawed long enough", () => {
      const sim = run(`import { log } from 'serverless-lab';
setTimeout(() => log('init timer at ' + (Date.now() - Date.UTC(2026, 0, 1))), 50);
export const handler = async (event: { seq: number }) => {
  if (event.seq === 2) await new Promise((r) => setTimeout(r, 20));
  return 'ok';
};`, { n: 2 });
      // The first invocation returns at once (frozen before 50 ms); the second thaws at 1,000.
      assert.deepEqual(logs(sim).map((l) => l.line), ['init timer at 1000']);
    });

    it('setInterval ticks until clearInterval, each tick `delay` after the previous one started', () => {
      const sim = run(`import { work } from 'serverless-lab';
let ticks: number[] = [];
export const handler = async () => {
  ticks = [];
  const t0 = Date.now();
  await new Promise<void>((done) => {
    const every = setInterval((label: string) => {
      ticks.push(Date.now() - t0);
      work(3);
      if (ticks.length === 4) { clearInterval(every); done(); }
    }, 100, 'beat');
  });
  await new Promise((r) => setTimeout(r, 500));
  return ticks;
};`, { n: 2 });
      assert.deepEqual(returned(sim), [
        [100, 200, 300, 400],
        [100, 200, 300, 400],
      ], 'the 3 ms each tick works does not delay the next; nothing ticks after clearInterval');
    });

    it('a sleep past the function timeout ends in Task timed out at the timeout', () => {
      const sim = run(`import { send } from 'serverless-lab';
export const handler = async () => {
  await new Promise((r) => setTimeout(r, 5000));
  await send('out', 'after the sleep');
};`, { fn: { timeoutS: 1 } });
      const t = records(sim, 'timed-out');
      assert.equal(t.length, 1);
      assert.equal(t[0].t, 1000);
      assert.match(String(t[0].detail?.error), /Sandbox\.Timedout: Task timed out after 1\.00 seconds/);
      assert.equal(records(sim, 'sent').length, 0);
    });

    it("ref/unref/hasRef change only the flag: an unref'd timer still fires while the invocation runs; Timeout and Immediate are Node's", () => {
      const sim = run(`export const handler = async () => {
  const seen: string[] = [];
  const t = setTimeout(() => seen.push('unref fired'), 10);
  const flags = [t.hasRef(), t.unref() === t, t.hasRef(), t.ref().hasRef()];
  t.unref();
  const im = setImmediate(function (this: unknown, a: number, b: number) { seen.push('immediate ' + (this === im) + ' ' + (a + b)); }, 1, 2);
  const cleared = setTimeout(() => seen.push('cleared by id'), 5);
  clearTimeout(+cleared);
  setTimeout(() => seen.push('zero delay'), 0);
  await new Promise((r) => setTimeout(r, 20));
  return { flags, seen, names: [t.constructor.name, im.constructor.name], prim: typeof t[Symbol.toPrimitive](), again: t.refresh() === t, closed: t.close() === t };
};`);
      assert.deepEqual(returned(sim), [
        {
          flags: [true, true, false, true],
          seen: ['immediate true 3', 'zero delay', 'unref fired'],
          names: ['Timeout', 'Immediate'],
          prim: 'number',
          again: true,
          closed: true,
        },
      ]);
    });

    it("Node's coercion of the delay (below 1, NaN, past 2^31 − 1: 1 ms) with its warnings, and its TypeError for a callback that is not a function", () => {
      const sim = run(`export const handler = async () => {
  const t0 = performance.now();
  const at: Record<string, number> = {};
  const wait = (label: string, ms: unknown) => new Promise<void>((r) => setTimeout(() => { at[label] = performance.now() - t0; r(); }, ms as number));
  await Promise.all([wait('-5', -5), wait('-7', -7), wait('NaN', 'abc'), wait('2^31', 2 ** 31), wait('2^32', 2 ** 32), wait('"7"', '7'), wait('1.5', 1.5), wait('none', undefined)]);
  const errors: string[] = [];
  for (const bad of ['code', 5, null, {}]) try { setTimeout(bad as () => void, 1); } catch (e: any) { errors.push(e.name + ' ' + e.code + ' ' + e.message); }
  return { at, errors };
};`);
      assert.deepEqual(returned(sim), [
        {
          at: { '-5': 1, '-7': 1, NaN: 1, '2^31': 1, '2^32': 1, '"7"': 7, '1.5': 1.5, none: 1 },
          errors: [
            `TypeError ERR_INVALID_ARG_TYPE The "callback" argument must be of type function. Received type string ('code')`,
            'TypeError ERR_INVALID_ARG_TYPE The "callback" argument must be of type function. Received type number (5)',
            'TypeError ERR_INVALID_ARG_TYPE The "callback" argument must be of type function. Received null',
            'TypeError ERR_INVALID_ARG_TYPE The "callback" argument must be of type function. Received an instance of Object',
          ],
        },
      ]);
      // A negative delay and NaN warn once per process; an overflow every time.
      assert.deepEqual(logs(sim).map((l) => l.line), [
        '(node:8) TimeoutNegativeWarning: -5 is a negative number.\nTimeout duration was set to 1.\n(Use `node --trace-warnings ...` to show where the warning was created)',
        '(node:8) TimeoutNaNWarning: NaN is not a number.\nTimeout duration was set to 1.',
        '(node:8) TimeoutOverflowWarning: 2147483648 does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.',
        '(node:8) TimeoutOverflowWarning: 4294967296 does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.',
      ]);
    });

    it("node:timers and node:timers/promises: setTimeout(delay, value), setImmediate, setInterval as an async iterator, scheduler.wait", () => {
      const sim = run(`import { setTimeout as sleep, setImmediate as soon, setInterval as every, scheduler } from 'node:timers/promises';
import * as timers from 'node:timers';
export const handler = async () => {
  const t0 = Date.now();
  const marks: Array<[string, unknown, number]> = [];
  marks.push(['sleep', await sleep(200, 'value'), Date.now() - t0]);
  marks.push(['soon', await soon('now'), Date.now() - t0]);
  let n = 0;
  for await (const v of every(50, 'tick')) { marks.push(['every', v, Date.now() - t0]); if (++n === 2) break; }
  await scheduler.wait(25);
  marks.push(['wait', undefined, Date.now() - t0]);
  const bad = await sleep('1' as unknown as number).catch((e: any) => e.code + ': ' + e.message);
  return { marks, bad, same: timers.setTimeout === setTimeout && timers.promises.setTimeout === sleep };
};`);
      assert.deepEqual(returned(sim), [
        {
          marks: [['sleep', 'value', 200], ['soon', 'now', 200], ['every', 'tick', 250], ['every', 'tick', 300], ['wait', null, 325]],
          bad: `ERR_INVALID_ARG_TYPE: The "delay" argument must be of type number. Received type string ('1')`,
          same: true,
        },
      ]);
    });

    it('a callback that throws is an uncaught exception: the invocation fails with it and the environment is recycled', () => {
      const sim = run(`export const handler = async (event: { seq: number }) => {
  if (event.seq === 1) setTimeout(() => { throw new TypeError('boom in a timer'); }, 10);
  await new Promise((r) => setTimeout(r, 50));
  return 'survived';
};`, { n: 2 });
      const failed = records(sim, 'failed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0].t, 15, 'it fails when the callback throws (10 ms), plus the overhead');
      assert.match(String(failed[0].detail?.error), /^TypeError: boom in a timer/);
      assert.deepEqual((failed[0].detail?.location as { line: number }).line, 2);
      assert.deepEqual(records(sim, 'log').map((r) => r.detail?.args), [['Uncaught Exception', { errorType: 'TypeError', errorMessage: 'boom in a timer' }]], "logged as Lambda's runtime logs it");
      assert.equal(records(sim, 'invoked')[1].detail?.coldStart, true, 'the next invocation needs a new environment');
      assert.deepEqual(returned(sim), ['survived']);
    });

    it('a timer left behind that throws when the next invocation thaws the environment: that invocation still answers, the environment is thrown away, the next is a cold start', () => {
      const sim = run(`let n = 0;
export const handler = async () => {
  const seq = ++n;
  if (seq === 1) setTimeout(() => { throw new Error('stale timer'); }, 100);
  return seq;
};`, { n: 3 });
      assert.deepEqual(returned(sim), [1, 2, 1], 'every invocation answered; the third in a new environment (its module state new)');
      assert.deepEqual(records(sim, 'invoked').map((r) => [r.t, r.detail?.env, r.detail?.coldStart]), [[0, 'env-1', true], [1000, 'env-1', false], [2000, 'env-2', true]]);
      const destroyed = records(sim, 'env-destroyed').filter((r) => r.id === 'env-1');
      assert.deepEqual(destroyed.map((r) => [r.t, r.cause]), [[1005, 'crash']], 'thrown away once its invocation ended');
      assert.deepEqual(records(sim, 'log').map((r) => [r.t, r.detail?.args]), [[1000, ['Uncaught Exception', { errorType: 'Error', errorMessage: 'stale timer' }]]]);
    });

    it('many requests per instance (Cloud Run): requests sleeping at once on one instance each wake after their own delay', () => {
      const sim = run(`export const handler = async (event: { seq: number }) => {
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 100 * event.seq));
  return { seq: event.seq, slept: Date.now() - t0 };
};`, { fn: { instances: { platform: 'cloud-run' } }, scenario: { traffic: [{ name: 'load', target: { function: 'fn' }, ratePerSecond: 1000, durationS: 0.003 }] } });
      assert.deepEqual(new Set(records(sim, 'invoked').map((r) => r.detail?.env)).size, 1, 'one instance serves the three');
      assert.deepEqual(returned(sim), [1, 2, 3].map((seq) => ({ seq, slept: 100 * seq })));
    });

    it(`bounds: ${MAX_LIVE_TIMERS.toLocaleString('en-US')} timers pending per environment, then a RangeError naming the limit`, () => {
      const sim = run(`export const handler = async () => {
  const timers: NodeJS.Timeout[] = [];
  try { for (;;) timers.push(setTimeout(() => {}, 60_000)); } catch (e: any) {
    const count = timers.length;
    for (const t of timers) clearTimeout(t);
    const again = typeof setTimeout(() => {}, 1);
    return { count, name: e.name, message: e.message, again };
  }
};`);
      const [r] = returned(sim) as Array<{ count: number; name: string; message: string; again: string }>;
      assert.equal(r.count, MAX_LIVE_TIMERS);
      assert.equal(r.name, 'RangeError');
      assert.match(r.message, /10,000 timers are already pending in this execution environment \(the sandbox's limit\)/);
      assert.equal(r.again, 'object', 'cleared timers free their places');
    });
  });
}

describe('timers on the virtual clock: the runaway interval and determinism', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'timers-run-'));
    clearCompileCache();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(`setInterval(fn, 1) under a long sleep stops at ${MAX_TIMERS_PER_INVOCATION.toLocaleString('en-US')} timers in the invocation, and such invocations stop the run`, () => {
    writeFileSync(join(dir, 'spin.ts'), `export const handler = async () => {
  setInterval(() => {}, 1);
  await new Promise((r) => setTimeout(r, 600_000));
};`);
    const executor = new VmExecutor({ rootDir: dir });
    try {
      const sim = new Simulation(
        {
          name: 'spin',
          durationS: 3600,
          // One stopped invocation is enough to stop the run here (3 by default).
          limits: { maxStoppedInvocations: 1 },
          functions: [{ name: 'spin', handler: 'spin.ts', initMs: 0, durationMs: 5, timeoutS: 900 }],
          traffic: [{ name: 'load', target: { function: 'spin' }, ratePerSecond: 1, durationS: 1 }],
        },
        { seed: 1, executor },
      );
      assert.throws(() => sim.run(), (err: Error) => {
        assert.equal(err.name, 'RunLimitError');
        assert.match(err.message, /the sandbox had to stop 1 invocations \(limits\.maxStoppedInvocations is 1\): spin armed timers without end — Sandbox\.TimerLimit: 20,000 timers were armed in this invocation/);
        return true;
      });
      const stopped = sim.ctx.trace.records().filter((r) => r.kind === 'run-stopped');
      // The interval and the sleep, then a tick every 1 ms re-arming it: the tick at MAX - 1 ms is past the bound.
      assert.deepEqual(stopped.map((r) => r.t), [MAX_TIMERS_PER_INVOCATION - 1]);
    } finally {
      executor.dispose();
    }
  });

  it('the same seed gives the same trace bytes in both executors, with timers interleaving calls across environments', () => {
    writeFileSync(
      join(dir, 'h.ts'),
      `import { tableUpdate, send } from 'serverless-lab';
import { setTimeout as sleep } from 'node:timers/promises';
export const handler = async (event: { seq: number }) => {
  for (let attempt = 0; attempt < 3; attempt++) {
    await tableUpdate('items', 'c', { add: { n: 1 } });
    await sleep(Math.floor(Math.random() * 40) + 10 * attempt);
  }
  const beat = setInterval(() => void send('out', 'beat ' + event.seq), 7);
  await new Promise((r) => setTimeout(r, 20 + (event.seq % 3)));
  clearInterval(beat);
  setTimeout(() => void send('out', 'left for later ' + event.seq), 30);
  return Date.now();
};`,
    );
    const traces = kinds.map(([, make]) => {
      const executor = make(dir);
      try {
        const sim = new Simulation(
          {
            name: 'same',
            durationS: 3,
            tables: [{ name: 'items', key: 'id' }],
            queues: [{ name: 'out' }],
            functions: [{ name: 'fn', handler: 'h.ts' }],
            traffic: [{ name: 'load', target: { function: 'fn' }, ratePerSecond: 30, arrival: 'poisson' }],
          },
          { seed: 11, executor },
        );
        sim.run();
        return sim.ctx.trace.records().map((r) => JSON.stringify(r)).join('\n');
      } finally {
        executor.dispose();
      }
    });
    assert.ok(traces[0].length > 10_000);
    assert.ok(traces[0].includes('left for later'), 'a timer left at a return fired in a later invocation');
    assert.equal(traces[0], traces[1]);
  });
});
