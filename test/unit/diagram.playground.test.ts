// The playground diagram shows the playground's current state after every command: the counters the
// diagram draws (reduced from the playground's trace by the same overlay the webview gets) match
// what the playground itself says — the Broker Explorer's numbers — after each command of a session
// that sends, receives, deletes, changes visibility, delays, lets timeouts expire, purges, redrives
// to a dead-letter queue and resets.
import assert from 'node:assert/strict';
import type { ReceivedMessage } from '../../src/engine/queue';
import type { TraceRecord } from '../../src/engine/trace';
import type { Topology } from '../../src/engine/topology';
import { OverlayModel } from '../../src/diagram/overlay';
import { recorder } from './diagram.fixtures';
import { Playground } from '../../src/playground/playground';
import type { PlaygroundCommand, PlaygroundResponse } from '../../src/playground/types';

/** The diagram's side: the playground's trace and its topology, as the view carries them over. */
class DiagramSide {
  private records: TraceRecord[] = [];
  private topology: Topology = { nodes: [], edges: [] };
  private model = new OverlayModel(this.topology);
  constructor(p: Playground) {
    p.onTrace((r) => {
      this.records.push(r);
      this.model.apply([r]);
    });
  }
  /**
   * After a command, what the playground's push brings (src/vscode/diagram/playground.ts): its
   * topology (a new one is drawn with the old records carried over) and its clock.
   */
  update(topology: Topology, now: number): void {
    const key = (t: Topology) => JSON.stringify([t.nodes.map((n) => n.id).sort(), t.edges.map((e) => `${e.from}>${e.to}`).sort()]);
    if (key(topology) !== key(this.topology)) {
      this.topology = topology;
      this.model = new OverlayModel(topology);
      this.model.apply(this.records);
    }
    this.model.advanceTo(now);
  }
  counters(id: string): Record<string, number> | undefined {
    return this.model.snapshot().nodes.find((n) => n.id === id)?.counters;
  }
}

describe('the playground diagram follows the playground, command by command', () => {
  it('queue depth, in flight and delayed match the playground\'s own view after every command', () => {
    const p = new Playground();
    const diagram = new DiagramSide(p);
    const receipts: string[] = [];
    const steps: string[] = [];
    const apply = (c: PlaygroundCommand): PlaygroundResponse => {
      const answer = p.apply(c);
      diagram.update(answer.topology, answer.snapshot.now);
      if (c.op === 'receive') receipts.push(...(answer.result as ReceivedMessage[]).map((m) => m.receiptHandle));
      const label = `${steps.length + 1}. ${JSON.stringify(c)}`;
      steps.push(label);
      for (const q of answer.snapshot.queues) {
        const drawn = diagram.counters(q.name);
        assert.ok(drawn, `${label}: ${q.name} is drawn`);
        const want = { depth: q.depth.visible + q.depth.inFlight + q.depth.delayed, inFlight: q.depth.inFlight, delayed: q.depth.delayed };
        const got = { depth: drawn.depth, inFlight: drawn.inFlight, delayed: drawn.delayed ?? 0 };
        assert.deepEqual(got, want, `${label}: the diagram shows ${q.name} as ${JSON.stringify(got)}, the playground says ${JSON.stringify(q.depth)}`);
      }
      return answer;
    };
    apply({ op: 'createQueue', name: 'dlq' });
    apply({ op: 'createQueue', name: 'orders', visibilityTimeoutS: 30 });
    apply({ op: 'createQueue', name: 'work', visibilityTimeoutS: 5, deadLetter: { queue: 'dlq', maxReceiveCount: 2 } });
    for (const body of ['a', 'b', 'c']) apply({ op: 'send', queue: 'orders', body });
    apply({ op: 'send', queue: 'orders', body: 'later', delayS: 10 });
    apply({ op: 'receive', queue: 'orders', max: 2 });
    apply({ op: 'deleteMessage', queue: 'orders', receiptHandle: receipts[0]! });
    apply({ op: 'changeVisibility', queue: 'orders', receiptHandle: receipts[1]!, visibilityTimeoutS: 0 });
    apply({ op: 'advance', seconds: 11 }); // the delayed message is visible now
    apply({ op: 'receive', queue: 'orders', max: 1, visibilityTimeoutS: 5 });
    apply({ op: 'advance', seconds: 6 }); // ... and back: its visibility timeout expired
    apply({ op: 'purge', queue: 'orders' });
    apply({ op: 'send', queue: 'work', body: 'poison' });
    for (let i = 0; i < 3; i++) {
      apply({ op: 'receive', queue: 'work', max: 1 });
      apply({ op: 'advance', seconds: 6 });
    }
    const after = apply({ op: 'advance', seconds: 1 });
    assert.equal(after.snapshot.queues.find((q) => q.name === 'dlq')!.depth.visible, 1, 'the poison message was redriven to the dead-letter queue (the session got there)');
    apply({ op: 'delete', kind: 'queue', name: 'orders' });
    assert.equal(diagram.counters('orders'), undefined, 'a deleted queue is no longer drawn');
    assert.ok(steps.length >= 20);
  });
});

describe('the playground diagram follows RabbitMQ and Pub/Sub too', () => {
  /** Apply commands; after each, the drawn counters of every RabbitMQ queue and Pub/Sub subscription against the playground's own. */
  function session(commands: Array<PlaygroundCommand | ((last: PlaygroundResponse) => PlaygroundCommand)>): PlaygroundResponse[] {
    const p = new Playground();
    const diagram = new DiagramSide(p);
    const answers: PlaygroundResponse[] = [];
    for (const [i, c] of commands.entries()) {
      const command = typeof c === 'function' ? c(answers.at(-1)!) : c;
      const answer = p.apply(command);
      answers.push(answer);
      diagram.update(answer.topology, answer.snapshot.now);
      const label = `${i + 1}. ${JSON.stringify(command)}`;
      const idOf = (kind: string, name: string) => answer.topology.nodes.find((n) => n.kind === kind && (n.id === name || n.label === name))?.id;
      for (const q of answer.snapshot.rabbitmq?.queues ?? []) {
        const drawn = diagram.counters(idOf('rabbit-queue', q.name) ?? q.name);
        assert.ok(drawn, `${label}: ${q.name} is drawn`);
        assert.deepEqual({ depth: drawn.depth, inFlight: drawn.inFlight }, { depth: q.ready + q.unacked, inFlight: q.unacked }, `${label}: ${q.name} (ready ${q.ready}, unacked ${q.unacked})`);
      }
      for (const sub of answer.snapshot.pubsub?.subscriptions ?? []) {
        const drawn = diagram.counters(idOf('pubsub-subscription', sub.name) ?? sub.name);
        assert.ok(drawn, `${label}: ${sub.name} is drawn`);
        const ready = sub.messages.filter((m) => m.state === 'ready').length;
        assert.deepEqual({ depth: drawn.depth, inFlight: drawn.inFlight }, { depth: ready + sub.outstanding, inFlight: sub.outstanding }, `${label}: ${sub.name} (${ready} ready, ${sub.outstanding} outstanding)`);
      }
    }
    return answers;
  }

  it('RabbitMQ: publish, get, consume, nack with requeue, ack, reject', () => {
    const tag = (a: PlaygroundResponse) => (a.result as { deliveryTag: number }).deliveryTag;
    const answers = session([
      { op: 'declareExchange', name: 'orders', type: 'direct' },
      { op: 'declareRabbitQueue', name: 'billing' },
      { op: 'bind', exchange: 'orders', queue: 'billing', routingKey: 'bill' },
      ...['a', 'b', 'c'].map((body): PlaygroundCommand => ({ op: 'amqpPublish', exchange: 'orders', routingKey: 'bill', body })),
      { op: 'amqpGet', queue: 'billing' },
      (last) => ({ op: 'amqpNack', deliveryTag: tag(last), requeue: true }),
      { op: 'amqpGet', queue: 'billing' },
      (last) => ({ op: 'amqpAck', deliveryTag: tag(last) }),
      { op: 'amqpGet', queue: 'billing' },
      (last) => ({ op: 'amqpReject', deliveryTag: tag(last), requeue: false }),
      { op: 'amqpConsume', queue: 'billing', prefetch: 1 },
      { op: 'advance', seconds: 2 },
    ]);
    const billing = answers.map((a) => a.snapshot.rabbitmq!.queues.find((q) => q.name === 'billing'));
    assert.ok(billing.some((q) => q && q.unacked > 0) && billing.some((q) => q && q.ready >= 2), 'the session held deliveries unacked and messages ready');
  });

  it('Pub/Sub: publish, pull, acknowledge, modify the ack deadline, let it expire', () => {
    const ackIds = (a: PlaygroundResponse) => (a.result as Array<{ ackId: string }>).map((m) => m.ackId);
    let pulled: string[] = [];
    const answers = session([
      { op: 'createPubSubTopic', name: 'events' },
      { op: 'createSubscription', topic: 'events', name: 'audit', ackDeadlineS: 10 },
      ...['a', 'b', 'c'].map((data): PlaygroundCommand => ({ op: 'pubsubPublish', topic: 'events', data })),
      { op: 'pull', subscription: 'audit', max: 2 },
      (last) => ((pulled = ackIds(last)), { op: 'acknowledge', subscription: 'audit', ackIds: [pulled[0]!] }),
      () => ({ op: 'modifyAckDeadline', subscription: 'audit', ackIds: [pulled[1]!], seconds: 0 }),
      { op: 'pull', subscription: 'audit', max: 1 },
      { op: 'advance', seconds: 11 },
      { op: 'pull', subscription: 'audit', max: 3 },
    ]);
    const audit = answers.map((a) => a.snapshot.pubsub!.subscriptions.find((x) => x.name === 'audit'));
    assert.equal(audit[5]!.outstanding, 2, 'two pulled');
    assert.equal(audit[7]!.outstanding, 0, 'acknowledged one, the other back to ready');
  });
});

describe('what time alone changes, in any diagram', () => {
  const topology: Topology = { nodes: [{ id: 'q', kind: 'queue', label: 'q', detail: '' }], edges: [] };
  it('a delayed message is visible once its delay is over: at the next record, or when the clock is moved on', () => {
    const r = recorder();
    const at = (m: OverlayModel) => m.node('q')!.counters;
    const scenario = new OverlayModel(topology);
    scenario.apply([r(0, 'sent', 'q', 'm1'), r(0, 'delayed', 'q', 'm1', undefined, { visibleAt: 5_000 })]);
    assert.equal(at(scenario).delayed, 1);
    scenario.apply([r(4_999, 'sent', 'q', 'm2')]);
    assert.equal(at(scenario).delayed, 1, 'not before its time');
    scenario.apply([r(6_000, 'sent', 'q', 'm3')]);
    assert.deepEqual([at(scenario).depth, at(scenario).delayed], [3, 0]);
    const playground = new OverlayModel(topology);
    playground.apply([r(0, 'sent', 'q', 'm1'), r(0, 'delayed', 'q', 'm1', undefined, { visibleAt: 5_000 })]);
    playground.advanceTo(4_000);
    assert.equal(at(playground).delayed, 1, 'not before its time');
    const changed = playground.advanceTo(5_000);
    assert.deepEqual(changed.nodes.map((n) => [n.id, n.counters.delayed, n.counters.depth]), [['q', 0, 1]]);
    assert.equal(changed.t, 5_000, 'the update is at the clock\'s time');
  });
  it('a message made visible again by ChangeMessageVisibility 0 is no longer in flight; a longer timeout keeps it there', () => {
    const r = recorder();
    const m = new OverlayModel(topology);
    m.apply([r(0, 'sent', 'q', 'm1'), r(0, 'sent', 'q', 'm2'), r(1, 'received', 'q', 'm1'), r(1, 'received', 'q', 'm2')]);
    m.apply([r(2, 'visibility-changed', 'q', 'm1', undefined, { visibilityTimeoutS: 0 }), r(2, 'visibility-changed', 'q', 'm2', undefined, { visibilityTimeoutS: 60 })]);
    assert.deepEqual([m.node('q')!.counters.depth, m.node('q')!.counters.inFlight], [2, 1]);
  });
});
