import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulation } from '../../src/engine/simulation';
import { RunView } from '../../src/lessons/checks';
import { clearCompileCache } from '../../src/sandbox/compile';
import { VmExecutor } from '../../src/sandbox/vmExecutor';

/** The joined views a lesson's checks read, on a real run of learner-style code. */
describe('RunView', function () {
  this.timeout(30000);
  let dir: string;
  let executor: VmExecutor | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runview-'));
    clearCompileCache();
  });
  afterEach(() => {
    executor?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function run(source: string): RunView {
    writeFileSync(join(dir, 'h.ts'), source);
    executor = new VmExecutor({ rootDir: dir });
    const sim = new Simulation(
      {
        name: 'view',
        durationS: 5,
        latency: { queue: { baseMs: 150, jitterMs: 0 } },
        queues: [{ name: 'out' }, { name: 'fifo.fifo', fifo: true }],
        functions: [{ name: 'fn', handler: 'h.ts#handler', durationMs: 100 }],
        traffic: [{ name: 'entries', target: { function: 'fn' }, ratePerSecond: 1, durationS: 2, payload: { entryId: 'e-{{seq}}', account: '{{pick "a" "b"}}' } }],
      },
      { executor },
    );
    sim.run();
    return new RunView(sim);
  }

  it('requests() gives each traffic request with the payload it rendered, so an invocation traces to its item', () => {
    const r = run(`import { send } from 'serverless-lab';
export const handler = async (e: { entryId: string }) => { await send('fifo.fifo', 'x', { groupId: 'g', deduplicationId: 'same' }); };`);
    const reqs = r.requests('entries');
    assert.deepEqual(
      reqs.map((x) => (x.payload as { entryId: string }).entryId),
      ['e-1', 'e-2'],
    );
    const inv = r.invocations('fn');
    assert.deepEqual(
      inv.map((i) => i.cause),
      reqs.map((x) => x.id),
    );
    // The FIFO queue's sent records carry the deduplication id; the second send was dropped as a duplicate of the first.
    const sent = r.sent('fifo.fifo');
    assert.equal(sent.length, 1);
    assert.equal(sent[0].deduplicationId, 'same');
    assert.equal(r.dropped('fifo.fifo')[0].firstMessageId, sent[0].id);
  });

  it('unawaited() counts the calls a function did not await, its line, and those that never completed', () => {
    // The second invocation works 160 ms before its own send: the first one's (150 ms, frozen since
    // its handler returned) is done meanwhile; the second's is still frozen when the run ends.
    const r = run(`import { send, work } from 'serverless-lab';
export const handler = async (e: { entryId: string }) => {
  if (e.entryId !== 'e-1') work(160);
  send('out', 'fire and forget');
};`);
    assert.deepEqual(r.unawaited('fn'), { count: 2, neverDone: 1, line: 4 });
    assert.deepEqual(r.unawaited('fn', { call: 'send', target: 'out' }), { count: 2, neverDone: 1, line: 4 });
    assert.deepEqual(r.unawaited('fn', { target: 'other' }), { count: 0, neverDone: 0 });
  });
});
