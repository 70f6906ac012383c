// Sandbox figures: a cold start (new isolate → first result) and warm invocations through the
// IsolateExecutor, beside the raw isolated-vm applySync rate measured in the same run, and the
// one-hour load-leveling example with its handler sandboxed.
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
const { Simulation } = require('../src/engine/simulation.ts');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const noop = () => undefined;
const lab = { send: () => ({ messageId: 'm' }), publish: () => ({ messageId: 'p' }), produce: () => ({ partition: 0, offset: 0 }), putEvents: () => ({ eventIds: [] }), putObject: () => ({ etag: 'e' }), getObject: noop, tablePut: noop, tableGet: noop, work: noop, log: noop };
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
      if (!init.ok || !out.ok) throw new Error(`cold start failed: ${JSON.stringify(init.ok ? out : init)}`);
      ex.destroyEnvironment(`cold${i}`);
    }
    yield { bench: 'sandbox cold start: new isolate → first result (median of 30)', value: +median(cold.slice(5)).toFixed(2), unit: 'ms', goal: '<= 6' };

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

    // The one-hour load-leveling example end to end with its handler in the sandbox (as the editor runs it).
    const examples = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
    const doc = JSON.parse(readFileSync(join(examples, 'load-leveling.scenario.json'), 'utf8'));
    const sandboxed = new IsolateExecutor({ rootDir: examples });
    try {
      const t0 = performance.now();
      const sim = new Simulation(doc, { records: { mode: 'none' }, executor: sandboxed });
      sim.run();
      const wall = performance.now() - t0;
      const s = sim.summary();
      const invocations = sim.ctx.trace.count('invoked', 'order-writer');
      if (!invocations) throw new Error(`the sandboxed handler never ran: ${JSON.stringify(s).slice(0, 300)}`);
      yield { bench: 'load-leveling example, 1 h virtual, handler in the isolated-vm sandbox: wall time', value: Math.round(wall), unit: 'ms', invocations, events: sim.ctx.trace.length };
    } finally {
      sandboxed.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
