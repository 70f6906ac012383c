import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HandlerContext } from '../../src/engine/executor';
import { recordingLab } from './helpers';
import { driven } from './driver';

type Driven = ReturnType<typeof driven<IsolateExecutor>>;
import { clearCompileCache } from '../../src/sandbox/compile';
import { IsolateExecutor, type SandboxErrorInfo } from '../../src/sandbox/isolateExecutor';

export function contextFor(envId: string, remaining = 2500): HandlerContext {
  return { awsRequestId: 'req-1', functionName: 'fn', memoryLimitInMB: 128, getRemainingTimeInMillis: () => remaining, coldStart: false, environmentId: envId };
}

describe('IsolateExecutor', function () {
  this.timeout(20000);
  let dir: string;
  let ex: Driven;
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const fn = (handler: string, extra: Partial<{ memoryMb: number; timeoutMs: number }> = {}) => ({ name: 'fn', handler, memoryMb: 128, timeoutMs: 3000, ...extra });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-exec-'));
    clearCompileCache();
    ex = driven(new IsolateExecutor({ rootDir: dir }));
  });
  afterEach(() => {
    ex.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a cold start creates an isolate and runs the top level once per environment', () => {
    const h = write('h.ts', "import { log } from 'serverless-lab';\nlog('init');\n(globalThis as any).mine ??= Math.random();\nexport const handler = () => (globalThis as any).mine;\n");
    const { lab, calls } = recordingLab();
    const a = ex.createEnvironment(fn(h), 'a', lab);
    assert.equal(a.ok, true);
    assert.ok(typeof a.measuredMs === 'number' && a.measuredMs > 0);
    assert.deepEqual(calls, [['log', 'init']]);
    const first = ex.invoke('a', {}, contextFor('a'));
    const again = ex.invoke('a', {}, contextFor('a'));
    assert.equal(calls.length, 1, 'the top level did not run again');
    assert.ok(first.ok && again.ok && first.result === again.result);
    assert.equal(ex.createEnvironment(fn(h), 'b', lab).ok, true);
    assert.equal(calls.length, 2, 'a second environment runs the top level again');
    const other = ex.invoke('b', {}, contextFor('b'));
    assert.ok(other.ok && other.result !== first.result, 'globals are per isolate');
    assert.equal(ex.size, 2);
  });

  it('module-level state persists across invocations of one environment and is separate across environments', () => {
    const h = write('counter.ts', 'let count = 0;\nexport const handler = () => ++count;\n');
    const { lab } = recordingLab();
    ex.createEnvironment(fn(h), 'a', lab);
    ex.createEnvironment(fn(h), 'b', lab);
    const results = ['a', 'a', 'b', 'a', 'b'].map((id) => ex.invoke(id, null, contextFor(id)));
    assert.deepEqual(
      results.map((r) => (r.ok ? r.result : r.error.message)),
      [1, 2, 1, 3, 2],
    );
  });

  it('passes the event and a context whose getRemainingTimeInMillis asks the host', () => {
    const h = write('ctx.ts', 'export const handler = (event: any, context: any) => ({ event, id: context.awsRequestId, env: context.environmentId, mem: context.memoryLimitInMB, left: context.getRemainingTimeInMillis() });\n');
    ex.createEnvironment(fn(h), 'a', recordingLab().lab);
    const event = { order: { id: 7, items: ['x'] } };
    const out = ex.invoke('a', event, contextFor('a', 1234));
    assert.ok(out.ok);
    assert.deepEqual(out.result, { event, id: 'req-1', env: 'a', mem: '128', left: 1234 });
    assert.notEqual((out.result as { event: unknown }).event, event, 'a copy, not the host object');
  });

  it('returns the settled value of an async handler, and its rejection as an error', () => {
    const h = write('async.ts', [
      'const later = async (v: number) => { await null; return v * 2; };',
      'export const handler = async (event: { n: number }) => {',
      '  if (event.n < 0) throw new TypeError(`negative: ${event.n}`);',
      '  const [a, b] = await Promise.all([later(event.n), later(1)]);',
      '  return { a, b };',
      '};',
    ].join('\n'));
    ex.createEnvironment(fn(h), 'a', recordingLab().lab);
    const ok = ex.invoke('a', { n: 5 }, contextFor('a'));
    assert.ok(ok.ok);
    assert.deepEqual(ok.result, { a: 10, b: 2 });
    assert.ok(typeof ok.cpuMs === 'number' && ok.cpuMs >= 0);
    const bad = ex.invoke('a', { n: -1 }, contextFor('a'));
    assert.ok(!bad.ok);
    assert.equal(bad.error.name, 'TypeError');
    assert.equal(bad.error.message, 'negative: -1');
  });

  it('a service error reaches the handler with its name and code (ConditionalCheckFailed is catchable by code)', () => {
    const h = write(
      'dedupe.ts',
      [
        "import { tablePut } from 'serverless-lab';",
        'export const handler = async () => {',
        '  try {',
        "    await tablePut('orders', { id: 1 }, { ifNotExists: true });",
        "    return 'written';",
        '  } catch (err: any) {',
        "    return `${err.name}/${err.code}`;",
        '  }',
        '};',
      ].join('\n'),
    );
    const conflict = Object.assign(new Error('The conditional request failed'), { name: 'EngineError', code: 'ConditionalCheckFailed' });
    const { lab } = recordingLab({
      tablePut: () => {
        throw conflict;
      },
    });
    assert.equal(ex.createEnvironment(fn(h), 'c', lab).ok, true);
    const out = ex.invoke('c', {}, contextFor('c'));
    assert.ok(out.ok, JSON.stringify(out));
    assert.equal(out.result, 'EngineError/ConditionalCheckFailed');
  });

  it('a promise that never settles leaves the invocation waiting, with no call in flight (the platform times it out)', () => {
    const h = write('pending.ts', 'export const handler = () => new Promise(() => {});\n');
    ex.createEnvironment(fn(h), 'a', recordingLab().lab);
    const out = ex.invoke('a', {}, contextFor('a'));
    assert.ok(!out.ok);
    assert.equal(out.error.name, 'Driver.StillWaiting');
    assert.deepEqual(ex.unanswered('a'), []);
    assert.equal(out.timedOut, undefined);
  });

  it('maps a thrown error back to the line and column of the .ts file (through an import)', () => {
    write('util.ts', ['// helpers', 'export interface Item { price: number }', '', 'export function total(items: Item[]): number {', "  if (items.length === 0) throw new RangeError('no items');", '  return items.reduce((s, i) => s + i.price, 0);', '}', ''].join('\n'));
    const h = write('orders.ts', ["import { total, type Item } from './util';", '', 'type Event = { items: Item[] };', 'export const handler = (event: Event) => {', '  return total(event.items);', '};', ''].join('\n'));
    ex.createEnvironment(fn(h), 'a', recordingLab().lab);
    const out = ex.invoke('a', { items: [] }, contextFor('a'));
    assert.ok(!out.ok);
    const error = out.error as SandboxErrorInfo;
    assert.equal(error.name, 'RangeError');
    assert.deepEqual(error.location, { file: join(dir, 'util.ts'), line: 5, column: 33 });
    const frames = (error.stack ?? '').split('\n');
    assert.equal(frames[0], 'RangeError: no items');
    assert.match(frames[1], new RegExp(`at total \\(${escape(join(dir, 'util.ts'))}:5:33\\)`));
    assert.match(frames[2], new RegExp(`${escape(join(dir, 'orders.ts'))}:5:10`));
    assert.ok(!error.stack?.includes('serverless-lab/runtime'), 'sandbox frames are hidden');
  });

  it('an error in the top level fails the init with a mapped location and no environment', () => {
    const h = write('broken.ts', "const config: Record<string, string> = {};\nconst table = config.table.toUpperCase();\nexport const handler = () => table;\n");
    const out = ex.createEnvironment(fn(h), 'a', recordingLab().lab);
    assert.ok(!out.ok);
    assert.equal(out.error.name, 'TypeError');
    assert.equal((out.error as SandboxErrorInfo).location?.line, 2);
    assert.equal(ex.size, 0);
    assert.equal(ex.invoke('a', {}, contextFor('a')).ok, false);
  });

  it('compile errors and a missing export fail the init with a clear message', () => {
    const bad = write('bad.ts', "import os from 'os';\nexport const handler = () => os;\n");
    const out = ex.createEnvironment(fn(bad), 'a', recordingLab().lab);
    assert.ok(!out.ok);
    assert.equal(out.error.name, 'Runtime.UserCodeSyntaxError');
    assert.match(out.error.message, /Node built-in 'os' is not available in a handler/);
    assert.deepEqual((out.error as SandboxErrorInfo).location, { file: join(dir, 'bad.ts'), line: 1, column: 16 });
    const none = write('none.ts', 'export const main = () => 1;\n');
    const missing = ex.createEnvironment(fn(none), 'b', recordingLab().lab);
    assert.ok(!missing.ok);
    assert.equal(missing.error.name, 'Runtime.HandlerNotFound');
    assert.match(missing.error.message, /does not export a function named 'handler'/);
  });

  it('resolves Lambda-style handler names (file.export) and file#export', () => {
    write('index.ts', 'export const main = () => "main";\nexport const other = () => "other";\n');
    const { lab } = recordingLab();
    assert.equal(ex.createEnvironment(fn('index.main'), 'a', lab).ok, true);
    assert.equal(ex.createEnvironment(fn('index.ts#other'), 'b', lab).ok, true);
    const a = ex.invoke('a', {}, contextFor('a'));
    const b = ex.invoke('b', {}, contextFor('b'));
    assert.ok(a.ok && b.ok);
    assert.deepEqual([a.result, b.result], ['main', 'other']);
  });

  it('enforces the memory limit: the environment is killed, the host and other environments carry on', () => {
    const bomb = write('bomb.ts', 'const keep: unknown[] = [];\nexport const handler = () => { for (;;) keep.push(new Array(1e5).fill(Math.random())); };\n');
    const ok = write('ok.ts', 'export const handler = () => "fine";\n');
    const { lab } = recordingLab();
    ex.createEnvironment(fn(ok), 'other', lab);
    ex.createEnvironment(fn(bomb, { memoryMb: 16 }), 'a', lab);
    const out = ex.invoke('a', {}, contextFor('a'));
    assert.ok(!out.ok);
    assert.equal(out.error.name, 'Runtime.OutOfMemory');
    assert.match(out.error.message, /ran out of memory.*16 MB/);
    assert.equal((out.error as SandboxErrorInfo).fatal, true);
    const again = ex.invoke('a', {}, contextFor('a'));
    assert.ok(!again.ok);
    assert.equal(again.error.name, 'Runtime.ExitError');
    assert.match(again.error.message, /gone: it was killed after exceeding its memory limit/);
    ex.destroyEnvironment('a');
    const unknown = ex.invoke('a', {}, contextFor('a'));
    assert.ok(!unknown.ok);
    assert.equal(unknown.error.name, 'Runtime.UnknownEnvironment');
    const other = ex.invoke('other', {}, contextFor('other'));
    assert.ok(other.ok);
    assert.equal(other.result, 'fine');
  });

  it('enforces the timeout (capped in real time): timedOut, environment gone, quickly', () => {
    const loop = write('loop.ts', 'export const handler = () => { for (;;) {} };\n');
    const { lab } = recordingLab();
    ex.createEnvironment(fn(loop, { timeoutMs: 150 }), 'a', lab);
    let started = Date.now();
    const out = ex.invoke('a', {}, contextFor('a'));
    assert.ok(Date.now() - started < 1500);
    assert.ok(!out.ok);
    assert.equal(out.timedOut, true);
    assert.equal(out.error.name, 'Sandbox.Timedout');
    assert.ok((out.cpuMs ?? 0) >= 100, `cpuMs ${out.cpuMs}`);
    assert.equal(ex.size, 0);
    // A 900 s function is still stopped at the executor's real-time cap.
    const capped = driven(new IsolateExecutor({ rootDir: dir, maxRealTimeoutMs: 200 }));
    capped.createEnvironment(fn(loop, { timeoutMs: 900_000 }), 'b', lab);
    started = Date.now();
    const out2 = capped.invoke('b', {}, contextFor('b'));
    assert.ok(Date.now() - started < 1500);
    assert.ok(!out2.ok && out2.timedOut === true);
    assert.match(out2.error.message, /200 ms/);
  });

  it('work() accumulates workMs per call (init and invoke separately) and forwards each call to the lab', () => {
    const h = write('work.ts', "import { work } from 'serverless-lab';\nwork(100);\nexport const handler = (e: { parts: number[] }) => { for (const p of e.parts) work(p); try { work(-1); } catch (err: any) { return err.message; } };\n");
    const { lab, calls } = recordingLab();
    const init = ex.createEnvironment(fn(h), 'a', lab);
    assert.equal(init.workMs, 100);
    const out = ex.invoke('a', { parts: [5, 7.5] }, contextFor('a'));
    assert.ok(out.ok);
    assert.equal(out.workMs, 12.5);
    assert.match(String(out.result), /work\(ms\): ms must be a finite number ≥ 0, got -1/);
    assert.deepEqual(calls, [['work', 100], ['work', 5], ['work', 7.5]]);
    assert.equal(ex.invoke('a', { parts: [] }, contextFor('a')).workMs, 0, 'reset for every invocation');
  });

  it('forwards every lab call with copied arguments and hands back copies of the results', () => {
    const h = write('lab.ts', [
      "import * as lab from 'serverless-lab';",
      'export const handler = async () => {',
      "  const body = { order: 1 };",
      "  const sending = lab.send('orders', body, { delayS: 5, attributes: { kind: 'new' } });",
      "  body.order = 2;",
      "  const sent = await sending;",
      "  const pub = await lab.publish('topic', 'hello');",
      "  const prod = await lab.produce('stream', { v: 1 }, { key: 'k' });",
      "  const evs = await lab.putEvents('bus', [{ source: 's', detailType: 'd', detail: { x: 1 } }]);",
      "  const put = await lab.putObject('b', 'k', 'text');",
      "  const got = [await lab.getObject('b', 'present'), await lab.getObject('b', 'absent')];",
      "  await lab.tablePut('t', { id: 1 }, { ifNotExists: true });",
      "  const item = await lab.tableGet('t', 1);",
      "  console.log('hi', { a: 1 }, undefined, 3n);",
      "  console.error(new Error('oops'));",
      '  return { sent, pub, prod, evs, put, got, item, none: (await lab.tableGet("t", 2)) === undefined };',
      '};',
    ].join('\n'));
    const { lab, calls } = recordingLab();
    ex.createEnvironment(fn(h), 'a', lab);
    const out = ex.invoke('a', {}, contextFor('a'));
    assert.ok(out.ok, JSON.stringify(out));
    assert.deepEqual(calls.slice(0, 10), [
      ['send', 'orders', { order: 1 }, { delayS: 5, attributes: { kind: 'new' } }],
      ['publish', 'topic', 'hello', undefined],
      ['produce', 'stream', { v: 1 }, { key: 'k' }],
      ['putEvents', 'bus', [{ source: 's', detailType: 'd', detail: { x: 1 } }]],
      ['putObject', 'b', 'k', 'text'],
      ['getObject', 'b', 'present'],
      ['getObject', 'b', 'absent'],
      ['tablePut', 't', { id: 1 }, { ifNotExists: true }],
      ['tableGet', 't', 1],
      ['log', 'hi', { a: 1 }, 'undefined', '3n'],
    ]);
    assert.equal(calls[10][0], 'log');
    assert.match(String(calls[10][1]), /^Error: oops/);
    assert.deepEqual(out.result, {
      sent: { messageId: 'm-1' },
      pub: { messageId: 'p-2' },
      prod: { partition: 0, offset: 2 },
      evs: { eventIds: ['ev-4'] },
      put: { etag: 'etag-1' },
      got: ['body', null],
      item: { id: 1, name: 'one' },
      none: true,
    });
  });

  it('host errors reach the handler as message only (no host stack, no host paths)', () => {
    const h = write('err.ts', "import { send } from 'serverless-lab';\nexport const handler = async () => { try { await send('missing', 'x'); } catch (e: any) { return { name: e.name, message: e.message, stack: e.stack }; } };\n");
    class EngineError extends Error {
      override name = 'EngineError';
    }
    const { lab } = recordingLab({
      send: () => {
        throw new EngineError('queue missing does not exist');
      },
    });
    ex.createEnvironment(fn(h), 'a', lab);
    const out = ex.invoke('a', {}, contextFor('a'));
    assert.ok(out.ok);
    const r = out.result as { name: string; message: string; stack: string };
    assert.equal(r.name, 'EngineError');
    assert.equal(r.message, 'queue missing does not exist');
    assert.ok(!r.stack.includes(process.cwd()) && !r.stack.includes('node_modules') && !r.stack.includes(__dirname), r.stack);
  });

  it('destroyEnvironment disposes the isolate; unknown ids are ignored', () => {
    const h = write('h.ts', 'export const handler = () => 1;\n');
    ex.createEnvironment(fn(h), 'a', recordingLab().lab);
    assert.equal(ex.size, 1);
    ex.destroyEnvironment('a');
    ex.destroyEnvironment('a');
    ex.destroyEnvironment('nope');
    assert.equal(ex.size, 0);
    const out = ex.invoke('a', {}, contextFor('a'));
    assert.ok(!out.ok);
    assert.equal(out.error.name, 'Runtime.UnknownEnvironment');
  });

  it('destroying environments frees their isolates (heap does not grow over many cold starts)', () => {
    const h = write('big.ts', 'const data = new Array(2e5).fill(1).map((x, i) => ({ i }));\nexport const handler = () => data.length;\n');
    const { lab } = recordingLab();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 40; i++) {
      assert.equal(ex.createEnvironment(fn(h), `e${i}`, lab).ok, true);
      ex.destroyEnvironment(`e${i}`);
    }
    const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
    assert.ok(grownMb < 150, `rss grew ${grownMb.toFixed(0)} MB over 40 environments of ~10 MB`);
    assert.equal(ex.size, 0);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
