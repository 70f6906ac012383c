import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EngineContext } from '../../src/engine/context';
import { EngineError, ValidationError } from '../../src/engine/errors';
import { InProcessExecutor, type Executor, type LabApi, type ModuleFactory } from '../../src/engine/executor';
import { FunctionConfig, FunctionPlatform, FunctionPlatformOptions, InvokeResult } from '../../src/engine/functions';
import { toJsonLine, TraceKind } from '../../src/engine/trace';

function validation(path: string) {
  return (err: unknown) => err instanceof ValidationError && err.path === path;
}

/** A lab API that records what handlers did. */
function fakeLab(sent: Array<{ queue: string; body: unknown }> = []): LabApi {
  let n = 0;
  return {
    send: (queue, body) => {
      sent.push({ queue, body });
      return { messageId: `m-${++n}` };
    },
    publish: () => ({ messageId: `p-${++n}` }),
    produce: () => ({ partition: 0, offset: n++ }),
    putEvents: (_bus, entries) => ({ eventIds: entries.map(() => `e-${++n}`) }),
    putObject: () => ({ etag: 'etag' }),
    getObject: () => undefined,
    tablePut: () => undefined,
    tableGet: () => undefined,
    tableUpdate: (_table, key) => ({ id: key }),
    tableDelete: () => undefined,
    work: () => undefined,
    log: () => undefined,
  };
}

interface Setup {
  ctx: EngineContext;
  executor: InProcessExecutor;
  platform: FunctionPlatform;
}

function setup(options: Partial<FunctionPlatformOptions> = {}, seed = 1): Setup {
  const ctx = new EngineContext({ seed });
  const executor = new InProcessExecutor();
  const platform = new FunctionPlatform(ctx, { executor, lab: fakeLab(), ...options });
  return { ctx, executor, platform };
}

/** A module that counts invocations in module-level state (lost when the environment goes). */
const counterModule: ModuleFactory = () => {
  let count = 0;
  return { handler: () => ++count };
};

function define(s: Setup, config: Partial<FunctionConfig> & { name: string }, factory: ModuleFactory = counterModule): void {
  s.executor.register(config.handler ?? config.name, factory);
  s.platform.define({ handler: config.name, ...config });
}

function collect(): { results: InvokeResult[]; done: (r: InvokeResult) => void } {
  const results: InvokeResult[] = [];
  return { results, done: (r) => results.push(r) };
}

function kinds(ctx: EngineContext, resource: string): TraceKind[] {
  return ctx.trace.records().filter((r) => r.resource === resource).map((r) => r.kind);
}

describe('FunctionPlatform: lifecycle', () => {
  it('a first invoke is a cold start (init, then handler); the next one reuses the warm environment', () => {
    const s = setup();
    define(s, { name: 'fn', durationMs: 20 }); // nodejs: init 150 ms by default
    const { results, done } = collect();
    s.platform.invoke('fn', {}, done);
    assert.equal(s.platform.environments('fn')[0].state, 'initializing');
    s.ctx.clock.runUntil(169);
    assert.equal(results.length, 0, 'still running at 169 ms (150 init + 20 run)');
    s.ctx.clock.runUntil(170);
    assert.equal(results.length, 1);
    assert.equal(results[0].ok, true);
    assert.equal(results[0].coldStart, true);
    assert.equal(results[0].durationMs, 20);
    const cold = s.ctx.trace.records().find((r) => r.kind === 'cold-start')!;
    assert.equal(cold.detail?.initMs, 150);

    s.platform.invoke('fn', {}, done);
    assert.equal(s.platform.environments('fn')[0].state, 'busy', 'a warm invoke starts at once');
    s.ctx.clock.drain();
    assert.equal(results[1].coldStart, false);
    assert.equal(results[1].result, 2, 'module-level state survived between invocations');
    assert.equal(s.ctx.clock.now > 170, true);
    assert.equal(s.ctx.trace.count('cold-start', 'fn'), 1);
    assert.deepEqual(
      s.ctx.trace.records().filter((r) => r.kind === 'invoked').map((r) => r.detail?.coldStart),
      [true, false],
    );
  });

  it('init defaults follow the runtime and lab.work during init lengthens it', () => {
    const s = setup();
    define(s, { name: 'j', runtime: 'java' });
    define(s, { name: 'g', runtime: 'go' }, (lab) => {
      lab.work(40); // e.g. loading a big dependency at top level
      return { handler: () => 'ok' };
    });
    s.platform.invoke('j', {}, () => undefined);
    s.platform.invoke('g', {}, () => undefined);
    s.ctx.clock.drain();
    const inits = s.ctx.trace.records().filter((r) => r.kind === 'cold-start').map((r) => [r.resource, r.detail?.initMs]);
    assert.deepEqual(inits, [['j', 900], ['g', 120]]);
  });

  it('module state is per environment: concurrent environments do not share it, a recycled one loses it', () => {
    const s = setup();
    define(s, { name: 'fn', durationMs: 100, idleTimeoutS: 60 });
    const { results, done } = collect();
    s.platform.invoke('fn', {}, done);
    s.platform.invoke('fn', {}, done);
    s.ctx.clock.drain(); // includes the idle timeout: both environments are destroyed
    assert.deepEqual(results.map((r) => r.result), [1, 1], 'two environments, each with its own counter');
    assert.equal(s.ctx.trace.count('env-destroyed', 'fn'), 2);
    assert.equal(s.ctx.trace.records().filter((r) => r.kind === 'env-destroyed').every((r) => r.cause === 'idle'), true);
    assert.equal(s.platform.environments('fn').length, 0);

    s.platform.invoke('fn', {}, done);
    s.ctx.clock.drain();
    assert.equal(results[2].coldStart, true);
    assert.equal(results[2].result, 1, 'module state was lost with the environment');
  });

  it('an idle environment is recycled after idleTimeoutS, not before', () => {
    const s = setup();
    define(s, { name: 'fn', durationMs: 10, idleTimeoutS: 600 });
    s.platform.invoke('fn', {}, () => undefined);
    s.ctx.clock.runUntil(160); // done at 150 + 10
    s.ctx.clock.runUntil(160 + 599_999);
    assert.equal(s.platform.environments('fn').length, 1);
    s.ctx.clock.runUntil(160 + 600_000);
    assert.equal(s.platform.environments('fn').length, 0);
    const destroyed = s.ctx.trace.records().find((r) => r.kind === 'env-destroyed')!;
    assert.equal(destroyed.t, 600_160);
  });

  it('one invocation per environment: N overlapping invokes need N environments', () => {
    const s = setup();
    define(s, { name: 'fn', durationMs: 50 });
    for (let i = 0; i < 4; i++) s.platform.invoke('fn', { i }, () => undefined);
    assert.equal(s.platform.environments('fn').length, 4);
    assert.equal(s.platform.concurrency('fn'), 4);
    assert.equal(s.platform.concurrency(), 4);
    s.ctx.clock.drain();
    assert.equal(s.ctx.trace.count('cold-start', 'fn'), 4);
    assert.equal(s.platform.concurrency('fn'), 0);
  });

  it('warm environments are reused most recently used first', () => {
    const s = setup();
    define(s, { name: 'fn', durationMs: 10 });
    s.platform.invoke('fn', {}, () => undefined); // env-1, ends at 160
    s.ctx.clock.runUntil(50);
    s.platform.invoke('fn', {}, () => undefined); // env-2 (env-1 busy), ends at 210
    s.ctx.clock.runUntil(1000);
    s.platform.invoke('fn', {}, () => undefined);
    const last = s.ctx.trace.records().filter((r) => r.kind === 'invoked').pop()!;
    assert.equal(last.detail?.coldStart, false);
    assert.equal(last.detail?.env, 'env-2');
  });

  it('timeout: what a handler would do after its time is up never happens; what it did before stays done', () => {
    const sent: Array<{ queue: string; body: unknown }> = [];
    const s = setup({ lab: fakeLab(sent) });
    const caught: string[] = [];
    define(s, { name: 'job', timeoutS: 3, durationMs: 0 }, (lab) => ({
      handler: () => {
        lab.work(2_000);
        lab.send('progress', 'half done'); // at 2 s: within the 3 s timeout
        lab.work(2_000);
        try {
          lab.send('progress', 'all done'); // at 4 s: the function was frozen at 3 s
        } catch (err) {
          caught.push(`${(err as Error).name}: ${(err as Error).message}`);
        }
        return 'ok';
      },
    }));
    const { results, done } = collect();
    s.platform.invoke('job', {}, done);
    s.ctx.clock.drain();
    assert.deepEqual(sent.map((m) => m.body), ['half done']);
    assert.equal(caught.length, 1);
    assert.match(caught[0], /^Sandbox\.Timedout: send to queue "progress" never happened: the function had already run out of time \(it had run 4000 ms of its 3000 ms timeout\)/);
    assert.equal(results[0].ok, false, 'catching it does not save the invocation');
    assert.match(results[0].error!, /timed out after 3\.00 seconds/);
  });

  // "Understanding the Lambda execution environment lifecycle": an init phase longer than 10 s is
  // re-run inside the first invocation, under the function's timeout.
  it('an init over 10 s is re-run inside the first invocation, under the function timeout', () => {
    const s = setup();
    let inits = 0;
    define(s, { name: 'heavy', timeoutS: 30, initMs: 150, durationMs: 5 }, (lab) => {
      inits++;
      lab.work(12_000); // the top level takes 12 s
      return { handler: () => `served after ${inits} inits` };
    });
    const { results, done } = collect();
    s.platform.invoke('heavy', {}, done);
    s.ctx.clock.drain();
    assert.equal(inits, 2, 'the top level ran again');
    assert.equal(results[0].ok, true, results[0].error);
    assert.equal(results[0].result, 'served after 2 inits');
    const colds = s.ctx.trace.records().filter((r) => r.kind === 'cold-start');
    assert.equal(colds.length, 2);
    assert.equal(colds[1].t, 10_000, 'the re-run starts when the 10 s init limit is reached');
    assert.equal(colds[1].detail?.rerun, true);
    const ok = s.ctx.trace.records().find((r) => r.kind === 'succeeded')!;
    assert.equal(ok.t, 10_000 + 12_150 + 5, 'the re-run init, then the handler, within the invocation');
    assert.equal(ok.detail?.durationMs, 12_155);
  });

  it('an init over 10 s whose re-run does not fit the function timeout times the invocation out', () => {
    const s = setup();
    define(s, { name: 'heavy', timeoutS: 5 }, (lab) => {
      lab.work(12_000);
      return { handler: () => 'never' };
    });
    const { results, done } = collect();
    s.platform.invoke('heavy', {}, done);
    s.ctx.clock.drain();
    assert.equal(results[0].ok, false);
    assert.match(results[0].error!, /timed out after 5\.00 seconds/);
    const t = s.ctx.trace.records().find((r) => r.kind === 'timed-out')!;
    assert.equal(t.t, 15_000, '10 s of the first init, then the 5 s timeout of the invocation');
  });

  it('timeout: the invocation fails at the timeout and its environment is destroyed (next invoke is cold)', () => {
    const s = setup();
    define(s, { name: 'slow', timeoutS: 3 }, (lab) => ({
      handler: (event: { workMs: number }) => {
        lab.work(event.workMs);
        return 'done';
      },
    }));
    const { results, done } = collect();
    s.platform.invoke('slow', { workMs: 10 }, done); // warm it up
    s.ctx.clock.runUntil(1000);
    const start = s.ctx.clock.now;
    s.platform.invoke('slow', { workMs: 5000 }, done);
    s.ctx.clock.runUntil(start + 2999);
    assert.equal(results.length, 1);
    s.ctx.clock.runUntil(start + 3000);
    assert.equal(results.length, 2);
    assert.equal(results[1].ok, false);
    assert.match(results[1].error!, /timed out after 3\.00 seconds/);
    const timedOut = s.ctx.trace.records().find((r) => r.kind === 'timed-out')!;
    assert.equal(timedOut.t, start + 3000);
    const destroyed = s.ctx.trace.records().find((r) => r.kind === 'env-destroyed')!;
    assert.equal(destroyed.cause, 'timeout');
    assert.equal(s.platform.environments('slow').length, 0);
    s.platform.invoke('slow', { workMs: 1 }, done);
    s.ctx.clock.runUntil(s.ctx.clock.now + 1000);
    assert.equal(results[2].coldStart, true);
  });

  it('an init error fails the invocation and the environment; the next invoke tries a new cold start', () => {
    const s = setup();
    let inits = 0;
    define(s, { name: 'broken' }, () => {
      inits++;
      throw new TypeError('cannot read config');
    });
    const { results, done } = collect();
    s.platform.invoke('broken', {}, done);
    s.ctx.clock.drain();
    assert.equal(results[0].ok, false);
    assert.match(results[0].error!, /TypeError: cannot read config/);
    assert.equal(s.platform.environments('broken').length, 0);
    const failed = s.ctx.trace.records().find((r) => r.kind === 'failed')!;
    assert.equal(failed.detail?.phase, 'init');
    s.platform.invoke('broken', {}, done);
    s.ctx.clock.drain();
    assert.equal(inits, 2);
  });

  it('a handler error fails the invocation but keeps the environment warm', () => {
    const s = setup();
    define(s, { name: 'thrower' }, () => ({
      handler: () => {
        throw new RangeError('bad input');
      },
    }));
    const { results, done } = collect();
    s.platform.invoke('thrower', {}, done);
    s.ctx.clock.runUntil(1000);
    s.platform.invoke('thrower', {}, done);
    s.ctx.clock.runUntil(2000);
    assert.deepEqual(results.map((r) => [r.ok, r.error, r.coldStart]), [
      [false, 'RangeError: bad input', true],
      [false, 'RangeError: bad input', false],
    ]);
    assert.equal(s.ctx.trace.count('failed', 'thrower'), 2);
  });

  it('the in-process executor rejects async handlers with AsyncHandlerError', () => {
    const s = setup();
    define(s, { name: 'asyncFn' }, () => ({ handler: async () => 'later' }));
    const { results, done } = collect();
    s.platform.invoke('asyncFn', {}, done);
    s.ctx.clock.drain();
    assert.equal(results[0].ok, false);
    assert.match(results[0].error!, /^AsyncHandlerError: .*sandbox/);
  });

  it('handler side effects happen when the invocation starts; lab.log goes to the trace', () => {
    const sent: Array<{ queue: string; body: unknown }> = [];
    const s = setup({ lab: fakeLab(sent) });
    define(s, { name: 'fn', durationMs: 500 }, (lab) => ({
      handler: (event: { id: number }) => {
        lab.send('out', { id: event.id });
        lab.log('sent', event.id);
      },
    }));
    s.platform.invoke('fn', { id: 7 }, () => undefined);
    s.ctx.clock.runUntil(150); // init done: the handler ran at 150 ms
    assert.deepEqual(sent, [{ queue: 'out', body: { id: 7 } }]);
    const log = s.ctx.trace.records().find((r) => r.kind === 'log')!;
    assert.equal(log.t, 150);
    assert.deepEqual(log.detail?.args, ['sent', 7]);
    assert.equal(s.ctx.trace.count('succeeded', 'fn'), 0, 'the invocation itself lasts 500 ms');
  });

  it('the handler context tells the request id, memory, cold start and remaining time', () => {
    const s = setup();
    const seen: unknown[] = [];
    define(s, { name: 'ctxFn', memoryMb: 512, timeoutS: 10 }, (lab) => ({
      handler: (_e: unknown, context) => {
        lab.work(2500);
        seen.push({ id: context.awsRequestId, mem: context.memoryLimitInMB, cold: context.coldStart, left: context.getRemainingTimeInMillis(), fn: context.functionName });
      },
    }));
    const id = s.platform.invoke('ctxFn', {}, () => undefined);
    s.ctx.clock.drain();
    assert.deepEqual(seen, [{ id, mem: 512, cold: true, left: 7495, fn: 'ctxFn' }], '10 s less 2.5 s of work less the 5 ms every invocation takes');
  });

  it('remaining time leaves out the modelled fixed duration: work up to it finishes, a little more times out', () => {
    const s = setup();
    const left: number[] = [];
    define(s, { name: 'tight', timeoutS: 1, durationMs: 100 }, (lab) => ({
      handler: (event: { extra: number }, context) => {
        left.push(context.getRemainingTimeInMillis());
        lab.work(context.getRemainingTimeInMillis() + event.extra);
      },
    }));
    const { results, done } = collect();
    s.platform.invoke('tight', { extra: 0 }, done);
    s.ctx.clock.drain();
    s.platform.invoke('tight', { extra: 1 }, done);
    s.ctx.clock.drain();
    assert.deepEqual(left.slice(0, 2), [900, 900], 'the 1 s timeout less the 100 ms the invocation takes anyway');
    assert.deepEqual(results.map((r) => r.ok), [true, false], 'trusting it exactly finishes; 1 ms more times out');
  });
});

describe('FunctionPlatform: concurrency', () => {
  it('reserved concurrency caps a function: over it, a synchronous invoke is throttled at once', () => {
    const s = setup();
    define(s, { name: 'capped', reservedConcurrency: 2, durationMs: 100 });
    const { results, done } = collect();
    s.platform.invoke('capped', {}, done);
    s.platform.invoke('capped', {}, done);
    s.platform.invoke('capped', {}, done);
    assert.equal(results.length, 1, 'the throttled one answers immediately');
    assert.equal(results[0].throttled, true);
    assert.equal(results[0].ok, false);
    assert.match(results[0].error!, /TooManyRequestsException/);
    assert.equal(s.ctx.trace.count('throttled', 'capped'), 1);
    s.ctx.clock.drain();
    assert.equal(s.ctx.trace.count('succeeded', 'capped'), 2);
    s.platform.invoke('capped', {}, done);
    assert.equal(s.platform.concurrency('capped'), 1, 'capacity is back once invocations end');
  });

  it('reserved concurrency must leave 100 unreserved (scaled for small accounts); a rejected define changes nothing', () => {
    const s = setup();
    s.executor.register('h', counterModule);
    s.platform.define({ name: 'a', handler: 'h', reservedConcurrency: 600 });
    assert.throws(() => s.platform.define({ name: 'b', handler: 'h', reservedConcurrency: 301 }), validation('reservedConcurrency'));
    assert.deepEqual(s.platform.functionNames(), ['a']);
    s.platform.define({ name: 'b', handler: 'h', reservedConcurrency: 300 });
    const small = setup({ accountConcurrency: 50 });
    small.executor.register('h', counterModule);
    assert.throws(() => small.platform.define({ name: 'c', handler: 'h', reservedConcurrency: 46 }), validation('reservedConcurrency'));
    small.platform.define({ name: 'c', handler: 'h', reservedConcurrency: 45 });
  });

  it('the account limit is shared by all unreserved functions', () => {
    const s = setup({ accountConcurrency: 10 });
    define(s, { name: 'a', durationMs: 100 });
    define(s, { name: 'b', durationMs: 100 });
    const { results, done } = collect();
    for (let i = 0; i < 6; i++) s.platform.invoke('a', {}, done);
    for (let i = 0; i < 4; i++) s.platform.invoke('b', {}, done);
    assert.equal(s.platform.concurrency(), 10);
    s.platform.invoke('b', {}, done);
    assert.equal(results.length, 1);
    assert.equal(results[0].throttled, true);
    s.ctx.clock.drain();
    assert.equal(s.ctx.trace.count('succeeded'), 10);
  });

  it('reserved concurrency is set aside: unreserved functions can use only the rest', () => {
    const s = setup({ accountConcurrency: 20 });
    define(s, { name: 'vip', reservedConcurrency: 15, durationMs: 100 });
    define(s, { name: 'other', durationMs: 100 });
    const { results, done } = collect();
    for (let i = 0; i < 6; i++) s.platform.invoke('other', {}, done);
    assert.equal(results.filter((r) => r.throttled).length, 1, 'only 5 of 20 are unreserved');
    for (let i = 0; i < 15; i++) s.platform.invoke('vip', {}, done);
    assert.equal(results.filter((r) => r.throttled).length, 1, 'the reservation is guaranteed');
  });

  it('provisioned concurrency: N initialised environments, no cold start up to N, never recycled', () => {
    const s = setup();
    define(s, { name: 'pc', provisionedConcurrency: 2, durationMs: 50, idleTimeoutS: 60 });
    assert.deepEqual(s.platform.environments('pc').map((e) => [e.state, e.provisioned]), [['idle', true], ['idle', true]]);
    const { results, done } = collect();
    s.platform.invoke('pc', {}, done);
    s.platform.invoke('pc', {}, done);
    s.platform.invoke('pc', {}, done);
    s.ctx.clock.drain();
    assert.deepEqual(results.map((r) => r.coldStart).sort(), [false, false, true]);
    assert.equal(s.ctx.trace.count('cold-start', 'pc'), 1);
    // After all idle timeouts, the provisioned environments are still there; the on-demand one is gone.
    assert.deepEqual(s.platform.environments('pc').map((e) => e.provisioned), [true, true]);
  });

  it('provisioned concurrency cannot exceed reserved concurrency', () => {
    const s = setup();
    s.executor.register('h', counterModule);
    assert.throws(() => s.platform.define({ name: 'x', handler: 'h', reservedConcurrency: 2, provisionedConcurrency: 3 }), validation('provisionedConcurrency'));
    assert.deepEqual(s.platform.functionNames(), []);
  });

  it('setConcurrencyLimit throttles (a fault); undefined lifts it', () => {
    const s = setup();
    define(s, { name: 'fn' });
    s.platform.setConcurrencyLimit('fn', 0);
    const { results, done } = collect();
    s.platform.invoke('fn', {}, done);
    assert.equal(results[0].throttled, true);
    s.platform.setConcurrencyLimit('fn', undefined);
    s.platform.invoke('fn', {}, done);
    s.ctx.clock.drain();
    assert.equal(results[1].ok, true);
    assert.throws(() => s.platform.setConcurrencyLimit('fn', -1), validation('limit'));
  });

  it('property: concurrency never exceeds the reservation and every invoke gets exactly one answer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 2000 }), work: fc.integer({ min: 0, max: 1500 }) }), { minLength: 1, maxLength: 40 }),
        (reserved, calls) => {
          const s = setup();
          define(s, { name: 'fn', reservedConcurrency: reserved, timeoutS: 1 }, (lab) => ({
            handler: (e: { work: number }) => lab.work(e.work),
          }));
          const answers = new Map<string, number>();
          let peak = 0;
          for (const c of calls) {
            s.ctx.clock.at(c.at, () => {
              const id = s.platform.invoke('fn', c, (r) => answers.set(r.requestId, (answers.get(r.requestId) ?? 0) + 1));
              assert.ok(id);
              peak = Math.max(peak, s.platform.concurrency('fn'));
            });
          }
          s.ctx.clock.drain();
          assert.ok(peak <= reserved);
          assert.equal(answers.size, calls.length);
          assert.ok([...answers.values()].every((n) => n === 1));
          const t = s.ctx.trace;
          assert.equal(t.count('succeeded') + t.count('timed-out') + t.count('throttled'), calls.length);
          assert.equal(s.platform.concurrency(), 0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('FunctionPlatform: asynchronous invocation', () => {
  it('function errors are retried twice (about 1 min, then 2 min later), then go to onFailure', () => {
    const s = setup();
    const failures: Array<[unknown, string]> = [];
    const attempts: number[] = [];
    define(s, { name: 'worker', async: { onFailure: (event, error) => failures.push([event, error]) } }, () => ({
      handler: () => {
        attempts.push(s.ctx.clock.now);
        throw new Error('boom');
      },
    }));
    const id = s.platform.invokeAsync('worker', { order: 1 });
    s.ctx.clock.drain();
    assert.equal(attempts.length, 3);
    // first at init end (150); the run lasts 5 ms; retry 1 min after the failure, retry 2 min after that.
    assert.deepEqual(attempts, [150, 150 + 5 + 60_000, 150 + 5 + 60_000 + 5 + 120_000]);
    assert.deepEqual(failures, [[{ order: 1 }, 'Error: boom']]);
    assert.equal(s.ctx.trace.count('retried', 'worker'), 2);
    const dl = s.ctx.trace.records().filter((r) => r.kind === 'dead-lettered');
    assert.equal(dl.length, 1);
    assert.equal(dl[0].id, id, 'the request id stays the same across retries');
  });

  it('without an on-failure destination the event is dropped; maxRetries 0 means one attempt', () => {
    const s = setup();
    let attempts = 0;
    define(s, { name: 'w', async: { maxRetries: 0 } }, () => ({
      handler: () => {
        attempts++;
        throw new Error('nope');
      },
    }));
    s.platform.invokeAsync('w', {});
    s.ctx.clock.drain();
    assert.equal(attempts, 1);
    assert.equal(s.ctx.trace.count('dropped', 'w'), 1);
    assert.equal(s.ctx.trace.count('retried', 'w'), 0);
  });

  it('a successful async event is not retried', () => {
    const s = setup();
    define(s, { name: 'ok' });
    s.platform.invokeAsync('ok', {});
    s.ctx.clock.drain();
    assert.deepEqual(kinds(s.ctx, 'ok').filter((k) => k !== 'env-destroyed'), ['invoked', 'cold-start', 'succeeded']);
  });

  it('throttled async events are retried without using up retries, until the maximum event age', () => {
    const s = setup();
    const failures: string[] = [];
    // A throttle (here a concurrency cap of 0 from a fault); reserved concurrency 0 is different:
    // its events go to the on-failure destination at once (destinations.test.ts).
    define(s, { name: 'blocked', async: { maxEventAgeS: 60, onFailure: (_e, error) => failures.push(error) } });
    s.platform.setConcurrencyLimit('blocked', 0);
    s.platform.invokeAsync('blocked', {});
    s.ctx.clock.drain();
    assert.ok(s.ctx.trace.count('throttled', 'blocked') > 2, 'throttles do not count as the 2 retries');
    assert.equal(failures.length, 1);
    assert.match(failures[0], /TooManyRequests/);
    const dl = s.ctx.trace.records().find((r) => r.kind === 'dead-lettered')!;
    assert.ok(dl.t <= 60_000);
    assert.equal(dl.detail?.reason, 'maximum event age exceeded');
  });
});

describe('FunctionPlatform: billing', () => {
  it('GB-seconds = memory/1024 × duration rounded up to 1 ms (128 MB × 101 ms)', () => {
    const s = setup({ billInit: false });
    define(s, { name: 'fn', memoryMb: 128, durationMs: 100.3 });
    s.platform.invoke('fn', {}, () => undefined);
    s.ctx.clock.drain();
    const bill = s.platform.billing();
    assert.equal(bill.requests, 1);
    assert.equal(bill.perFunction.fn.durationMs, 101);
    assert.equal(bill.gbSeconds, 0.125 * 0.101);
    assert.ok(Math.abs(bill.cost - (0.2 / 1e6 + 0.125 * 0.101 * 0.0000166667)) < 1e-15);
    const ok = s.ctx.trace.records().find((r) => r.kind === 'succeeded')!;
    assert.deepEqual(ok.detail, { env: 'env-1', durationMs: 100.3, billedMs: 101, returned: 1 }); // what the handler answered
  });

  it('the init phase of a cold start is billed by default; throttled calls are not billed', () => {
    const s = setup();
    define(s, { name: 'fn', memoryMb: 1024, durationMs: 100.3, reservedConcurrency: 1 });
    s.platform.invoke('fn', {}, () => undefined);
    s.platform.invoke('fn', {}, () => undefined); // throttled
    s.ctx.clock.drain();
    const bill = s.platform.billing();
    assert.equal(bill.requests, 1);
    assert.equal(bill.perFunction.fn.durationMs, 251); // 150 init + 100.3, rounded up
    assert.equal(bill.perFunction.fn.gbSeconds, 0.251);
  });

  it('custom prices', () => {
    const s = setup({ billInit: false, pricePerRequest: 1, pricePerGbSecond: 10 });
    define(s, { name: 'fn', memoryMb: 2048, durationMs: 500 });
    s.platform.invoke('fn', {}, () => undefined);
    s.ctx.clock.drain();
    assert.equal(s.platform.billing().cost, 1 + 10 * 2 * 0.5);
  });
});

describe('FunctionPlatform: faults', () => {
  it('crash: the running invocation fails with cause crash and its environment is destroyed', () => {
    const s = setup();
    define(s, { name: 'fn', durationMs: 1000 });
    const { results, done } = collect();
    s.platform.invoke('fn', {}, done);
    s.ctx.clock.runUntil(500);
    s.platform.crash('fn');
    assert.equal(results.length, 1);
    assert.equal(results[0].ok, false);
    const failed = s.ctx.trace.records().find((r) => r.kind === 'failed')!;
    assert.equal(failed.cause, 'crash');
    assert.equal(s.platform.environments('fn').length, 0);
    assert.equal(s.platform.concurrency('fn'), 0);
    s.ctx.clock.drain();
    assert.equal(results.length, 1, 'the crashed invocation does not also complete');
    assert.equal(s.ctx.trace.count('succeeded'), 0);
  });

  it('addLatency lengthens later invocations', () => {
    const s = setup();
    define(s, { name: 'fn', durationMs: 10 });
    s.platform.addLatency('fn', 250);
    const { results, done } = collect();
    s.platform.invoke('fn', {}, done);
    s.ctx.clock.drain();
    assert.equal(results[0].durationMs, 260);
    assert.throws(() => s.platform.addLatency('fn', -1000), validation('ms'));
  });
});

describe('FunctionPlatform: validation', () => {
  const bad: Array<[string, Partial<FunctionConfig>]> = [
    ['name', { name: '' }],
    ['name', { name: 'has space' }],
    ['handler', { handler: '' }],
    ['memoryMb', { memoryMb: 64 }],
    ['memoryMb', { memoryMb: 10241 }],
    ['timeoutS', { timeoutS: 0 }],
    ['timeoutS', { timeoutS: 901 }],
    ['runtime', { runtime: 'ruby' as 'go' }],
    ['initMs', { initMs: -1 }],
    ['durationMs', { durationMs: Number.NaN }],
    ['reservedConcurrency', { reservedConcurrency: 1.5 }],
    ['provisionedConcurrency', { provisionedConcurrency: -1 }],
    ['idleTimeoutS', { idleTimeoutS: 0 }],
    ['async.maxRetries', { async: { maxRetries: 3 } }],
    ['async.maxEventAgeS', { async: { maxEventAgeS: 59 } }],
    ['async.maxEventAgeS', { async: { maxEventAgeS: 21601 } }],
  ];
  for (const [path, patch] of bad) {
    it(`rejects ${path} = ${JSON.stringify(Object.values(patch)[0])} naming the field, and defines nothing`, () => {
      const s = setup();
      assert.throws(() => s.platform.define({ name: 'fn', handler: 'h', ...patch }), validation(path));
      assert.deepEqual(s.platform.functionNames(), []);
    });
  }

  it('rejects a duplicate name and unknown functions', () => {
    const s = setup();
    define(s, { name: 'fn' });
    assert.throws(() => s.platform.define({ name: 'fn', handler: 'fn' }), validation('name'));
    assert.throws(() => s.platform.invoke('nope', {}, () => undefined), (e: unknown) => e instanceof EngineError && e.code === 'ResourceNotFoundException');
    assert.throws(() => s.platform.invokeAsync('nope', {}), EngineError);
  });

  it('rejects bad platform options', () => {
    const ctx = new EngineContext();
    assert.throws(() => new FunctionPlatform(ctx, { executor: new InProcessExecutor(), lab: fakeLab(), accountConcurrency: 0 }), validation('accountConcurrency'));
  });
});

describe('FunctionPlatform: determinism', () => {
  it('the same scenario gives the same trace byte for byte', () => {
    const run = () => {
      const s = setup({}, 42);
      define(s, { name: 'a', durationMs: 30, reservedConcurrency: 3 }, (lab) => ({
        handler: (e: { i: number }) => {
          lab.work(s.ctx.random.int(200));
          if (e.i % 5 === 0) throw new Error(`bad ${e.i}`);
          return e.i;
        },
      }));
      for (let i = 0; i < 30; i++) {
        const at = s.ctx.random.int(5000);
        s.ctx.clock.at(at, () => (i % 2 ? s.platform.invoke('a', { i }, () => undefined) : s.platform.invokeAsync('a', { i })));
      }
      s.ctx.clock.drain();
      return s.ctx.trace.records().map(toJsonLine).join('\n');
    };
    const first = run();
    assert.ok(first.length > 1000);
    assert.equal(run(), first);
  });
});

describe('FunctionPlatform: an environment the executor reports gone (fatal) is thrown away', () => {
  it('destroys the environment after a fatal error, so the next invoke is a cold start', () => {
    const ctx = new EngineContext({ seed: 1 });
    let invokes = 0;
    const executor: Executor = {
      createEnvironment: () => ({ ok: true as const }),
      invoke: () => {
        invokes++;
        return {
          state: 'done',
          outcome: invokes === 1 ? { ok: false as const, error: { name: 'Runtime.OutOfMemory', message: 'heap limit', fatal: true } as never } : { ok: true as const, result: 'fine' },
        };
      },
      resume: () => ({ state: 'waiting' }),
      destroyEnvironment: () => undefined,
    };
    const platform = new FunctionPlatform(ctx, { executor, lab: fakeLab() });
    platform.define({ name: 'f', handler: 'h' });
    const { results, done } = collect();
    platform.invoke('f', {}, done);
    ctx.clock.drain();
    platform.invoke('f', {}, done);
    ctx.clock.drain();
    assert.equal(results[0].ok, false);
    assert.equal(results[1].ok, true);
    assert.equal(results[1].coldStart, true, 'the second invoke needed a new environment');
    assert.equal(ctx.trace.count('env-destroyed', 'f') >= 1, true);
    assert.equal(ctx.trace.count('cold-start', 'f'), 2);
  });
});
