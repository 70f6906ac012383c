import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EngineContext } from '../../src/engine/context';
import { EngineError, ValidationError } from '../../src/engine/errors';
import { Queue, QueueOptions } from '../../src/engine/queue';
import { toJsonLine } from '../../src/engine/trace';

const S = 1000; // ms per second

function setup(options: Partial<QueueOptions> = {}, seed = 1) {
  const ctx = new EngineContext({ seed });
  const queue = new Queue(ctx, { name: 'orders', ...options });
  return { ctx, queue };
}

function fifoSetup(options: Partial<QueueOptions> = {}, seed = 1) {
  return setup({ name: 'orders.fifo', fifo: true, contentBasedDeduplication: true, ...options }, seed);
}

function throwsValidation(fn: () => unknown, path: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ValidationError, `expected ValidationError, got ${String(error)}`);
    assert.equal(error.path, path);
    return true;
  });
}

function throwsEngine(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof EngineError, `expected EngineError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

function kinds(ctx: EngineContext, resource?: string): string[] {
  return ctx.trace
    .records()
    .filter((r) => resource === undefined || r.resource === resource)
    .map((r) => r.kind);
}

describe('Queue: options and defaults', () => {
  it('resolves the documented SQS defaults', () => {
    const { queue } = setup();
    assert.equal(queue.name, 'orders');
    assert.equal(queue.fifo, false);
    assert.equal(queue.options.visibilityTimeoutS, 30);
    assert.equal(queue.options.retentionS, 345600);
    assert.equal(queue.options.delayS, 0);
    assert.equal(queue.options.receiveWaitS, 0);
    assert.equal(queue.options.maxMessageBytes, 262144);
    assert.equal(queue.options.contentBasedDeduplication, false);
    assert.equal(queue.options.duplicateRate, 0);
    assert.equal(queue.options.deadLetter, undefined);
    assert.ok(Object.isFrozen(queue.options));
  });

  it('rejects out-of-range options naming the field', () => {
    const ctx = new EngineContext();
    const bad: Array<[Partial<QueueOptions>, string]> = [
      [{ visibilityTimeoutS: -1 }, 'visibilityTimeoutS'],
      [{ visibilityTimeoutS: 43201 }, 'visibilityTimeoutS'],
      [{ visibilityTimeoutS: Number.NaN }, 'visibilityTimeoutS'],
      [{ retentionS: 59 }, 'retentionS'],
      [{ retentionS: 1209601 }, 'retentionS'],
      [{ delayS: 901 }, 'delayS'],
      [{ receiveWaitS: 21 }, 'receiveWaitS'],
      [{ maxMessageBytes: 100 }, 'maxMessageBytes'],
      [{ maxMessageBytes: 1_048_577 }, 'maxMessageBytes'],
      [{ duplicateRate: 1.5 }, 'duplicateRate'],
      [{ duplicateRate: -0.1 }, 'duplicateRate'],
      [{ contentBasedDeduplication: true }, 'contentBasedDeduplication'],
      [{ name: '' }, 'name'],
      [{ name: 'has space' }, 'name'],
      [{ name: 'x'.repeat(81) }, 'name'],
      [{ name: 'plain.fifo' }, 'name'],
      [{ name: 'nofifo', fifo: true }, 'name'],
      [{ name: 'x.fifo', fifo: true, duplicateRate: 0.5 }, 'duplicateRate'],
    ];
    for (const [options, path] of bad) throwsValidation(() => new Queue(ctx, { name: 'q', ...options }), path);
    assert.equal(ctx.trace.length, 0);
  });

  it('validates the redrive policy: same queue type, maxReceiveCount 1..1000', () => {
    const ctx = new EngineContext();
    const standardDlq = new Queue(ctx, { name: 'dlq' });
    const fifoDlq = new Queue(ctx, { name: 'dlq.fifo', fifo: true });
    throwsValidation(() => new Queue(ctx, { name: 'a.fifo', fifo: true, deadLetter: { queue: standardDlq, maxReceiveCount: 3 } }), 'deadLetter.queue');
    throwsValidation(() => new Queue(ctx, { name: 'a', deadLetter: { queue: fifoDlq, maxReceiveCount: 3 } }), 'deadLetter.queue');
    throwsValidation(() => new Queue(ctx, { name: 'a', deadLetter: { queue: standardDlq, maxReceiveCount: 0 } }), 'deadLetter.maxReceiveCount');
    throwsValidation(() => new Queue(ctx, { name: 'a', deadLetter: { queue: standardDlq, maxReceiveCount: 1001 } }), 'deadLetter.maxReceiveCount');
    throwsValidation(() => new Queue(ctx, { name: 'a', deadLetter: { queue: standardDlq, maxReceiveCount: 2.5 } }), 'deadLetter.maxReceiveCount');
    throwsValidation(() => new Queue(ctx, { name: 'a', deadLetter: { queue: {} as Queue, maxReceiveCount: 3 } }), 'deadLetter.queue');
    const ok = new Queue(ctx, { name: 'a', deadLetter: { queue: standardDlq, maxReceiveCount: 1000 } });
    assert.equal(ok.options.deadLetter?.queue, standardDlq);
  });
});

describe('Queue: send and receive', () => {
  it('delivers a sent message with its body and attributes, receive count 1', () => {
    const { ctx, queue } = setup();
    ctx.clock.advance(5);
    const sent = queue.send('hello', { attributes: { kind: 'order', amount: 12 }, cause: 'req-1' });
    assert.equal(sent.deduplicated, false);
    assert.equal(sent.sequenceNumber, undefined);
    ctx.clock.advance(10);
    const [message] = queue.receive();
    assert.equal(message.messageId, sent.messageId);
    assert.equal(message.body, 'hello');
    assert.deepEqual(message.attributes, { kind: 'order', amount: 12 });
    assert.equal(message.receiveCount, 1);
    assert.equal(message.sentAt, 5);
    assert.equal(message.firstReceivedAt, 15);
    const sentRecord = ctx.trace.records().find((r) => r.kind === 'sent')!;
    assert.equal(sentRecord.id, sent.messageId);
    assert.equal(sentRecord.cause, 'req-1');
    const received = ctx.trace.records().find((r) => r.kind === 'received')!;
    assert.deepEqual(received.detail, { receiveCount: 1 });
  });

  it('a received message is hidden from other consumers while in flight', () => {
    const { queue } = setup();
    queue.send('a');
    assert.equal(queue.receive().length, 1);
    assert.deepEqual(queue.receive(), []);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 1, delayed: 0 });
  });

  it('receives up to max (1..10) messages, oldest first', () => {
    const { queue } = setup();
    for (let i = 0; i < 15; i++) queue.send(`m${i}`);
    assert.equal(queue.receive().length, 1);
    const batch = queue.receive({ max: 10 });
    assert.deepEqual(
      batch.map((m) => m.body),
      ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10'],
    );
  });

  it('attributes are copied at send and frozen', () => {
    const { queue } = setup();
    const attributes: Record<string, string | number> = { a: '1' };
    queue.send('x', { attributes });
    attributes.a = 'changed';
    const [message] = queue.receive();
    assert.equal(message.attributes.a, '1');
    assert.ok(Object.isFrozen(message.attributes));
  });

  it('rejects bad sends naming the field, and changes nothing', () => {
    const { ctx, queue } = setup({ maxMessageBytes: 1024 });
    throwsValidation(() => queue.send(''), 'body');
    throwsValidation(() => queue.send(42 as unknown as string), 'body');
    throwsValidation(() => queue.send('x'.repeat(1025)), 'body');
    throwsValidation(() => queue.send('é'.repeat(513)), 'body'); // 1026 UTF-8 bytes
    throwsValidation(() => queue.send('x'.repeat(1000), { attributes: { big: 'y'.repeat(30) } }), 'body');
    throwsValidation(() => queue.send('x', { delayS: 901 }), 'delayS');
    throwsValidation(() => queue.send('x', { delayS: -1 }), 'delayS');
    throwsValidation(() => queue.send('x', { deduplicationId: 'd' }), 'deduplicationId');
    throwsValidation(() => queue.send('x', { attributes: { bad: true as unknown as string } }), 'attributes.bad');
    throwsValidation(() => queue.send('x', { attributes: { 'no space': 'v' } }), 'attributes.no space');
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, i]));
    throwsValidation(() => queue.send('x', { attributes: eleven }), 'attributes');
    assert.equal(ctx.trace.length, 0);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    queue.send('x'.repeat(1024)); // exactly the limit is accepted
    assert.equal(queue.depth().visible, 1);
  });

  it('rejects bad receive options naming the field', () => {
    const { queue } = setup();
    queue.send('a');
    throwsValidation(() => queue.receive({ max: 0 }), 'max');
    throwsValidation(() => queue.receive({ max: 11 }), 'max');
    throwsValidation(() => queue.receive({ max: 1.5 }), 'max');
    throwsValidation(() => queue.receive({ visibilityTimeoutS: 43201 }), 'visibilityTimeoutS');
    throwsValidation(() => queue.receive({ waitS: 21 }), 'waitS');
    assert.equal(queue.depth().visible, 1);
  });
});

describe('Queue: receipt handles', () => {
  it('each receive issues a new handle; only the latest deletes', () => {
    const { ctx, queue } = setup({ visibilityTimeoutS: 10 });
    queue.send('job');
    const first = queue.receive()[0];
    ctx.clock.advance(10 * S); // consumer A too slow
    const second = queue.receive()[0];
    assert.equal(second.messageId, first.messageId);
    assert.notEqual(second.receiptHandle, first.receiptHandle);
    assert.equal(second.receiveCount, 2);

    // DeleteMessage with an old handle succeeds but may not delete (SQS API reference,
    // DeleteMessage: "the request succeeds, but the message might not be deleted").
    assert.equal(queue.delete(first.receiptHandle), false);
    const stale = ctx.trace.records().find((r) => r.kind === 'stale-handle')!;
    assert.equal(stale.id, first.messageId);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 1, delayed: 0 }); // not lost

    queue.delete(second.receiptHandle);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.equal(ctx.trace.count('deleted', 'orders'), 1);
  });

  it('a stale handle cannot change visibility either', () => {
    const { ctx, queue } = setup({ visibilityTimeoutS: 10 });
    queue.send('job');
    const first = queue.receive()[0];
    ctx.clock.advance(10 * S);
    queue.receive();
    throwsEngine(() => queue.changeVisibility(first.receiptHandle, 0), 'ReceiptHandleIsInvalid');
    assert.equal(ctx.trace.count('stale-handle'), 1);
    assert.equal(queue.depth().inFlight, 1);
  });

  it('unknown, already used and foreign handles are rejected', () => {
    const { ctx, queue } = setup();
    const other = new Queue(ctx, { name: 'other' });
    queue.send('a');
    other.send('b');
    const mine = queue.receive()[0];
    const theirs = other.receive()[0];
    throwsEngine(() => queue.delete('nonsense'), 'ReceiptHandleIsInvalid');
    throwsEngine(() => queue.delete(theirs.receiptHandle), 'ReceiptHandleIsInvalid');
    assert.equal(queue.delete(mine.receiptHandle), true);
    assert.equal(queue.delete(mine.receiptHandle), false, 'already deleted: accepted, nothing to delete');
    assert.equal(ctx.trace.count('stale-handle', 'orders'), 3);
    assert.equal(other.depth().inFlight, 1);
  });

  it('standard queue: the latest handle still deletes after the timeout, until the message is received again', () => {
    const { ctx, queue } = setup({ visibilityTimeoutS: 1 });
    queue.send('a');
    const message = queue.receive()[0];
    ctx.clock.advance(2 * S);
    assert.equal(queue.depth().visible, 1);
    queue.delete(message.receiptHandle);
    assert.deepEqual(queue.receive(), []);
  });

  it('FIFO queue: a handle expires with its visibility timeout', () => {
    const { ctx, queue } = fifoSetup({ visibilityTimeoutS: 1 });
    queue.send('a', { groupId: 'g' });
    const message = queue.receive()[0];
    ctx.clock.advance(1 * S);
    assert.equal(queue.delete(message.receiptHandle), false, 'accepted, but the expired handle deletes nothing');
    assert.equal(queue.depth().visible, 1);
  });
});

describe('Queue: visibility timeout', () => {
  it('honours the queue visibility timeout exactly', () => {
    const { ctx, queue } = setup({ visibilityTimeoutS: 20 });
    queue.send('a');
    queue.receive();
    ctx.clock.advance(20 * S - 1);
    assert.deepEqual(queue.receive(), []);
    ctx.clock.advance(1);
    const again = queue.receive();
    assert.equal(again.length, 1);
    assert.equal(again[0].receiveCount, 2);
    const expired = ctx.trace.records().find((r) => r.kind === 'visibility-expired')!;
    assert.equal(expired.t, 20 * S);
    assert.equal(expired.id, again[0].messageId);
  });

  it('a per-receive visibility timeout overrides the queue default', () => {
    const { ctx, queue } = setup({ visibilityTimeoutS: 30 });
    queue.send('a');
    queue.receive({ visibilityTimeoutS: 5 });
    ctx.clock.advance(5 * S);
    assert.equal(queue.receive({ visibilityTimeoutS: 100 }).length, 1);
    ctx.clock.advance(99 * S);
    assert.deepEqual(queue.receive(), []);
    ctx.clock.advance(1 * S);
    assert.equal(queue.receive().length, 1);
  });

  it('changeVisibility extends from now; 0 makes it visible at once', () => {
    const { ctx, queue } = setup({ visibilityTimeoutS: 10 });
    queue.send('a');
    const m = queue.receive()[0];
    ctx.clock.advance(8 * S);
    queue.changeVisibility(m.receiptHandle, 10); // now deadline 18 s
    ctx.clock.advance(9 * S);
    assert.deepEqual(queue.receive(), []);
    queue.changeVisibility(m.receiptHandle, 0);
    const again = queue.receive();
    assert.equal(again.length, 1);
    assert.equal(ctx.clock.now, 17 * S);
    assert.equal(ctx.trace.count('visibility-changed'), 2);
    assert.equal(ctx.trace.count('visibility-expired'), 0);
  });

  it('rejects a bad timeout without changing anything, and a message not in flight', () => {
    const { ctx, queue } = setup({ visibilityTimeoutS: 1 });
    queue.send('a');
    const m = queue.receive()[0];
    throwsValidation(() => queue.changeVisibility(m.receiptHandle, -1), 'visibilityTimeoutS');
    throwsValidation(() => queue.changeVisibility(m.receiptHandle, 43201), 'visibilityTimeoutS');
    assert.equal(queue.depth().inFlight, 1);
    ctx.clock.advance(1 * S); // visible again, handle still the latest (standard)
    throwsEngine(() => queue.changeVisibility(m.receiptHandle, 5), 'MessageNotInflight');
  });

  it('deleting cancels the visibility timer: no expiry, nothing pending', () => {
    const { ctx, queue } = setup();
    queue.send('a');
    queue.delete(queue.receive()[0].receiptHandle);
    assert.equal(ctx.clock.pending, 0);
    ctx.clock.drain();
    assert.equal(ctx.trace.count('visibility-expired'), 0);
    assert.equal(ctx.clock.now, 0);
  });
});

describe('Queue: redrive to a dead-letter queue', () => {
  function redriveSetup(maxReceiveCount = 3) {
    const ctx = new EngineContext();
    const dlq = new Queue(ctx, { name: 'orders-dlq' });
    const queue = new Queue(ctx, { name: 'orders', visibilityTimeoutS: 1, deadLetter: { queue: dlq, maxReceiveCount } });
    return { ctx, dlq, queue };
  }

  it('delivers maxReceiveCount times, then moves the message at the receive that would exceed it', () => {
    const { ctx, dlq, queue } = redriveSetup(3);
    ctx.clock.advance(7);
    const { messageId } = queue.send('poison', { attributes: { kind: 'x' } });
    for (let i = 1; i <= 3; i++) {
      const [m] = queue.receive();
      assert.equal(m.receiveCount, i);
      ctx.clock.advance(1 * S);
    }
    assert.equal(dlq.depth().visible, 0, 'not moved lazily before the 4th receive');
    assert.deepEqual(queue.receive(), [], 'the 4th receive does not return it');
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    const [moved] = dlq.receive();
    assert.equal(moved.messageId, messageId);
    assert.equal(moved.body, 'poison');
    assert.deepEqual(moved.attributes, { kind: 'x' });
    assert.equal(moved.sentAt, 7);

    const records = ctx.trace.records();
    const i = records.findIndex((r) => r.kind === 'dead-lettered');
    assert.equal(records[i].resource, 'orders');
    assert.equal(records[i].id, messageId);
    assert.equal(records[i].cause, messageId);
    assert.deepEqual(records[i + 1], { ...records[i + 1], kind: 'sent', resource: 'orders-dlq', id: messageId });
  });

  it('a batch receive skips the dead-lettered message and still returns the others', () => {
    const { ctx, dlq, queue } = redriveSetup(1);
    queue.send('poison');
    queue.receive();
    ctx.clock.advance(1 * S);
    queue.send('fine');
    const batch = queue.receive({ max: 10 });
    assert.deepEqual(
      batch.map((m) => m.body),
      ['fine'],
    );
    assert.equal(dlq.depth().visible, 1);
  });

  it('a message deleted in time never reaches the DLQ', () => {
    const { ctx, dlq, queue } = redriveSetup(1);
    queue.send('ok');
    queue.delete(queue.receive()[0].receiptHandle);
    ctx.clock.drain();
    assert.equal(dlq.depth().visible, 0);
    assert.equal(ctx.trace.count('dead-lettered'), 0);
  });
});

describe('Queue: delivery delay', () => {
  it('a queue delay keeps new messages invisible until it ends', () => {
    const { ctx, queue } = setup({ delayS: 5 });
    const { messageId } = queue.send('later');
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 1 });
    assert.deepEqual(
      kinds(ctx),
      ['sent', 'delayed'],
    );
    ctx.clock.advance(5 * S - 1);
    assert.deepEqual(queue.receive(), []);
    ctx.clock.advance(1);
    assert.equal(queue.receive()[0].messageId, messageId);
  });

  it('a per-message delay overrides the queue delay (standard queues)', () => {
    const { ctx, queue } = setup({ delayS: 60 });
    queue.send('now', { delayS: 0 });
    queue.send('soon', { delayS: 2 });
    assert.equal(queue.receive()[0].body, 'now');
    ctx.clock.advance(2 * S);
    assert.equal(queue.receive()[0].body, 'soon');
  });

  it('FIFO queues reject a per-message delay but honour the queue delay', () => {
    const { ctx, queue } = fifoSetup({ delayS: 3 });
    throwsValidation(() => queue.send('x', { groupId: 'g', delayS: 1 }), 'delayS');
    assert.equal(ctx.trace.length, 0);
    queue.send('x', { groupId: 'g' });
    assert.equal(queue.depth().delayed, 1);
    ctx.clock.advance(3 * S);
    assert.equal(queue.receive().length, 1);
  });
});

describe('Queue: retention', () => {
  it('drops messages older than retentionS', () => {
    const { ctx, queue } = setup({ retentionS: 60 });
    const { messageId } = queue.send('old');
    ctx.clock.advance(30 * S);
    queue.send('young');
    ctx.clock.advance(30 * S);
    const expired = ctx.trace.records().filter((r) => r.kind === 'expired');
    assert.equal(expired.length, 1);
    assert.equal(expired[0].id, messageId);
    assert.equal(expired[0].t, 60 * S);
    assert.deepEqual(
      queue.messages().map((m) => m.body),
      ['young'],
    );
  });

  it('expires a message even while it is in flight; its handle is then invalid', () => {
    const { ctx, queue } = setup({ retentionS: 60, visibilityTimeoutS: 43200 });
    queue.send('slow');
    const m = queue.receive()[0];
    ctx.clock.advance(60 * S);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.equal(queue.delete(m.receiptHandle), false);
  });

  it('a dead-lettered message keeps its original sent time for the DLQ retention', () => {
    const ctx = new EngineContext();
    const dlq = new Queue(ctx, { name: 'dlq', retentionS: 100 });
    const queue = new Queue(ctx, { name: 'src', visibilityTimeoutS: 60, deadLetter: { queue: dlq, maxReceiveCount: 1 } });
    queue.send('poison');
    queue.receive();
    ctx.clock.advance(60 * S);
    queue.receive(); // moved at t=60 s
    assert.equal(dlq.depth().visible, 1);
    ctx.clock.advance(40 * S); // t=100 s: 100 s after the original send
    assert.equal(dlq.depth().visible, 0);
    assert.equal(ctx.trace.count('expired', 'dlq'), 1);
  });

  it('a FIFO dead-letter queue resets the enqueue time and takes the message id as deduplication id', () => {
    // SQS developer guide, "Using dead-letter queues": for FIFO queues the enqueue timestamp is
    // reset when the message moves to the dead-letter queue (standard queues keep it, test above).
    const ctx = new EngineContext();
    const dlq = new Queue(ctx, { name: 'dlq.fifo', fifo: true, retentionS: 100 });
    const queue = new Queue(ctx, { name: 'src.fifo', fifo: true, visibilityTimeoutS: 60, deadLetter: { queue: dlq, maxReceiveCount: 1 } });
    const { messageId } = queue.send('poison', { groupId: 'g', deduplicationId: 'order-1' });
    queue.receive();
    ctx.clock.advance(60 * S);
    queue.receive(); // moved at t=60 s
    ctx.clock.advance(40 * S); // 100 s after the send, 40 s after the move
    assert.equal(dlq.depth().visible, 1, 'retention counts from the move');
    const [moved] = dlq.receive();
    assert.equal(moved.deduplicationId, messageId);
    assert.equal(moved.sentAt, 60 * S);
    ctx.clock.advance(70 * S); // 110 s after the move (visibility 30 s → visible again at 130 s)
    assert.equal(dlq.depth().visible + dlq.depth().inFlight, 0);
  });

  it('nothing stays scheduled once the queue is empty', () => {
    const { ctx, queue } = setup();
    queue.send('a');
    queue.delete(queue.receive()[0].receiptHandle);
    assert.equal(ctx.clock.pending, 0);
  });
});

describe('Queue: the 12-hour visibility cap', () => {
  // SQS developer guide, "Visibility timeout": the maximum is 12 hours from the time the message
  // is received; extending it further is rejected.
  it('counts from the receive, not from the last extension', () => {
    const ctx = new EngineContext();
    const queue = new Queue(ctx, { name: 'q', visibilityTimeoutS: 3600 });
    queue.send('long job');
    const [m] = queue.receive();
    ctx.clock.advance(3000 * S);
    queue.changeVisibility(m.receiptHandle, 43_200 - 3000); // exactly 12 h after the receive
    ctx.clock.advance(10_000 * S);
    assert.throws(() => queue.changeVisibility(m.receiptHandle, 43_200 - 10_000), (e: unknown) => e instanceof ValidationError && e.path === 'visibilityTimeoutS' && /12 hours after its receive/.test(e.reason));
    queue.changeVisibility(m.receiptHandle, 43_200 - 13_000); // still within 12 h of the receive
    assert.equal(queue.depth().inFlight, 1);
  });
});

describe('Queue: FIFO ordering', () => {
  it('requires a group id, and a deduplication id unless content-based', () => {
    const { ctx, queue } = fifoSetup({ contentBasedDeduplication: false });
    throwsValidation(() => queue.send('a', { deduplicationId: 'd1' }), 'groupId');
    throwsValidation(() => queue.send('a', { groupId: 'g' }), 'deduplicationId');
    throwsValidation(() => queue.send('a', { groupId: '', deduplicationId: 'd1' }), 'groupId');
    throwsValidation(() => queue.send('a', { groupId: 'g', deduplicationId: 'x'.repeat(129) }), 'deduplicationId');
    assert.equal(ctx.trace.length, 0);
    const sent = queue.send('a', { groupId: 'g', deduplicationId: 'd1' });
    assert.match(sent.sequenceNumber!, /^\d+$/);
  });

  it('delivers a group strictly in order, one batch in flight at a time', () => {
    const { queue } = fifoSetup();
    for (const body of ['1', '2', '3']) queue.send(body, { groupId: 'g' });
    const first = queue.receive();
    assert.deepEqual(
      first.map((m) => m.body),
      ['1'],
    );
    assert.deepEqual(queue.receive(), [], 'group blocked while 1 is in flight');
    queue.delete(first[0].receiptHandle);
    assert.deepEqual(
      queue.receive({ max: 10 }).map((m) => m.body),
      ['2', '3'],
    );
  });

  it('other groups continue while one is blocked', () => {
    const { queue } = fifoSetup();
    queue.send('a1', { groupId: 'a' });
    queue.send('a2', { groupId: 'a' });
    queue.send('b1', { groupId: 'b' });
    assert.equal(queue.receive()[0].body, 'a1');
    assert.equal(queue.receive()[0].body, 'b1');
    assert.deepEqual(queue.receive(), []);
  });

  it('a batch returns the messages of a group in order', () => {
    const { queue } = fifoSetup();
    queue.send('a1', { groupId: 'a' });
    queue.send('b1', { groupId: 'b' });
    queue.send('a2', { groupId: 'a' });
    queue.send('b2', { groupId: 'b' });
    const batch = queue.receive({ max: 10 });
    const byGroup = (g: string) => batch.filter((m) => m.groupId === g).map((m) => m.body);
    assert.deepEqual(byGroup('a'), ['a1', 'a2']);
    assert.deepEqual(byGroup('b'), ['b1', 'b2']);
    const sequences = batch.filter((m) => m.groupId === 'a').map((m) => BigInt(m.sequenceNumber!));
    assert.ok(sequences[0] < sequences[1]);
  });

  it('after a visibility timeout the same message comes back first', () => {
    const { ctx, queue } = fifoSetup({ visibilityTimeoutS: 5 });
    queue.send('1', { groupId: 'g' });
    queue.send('2', { groupId: 'g' });
    queue.receive();
    ctx.clock.advance(5 * S);
    const again = queue.receive();
    assert.equal(again[0].body, '1');
    assert.equal(again[0].receiveCount, 2);
  });
});

describe('Queue: FIFO deduplication', () => {
  it('drops a send with a seen deduplication id within 5 minutes, returning the first id', () => {
    const { ctx, queue } = fifoSetup({ contentBasedDeduplication: false });
    const first = queue.send('a', { groupId: 'g', deduplicationId: 'order-1' });
    ctx.clock.advance(5 * 60 * S - 1);
    const again = queue.send('different body', { groupId: 'g', deduplicationId: 'order-1' });
    assert.equal(again.deduplicated, true);
    assert.equal(again.messageId, first.messageId);
    assert.equal(again.sequenceNumber, first.sequenceNumber);
    assert.equal(queue.depth().visible, 1);
    const record = ctx.trace.records().find((r) => r.kind === 'deduplicated')!;
    assert.equal(record.id, first.messageId);
  });

  it('still deduplicates after the first message was deleted', () => {
    const { queue } = fifoSetup({ contentBasedDeduplication: false });
    const first = queue.send('a', { groupId: 'g', deduplicationId: 'd' });
    queue.delete(queue.receive()[0].receiptHandle);
    const again = queue.send('a', { groupId: 'g', deduplicationId: 'd' });
    assert.equal(again.deduplicated, true);
    assert.equal(again.messageId, first.messageId);
    assert.deepEqual(queue.receive(), []);
  });

  it('accepts the same id again once the 5-minute window has passed', () => {
    const { ctx, queue } = fifoSetup({ contentBasedDeduplication: false });
    const first = queue.send('a', { groupId: 'g', deduplicationId: 'd' });
    ctx.clock.advance(5 * 60 * S);
    const again = queue.send('a', { groupId: 'g', deduplicationId: 'd' });
    assert.equal(again.deduplicated, false);
    assert.notEqual(again.messageId, first.messageId);
  });

  it('content-based deduplication uses the SHA-256 of the body; an explicit id wins', () => {
    const { queue } = fifoSetup();
    const a = queue.send('same', { groupId: 'g1' });
    assert.equal(queue.send('same', { groupId: 'g2' }).deduplicated, true);
    assert.equal(queue.send('other', { groupId: 'g1' }).deduplicated, false);
    assert.equal(queue.send('same', { groupId: 'g1', deduplicationId: 'explicit' }).deduplicated, false);
    const [m] = queue.receive();
    assert.equal(m.messageId, a.messageId);
    assert.equal(m.deduplicationId, createHash('sha256').update('same').digest('hex'));
  });
});

describe('Queue: what the trace says about a send', () => {
  it("a send dropped as a duplicate names the first message, the deduplication id and what this send carried", () => {
    const { ctx, queue } = fifoSetup({ contentBasedDeduplication: false });
    const first = queue.send('{"tx":1}', { groupId: 'acct-1', deduplicationId: 'acct-1', cause: 'inv-1' });
    const again = queue.send('{"tx":2}', { groupId: 'acct-1', deduplicationId: 'acct-1', cause: 'inv-2' });
    assert.equal(again.deduplicated, true);
    const drop = ctx.trace.records().find((r) => r.kind === 'deduplicated')!;
    assert.equal(drop.id, first.messageId);
    assert.equal(drop.cause, 'inv-2');
    assert.deepEqual(drop.detail, { deduplicationId: 'acct-1', firstMessageId: first.messageId, groupId: 'acct-1', body: '{"tx":2}' });
  });

  it('a sent record carries the body (cut at 2,048 characters)', () => {
    const ctx = new EngineContext();
    const queue = new Queue(ctx, { name: 'q' });
    queue.send('hello');
    queue.send('x'.repeat(5000));
    const sent = ctx.trace.records().filter((r) => r.kind === 'sent');
    assert.equal(sent[0].detail?.body, 'hello');
    assert.equal(String(sent[1].detail?.body).length, 2048);
  });
});

describe('Queue: at-least-once duplicates (standard)', () => {
  it('with duplicateRate 1 every receive leaves a copy with the same id', () => {
    const { ctx, queue } = setup({ duplicateRate: 1 });
    const { messageId } = queue.send('a');
    const first = queue.receive()[0];
    const copy = queue.receive()[0];
    assert.equal(copy.messageId, messageId);
    assert.notEqual(copy.receiptHandle, first.receiptHandle);
    const duplicate = ctx.trace.records().find((r) => r.kind === 'duplicate')!;
    assert.equal(duplicate.id, messageId);
    queue.delete(first.receiptHandle);
    queue.delete(copy.receiptHandle); // both copies are acknowledged separately
  });

  it('with duplicateRate 0 a message is delivered once', () => {
    const { ctx, queue } = setup();
    for (let i = 0; i < 50; i++) queue.send(`m${i}`);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) for (const m of queue.receive({ max: 10 })) seen.add(m.messageId);
    assert.equal(seen.size, 50);
    assert.equal(ctx.trace.count('duplicate'), 0);
  });

  it('duplicates follow the seed', () => {
    const run = (seed: number) => {
      const { ctx, queue } = setup({ duplicateRate: 0.3 }, seed);
      for (let i = 0; i < 50; i++) queue.send(`m${i}`);
      for (let i = 0; i < 20; i++) for (const m of queue.receive({ max: 10 })) queue.delete(m.receiptHandle);
      return ctx.trace.records().map(toJsonLine).join('\n');
    };
    assert.equal(run(7), run(7));
    assert.notEqual(run(7), run(8));
    assert.ok(run(7).includes('"duplicate"'));
  });
});

describe('Queue: batches', () => {
  it('sendBatch accepts up to 10 entries, reporting each', () => {
    const { queue } = fifoSetup();
    const result = queue.sendBatch([
      { id: 'a', body: 'one', groupId: 'g' },
      { id: 'b', body: 'two' }, // no group: fails alone
      { id: 'c', body: 'one', groupId: 'g' }, // same body: deduplicated
    ]);
    assert.deepEqual(
      result.successful.map((s) => [s.id, s.deduplicated]),
      [
        ['a', false],
        ['c', true],
      ],
    );
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0].id, 'b');
    assert.match(result.failed[0].message, /groupId/);
  });

  it('rejects a malformed batch as a whole', () => {
    const { ctx, queue } = setup();
    const eleven = Array.from({ length: 11 }, (_, i) => ({ id: `e${i}`, body: 'x' }));
    throwsValidation(() => queue.sendBatch(eleven), 'entries');
    throwsValidation(() => queue.sendBatch([]), 'entries');
    throwsValidation(
      () =>
        queue.sendBatch([
          { id: 'same', body: 'x' },
          { id: 'same', body: 'y' },
        ]),
      'entries[1].id',
    );
    throwsValidation(() => queue.sendBatch([{ id: 'bad id!', body: 'x' }]), 'entries[0].id');
    const fiveHundredKiB = 'x'.repeat(512 * 1024);
    throwsValidation(() => queue.sendBatch([{ id: 'a', body: fiveHundredKiB }, { id: 'b', body: fiveHundredKiB }, { id: 'c', body: 'x' }]), 'entries');
    assert.equal(ctx.trace.length, 0);
  });

  it('takes messages up to 1 MiB when configured, and batches up to 1 MiB in total', () => {
    const big = setup({ maxMessageBytes: 1_048_576 }).queue;
    big.send('x'.repeat(1_048_576));
    assert.equal(big.depth().visible, 1);
    // Default queue (256 KiB per message): a batch of three 200 KiB messages fits the 1 MiB batch cap.
    const { queue } = setup();
    const result = queue.sendBatch(['a', 'b', 'c'].map((id) => ({ id, body: 'x'.repeat(200 * 1024) })));
    assert.equal(result.successful.length, 3);
    throwsValidation(() => queue.send('x'.repeat(262_145)), 'body');
  });

  it('deleteBatch reports the handles it could not use', () => {
    const { queue } = setup();
    queue.send('a');
    queue.send('b');
    const [a, b] = queue.receive({ max: 2 });
    assert.deepEqual(queue.deleteBatch([a.receiptHandle, 'bogus', b.receiptHandle]), { failed: ['bogus'] });
    assert.equal(queue.depth().inFlight, 0);
    throwsValidation(() => queue.deleteBatch([]), 'handles');
  });
});

describe('Queue: long polling (receiveWait)', () => {
  it('answers as soon as a message arrives, never synchronously', () => {
    const { ctx, queue } = setup();
    let got: string[] | undefined;
    queue.receiveWait({ waitS: 20 }, (messages) => (got = messages.map((m) => m.body)));
    assert.equal(got, undefined);
    ctx.clock.advance(3 * S);
    queue.send('hi');
    assert.equal(got, undefined, 'not inside send');
    ctx.clock.advance(0);
    assert.deepEqual(got, ['hi']);
    assert.equal(ctx.trace.records().find((r) => r.kind === 'received')!.t, 3 * S);
  });

  it('answers [] after waitS with nothing visible', () => {
    const { ctx, queue } = setup({ receiveWaitS: 4 });
    let calls = 0;
    let got: unknown;
    queue.receiveWait({}, (messages) => {
      calls++;
      got = messages;
    });
    ctx.clock.advance(4 * S - 1);
    assert.equal(calls, 0);
    ctx.clock.advance(1);
    assert.deepEqual(got, []);
    ctx.clock.drain();
    assert.equal(calls, 1);
  });

  it('returns at once (asynchronously) when messages are already visible', () => {
    const { ctx, queue } = setup();
    queue.send('a');
    queue.send('b');
    let got: string[] = [];
    queue.receiveWait({ max: 10, waitS: 20 }, (messages) => (got = messages.map((m) => m.body)));
    ctx.clock.runUntil(0);
    assert.deepEqual(got, ['a', 'b']);
  });

  it('cancel stops the wait', () => {
    const { ctx, queue } = setup();
    let called = false;
    const cancel = queue.receiveWait({ waitS: 10 }, () => (called = true));
    cancel();
    queue.send('a');
    ctx.clock.advance(30 * S);
    assert.equal(called, false);
    assert.equal(queue.depth().visible, 1);
  });

  it('rejects bad options', () => {
    const { queue } = setup();
    throwsValidation(() => queue.receiveWait({ waitS: 21 }, () => undefined), 'waitS');
    throwsValidation(() => queue.receiveWait({ max: 11 }, () => undefined), 'max');
  });
});

describe('Queue: onVisible notifications', () => {
  it('fires on send, delay end, visibility expiry and redrive into the queue', () => {
    const ctx = new EngineContext();
    const dlq = new Queue(ctx, { name: 'dlq' });
    const queue = new Queue(ctx, { name: 'q', visibilityTimeoutS: 1, deadLetter: { queue: dlq, maxReceiveCount: 1 } });
    const events: string[] = [];
    queue.onVisible(() => events.push(`q@${ctx.clock.now}`));
    dlq.onVisible(() => events.push(`dlq@${ctx.clock.now}`));
    queue.send('now');
    queue.send('later', { delayS: 2 });
    queue.receive();
    ctx.clock.advance(1 * S); // 'now' expires
    queue.receive({ max: 10 }); // 'now' dead-lettered (2nd receive), nothing else visible yet
    ctx.clock.advance(1 * S); // 'later' delay ends
    assert.deepEqual(events, ['q@0', 'q@1000', 'dlq@1000', 'q@2000']);
  });

  it('on a FIFO queue fires when a blocked group is unblocked', () => {
    const { queue } = fifoSetup();
    queue.send('1', { groupId: 'g' });
    queue.send('2', { groupId: 'g' });
    const m = queue.receive()[0];
    let fired = 0;
    const off = queue.onVisible(() => fired++);
    queue.delete(m.receiptHandle);
    assert.equal(fired, 1);
    off();
    queue.delete(queue.receive()[0].receiptHandle);
    queue.send('3', { groupId: 'g' });
    assert.equal(fired, 1);
  });
});

describe('Queue: purge', () => {
  it('removes visible, in-flight and delayed messages and invalidates handles', () => {
    const { ctx, queue } = setup();
    queue.send('a');
    queue.send('b');
    queue.send('c', { delayS: 10 });
    const m = queue.receive()[0];
    assert.equal(queue.purge(), 3);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.equal(ctx.trace.count('purged', 'orders'), 3);
    assert.equal(queue.delete(m.receiptHandle), false);
    assert.equal(ctx.clock.pending, 0);
  });

  it('allows one purge per 60 seconds', () => {
    const { ctx, queue } = setup();
    queue.purge();
    ctx.clock.advance(59 * S);
    queue.send('keep');
    throwsEngine(() => queue.purge(), 'PurgeQueueInProgress');
    assert.equal(queue.depth().visible, 1);
    ctx.clock.advance(1 * S);
    assert.equal(queue.purge(), 1);
  });
});

describe('Queue: messages() snapshot and depth()', () => {
  it('lists every message oldest first with its state', () => {
    const { ctx, queue } = setup();
    queue.send('a');
    ctx.clock.advance(1);
    queue.send('b', { delayS: 5 });
    ctx.clock.advance(1);
    queue.send('c');
    queue.receive(); // a in flight
    const snapshot = queue.messages();
    assert.deepEqual(
      snapshot.map((m) => [m.body, m.state, m.receiveCount, m.sentAt, m.visibleAt]),
      [
        ['a', 'in-flight', 1, 0, 2 + 30 * S],
        ['b', 'delayed', 0, 1, 1 + 5 * S],
        ['c', 'visible', 0, 2, 2],
      ],
    );
    assert.deepEqual(queue.depth(), { visible: 1, inFlight: 1, delayed: 1 });
    snapshot.pop();
    assert.equal(queue.messages().length, 3, 'a copy');
  });
});

describe('Queue: determinism', () => {
  it('the same operations and seed give the same trace byte for byte', () => {
    const run = () => {
      const ctx = new EngineContext({ seed: 42 });
      const dlq = new Queue(ctx, { name: 'dlq' });
      const queue = new Queue(ctx, { name: 'q', visibilityTimeoutS: 2, duplicateRate: 0.2, deadLetter: { queue: dlq, maxReceiveCount: 2 } });
      for (let i = 0; i < 30; i++) {
        queue.send(`m${i}`, { delayS: i % 3 });
        ctx.clock.advance(500);
        const got = queue.receive({ max: 3 });
        if (got.length && i % 2 === 0) queue.delete(got[0].receiptHandle);
      }
      ctx.clock.advance(60 * S);
      while (queue.receive({ max: 10 }).length) ctx.clock.advance(2 * S);
      return ctx.trace.records().map(toJsonLine).join('\n');
    };
    assert.equal(run(), run());
  });
});
