/**
 * Bounds on a run (src/engine/runBounds.ts): past a limit on events, messages held or trace memory
 * the run stops — between two events, with a `run-stopped` record and a RunLimitError naming the
 * limit and what drove it — instead of running until the machine gives out.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessExecutor, type Executor, type InitOutcome, type InvokeOutcome, type LabApi, type ModuleFactory, type Step } from '../../src/engine/executor';
import { Playground } from '../../src/playground/playground';
import { Clock } from '../../src/engine/clock';
import { DEFAULT_RUN_LIMITS, resolveRunLimits, RunLimitError } from '../../src/engine/runBounds';
import { validateScenario } from '../../src/engine/scenario';
import { Simulation } from '../../src/engine/simulation';
import { recordBytes, toJsonLine } from '../../src/engine/trace';
import { formatSummary } from '../../src/cli/summary';
import { main } from '../../src/cli/main';
import { logLines } from '../../src/lessons/checker';
import { LOG_CHARS_PER_INVOCATION, LOG_LINE_CHARS, LOG_LINES_PER_INVOCATION } from '../../src/engine/outputBounds';
import { readFileSync, statSync } from 'node:fs';

function mod(handler: (lab: LabApi) => (event: any, ctx: any) => unknown): ModuleFactory {
  return (lab) => ({ handler: handler(lab) });
}

/** The attack of issue 15: a function sending 10 messages per message back to the queue it reads from. */
const runaway = (limits?: Record<string, number>) => ({
  name: 'runaway',
  ...(limits ? { limits } : {}),
  queues: [{ name: 'q' }],
  functions: [{ name: 'echo', handler: 'echo', events: [{ queue: 'q' }] }],
  traffic: [{ name: 'kick', target: { queue: 'q' }, ratePerSecond: 1, durationS: 1 }],
});
const echo = { echo: mod((lab) => (e) => { for (const r of e.Records) for (let i = 0; i < 10; i++) lab.send('q', r.body); }) };

function stop(sim: Simulation): RunLimitError {
  try {
    sim.run();
  } catch (err) {
    if (err instanceof RunLimitError) return err;
    throw err;
  }
  assert.fail('the run was expected to stop at a limit');
}

describe('run bounds', () => {
  it('the runaway loop ends at the event limit with an error naming the limit, the queue and the loop', () => {
    const sim = new Simulation(runaway({ maxEvents: 200_000 }), { handlers: echo, records: { mode: 'none' } });
    const err = stop(sim);
    assert.equal(err.limit, 'maxEvents');
    assert.equal(err.max, 200_000);
    // Checked every 1,024 clock events: stopped just past the limit.
    assert.ok(err.value > 200_000 && err.value < 260_000, `stopped at ${err.value}`);
    assert.match(err.message, /^the run stopped after [\d,]+ events \(limits\.maxEvents is 200,000\), at [\d.]+ s of virtual time: queue q had the most: [\d,]+ sent/);
    assert.match(err.message, /function echo sends to q, which invokes it: a recursive loop\. Lambda stops a chain of requests only at its 17th invocation \(the deepest chain here had reached \d+\)/);
    // The trace says so too (a record even when none are kept: listeners and the summary see it).
    assert.equal(sim.ctx.trace.count('run-stopped'), 1);
    const s = sim.summary();
    assert.deepEqual({ limit: s.stopped?.limit, max: s.stopped?.max }, { limit: 'maxEvents', max: 200_000 });
    assert.match(formatSummary(s), /STOPPED at a limit \(maxEvents\): the run stopped after/);
    // A stopped run stays stopped: the next step throws the same error, and runs nothing.
    const at = sim.ctx.trace.length;
    assert.throws(() => sim.step(), (e: unknown) => e === err);
    assert.throws(() => sim.run(), (e: unknown) => e === err);
    assert.equal(sim.ctx.trace.length, at);
  });

  it('with the default limits the runaway loop ends on the messages it holds, within seconds, same bytes for a seed', function () {
    this.timeout(120_000);
    const run = () => {
      const sim = new Simulation(runaway(), { handlers: echo, records: { mode: 'window', size: 2000 } });
      return { sim, err: stop(sim) };
    };
    const a = run();
    assert.equal(a.err.limit, 'maxHeldMessages');
    assert.equal(a.err.max, DEFAULT_RUN_LIMITS.maxHeldMessages);
    assert.match(a.err.message, /its queues held [\d,]+ messages at once \(limits\.maxHeldMessages is 1,000,000\).*: queue q held [\d,]+; function echo sends to q/);
    // Stopped within the first virtual minute of the loop (it multiplies by ten every generation).
    assert.ok(a.sim.now < 60_000, `stopped at ${a.sim.now} ms`);
    const b = run();
    assert.equal(b.err.message, a.err.message);
    assert.equal(a.sim.records().map(toJsonLine).join('\n'), b.sim.records().map(toJsonLine).join('\n'));
    const last = a.sim.records().at(-1)!;
    assert.equal(last.kind, 'run-stopped');
    assert.deepEqual({ limit: last.detail!.limit, max: last.detail!.max, resource: last.resource }, { limit: 'maxHeldMessages', max: 1_000_000, resource: 'q' });
  });

  it('a run keeping every record stops at the trace memory limit, naming it', () => {
    const sim = new Simulation(runaway({ maxTraceMb: 20 }), { handlers: echo, records: { mode: 'all' } });
    const err = stop(sim);
    assert.equal(err.limit, 'maxTraceMb');
    assert.match(err.message, /its trace records took about [\d,]+ MB in memory \(limits\.maxTraceMb is 20\)/);
    const kept = sim.ctx.trace.keptBytes;
    // Checked every 1,024 clock events: stopped within that many events' records of the limit.
    assert.ok(kept > 20 * 1_048_576 && kept < 40 * 1_048_576, `kept ${kept}`);
    // The estimate is the sum of the kept records' estimates.
    let sum = 0;
    for (const r of sim.records()) sum += recordBytes(r);
    assert.equal(sum, kept);
  });

  it('a windowed trace counts only the records it keeps', () => {
    const doc = { name: 'w', durationS: 20, queues: [{ name: 'q' }], traffic: [{ name: 't', target: { queue: 'q' }, ratePerSecond: 100 }] };
    const sim = new Simulation(doc, { records: { mode: 'window', size: 50 } });
    sim.run();
    let sum = 0;
    for (const r of sim.records()) sum += recordBytes(r);
    assert.equal(sim.ctx.trace.keptBytes, sum);
    assert.equal(new Simulation(doc, { records: { mode: 'none' } }).ctx.trace.keptBytes, 0);
  });

  it('the defaults leave an ordinary run alone (an hour of 100 messages/s)', function () {
    this.timeout(60_000);
    const doc = {
      name: 'steady',
      durationS: 3600,
      queues: [{ name: 'q' }],
      functions: [{ name: 'w', handler: 'w', events: [{ queue: 'q' }] }],
      traffic: [{ name: 't', target: { queue: 'q' }, ratePerSecond: 100 }],
    };
    const sim = new Simulation(doc, { handlers: { w: mod(() => () => undefined) }, records: { mode: 'none' } });
    sim.run();
    const s = sim.summary();
    assert.equal(s.stopped, undefined);
    assert.equal(s.queues.q.sent, 360_000);
    assert.ok(s.events > 1_000_000, `${s.events} events`);
  });

  it('options override the scenario, and a bad limit is refused naming the field', () => {
    const sim = new Simulation(runaway({ maxEvents: 5_000_000 }), { handlers: echo, records: { mode: 'none' }, limits: { maxEvents: 50_000 } });
    assert.equal(sim.bounds!.limits.maxEvents, 50_000);
    assert.equal(stop(sim).max, 50_000);
    const bad = validateScenario({ ...runaway(), limits: { maxEvents: 10, maxHeld: 5 } });
    assert.equal(bad.scenario, undefined);
    const paths = bad.problems.map((p) => p.path);
    assert.ok(paths.includes('limits.maxEvents'), paths.join(', '));
    assert.ok(paths.includes('limits.maxHeld'), paths.join(', '));
    assert.throws(() => resolveRunLimits({ maxTraceMb: 0 }), /limits\.maxTraceMb: must be an integer between 1 and 65536, got 0/);
    assert.throws(() => resolveRunLimits({ maxEvent: 1 }), /limits\.maxEvent: unknown limit \(known: maxEvents, maxHeldMessages, maxTraceMb, maxStoppedInvocations, maxHandlerSeconds\)/);
  });

  it('the clock watcher runs before every Nth event and, once it throws, before every event', () => {
    const clock = new Clock();
    let ran = 0;
    for (let i = 0; i < 10; i++) clock.schedule(i, () => ran++);
    let checks = 0;
    let trip = false;
    clock.watch(4, () => {
      checks++;
      if (trip) throw new Error('stop');
    });
    clock.runUntil(5); // events at 0..5: 6 events, the watcher before the 4th
    assert.deepEqual([ran, checks], [6, 1]);
    trip = true;
    assert.throws(() => clock.runUntil(9), /stop/); // before the 8th event
    assert.equal(ran, 7);
    assert.throws(() => clock.step(), /stop/);
    assert.equal(ran, 7);
    assert.equal(clock.now, 6);
  });

  it('serverless-lab simulate prints the summary so far and the error, exit 1', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'runbounds-'));
    try {
      writeFileSync(join(dir, 'echo.js'), `const { send } = require('serverless-lab');\nexports.handler = async (event) => { for (const r of event.Records) for (let i = 0; i < 10; i++) await send('q', r.body); };\n`);
      const doc = runaway({ maxEvents: 100_000 });
      doc.functions[0].handler = 'echo.js';
      writeFileSync(join(dir, 'loop.scenario.json'), JSON.stringify(doc));
      let out = '';
      let err = '';
      const code = main(['simulate', join(dir, 'loop.scenario.json'), '--executor', 'inprocess'], { out: (s: string) => void (out += s), err: (s: string) => void (err += s) });
      assert.equal(code, 1);
      assert.match(out, /STOPPED at a limit \(maxEvents\)/);
      assert.match(out, /Queues\n {2}q {2}sent/);
      assert.match(err, /loop\.scenario\.json: the run stopped after [\d,]+ events \(limits\.maxEvents is 100,000\).*function echo sends to q, which invokes it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('output bounds', () => {
    /** One function invoked `n` times, 10 s apart, whose handler logs what `logs(lab, n)` says. */
    const logging = (n: number, logs: (lab: LabApi, i: number) => void) => {
      let i = 0;
      const sim = new Simulation(
        { name: 'chatty', durationS: 10 * n, functions: [{ name: 'chatty', handler: 'chatty' }], traffic: [{ name: 't', target: { function: 'chatty' }, ratePerSecond: 0.1 }] },
        { handlers: { chatty: mod((lab) => () => logs(lab, ++i)) } },
      );
      sim.run();
      return sim;
    };

    it('an invocation keeps 10,000 log lines, then one output-truncated record; the next invocation logs again', () => {
      const sim = logging(2, (lab, i) => {
        for (let k = 0; k < (i === 1 ? 20_000 : 3); k++) lab.log(`line ${k}`);
      });
      const logs = sim.records().filter((r) => r.kind === 'log');
      const [first, second] = sim.records().filter((r) => r.kind === 'invoked').map((r) => r.id);
      assert.equal(logs.filter((r) => r.id === first).length, LOG_LINES_PER_INVOCATION);
      assert.equal(logs.filter((r) => r.id === second).length, 3);
      const cut = sim.records().filter((r) => r.kind === 'output-truncated');
      assert.equal(cut.length, 1);
      assert.equal(cut[0].id, first);
      assert.equal(cut[0].detail!.message, 'output truncated after 10,000 lines of logs in this invocation: its later log lines are not kept');
      assert.equal(sim.ctx.output.dropped, 20_000 - LOG_LINES_PER_INVOCATION);
      // The learner sees the cut where it happened in the result's log lines.
      const lines = logLines(sim.records(), 20_000).lines;
      assert.equal(lines[LOG_LINES_PER_INVOCATION].text, `[${cut[0].detail!.message}]`);
    });

    it('a huge line is cut to 256 KiB, and an invocation keeps at most 4 MB of log text', () => {
      const sim = logging(1, (lab) => {
        for (let k = 0; k < 30; k++) lab.log('x'.repeat(1_000_000));
      });
      const logs = sim.records().filter((r) => r.kind === 'log');
      assert.equal((logs[0].detail!.args as string[])[0].length, LOG_LINE_CHARS);
      assert.deepEqual(logs[0].detail!.truncated, { chars: 1_000_000, kept: LOG_LINE_CHARS });
      assert.equal(logs.length, Math.floor(LOG_CHARS_PER_INVOCATION / LOG_LINE_CHARS));
      const cut = sim.records().find((r) => r.kind === 'output-truncated')!;
      assert.equal(cut.detail!.message, 'output truncated after 4 MB of logs in this invocation: its later log lines are not kept');
      // The kept trace stays small: the records' estimate is about the 4 MB kept (2 bytes a character).
      assert.ok(sim.ctx.trace.keptBytes < 10 * 1_048_576, `kept ${sim.ctx.trace.keptBytes}`);
    });

    it('simulate --trace stops writing the file at --trace-max-mb, its last line saying so', function () {
      this.timeout(60_000);
      const dir = mkdtempSync(join(tmpdir(), 'tracefile-'));
      try {
        writeFileSync(join(dir, 'chatty.js'), `const { log } = require('serverless-lab');\nexports.handler = async () => { for (let i = 0; i < 2000; i++) log('y'.repeat(1000)); };\n`);
        writeFileSync(join(dir, 's.scenario.json'), JSON.stringify({ name: 'chatty', durationS: 10, functions: [{ name: 'chatty', handler: 'chatty.js' }], traffic: [{ name: 't', target: { function: 'chatty' }, ratePerSecond: 1 }] }));
        const file = join(dir, 'trace.jsonl');
        let err = '';
        const code = main(['simulate', join(dir, 's.scenario.json'), '--executor', 'inprocess', '--trace', file, '--trace-max-mb', '1'], { out: () => undefined, err: (t: string) => void (err += t) });
        assert.equal(code, 0);
        const size = statSync(file).size;
        assert.ok(size <= 1_048_576 + 1024, `${size} bytes`);
        const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
        const last = JSON.parse(lines.at(-1)!);
        assert.equal(last.kind, 'output-truncated');
        assert.equal(last.detail.records, lines.length - 1);
        assert.match(last.detail.message, /^trace file truncated after [\d,]+ records \(1 MB, --trace-max-mb\): later records are not written$/);
        assert.match(err, /trace\.jsonl: trace file truncated after/);
        // Every line before it is a whole record.
        for (const l of lines.slice(0, -1)) JSON.parse(l);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('runaway handlers (runaway.ts): code the sandbox has to stop, and real time', () => {
    /** An executor whose inits and invocations end as the test says; counts what reached it. */
    class Scripted implements Executor {
      inits = 0;
      invocations = 0;
      constructor(
        private readonly onInvoke: (n: number) => InvokeOutcome,
        private readonly onInit: (n: number) => InitOutcome = () => ({ ok: true }),
      ) {}
      createEnvironment(): InitOutcome {
        return this.onInit(++this.inits);
      }
      invoke(): Step {
        return { state: 'done', outcome: this.onInvoke(++this.invocations) };
      }
      resume(): Step {
        return { state: 'done', outcome: { ok: true, result: undefined } };
      }
      destroyEnvironment(): void {}
    }
    const busy = (limits?: Record<string, number>) => ({
      name: 'busy',
      ...(limits ? { limits } : {}),
      functions: [{ name: 'spin', handler: 'spin.js', timeoutS: 3 }],
      traffic: [{ name: 't', target: { function: 'spin' }, ratePerSecond: 20, durationS: 60 }],
    });
    const capped: InvokeOutcome = { ok: false, error: { name: 'Sandbox.Timedout', message: 'Task timed out: the handler ran for more than 2000 ms of real time', fatal: true } as never, timedOut: true };

    it('stops after maxStoppedInvocations entries the sandbox stopped (real-time cap), naming the function and the error; no learner code runs after that', () => {
      const exec = new Scripted(() => capped);
      const sim = new Simulation(busy(), { executor: exec, records: { mode: 'all' } });
      const err = stop(sim);
      assert.equal(err.limit, 'maxStoppedInvocations');
      assert.equal(err.max, DEFAULT_RUN_LIMITS.maxStoppedInvocations);
      assert.equal(exec.invocations, 3, 'the run stopped at the third, instead of 3,600 × 2 s of real time');
      assert.match(err.message, /^the run stopped: the sandbox had to stop 3 invocations \(limits\.maxStoppedInvocations is 3\): spin ran past the real-time cap without yielding — Sandbox\.Timedout: Task timed out: the handler ran for more than 2000 ms of real time\. Each request would fail the same way/);
      assert.match(err.message, /Fix the handler and run again/);
      const rec = sim.records().find((r) => r.kind === 'run-stopped')!;
      assert.deepEqual({ resource: rec.resource, limit: rec.detail?.limit }, { resource: 'spin', limit: 'maxStoppedInvocations' });
      assert.throws(() => sim.run(), RunLimitError, 'the run stays stopped');
    });

    it('an init killed for memory counts too; the limit comes from the scenario', () => {
      const exec = new Scripted(
        () => ({ ok: true, result: undefined }),
        () => ({ ok: false, error: { name: 'Runtime.OutOfMemory', message: "the module's top level ran out of memory", fatal: true } as never }),
      );
      const err = stop(new Simulation(busy({ maxStoppedInvocations: 5 }), { executor: exec, records: { mode: 'none' } }));
      assert.equal(err.limit, 'maxStoppedInvocations');
      assert.equal(exec.inits, 5);
      assert.match(err.message, /spin ran out of memory — Runtime\.OutOfMemory/);
    });

    it('an error the handler throws with the same name is not the sandbox stopping it: the run goes on', () => {
      const exec = new Scripted(() => ({ ok: false, error: { name: 'Sandbox.Timedout', message: 'thrown by the learner' } }));
      const sim = new Simulation(busy(), { executor: exec, records: { mode: 'none' } });
      sim.run();
      assert.equal(exec.invocations, 3 * 1200, 'every event tried three times (asynchronous invocation retries twice)');
      assert.equal(sim.summary().stopped, undefined);
    });

    it('stops once handler code took maxHandlerSeconds of real time, naming the function that took it', () => {
      const exec = new Scripted(() => {
        const until = performance.now() + 10;
        while (performance.now() < until) {
          // heavy, but finishing: 10 ms of real time per request
        }
        return { ok: true, result: undefined };
      });
      const err = stop(new Simulation(busy({ maxHandlerSeconds: 1 }), { executor: exec, records: { mode: 'none' } }));
      assert.equal(err.limit, 'maxHandlerSeconds');
      assert.ok(exec.invocations >= 90 && exec.invocations <= 101, `stopped after ${exec.invocations} requests of 10 ms`);
      assert.match(err.message, /^the run stopped: handler code took 1(\.\d)? s of real time \(limits\.maxHandlerSeconds is 1\), 1(\.\d)? s of it in spin/);
    });

    it('a playground session is not stopped by them: a handler the sandbox keeps stopping just fails its invocations', () => {
      const dir = mkdtempSync(join(tmpdir(), 'pg-runaway-'));
      try {
        const file = join(dir, 'spin.ts');
        writeFileSync(file, 'export const handler = async () => { for (;;) {} };\n');
        class Capped extends InProcessExecutor {
          calls = 0;
          override invoke(): Step {
            this.calls++;
            return { state: 'done', outcome: capped };
          }
        }
        const executor = new Capped();
        executor.register(`${file}#handler`, () => ({ handler: () => undefined }));
        const p = new Playground({ executor });
        p.apply({ op: 'createQueue', name: 'in' });
        p.apply({ op: 'attachHandler', function: 'spin', file, queue: 'in', batchSize: 1 });
        for (let i = 0; i < 6; i++) p.apply({ op: 'send', queue: 'in', body: `m${i}` });
        p.apply({ op: 'advance', seconds: 60 });
        assert.ok(executor.calls > 3, `the handler kept being invoked (${executor.calls})`);
        assert.equal(p.snapshot().functions[0].name, 'spin', 'the playground still answers');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a bad limit is named', () => {
      assert.throws(() => resolveRunLimits({ maxStoppedInvocations: 0 }), /limits\.maxStoppedInvocations: must be an integer between 1 and 1000000, got 0/);
      assert.throws(() => resolveRunLimits({ maxHandlerSeconds: 'a' }), /limits\.maxHandlerSeconds: must be an integer between 1 and 86400, got "a"/);
    });
  });
});
