import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EngineContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { MessageSnapshot, Queue, ReceivedMessage } from '../../src/engine/queue';
import { toJsonLine, TraceRecord } from '../../src/engine/trace';

/**
 * Random interleavings of send / receive / delete / changeVisibility / advance-time against a queue
 * with a dead-letter queue, checked against the documented SQS rules:
 * - no message is lost: every accepted message ends deleted, dead-lettered (then handled in the DLQ) or expired;
 * - a FIFO group is consumed in send order, never while one of its messages is in flight;
 * - a delete or visibility change works only through the latest receipt handle of a message still there;
 * - the same operations and seed give the same trace.
 */

interface Config {
  fifo: boolean;
  visibilityS: number;
  retentionS: number;
  delayS: number;
  maxReceiveCount: number | undefined;
  duplicateRate: number;
}

type Op =
  | { op: 'send'; group: number; delayS: number; dedup: number }
  | { op: 'receive'; max: number; visibilityS: number | undefined }
  | { op: 'delete'; pick: number }
  | { op: 'change'; pick: number; timeoutS: number }
  | { op: 'advance'; ms: number };

const configArb: fc.Arbitrary<Config> = fc.boolean().chain((fifo) =>
  fc.record({
    fifo: fc.constant(fifo),
    visibilityS: fc.integer({ min: 1, max: 5 }),
    retentionS: fc.integer({ min: 60, max: 120 }),
    delayS: fc.integer({ min: 0, max: 2 }),
    maxReceiveCount: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    duplicateRate: fifo ? fc.constant(0) : fc.constantFrom(0, 0, 0.3),
  }),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('send' as const), group: fc.integer({ min: 0, max: 2 }), delayS: fc.integer({ min: 0, max: 3 }), dedup: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('receive' as const), max: fc.integer({ min: 1, max: 10 }), visibilityS: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('change' as const), pick: fc.nat(), timeoutS: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 8000 }) }) },
);

const opsArb = fc.array(opArb, { maxLength: 80, size: 'max' });
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

function succeeds(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    if (error instanceof EngineError) return false;
    throw error;
  }
}

function checkDepth(queue: Queue): void {
  const snapshot = queue.messages();
  const count = (state: MessageSnapshot['state']) => snapshot.filter((m) => m.state === state).length;
  assert.deepEqual(queue.depth(), { visible: count('visible'), inFlight: count('in-flight'), delayed: count('delayed') });
  for (let i = 1; i < snapshot.length; i++) assert.ok(snapshot[i - 1].sentAt <= snapshot[i].sentAt, 'oldest first');
}

/** Runs the operations; asserts the per-step rules (handles, FIFO order); returns what was accepted. */
function run(config: Config, ops: Op[], seed: number) {
  const ctx = new EngineContext({ seed });
  const dlq = new Queue(ctx, { name: config.fifo ? 'dlq.fifo' : 'dlq', fifo: config.fifo, retentionS: config.retentionS });
  const queue = new Queue(ctx, {
    name: config.fifo ? 'src.fifo' : 'src',
    fifo: config.fifo,
    visibilityTimeoutS: config.visibilityS,
    retentionS: config.retentionS,
    delayS: config.delayS,
    duplicateRate: config.duplicateRate,
    deadLetter: config.maxReceiveCount === undefined ? undefined : { queue: dlq, maxReceiveCount: config.maxReceiveCount },
  });

  const accepted: string[] = [];
  const sendIndex = new Map<string, number>();
  const handles: Array<{ handle: string; messageId: string }> = [];
  const latest = new Map<string, string>(); // messageId → latest receipt handle
  const deletedThrough = new Set<string>();
  const exactOracle = config.duplicateRate === 0; // copies share ids: the exact handle oracle needs one copy per id

  const stateOf = (messageId: string) => queue.messages().find((m) => m.messageId === messageId)?.state;

  for (const op of ops) {
    switch (op.op) {
      case 'send': {
        const groupId = `g${op.group}`;
        const result = config.fifo
          ? queue.send(`body-${accepted.length}`, { groupId, deduplicationId: `d${op.dedup}` })
          : queue.send(`body-${accepted.length}`, { groupId, delayS: op.delayS });
        if (!result.deduplicated) {
          accepted.push(result.messageId);
          sendIndex.set(result.messageId, sendIndex.size);
        } else {
          assert.ok(sendIndex.has(result.messageId), 'a deduplicated send answers with an accepted id');
        }
        break;
      }
      case 'receive': {
        const before = queue.messages();
        const traceStart = ctx.trace.length;
        const batch: ReceivedMessage[] = queue.receive({ max: op.max, visibilityTimeoutS: op.visibilityS });
        assert.ok(batch.length <= op.max);
        const deadLettered = new Set(
          ctx.trace
            .records()
            .filter((r) => r.seq > traceStart && r.kind === 'dead-lettered')
            .map((r) => r.id!),
        );
        for (const m of batch) {
          handles.push({ handle: m.receiptHandle, messageId: m.messageId });
          latest.set(m.messageId, m.receiptHandle);
          assert.ok(
            queue.messages().some((x) => x.messageId === m.messageId && x.state === 'in-flight'),
            'a received message is in flight',
          );
        }
        if (config.fifo) {
          for (const groupId of new Set(batch.map((m) => m.groupId!))) {
            const inGroup = before.filter((m) => m.groupId === groupId).sort((a, b) => sendIndex.get(a.messageId)! - sendIndex.get(b.messageId)!);
            assert.ok(!inGroup.some((m) => m.state === 'in-flight'), `group ${groupId} delivered while a message of it was in flight`);
            const deliverable = inGroup.filter((m) => m.state === 'visible' && !deadLettered.has(m.messageId)).map((m) => m.messageId);
            const delivered = batch.filter((m) => m.groupId === groupId).map((m) => m.messageId);
            assert.deepEqual(delivered, deliverable.slice(0, delivered.length), `group ${groupId} out of order`);
            const lastIndex = sendIndex.get(delivered[delivered.length - 1])!;
            assert.ok(!inGroup.some((m) => m.state === 'delayed' && sendIndex.get(m.messageId)! < lastIndex), 'skipped an older message');
          }
        }
        break;
      }
      case 'delete':
      case 'change': {
        if (handles.length === 0) break;
        const { handle, messageId } = handles[op.pick % handles.length];
        const state = stateOf(messageId);
        const isLatest = latest.get(messageId) === handle;
        const ok =
          op.op === 'delete'
            ? queue.delete(handle) // an old handle of this queue is accepted and deletes nothing
            : succeeds(() => queue.changeVisibility(handle, op.timeoutS));
        if (ok) assert.ok(!deletedThrough.has(handle), 'a handle worked again after its message was deleted');
        if (ok && op.op === 'delete') deletedThrough.add(handle);
        if (exactOracle) {
          // Works iff it is the latest handle of a message still in the queue (in flight, or for a
          // standard-queue delete also visible again); FIFO handles expire with the visibility timeout.
          if (ok) assert.ok(isLatest, 'an old receipt handle was accepted');
          const expected = isLatest && state !== undefined && (op.op === 'change' || config.fifo ? state === 'in-flight' : true);
          assert.equal(ok, expected, `${op.op} with ${isLatest ? 'latest' : 'stale'} handle of a ${state ?? 'gone'} message`);
          if (ok && op.op === 'delete') assert.equal(stateOf(messageId), undefined);
        }
        break;
      }
      case 'advance':
        ctx.clock.advance(op.ms);
        break;
    }
    checkDepth(queue);
    checkDepth(dlq);
  }
  return { ctx, queue, dlq, accepted };
}

/** A diligent consumer empties both queues (waiting out delays and visibility timeouts). */
function consumeEverything(ctx: EngineContext, queues: Queue[]): void {
  const remaining = () => queues.reduce((n, q) => n + q.messages().length, 0);
  for (let i = 0; i < 1000 && remaining() > 0; i++) {
    for (const q of queues) for (const m of q.receive({ max: 10 })) q.delete(m.receiptHandle);
    ctx.clock.advance(1000);
  }
  assert.equal(remaining(), 0, 'queues did not empty');
}

function countBy(records: TraceRecord[], resource: string, id: string, ...kinds: string[]): number {
  return records.filter((r) => r.resource === resource && r.id === id && kinds.includes(r.kind)).length;
}

describe('Queue properties (random interleavings)', () => {
  it('no message is lost: each accepted message ends deleted, dead-lettered or expired', () => {
    fc.assert(
      fc.property(configArb, opsArb, seedArb, (config, ops, seed) => {
        const { ctx, queue, dlq, accepted } = run(config, ops, seed);
        consumeEverything(ctx, [queue, dlq]);
        const records = ctx.trace.records();
        for (const id of accepted) {
          // Every stored copy (the message plus at-least-once duplicates) reached an end.
          const copies = countBy(records, queue.name, id, 'sent', 'duplicate');
          const ends = countBy(records, queue.name, id, 'deleted', 'expired', 'dead-lettered', 'purged');
          assert.equal(ends, copies, `message ${id}: ${copies} copies, ${ends} ends`);
          assert.ok(copies >= 1);
          const moved = countBy(records, queue.name, id, 'dead-lettered');
          assert.equal(countBy(records, dlq.name, id, 'sent'), moved);
          assert.equal(countBy(records, dlq.name, id, 'deleted', 'expired'), moved);
        }
        assert.equal(ctx.trace.count('sent', queue.name), accepted.length);
      }),
      { numRuns: 300 },
    );
  });

  it('FIFO groups are consumed in order and only through the latest receipt handle', () => {
    fc.assert(
      fc.property(
        configArb.map((c) => ({ ...c, fifo: true, duplicateRate: 0 })),
        opsArb,
        seedArb,
        (config, ops, seed) => {
          run(config, ops, seed); // the per-step assertions are the property
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a consumer that finishes in order sees each FIFO group in send order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60, size: 'max' }), fc.array(fc.boolean(), { maxLength: 100 }), (groups, failures) => {
        const ctx = new EngineContext();
        const queue = new Queue(ctx, { name: 'o.fifo', fifo: true, contentBasedDeduplication: true, visibilityTimeoutS: 1 });
        groups.forEach((g, i) => queue.send(`${g}:${i}`, { groupId: `g${g}` }));
        const consumed = new Map<string, number[]>();
        let step = 0;
        while (queue.messages().length > 0) {
          const failedGroups = new Set<string>();
          for (const m of queue.receive({ max: 3 })) {
            // A failure leaves the message (and the rest of its group in this batch) undeleted:
            // they come back after the 1 s visibility timeout.
            if (failedGroups.has(m.groupId!) || failures[step++]) {
              failedGroups.add(m.groupId!);
              continue;
            }
            queue.delete(m.receiptHandle);
            const list = consumed.get(m.groupId!) ?? [];
            list.push(Number(m.body.split(':')[1]));
            consumed.set(m.groupId!, list);
          }
          ctx.clock.advance(1000);
        }
        for (const list of consumed.values()) assert.deepEqual(list, [...list].sort((a, b) => a - b));
        assert.equal([...consumed.values()].reduce((n, l) => n + l.length, 0), groups.length);
      }),
      { numRuns: 200 },
    );
  });

  it('standard queues: stale handles are rejected and the oracle holds without duplicates', () => {
    fc.assert(
      fc.property(
        configArb.map((c) => ({ ...c, fifo: false, duplicateRate: 0 })),
        opsArb,
        seedArb,
        (config, ops, seed) => {
          run(config, ops, seed);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('determinism: the same operations and seed give identical trace records', () => {
    fc.assert(
      fc.property(configArb, opsArb, seedArb, (config, ops, seed) => {
        const trace = () => {
          const { ctx, queue, dlq } = run(config, ops, seed);
          consumeEverything(ctx, [queue, dlq]);
          return ctx.trace.records().map(toJsonLine);
        };
        assert.deepEqual(trace(), trace());
      }),
      { numRuns: 100 },
    );
  });
});
