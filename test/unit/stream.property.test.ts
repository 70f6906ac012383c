import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EngineContext } from '../../src/engine/context';
import { Stream, StreamRecord } from '../../src/engine/stream';
import { toJsonLine } from '../../src/engine/trace';

/**
 * Properties of the Kafka model under random interleavings of produce, join, leave, poll, commit,
 * partial processing and crashes:
 * - order per partition: what a group reads from a partition is contiguous from where it (re)started,
 *   and after every rebalance it restarts exactly at the committed offset;
 * - at-least-once: a group that commits only what it processed never skips a record;
 * - every rebalance gives each partition exactly one owner, with balanced shares;
 * - determinism: the same seed gives the same trace byte for byte.
 */

const MEMBERS = ['m0', 'm1', 'm2', 'm3'];

type Command =
  | { op: 'produce'; key: string | undefined }
  | { op: 'join'; member: string }
  | { op: 'leave'; member: string }
  /** Poll, process the first `process` records (all when larger), commit what was processed, then
   * `after`: keep going (only when everything was processed), seek back to the first unprocessed
   * record, or crash (leave) without processing the rest. */
  | { op: 'poll'; member: string; max: number; process: number; after: 'seek' | 'crash' }
  | { op: 'commit'; member: string };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('produce' as const), key: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('join' as const), member: fc.constantFrom(...MEMBERS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('leave' as const), member: fc.constantFrom(...MEMBERS) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('poll' as const),
      member: fc.constantFrom(...MEMBERS),
      max: fc.integer({ min: 1, max: 6 }),
      process: fc.integer({ min: 0, max: 8 }),
      after: fc.constantFrom('seek' as const, 'crash' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('commit' as const), member: fc.constantFrom(...MEMBERS) }) },
);

describe('Stream properties (fast-check)', () => {
  it('a group reads each partition in order, restarts at the committed offset after a rebalance, and skips nothing (at-least-once)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(commandArb, { maxLength: 80 }), (partitions, commands) => {
        const ctx = new EngineContext({ seed: 1 });
        const stream = new Stream(ctx, { name: 's', partitions, retentionMs: Infinity });
        const group = stream.group('g', { autoOffsetReset: 'earliest' });
        const produced = new Map<string, StreamRecord>(); // "p:offset" → record
        const processed = new Set<string>();
        // Where the next record read from each partition must be (a model of the group's position).
        const expected = new Array<number>(partitions).fill(0);
        const restartAll = () => {
          for (let p = 0; p < partitions; p++) expected[p] = group.committed(p) ?? stream.startOffset(p);
        };
        const checkRead = (records: StreamRecord[]) => {
          for (const r of records) {
            assert.equal(r.offset, expected[r.partition], `partition ${r.partition}: expected offset ${expected[r.partition]}, read ${r.offset}`);
            assert.equal(produced.get(`${r.partition}:${r.offset}`), r, 'the record read is the one produced there');
            expected[r.partition] = r.offset + 1;
          }
        };
        const checkAssignment = () => {
          const members = group.members();
          if (!members.length) return;
          const owned = members.flatMap((m) => group.assignment(m)).sort((x, y) => x - y);
          assert.deepEqual(owned, Array.from({ length: partitions }, (_, i) => i));
          const sizes = members.map((m) => group.assignment(m).length);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
        };

        for (const c of commands) {
          const isMember = group.members().includes((c as { member?: string }).member ?? '');
          switch (c.op) {
            case 'produce': {
              const r = stream.produce(`v${produced.size}`, c.key === undefined ? undefined : { key: c.key });
              produced.set(`${r.partition}:${r.offset}`, r);
              break;
            }
            case 'join':
              if (isMember) break;
              group.join(c.member);
              restartAll();
              checkAssignment();
              break;
            case 'leave':
              if (!isMember) break;
              group.leave(c.member);
              restartAll();
              checkAssignment();
              break;
            case 'commit':
              if (isMember) group.commit(c.member); // positions = what this member processed
              break;
            case 'poll': {
              if (!isMember) break;
              const batch = group.poll(c.member, c.max);
              assert.ok(batch.length <= c.max);
              checkRead(batch);
              const done = batch.slice(0, c.process);
              for (const r of done) processed.add(`${r.partition}:${r.offset}`);
              // Commit exactly what was processed: next offset after the last processed record per partition.
              const offsets: Record<number, number> = {};
              for (const r of done) offsets[r.partition] = r.offset + 1;
              group.commit(c.member, offsets);
              if (done.length === batch.length) break;
              if (c.after === 'seek') {
                const firstUndone = new Map<number, number>();
                for (const r of batch.slice(done.length)) if (!firstUndone.has(r.partition)) firstUndone.set(r.partition, r.offset);
                for (const [p, offset] of firstUndone) {
                  group.seek(p, offset);
                  expected[p] = offset;
                }
              } else {
                group.leave(c.member);
                restartAll();
                checkAssignment();
              }
              break;
            }
          }
        }

        // Recovery: everyone leaves, one member takes over and drains the stream.
        for (const m of group.members()) group.leave(m);
        group.join('final');
        restartAll();
        for (let batch = group.poll('final', 50); batch.length; batch = group.poll('final', 50)) {
          checkRead(batch);
          for (const r of batch) processed.add(`${r.partition}:${r.offset}`);
          group.commit('final');
        }
        for (const key of produced.keys()) assert.ok(processed.has(key), `record ${key} was skipped`);
        for (let p = 0; p < partitions; p++) assert.equal(group.lag(p), 0);

        // Order per key: each key's records sit in one partition, in production order.
        const byKey = new Map<string, StreamRecord[]>();
        for (const r of produced.values()) if (r.key !== undefined) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
        for (const records of byKey.values()) {
          assert.equal(new Set(records.map((r) => r.partition)).size, 1);
          const ids = records.map((r) => Number(r.value!.slice(1)));
          assert.deepEqual(stream.read(records[0].partition, 0, 10_000).filter((r) => r.key === records[0].key).map((r) => Number(r.value!.slice(1))), ids.slice().sort((x, y) => x - y));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the same seed gives the same trace byte for byte (retention, compaction, groups included)', () => {
    const run = (seed: number, policy: 'delete' | 'compact') => {
      const ctx = new EngineContext({ seed });
      const stream = new Stream(ctx, { name: 's', partitions: 1 + ctx.random.int(4), retentionMs: 2_000, cleanupPolicy: policy });
      const group = stream.group('g', { autoOffsetReset: ctx.random.chance(0.5) ? 'earliest' : 'latest' });
      for (let i = 0; i < 120; i++) {
        ctx.clock.advance(ctx.random.exponential(100));
        const roll = ctx.random.next();
        const members = group.members();
        if (roll < 0.5) {
          const key = policy === 'compact' || ctx.random.chance(0.5) ? `k${ctx.random.int(6)}` : undefined;
          stream.produce(`v${i}`, key === undefined ? undefined : { key });
        } else if (roll < 0.6) group.join(ctx.random.pick(MEMBERS));
        else if (roll < 0.65 && members.length) group.leave(ctx.random.pick(members));
        else if (roll < 0.85 && members.length) group.poll(ctx.random.pick(members), 1 + ctx.random.int(5));
        else if (roll < 0.95 && members.length) group.commit(ctx.random.pick(members));
        else if (policy === 'compact') stream.compact();
      }
      ctx.clock.advance(200_000);
      return ctx.trace.records().map(toJsonLine).join('\n');
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), fc.constantFrom('delete' as const, 'compact' as const), (seed, policy) => {
        const first = run(seed, policy);
        assert.equal(run(seed, policy), first);
        assert.ok(first.length > 0);
      }),
      { numRuns: 50 },
    );
  });
});
