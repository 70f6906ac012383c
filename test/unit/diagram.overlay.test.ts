import assert from 'node:assert/strict';
import { OverlayModel, quantile } from '../../src/diagram/overlay';
import type { TraceRecord } from '../../src/engine/trace';
import { recorder } from './diagram.fixtures';
import type { Topology } from '../../src/diagram/types';

const r = recorder();

const topology: Topology = {
  nodes: [
    { id: 'api', kind: 'gateway', label: 'api' },
    { id: 'fn', kind: 'function', label: 'fn', detail: { memoryMB: 512 } },
    { id: 'q', kind: 'queue', label: 'q' },
    { id: 'dlq', kind: 'dlq', label: 'dlq' },
    { id: 'topic', kind: 'topic', label: 'topic' },
    { id: 'worker', kind: 'function', label: 'worker' },
    { id: 'log', kind: 'stream', label: 'log', detail: { partitions: 2 } },
    { id: 'table', kind: 'table', label: 'table' },
  ],
  edges: [
    { from: 'api', to: 'fn', kind: 'route' }, // 0
    { from: 'fn', to: 'q' }, // 1
    { from: 'q', to: 'dlq', kind: 'dead-letter' }, // 2
    { from: 'q', to: 'worker', kind: 'event-source' }, // 3
    { from: 'fn', to: 'topic' }, // 4
    { from: 'topic', to: 'q', kind: 'subscription' }, // 5
    { from: 'fn', to: 'log' }, // 6
    { from: 'log', to: 'worker', kind: 'event-source' }, // 7
  ],
};

describe('diagram: trace → overlay model', () => {
  it('queue depth = sent − deleted − dead-lettered − expired; in-flight and delayed follow visibility', () => {
    const m = new OverlayModel(topology);
    m.apply([
      r(0, 'sent', 'q', 'm1'),
      r(0, 'sent', 'q', 'm2'),
      r(0, 'sent', 'q', 'm3'),
      r(0, 'sent', 'q', 'm4'),
      r(0, 'delayed', 'q', 'm4', undefined, { visibleAt: 5000 }),
      r(10, 'received', 'q', 'm1', undefined, { receiveCount: 1 }),
      r(10, 'received', 'q', 'm2', undefined, { receiveCount: 1 }),
    ]);
    assert.deepEqual(pick(m.node('q')!.counters, ['depth', 'inFlight', 'delayed']), { depth: 4, inFlight: 2, delayed: 1 });
    m.apply([
      r(20, 'deleted', 'q', 'm1'),
      r(30, 'visibility-expired', 'q', 'm2', undefined, { receiveCount: 1 }),
      r(40, 'dead-lettered', 'q', 'm3', 'm3', { deadLetterQueue: 'dlq', receiveCount: 4 }),
      r(40, 'sent', 'dlq', 'm3', 'm3', { from: 'q' }),
      r(50, 'expired', 'q', 'm2', undefined, { sentAt: 0 }),
    ]);
    const q = m.node('q')!;
    assert.deepEqual(pick(q.counters, ['depth', 'inFlight', 'delayed', 'sent', 'deleted', 'deadLettered', 'expired']), { depth: 1, inFlight: 0, delayed: 1, sent: 4, deleted: 1, deadLettered: 1, expired: 1 });
    assert.equal(q.status, 'dead-lettered');
    assert.equal(m.node('dlq')!.counters.depth, 1);
    assert.equal(m.node('dlq')!.status, 'dead-lettered', 'a DLQ holding messages is flagged');
  });

  it('a delete with an unknown (stale) id changes nothing', () => {
    const m = new OverlayModel(topology);
    m.apply([r(0, 'sent', 'q', 'm1'), r(1, 'deleted', 'q', 'nope'), r(2, 'stale-handle', 'q', 'm1', undefined, { operation: 'delete' })]);
    assert.equal(m.node('q')!.counters.depth, 1);
    assert.equal(m.node('q')!.counters.deleted, 0);
  });

  it('function: concurrency, warm/cold environments, throttles, errors and cost', () => {
    const m = new OverlayModel(topology);
    const u = m.apply([
      r(0, 'invoked', 'fn', 'i1', undefined, { env: 'e1', coldStart: true }),
      r(0, 'cold-start', 'fn', 'i1', undefined, { env: 'e1' }),
      r(0, 'invoked', 'fn', 'i2', undefined, { env: 'e2', coldStart: true }),
      r(0, 'cold-start', 'fn', 'i2', undefined, { env: 'e2' }),
      r(100, 'succeeded', 'fn', 'i1', undefined, { env: 'e1', durationMs: 99.2, billedMs: 100 }),
      r(110, 'throttled', 'fn', 'i3', undefined, { reason: 'reserved concurrency', concurrency: 1 }),
      r(120, 'invoked', 'fn', 'i4', undefined, { env: 'e1', coldStart: false }),
    ]);
    const fn = u.nodes.find((n) => n.id === 'fn')!;
    assert.deepEqual(pick(fn.counters, ['concurrency', 'envs', 'warm', 'coldStarts', 'invocations', 'throttles', 'errors']), { concurrency: 2, envs: 2, warm: 0, coldStarts: 2, invocations: 3, throttles: 1, errors: 0 });
    assert.equal(fn.status, 'throttled');
    m.apply([r(150, 'failed', 'fn', 'i2', undefined, { env: 'e2', error: 'Boom', durationMs: 50 }), r(150, 'env-destroyed', 'fn', 'e2', 'crash')]);
    const after = m.node('fn')!;
    assert.deepEqual(pick(after.counters, ['concurrency', 'envs', 'warm', 'errors']), { concurrency: 1, envs: 1, warm: 0, errors: 1 });
    // 3 requests × $0.20/M + (0.1 s + 0.05 s) × 0.5 GB × $0.0000166667/GB-s, in micro-dollars.
    const expected = (3 * 0.2e-6 + 0.15 * 0.5 * 0.0000166667) * 1e6;
    assert.ok(Math.abs(after.counters.costMicroUsd - expected) < 1e-9, `${after.counters.costMicroUsd} vs ${expected}`);
  });

  it('stream: consumer lag per partition = log-end offset − committed offset of the group furthest behind', () => {
    const m = new OverlayModel(topology);
    const recs: TraceRecord[] = [];
    for (let o = 0; o < 5; o++) recs.push(r(o, 'produced', 'log', `s${o}`, undefined, { partition: 0, offset: o, key: 'k' }));
    for (let o = 0; o < 2; o++) recs.push(r(10 + o, 'produced', 'log', `t${o}`, undefined, { partition: 1, offset: o, key: 'j' }));
    recs.push(
      r(20, 'committed', 'log', undefined, undefined, { group: 'g', member: 'a', partition: 0, offset: 3 }),
      r(20, 'committed', 'log', undefined, undefined, { group: 'g', member: 'a', partition: 1, offset: 2 }),
      r(21, 'committed', 'log', undefined, undefined, { group: 'h', member: 'b', partition: 0, offset: 1 }),
    );
    m.apply(recs);
    const s = m.node('log')!;
    assert.deepEqual(s.partitions, [
      { partition: 0, end: 5, committed: 1, lag: 4 },
      { partition: 1, end: 2, committed: 0, lag: 2 },
    ]);
    assert.equal(s.counters.lag, 6);
    assert.equal(s.counters.produced, 7);
  });

  it('declared partitions appear before any record; with no consumer group there is no lag', () => {
    const m = new OverlayModel(topology);
    m.apply([r(0, 'produced', 'log', 'x', undefined, { partition: 1, offset: 0 })]);
    assert.deepEqual(m.node('log')!.partitions, [
      { partition: 0, end: 0, committed: 0, lag: 0 },
      { partition: 1, end: 1, committed: 0, lag: 0 },
    ]);
  });

  it('topic: a retry keeps the node "retrying" until the delivery succeeds', () => {
    const m = new OverlayModel(topology, { statusHoldMs: 100 });
    m.apply([r(0, 'published', 'topic', 'p1'), r(1, 'delivery-failed', 'topic', 'p1', undefined, { endpoint: 'q', attempt: 1, error: 'x' }), r(1, 'retried', 'topic', 'p1', undefined, { endpoint: 'q', attempt: 2, delayMs: 1000 })]);
    assert.equal(m.node('topic')!.counters.retrying, 1);
    m.apply([r(500, 'published', 'topic', 'p2')]);
    assert.equal(m.node('topic')!.status, 'retrying', 'still pending after the hold time');
    m.apply([r(1001, 'delivered', 'topic', 'p1', undefined, { endpoint: 'q', attempt: 2 })]);
    assert.equal(m.node('topic')!.counters.retrying, 0);
    m.apply([r(2000, 'published', 'topic', 'p3')]);
    assert.equal(m.node('topic')!.status, 'active');
  });

  it('status colours fade after the hold time; idle when nothing happens', () => {
    const m = new OverlayModel(topology, { statusHoldMs: 1000 });
    m.apply([r(0, 'throttled', 'fn', 'i1')]);
    assert.equal(m.node('fn')!.status, 'throttled');
    const u = m.apply([r(5000, 'published', 'topic', 'x')]);
    assert.equal(m.node('fn')!.status, 'idle');
    assert.ok(u.nodes.some((n) => n.id === 'fn' && n.status === 'idle'), 'a status change is reported even without a record at the node');
    assert.ok(!u.nodes.some((n) => n.id === 'table'), 'unchanged nodes are not re-sent');
  });

  it('edge events follow cause links: routed, sent by a function, delivered by a topic, received by a function, dead-lettered', () => {
    const m = new OverlayModel(topology);
    const u = m.apply([
      r(0, 'request', 'api', 'req1'),
      r(1, 'routed', 'api', 'req1', undefined, { target: 'fn' }),
      r(2, 'invoked', 'fn', 'inv1', 'req1', { env: 'e1' }),
      r(3, 'sent', 'q', 'm1', 'inv1'),
      r(4, 'published', 'topic', 'p1', 'inv1'),
      r(5, 'delivered', 'topic', 'p1', undefined, { endpoint: 'arn:aws:sqs:us-east-1:123456789012:q' }),
      r(5, 'sent', 'q', 'm2', 'p1'),
      r(6, 'received', 'q', 'm1'),
      r(6, 'received', 'q', 'm2'),
      r(7, 'invoked', 'worker', 'inv2', 'm1,m2', { env: 'e9' }),
      r(8, 'dead-lettered', 'q', 'm1', 'm1', { deadLetterQueue: 'dlq' }),
      r(8, 'sent', 'dlq', 'm1', 'm1', { from: 'q' }),
      r(9, 'produced', 'log', 's1', 'inv1', { partition: 1, offset: 0 }),
      r(10, 'invoked', 'worker', 'inv3', 's1..s1', { env: 'e9' }),
      r(11, 'sent', 'q', 'orphan', 'never-seen'),
    ]);
    assert.deepEqual(
      u.edges.map((e) => [e.edge, e.from, e.to, e.id, e.kind]),
      [
        [0, 'api', 'fn', 'req1', 'message'],
        [1, 'fn', 'q', 'm1', 'message'],
        [4, 'fn', 'topic', 'p1', 'message'],
        [5, 'topic', 'q', 'p1', 'message'],
        [3, 'q', 'worker', 'inv2', 'message'],
        [3, 'q', 'worker', 'inv2', 'message'],
        [2, 'q', 'dlq', 'm1', 'dead-letter'],
        [6, 'fn', 'log', 's1', 'message'],
        [7, 'log', 'worker', 'inv3', 'message'],
      ],
    );
    assert.equal(u.edges.find((e) => e.to === 'log')!.partition, 1);
    assert.equal(u.sampledAway, 0);
  });

  it('a throttled invocation is an edge event of its own kind', () => {
    const m = new OverlayModel(topology);
    const u = m.apply([r(0, 'sent', 'q', 'm1'), r(1, 'throttled', 'worker', 'i1', 'm1')]);
    assert.deepEqual(u.edges.map((e) => e.kind), ['throttled']);
  });

  it('samples edge events above the cap evenly and reports how many were dropped', () => {
    const m = new OverlayModel(topology, { maxDots: 200 });
    const recs: TraceRecord[] = [r(0, 'invoked', 'fn', 'inv')];
    for (let i = 0; i < 1000; i++) recs.push(r(i, 'sent', 'q', `m${i}`, 'inv'));
    const u = m.apply(recs);
    assert.equal(u.edges.length, 200);
    assert.equal(u.sampledAway, 800);
    assert.equal(u.edges[0].id, 'm0');
    assert.equal(u.edges[199].id, 'm995');
    assert.equal(new Set(u.edges.map((e) => e.id)).size, 200);
    assert.equal(m.node('q')!.counters.depth, 1000, 'sampling never touches the counters');
  });

  it('keeps a bounded time series: one point per bucket, re-bucketed when full', () => {
    const m = new OverlayModel(topology, { bucketMs: 1000, maxPoints: 4 });
    const first = m.apply([r(0, 'invoked', 'fn', 'i1', undefined, { env: 'e1' }), r(0, 'cold-start', 'fn', 'i1'), r(500, 'sent', 'q', 'a'), r(1500, 'sent', 'q', 'b'), r(2500, 'succeeded', 'fn', 'i1', undefined, { billedMs: 10 })]);
    assert.deepEqual(first.points.map((p) => [p.t, p.queueDepth.q, p.concurrency.fn, p.coldStarts]), [[0, 1, 1, 1], [1000, 2, 1, 0]]);
    assert.equal(first.series, undefined);
    const later = m.apply([r(9500, 'sent', 'q', 'c')]);
    assert.ok(later.series, 'the whole series is re-sent after re-bucketing');
    assert.ok(later.series!.points.length <= 4);
    assert.ok(later.series!.bucketMs > 1000);
    assert.ok(m.series().points.length <= 4);
    assert.equal(m.series().points.reduce((s, p) => s + p.coldStarts, 0), 1, 'merging keeps the totals');
  });

  it('series: gateway response times p95/p99 per bucket (none in a quiet bucket), the worse of two when merged', () => {
    const m = new OverlayModel(topology, { maxPoints: 2 });
    const answers = Array.from({ length: 20 }, (_, i) => r(10 + i, 'responded', 'api', `g${i}`, undefined, { statusCode: 200, latencyMs: i === 19 ? 900 : 10 + i }));
    m.apply([...answers, r(1500, 'sent', 'q', 'x'), r(2500, 'sent', 'q', 'y')]);
    const [busy, quiet] = m.series().points;
    assert.deepEqual(busy.responseMs, { p95: quantile(answers.map((a) => a.detail!.latencyMs as number), 0.95), p99: 900 });
    assert.equal(busy.responseMs!.p95, 28, 'nearest rank: the 19th of 20 sorted');
    assert.equal(quiet.responseMs, undefined, 'nothing answered: a gap, not 0 ms');
    m.apply([r(3500, 'sent', 'q', 'z')]); // a third point: merged pairwise, bucket doubles
    assert.equal(m.series().bucketMs, 2000);
    assert.deepEqual(m.series().points[0].responseMs, { p95: 28, p99: 900 });
  });

  it('series: Kinesis puts per shard per second, and puts refused, from produced / throttled records', () => {
    const kinesis: Topology = { nodes: [{ id: 'clicks', kind: 'kinesis-stream', label: 'clicks' }], edges: [] };
    const m = new OverlayModel(kinesis);
    m.apply([
      r(0, 'produced', 'clicks', 's1', undefined, { shardId: 'shardId-000000000000' }),
      r(1, 'produced', 'clicks', 's2', undefined, { shardId: 'shardId-000000000000' }),
      r(2, 'produced', 'clicks', 's3', undefined, { shardId: 'shardId-000000000001' }),
      r(3, 'throttled', 'clicks', undefined, 'ProvisionedThroughputExceeded', { shardId: 'shardId-000000000001' }),
      r(1000, 'produced', 'clicks', 's4', undefined, { shardId: 'shardId-000000000001' }),
      r(2000, 'produced', 'clicks', 's5', undefined, { shardId: 'shardId-000000000001' }),
    ]);
    const [first, second] = m.series().points;
    assert.deepEqual(first.shardPutsPerS, { 'clicks shard 0': 2, 'clicks shard 1': 1, 'clicks refused': 1 });
    assert.deepEqual(second.shardPutsPerS, { 'clicks shard 0': 0, 'clicks shard 1': 1, 'clicks refused': 0 }, 'a shard seen keeps its line');
    assert.equal(m.node('clicks')!.counters.throttles, 1);
  });

  it('snapshot() returns every node and the series, no edge events', () => {
    const m = new OverlayModel(topology);
    m.apply([r(0, 'invoked', 'fn', 'i'), r(1, 'sent', 'q', 'm', 'i')]);
    const s = m.snapshot();
    assert.equal(s.nodes.length, topology.nodes.length);
    assert.deepEqual(s.edges, []);
    assert.ok(s.series);
  });

  it('rejects bad options with an error naming the option', () => {
    assert.throws(() => new OverlayModel(topology, { maxDots: -1 }), /maxDots/);
    assert.throws(() => new OverlayModel(topology, { bucketMs: 0 }), /bucketMs/);
    assert.throws(() => new OverlayModel(topology, { maxPoints: Number.NaN }), /maxPoints/);
  });

  it('remembers a bounded number of message locations', () => {
    const m = new OverlayModel(topology, { maxTracked: 10 });
    const recs: TraceRecord[] = [r(0, 'invoked', 'fn', 'inv')];
    for (let i = 0; i < 20; i++) recs.push(r(i, 'sent', 'q', `m${i}`, 'inv'));
    recs.push(r(30, 'invoked', 'worker', 'w1', 'm0'), r(30, 'invoked', 'worker', 'w2', 'm19'));
    const u = m.apply(recs);
    assert.deepEqual(u.edges.filter((e) => e.to === 'worker').map((e) => e.id), ['w2'], 'the oldest location was forgotten');
  });
});

function pick(o: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
