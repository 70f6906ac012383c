import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor } from '../../src/engine/executor';
import { DEFAULT_LATENCY } from '../../src/engine/latency';
import { Simulation } from '../../src/engine/simulation';
import { unawaitedCalls } from '../../src/lessons/checker';
import type { TraceRecord } from '../../src/engine/trace';
import { clearCompileCache } from '../../src/sandbox/compile';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { VmExecutor } from '../../src/sandbox/vmExecutor';

/** The awaited invocation model, end to end, in both executors of learner code. */
const kinds: Array<[string, (dir: string) => Executor & { dispose(): void }]> = [
  ['sandbox', (dir) => new IsolateExecutor({ rootDir: dir })],
  ['in-process', (dir) => new VmExecutor({ rootDir: dir })],
];

for (const [kind, make] of kinds) {
  describe(`time inside an invocation (${kind})`, function () {
    this.timeout(30000);
    let dir: string;
    const executors: Array<{ dispose(): void }> = [];
    const write = (name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return name;
    };
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'invocation-'));
      clearCompileCache();
    });
    afterEach(() => {
      for (const e of executors.splice(0)) e.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A scenario of one function, invoked directly `n` times at t = 0 (so they run at once in n environments). */
    function run(handler: string, extra: Record<string, unknown> = {}, seed = 1, n = 2, fnExtra: Record<string, unknown> = {}): Simulation {
      const executor = make(dir);
      executors.push(executor);
      const sim = new Simulation(
        {
          name: 'probe',
          durationS: 10,
          tables: [{ name: 'counters', key: 'id' }],
          queues: [{ name: 'out' }],
          functions: [{ name: 'fn', handler, timeoutS: 3, ...fnExtra }],
          traffic: [{ name: 'load', target: { function: 'fn' }, ratePerSecond: 1000, durationS: n / 1000 }],
          ...extra,
        },
        { seed, executor },
      );
      sim.run();
      return sim;
    }
    const records = (sim: Simulation, kind: TraceRecord['kind']) => sim.ctx.trace.records().filter((r) => r.kind === kind);

    it('an awaited call resumes after its latency, and its write takes effect when it completes', () => {
      const h = write('h.ts', `import { tablePut, tableGet } from 'serverless-lab';
export const handler = async () => {
  const t0 = Date.now();
  await tablePut('counters', { id: 'a', n: 1 });
  const t1 = Date.now();
  const item = await tableGet('counters', 'a');
  return { wrote: t1 - t0, read: Date.now() - t1, item };
};`);
      const sim = run(h, { latency: { table: { baseMs: 7, jitterMs: 0 } } }, 1, 1);
      const ok = records(sim, 'succeeded');
      assert.equal(ok.length, 1);
      assert.deepEqual(ok[0].detail?.returned, { wrote: 7, read: 7, item: { id: 'a', n: 1 } });
      const written = records(sim, 'written')[0];
      const call = records(sim, 'call')[0];
      assert.equal(written.t - call.t, 7, 'the write happened when the call completed, 7 ms after it started');
      assert.equal(records(sim, 'call-done').length, 2);
    });

    it('read-modify-write from two environments at once loses an update; tableUpdate with add does not', () => {
      const rmw = write('rmw.ts', `import { tableGet, tablePut } from 'serverless-lab';
export const handler = async () => {
  const item = await tableGet('counters', 'c');
  await tablePut('counters', { id: 'c', n: (item?.n ?? 0) + 1 });
};`);
      const lost = run(rmw, {}, 1, 2);
      assert.equal(lost.tables.get('counters')!.get('c')!.n, 1, 'both read nothing, both wrote 1');
      const atomic = write('atomic.ts', `import { tableUpdate } from 'serverless-lab';
export const handler = async () => { await tableUpdate('counters', 'c', { add: { n: 1 } }); };`);
      const kept = run(atomic, {}, 1, 2);
      assert.equal(kept.tables.get('counters')!.get('c')!.n, 2);
    });

    it('invocations interleave by virtual time: each call of one lands between the calls of the other', () => {
      const h = write('steps.ts', `import { send } from 'serverless-lab';
export const handler = async (_e: unknown, ctx: { awsRequestId: string }) => {
  await send('out', ctx.awsRequestId + ':1');
  await send('out', ctx.awsRequestId + ':2');
};`);
      const sim = run(h, { latency: { queue: { baseMs: 10, jitterMs: 0 } } }, 1, 2);
      const sent = records(sim, 'sent').map((r) => `${r.t}:${r.cause}`);
      // Both start at t=0 (the second invocation in its own environment), each send takes 10 ms.
      assert.equal(sent.length, 4);
      const times = records(sim, 'sent').map((r) => r.t);
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
      const causes = records(sim, 'sent').map((r) => r.cause);
      assert.notDeepEqual(causes.slice(0, 2), [causes[0], causes[0]], `the first two sends come from different invocations: ${sent.join(', ')}`);
    });

    // "AWS Lambda execution context" / "Lambda execution environment lifecycle": the environment is
    // frozen once the handler is done, and background work it started that had not completed goes on
    // only if Lambda reuses the environment — and only while it is thawed. The platform's overhead
    // after the return (durationMs) is not time the environment's code gets.
    it('a call not awaited freezes with the environment the moment the handler returns, and goes on only while a later invocation keeps it thawed', () => {
      const h = write('forgot.ts', `import { send, work } from 'serverless-lab';
export const handler = async (event: { seq: number }) => {
  send('out', 'forgotten ' + event.seq);
  if (event.seq > 1) work(120);
  return 'returned';
};`);
      const executor = make(dir);
      executors.push(executor);
      const sim = new Simulation(
        {
          name: 'forgot',
          durationS: 5,
          latency: { queue: { baseMs: 150, jitterMs: 0 } },
          queues: [{ name: 'out' }],
          // 100 ms of overhead after each return: billed, but the environment is frozen during it.
          functions: [{ name: 'fn', handler: h, durationMs: 100, initMs: 0 }],
          traffic: [{ name: 'load', target: { function: 'fn' }, ratePerSecond: 1, durationS: 3 }],
        },
        { executor },
      );
      sim.run();
      const pending = records(sim, 'call-pending');
      assert.equal(pending.length, 3);
      assert.deepEqual(pending[0].detail?.location, { file: join(dir, h), line: 3, column: 3 });
      assert.deepEqual(records(sim, 'succeeded').map((r) => r.t), [100, 1220, 2220], 'each invocation still ends 100 ms after its return');
      // The first send starts at 0 and is frozen at once (the handler returned at 0) with 150 ms to go;
      // the second invocation keeps the environment thawed for 120 ms (1,000–1,120 ms), so 30 ms are
      // left; the third thaws it at 2,000 ms: done at 2,030 ms, with the second one's send.
      const sent = records(sim, 'sent');
      assert.deepEqual(sent.map((r) => r.t), [2030, 2030]);
      assert.deepEqual(sent.map((r) => r.cause), [pending[0].id, pending[1].id], 'the first and second invocations\' sends');
      assert.equal(records(sim, 'call-done').length, 2, 'the last one is still frozen when the run ends');
    });

    it('the check result lists each line whose call was not awaited, and what became of those calls', () => {
      // The second invocation works 160 ms before its own send: the first one's send (150 ms) is done
      // meanwhile; the second's is frozen at its return and abandoned when the environment is recycled.
      const h = write('fire.ts', `import { send, work } from 'serverless-lab';
export const handler = async (event: { seq: number }) => {
  if (event.seq > 1) work(160);
  send('out', 'fire and forget');
};`);
      const executor = make(dir);
      executors.push(executor);
      const sim = new Simulation(
        { name: 'fire', durationS: 700, latency: { queue: { baseMs: 150, jitterMs: 0 } }, queues: [{ name: 'out' }], functions: [{ name: 'fn', handler: h, durationMs: 100, idleTimeoutS: 60 }], traffic: [{ name: 'two', target: { function: 'fn' }, ratePerSecond: 1, durationS: 2 }] },
        { executor },
      );
      sim.run();
      const view = { where: (kind: 'call-pending' | 'call-done') => records(sim, kind) };
      const list = unawaitedCalls(view);
      assert.equal(list.length, 1);
      assert.deepEqual({ ...list[0], message: undefined }, { file: join(dir, h), line: 4, column: 3, message: undefined, count: 2, completedLater: 1, neverCompleted: 1 });
      assert.match(list[0].message, /^send\("out"\) is not awaited: .*froze with the execution environment.*await send/);
    });

    // "Lambda execution environment lifecycle": /tmp keeps its files across the warm invocations of
    // one environment; another environment, or a new one after recycling, starts empty.
    it('/tmp survives the warm invocations of one environment, and only of that one', () => {
      const h = write('tmp.ts', `import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'fs/promises';
export const handler = async (_e: unknown, ctx: { environmentId: string }) => {
  const warm = existsSync('/tmp/cache/model.json');
  if (!warm) { mkdirSync('/tmp/cache', { recursive: true }); writeFileSync('/tmp/cache/model.json', JSON.stringify({ env: ctx.environmentId, at: Date.now() })); }
  const cached = JSON.parse(await readFile('/tmp/cache/model.json', 'utf8'));
  let denied = '';
  try { writeFileSync('/var/task/x', 'no'); } catch (e: any) { denied = e.code; }
  return { warm, mine: cached.env === ctx.environmentId, bytes: readFileSync('/tmp/cache/model.json').length, denied };
};`);
      const executor = make(dir);
      executors.push(executor);
      const sim = new Simulation(
        // Two at once (two environments), then one more later on a warm one, then one after recycling.
        {
          name: 'tmp',
          durationS: 200,
          functions: [{ name: 'fn', handler: h, idleTimeoutS: 60, durationMs: 50 }],
          traffic: [
            { name: 'pair', target: { function: 'fn' }, ratePerSecond: 1000, durationS: 0.002 },
            { name: 'warm', target: { function: 'fn' }, ratePerSecond: 1, startS: 5, durationS: 1 },
            { name: 'after', target: { function: 'fn' }, ratePerSecond: 1, startS: 150, durationS: 1 },
          ],
        },
        { executor },
      );
      sim.run();
      const out = records(sim, 'succeeded').map((r) => r.detail?.returned as { warm: boolean; mine: boolean; bytes: number; denied: string });
      assert.equal(out.length, 4);
      assert.deepEqual(out.map((o) => o.warm), [false, false, true, false], 'two cold environments, a warm one, a recycled one');
      assert.ok(out.every((o) => o.mine && o.bytes > 20 && o.denied === 'EROFS'));
    });

    it('init: the module\'s top-level code runs after the runtime\'s start, and a load it does not await is still in flight when the first invocation runs', () => {
      // Lambda's init phase starts the runtime, then runs the function's static code ("Understanding
      // the Lambda execution environment lifecycle": extension init, runtime init, function init);
      // the invocation begins when that code returns, whatever it started.
      const h = write('unawaited.ts', `import { getObject, send } from 'serverless-lab';
let model: string | undefined;
const started = Date.now();
getObject('models', 'm.json').then((raw) => { model = raw; });
export const handler = async (event: { seq: number }) => {
  const answer = { model: model ?? null, initStartedAtMs: started };
  if (event.seq === 2) await send('out', 'keeps the environment thawed for 100 ms');
  return answer;
};`);
      const executor = make(dir);
      executors.push(executor);
      const sim = new Simulation(
        {
          name: 'unawaited',
          durationS: 5,
          latency: { bucket: { baseMs: 40, jitterMs: 0 }, queue: { baseMs: 100, jitterMs: 0 } },
          buckets: [{ name: 'models' }],
          queues: [{ name: 'out' }],
          functions: [{ name: 'fn', handler: h, initMs: 150, durationMs: 100 }],
          traffic: [
            { name: 'deploy', target: { bucket: 'models', key: 'm.json' }, ratePerSecond: 1, durationS: 1, payload: { v: 3 } },
            { name: 'calls', target: { function: 'fn' }, ratePerSecond: 1, startS: 1, durationS: 3 },
          ],
        },
        { executor },
      );
      sim.run();
      const call = records(sim, 'call').find((r) => r.detail?.call === 'getObject');
      assert.equal(call?.t, 1000, 'the cold start begins at 1 s');
      assert.equal(call?.detail?.startMs, 1150, 'the top-level call starts once the runtime has started (150 ms)');
      const answers = records(sim, 'succeeded').map((r) => r.detail?.returned as { model: string | null; initStartedAtMs: number });
      assert.equal(answers[0].model, null, 'the first invocation runs before the load is back');
      assert.ok(answers[0].initStartedAtMs >= 1150, 'Date.now() at the top level reads the time after the runtime\'s start');
      // The first invocation returns at once (1,150 ms): the environment freezes with the load 40 ms
      // from done, the 100 ms of overhead notwithstanding. The second thaws it at 2 s and awaits a
      // 100 ms send, so the load is back at 2,040 ms — after that invocation read `model` — and the
      // third finds it.
      assert.equal(records(sim, 'call-done')[0].t, 2040);
      assert.equal(answers[1].model, null, 'the second invocation returned before the load was back');
      assert.match(String(answers[2].model), /"v":3/, 'a later invocation of the environment finds it loaded');
      const read = records(sim, 'read')[0];
      assert.equal(read.cause, records(sim, 'invoked')[0].id, 'the read is attributed to the invocation the init ran for');
    });

    it('a frozen call never happens when its environment is recycled first', () => {
      const h = write('recycled.ts', `import { send } from 'serverless-lab';
export const handler = () => { send('out', 'lost'); return 'ok'; };`);
      const executor = make(dir);
      executors.push(executor);
      const sim = new Simulation(
        { name: 'recycled', durationS: 700, queues: [{ name: 'out' }], functions: [{ name: 'fn', handler: h, idleTimeoutS: 60 }], traffic: [{ name: 'one', target: { function: 'fn' }, ratePerSecond: 1, durationS: 1 }] },
        { executor },
      );
      sim.run();
      assert.equal(records(sim, 'sent').length, 0);
      const abandoned = records(sim, 'call-abandoned');
      assert.equal(abandoned.length, 1);
      assert.equal(abandoned[0].detail?.reason, 'idle');
    });

    it('a crash between two calls keeps the first effect and the second never happens', () => {
      const h = write('crashy.ts', `import { send } from 'serverless-lab';
export const handler = async () => {
  await send('out', 'first');
  await send('out', 'second');
};`);
      const sim = run(h, { latency: { queue: { baseMs: 100, jitterMs: 0 } }, faults: [{ kind: 'crash', target: 'fn', atS: 0.15 }] }, 1, 1, { initMs: 0 });
      const bodies = records(sim, 'sent').length;
      assert.equal(bodies, 1, 'only the first send completed before the crash at 150 ms');
      assert.equal(records(sim, 'call-abandoned').length, 1);
      assert.equal(records(sim, 'failed')[0]?.cause, 'crash');
    });

    it('a timeout cuts the invocation mid-call: the call in flight never takes effect', () => {
      const h = write('slow.ts', `import { send, work } from 'serverless-lab';
export const handler = async () => {
  work(950);
  await send('out', 'late');
};`);
      const sim = run(h, { latency: { queue: { baseMs: 200, jitterMs: 0 } } }, 1, 1, { timeoutS: 1, initMs: 0 });
      assert.equal(records(sim, 'timed-out').length, 1);
      assert.equal(records(sim, 'timed-out')[0].t, 1000);
      assert.equal(records(sim, 'sent').length, 0);
      assert.equal(records(sim, 'call-abandoned')[0]?.detail?.reason, 'timeout');
    });

    it('a handler awaiting a promise nothing settles times out at its timeout', () => {
      const h = write('never.ts', 'export const handler = () => new Promise(() => {});\n');
      const sim = run(h, {}, 1, 1, { timeoutS: 2, initMs: 0 });
      const t = records(sim, 'timed-out');
      assert.equal(t.length, 1);
      assert.equal(t[0].t, 2000);
    });

    it('the defaults apply per service, with seeded jitter: same seed same latencies, another seed others', () => {
      const h = write('lat.ts', `import { tableGet } from 'serverless-lab';
export const handler = async () => { const t = Date.now(); await tableGet('counters', 'x'); return Date.now() - t; };`);
      const latencies = (seed: number) => records(run(h, {}, seed, 5), 'succeeded').map((r) => r.detail?.returned as number);
      const a = latencies(1);
      assert.deepEqual(latencies(1), a);
      assert.notDeepEqual(latencies(2), a);
      for (const ms of a) assert.ok(ms >= DEFAULT_LATENCY.table.baseMs && ms <= DEFAULT_LATENCY.table.baseMs + DEFAULT_LATENCY.table.jitterMs, String(ms));
    });
  });
}

describe('time inside an invocation: both executors give the same trace', function () {
  this.timeout(30000);
  it('the same seed gives the same trace bytes in the sandbox and in-process, with interleaving handlers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'invocation-same-'));
    try {
      writeFileSync(
        join(dir, 'h.ts'),
        `import { tableGet, tablePut, send } from 'serverless-lab';
export const handler = async (event: { seq: number }) => {
  const item = await tableGet('counters', 'c');
  await Promise.all([tablePut('counters', { id: 'c', n: (item?.n ?? 0) + 1, r: Math.random(), at: new Date().toISOString() }), send('out', String(event.seq))]);
  send('out', 'unawaited');
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
              tables: [{ name: 'counters', key: 'id' }],
              queues: [{ name: 'out' }],
              functions: [{ name: 'fn', handler: 'h.ts' }],
              traffic: [{ name: 'load', target: { function: 'fn' }, ratePerSecond: 40, arrival: 'poisson' }],
            },
            { seed: 7, executor },
          );
          sim.run();
          return sim.ctx.trace.records().map((r) => JSON.stringify(r)).join('\n');
        } finally {
          executor.dispose();
        }
      });
      assert.ok(traces[0].length > 10_000);
      assert.equal(traces[0], traces[1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
