// The sandbox's limits seen from the extension host: the real runtime process (forked through
// client.ts, as the editor does) must survive what a handler does, and tell the learner why.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RuntimeClient } from '../../src/sandbox/client';
import type { Push } from '../../src/sandbox/protocol';
import type { TraceRecord } from '../../src/engine/trace';

const repo = path.resolve(__dirname, '..', '..');

function client(env: NodeJS.ProcessEnv = {}): RuntimeClient {
  return new RuntimeClient({
    runtimePath: path.join(repo, 'src', 'sandbox', 'runtime.ts'),
    nodePath: process.execPath,
    execArgv: ['-r', path.join(repo, 'test', 'register.js')],
    env: { SERVERLESS_LAB_TEST_HOOKS: '1', ...env },
  });
}

function records(pushes: Push[]): TraceRecord[] {
  return pushes.flatMap((p) => (p.push === 'trace' && p.source === 'scenario' ? p.records : []));
}

describe('runtime process: sandbox limits', function () {
  this.timeout(90_000);
  let dir: string;
  const clients: RuntimeClient[] = [];
  const make = (env: NodeJS.ProcessEnv = {}) => {
    const c = client(env);
    clients.push(c);
    return c;
  };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'runtime-limits-'));
  });
  after(async () => {
    for (const c of clients) await c.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const scenario = (name: string, functions: Array<{ name: string; handler: string; code: string; startS: number }>): string => {
    for (const f of functions) writeFileSync(path.join(dir, f.handler), f.code);
    const doc = {
      name,
      durationS: 10,
      queues: functions.map((f) => ({ name: `to-${f.name}` })),
      functions: functions.map((f) => ({ name: f.name, handler: f.handler, memoryMb: 128, timeoutS: 2, events: [{ queue: `to-${f.name}`, batchSize: 1 }] })),
      traffic: functions.map((f) => ({ name: `feed-${f.name}`, target: { queue: `to-${f.name}` }, ratePerSecond: 1, startS: f.startS, durationS: 1 })),
    };
    const file = path.join(dir, `${name}.scenario.json`);
    writeFileSync(file, JSON.stringify(doc));
    return file;
  };

  it("a handler growing a dictionary object to the heap limit fails with Runtime.OutOfMemory, and the same runtime process runs the next handler", async () => {
    // 16 MB environments (a test hook), so the heap fills within the 2 s budget on a busy machine.
    const rt = make({ SERVERLESS_LAB_TEST_MAX_MEMORY_MB: '16' });
    const pushes: Push[] = [];
    rt.on('push', (p) => pushes.push(p));
    const restarts: string[] = [];
    rt.on('restart', (r) => restarts.push(r.reason));
    await rt.start();
    const pid = rt.pid;
    const file = scenario('dictionary', [
      { name: 'hog', handler: 'hog.ts', code: "export const handler = () => { const o: Record<string, number> = {}; for (let i = 0; ; i++) o['k' + i] = i; };\n", startS: 0 },
      { name: 'fine', handler: 'fine.ts', code: "export const handler = async (event: unknown) => ({ ok: true, got: event !== undefined });\n", startS: 5 },
    ]);
    await rt.request({ type: 'load', scenarioFile: file });
    await rt.request({ type: 'run' });
    const trace = records(pushes);
    const failed = trace.filter((r) => r.kind === 'failed' && r.resource === 'hog');
    assert.ok(failed.length >= 1, `hog failed (${trace.filter((r) => r.resource === 'hog').map((r) => r.kind).join(', ')})`);
    assert.equal(failed[0].detail?.error, "Runtime.OutOfMemory: the handler ran out of memory: the environment's heap is limited to 16 MB (the sandbox's cap; the function has 128 MB), and it was killed");
    const fine = trace.filter((r) => r.kind === 'succeeded' && r.resource === 'fine');
    assert.equal(fine.length, 1, 'the handler after it ran');
    assert.deepEqual(fine[0].detail?.returned, { ok: true, got: true });
    assert.equal(rt.pid, pid, 'the same runtime process');
    assert.deepEqual(restarts, []);
    // And a scenario loaded afterwards runs in it too.
    const again = scenario('after', [{ name: 'fine2', handler: 'fine.ts', code: "export const handler = async (event: unknown) => ({ ok: true, got: event !== undefined });\n", startS: 0 }]);
    await rt.request({ type: 'load', scenarioFile: again });
    await rt.request({ type: 'run' });
    assert.ok(records(pushes).some((r) => r.kind === 'succeeded' && r.resource === 'fine2'));
    assert.equal(rt.pid, pid);
    assert.equal(rt.restarts, 0);
  });
});
