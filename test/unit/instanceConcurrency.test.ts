import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor } from '../../src/engine/executor';
import { billedMs, PLATFORMS } from '../../src/engine/instanceConcurrency';
import { validateScenario } from '../../src/engine/scenario';
import { buildTopology } from '../../src/engine/topology';
import { toMermaid } from '../../src/diagram/mermaid';
import { Simulation } from '../../src/engine/simulation';
import type { TraceRecord } from '../../src/engine/trace';
import { clearCompileCache } from '../../src/sandbox/compile';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { VmExecutor } from '../../src/sandbox/vmExecutor';

/**
 * Many requests per instance (src/engine/instanceConcurrency.ts), against the platforms' documents:
 * - Cloud Run: "By default each Cloud Run instance can receive up to 80 requests at the same time;
 *   you can increase this to a maximum of 1000" (https://cloud.google.com/run/docs/about-concurrency);
 *   request timeout "by default to 5 minutes (300 seconds) and can be extended up to 60 minutes";
 *   past it the request gets a 504 and "the container instance that served the request is not
 *   terminated" (https://cloud.google.com/run/docs/configuring/request-timeout); min instances are
 *   kept "even if they're not processing requests" (https://cloud.google.com/run/docs/configuring/min-instances).
 * - Cloud Run functions (2nd gen): "The default concurrency value is 1", max 1000, and no isolation
 *   between concurrent requests on an instance (https://cloud.google.com/functions/docs/configuring/concurrency).
 * - Azure Flex Consumption: HTTP concurrency by instance memory, 2,048 MB the default size; billed
 *   at least 1,000 ms then per 100 ms (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan).
 */
const kinds: Array<[string, (dir: string) => Executor & { dispose(): void }]> = [
  ['in-process', (dir) => new VmExecutor({ rootDir: dir })],
  ['sandbox', (dir) => new IsolateExecutor({ rootDir: dir })],
];

/** A request handler keeping "the current user" in a module variable across an await: fine one request at a time, wrong when requests share the module. */
const CURRENT_USER = `import { tableGet } from 'serverless-lab';
let currentUser: unknown;
export const handler = async (event: { seq: number }) => {
  currentUser = event.seq;
  await tableGet('tbl', 'profile');
  return { user: currentUser, asked: event.seq };
};
`;

for (const [kind, make] of kinds) {
  describe(`many requests per instance (${kind})`, function () {
    this.timeout(60000);
    let dir: string;
    const executors: Array<{ dispose(): void }> = [];
    const write = (name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return name;
    };
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'instances-'));
      clearCompileCache();
    });
    afterEach(() => {
      for (const e of executors.splice(0)) e.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    /** One function invoked `n` times within the first `n` ms (they overlap), with the given function settings. */
    function run(handler: string, fn: Record<string, unknown>, n: number, extra: Record<string, unknown> = {}): Simulation {
      const executor = make(dir);
      executors.push(executor);
      const sim = new Simulation(
        {
          name: 'probe',
          durationS: 30,
          tables: [{ name: 'tbl', key: 'id' }],
          functions: [{ name: 'fn', handler, ...fn }],
          traffic: [{ name: 'load', target: { function: 'fn' }, ratePerSecond: 1000, durationS: n / 1000 }],
          ...extra,
        },
        { seed: 1, executor },
      );
      sim.run();
      return sim;
    }
    const records = (sim: Simulation, k: TraceRecord['kind']) => sim.ctx.trace.records().filter((r) => r.kind === k);
    const answers = (sim: Simulation) => records(sim, 'succeeded').map((r) => (r.detail as { returned: { user: number; asked: number } }).returned);

    it('concurrent requests on one instance share module state: a variable set by one is clobbered by the other across an await (Lambda: one request per environment keeps it)', () => {
      const h = write('h.ts', CURRENT_USER);
      const lambda = answers(run(h, {}, 3));
      assert.equal(lambda.length, 3);
      for (const a of lambda) assert.equal(a.user, a.asked, 'on Lambda each environment serves one request at a time');
      const cloudRun = run(h, { instances: { platform: 'cloud-run' } }, 3);
      const got = answers(cloudRun);
      assert.equal(got.length, 3);
      assert.ok(
        got.some((a) => a.user !== a.asked),
        `on one Cloud Run instance a later request overwrote currentUser mid-await: ${JSON.stringify(got)}`,
      );
      const envs = new Set(records(cloudRun, 'invoked').map((r) => (r.detail as { env: string }).env));
      assert.equal(envs.size, 1, 'all three requests ran on one instance (default concurrency 80)');
      assert.equal(records(cloudRun, 'cold-start').length, 1, 'one cold start: only the new instance');
    });

    it('scales out only when every instance is at its concurrency, and refuses with 429 at maxInstances', () => {
      const h = write('h.ts', CURRENT_USER);
      const sim = run(h, { instances: { concurrency: 2, maxInstances: 2 } }, 5);
      assert.equal(records(sim, 'cold-start').length, 2, 'two instances of two requests each');
      const throttled = records(sim, 'throttled');
      assert.equal(throttled.length, 1, 'the fifth request found no instance with room');
      assert.match(String((throttled[0].detail as { reason: string }).reason), /every one of 2 instances serves 2 requests/);
      const perEnv = new Map<string, number>();
      for (const r of records(sim, 'invoked')) {
        const env = (r.detail as { env: string }).env;
        perEnv.set(env, (perEnv.get(env) ?? 0) + 1);
      }
      assert.deepEqual([...perEnv.values()], [2, 2]);
      assert.equal(sim.summary().functions.fn.throttled, 1);
    });

    it("Cloud Run functions default to one request per instance; Azure Flex to 16 at 2,048 MB", () => {
      const h = write('h.ts', CURRENT_USER);
      const gcf = run(h, { instances: { platform: 'cloud-functions' } }, 3);
      assert.equal(records(gcf, 'cold-start').length, 3, 'concurrency 1: three overlapping requests need three instances');
      for (const a of answers(gcf)) assert.equal(a.user, a.asked);
      assert.equal(PLATFORMS['azure-flex'].defaultConcurrency(2048), 16);
      const flex = run(h, { instances: { platform: 'azure-flex' } }, 17);
      assert.equal(records(flex, 'cold-start').length, 2, '17 overlapping requests: 16 on the first instance, then a second');
    });

    it('minimum instances start ahead of traffic (no cold start for the first requests) and are never scaled in', () => {
      const h = write('h.ts', CURRENT_USER);
      const sim = run(h, { instances: { minInstances: 1 }, idleTimeoutS: 5 }, 2);
      const invoked = records(sim, 'invoked');
      assert.equal(invoked.length, 2);
      for (const r of invoked) assert.equal((r.detail as { coldStart: boolean }).coldStart, false);
      assert.equal(records(sim, 'cold-start').length, 0);
      assert.equal(records(sim, 'env-destroyed').length, 0, 'the minimum instance stays past its idle timeout');
      const envs = sim.platform.environments('fn');
      assert.equal(envs.length, 1);
      assert.equal(envs[0].provisioned, true);
      assert.ok((sim.platform.billing().perFunction.fn.idleInstanceSeconds ?? 0) > 25, 'its idle time is reported');
      const cold = run(h, { instances: {}, idleTimeoutS: 5 }, 1);
      assert.equal(records(cold, 'cold-start').length, 1);
      assert.equal(records(cold, 'env-destroyed').length, 1, 'an instance above the minimum is scaled in when idle');
    });

    it('bills instance time, not requests: 50 overlapping 1 s requests bill ~1 s on one instance, ~50 s on Lambda', () => {
      const h = write('slow.ts', `import { tableGet } from 'serverless-lab';
export const handler = async () => { await tableGet('tbl', 'x'); return 'ok'; };
`);
      const latency = { table: { baseMs: 1000, jitterMs: 0 } };
      const lambda = run(h, { latency }, 50).platform.billing().perFunction.fn;
      const cloudRun = run(h, { latency, instances: {} }, 50).platform.billing().perFunction.fn;
      assert.equal(lambda.requests, 50);
      assert.equal(cloudRun.requests, 50);
      assert.ok(lambda.durationMs >= 50 * 1000, `Lambda billed ${lambda.durationMs} ms`);
      // One busy period from the first request to the last one's end (~1.06 s), rounded up to 100 ms.
      assert.ok(cloudRun.durationMs >= 1000 && cloudRun.durationMs <= 1200, `Cloud Run billed ${cloudRun.durationMs} ms`);
      assert.equal(cloudRun.durationMs % 100, 0, 'rounded up to 100 ms');
      // The trace bills the same (the diagram's cost reads it): the request that left the instance idle carries the busy period.
      const traced = (sim: Simulation) => records(sim, 'succeeded').reduce((n, r) => n + Number((r.detail as { billedMs?: number }).billedMs ?? 0), 0);
      const sim = run(h, { latency, instances: {} }, 50);
      assert.equal(traced(sim), sim.platform.billing().perFunction.fn.durationMs);
    });

    it('a request past its timeout fails with 504, but the instance is not stopped: the request’s code goes on and its later write happens (CPU allocated), or waits for the next request (request billing)', () => {
      const h = write('late.ts', `import { tableGet, tablePut } from 'serverless-lab';
export const handler = async (event: { seq: number }) => {
  await tableGet('tbl', 'slow');
  await tableGet('tbl', 'slow');
  await tablePut('tbl', { id: 'late', by: event.seq });
  return 'ok';
};
`);
      const fn = { timeoutS: 1, latency: { table: { baseMs: 600, jitterMs: 0 } } };
      const on = run(h, { ...fn, instances: { billing: 'instance' } }, 1);
      const timedOut = records(on, 'timed-out');
      assert.equal(timedOut.length, 1);
      assert.equal((timedOut[0].detail as { instanceKept: boolean }).instanceKept, true);
      assert.match(String((timedOut[0].detail as { error: string }).error), /504/);
      const initMs = (records(on, 'cold-start')[0].detail as { initMs: number }).initMs;
      assert.equal(timedOut[0].t, initMs + 1000, 'the timeout counts from the start of the request, after its instance started');
      assert.ok(on.tables.get('tbl')!.get('late'), 'the timed-out request kept running and wrote (Lambda throws its environment away at the timeout)');
      assert.equal(records(on, 'env-destroyed').length, 0, 'the instance was not stopped');
      const throttled = run(h, { ...fn, instances: {} }, 1);
      assert.equal(records(throttled, 'timed-out').length, 1);
      assert.equal(throttled.tables.get('tbl')!.get('late'), undefined, 'request billing: no request left, the CPU is throttled and the write waits');
    });

    it('a crash takes every request the instance serves with it; a minimum instance is replaced', () => {
      const h = write('slow.ts', `import { tableGet } from 'serverless-lab';
export const handler = async () => { await tableGet('tbl', 'x'); return 'ok'; };
`);
      const sim = run(h, { latency: { table: { baseMs: 600, jitterMs: 0 } }, instances: { minInstances: 1 } }, 3, { faults: [{ kind: 'crash', target: 'fn', atS: 0.3 }] });
      const failed = records(sim, 'failed');
      assert.equal(failed.length, 3, 'the three requests in flight on the instance failed together');
      for (const r of failed) assert.match(String((r.detail as { error: string }).error), /the instance crashed/);
      assert.equal(records(sim, 'env-destroyed').filter((r) => r.cause === 'crash').length, 1);
      const envs = sim.platform.environments('fn');
      assert.equal(envs.length, 1, 'the minimum is kept');
      assert.equal(envs[0].provisioned, true);
      assert.notEqual(envs[0].id, (failed[0].detail as { env: string }).env, 'by a new instance');
    });

    it('an SQS event source invokes it: batches run side by side on one instance', () => {
      const h = write('worker.ts', `import { tableGet } from 'serverless-lab';
export const handler = async (event: { Records: unknown[] }) => { await tableGet('tbl', 'x'); return { batchItemFailures: [] }; };
`);
      const executor = make(dir);
      executors.push(executor);
      const sim = new Simulation(
        {
          name: 'sqs',
          durationS: 20,
          tables: [{ name: 'tbl', key: 'id' }],
          queues: [{ name: 'jobs' }],
          functions: [{ name: 'fn', handler: h, latency: { table: { baseMs: 500, jitterMs: 0 } }, instances: { concurrency: 10 }, events: [{ queue: 'jobs', batchSize: 1 }] }],
          traffic: [{ name: 'load', target: { queue: 'jobs' }, ratePerSecond: 100, durationS: 0.05 }],
        },
        { seed: 1, executor },
      );
      sim.run();
      const summary = sim.summary();
      assert.equal(summary.queues.jobs.deleted, 5, 'every message handled and deleted');
      assert.equal(summary.functions.fn.coldStarts, 1, 'one instance served the overlapping batches');
      assert.ok(records(sim, 'invoked').some((r) => Number((r.detail as { concurrent: number }).concurrent) > 1), 'batches overlapped on it');
    });

    it('request billing throttles the CPU between requests (an unawaited call waits); instance billing keeps it on', () => {
      const h = write('bg.ts', `import { tablePut } from 'serverless-lab';
export const handler = async (event: { seq: number }) => { void tablePut('tbl', { id: 'bg', seq: event.seq }); return 'sent'; };
`);
      const request = run(h, { instances: {} }, 1);
      assert.equal(request.tables.get('tbl')!.get('bg'), undefined, 'frozen with the idle instance');
      const instance = run(h, { instances: { billing: 'instance' } }, 1);
      assert.equal(instance.tables.get('tbl')!.get('bg')?.seq, 1, 'CPU always allocated: the call completed between requests');
      assert.ok(instance.platform.billing().perFunction.fn.durationMs > 25_000, 'billed for the instance lifetime');
    });
  });
}

describe('many requests per instance: settings', () => {
  const base = (fn: Record<string, unknown>) => ({ name: 's', functions: [{ name: 'api', handler: 'h.ts', ...fn }] });
  const problems = (fn: Record<string, unknown>) => validateScenario(base(fn)).problems.map((p) => `${p.path}: ${p.message}`);

  it('names the bad field', () => {
    assert.deepEqual(problems({ instances: {} }), []);
    assert.ok(problems({ instances: { concurrency: 0 } }).some((p) => p.startsWith('functions[0].instances.concurrency:')));
    assert.ok(problems({ instances: { concurrency: 1001 } }).some((p) => p.startsWith('functions[0].instances.concurrency:')));
    assert.ok(problems({ instances: { platform: 'lambda' } }).some((p) => p.startsWith('functions[0].instances.platform:')));
    assert.ok(problems({ instances: { minInstances: 5, maxInstances: 2 } }).some((p) => /^functions\[0\]\.instances\.minInstances: 5 exceeds maxInstances 2/.test(p)));
    assert.ok(problems({ instances: { conurrency: 3 } }).some((p) => p.startsWith('functions[0].instances.conurrency:') && p.includes('did you mean "concurrency"')));
    assert.ok(problems({ instances: {}, provisionedConcurrency: 2 }).some((p) => p.startsWith('functions[0].provisionedConcurrency:') && p.includes('instances.minInstances')));
    assert.ok(problems({ instances: {}, reservedConcurrency: 2 }).some((p) => p.startsWith('functions[0].reservedConcurrency:') && p.includes('instances.maxInstances')));
  });

  it('applies each platform’s timeout and memory limits (Lambda keeps its own)', () => {
    assert.deepEqual(problems({ instances: {}, timeoutS: 3600 }), [], 'Cloud Run: up to 60 minutes');
    assert.ok(problems({ instances: {}, timeoutS: 3601 }).some((p) => p.startsWith('functions[0].timeoutS:') && p.includes('3600')));
    assert.ok(problems({ timeoutS: 901 }).some((p) => p.startsWith('functions[0].timeoutS:')), 'Lambda: at most 900 s');
    assert.ok(problems({ memoryMb: 16384 }).some((p) => p.startsWith('functions[0].memoryMb:')), 'Lambda: at most 10240 MB');
    assert.deepEqual(problems({ instances: {}, memoryMb: 16384 }), []);
    assert.ok(problems({ instances: { platform: 'azure-flex' }, memoryMb: 1024 }).some((p) => p.startsWith('functions[0].memoryMb:') && p.includes('2048 or 4096')));
    assert.deepEqual(problems({ instances: { platform: 'azure-flex' }, timeoutS: 7200 }), [], 'Flex: functionTimeout unbounded');
    const eventDriven = (timeoutS: number) =>
      validateScenario({ name: 's', queues: [{ name: 'jobs', visibilityTimeoutS: 43200 }], functions: [{ name: 'api', handler: 'h.ts', timeoutS, instances: { platform: 'cloud-functions' }, events: [{ queue: 'jobs' }] }] }).problems.map((p) => `${p.path}: ${p.message}`);
    assert.deepEqual(eventDriven(540), []);
    assert.ok(eventDriven(541).some((p) => p.startsWith('functions[0].timeoutS:') && p.includes('540 s')), 'Cloud Run functions: event-driven ones at most 9 minutes');
    assert.equal(PLATFORMS['cloud-run'].timeoutS.default, 300);
    assert.equal(PLATFORMS['cloud-functions'].timeoutS.default, 60);
  });

  it('the diagram marks a function serving many requests per instance with its platform and concurrency (Lambda functions unchanged)', () => {
    const { scenario } = validateScenario({
      name: 's',
      functions: [
        { name: 'api', handler: 'h.ts', instances: { minInstances: 2 } },
        { name: 'gcf', handler: 'h.ts', timeoutS: 30, instances: { platform: 'cloud-functions', concurrency: 8 } },
        { name: 'lambda', handler: 'h.ts' },
      ],
    });
    const topology = buildTopology(scenario!);
    const node = (id: string) => topology.nodes.find((n) => n.id === id)!;
    assert.equal(node('api').marker, 'Cloud Run · ');
    assert.equal(node('api').detail, '512 MB, 80 per instance, timeout 300 s, min 2 instances');
    assert.equal(node('gcf').detail, '256 MB, 8 per instance, timeout 30 s');
    assert.equal(node('lambda').marker, undefined);
    assert.equal(node('lambda').detail, '128 MB, timeout 3 s');
    const source = toMermaid(topology).source;
    assert.match(source, /\(\["Cloud Run · api"\]\)/);
    assert.match(source, /\(\["Cloud Run fn · gcf"\]\)/);
    assert.match(source, /\(\["lambda"\]\)/);
  });

  it('rounds a busy period as each platform bills it', () => {
    assert.equal(billedMs(PLATFORMS['cloud-run'], 1), 100);
    assert.equal(billedMs(PLATFORMS['cloud-run'], 1001), 1100);
    assert.equal(billedMs(PLATFORMS['azure-flex'], 250), 1000, 'Flex: at least 1,000 ms');
    assert.equal(billedMs(PLATFORMS['azure-flex'], 1250), 1300);
  });
});
