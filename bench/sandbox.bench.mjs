// Sandbox figures: a cold start (new isolate → first result) and warm invocations through the
// IsolateExecutor, beside the raw isolated-vm applySync rate measured in the same run, and the
// one-hour load-leveling example with its handler sandboxed, beside the same example in-process
// (VmExecutor: the same bootstrap and model without isolation) and their ratio.
// Run: PATH=$PWD/node_modules/.bin:$PATH node --no-node-snapshot bench/run.mjs sandbox
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
require('../test/register.js');
const ivm = require('isolated-vm');
const { IsolateExecutor } = require('../src/sandbox/isolateExecutor.ts');
const { VmExecutor } = require('../src/sandbox/vmExecutor.ts');
const { Simulation } = require('../src/engine/simulation.ts');
const { MAX_TIMERS_PER_INVOCATION } = require('../src/engine/timers.ts');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const noop = () => undefined;
// The platform's side of an environment, for invocations without a platform (the trivial handler makes no calls).
const lab = { seed: 1, now: () => Date.UTC(2026, 0, 1), begin: () => { throw new Error('no calls here'); }, work: noop, log: noop, remaining: () => 3000, lab: undefined };
const done = (step) => step.state === 'done' && step.outcome.ok;
const context = (envId) => ({ awsRequestId: 'r', functionName: 'bench', memoryLimitInMB: 128, getRemainingTimeInMillis: () => 3000, coldStart: false, environmentId: envId });

export default async function* sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-'));
  try {
    writeFileSync(join(dir, 'trivial.ts'), 'let n = 0;\nexport const handler = (event: { x: number }) => ({ n: ++n, x: event.x });\n');
    const ex = new IsolateExecutor({ rootDir: dir });
    const fn = { name: 'bench', handler: 'trivial.ts', memoryMb: 128, timeoutMs: 3000 };

    // Cold start: createEnvironment (isolate, context, bootstrap, module top level) + first invoke.
    // The compile is cached by mtime after the first run, as it is for a real learner's file.
    const cold = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const init = ex.createEnvironment(fn, `cold${i}`, lab);
      const out = ex.invoke(`cold${i}`, { x: i }, context(`cold${i}`));
      cold.push(performance.now() - t0);
      if (!init.ok || !done(out)) throw new Error(`cold start failed: ${JSON.stringify(init.ok ? out : init)}`);
      ex.destroyEnvironment(`cold${i}`);
    }
    yield { bench: 'sandbox cold start: new isolate → first result (median of 30)', value: +median(cold.slice(5)).toFixed(2), unit: 'ms', goal: '<= 6' };

    // The same with a handler that decodes base64 with Buffer: its first read builds the Node
    // globals (src/sandbox/runtimeGlobals.ts), which a handler that never touches them does not pay.
    writeFileSync(join(dir, 'decodes.ts'), "export const handler = (event: { data: string }) => JSON.parse(Buffer.from(event.data, 'base64').toString()).x;\n");
    const decodes = { ...fn, handler: 'decodes.ts' };
    const data = Buffer.from(JSON.stringify({ x: 1 })).toString('base64');
    const coldBuffer = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const init = ex.createEnvironment(decodes, `buf${i}`, lab);
      const out = ex.invoke(`buf${i}`, { data }, context(`buf${i}`));
      coldBuffer.push(performance.now() - t0);
      if (!init.ok || !done(out) || out.outcome.result !== 1) throw new Error(`cold start failed: ${JSON.stringify(init.ok ? out : init)}`);
      ex.destroyEnvironment(`buf${i}`);
    }
    yield { bench: 'sandbox cold start, handler decoding base64 with Buffer (builds the Node globals on first use; median of 30)', value: +median(coldBuffer.slice(5)).toFixed(2), unit: 'ms', vsTrivial: +(median(coldBuffer.slice(5)) - median(cold.slice(5))).toFixed(2) };

    // The same with a handler that reads its configuration from process.env and queues a tick: the
    // first read builds process (src/sandbox/processGlobal.ts), the tick costs the host one more entry.
    writeFileSync(join(dir, 'configured.ts'), "export const handler = async () => { let ticked = false; process.nextTick(() => { ticked = true; }); await null; return process.env.TABLE_NAME + ':' + process.env.AWS_LAMBDA_FUNCTION_NAME + ':' + ticked; };\n");
    const configured = { ...fn, handler: 'configured.ts', environment: { TABLE_NAME: 'orders' } };
    const coldProcess = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const init = ex.createEnvironment(configured, `proc${i}`, lab);
      const out = ex.invoke(`proc${i}`, {}, context(`proc${i}`));
      coldProcess.push(performance.now() - t0);
      if (!init.ok || !done(out) || out.outcome.result !== 'orders:bench:false') throw new Error(`cold start failed: ${JSON.stringify(init.ok ? out : init)}`);
      ex.destroyEnvironment(`proc${i}`);
    }
    yield { bench: 'sandbox cold start, handler reading process.env and queueing a nextTick (builds process on first use; median of 30)', value: +median(coldProcess.slice(5)).toFixed(2), unit: 'ms', vsTrivial: +(median(coldProcess.slice(5)) - median(cold.slice(5))).toFixed(2) };

    // Warm: invocations per second through the executor.
    ex.createEnvironment(fn, 'warm', lab);
    const ctx = context('warm');
    const event = { x: 1 };
    for (let i = 0; i < 2000; i++) ex.invoke('warm', event, ctx);
    const N = 30000;
    let t0 = performance.now();
    for (let i = 0; i < N; i++) ex.invoke('warm', event, ctx);
    const executorRate = N / ((performance.now() - t0) / 1000);
    ex.dispose();

    // Raw isolated-vm: applySync with a JSON string in and out, no executor around it.
    const isolate = new ivm.Isolate({ memoryLimit: 128 });
    const ictx = isolate.createContextSync();
    const f = isolate.compileScriptSync('(function (s) { const e = JSON.parse(s); return JSON.stringify({ n: 1, x: e.x }); })').runSync(ictx, { reference: true });
    const opts = { arguments: { copy: true }, result: { copy: true }, timeout: 2000 };
    for (let i = 0; i < 2000; i++) f.applySync(undefined, ['{"x":1}'], opts);
    t0 = performance.now();
    for (let i = 0; i < N; i++) JSON.parse(f.applySync(undefined, [JSON.stringify(event)], opts));
    const rawRate = N / ((performance.now() - t0) / 1000);
    isolate.dispose();

    yield { bench: 'sandbox warm invocations through IsolateExecutor (trivial handler)', value: Math.round(executorRate), unit: 'invocations/s' };
    yield { bench: 'raw isolated-vm applySync, JSON in/out (same run)', value: Math.round(rawRate), unit: 'calls/s' };
    yield { bench: 'executor rate / raw applySync rate', value: +(executorRate / rawRate).toFixed(2), unit: 'ratio' };

    // The one-hour load-leveling example end to end with its handler in the sandbox (as the editor
    // runs it), and in-process on the same awaited model: the isolation costs this much.
    const examples = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
    const doc = JSON.parse(readFileSync(join(examples, 'load-leveling.scenario.json'), 'utf8'));
    const runOnce = (executor) => {
      try {
        const t0 = performance.now();
        const sim = new Simulation(doc, { records: { mode: 'none' }, executor });
        sim.run();
        const wall = performance.now() - t0;
        const invocations = sim.ctx.trace.count('invoked', 'order-writer');
        if (!invocations) throw new Error(`the handler never ran: ${JSON.stringify(sim.summary()).slice(0, 300)}`);
        return { wall, invocations, calls: sim.ctx.trace.count('call-done'), events: sim.ctx.trace.length };
      } finally {
        executor.dispose();
      }
    };
    const best = (make) => [runOnce(make()), runOnce(make())].sort((a, b) => a.wall - b.wall)[0];
    const sandboxed = best(() => new IsolateExecutor({ rootDir: examples }));
    yield { bench: 'load-leveling example, 1 h virtual, handler in the isolated-vm sandbox (awaited calls): wall time', value: Math.round(sandboxed.wall), unit: 'ms', stat: 'best of 2', invocations: sandboxed.invocations, calls: sandboxed.calls, events: sandboxed.events };
    const inProcess = best(() => new VmExecutor({ rootDir: examples }));
    yield { bench: 'load-leveling example, 1 h virtual, same handler in-process (VmExecutor, same model): wall time', value: Math.round(inProcess.wall), unit: 'ms', stat: 'best of 2', invocations: inProcess.invocations, calls: inProcess.calls };
    yield { bench: 'load-leveling example: sandbox wall time / in-process wall time', value: +(sandboxed.wall / inProcess.wall).toFixed(2), unit: 'ratio', goal: '<= 2' };

    // Timers: each one that comes due is an entry into the container. setInterval(fn, 1) under a long
    // sleep runs until the lab's bound on timers armed per invocation (src/engine/timers.ts) stops it.
    writeFileSync(join(dir, 'spin.ts'), 'export const handler = async () => { setInterval(() => {}, 1); await new Promise((r) => setTimeout(r, 600_000)); };\n');
    const spinDoc = {
      name: 'spin',
      durationS: 3600,
      limits: { maxStoppedInvocations: 1 },
      functions: [{ name: 'spin', handler: 'spin.ts', initMs: 0, timeoutS: 900 }],
      traffic: [{ name: 'load', target: { function: 'spin' }, ratePerSecond: 1, durationS: 1 }],
    };
    for (const [label, make] of [['isolated-vm sandbox', () => new IsolateExecutor({ rootDir: dir })], ['in-process', () => new VmExecutor({ rootDir: dir })]]) {
      const executor = make();
      try {
        const sim = new Simulation(spinDoc, { records: { mode: 'none' }, executor });
        const t0 = performance.now();
        let stopped = '';
        try {
          sim.run();
        } catch (err) {
          stopped = err.name;
        }
        const wall = performance.now() - t0;
        if (stopped !== 'RunLimitError') throw new Error(`the interval was not stopped: ${stopped}`);
        yield { bench: `setInterval(fn, 1) under a long sleep, ${label}: real time until the bound on timers per invocation (${MAX_TIMERS_PER_INVOCATION}) stops the run`, value: Math.round(wall), unit: 'ms', perTickUs: +((wall * 1000) / MAX_TIMERS_PER_INVOCATION).toFixed(1) };
      } finally {
        executor.dispose();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
