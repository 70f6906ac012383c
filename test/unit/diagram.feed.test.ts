import assert from 'node:assert/strict';
import { OverlayFeed, topologyKey, type Schedule } from '../../src/diagram/feed';
import type { JourneyMessage, NodeEventsMessage, SelectionErrorMessage, UpdatesMessage } from '../../src/diagram/protocol';
import { TraceWindow } from '../../src/diagram/traceWindow';
import type { Topology } from '../../src/diagram/types';
import type { TraceRecord } from '../../src/engine/trace';
import { recorder } from './diagram.fixtures';

const r = recorder();

const topology: Topology = {
  nodes: [
    { id: 'orders', kind: 'topic', label: 'orders' },
    { id: 'billing-q', kind: 'queue', label: 'billing' },
    { id: 'billing', kind: 'function', label: 'billing' },
  ],
  edges: [
    { from: 'orders', to: 'billing-q', kind: 'subscription' },
    { from: 'billing-q', to: 'billing', kind: 'event-source' },
  ],
};

/** A journey: published → delivered to billing-q → sent → received → invoked billing. */
function journey(k: number, t: number): TraceRecord[] {
  return [
    r(t, 'published', 'orders', `p${k}`),
    r(t, 'delivered', 'orders', `p${k}`, undefined, { endpoint: 'billing-q' }),
    r(t, 'sent', 'billing-q', `m${k}`, `p${k}`),
    r(t + 1, 'received', 'billing-q', `m${k}`, undefined, { receiveCount: 1 }),
    r(t + 1, 'invoked', 'billing', `i${k}`, `m${k}`, { env: 'e1' }),
  ];
}

/** A manual clock for the feed's timer: run() fires what is due. */
function manualTimer(): { schedule: Schedule; pending: () => number; run: () => void } {
  let jobs: Array<() => void> = [];
  return {
    schedule: (fn) => {
      jobs.push(fn);
      return () => (jobs = jobs.filter((j) => j !== fn));
    },
    pending: () => jobs.length,
    run: () => {
      const due = jobs;
      jobs = [];
      for (const j of due) j();
    },
  };
}

describe('diagram: trace window (click-through memory)', () => {
  it('keeps only the last `capacity` records, oldest first', () => {
    const w = new TraceWindow(4);
    const recs = [...journey(1, 0), ...journey(2, 10)];
    w.add(recs);
    assert.equal(w.size, 4);
    assert.deepEqual(w.records().map((x) => x.seq), recs.slice(-4).map((x) => x.seq));
  });

  it("a node's recent events: records at it and hops that name it, newest first, capped", () => {
    const w = new TraceWindow(100);
    w.add([...journey(1, 0), ...journey(2, 10)]);
    const events = w.nodeEvents('billing-q', 3);
    assert.equal(events.length, 3);
    assert.deepEqual(events.map((e) => `${e.kind}:${e.id}`), ['received:m2', 'sent:m2', 'delivered:p2']);
    assert.equal(events[2].at, 'orders', 'a delivery towards the queue says where it happened');
    assert.equal(events[2].detail, 'endpoint billing-q');
    assert.equal(events[0].at, undefined);
    assert.deepEqual(w.nodeEvents('nowhere'), []);
  });

  it('rejects a bad capacity, naming it', () => {
    assert.throws(() => new TraceWindow(0), /capacity must be an integer ≥ 1, got 0/);
  });
});

describe('diagram: overlay feed (host pipeline)', () => {
  it('batches any number of pushes into one update per frame', () => {
    const timer = manualTimer();
    const sent: UpdatesMessage[] = [];
    const feed = new OverlayFeed(topology, (m) => sent.push(m), { schedule: timer.schedule });
    for (let k = 0; k < 100; k++) feed.push(journey(k, k * 10));
    assert.equal(sent.length, 0, 'nothing is posted before the frame');
    assert.equal(timer.pending(), 1, 'one timer for the whole burst');
    timer.run();
    assert.equal(sent.length, 1);
    assert.equal(feed.stats.records, 500);
    assert.equal(feed.stats.pushes, 100);
    const billing = sent[0].batch[0].nodes.find((n) => n.id === 'billing');
    assert.equal(billing?.counters.invocations, 100, 'every record was reduced');
    feed.push([]);
    assert.equal(timer.pending(), 0, 'an empty push schedules nothing');
  });

  it('answers selectNode with counters and recent events, and selectMessage with a sequence diagram', () => {
    const timer = manualTimer();
    const feed = new OverlayFeed(topology, () => undefined, { schedule: timer.schedule, recentEvents: 2 });
    feed.push([...journey(1, 0), ...journey(2, 10)]);
    const node = feed.select({ type: 'selectNode', id: 'billing-q' }) as NodeEventsMessage;
    assert.equal(node.type, 'nodeEvents');
    assert.equal(node.kind, 'queue');
    assert.equal(node.counters.inFlight, 2, 'pending records are applied before answering');
    assert.deepEqual(node.events.map((e) => e.id), ['m2', 'm2']);
    assert.equal(node.window, 10);

    const j = feed.select({ type: 'selectMessage', id: 'p1' }) as JourneyMessage;
    assert.equal(j.type, 'journey');
    assert.equal(j.records, 5, "p1's own records and those it caused");
    assert.match(j.source, /^sequenceDiagram/);
    assert.match(j.source, /participant P0 as orders/);
    assert.match(j.source, /P1->>P2: .*invoked.* i1/, 'the hop from the queue to the function is an arrow');
    assert.doesNotMatch(j.source, /m2|i2/, "another message's journey is not included");
  });

  it('a bad selection gets an error naming the field and changes nothing', () => {
    const sent: UpdatesMessage[] = [];
    const feed = new OverlayFeed(topology, (m) => sent.push(m), { schedule: manualTimer().schedule });
    feed.push(journey(1, 0));
    feed.flush();
    const before = JSON.stringify(feed.model.snapshot());
    const cases: Array<[unknown, string, RegExp]> = [
      [{ type: 'selectNode', id: 42 }, 'id', /id must be a non-empty string/],
      [{ type: 'selectNode', id: '' }, 'id', /non-empty/],
      [{ type: 'selectNode', id: 'ghost' }, 'id', /no resource "ghost"/],
      [{ type: 'selectMessage', id: 'x'.repeat(501) }, 'id', /at most 500/],
      [{ type: 'nope', id: 'orders' }, 'type', /type must be "selectNode" or "selectMessage"/],
      [null, 'type', /type must be/],
    ];
    for (const [input, field, message] of cases) {
      const answer = feed.select(input) as SelectionErrorMessage;
      assert.equal(answer.type, 'selectionError', JSON.stringify(input));
      assert.equal(answer.field, field);
      assert.match(answer.message, message);
    }
    assert.equal(JSON.stringify(feed.model.snapshot()), before, 'the overlay is unchanged');
    assert.equal(sent.length, 1, 'nothing more was posted');
    assert.equal(feed.window.size, 5);
  });

  it('rejects bad options, naming them', () => {
    assert.throws(() => new OverlayFeed(topology, () => undefined, { intervalMs: -1 }), /intervalMs must be a number ≥ 0/);
    assert.throws(() => new OverlayFeed(topology, () => undefined, { recentEvents: 0 }), /recentEvents must be an integer ≥ 1/);
    assert.throws(() => new OverlayFeed(topology, () => undefined, { windowSize: 1.5 }), /capacity must be an integer/);
  });

  it('with a real timer, posts at most one update per interval however fast records arrive', async () => {
    const sent: number[] = [];
    const feed = new OverlayFeed(topology, () => sent.push(performance.now()), { intervalMs: 20 });
    const started = performance.now();
    let k = 0;
    while (performance.now() - started < 200) {
      feed.push(journey(k++, k));
      await new Promise((res) => setImmediate(res));
    }
    await new Promise((res) => setTimeout(res, 40));
    feed.dispose();
    assert.ok(k > 50, `many pushes (${k})`);
    assert.ok(sent.length <= 200 / 20 + 2, `≤ one update per 20 ms (${sent.length} for ${k} pushes)`);
    for (let i = 1; i < sent.length; i++) assert.ok(sent[i] - sent[i - 1] >= 19, `gap ${sent[i] - sent[i - 1]} ms`);
    assert.equal(feed.stats.records, k * 5, 'no record is lost by batching');
  });
});

describe('diagram: topology identity', () => {
  it('ignores labels, details and order; sees nodes, kinds, edges and stream partitions', () => {
    const base = topologyKey(topology);
    const relabelled: Topology = { nodes: [...topology.nodes].reverse().map((n) => ({ ...n, label: `${n.label}!`, detail: '3 messages' })), edges: [...topology.edges].reverse() };
    assert.equal(topologyKey(relabelled), base);
    assert.notEqual(topologyKey({ ...topology, nodes: [...topology.nodes, { id: 'audit', kind: 'queue', label: 'audit' }] }), base);
    assert.notEqual(topologyKey({ ...topology, edges: topology.edges.slice(1) }), base);
    assert.notEqual(topologyKey({ ...topology, nodes: topology.nodes.map((n) => (n.id === 'billing-q' ? { ...n, kind: 'fifo-queue' as const } : n)) }), base);
    const stream = (p: number): Topology => ({ nodes: [{ id: 's', kind: 'stream', label: 's', detail: `${p} partitions` }], edges: [] });
    assert.notEqual(topologyKey(stream(2)), topologyKey(stream(3)));
  });
});
