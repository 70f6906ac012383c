// The broker playground: a live, empty cloud driven by hand, with the engine's real semantics, a
// journal that rebuilds the same state, and refused commands that change nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { InProcessExecutor, type LabApi } from '../../src/engine/executor';
import type { ReceivedMessage } from '../../src/engine/queue';
import { Playground } from '../../src/playground/playground';
import { SETTLE_MS, type PlaygroundCommand, type PlaygroundSnapshot, type QueueView } from '../../src/playground/types';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';

const dir = mkdtempSync(join(tmpdir(), 'playground-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A handler file on disk (its content only matters to the isolate executor) registered in-process. */
function handlerFile(executor: InProcessExecutor, name: string, make: (lab: LabApi) => (event: any) => unknown): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, 'export const handler = () => undefined;\n');
  executor.register(`${file}#handler`, (lab) => ({ handler: make(lab) }));
  return file;
}

function queue(s: PlaygroundSnapshot, name: string): QueueView {
  const q = s.queues.find((x) => x.name === name);
  assert.ok(q, `queue ${name} in the snapshot`);
  return q;
}

/** Apply commands; returns the last response. */
function run(p: Playground, ...commands: PlaygroundCommand[]) {
  let last = p.apply(commands[0]);
  for (const c of commands.slice(1)) last = p.apply(c);
  return last;
}

/** Asserts `command` is refused with a message matching `pattern`, and that state and journal did not change. */
function refused(p: Playground, command: unknown, pattern: RegExp): void {
  const before = JSON.stringify(p.query({ op: 'snapshot' }));
  const journal = JSON.stringify(p.journal());
  assert.throws(() => p.request(command as PlaygroundCommand), (err: Error) => {
    assert.match(err.message, pattern);
    return true;
  });
  assert.equal(JSON.stringify(p.query({ op: 'snapshot' })), before, `state unchanged after ${JSON.stringify(command)}`);
  assert.equal(JSON.stringify(p.journal()), journal);
}

describe('Playground', () => {
  it('a received message is hidden for the visibility timeout and comes back after advance', () => {
    const p = new Playground();
    run(p, { op: 'createQueue', name: 'orders', visibilityTimeoutS: 10 }, { op: 'send', queue: 'orders', body: 'hello' });
    assert.equal(queue(p.snapshot(), 'orders').depth.visible, 1);
    const r = p.apply({ op: 'receive', queue: 'orders' });
    const [m] = r.result as ReceivedMessage[];
    assert.equal(m.body, 'hello');
    const held = queue(r.snapshot, 'orders').messages[0];
    assert.equal(held.state, 'in-flight');
    assert.equal(held.receiptHandle, m.receiptHandle, 'the snapshot shows the handle of the playground receive');
    assert.deepEqual((p.apply({ op: 'receive', queue: 'orders' }).result as unknown[]).length, 0, 'nothing visible while in flight');
    const back = p.apply({ op: 'advance', seconds: 10 });
    const msg = queue(back.snapshot, 'orders').messages[0];
    assert.equal(msg.state, 'visible');
    assert.equal(msg.receiptHandle, undefined, 'a stale handle is not shown');
    assert.equal(msg.receiveCount, 1);
  });

  it('deleteMessage with the latest handle deletes; changeVisibility 0 returns the message at once', () => {
    const p = new Playground();
    run(p, { op: 'createQueue', name: 'q' }, { op: 'send', queue: 'q', body: 'a' }, { op: 'send', queue: 'q', body: 'b' });
    const [a, b] = p.apply({ op: 'receive', queue: 'q', max: 2 }).result as ReceivedMessage[];
    p.apply({ op: 'deleteMessage', queue: 'q', receiptHandle: a.receiptHandle });
    p.apply({ op: 'changeVisibility', queue: 'q', receiptHandle: b.receiptHandle, visibilityTimeoutS: 0 });
    const view = queue(p.snapshot(), 'q');
    assert.deepEqual(view.messages.map((m) => [m.body, m.state]), [['b', 'visible']]);
    // An old handle of the queue: accepted, deletes nothing (SQS DeleteMessage); a foreign one is refused.
    const again = p.apply({ op: 'deleteMessage', queue: 'q', receiptHandle: a.receiptHandle });
    assert.deepEqual(queue(again.snapshot, 'q').messages.map((m) => m.body), ['b']);
    refused(p, { op: 'deleteMessage', queue: 'q', receiptHandle: 'not-a-handle' }, /receipt handle|ReceiptHandle/i);
  });

  it('a message received maxReceiveCount times moves to the dead-letter queue', () => {
    const p = new Playground();
    run(p, { op: 'createQueue', name: 'dlq' }, { op: 'createQueue', name: 'work', visibilityTimeoutS: 5, deadLetter: { queue: 'dlq', maxReceiveCount: 2 } }, { op: 'send', queue: 'work', body: 'poison' });
    for (let i = 0; i < 2; i++) run(p, { op: 'receive', queue: 'work' }, { op: 'advance', seconds: 5 });
    const r = p.apply({ op: 'receive', queue: 'work' });
    assert.deepEqual(r.result, [], 'the third receive moves it instead of returning it');
    assert.equal(queue(r.snapshot, 'work').depth.visible, 0);
    assert.deepEqual(queue(r.snapshot, 'dlq').messages.map((m) => m.body), ['poison']);
    assert.equal(queue(r.snapshot, 'dlq').isDeadLetterQueue, true);
    assert.deepEqual(queue(r.snapshot, 'work').deadLetter, { queue: 'dlq', maxReceiveCount: 2 });
  });

  it('a FIFO queue delivers a group in order, one in flight at a time, and deduplicates', () => {
    const p = new Playground();
    run(
      p,
      { op: 'createQueue', name: 'jobs.fifo', fifo: true, contentBasedDeduplication: true },
      { op: 'send', queue: 'jobs.fifo', body: '1', groupId: 'a' },
      { op: 'send', queue: 'jobs.fifo', body: '2', groupId: 'a' },
      { op: 'send', queue: 'jobs.fifo', body: 'x', groupId: 'b' },
    );
    const dup = p.apply({ op: 'send', queue: 'jobs.fifo', body: '1', groupId: 'a' });
    assert.match(dup.message, /duplicate/);
    assert.equal(queue(dup.snapshot, 'jobs.fifo').messages.length, 3);
    const got = p.apply({ op: 'receive', queue: 'jobs.fifo', max: 10 }).result as ReceivedMessage[];
    assert.deepEqual(got.map((m) => m.body), ['1', '2', 'x']);
    const again = p.apply({ op: 'receive', queue: 'jobs.fifo', max: 10 }).result as ReceivedMessage[];
    assert.equal(again.length, 0, 'groups with messages in flight deliver nothing more');
    p.apply({ op: 'deleteMessage', queue: 'jobs.fifo', receiptHandle: got[0].receiptHandle });
    refused(p, { op: 'send', queue: 'jobs.fifo', body: 'no group' }, /groupId/);
    refused(p, { op: 'createQueue', name: 'plain.fifo' }, /name: .*FIFO|\.fifo/);
  });

  it('a FIFO topic deduplicates a repeated publish; String.Array attributes filter by element', () => {
    const p = new Playground();
    run(
      p,
      { op: 'createTopic', name: 'ledger.fifo', fifo: true },
      { op: 'createQueue', name: 'book.fifo', fifo: true, contentBasedDeduplication: true },
      { op: 'subscribe', topic: 'ledger.fifo', queue: 'book.fifo', rawDelivery: true },
      { op: 'createTopic', name: 'news' },
      { op: 'createQueue', name: 'sport' },
      { op: 'subscribe', topic: 'news', queue: 'sport', filterPolicy: { tags: ['sport'] }, rawDelivery: true },
    );
    refused(p, { op: 'publish', topic: 'ledger.fifo', body: 'x', groupId: 'a' }, /^deduplicationId: is required/);
    p.apply({ op: 'publish', topic: 'ledger.fifo', body: 'deposit', groupId: 'a', deduplicationId: 'tx-1' });
    const again = p.apply({ op: 'publish', topic: 'ledger.fifo', body: 'deposit', groupId: 'a', deduplicationId: 'tx-1' });
    assert.match(again.message, /deduplicated/);
    assert.equal(queue(again.snapshot, 'book.fifo').messages.length, 1);
    run(p, { op: 'publish', topic: 'news', body: 'goal', attributes: { tags: ['sport', 'final'] } }, { op: 'publish', topic: 'news', body: 'vote', attributes: { tags: ['politics'] } });
    const s = p.snapshot();
    assert.deepEqual(queue(s, 'sport').messages.map((m) => [m.body, m.attributes?.tags]), [['goal', '["sport","final"]']]);
    refused(p, { op: 'publish', topic: 'news', body: 'x', attributes: { tags: [{ a: 1 }] as never } }, /^attributes\.tags\[0\]: a String\.Array holds/);
    refused(p, { op: 'createTopic', name: 'plain', contentBasedDeduplication: true }, /^contentBasedDeduplication: only FIFO topics/);
  });

  it('a compacted stream takes a tombstone, and its cleaner removes the key; the partitioner is an option', () => {
    const p = new Playground();
    run(p, { op: 'createStream', name: 'users', cleanupPolicy: 'compact', deleteRetentionMs: 60_000 }, { op: 'produce', stream: 'users', value: 'Ann', key: 'u1' });
    const tomb = p.apply({ op: 'produce', stream: 'users', tombstone: true, key: 'u1' });
    assert.match(tomb.message, /tombstone/);
    p.apply({ op: 'advance', seconds: 30 });
    assert.deepEqual(p.snapshot().streams[0].partitions[0].latest.map((r) => r.value), [null]);
    refused(p, { op: 'produce', stream: 'users', key: 'u2' }, /^value: is required/);
    refused(p, { op: 'produce', stream: 'users', key: 'u2', value: 'x', tombstone: true }, /^value: a tombstone has no value/);
    refused(p, { op: 'createStream', name: 'rr', partitioner: 'random' }, /^partitioner: must be one of sticky, round-robin/);
    run(p, { op: 'createStream', name: 'rr', partitions: 2, partitioner: 'round-robin' });
    const parts = [0, 1, 2, 3].map(() => (p.apply({ op: 'produce', stream: 'rr', value: 'v' }).result as { partition: number }).partition);
    assert.deepEqual(parts, [0, 1, 0, 1]);
  });

  it('a topic fans out through filter policies; a subscription made after a publish gets nothing of it', () => {
    const p = new Playground();
    run(
      p,
      { op: 'createTopic', name: 'news' },
      { op: 'createQueue', name: 'all' },
      { op: 'createQueue', name: 'sport' },
      { op: 'subscribe', topic: 'news', queue: 'all', rawDelivery: true },
      { op: 'subscribe', topic: 'news', queue: 'sport', filterPolicy: { section: ['sport'] }, rawDelivery: true },
      { op: 'publish', topic: 'news', body: 'goal', attributes: { section: 'sport' } },
      { op: 'publish', topic: 'news', body: 'vote', attributes: { section: 'politics' } },
      { op: 'createQueue', name: 'late' },
      { op: 'subscribe', topic: 'news', queue: 'late', rawDelivery: true },
    );
    const s = p.snapshot();
    assert.deepEqual(queue(s, 'all').messages.map((m) => m.body), ['goal', 'vote']);
    assert.deepEqual(queue(s, 'sport').messages.map((m) => m.body), ['goal']);
    assert.equal(queue(s, 'sport').messages[0].attributes?.section, 'sport');
    assert.deepEqual(queue(s, 'late').messages, []);
    const topic = s.topics[0];
    assert.equal(topic.published, 2);
    assert.deepEqual(topic.subscriptions.map((x) => x.endpoint), ['all', 'sport', 'late']);
    assert.deepEqual(topic.subscriptions[1].filterPolicy, { section: ['sport'] });
    const sub = topic.subscriptions[2].id;
    p.apply({ op: 'unsubscribe', topic: 'news', subscription: sub });
    assert.deepEqual(p.snapshot().topics[0].subscriptions.map((x) => x.endpoint), ['all', 'sport']);
    const edges = p.query({ op: 'snapshot' }).topology.edges.filter((e) => e.kind === 'subscription');
    assert.deepEqual(edges.map((e) => e.to), ['all', 'sport']);
  });

  it('a stream keeps keyed order per partition; consume commits, replay rewinds', () => {
    const p = new Playground();
    p.apply({ op: 'createStream', name: 'clicks', partitions: 3 });
    for (let i = 0; i < 6; i++) p.apply({ op: 'produce', stream: 'clicks', key: `user-${i % 2}`, value: `v${i}` });
    const s = p.snapshot().streams[0];
    const withRecords = s.partitions.filter((x) => x.endOffset > 0);
    for (const part of withRecords) {
      const keys = new Set(part.latest.map((r) => r.key));
      for (const key of keys) {
        const values = part.latest.filter((r) => r.key === key).map((r) => Number(r.value!.slice(1)));
        assert.deepEqual(values, [...values].sort((a, b) => a - b), `key ${key} in order`);
      }
    }
    const user0 = s.partitions.find((x) => x.latest.some((r) => r.key === 'user-0'))!;
    assert.equal(user0.latest.filter((r) => r.key === 'user-0').length, 3, 'one key, one partition');

    const first = p.apply({ op: 'consume', stream: 'clicks', group: 'g', max: 100 });
    assert.equal((first.result as unknown[]).length, 6);
    const g = first.snapshot.streams[0].groups.find((x) => x.id === 'g')!;
    assert.ok(g.partitions.every((x) => x.lag === 0));
    assert.equal((p.apply({ op: 'consume', stream: 'clicks', group: 'g' }).result as unknown[]).length, 0, 'committed: nothing left');
    const back = p.apply({ op: 'replay', stream: 'clicks', group: 'g' });
    const lag = back.snapshot.streams[0].groups.find((x) => x.id === 'g')!.partitions.reduce((n, x) => n + x.lag, 0);
    assert.equal(lag, 6);
    const one = p.apply({ op: 'consume', stream: 'clicks', group: 'g', partition: user0.partition, offset: 1, max: 1 });
    assert.deepEqual(
      (one.result as Array<{ offset: number }>).map((r) => r.offset),
      [1],
    );
    const committed = one.snapshot.streams[0].groups.find((x) => x.id === 'g')!.partitions[user0.partition].committed;
    assert.equal(committed, 2);
    refused(p, { op: 'consume', stream: 'clicks', group: 'g', offset: 0 }, /partition: is required/);
    refused(p, { op: 'consume', stream: 'clicks', group: 'g', partition: 0, offset: 99 }, /offset: must be between/);
    refused(p, { op: 'replay', stream: 'clicks', group: 'nope' }, /group: .*no consumer group/);
    const inspected = p.query({ op: 'inspect', stream: 'clicks', partition: user0.partition, offset: 0 }).result as { value: string; history: Array<{ kind: string }> };
    assert.ok(inspected.history.some((h) => h.kind === 'produced'));
  });

  it('a bus rule routes matching events to a queue', () => {
    const p = new Playground();
    run(
      p,
      { op: 'createBus', name: 'events' },
      { op: 'createQueue', name: 'paid' },
      { op: 'putRule', bus: 'events', rule: 'payments', pattern: { 'detail-type': ['OrderPaid'] }, targets: [{ queue: 'paid' }] },
      { op: 'putEvent', bus: 'events', source: 'shop', detailType: 'OrderPaid', detail: { id: 1 } },
      { op: 'putEvent', bus: 'events', source: 'shop', detailType: 'OrderShipped', detail: { id: 2 } },
    );
    const bodies = queue(p.snapshot(), 'paid').messages.map((m) => JSON.parse(m.body) as { detail: { id: number } });
    assert.deepEqual(bodies.map((b) => b.detail.id), [1]);
    assert.deepEqual(p.snapshot().buses[0].rules.map((r) => r.name), ['payments']);
    refused(p, { op: 'delete', kind: 'queue', name: 'paid' }, /rule "payments" on bus "events"/);
    refused(p, { op: 'delete', kind: 'bus', name: 'events' }, /still used by rule "payments"/);
    refused(p, { op: 'putRule', bus: 'events', rule: 'bad', pattern: { source: 'not-an-array' }, targets: [{ queue: 'paid' }] }, /^pattern\.source/);
    p.apply({ op: 'removeRule', bus: 'events', rule: 'payments' });
    p.apply({ op: 'delete', kind: 'queue', name: 'paid' });
    p.apply({ op: 'delete', kind: 'bus', name: 'events' });
    assert.deepEqual([p.snapshot().queues, p.snapshot().buses], [[], []]);
  });

  it('an attached handler consumes a queue; its errors show on the function, and it detaches', () => {
    const executor = new InProcessExecutor();
    const seen: string[] = [];
    const file = handlerFile(executor, 'worker', () => (event: { Records: Array<{ body: string }> }) => {
      for (const r of event.Records) {
        if (r.body === 'bad') throw new Error(`cannot handle ${r.body}`);
        seen.push(r.body);
      }
    });
    const p = new Playground({ executor });
    run(p, { op: 'createQueue', name: 'in', visibilityTimeoutS: 5 }, { op: 'attachHandler', function: 'worker', file, queue: 'in', batchSize: 1 }, { op: 'send', queue: 'in', body: 'ok-1' });
    assert.deepEqual(seen, ['ok-1']);
    assert.equal(queue(p.snapshot(), 'in').depth.visible + queue(p.snapshot(), 'in').depth.inFlight, 0, 'deleted after success');
    const s = p.apply({ op: 'send', queue: 'in', body: 'bad' }).snapshot;
    const fn = s.functions[0];
    assert.equal(fn.trigger, 'queue:in');
    assert.equal(fn.invocations, 2);
    assert.ok(fn.errors >= 1);
    assert.match(fn.lastError ?? '', /cannot handle bad/);
    assert.equal(queue(s, 'in').depth.inFlight, 1, 'a failed batch stays in flight until the timeout');
    assert.ok(p.query({ op: 'snapshot' }).topology.edges.some((e) => e.kind === 'event-source' && e.from === 'in' && e.to === 'worker'));
    refused(p, { op: 'delete', kind: 'queue', name: 'in' }, /function "worker" \(its event source\)/);
    p.apply({ op: 'detachHandler', function: 'worker' });
    p.apply({ op: 'advance', seconds: 10 });
    assert.equal(queue(p.snapshot(), 'in').depth.visible, 1, 'nobody consumes after detach');
    assert.deepEqual(p.snapshot().functions, []);
    // The name is free again.
    p.apply({ op: 'attachHandler', function: 'worker', file, queue: 'in' });
    assert.equal(p.snapshot().functions[0].name, 'worker');
  });

  it('a handler on a topic gets each publish; detaching it removes its subscription', () => {
    const executor = new InProcessExecutor();
    const got: string[] = [];
    const file = handlerFile(executor, 'listener', () => (event: { Records: Array<{ Sns: { Message: string } }> }) => void got.push(event.Records[0].Sns.Message));
    const p = new Playground({ executor });
    run(p, { op: 'createTopic', name: 't' }, { op: 'attachHandler', function: 'l', file, topic: 't' }, { op: 'publish', topic: 't', body: 'hi' });
    assert.deepEqual(got, ['hi']);
    assert.equal(p.snapshot().topics[0].subscriptions[0].endpoint, 'l');
    refused(p, { op: 'delete', kind: 'topic', name: 't' }, /subscription .* of topic "t"/);
    p.apply({ op: 'delete', kind: 'function', name: 'l' });
    assert.deepEqual(p.snapshot().topics[0].subscriptions, []);
    p.apply({ op: 'delete', kind: 'topic', name: 't' });
  });

  it('inspect shows one message with its history; journal lists the commands; reset empties everything', () => {
    const p = new Playground();
    run(p, { op: 'createQueue', name: 'q' }, { op: 'send', queue: 'q', body: 'b', attributes: { n: 1 } }, { op: 'receive', queue: 'q' });
    const id = queue(p.snapshot(), 'q').messages[0].messageId;
    const r = p.query({ op: 'inspect', queue: 'q', messageId: id }).result as { body: string; receiveCount: number; attributes: unknown; history: Array<{ kind: string }> };
    assert.equal(r.body, 'b');
    assert.equal(r.receiveCount, 1);
    assert.deepEqual(r.attributes, { n: 1 });
    assert.deepEqual(r.history.map((h) => h.kind), ['sent', 'received']);
    assert.deepEqual(p.query({ op: 'journal' }).result, p.journal());
    assert.equal(p.journal().length, 3);
    assert.equal(p.snapshot().now, 3 * SETTLE_MS);
    p.apply({ op: 'reset' });
    assert.deepEqual([p.journal(), p.snapshot().queues, p.now], [[], [], 0]);
  });

  it('bad input names the field, and changes nothing', () => {
    const p = new Playground();
    run(p, { op: 'createQueue', name: 'orders' }, { op: 'createTopic', name: 'news' }, { op: 'createStream', name: 's' }, { op: 'send', queue: 'orders', body: 'x' });
    const cases: Array<[unknown, RegExp]> = [
      [null, /must be an object/],
      [{ op: 'sendd', queue: 'orders', body: 'x' }, /^op: unknown operation "sendd" \(did you mean "send"\?\)/],
      [{ op: 'send', queue: 'orders' }, /^body: is required/],
      [{ op: 'send', queue: 'orders', body: 42 }, /^body: must be a string, got 42/],
      [{ op: 'send', queue: 'ordres', body: 'x' }, /^queue: unknown queue "ordres" \(did you mean "orders"\?\) \(known: orders\)/],
      [{ op: 'send', queue: 'orders', body: 'x', atributes: {} }, /^atributes: unknown field for send \(did you mean "attributes"\?\)/],
      [{ op: 'send', queue: 'orders', body: 'x', attributes: { a: true } }, /^attributes\.a: must be a string/],
      [{ op: 'send', queue: 'orders', body: 'x', delayS: 901 }, /^delayS: must be between 0 and 900/],
      [{ op: 'createQueue', name: 'orders' }, /^name: a queue named "orders" already exists/],
      [{ op: 'createQueue', name: 'q2', visibilityTimeoutS: 99999 }, /^visibilityTimeoutS: must be between 0 and 43200 seconds, got 99999/],
      [{ op: 'createQueue', name: 'q2', visibilityTimeoutS: '30' }, /^visibilityTimeoutS: must be a number, got "30"/],
      [{ op: 'createQueue', name: 'q2', fifo: 'yes' }, /^fifo: must be true or false/],
      [{ op: 'createQueue', name: 'q2', deadLetter: { queue: 'nope', maxReceiveCount: 3 } }, /^deadLetter\.queue: unknown queue "nope"/],
      [{ op: 'createQueue', name: 'q2', deadLetter: { queue: 'orders' } }, /^deadLetter\.maxReceiveCount: is required/],
      [{ op: 'createQueue', name: 'q2', deadLetter: { queue: 'orders', maxReceiveCount: 0 } }, /^deadLetter\.maxReceiveCount: must be an integer between 1 and 1000/],
      [{ op: 'createQueue', name: 'bad name' }, /^name: a queue name is/],
      [{ op: 'receive', queue: 'orders', max: 11 }, /^max: /],
      [{ op: 'receive', queue: 'orders', max: 1.5 }, /^max: must be an integer/],
      [{ op: 'changeVisibility', queue: 'orders', receiptHandle: 'nope', visibilityTimeoutS: 5 }, /receipt handle|ReceiptHandle/i],
      [{ op: 'subscribe', topic: 'news' }, /^queue: give exactly one endpoint/],
      [{ op: 'subscribe', topic: 'news', queue: 'orders', filterPolicyScope: 'Body' }, /^filterPolicyScope: must be one of MessageAttributes, MessageBody/],
      [{ op: 'subscribe', topic: 'news', queue: 'orders', filterPolicy: { a: 'x' } }, /^filterPolicy/],
      [{ op: 'unsubscribe', topic: 'news', subscription: 'sub-9' }, /^subscription: topic "news" has no subscription "sub-9"/],
      [{ op: 'publish', topic: 'newz', body: 'x' }, /^topic: unknown topic "newz" \(did you mean "news"\?\)/],
      [{ op: 'createStream', name: 's2', partitions: 0 }, /^partitions: /],
      [{ op: 'createStream', name: 's2', cleanupPolicy: 'keep' }, /^cleanupPolicy: must be one of delete, compact/],
      [{ op: 'produce', stream: 's', value: 'v', partition: 3 }, /^partition: /],
      [{ op: 'consume', stream: 's', group: 'g', max: 0 }, /^max: must be between 1 and 500/],
      [{ op: 'putRule', bus: 'none', rule: 'r', pattern: {}, targets: [{ queue: 'orders' }] }, /^bus: unknown bus "none"/],
      [{ op: 'putRule', bus: 'none', rule: 'r', pattern: {}, targets: [] }, /^targets: must be a non-empty array/],
      [{ op: 'putRule', bus: 'none', rule: 'r', pattern: {}, targets: [{ queue: 'a', function: 'b' }] }, /^targets\[0\]: give exactly one/],
      [{ op: 'delete', kind: 'table', name: 'x' }, /^kind: must be one of queue, topic, stream, bus, function/],
      [{ op: 'delete', kind: 'queue', name: 'nope' }, /^name: unknown queue "nope"/],
      [{ op: 'advance', seconds: 90_000 }, /^seconds: must be more than 0 and at most 86400/],
      [{ op: 'advance', seconds: -1 }, /^seconds: /],
      [{ op: 'advance', seconds: Number.NaN }, /^seconds: must be a number/],
      [{ op: 'attachHandler', function: 'f', file: 'relative.ts', queue: 'orders' }, /^file: must be an absolute path/],
      [{ op: 'attachHandler', function: 'f', file: join(dir, 'missing.ts'), queue: 'orders' }, /^file: no such file/],
      [{ op: 'attachHandler', function: 'f', file: join(dir, 'x.txt'), queue: 'orders' }, /^file: must be a \.ts/],
      [{ op: 'attachHandler', function: 'f', file: join(dir, 'x.ts'), queue: 'orders', topic: 'news' }, /^queue: give exactly one trigger/],
      [{ op: 'detachHandler', function: 'ghost' }, /^function: unknown function "ghost"/],
      [{ op: 'inspect', queue: 'orders', messageId: 'msg-99' }, /^messageId: queue orders holds no message/],
      [{ op: 'purge', queue: 'orders' }, /./], // second purge of the minute (the first one is below)
    ];
    p.apply({ op: 'purge', queue: 'orders' });
    p.apply({ op: 'send', queue: 'orders', body: 'again' });
    for (const [command, pattern] of cases) refused(p, command, pattern);
  });

  it('a bad handler name or batch size on attach is refused without defining anything', () => {
    const executor = new InProcessExecutor();
    const file = handlerFile(executor, 'h', () => () => undefined);
    const p = new Playground({ executor });
    run(p, { op: 'createQueue', name: 'q' }, { op: 'createTopic', name: 't' });
    refused(p, { op: 'attachHandler', function: 'bad name', file, queue: 'q' }, /^function: must be 1-64/);
    refused(p, { op: 'attachHandler', function: 'f', file, queue: 'q', batchSize: 20 }, /^batchingWindowS|^batchSize/);
    refused(p, { op: 'attachHandler', function: 'f', file, topic: 't', batchSize: 5 }, /^batchSize: applies to a queue, stream or kinesisStream trigger only/);
    refused(p, { op: 'attachHandler', function: 'f', file, queue: 'q', exportName: '1x' }, /^exportName: /);
    p.apply({ op: 'attachHandler', function: 'f', file, queue: 'q' });
    refused(p, { op: 'attachHandler', function: 'f', file, queue: 'q' }, /^function: a function named "f" already exists/);
  });

  it('restore rebuilds the same state; an entry that fails on replay is skipped and reported', () => {
    const executor = new InProcessExecutor();
    const file = handlerFile(executor, 'echo', (lab) => (event: { Records: Array<{ body: string }> }) => {
      for (const r of event.Records) lab.send('out', r.body.toUpperCase());
    });
    const live = new Playground({ executor });
    run(
      live,
      { op: 'createQueue', name: 'in' },
      { op: 'createQueue', name: 'out' },
      { op: 'attachHandler', function: 'echo', file, queue: 'in' },
      { op: 'send', queue: 'in', body: 'a' },
      { op: 'send', queue: 'in', body: 'b' },
      { op: 'advance', seconds: 30 },
      { op: 'receive', queue: 'out', max: 1 },
    );
    assert.deepEqual(queue(live.snapshot(), 'out').messages.map((m) => m.body).sort(), ['A', 'B']);
    const journal = live.journal();
    const copy = new Playground({ executor });
    const r = copy.query({ op: 'restore', journal });
    assert.deepEqual(r.result, { restored: journal.length, skipped: [] });
    assert.deepEqual(copy.snapshot(), live.snapshot());
    assert.deepEqual(copy.query({ op: 'snapshot' }).topology, live.query({ op: 'snapshot' }).topology);

    const broken = [journal[0], { op: 'send', queue: 'missing', body: 'x' }, ...journal.slice(1)] as PlaygroundCommand[];
    const partial = new Playground({ executor });
    const result = partial.restore(broken);
    assert.equal(result.restored, journal.length);
    assert.deepEqual(result.skipped.map((s) => [s.index, s.op]), [[1, 'send']]);
    assert.match(result.skipped[0].error, /unknown queue "missing"/);
    assert.deepEqual(queue(partial.snapshot(), 'out').messages.map((m) => m.body).sort(), ['A', 'B']);
  });

  it('property: replaying the journal of any command sequence gives the live snapshot', () => {
    const names = ['a', 'b', 'c'];
    const name = fc.constantFrom(...names);
    const command: fc.Arbitrary<PlaygroundCommand> = fc.oneof(
      fc.record({ op: fc.constant('createQueue' as const), name, visibilityTimeoutS: fc.constantFrom(0, 5, 30, 99999) }),
      fc.record({ op: fc.constant('createQueue' as const), name, deadLetter: fc.record({ queue: name, maxReceiveCount: fc.integer({ min: 1, max: 3 }) }) }),
      fc.record({ op: fc.constant('createTopic' as const), name }),
      fc.record({ op: fc.constant('subscribe' as const), topic: name, queue: name, rawDelivery: fc.boolean() }),
      fc.record({ op: fc.constant('createStream' as const), name, partitions: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constant('send' as const), queue: name, body: fc.string({ maxLength: 5 }) }),
      fc.record({ op: fc.constant('receive' as const), queue: name, max: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constant('publish' as const), topic: name, body: fc.string({ maxLength: 5 }) }),
      fc.record({ op: fc.constant('produce' as const), stream: name, value: fc.string({ maxLength: 5 }), key: fc.constantFrom('k1', 'k2') }),
      fc.record({ op: fc.constant('consume' as const), stream: name, group: fc.constantFrom('g1', 'g2'), max: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constant('replay' as const), stream: name, group: fc.constantFrom('g1', 'g2') }),
      fc.record({ op: fc.constant('purge' as const), queue: name }),
      fc.record({ op: fc.constant('delete' as const), kind: fc.constantFrom('queue' as const, 'topic' as const, 'stream' as const), name }),
      fc.record({ op: fc.constant('advance' as const), seconds: fc.constantFrom(1, 10, 60) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const live = new Playground();
        for (const c of commands) {
          try {
            live.apply(c);
          } catch {
            /* refused: changes nothing, so the journal does not have it either */
          }
        }
        const copy = new Playground();
        const r = copy.restore(live.journal());
        assert.deepEqual(r.skipped, []);
        assert.deepEqual(copy.snapshot(), live.snapshot());
      }),
      { numRuns: 150 },
    );
  });

  it('the isolate executor runs a .ts handler file attached from a temp folder', function () {
    this.timeout(20_000);
    const folder = mkdtempSync(join(tmpdir(), 'playground-isolate-'));
    try {
      const file = join(folder, 'upper.ts');
      writeFileSync(
        file,
        [
          "import { send } from 'serverless-lab';",
          'let calls = 0;',
          'export async function handler(event: { Records: Array<{ body: string }> }): Promise<void> {',
          '  calls++;',
          "  for (const r of event.Records) { if (r.body === 'boom') throw new Error('boom in the sandbox'); await send('out', `${r.body.toUpperCase()}#${calls}`); }",
          '}',
          '',
        ].join('\n'),
      );
      const executor = new IsolateExecutor();
      const p = new Playground({ executor });
      run(p, { op: 'createQueue', name: 'in', visibilityTimeoutS: 60 }, { op: 'createQueue', name: 'out' }, { op: 'attachHandler', function: 'upper', file, queue: 'in' }, { op: 'send', queue: 'in', body: 'hi' });
      assert.deepEqual(queue(p.snapshot(), 'out').messages.map((m) => m.body), ['HI#1']);
      const s = p.apply({ op: 'send', queue: 'in', body: 'boom' }).snapshot;
      assert.match(s.functions[0].lastError ?? '', /boom in the sandbox/);
      assert.equal(s.functions[0].coldStarts, 1);
      p.apply({ op: 'reset' });
      assert.equal(executor.size, 0, 'reset disposes every isolate');
      executor.dispose();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('Playground: environment variables of an attached handler', () => {
  it("a handler reads its queue's name from process.env; a bad environment is refused naming the variable, changing nothing", function () {
    this.timeout(30_000);
    const folder = mkdtempSync(join(tmpdir(), 'playground-env-'));
    const executor = new IsolateExecutor();
    try {
      const file = join(folder, 'forward.ts');
      writeFileSync(file, "import { send } from 'serverless-lab';\nexport const handler = async (event: { Records: Array<{ body: string }> }) => { for (const r of event.Records) await send(process.env.OUT_QUEUE!, `${r.body} via ${process.env.AWS_LAMBDA_FUNCTION_NAME}`); };\n");
      const p = new Playground({ executor });
      run(p, { op: 'createQueue', name: 'in' }, { op: 'createQueue', name: 'forwarded' });
      refused(p, { op: 'attachHandler', function: 'fwd', file, queue: 'in', environment: { OUT_QUEUE: 5 } }, /^environment\.OUT_QUEUE: must be a string/);
      refused(p, { op: 'attachHandler', function: 'fwd', file, queue: 'in', environment: { AWS_REGION: 'eu-west-1' } }, /^environment\.AWS_REGION: AWS_REGION is reserved/);
      refused(p, { op: 'attachHandler', function: 'fwd', file, queue: 'in', environment: { 'out-queue': 'x' } }, /^environment\.out-queue: "out-queue" is not a valid environment variable name/);
      refused(p, { op: 'attachHandler', function: 'fwd', file, queue: 'in', environment: ['OUT_QUEUE=forwarded'] }, /^environment: must be an object of string values/);
      assert.deepEqual(p.snapshot().functions, [], 'nothing was defined');
      run(p, { op: 'attachHandler', function: 'fwd', file, queue: 'in', environment: { OUT_QUEUE: 'forwarded' } }, { op: 'send', queue: 'in', body: 'hello' });
      assert.deepEqual(queue(p.snapshot(), 'forwarded').messages.map((m) => m.body), ['hello via fwd']);
      // The journal keeps the variables: a restored playground runs the same.
      const again = new Playground({ executor });
      again.query({ op: 'restore', journal: p.journal() });
      assert.deepEqual(queue(again.snapshot(), 'forwarded').messages.map((m) => m.body), ['hello via fwd']);
    } finally {
      executor.dispose();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('Playground: attached handlers on the awaited model', () => {
  it('an awaited send lands after its latency; a send not awaited freezes with the environment and lands when it next thaws', function () {
    this.timeout(30_000);
    const folder = mkdtempSync(join(tmpdir(), 'playground-awaited-'));
    try {
      writeFileSync(
        join(folder, 'relay.ts'),
        [
          "import { send } from 'serverless-lab';",
          'export async function handler(event: { Records: Array<{ body: string }> }): Promise<void> {',
          '  for (const r of event.Records) {',
          "    if (r.body.startsWith('forget')) void send('out', `${r.body} (not awaited)`);",
          "    else await send('out', r.body);",
          // 'next' keeps the environment thawed for three sends (at least 30 ms): long enough for a
          // frozen send (10–25 ms of latency) to finish.
          "    if (r.body === 'next') { await send('out', 'next 2'); await send('out', 'next 3'); }",
          '  }',
          '}',
          '',
        ].join('\n'),
      );
      const executor = new IsolateExecutor();
      const p = new Playground({ executor });
      const records: Array<{ t: number; kind: string; resource: string; id?: string }> = [];
      p.onTrace((r) => records.push(r));
      run(p, { op: 'createQueue', name: 'in', visibilityTimeoutS: 60 }, { op: 'createQueue', name: 'out' }, { op: 'attachHandler', function: 'relay', file: join(folder, 'relay.ts'), queue: 'in', batchSize: 1 });

      p.apply({ op: 'send', queue: 'in', body: 'hello' });
      const invoked = records.find((r) => r.kind === 'invoked' && r.resource === 'relay')!;
      const call = records.find((r) => r.kind === 'call' && r.resource === 'relay')!;
      const done = records.find((r) => r.kind === 'call-done' && r.resource === 'relay')!;
      const sentOut = records.find((r) => r.kind === 'sent' && r.resource === 'out')!;
      assert.ok(invoked && call && done && sentOut, `trace has invoked, call, call-done and the send: ${records.map((r) => r.kind).join(' ')}`);
      assert.ok(done.t > call.t, `the send took virtual time (${call.t} → ${done.t} ms)`);
      assert.equal(sentOut.t, done.t, 'the message reached the queue when the call completed');
      const succeeded = records.find((r) => r.kind === 'succeeded' && r.resource === 'relay')!;
      assert.ok(succeeded.t >= done.t, 'the invocation ended after the call it awaited');
      assert.deepEqual(queue(p.snapshot(), 'out').messages.map((m) => m.body), ['hello']);

      records.length = 0;
      p.apply({ op: 'send', queue: 'in', body: 'forget-1' });
      assert.ok(records.some((r) => r.kind === 'call-pending' && r.resource === 'relay'), 'the call was still in flight when the handler returned');
      p.apply({ op: 'advance', seconds: 30 });
      assert.deepEqual(queue(p.snapshot(), 'out').messages.map((m) => m.body), ['hello'], 'a frozen environment does not finish its call, however long it waits');

      records.length = 0;
      p.apply({ op: 'send', queue: 'in', body: 'next' });
      const thawed = records.filter((r) => r.resource === 'out' && r.kind === 'sent').map((r) => r.t);
      assert.equal(thawed.length, 4, 'the frozen send completed while the next invocation kept the environment thawed, and its three');
      assert.deepEqual(
        queue(p.snapshot(), 'out').messages.map((m) => m.body).sort(),
        ['forget-1 (not awaited)', 'hello', 'next', 'next 2', 'next 3'],
      );
      executor.dispose();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('Playground: deleting resources', () => {
  it('a deleted queue leaves nothing behind: no timer of it runs, a new queue of the same name starts clean', () => {
    const p = new Playground();
    run(
      p,
      { op: 'createQueue', name: 'jobs', visibilityTimeoutS: 30, retentionS: 60 },
      { op: 'send', queue: 'jobs', body: 'a' },
      { op: 'send', queue: 'jobs', body: 'b', delayS: 10 },
      { op: 'receive', queue: 'jobs' },
      { op: 'delete', kind: 'queue', name: 'jobs' },
    );
    const seqBefore = p.simulation.ctx.trace.length;
    run(p, { op: 'advance', seconds: 3_600 });
    const stray = p.simulation.records().filter((r) => r.resource === 'jobs' && r.seq > seqBefore);
    assert.deepEqual(stray, [], 'no visibility, delay or retention timer of the deleted queue fired');
    run(p, { op: 'createQueue', name: 'jobs' });
    assert.deepEqual(queue(p.query({ op: 'snapshot' }).snapshot, 'jobs').depth, { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('a deleted stream\'s retention timer never runs', () => {
    const p = new Playground();
    run(p, { op: 'createStream', name: 'clicks', partitions: 2, retentionHours: 1 }, { op: 'produce', stream: 'clicks', value: 'x', key: 'k' }, { op: 'delete', kind: 'stream', name: 'clicks' });
    assert.equal(p.simulation.ctx.clock.peek(), undefined, 'nothing of the stream is left on the clock');
  });
});

describe('Playground: consuming one partition', () => {
  it('consume from an offset reads that partition, commits after the last record read, and traces each record as consumed', () => {
    const p = new Playground();
    run(p, { op: 'createStream', name: 'clicks', partitions: 2 });
    for (let i = 0; i < 4; i++) run(p, { op: 'produce', stream: 'clicks', value: `v${i}`, partition: 1 });
    const r = run(p, { op: 'consume', stream: 'clicks', group: 'g', partition: 1, offset: 1, max: 2 });
    assert.deepEqual((r.result as Array<{ offset: number }>).map((x) => x.offset), [1, 2]);
    const consumed = p.simulation.records().filter((x) => x.kind === 'consumed' && x.resource === 'clicks');
    assert.deepEqual(consumed.map((x) => x.detail?.offset), [1, 2], 'the diagram and inspect see the reads');
    const group = p.query({ op: 'snapshot' }).snapshot.streams[0].groups.find((g) => g.id === 'g')!;
    assert.deepEqual(group.partitions.find((x) => x.partition === 1), { partition: 1, committed: 3, lag: 1 });
  });
});
