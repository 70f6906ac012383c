import assert from 'node:assert/strict';
import { journeyRecords, journeyToSequence } from '../../src/diagram/sequence';
import type { TraceRecord } from '../../src/engine/trace';
import { recorder } from './diagram.fixtures';

const r = recorder();

const trace: TraceRecord[] = [
  r(0, 'published', 'orders', 'p1'),
  r(0, 'published', 'orders', 'other'),
  r(1, 'delivered', 'orders', 'p1', undefined, { endpoint: 'billing-q' }),
  r(1, 'sent', 'billing-q', 'm1', 'p1'),
  r(1, 'delivered', 'orders', 'other', undefined, { endpoint: 'billing-q' }),
  r(1, 'sent', 'billing-q', 'm-other', 'other'),
  r(2, 'received', 'billing-q', 'm1', undefined, { receiveCount: 1 }),
  r(3, 'invoked', 'bill "fn"', 'inv1', 'm1', { env: 'e1', coldStart: true }),
  r(3, 'cold-start', 'bill "fn"', 'inv1', 'm1'),
  r(4, 'sent', 'receipts', 'm2', 'inv1'),
  r(5, 'failed', 'bill "fn"', 'inv1', 'm1', { error: 'Error: <boom>; again' }),
  r(6, 'invoked', 'bill "fn"', 'inv-x', 'm-other', { env: 'e1' }),
];

describe('diagram: one message journey → sequence diagram', () => {
  it('follows cause links to the messages and invocations it caused, and nothing else', () => {
    const ids = journeyRecords(trace, 'p1').map((x) => x.seq);
    assert.deepEqual(ids, [1, 3, 4, 7, 8, 9, 10, 11].map((i) => trace[i - 1].seq));
    assert.ok(!journeyRecords(trace, 'p1').some((x) => x.id === 'other' || x.id === 'm-other' || x.id === 'inv-x'));
  });

  it('draws hops as arrows between participants and local events as notes', () => {
    const src = journeyToSequence(trace, 'p1');
    const lines = src.trim().split('\n');
    assert.equal(lines[0], 'sequenceDiagram');
    assert.deepEqual(lines.filter((l) => l.includes('participant')), [
      '  participant P0 as orders',
      '  participant P1 as billing-q',
      '  participant P2 as bill #34;fn#34;',
      '  participant P3 as receipts',
    ]);
    assert.ok(lines.some((l) => l.startsWith('  P0->>P1: at 0.001 s: delivered')), 'topic → queue');
    assert.ok(lines.some((l) => l.startsWith('  P1->>P2: at 0.003 s: invoked')), 'queue → function');
    assert.ok(lines.some((l) => l.startsWith('  P2->>P3: at 0.004 s: sent')), 'function → queue');
    assert.ok(lines.some((l) => l.startsWith('  Note over P1: at 0.002 s: received m1 (receive count 1)')));
    assert.ok(lines.some((l) => l.startsWith('  Note over P2: at 0.005 s: failed inv1')));
    assert.equal(lines[lines.indexOf('  P1->>P2: at 0.003 s: invoked inv1 (cold start)') + 1], '  activate P2', 'the invocation opens a span');
    assert.equal(lines[lines.findIndex((l) => l.startsWith('  Note over P2: at 0.005 s: failed inv1')) + 1], '  deactivate P2', 'and closes it when it fails');
    assert.ok(lines.some((l) => l.startsWith('  Note over P1: at 0.001 s: sent m1')), 'the delivery was already drawn: the arrival is a note');
  });

  it('escapes everything that came from names or errors', () => {
    const src = journeyToSequence(trace, 'p1');
    assert.ok(src.includes('#60;boom#62;#59; again'));
    for (const line of src.split('\n').slice(1)) {
      const text = line.includes(' as ') ? line.slice(line.indexOf(' as ') + 4) : line.slice(line.indexOf(':') + 1);
      assert.doesNotMatch(text.replace(/#\d+;/g, ''), /[<>";]/, line);
    }
  });

  it('caps the number of steps and says how many were left out', () => {
    const src = journeyToSequence(trace, 'p1', { maxSteps: 2 });
    assert.equal(src.split('\n').filter((l) => /->>|Note over/.test(l)).length, 3);
    assert.match(src, /… 6 more records/);
    assert.throws(() => journeyToSequence(trace, 'p1', { maxSteps: 0 }), /maxSteps/);
  });

  it('says so when the id is unknown', () => {
    const src = journeyToSequence(trace, 'nope');
    assert.match(src, /^sequenceDiagram\n/);
    assert.match(src, /no records for this id/);
  });
});
