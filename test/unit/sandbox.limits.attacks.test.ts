/**
 * Attacks on the sandbox's limits (docs/sandbox-limits.md), listed in sandboxLimitAttacks.ts. Every
 * case asserts (a) containment — the right error, and every entry (the init phase, each invocation)
 * ending within its real-time budget + its bound on lab-call time (≤ 1 s) + `HOST_GRACE_MS` of
 * host work, counted as wall time minus the time the machine kept the process off the CPU
 * (runnableTime.ts: budgets are wall time, so load cannot stretch them, only the host's own work) —
 * (b) the learner's message, and (c) that another environment of the same executor, and a new
 * executor, still work. Compiling is not timed (it has its own time limit).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulation } from '../../src/engine/simulation';
import { InvocationBudget } from '../../src/sandbox/budget';
import { clearCompileCache, compileHandler } from '../../src/sandbox/compile';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { driven } from './driver';
import { recordingLab } from './helpers';
import { describeLap, stopwatch, type Lap } from './runnableTime';
import { context, limitAttacks, type Outcome } from './sandboxLimitAttacks';

/**
 * Host work an entry may add to its budget: creating the isolate and the bootstrap (init), and
 * disposing of an isolate killed at its limit, whose heap may be 3x its memory (isolateExecutor.ts).
 */
const HOST_GRACE_MS = 750;

describe('sandbox limits attack suite', function () {
  this.timeout(60000);
  let dir: string;
  let ex: ReturnType<typeof driven<IsolateExecutor>>;
  const fn = (file: string, memoryMb = 64, timeoutMs = 300) => ({ name: 'attack', handler: file, memoryMb, timeoutMs });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-limits-'));
    writeFileSync(join(dir, 'bystander.ts'), "export const handler = () => 'still fine';\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    clearCompileCache();
    ex = driven(new IsolateExecutor({ rootDir: dir }));
  });
  afterEach(() => ex.dispose());

  limitAttacks.forEach((attack, i) => {
    it(`${i + 1}. ${attack.name}`, () => {
      const file = `limit${i}.ts`;
      writeFileSync(join(dir, file), attack.code);
      const recorded = recordingLab();
      const lab = attack.lab ? { ...recorded.lab, ...attack.lab() } : recorded.lab;
      assert.equal(ex.createEnvironment(fn('bystander.ts'), 'bystander', recordingLab().lab).ok, true);
      const timeoutMs = attack.timeoutMs ?? 300;
      const outs: Outcome[] = [];
      // Compiled before the clock starts: compiling is bounded by its own time limit, not the budget.
      compileHandler(join(dir, file), { root: dir });
      const clock = stopwatch();
      const laps: Lap[] = [];
      const init = ex.createEnvironment(fn(file, attack.memoryMb, timeoutMs), 'victim', lab);
      laps.push(clock.lap());
      if (attack.phase === 'init' || !init.ok) outs.push(init);
      else
        for (let n = 0; n < (attack.invocations ?? 1) && (n === 0 || ex.size === 2); n++) {
          outs.push(ex.invoke('victim', {}, context('victim')));
          laps.push(clock.lap());
        }
      attack.check(outs, recorded.calls);
      // Contained in time: every entry ends within its budget + its lab-call bound + host work.
      const budget = new InvocationBudget(Math.min(timeoutMs, 2000));
      const allowed = budget.realMs + budget.labCallMs + HOST_GRACE_MS;
      laps.forEach((lap, n) => assert.ok(lap.runnableMs < allowed, `${n === 0 ? 'the init phase' : `invocation ${n}`} took ${describeLap(lap)}, more than ${allowed} ms (budget ${budget.realMs} ms + ${budget.labCallMs} ms of lab calls + ${HOST_GRACE_MS} ms)`));
      for (const o of outs) if (!o.ok) assert.ok(o.error.message.length > 3 && o.error.message.length < 20_000, o.error.message.slice(0, 200));
      // The rest of the executor and a new one are unharmed.
      const bystander = ex.invoke('bystander', {}, context('bystander'));
      assert.ok(bystander.ok && bystander.result === 'still fine', JSON.stringify(bystander).slice(0, 300));
      const fresh = driven(new IsolateExecutor({ rootDir: dir }));
      try {
        assert.equal(fresh.createEnvironment(fn('bystander.ts'), 'after', recordingLab().lab).ok, true);
        const again = fresh.invoke('after', {}, context('after'));
        assert.ok(again.ok && again.result === 'still fine');
      } finally {
        fresh.dispose();
      }
    });
  });

  it('the issue\'s putObject loop through the engine: a 2 s invocation ends within 2 s + 1 s of wall time and says why', () => {
    writeFileSync(join(dir, 'putter.ts'), "import { putObject } from 'serverless-lab';\nconst body = '\\u4e2d'.repeat(1e6);\nexport const handler = async () => { for (let i = 0; ; i++) putObject('bucket', 'k' + (i % 50), body); };\n");
    const doc = {
      name: 'put-loop',
      buckets: [{ name: 'bucket' }],
      queues: [{ name: 'q' }],
      functions: [{ name: 'putter', handler: 'putter.ts', timeoutS: 2, memoryMb: 256, events: [{ queue: 'q', batchSize: 1 }] }],
      traffic: [{ name: 'one', target: { queue: 'q' }, ratePerSecond: 1, durationS: 1 }],
    };
    const executor = new IsolateExecutor({ rootDir: dir });
    try {
      compileHandler(join(dir, 'putter.ts'), { root: dir });
      const sim = new Simulation(doc, { executor, records: { mode: 'all' } });
      const clock = stopwatch();
      sim.run(10_000);
      const lap = clock.lap();
      assert.ok(lap.runnableMs < 3000, `ran ${describeLap(lap)}`);
      const errors = sim.ctx.trace.records().filter((r) => r.kind === 'failed' || r.kind === 'timed-out');
      const text = JSON.stringify(errors);
      // Whichever bound comes first: the real-time budget, or the 32 MB of arguments per invocation.
      assert.match(text, /Task timed out: the handler ran for more than \d+ ms of real time|putObject\(\): its lab calls passed more than 32 MB of arguments/);
    } finally {
      executor.dispose();
    }
  });

  it(`holds at least 55 limit attacks, as issue 15 asks (${limitAttacks.length})`, () => assert.ok(limitAttacks.length >= 55));
});
