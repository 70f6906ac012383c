import assert from 'node:assert/strict';
import { EngineContext } from '../../src/engine/context';
import { ValidationError } from '../../src/engine/errors';
import { addQueueSource, addStreamSource } from '../../src/engine/eventSources';
import type { LabStreamRecord as StreamEventRecord, SqsEventRecord } from '../../src/engine/events';
import { InProcessExecutor, LabApi, ModuleFactory } from '../../src/engine/executor';
import { FunctionConfig, FunctionPlatform } from '../../src/engine/functions';
import { Queue } from '../../src/engine/queue';
import { Stream, StreamRecord } from '../../src/engine/stream';

function validation(path: string) {
  return (err: unknown) => err instanceof ValidationError && err.path === path;
}

const noLab: LabApi = {
  send: () => ({ messageId: 'x' }),
  publish: () => ({ messageId: 'x' }),
  produce: () => ({ partition: 0, offset: 0 }),
  putEvents: () => ({ eventIds: [] }),
  putObject: () => ({ etag: 'x' }),
  getObject: () => undefined,
  tablePut: () => undefined,
  tableGet: () => undefined,
  tableUpdate: () => ({}),
  tableDelete: () => undefined,
  work: () => undefined,
  log: () => undefined,
};

function setup(seed = 1) {
  const ctx = new EngineContext({ seed });
  const executor = new InProcessExecutor();
  const platform = new FunctionPlatform(ctx, { executor, lab: noLab });
  const define = (config: Partial<FunctionConfig> & { name: string }, factory: ModuleFactory) => {
    executor.register(config.name, factory);
    platform.define({ handler: config.name, ...config });
  };
  return { ctx, platform, define };
}

type SqsEvent = { Records: SqsEventRecord[] };
type StreamEvent = { Records: StreamEventRecord[] };

describe('Queue (SQS) event source mapping', () => {
  it('invokes with batches in the SQS event shape and deletes the batch on success', () => {
    const { ctx, platform, define } = setup();
    const queue = new Queue(ctx, { name: 'orders' });
    const seen: SqsEventRecord[] = [];
    define({ name: 'consumer' }, () => ({ handler: (e: SqsEvent) => void seen.push(...e.Records) }));
    for (let i = 0; i < 3; i++) queue.send(`order-${i}`, { attributes: { priority: i } });
    addQueueSource(platform, ctx, 'consumer', queue);
    ctx.clock.drain();
    assert.deepEqual(seen.map((r) => r.body).sort(), ['order-0', 'order-1', 'order-2']);
    assert.equal(seen[0].eventSource, 'aws:sqs');
    assert.match(seen[0].eventSourceARN, /:orders$/);
    assert.equal(seen[0].attributes.ApproximateReceiveCount, '1');
    assert.deepEqual(seen[0].messageAttributes.priority, { stringValue: String(seen[0].body.slice(-1)), stringListValues: [], binaryListValues: [], dataType: 'Number' });
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.equal(ctx.trace.count('deleted', 'orders'), 3);
    assert.equal(ctx.trace.count('invoked', 'consumer'), 1, 'one batch of 3 (batch size 10)');
  });

  it('a failed batch is not deleted: it comes back after the visibility timeout', () => {
    const { ctx, platform, define } = setup();
    const queue = new Queue(ctx, { name: 'jobs', visibilityTimeoutS: 30 });
    const attempts: Array<[number, string]> = [];
    define({ name: 'flaky', durationMs: 10 }, () => {
      let calls = 0;
      return {
        handler: (e: SqsEvent) => {
          attempts.push([ctx.clock.now, e.Records[0].attributes.ApproximateReceiveCount]);
          if (++calls === 1) throw new Error('transient');
        },
      };
    });
    queue.send('job');
    addQueueSource(platform, ctx, 'flaky', queue);
    ctx.clock.drain();
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0][1], '1');
    assert.equal(attempts[1][1], '2');
    assert.ok(attempts[1][0] >= 30_000, `redelivered after the visibility timeout, got ${attempts[1][0]}`);
    assert.equal(queue.depth().visible + queue.depth().inFlight, 0);
  });

  it('partial batch failures: only the reported messages return to the queue', () => {
    const { ctx, platform, define } = setup();
    const queue = new Queue(ctx, { name: 'q', visibilityTimeoutS: 5 });
    const bodies: string[][] = [];
    define({ name: 'partial' }, () => ({
      handler: (e: SqsEvent) => {
        bodies.push(e.Records.map((r) => r.body));
        return { batchItemFailures: e.Records.filter((r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1').map((r) => ({ itemIdentifier: r.messageId })) };
      },
    }));
    for (const b of ['a', 'b', 'c']) queue.send(b);
    addQueueSource(platform, ctx, 'partial', queue, { reportBatchItemFailures: true });
    ctx.clock.drain();
    assert.deepEqual(bodies, [['a', 'b', 'c'], ['b']]);
    assert.equal(ctx.trace.count('deleted', 'q'), 3);
  });

  it('without reportBatchItemFailures a returned batchItemFailures is ignored (all deleted)', () => {
    const { ctx, platform, define } = setup();
    const queue = new Queue(ctx, { name: 'q' });
    define({ name: 'fn' }, () => ({ handler: (e: SqsEvent) => ({ batchItemFailures: [{ itemIdentifier: e.Records[0].messageId }] }) }));
    queue.send('a');
    addQueueSource(platform, ctx, 'fn', queue);
    ctx.clock.drain();
    assert.equal(ctx.trace.count('invoked', 'fn'), 1);
    assert.equal(ctx.trace.count('deleted', 'q'), 1);
  });

  it('an invalid itemIdentifier fails the whole batch', () => {
    const { ctx, platform, define } = setup();
    const queue = new Queue(ctx, { name: 'q', visibilityTimeoutS: 5 });
    let calls = 0;
    define({ name: 'fn' }, () => ({ handler: () => (++calls === 1 ? { batchItemFailures: [{ itemIdentifier: '' }] } : {}) }));
    queue.send('a');
    queue.send('b');
    addQueueSource(platform, ctx, 'fn', queue, { reportBatchItemFailures: true });
    ctx.clock.drain();
    assert.equal(calls, 2);
    assert.equal(ctx.trace.count('received', 'q'), 4, 'both messages were delivered twice');
  });

  it('an unusable partial batch response is traced as response-rejected, saying why, as Lambda reads it', () => {
    const answers: unknown[] = [
      { batchItemFailures: 'msg-1' },
      { batchItemFailures: ['not-an-object'] },
      { batchItemFailures: [{ id: 'x' }] },
      { batchItemFailures: [{ itemIdentifier: 'order-7' }] },
    ];
    const reasons = answers.map((answer) => {
      const { ctx, platform, define } = setup();
      const queue = new Queue(ctx, { name: 'q', visibilityTimeoutS: 5 });
      let calls = 0;
      define({ name: 'fn' }, () => ({ handler: () => (++calls === 1 ? answer : undefined) }));
      queue.send('a');
      queue.send('b');
      addQueueSource(platform, ctx, 'fn', queue, { reportBatchItemFailures: true });
      ctx.clock.drain();
      assert.equal(ctx.trace.count('received', 'q'), 4, 'the whole batch came back');
      const rejected = ctx.trace.records().filter((r) => r.kind === 'response-rejected');
      assert.equal(rejected.length, 1);
      assert.equal(rejected[0].resource, 'fn');
      assert.equal(rejected[0].cause, 'q');
      assert.equal(rejected[0].id, ctx.trace.records().find((r) => r.kind === 'invoked')!.id, 'names the invocation');
      assert.deepEqual(rejected[0].detail?.returned, answer);
      return String(rejected[0].detail?.reason);
    });
    assert.match(reasons[0], /batchItemFailures must be a list .* got "msg-1"/);
    assert.match(reasons[1], /batchItemFailures\[0\] must be an object \{ itemIdentifier: messageId \}, got "not-an-object"/);
    assert.match(reasons[2], /batchItemFailures\[0\]\.itemIdentifier is missing or empty/);
    assert.match(reasons[3], /itemIdentifier "order-7" is not the messageId of a message in this batch/);
  });

  it('a usable partial batch response (or none) is not rejected', () => {
    for (const answer of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      const { ctx, platform, define } = setup();
      const queue = new Queue(ctx, { name: 'q' });
      define({ name: 'fn' }, () => ({ handler: () => answer }));
      queue.send('a');
      addQueueSource(platform, ctx, 'fn', queue, { reportBatchItemFailures: true });
      ctx.clock.drain();
      assert.equal(ctx.trace.count('response-rejected'), 0, JSON.stringify(answer));
      assert.equal(ctx.trace.count('deleted', 'q'), 1);
    }
  });

  it('a poison message reaches the dead-letter queue after maxReceiveCount receives', () => {
    const { ctx, platform, define } = setup();
    const dlq = new Queue(ctx, { name: 'orders-dlq' });
    const queue = new Queue(ctx, { name: 'orders', visibilityTimeoutS: 10, deadLetter: { queue: dlq, maxReceiveCount: 3 } });
    let poisonAttempts = 0;
    define({ name: 'consumer' }, () => ({
      handler: (e: SqsEvent) => {
        for (const r of e.Records) {
          if (r.body === 'poison') {
            poisonAttempts++;
            throw new Error('cannot parse');
          }
        }
      },
    }));
    queue.send('poison');
    addQueueSource(platform, ctx, 'consumer', queue, { batchSize: 1 });
    ctx.clock.runUntil(60_000);
    queue.send('fine');
    ctx.clock.runUntil(120_000);
    assert.equal(poisonAttempts, 3);
    assert.deepEqual(dlq.messages().map((m) => m.body), ['poison']);
    assert.equal(ctx.trace.count('dead-lettered', 'orders'), 1);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.equal(ctx.trace.count('succeeded', 'consumer'), 1, 'the good message went through');
  });

  it('a throttled invoke leaves the batch in flight: it returns after the visibility timeout (and counts as a receive)', () => {
    const { ctx, platform, define } = setup();
    const dlq = new Queue(ctx, { name: 'dlq' });
    const queue = new Queue(ctx, { name: 'q', visibilityTimeoutS: 20, deadLetter: { queue: dlq, maxReceiveCount: 2 } });
    define({ name: 'off', reservedConcurrency: 0 }, () => ({ handler: () => undefined }));
    queue.send('m');
    addQueueSource(platform, ctx, 'off', queue);
    ctx.clock.runUntil(10_000);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 1, delayed: 0 });
    ctx.clock.runUntil(120_000);
    assert.equal(ctx.trace.count('throttled', 'off'), 2);
    assert.equal(dlq.depth().visible, 1);
  });

  it('scales pollers up while messages wait, capped by maxConcurrency', () => {
    const { ctx, platform, define } = setup();
    const queue = new Queue(ctx, { name: 'q', visibilityTimeoutS: 60 });
    define({ name: 'slow', durationMs: 1000 }, () => ({ handler: () => undefined }));
    for (let i = 0; i < 40; i++) queue.send(`m${i}`);
    let peak = 0;
    ctx.trace.subscribe((r) => {
      if (r.kind === 'invoked') peak = Math.max(peak, platform.concurrency('slow'));
    });
    addQueueSource(platform, ctx, 'slow', queue, { batchSize: 1, maxConcurrency: 3 });
    ctx.clock.runUntil(120_000);
    assert.equal(peak, 3);
    assert.equal(ctx.trace.count('succeeded', 'slow'), 40);

    // Without a cap: 5 pollers at first, then one more every 200 ms.
    const b = setup();
    const q2 = new Queue(b.ctx, { name: 'q', visibilityTimeoutS: 60 });
    b.define({ name: 'slow', durationMs: 10_000, timeoutS: 30 }, () => ({ handler: () => undefined }));
    for (let i = 0; i < 100; i++) q2.send(`m${i}`);
    addQueueSource(b.platform, b.ctx, 'slow', q2, { batchSize: 1 });
    b.ctx.clock.runUntil(1);
    assert.equal(b.platform.concurrency('slow'), 5);
    b.ctx.clock.runUntil(1000);
    assert.equal(b.platform.concurrency('slow'), 10);
  });

  it('batching window: gathers messages until the window ends, then invokes once', () => {
    const { ctx, platform, define } = setup();
    const queue = new Queue(ctx, { name: 'q' });
    const batches: Array<[number, number]> = [];
    define({ name: 'fn' }, () => ({ handler: (e: SqsEvent) => void batches.push([ctx.clock.now, e.Records.length]) }));
    addQueueSource(platform, ctx, 'fn', queue, { batchSize: 100, batchingWindowS: 5 });
    queue.send('a');
    ctx.clock.schedule(1000, () => queue.send('b'));
    ctx.clock.schedule(2000, () => queue.send('c'));
    ctx.clock.drain();
    assert.deepEqual(batches, [[5000 + 150, 3]]); // window ends at 5 s, then the cold start's 150 ms init
  });

  // "Using Lambda with Amazon SQS" → partial batch responses: with a FIFO queue, the function
  // should stop processing after the first failure and return the failed and every unprocessed
  // message in batchItemFailures; Lambda deletes every message not listed.
  const fifoRun = (listLater: boolean): { order: string[]; queue: Queue } => {
    const { ctx, platform, define } = setup();
    const queue = new Queue(ctx, { name: 'q.fifo', fifo: true, contentBasedDeduplication: true, visibilityTimeoutS: 5 });
    const order: string[] = [];
    define({ name: 'fn' }, () => {
      let failedOnce = false;
      return {
        handler: (e: SqsEvent) => {
          const failures: Array<{ itemIdentifier: string }> = [];
          for (const r of e.Records) {
            if (failures.length) {
              if (listLater) failures.push({ itemIdentifier: r.messageId }); // not processed: list it too
              continue;
            }
            if (r.body === 'A2' && !failedOnce) {
              failedOnce = true;
              failures.push({ itemIdentifier: r.messageId });
              continue;
            }
            order.push(r.body);
          }
          return { batchItemFailures: failures };
        },
      };
    });
    for (const [g, b] of [['A', 'A1'], ['B', 'B1'], ['A', 'A2'], ['B', 'B2'], ['A', 'A3']]) queue.send(b, { groupId: g });
    addQueueSource(platform, ctx, 'fn', queue, { reportBatchItemFailures: true });
    ctx.clock.drain();
    return { order, queue };
  };

  it('FIFO partial batch: listing the failed message and every later one keeps each group in order', () => {
    const { order, queue } = fifoRun(true);
    assert.deepEqual(order.filter((b) => b.startsWith('A')), ['A1', 'A2', 'A3']);
    assert.deepEqual(order.filter((b) => b.startsWith('B')), ['B1', 'B2']);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('FIFO partial batch: a message not listed is deleted, even a later one of the failed group (it is lost)', () => {
    const { order, queue } = fifoRun(false);
    // A2 failed and was listed; the messages after it in the batch (A3 among them) were skipped
    // and not listed: Lambda deleted them. Only A2 comes back.
    assert.ok(order.includes('A1') && order.includes('A2'));
    assert.ok(!order.includes('A3'), 'A3 was deleted unprocessed');
    assert.equal(order.filter((b) => b === 'A2').length, 1);
    assert.deepEqual(queue.depth(), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('stop(): no more polling', () => {
    const { ctx, platform, define } = setup();
    const queue = new Queue(ctx, { name: 'q' });
    define({ name: 'fn' }, () => ({ handler: () => undefined }));
    const mapping = addQueueSource(platform, ctx, 'fn', queue);
    ctx.clock.drain();
    mapping.stop();
    queue.send('late');
    ctx.clock.runUntil(120_000);
    assert.equal(ctx.trace.count('invoked', 'fn'), 0);
    assert.equal(queue.depth().visible, 1);
  });

  it('rejects bad options naming the field', () => {
    const { ctx, platform, define } = setup();
    define({ name: 'fn' }, () => ({ handler: () => undefined }));
    const queue = new Queue(ctx, { name: 'q' });
    const fifo = new Queue(ctx, { name: 'q.fifo', fifo: true });
    assert.throws(() => addQueueSource(platform, ctx, 'nope', queue), validation('fn'));
    assert.throws(() => addQueueSource(platform, ctx, 'fn', queue, { batchSize: 0 }), validation('batchSize'));
    assert.throws(() => addQueueSource(platform, ctx, 'fn', queue, { batchSize: 10_001, batchingWindowS: 1 }), validation('batchSize'));
    assert.throws(() => addQueueSource(platform, ctx, 'fn', fifo, { batchSize: 11, batchingWindowS: 1 }), validation('batchSize'));
    // Lambda refuses a batching window on a FIFO queue's mapping (CreateEventSourceMapping, MaximumBatchingWindowInSeconds).
    assert.throws(() => addQueueSource(platform, ctx, 'fn', fifo, { batchingWindowS: 1 }), validation('batchingWindowS'));
    assert.throws(() => addQueueSource(platform, ctx, 'fn', queue, { batchSize: 100 }), validation('batchingWindowS'));
    assert.throws(() => addQueueSource(platform, ctx, 'fn', queue, { batchingWindowS: 301 }), validation('batchingWindowS'));
    assert.throws(() => addQueueSource(platform, ctx, 'fn', queue, { maxConcurrency: 1 }), validation('maxConcurrency'));
    assert.throws(() => addQueueSource(platform, ctx, 'fn', queue, { reportBatchItemFailures: 'yes' as unknown as boolean }), validation('reportBatchItemFailures'));
    queue.send('m');
    ctx.clock.runUntil(120_000);
    assert.equal(ctx.trace.count('received', 'q'), 0, 'rejected mappings do not poll');
  });
});

describe('Stream event source mapping', () => {
  it('processes each partition in offset order and commits after each batch', () => {
    const { ctx, platform, define } = setup();
    const stream = new Stream(ctx, { name: 'clicks', partitions: 3 });
    const seen: StreamEventRecord[] = [];
    define({ name: 'fn', durationMs: 20 }, () => ({ handler: (e: StreamEvent) => void seen.push(...e.Records) }));
    addStreamSource(platform, ctx, 'fn', stream, { batchSize: 4 });
    for (let i = 0; i < 30; i++) ctx.clock.at(i * 7, () => stream.produce(`v${i}`, { key: `user-${i % 5}` }));
    ctx.clock.drain();
    assert.equal(seen.length, 30);
    for (let p = 0; p < 3; p++) {
      const offsets = seen.filter((r) => r.partition === p).map((r) => r.offset);
      assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), `partition ${p} in order`);
      assert.equal(new Set(offsets).size, offsets.length, 'no record twice');
      assert.equal(stream.groups()[0].lag(p), 0);
    }
    assert.ok(seen.every((r) => r.topic === 'clicks' && r.eventSource === 'aws:kafka'));
    assert.ok(ctx.trace.count('invoked', 'fn') < 30, 'records are batched');
  });

  it('partitions are processed in parallel, one batch at a time each', () => {
    const { ctx, platform, define } = setup();
    const stream = new Stream(ctx, { name: 's', partitions: 4 });
    define({ name: 'fn', durationMs: 100 }, () => ({ handler: () => undefined }));
    for (let i = 0; i < 40; i++) stream.produce(`v${i}`, { partition: i % 4 });
    let peak = 0;
    ctx.trace.subscribe((r) => {
      if (r.kind === 'invoked') peak = Math.max(peak, platform.concurrency('fn'));
    });
    addStreamSource(platform, ctx, 'fn', stream, { batchSize: 2 });
    ctx.clock.drain();
    assert.equal(peak, 4);
    assert.equal(ctx.trace.count('succeeded', 'fn'), 20);
  });

  it('an error retries the same batch and blocks its partition until it succeeds', () => {
    const { ctx, platform, define } = setup();
    const stream = new Stream(ctx, { name: 's' });
    const calls: number[][] = [];
    define({ name: 'fn' }, () => {
      let n = 0;
      return {
        handler: (e: StreamEvent) => {
          calls.push(e.Records.map((r) => r.offset));
          if (++n <= 2) throw new Error('downstream unavailable');
        },
      };
    });
    stream.produce('a');
    stream.produce('b');
    addStreamSource(platform, ctx, 'fn', stream);
    ctx.clock.schedule(100, () => stream.produce('c')); // arrives while batch [0,1] is failing
    ctx.clock.drain();
    assert.deepEqual(calls, [[0, 1], [0, 1], [0, 1], [2]]);
    assert.equal(ctx.trace.count('retried', 'fn'), 2);
    assert.equal(stream.groups()[0].committed(0), 3);
  });

  it('after maxRetryAttempts the batch goes to onFailure and the partition moves on', () => {
    const { ctx, platform, define } = setup();
    const stream = new Stream(ctx, { name: 's' });
    const failed: Array<[string[], string]> = [];
    let calls = 0;
    define({ name: 'fn' }, () => ({
      handler: (e: StreamEvent) => {
        calls++;
        if (e.Records.some((r) => r.value === 'bad')) throw new Error('bad record');
      },
    }));
    for (const v of ['x', 'bad', 'y']) stream.produce(v);
    addStreamSource(platform, ctx, 'fn', stream, { maxRetryAttempts: 2, onFailure: (records: StreamRecord[], error) => failed.push([records.map((r) => r.value!), error]) });
    ctx.clock.schedule(100_000, () => stream.produce('z'));
    ctx.clock.drain();
    assert.equal(calls, 3 + 1, '1 attempt + 2 retries, then the next batch');
    assert.deepEqual(failed, [[['x', 'bad', 'y'], 'Error: bad record']]);
    assert.equal(ctx.trace.count('dead-lettered', 'fn'), 3);
    assert.equal(stream.groups()[0].committed(0), 4);
  });

  it('bisectOnError splits the failing batch until the bad record is isolated', () => {
    const { ctx, platform, define } = setup();
    const stream = new Stream(ctx, { name: 's' });
    const processed: string[] = [];
    const failed: string[][] = [];
    define({ name: 'fn' }, () => ({
      handler: (e: StreamEvent) => {
        if (e.Records.some((r) => r.value === 'bad')) throw new Error('bad record');
        for (const r of e.Records) processed.push(r.value!);
      },
    }));
    const values = ['v0', 'v1', 'v2', 'v3', 'v4', 'bad', 'v6', 'v7'];
    for (const v of values) stream.produce(v);
    addStreamSource(platform, ctx, 'fn', stream, { bisectOnError: true, maxRetryAttempts: 0, onFailure: (records) => failed.push(records.map((r) => r.value!)) });
    ctx.clock.drain();
    assert.deepEqual(failed, [['bad']]);
    assert.deepEqual(processed, values.filter((v) => v !== 'bad'), 'all others processed, in order');
    assert.equal(stream.groups()[0].committed(0), 8);
  });

  it('maxRecordAgeS discards records too old to retry, even with unlimited retries', () => {
    const { ctx, platform, define } = setup();
    const stream = new Stream(ctx, { name: 's' });
    define({ name: 'fn' }, () => ({
      handler: () => {
        throw new Error('always');
      },
    }));
    stream.produce('old');
    addStreamSource(platform, ctx, 'fn', stream, { maxRecordAgeS: 60 });
    ctx.clock.drain();
    const dropped = ctx.trace.records().filter((r) => r.kind === 'dropped');
    assert.equal(dropped.length, 1);
    assert.ok(dropped[0].t > 60_000 && dropped[0].t < 200_000);
    assert.equal(stream.groups()[0].committed(0), 1);
  });

  it('startingPosition LATEST skips records produced before the mapping', () => {
    const { ctx, platform, define } = setup();
    const stream = new Stream(ctx, { name: 's' });
    const seen: string[] = [];
    define({ name: 'fn' }, () => ({ handler: (e: StreamEvent) => void seen.push(...e.Records.map((r) => r.value!)) }));
    stream.produce('before');
    addStreamSource(platform, ctx, 'fn', stream, { startingPosition: 'LATEST' });
    stream.produce('after');
    ctx.clock.drain();
    assert.deepEqual(seen, ['after']);
  });

  it('rejects bad options naming the field', () => {
    const { ctx, platform, define } = setup();
    define({ name: 'fn' }, () => ({ handler: () => undefined }));
    const stream = new Stream(ctx, { name: 's' });
    assert.throws(() => addStreamSource(platform, ctx, 'nope', stream), validation('fn'));
    assert.throws(() => addStreamSource(platform, ctx, 'fn', stream, { batchSize: 0 }), validation('batchSize'));
    assert.throws(() => addStreamSource(platform, ctx, 'fn', stream, { startingPosition: 'AT_TIMESTAMP' as 'LATEST' }), validation('startingPosition'));
    assert.throws(() => addStreamSource(platform, ctx, 'fn', stream, { maxRetryAttempts: -2 }), validation('maxRetryAttempts'));
    assert.throws(() => addStreamSource(platform, ctx, 'fn', stream, { maxRecordAgeS: 30 }), validation('maxRecordAgeS'));
    assert.throws(() => addStreamSource(platform, ctx, 'fn', stream, { bisectOnError: 1 as unknown as boolean }), validation('bisectOnError'));
    assert.equal(stream.groups().length, 0, 'rejected mappings create no consumer group');
  });
});

describe('Queue (SQS) event source mapping: at-least-once copies', () => {
  it("a duplicate copy goes to another receive, so another environment handles it while the original is handled (never both in one batch)", () => {
    const { ctx, platform, define } = setup(3);
    const queue = new Queue(ctx, { name: 'q', duplicateRate: 0.3 });
    /** Per invocation: its message ids and when it ran. */
    const batches: Array<{ ids: string[]; start: number; end: number }> = [];
    define({ name: 'consumer', durationMs: 200 }, () => ({
      handler: (e: SqsEvent) => void batches.push({ ids: e.Records.map((r) => r.messageId), start: ctx.clock.now, end: ctx.clock.now + 200 }),
    }));
    addQueueSource(platform, ctx, 'consumer', queue, { batchSize: 10 });
    for (let i = 0; i < 60; i++) ctx.clock.at(i * 50, () => queue.send(`order-${i}`));
    ctx.clock.drain();
    const copies = ctx.trace.count('duplicate', 'q');
    assert.ok(copies >= 5, `the queue left copies (${copies})`);
    for (const b of batches) assert.equal(new Set(b.ids).size, b.ids.length, `a batch holds one copy of each message: ${b.ids.join(',')}`);
    const handlers = new Map<string, typeof batches>();
    for (const b of batches) for (const id of b.ids) handlers.set(id, [...(handlers.get(id) ?? []), b]);
    const twice = [...handlers].filter(([, list]) => list.length > 1);
    assert.ok(twice.length >= copies / 2, `copies were handled by separate invocations (${twice.length} of ${copies})`);
    const overlapping = twice.filter(([, [a, b]]) => a.start < b.end && b.start < a.end);
    assert.ok(overlapping.length > 0, 'some copy was handled while its original was still being handled');
  });
});

describe('Event source mappings: determinism', () => {
  it('the same seed gives the same trace byte for byte', () => {
    const run = () => {
      const { ctx, platform, define } = setup(7);
      const dlq = new Queue(ctx, { name: 'dlq' });
      const queue = new Queue(ctx, { name: 'q', visibilityTimeoutS: 5, deadLetter: { queue: dlq, maxReceiveCount: 2 }, duplicateRate: 0.1 });
      const stream = new Stream(ctx, { name: 's', partitions: 2 });
      define({ name: 'fn', reservedConcurrency: 3 }, (lab) => ({
        handler: () => {
          lab.work(ctx.random.int(300));
          if (ctx.random.chance(0.2)) throw new Error('random failure');
        },
      }));
      addQueueSource(platform, ctx, 'fn', queue, { batchSize: 2 });
      addStreamSource(platform, ctx, 'fn', stream, { batchSize: 3, bisectOnError: true, maxRetryAttempts: 1 });
      for (let i = 0; i < 40; i++) {
        ctx.clock.at(ctx.random.int(10_000), () => (i % 2 ? queue.send(`m${i}`) : stream.produce(`r${i}`, { key: `k${i % 3}` })));
      }
      ctx.clock.runUntil(300_000);
      return ctx.trace.records().map((r) => JSON.stringify(r)).join('\n');
    };
    const first = run();
    assert.ok(first.length > 2000);
    assert.equal(run(), first);
  });
});

describe('SQS event source on a FIFO queue whose only group is busy', () => {
  it('waits for the group to unblock instead of polling again at the same instant', () => {
     
    const { Simulation } = require('../../src/engine/simulation') as typeof import('../../src/engine/simulation');
    const sim = new Simulation(
      {
        name: 'fifo-one-group',
        durationS: 10,
        queues: [{ name: 'q.fifo', fifo: true }],
        functions: [{ name: 'slow', handler: 'slow', durationMs: 1000, events: [{ queue: 'q.fifo', batchSize: 10 }] }],
        traffic: [{ name: 'gen', target: { queue: 'q.fifo', groupId: 'one-group' }, ratePerSecond: 20 }],
      },
      { handlers: { slow: () => ({ handler: () => undefined }) }, records: { mode: 'none' } },
    );
    const perInstant = new Map<number, number>();
    for (let i = 0; i < 100_000 && sim.step(); i++) perInstant.set(sim.now, (perInstant.get(sim.now) ?? 0) + 1);
    const busiest = Math.max(...perInstant.values());
    assert.ok(busiest < 1_000, `no instant runs a runaway number of events (max ${busiest})`);
    sim.run();
    const summary = sim.summary();
    assert.equal(summary.lost, 0);
    assert.ok(summary.functions.slow.invoked >= 9, `the single group kept being processed (${summary.functions.slow.invoked} batches)`);
  });
});
