// The broker playground's RabbitMQ, Google Pub/Sub and Kinesis commands: the engine's semantics by
// hand (push deliveries the learner acks, nacks and rejects; pull, ack, deadline, seek; shards,
// iterators, resharding), refused commands that change nothing, and a journal that replays.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessExecutor, type LabApi } from '../../src/engine/executor';
import { awsProblems } from '../../src/export/awsRules';
import { playgroundScenario } from '../../src/export/playground';
import { Playground } from '../../src/playground/playground';
import type { PlaygroundCommand, PlaygroundSnapshot } from '../../src/playground/types';
import { childrenOf, rowOf, type BrokerNode } from '../../src/vscode/playground/model';

const dir = mkdtempSync(join(tmpdir(), 'playground-systems-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function handlerFile(executor: InProcessExecutor, name: string, make: (lab: LabApi) => (event: any) => unknown): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, 'export const handler = () => undefined;\n');
  executor.register(`${file}#handler`, (lab) => ({ handler: make(lab) }));
  return file;
}

function run(p: Playground, ...commands: PlaygroundCommand[]) {
  let last = p.apply(commands[0]);
  for (const c of commands.slice(1)) last = p.apply(c);
  return last;
}

function refused(p: Playground, command: unknown, pattern: RegExp): void {
  const before = JSON.stringify(p.query({ op: 'snapshot' }));
  const journal = JSON.stringify(p.journal());
  assert.throws(() => p.request(command as PlaygroundCommand), (err: Error) => (assert.match(err.message, pattern), true));
  assert.equal(JSON.stringify(p.query({ op: 'snapshot' })), before, `state unchanged after ${JSON.stringify(command)}`);
  assert.equal(JSON.stringify(p.journal()), journal);
}

const rabbitQueue = (s: PlaygroundSnapshot, name: string) => s.rabbitmq!.queues.find((q) => q.name === name)!;

describe('Playground: RabbitMQ, Google Pub/Sub and Kinesis', () => {
  describe('RabbitMQ', () => {
    it('a topic exchange routes by binding key; the learner\'s consumer gets pushed deliveries and acks them by tag', () => {
      const p = new Playground();
      run(
        p,
        { op: 'declareExchange', name: 'orders', type: 'topic' },
        { op: 'declareRabbitQueue', name: 'eu' },
        { op: 'declareRabbitQueue', name: 'all' },
        { op: 'bind', exchange: 'orders', queue: 'eu', routingKey: 'order.eu.*' },
        { op: 'bind', exchange: 'orders', queue: 'all', routingKey: 'order.#' },
      );
      const r = p.apply({ op: 'amqpPublish', exchange: 'orders', routingKey: 'order.eu.created', body: 'o1' });
      assert.match(r.message, /routed to eu, all/);
      assert.match(p.apply({ op: 'amqpPublish', exchange: 'orders', routingKey: 'invoice.paid', body: 'x' }).message, /unroutable: dropped/);
      assert.equal(p.snapshot().rabbitmq!.exchanges[0].unroutable, 1);
      p.apply({ op: 'amqpConsume', queue: 'eu', prefetch: 1 });
      let eu = rabbitQueue(p.snapshot(), 'eu');
      assert.deepEqual([eu.ready, eu.unacked], [0, 1]);
      const tag = eu.messages[0].deliveryTag!;
      assert.equal(eu.messages[0].state, 'unacked');
      p.apply({ op: 'amqpNack', deliveryTag: tag });
      eu = rabbitQueue(p.snapshot(), 'eu');
      assert.equal(eu.messages[0].redelivered, true, 'a requeued message comes back with redelivered set');
      p.apply({ op: 'amqpAck', deliveryTag: eu.messages[0].deliveryTag! });
      eu = rabbitQueue(p.snapshot(), 'eu');
      assert.deepEqual([eu.ready, eu.unacked], [0, 0]);
      refused(p, { op: 'amqpAck', deliveryTag: 99 }, /^deliveryTag: you hold no delivery 99/);
    });

    it('prefetch holds back deliveries until the consumer acks; basic.get pulls; restart drops transient queues and messages', () => {
      const p = new Playground();
      run(p, { op: 'declareRabbitQueue', name: 'work' }, { op: 'declareRabbitQueue', name: 'temp', durable: false, exclusive: true });
      for (const body of ['a', 'b', 'c']) p.apply({ op: 'amqpPublish', exchange: '', routingKey: 'work', body });
      p.apply({ op: 'amqpPublish', exchange: '', routingKey: 'work', body: 'gone', persistent: false });
      p.apply({ op: 'amqpConsume', queue: 'work', prefetch: 2 });
      let work = rabbitQueue(p.snapshot(), 'work');
      assert.deepEqual([work.ready, work.unacked], [2, 2]);
      assert.equal(p.snapshot().rabbitmq!.consumers[0].holding, 2);
      p.apply({ op: 'amqpAck', deliveryTag: 1 });
      work = rabbitQueue(p.snapshot(), 'work');
      assert.deepEqual([work.ready, work.unacked], [1, 2], 'an ack makes room: the next message is pushed');
      p.apply({ op: 'restartBroker' });
      const s = p.snapshot();
      assert.deepEqual(s.rabbitmq!.queues.map((q) => q.name), ['work'], 'the exclusive, transient queue went with the connection');
      assert.deepEqual(rabbitQueue(s, 'work').messages.map((m) => m.body), ['b', 'c'], 'unacked deliveries came back; the transient message is gone');
      assert.deepEqual(s.rabbitmq!.consumers, []);
      const got = p.apply({ op: 'amqpGet', queue: 'work' }).result as { body: string; deliveryTag: number };
      assert.equal(got.body, 'b');
      p.apply({ op: 'amqpReject', deliveryTag: got.deliveryTag, requeue: false });
      assert.equal(rabbitQueue(p.snapshot(), 'work').ready, 1);
    });

    it('refuses bad commands naming the field: unknown exchange, a delivery limit on a classic queue, a deleted exchange still bound', () => {
      const p = new Playground();
      run(p, { op: 'declareExchange', name: 'x', type: 'fanout' }, { op: 'declareRabbitQueue', name: 'q' }, { op: 'bind', exchange: 'x', queue: 'q' });
      refused(p, { op: 'bind', exchange: 'y', queue: 'q' }, /^exchange: no exchange "y"/);
      refused(p, { op: 'declareRabbitQueue', name: 'c', deliveryLimit: 3 }, /^deliveryLimit: only quorum queues/);
      refused(p, { op: 'declareRabbitQueue', name: 'x' }, /^name: "x" is already the name of a exchange/);
      refused(p, { op: 'createQueue', name: 'q' }, /^name: "q" is already the name of a rabbit queue/);
      refused(p, { op: 'delete', kind: 'exchange', name: 'x' }, /still used by its binding to queue "q"/);
      refused(p, { op: 'amqpPublish', exchange: 'x', body: 'b', headers: { n: [1] } }, /^headers.n: must be a string/);
      refused(p, { op: 'declareExchange', name: 'z', type: 'round-robin' }, /^type: must be one of direct, fanout, topic, headers/);
      p.apply({ op: 'unbind', exchange: 'x', queue: 'q' });
      p.apply({ op: 'delete', kind: 'exchange', name: 'x' });
      assert.deepEqual(p.snapshot().rabbitmq!.exchanges, []);
    });

    it('an attached handler consumes a queue; failures are requeued and redelivered', () => {
      const executor = new InProcessExecutor();
      const seen: Array<[string, boolean]> = [];
      const file = handlerFile(executor, 'rmq', () => (m) => {
        seen.push([m.content, m.fields.redelivered]);
        if (!m.fields.redelivered) throw new Error('first try');
      });
      const p = new Playground({ executor });
      run(p, { op: 'declareRabbitQueue', name: 'jobs' }, { op: 'attachHandler', function: 'worker', file, rabbitQueue: 'jobs', prefetch: 1 }, { op: 'amqpPublish', exchange: '', routingKey: 'jobs', body: 'j1' });
      assert.deepEqual(seen, [['j1', false], ['j1', true]]);
      assert.equal(p.snapshot().functions[0].trigger, 'rabbitQueue:jobs');
      refused(p, { op: 'delete', kind: 'rabbitQueue', name: 'jobs' }, /still used by function "worker"/);
    });
  });

  describe('Google Pub/Sub', () => {
    it('pull, ack deadline, modifyAckDeadline, acknowledge, seek to a time with retained acks', () => {
      const p = new Playground();
      run(p, { op: 'createPubSubTopic', name: 'events' }, { op: 'createSubscription', topic: 'events', name: 'events-pull', ackDeadlineS: 10, retainAckedMessages: true });
      p.apply({ op: 'pubsubPublish', topic: 'events', data: 'e1', attributes: { kind: 'a' } });
      const pulled = p.apply({ op: 'pull', subscription: 'events-pull' }).result as Array<{ ackId: string; message: { data: string } }>;
      assert.deepEqual(pulled.map((m) => m.message.data), ['e1']);
      const sub = () => p.snapshot().pubsub!.subscriptions[0];
      assert.equal(sub().messages[0].state, 'outstanding');
      assert.equal(sub().messages[0].ackId, pulled[0].ackId);
      p.apply({ op: 'advance', seconds: 10 });
      assert.equal(sub().messages[0].state, 'ready', 'not acked within the deadline: redelivered');
      const again = p.apply({ op: 'pull', subscription: 'events-pull' }).result as Array<{ ackId: string }>;
      p.apply({ op: 'modifyAckDeadline', subscription: 'events-pull', ackIds: [again[0].ackId], seconds: 60 });
      p.apply({ op: 'advance', seconds: 30 });
      assert.equal(sub().messages[0].state, 'outstanding', 'the extended deadline holds');
      p.apply({ op: 'acknowledge', subscription: 'events-pull', ackIds: [again[0].ackId] });
      assert.equal(sub().unacked, 0);
      p.apply({ op: 'seek', subscription: 'events-pull', timeS: 0 });
      assert.equal(sub().unacked, 1, 'seek to a time before the publish marks the retained acked message unacked');
      refused(p, { op: 'seek', subscription: 'events-pull' }, /^timeS: give exactly one of timeS/);
      refused(p, { op: 'acknowledge', subscription: 'events-pull', ackIds: [] }, /^ackIds: must be a non-empty array/);
      refused(p, { op: 'pubsubPublish', topic: 'events', data: 'x', attributes: { n: 1 } }, /^attributes.n: must be a string/);
      refused(p, { op: 'createSubscription', topic: 'events', name: 'filtered', filter: 'attributes.kind = a' }, /^filter: expected a quoted value/);
    });

    it('attaching a handler to a topic makes a push subscription; detaching removes it', () => {
      const executor = new InProcessExecutor();
      const got: string[] = [];
      const file = handlerFile(executor, 'push', () => (body) => void got.push(body.message.text));
      const p = new Playground({ executor });
      run(p, { op: 'createPubSubTopic', name: 'news' }, { op: 'attachHandler', function: 'reader', file, pubsubTopic: 'news' }, { op: 'pubsubPublish', topic: 'news', data: 'hello' });
      assert.deepEqual(got, ['hello']);
      const sub = p.snapshot().pubsub!.subscriptions[0];
      assert.deepEqual([sub.name, sub.delivery], ['reader-push', { push: 'reader' }]);
      refused(p, { op: 'delete', kind: 'subscription', name: 'reader-push' }, /still used by function "reader"/);
      p.apply({ op: 'detachHandler', function: 'reader' });
      assert.deepEqual(p.snapshot().pubsub!.subscriptions, []);
    });
  });

  describe('Kinesis', () => {
    it('put records by partition key, read with iterators, split and merge shards', () => {
      const p = new Playground();
      p.apply({ op: 'createKinesisStream', name: 'clicks', shards: 2 });
      const puts = ['u1', 'u2', 'u3', 'u4'].map((k) => p.apply({ op: 'putRecord', stream: 'clicks', partitionKey: k, data: `click-${k}` }).result as { shardId: string; sequenceNumber: string });
      const shard = puts[0].shardId;
      const page = p.apply({ op: 'getRecords', stream: 'clicks', shardId: shard }).result as { records: Array<{ partitionKey: string }>; nextShardIterator: string };
      assert.deepEqual(page.records.map((r) => r.partitionKey), puts.filter((x) => x.shardId === shard).map((_x, i) => ['u1', 'u2', 'u3', 'u4'].filter((_k, j) => puts[j].shardId === shard)[i]));
      p.apply({ op: 'putRecord', stream: 'clicks', partitionKey: 'u1', data: 'more' });
      const next = p.apply({ op: 'getRecords', stream: 'clicks', shardIterator: page.nextShardIterator }).result as { records: Array<{ data: string }> };
      assert.deepEqual(next.records.map((r) => r.data), ['more'], 'the next iterator goes on where the last read ended');
      const split = p.apply({ op: 'splitShard', stream: 'clicks', shardId: 'shardId-000000000000' }).result as { children: string[] };
      assert.equal(split.children.length, 2);
      const k = p.snapshot().kinesis![0];
      assert.deepEqual(k.shards.map((s) => [s.shardId, s.open]), [['shardId-000000000000', false], ['shardId-000000000001', true], ['shardId-000000000002', true], ['shardId-000000000003', true]]);
      refused(p, { op: 'mergeShards', stream: 'clicks', shardId: 'shardId-000000000001', adjacentShardId: 'shardId-000000000002' }, /not adjacent/);
      p.apply({ op: 'mergeShards', stream: 'clicks', shardId: 'shardId-000000000002', adjacentShardId: 'shardId-000000000003' });
      refused(p, { op: 'putRecord', stream: 'clicks', partitionKey: '', data: 'x' }, /^partitionKey: must be 1–256 characters/);
      refused(p, { op: 'getRecords', stream: 'clicks' }, /^shardId: is required without a shardIterator/);
      refused(p, { op: 'getRecords', stream: 'clicks', shardId: 'shardId-000000000001', iteratorType: 'AT_SEQUENCE_NUMBER' }, /^sequenceNumber: AT_SEQUENCE_NUMBER needs a sequence number/);
    });

    it('an iterator expires after 5 minutes of virtual time', () => {
      const p = new Playground();
      p.apply({ op: 'createKinesisStream', name: 's' });
      const page = p.apply({ op: 'getRecords', stream: 's', shardId: 'shardId-000000000000' }).result as { nextShardIterator: string };
      p.apply({ op: 'advance', seconds: 301 });
      refused(p, { op: 'getRecords', stream: 's', shardIterator: page.nextShardIterator }, /iterators expire after 5 minutes/);
    });
  });

  it('the journal replays every system to the same state', () => {
    const p = new Playground();
    run(
      p,
      { op: 'declareExchange', name: 'orders', type: 'direct' },
      { op: 'declareRabbitQueue', name: 'billing', type: 'quorum' },
      { op: 'bind', exchange: 'orders', queue: 'billing', routingKey: 'bill' },
      { op: 'amqpPublish', exchange: 'orders', routingKey: 'bill', body: 'b1' },
      { op: 'amqpConsume', queue: 'billing', prefetch: 1 },
      { op: 'createPubSubTopic', name: 'events' },
      { op: 'createSubscription', topic: 'events', name: 'events-pull', enableMessageOrdering: true },
      { op: 'pubsubPublish', topic: 'events', data: 'e1', orderingKey: 'k' },
      { op: 'pull', subscription: 'events-pull' },
      { op: 'createKinesisStream', name: 'clicks', shards: 3 },
      { op: 'putRecord', stream: 'clicks', partitionKey: 'a', data: 'x' },
    );
    const again = new Playground();
    const r = again.restore(p.journal());
    assert.deepEqual(r.skipped, []);
    assert.equal(JSON.stringify(again.snapshot()), JSON.stringify(p.snapshot()));
    assert.deepEqual(again.simulation.topology(), p.simulation.topology());
  });

  it('the Broker Explorer shows each system with its resources, counts and held messages', () => {
    const p = new Playground();
    run(
      p,
      { op: 'declareExchange', name: 'orders', type: 'topic' },
      { op: 'declareRabbitQueue', name: 'billing', type: 'quorum', deliveryLimit: 3 },
      { op: 'bind', exchange: 'orders', queue: 'billing', routingKey: 'order.*' },
      { op: 'amqpPublish', exchange: 'orders', routingKey: 'order.new', body: 'o1' },
      { op: 'amqpConsume', queue: 'billing' },
      { op: 'createPubSubTopic', name: 'events' },
      { op: 'createSubscription', topic: 'events', name: 'events-pull' },
      { op: 'pubsubPublish', topic: 'events', data: 'e1' },
      { op: 'createKinesisStream', name: 'clicks', shards: 2 },
      { op: 'putRecord', stream: 'clicks', partitionKey: 'u', data: 'c1' },
    );
    const s = p.snapshot();
    const walk = (node?: BrokerNode, depth = 0): string[] => childrenOf(s, node).flatMap((child) => {
      const row = rowOf(s, child);
      return [`${'  '.repeat(depth)}${row.label}${row.description ? ` — ${row.description}` : ''}`, ...walk(child, depth + 1)];
    });
    const text = walk().join('\n');
    for (const line of [
      'RabbitMQ — 1 exchange · 1 queue',
      'orders — topic · 1 published',
      'order.* → billing',
      'billing — quorum · 0 ready · 1 unacked · 1 consumer',
      'o1 — unacked · tag 1',
      'Google Pub/Sub — 1 topic · 1 subscription',
      'events — 1 subscription · 1 published',
      'events-pull — pull · 1 unacked',
      'e1 — ready',
      'Kinesis — 1 stream',
      'clicks — 2 shards · 1 record',
    ]) assert.ok(text.includes(line), `${line}\n---\n${text}`);
  });
});

describe('Playground export: the other systems', () => {
  it('a playground with RabbitMQ is read back as a scenario, which the export refuses naming rabbitmq', () => {
    const journal: PlaygroundCommand[] = [
      { op: 'declareExchange', name: 'orders', type: 'fanout' },
      { op: 'declareRabbitQueue', name: 'billing' },
      { op: 'bind', exchange: 'orders', queue: 'billing' },
      { op: 'amqpPublish', exchange: 'orders', body: 'x' },
      { op: 'createKinesisStream', name: 'clicks', shards: 2 },
    ];
    const { scenario, dataCommands } = playgroundScenario(journal);
    assert.equal(dataCommands, 1);
    assert.deepEqual(scenario.rabbitmq, { exchanges: [{ name: 'orders', type: 'fanout' }], queues: [{ name: 'billing' }], bindings: [{ exchange: 'orders', queue: 'billing' }] });
    assert.deepEqual(scenario.kinesisStreams, [{ name: 'clicks', shards: 2 }]);
    assert.deepEqual(awsProblems(scenario).map((p) => p.path), ['rabbitmq', 'kinesisStreams']);
  });
});
