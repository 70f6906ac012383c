import assert from 'node:assert/strict';
import { Trace, TraceRecord } from '../../src/engine/trace';

describe('trace listeners', () => {
  it('a kind-filtered listener sees only its kinds; an unfiltered one sees all, in subscription order', () => {
    const trace = new Trace(() => 0, { mode: 'none' });
    const seen: string[] = [];
    trace.subscribe((r) => seen.push(`all:${r.kind}`));
    trace.subscribe((r) => seen.push(`narrow:${r.kind}`), ['sent', 'deleted']);
    trace.emit('sent', 'q', 'm1');
    trace.emit('received', 'q', 'm1');
    trace.emit('deleted', 'q', 'm1');
    assert.deepEqual(seen, ['all:sent', 'narrow:sent', 'all:received', 'all:deleted', 'narrow:deleted']);
  });

  it('unsubscribing stops delivery and aggregates stay exact either way', () => {
    const trace = new Trace(() => 0, { mode: 'none' });
    const got: TraceRecord[] = [];
    const off = trace.subscribe((r) => got.push(r), ['sent']);
    trace.emit('sent', 'q', 'm1');
    off();
    off(); // twice is harmless
    trace.emit('sent', 'q', 'm2');
    assert.deepEqual(got.map((r) => r.id), ['m1']);
    assert.equal(trace.count('sent', 'q'), 2);
    assert.equal(trace.length, 2);
  });

  it('a listener added while a record is dispatched starts with the next record', () => {
    const trace = new Trace(() => 0, { mode: 'none' });
    const late: string[] = [];
    trace.subscribe(() => {
      if (!late.length) trace.subscribe((r) => late.push(r.id ?? ''));
      late.push('first');
    }, ['sent']);
    trace.emit('sent', 'q', 'a');
    trace.emit('sent', 'q', 'b');
    assert.deepEqual(late, ['first', 'first', 'b']);
  });
});
