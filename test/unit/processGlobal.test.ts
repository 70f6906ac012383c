// `process` in both executors of learner code (src/sandbox/processGlobal.ts): the environment's
// variables (the function's and Lambda's, never the machine's), writable per execution environment;
// Node 24 on linux constants; nextTick in Node's order; the virtual clock; process.exit / kill /
// abort and an uncaught exception end the environment as Lambda does, never the host.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIMULATION_EPOCH_MS } from '../../src/engine/events';
import type { FunctionInfo, HandlerContext } from '../../src/engine/executor';
import { clearCompileCache } from '../../src/sandbox/compile';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { VmExecutor } from '../../src/sandbox/vmExecutor';
import { driven } from './driver';
import { recordingLab } from './helpers';

function contextFor(envId: string, requestId = 'req-1'): HandlerContext {
  return { awsRequestId: requestId, functionName: 'orders', memoryLimitInMB: 256, getRemainingTimeInMillis: () => 2500, coldStart: false, environmentId: envId };
}

/** What a handler returned (the invocation must have succeeded). */
function resultOf(out: { ok: boolean }): unknown {
  assert.ok(out.ok, JSON.stringify(out).slice(0, 500));
  return (out as { result?: unknown }).result;
}

type Driven = ReturnType<typeof driven<IsolateExecutor | VmExecutor>>;
const kinds = [
  ['sandbox', (dir: string): Driven => driven(new IsolateExecutor({ rootDir: dir }))],
  ['in-process', (dir: string): Driven => driven(new VmExecutor({ rootDir: dir }))],
] as const;

/** The order Node itself runs ticks and promise callbacks in, from inside a promise continuation (where Lambda's runtime calls a handler). */
const ORDER_PROBE = String.raw`
async function orderProbe(proc) {
  const order = [];
  Promise.resolve().then(() => order.push('p1'));
  proc.nextTick(() => {
    order.push('t1');
    proc.nextTick(() => order.push('t1.1'));
    Promise.resolve().then(() => order.push('p.t1'));
  });
  queueMicrotask(() => order.push('m1'));
  proc.nextTick((a, b) => order.push('t2:' + a + b), 'x', 'y');
  await null;
  order.push('after await');
  await new Promise((resolve) => proc.nextTick(resolve));
  order.push('after tick');
  return order;
}
`;

/** Inside a timer's callback (a macrotask), Node runs the ticks it queued before its promise callbacks. */
const TIMER_PROBE = String.raw`
async function timerProbe(proc) {
  const order = [];
  await new Promise((resolve) => setTimeout(() => {
    Promise.resolve().then(() => { order.push('p1'); proc.nextTick(() => order.push('t.p1')); });
    proc.nextTick(() => { order.push('t1'); Promise.resolve().then(() => order.push('p.t1')); });
    order.push('timer');
    setImmediate(() => { order.push('immediate'); proc.nextTick(() => order.push('t.immediate')); Promise.resolve().then(() => order.push('p.immediate')); setTimeout(resolve, 5); });
  }, 10));
  order.push('resumed');
  return order;
}
`;

/** The errors a handler meets misusing process, and how process.env coerces what is stored. */
const ERROR_PROBE = String.raw`
function errorProbe(p) {
  const attempt = (f) => { try { f(); return 'no error'; } catch (e) { return [e.name, e.code === undefined ? null : e.code, e.message]; } };
  const out = [
    attempt(() => p.exit('abc')), attempt(() => p.exit(1.5)), attempt(() => p.exit({})), attempt(() => p.nextTick(5)), attempt(() => p.nextTick('f')),
    attempt(() => p.kill('x')), attempt(() => p.kill(p.pid, 'SIGFOO')), attempt(() => p.hrtime([1])), attempt(() => p.hrtime(5)),
    attempt(() => Object.defineProperty(p.env, 'LAB_PROBE_X', { get() { return 1; } })), attempt(() => Object.defineProperty(p.env, 'LAB_PROBE_X', { value: 1, enumerable: false })),
    attempt(() => p.on('x', 5)), attempt(() => p.once('x')),
  ];
  p.env.LAB_PROBE_Y = { a: 1 }; p.env.LAB_PROBE_Z = 5; p.env.LAB_PROBE_U = undefined;
  Object.defineProperty(p.env, 'LAB_PROBE_D', { value: 7, writable: true, enumerable: true, configurable: true });
  out.push([p.env.LAB_PROBE_Y, p.env.LAB_PROBE_Z, p.env.LAB_PROBE_U, p.env.LAB_PROBE_D, typeof p.env.LAB_PROBE_D]);
  for (const k of ['LAB_PROBE_Y', 'LAB_PROBE_Z', 'LAB_PROBE_U', 'LAB_PROBE_D']) delete p.env[k];
  out.push(['LAB_PROBE_Y', 'LAB_PROBE_D'].map((k) => k in p.env));
  out.push([p.listenerCount('beep'), p.on('beep', () => {}) === p, p.emit('beep'), p.listenerCount('beep'), p.emit('nobody'), p.removeAllListeners('beep') === p, p.listenerCount('beep')]);
  return out;
}
`;

const HOST_SECRET = 'host-secret-7f3a';

describe('process in handlers', function () {
  this.timeout(60_000);
  let dir: string;
  const fn = (handler: string, extra: Partial<FunctionInfo> = {}): FunctionInfo => ({ name: 'orders', handler, memoryMb: 256, timeoutMs: 3000, ...extra });
  let expectedOrder: unknown;
  let expectedTimerOrder: unknown;
  const expectedErrors = JSON.parse(JSON.stringify((new Function(`${ERROR_PROBE}\nreturn errorProbe;`)() as (p: NodeJS.Process) => unknown)(process)));

  before(async () => {
    // A value only the host's environment holds: no handler may ever see it.
    process.env.SERVERLESS_LAB_PLANTED = HOST_SECRET;
    const probe = new Function(`${ORDER_PROBE}\nreturn orderProbe;`)() as (p: NodeJS.Process) => Promise<unknown>;
    // As Lambda's runtime does: the handler is called after an await (from a promise continuation).
    expectedOrder = await (async () => {
      await null;
      return probe(process);
    })();
    expectedTimerOrder = await (new Function(`${TIMER_PROBE}\nreturn timerProbe;`)() as (p: NodeJS.Process) => Promise<unknown>)(process);
    dir = mkdtempSync(join(tmpdir(), 'process-global-'));
    writeFileSync(
      join(dir, 'env.ts'),
      `import proc, { env as named } from 'node:process';
const required = require('process');
const atInit = process.env.TABLE_NAME;
export const handler = async () => ({
  env: { ...process.env },
  same: proc === process && required === process && named === process.env,
  atInit,
  json: JSON.stringify(process),
  version: process.version, node: process.versions.node, modules: process.versions.modules, platform: process.platform, arch: process.arch,
  cwd: process.cwd(), argv: process.argv, execPath: process.execPath, pid: process.pid,
  hidden: ['binding', '_linkedBinding', 'dlopen', 'mainModule', 'reallyExit', '_kill', 'chdir', 'setuid', 'moduleLoadList', 'report', 'getBuiltinModule', 'execve', 'loadEnvFile', 'openStdin'].filter((k) => k in process),
  ownKeys: Reflect.ownKeys(process).map(String),
});
`,
    );
    writeFileSync(
      join(dir, 'counter.js'),
      `export const handler = async (event) => {
  const before = process.env.COUNT;
  process.env.COUNT = Number(before ?? 0) + 1;
  process.env.FLAG = undefined;
  delete process.env.TO_DELETE;
  return { before, after: process.env.COUNT, type: typeof process.env.COUNT, flag: process.env.FLAG, deleted: 'TO_DELETE' in process.env };
};
`,
    );
    writeFileSync(join(dir, 'timer.js'), `${TIMER_PROBE}\nexport const handler = () => timerProbe(process);\n`);
    writeFileSync(join(dir, 'errors.js'), `${ERROR_PROBE}\nexport const handler = () => errorProbe(process);\n`);
    writeFileSync(join(dir, 'order.js'), `${ORDER_PROBE}\nexport const handler = () => orderProbe(process);\n`);
    writeFileSync(
      join(dir, 'clock.js'),
      `import { work } from 'serverless-lab';
export const handler = async () => {
  const t0 = process.hrtime(); const b0 = process.hrtime.bigint(); const u0 = process.uptime();
  work(1500);
  const d = process.hrtime(t0); const b1 = process.hrtime.bigint();
  const m = process.memoryUsage();
  return { d, db: String(b1 - b0), du: Math.round((process.uptime() - u0) * 1000), mem: m.rss > 0 && m.rss <= 256 * 1048576 && m.heapUsed < m.heapTotal && m.heapTotal < m.rss, rss: process.memoryUsage.rss() === m.rss };
};
`,
    );
    writeFileSync(
      join(dir, 'exit.js'),
      `import { send } from 'serverless-lab';
let invocations = 0;
export const handler = async (event) => {
  invocations++;
  if (event.how === 'exit') { process.exit(event.code); }
  if (event.how === 'exit-after-await') { await send('q', 'before'); process.exit(2); }
  if (event.how === 'kill') process.kill(process.pid, event.signal);
  if (event.how === 'abort') process.abort();
  if (event.how === 'caught') { try { process.exit(3); } catch {} await send('q', 'after exit'); return 'still running'; }
  if (event.how === 'tick-throws') { process.on('uncaughtException', (e) => { console.log('heard', e.message); }); process.nextTick(() => { throw new TypeError('boom in a tick'); }); return 'returned'; }
  if (event.how === 'kill-other') { try { process.kill(4242); } catch (e) { return { code: e.code, zero: process.kill(process.pid, 0) }; } }
  return { invocations };
};
`,
    );
    writeFileSync(join(dir, 'exitInit.js'), `process.exit(7);\nexport const handler = () => 'never';\n`);
  });
  after(() => {
    delete process.env.SERVERLESS_LAB_PLANTED;
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => clearCompileCache());

  for (const [kind, make] of kinds) {
    describe(kind, () => {
      let ex: Driven;
      beforeEach(() => (ex = make(dir)));
      afterEach(() => ex.dispose?.());

      it("process.env holds the function's variables and Lambda's with the lab's values, and nothing of the host", () => {
        assert.ok(ex.createEnvironment(fn('env.ts', { environment: { TABLE_NAME: 'orders-table', FEATURE_X: 'on' } }), 'env-1', recordingLab().lab).ok);
        const out = ex.invoke('env-1', {}, contextFor('env-1'));
        assert.ok(out.ok, JSON.stringify(out));
        const r = out.result as Record<string, any>;
        assert.equal(r.same, true);
        assert.equal(r.atInit, 'orders-table', 'the variables are there at init, as on Lambda');
        assert.equal(r.env.TABLE_NAME, 'orders-table');
        assert.equal(r.env.FEATURE_X, 'on');
        assert.equal(r.env.AWS_REGION, 'us-east-1');
        assert.equal(r.env.AWS_DEFAULT_REGION, 'us-east-1');
        assert.equal(r.env.AWS_LAMBDA_FUNCTION_NAME, 'orders');
        assert.equal(r.env.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST');
        assert.equal(r.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '256');
        assert.equal(r.env.AWS_LAMBDA_LOG_GROUP_NAME, '/aws/lambda/orders');
        assert.equal(r.env.AWS_LAMBDA_LOG_STREAM_NAME, '2026/01/01/[$LATEST]env-1');
        assert.equal(r.env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs24.x');
        assert.equal(r.env.LAMBDA_TASK_ROOT, '/var/task');
        assert.equal(r.env.LAMBDA_RUNTIME_DIR, '/var/runtime');
        assert.equal(r.env.TZ, ':UTC');
        assert.equal(r.env._HANDLER, 'env.handler');
        assert.match(r.env.NODE_PATH, /\/var\/task$/);
        assert.equal(r.env.SERVERLESS_LAB_PLANTED, undefined);
        assert.equal(r.env.AWS_SECRET_ACCESS_KEY, undefined, 'no credentials');
        assert.deepEqual([r.version, r.node, r.modules, r.platform, r.arch], ['v24.21.0', '24.21.0', '137', 'linux', 'x64']);
        assert.deepEqual([r.cwd, r.argv, r.execPath], ['/var/task', ['/var/lang/bin/node', '/var/runtime/index.mjs'], '/var/lang/bin/node']);
        assert.deepEqual(r.hidden, [], 'no way into the host runtime');
        // Nothing of the host anywhere in the object: its environment, its paths, its version.
        const everything = `${r.json} ${JSON.stringify(r)}`;
        for (const hostValue of [HOST_SECRET, process.cwd(), dir, process.execPath, process.version === 'v24.21.0' ? HOST_SECRET : process.version, process.env.HOME ?? HOST_SECRET, process.env.PATH ?? HOST_SECRET]) {
          assert.ok(!everything.includes(hostValue), `the handler's process shows the host's ${hostValue}`);
        }
      });

      it('a handler may set and delete variables: they last as long as its execution environment, as strings', () => {
        const lab = recordingLab().lab;
        const f = fn('counter.js', { environment: { TO_DELETE: 'x' } });
        assert.ok(ex.createEnvironment(f, 'a', lab).ok);
        assert.ok(ex.createEnvironment(f, 'b', lab).ok);
        const first = ex.invoke('a', {}, contextFor('a'));
        const second = ex.invoke('a', {}, contextFor('a'));
        const other = ex.invoke('b', {}, contextFor('b'));
        assert.deepEqual(resultOf(first), { after: '1', type: 'string', flag: 'undefined', deleted: false });
        assert.deepEqual(resultOf(second), { before: '1', after: '2', type: 'string', flag: 'undefined', deleted: false });
        assert.deepEqual(resultOf(other), { after: '1', type: 'string', flag: 'undefined', deleted: false }, 'another environment starts from the configuration');
      });

      it("process.nextTick runs in Node's order: after the promise callbacks queued so far, a tick's ticks before its promises", () => {
        assert.ok(ex.createEnvironment(fn('order.js'), 'o', recordingLab().lab).ok);
        const out = ex.invoke('o', {}, contextFor('o'));
        assert.ok(out.ok, JSON.stringify(out));
        assert.deepEqual(out.result, expectedOrder);
      });

      it("in a timer's or an immediate's callback, its ticks run before its promise callbacks, as in Node", () => {
        assert.ok(ex.createEnvironment(fn('timer.js'), 'tm', recordingLab().lab).ok);
        assert.deepEqual(resultOf(ex.invoke('tm', {}, contextFor('tm'))), expectedTimerOrder);
      });

      it("misuse meets Node's own errors (name, code, message); process.env stores strings, as Node's", () => {
        assert.ok(ex.createEnvironment(fn('errors.js'), 'e', recordingLab().lab).ok);
        assert.deepEqual(resultOf(ex.invoke('e', {}, contextFor('e'))), expectedErrors);
      });

      it('hrtime, hrtime.bigint and uptime follow the virtual clock; memoryUsage stays within the function', () => {
        assert.ok(ex.createEnvironment(fn('clock.js'), 'c', recordingLab().lab, { seed: 1, now: () => SIMULATION_EPOCH_MS }).ok);
        const out = ex.invoke('c', {}, contextFor('c'));
        assert.ok(out.ok, JSON.stringify(out));
        assert.deepEqual(out.result, { d: [1, 500_000_000], db: '1500000000', du: 1500, mem: true, rss: true });
      });

      for (const [how, event, message] of [
        ['process.exit(1)', { how: 'exit', code: 1 }, /^RequestId: req-1 Error: Runtime exited with error: exit status 1 /],
        ['process.exit(0)', { how: 'exit', code: 0 }, /^RequestId: req-1 Error: Runtime exited without providing a reason /],
        ['process.exit after an awaited call', { how: 'exit-after-await' }, /exit status 2/],
        ['process.kill(process.pid)', { how: 'kill' }, /Runtime exited with error: signal: terminated/],
        ["process.kill(process.pid, 'SIGKILL')", { how: 'kill', signal: 'SIGKILL' }, /signal: killed/],
        ['process.abort()', { how: 'abort' }, /signal: aborted/],
        ['process.exit caught by the handler', { how: 'caught' }, /exit status 3/],
      ] as const) {
        it(`${how} ends the execution environment with Runtime.ExitError; the host runs on`, () => {
          const rec = recordingLab();
          assert.ok(ex.createEnvironment(fn('exit.js'), 'x', rec.lab).ok);
          const out = ex.invoke('x', event, contextFor('x'));
          assert.equal(out.ok, false);
          assert.equal(out.error?.name, 'Runtime.ExitError');
          assert.match(out.error?.message ?? '', message);
          assert.equal((out.error as { fatal?: boolean }).fatal, true);
          assert.ok(!rec.calls.some((c) => c[0] === 'send' && c[2] === 'after exit'), 'no call leaves an environment that exited');
          const again = ex.invoke('x', {}, contextFor('x', 'req-2'));
          assert.equal(again.ok, false, 'the environment is gone');
          assert.match(again.error?.message ?? '', /gone/);
          // A new environment starts afresh (a cold start).
          assert.ok(ex.createEnvironment(fn('exit.js'), 'y', rec.lab).ok);
          assert.deepEqual(resultOf(ex.invoke('y', {}, contextFor('y'))), { invocations: 1 });
        });
      }

      it('an exception thrown in a tick fails the invocation with that error and ends the environment; uncaughtException listeners hear it', () => {
        const rec = recordingLab();
        assert.ok(ex.createEnvironment(fn('exit.js'), 't', rec.lab).ok);
        const out = ex.invoke('t', { how: 'tick-throws' }, contextFor('t'));
        assert.equal(out.ok, false);
        assert.equal(out.error?.name, 'TypeError');
        assert.match(out.error?.message ?? '', /^boom in a tick \(an uncaught exception/);
        assert.equal((out.error as { fatal?: boolean }).fatal, true);
        assert.ok(rec.calls.some((c) => c[0] === 'log' && c[1] === 'heard' && c[2] === 'boom in a tick'), JSON.stringify(rec.calls));
      });

      it('process.kill of another pid is ESRCH; signal 0 tests its own', () => {
        assert.ok(ex.createEnvironment(fn('exit.js'), 'k', recordingLab().lab).ok);
        assert.deepEqual(resultOf(ex.invoke('k', { how: 'kill-other' }, contextFor('k'))), { code: 'ESRCH', zero: true });
      });

      it('process.exit at the top level fails the init phase with Runtime.ExitError', () => {
        const out = ex.createEnvironment(fn('exitInit.js'), 'i', recordingLab().lab);
        assert.equal(out.ok, false);
        assert.equal(out.ok === false && out.error.name, 'Runtime.ExitError');
        assert.match(out.ok === false ? out.error.message : '', /^Error: Runtime exited with error: exit status 7/);
      });
    });
  }
});
