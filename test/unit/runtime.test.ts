// The runtime process: engine + isolates in a child forked with --no-node-snapshot, a typed
// protocol, batched trace pushes, and recovery from a crash or a hang with no accepted message lost.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { RuntimeClient, RuntimeError } from '../../src/sandbox/client';
import type { PlaygroundCommand, PlaygroundResponse } from '../../src/playground/types';
import type { Push } from '../../src/sandbox/protocol';

const repo = path.resolve(__dirname, '..', '..');
const scenarioFile = path.join(repo, 'examples', 'load-leveling.scenario.json');

interface Summary {
  lost: number;
  queues: Record<string, { sent: number; deleted: number; visible: number; inFlight: number }>;
  tables: Record<string, { written: number }>;
}

function client(deadlines = {}): RuntimeClient {
  return new RuntimeClient({
    runtimePath: path.join(repo, 'src', 'sandbox', 'runtime.ts'),
    nodePath: process.execPath,
    execArgv: ['-r', path.join(repo, 'test', 'register.js')],
    env: { SERVERLESS_LAB_TEST_HOOKS: '1' },
    deadlines,
  });
}

describe('runtime process', function () {
  this.timeout(60_000);
  const clients: RuntimeClient[] = [];
  const make = (deadlines = {}) => {
    const c = client(deadlines);
    clients.push(c);
    return c;
  };
  after(async () => {
    for (const c of clients) await c.dispose();
  });

  it('runs a scenario with sandboxed handlers in a child process and pushes trace records in batches', async () => {
    const rt = make();
    const pushes: Push[] = [];
    rt.on('push', (p) => pushes.push(p));
    await rt.start();
    assert.ok(rt.pid && rt.pid !== process.pid);
    const loaded = await rt.request<{ name: string; topology: { nodes: unknown[] } }>({ type: 'load', scenarioFile });
    assert.equal(loaded.name, 'load-leveling');
    assert.ok(loaded.topology.nodes.length >= 3);
    await rt.request({ type: 'run', untilMs: 60_000 });
    const summary = await rt.request<Summary>({ type: 'summary' });
    assert.equal(summary.queues.orders.sent, 6001); // arrivals every 10 ms from 0 through 60 s inclusive
    assert.equal(summary.lost, 0);
    const traces = pushes.filter((p) => p.push === 'trace') as Extract<Push, { push: 'trace' }>[];
    const records = traces.reduce((n, p) => n + p.records.length + p.dropped, 0);
    assert.ok(records > 10_000, `many records were traced (${records})`);
    assert.ok(traces.length < records / 100, `records arrive in batches (${traces.length} messages for ${records} records)`);
  });

  it('a scenario with problems is refused with every problem, and the loaded one stays', async () => {
    const rt = make();
    await rt.request({ type: 'load', scenarioFile });
    await rt.request({ type: 'run', untilMs: 5_000 });
    const bad = path.join(repo, 'test', 'fixtures', 'bad.scenario.json');
    await assert.rejects(rt.request({ type: 'load', scenarioFile: bad }), (err: RuntimeError) => {
      assert.equal(err.name, 'ScenarioError');
      assert.ok(err.problems?.some((p) => p.path === 'functions[0].events[0].queue'), JSON.stringify(err.problems));
      return true;
    });
    const summary = await rt.request<Summary>({ type: 'summary' });
    assert.equal(summary.queues.orders.sent, 501);
  });

  it('when the process dies mid-run it is restarted and no accepted message is lost', async () => {
    // Reference: the same run without a crash.
    const ref = make();
    await ref.request({ type: 'load', scenarioFile });
    await ref.request({ type: 'run', untilMs: 30_000 });
    await ref.request({ type: 'run', untilMs: 60_000 });
    const expected = await ref.request<Summary>({ type: 'summary' });

    const rt = make();
    const restarts: string[] = [];
    rt.on('restart', (r) => restarts.push(r.reason));
    await rt.request({ type: 'load', scenarioFile });
    await rt.request({ type: 'run', untilMs: 30_000 });
    const before = await rt.request<Summary>({ type: 'summary' });
    const oldPid = rt.pid;
    await assert.rejects(rt.request({ type: 'fault', kind: 'exit' }), /exited unexpectedly.*restarted/);
    await rt.request({ type: 'ping' });
    assert.notEqual(rt.pid, oldPid);
    assert.equal(restarts.length, 1);
    const restored = await rt.request<Summary>({ type: 'summary' });
    assert.deepEqual(restored.queues.orders, before.queues.orders, 'the state at the crash was restored');
    await rt.request({ type: 'run', untilMs: 60_000 });
    const after = await rt.request<Summary>({ type: 'summary' });
    assert.equal(after.lost, 0);
    assert.deepEqual(after.queues, expected.queues);
    assert.deepEqual(after.tables, expected.tables);
  });

  it('a hung runtime misses its deadline, is killed and restarted with its state', async () => {
    const rt = make({ fault: 1_000 });
    await rt.request({ type: 'load', scenarioFile });
    await rt.request({ type: 'run', untilMs: 10_000 });
    const before = await rt.request<Summary>({ type: 'summary' });
    await assert.rejects(rt.request({ type: 'fault', kind: 'hang' }), (err: Error) => err.name === 'RuntimeHangError' && /did not answer "fault" within 1 s/.test(err.message));
    const after = await rt.request<Summary>({ type: 'summary' });
    assert.deepEqual(after.queues, before.queues);
    assert.equal(rt.restarts, 1);
  });

  it('playground commands survive a crash: the state comes back identical, and a later load keeps them', async () => {
    const rt = make();
    const pushes: Push[] = [];
    rt.on('push', (p) => pushes.push(p));
    const commands: PlaygroundCommand[] = [
      { op: 'createQueue', name: 'dlq' },
      { op: 'createQueue', name: 'orders', visibilityTimeoutS: 20, deadLetter: { queue: 'dlq', maxReceiveCount: 3 } },
      { op: 'createTopic', name: 'news' },
      { op: 'subscribe', topic: 'news', queue: 'orders', rawDelivery: true },
      { op: 'publish', topic: 'news', body: 'one' },
      { op: 'send', queue: 'orders', body: 'two' },
      { op: 'receive', queue: 'orders' },
      { op: 'createStream', name: 'clicks', partitions: 2 },
      { op: 'produce', stream: 'clicks', key: 'u1', value: 'c1' },
      { op: 'consume', stream: 'clicks', group: 'g' },
    ];
    for (const command of commands) await rt.request({ type: 'playground', command });
    await assert.rejects(rt.request({ type: 'playground', command: { op: 'send', queue: 'ordrs', body: 'x' } }), (err: RuntimeError) => {
      assert.equal(err.name, 'ValidationError');
      assert.equal(err.path, 'queue');
      assert.match(err.message, /did you mean "orders"/);
      return true;
    });
    // The scenario side is journaled separately: loading a scenario must not drop the playground.
    await rt.request({ type: 'load', scenarioFile });
    const before = await rt.request<PlaygroundResponse>({ type: 'playground', command: { op: 'snapshot' } });
    assert.equal(before.snapshot.commands, commands.length);
    const updates = pushes.filter((p) => p.push === 'playground');
    assert.equal(updates.length, commands.length, 'one playground push per accepted command');
    const traces = pushes.filter((p): p is Extract<Push, { push: 'trace' }> => p.push === 'trace' && p.source === 'playground');
    assert.ok(traces.some((t) => t.records.some((r) => r.kind === 'sent' && r.resource === 'orders')));
    const mine = new Set(['dlq', 'orders', 'news', 'clicks']);
    assert.ok(traces.every((t) => t.records.every((r) => mine.has(r.resource))), 'a playground batch carries playground records only');

    await assert.rejects(rt.request({ type: 'fault', kind: 'exit' }), /exited unexpectedly.*restarted/);
    const after = await rt.request<PlaygroundResponse>({ type: 'playground', command: { op: 'snapshot' } });
    assert.deepEqual(after.snapshot, before.snapshot);
    assert.deepEqual(after.topology, before.topology);
    assert.equal(rt.restarts, 1);

    // reset replaces the playground's journal entries: after another crash it stays empty.
    await rt.request({ type: 'playground', command: { op: 'reset' } });
    await assert.rejects(rt.request({ type: 'fault', kind: 'exit' }), /exited unexpectedly/);
    const empty = await rt.request<PlaygroundResponse>({ type: 'playground', command: { op: 'snapshot' } });
    assert.deepEqual([empty.snapshot.commands, empty.snapshot.queues.length], [0, 0]);
    const loaded = await rt.request<{ queues: Record<string, unknown> }>({ type: 'summary' });
    assert.ok(loaded.queues.orders, 'the scenario came back too');
  });
});
