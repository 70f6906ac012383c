import assert from 'node:assert/strict';
import { EngineContext } from '../../src/engine/context';
import { EngineError, ValidationError } from '../../src/engine/errors';
import { murmur2, partitionFor, toPositive, utf8Bytes } from '../../src/engine/murmur2';
import { CLEANER_BACKOFF_MS, DEFAULT_DELETE_RETENTION_MS, DEFAULT_RETENTION_MS, STICKY_BATCH_BYTES, Stream, StreamRecord } from '../../src/engine/stream';
import { kafkaEvent } from '../../src/engine/events';

function validation(path: string) {
  return (err: unknown) => err instanceof ValidationError && err.path === path;
}
function engineError(code: string) {
  return (err: unknown) => err instanceof EngineError && err.code === code;
}
const values = (records: StreamRecord[]) => records.map((r) => r.value);

describe('murmur2 (Kafka Utils.murmur2)', () => {
  // Published vectors: Apache Kafka's UtilsTest.testMurmur2 (signed Java ints) and the empty input.
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['', 275646681],
  ];
  for (const [input, expected] of vectors) {
    it(`murmur2(${JSON.stringify(input)}) = ${expected} like the Java client`, () => {
      assert.equal(murmur2(input), expected);
      assert.equal(murmur2(utf8Bytes(input)), expected);
    });
  }

  it('partitionFor = toPositive(murmur2) % partitions (foobar → 16 of 50, 6 of 10)', () => {
    assert.equal(partitionFor('foobar', 50), 16);
    assert.equal(partitionFor('foobar', 10), 6);
    assert.equal(partitionFor('anything', 1), 0);
  });

  it('toPositive masks the sign bit (so -2^31 maps to 0, not a negative abs)', () => {
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(42), 42);
  });

  it('hashes the UTF-8 bytes of the key (multi-byte and astral characters)', () => {
    assert.deepEqual([...utf8Bytes('é€𝄞')], [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e]);
    assert.equal(murmur2('é€𝄞'), murmur2(new Uint8Array([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e])));
    assert.notEqual(murmur2('é'), murmur2('e'));
  });

  it('rejects a bad partition count, naming the field', () => {
    assert.throws(() => partitionFor('k', 0), validation('partitions'));
    assert.throws(() => partitionFor('k', 2.5), validation('partitions'));
  });
});

describe('Stream (Kafka-like topic)', () => {
  let ctx: EngineContext;
  beforeEach(() => {
    ctx = new EngineContext({ seed: 7 });
  });

  describe('options', () => {
    it('defaults: 1 partition, 7 days retention, delete policy', () => {
      const s = new Stream(ctx, { name: 'orders' });
      assert.equal(s.partitions, 1);
      assert.equal(s.retentionMs, 7 * 24 * 3600 * 1000);
      assert.equal(DEFAULT_RETENTION_MS, 604_800_000);
      assert.equal(s.cleanupPolicy, 'delete');
    });

    it('rejects bad options with a ValidationError naming the field', () => {
      assert.throws(() => new Stream(ctx, { name: '' }), validation('name'));
      assert.throws(() => new Stream(ctx, { name: 's', partitions: 0 }), validation('partitions'));
      assert.throws(() => new Stream(ctx, { name: 's', partitions: 1001 }), validation('partitions'));
      assert.throws(() => new Stream(ctx, { name: 's', partitions: 2.5 }), validation('partitions'));
      assert.throws(() => new Stream(ctx, { name: 's', retentionMs: 0 }), validation('retentionMs'));
      assert.throws(() => new Stream(ctx, { name: 's', retentionMs: -1 }), validation('retentionMs'));
      assert.throws(() => new Stream(ctx, { name: 's', retentionMs: NaN }), validation('retentionMs'));
      assert.throws(() => new Stream(ctx, { name: 's', cleanupPolicy: 'forever' as 'delete' }), validation('cleanupPolicy'));
      assert.doesNotThrow(() => new Stream(ctx, { name: 's', partitions: 1000, retentionMs: Infinity, cleanupPolicy: 'compact' }));
    });
  });

  describe('producing', () => {
    it('sends every record of a key to partition murmur2(key) % n, in order, offsets 0,1,2 per partition', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 6 });
      const keys = ['alice', 'bob', 'carol', 'dave'];
      for (let i = 0; i < 5; i++) for (const key of keys) s.produce(`${key}-${i}`, { key });
      for (const key of keys) {
        const p = partitionFor(key, 6);
        const ofKey = s.read(p, 0).filter((r) => r.key === key);
        assert.deepEqual(values(ofKey), [0, 1, 2, 3, 4].map((i) => `${key}-${i}`));
        assert.ok(ofKey.every((r) => r.partition === p));
      }
      for (let p = 0; p < 6; p++) {
        const offsets = s.read(p, 0).map((r) => r.offset);
        assert.deepEqual(offsets, offsets.map((_, i) => i));
        assert.equal(s.endOffset(p), offsets.length);
      }
    });

    it("partitioner 'round-robin' spreads records without a key in turn, deterministically", () => {
      const s = new Stream(ctx, { name: 'clicks', partitions: 3, partitioner: 'round-robin' });
      const parts = [1, 2, 3, 4, 5, 6, 7].map((i) => s.produce(`v${i}`).partition);
      assert.deepEqual(parts, [0, 1, 2, 0, 1, 2, 0]);
      assert.equal(s.produce('k', { key: 'x' }).partition, partitionFor('x', 3));
      assert.equal(s.produce('v8').partition, 1, 'keyed records do not advance the round-robin');
    });

    it('an explicit partition wins over the key', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 4 });
      const other = (partitionFor('alice', 4) + 1) % 4;
      assert.equal(s.produce('x', { key: 'alice', partition: other }).partition, other);
    });

    it('stamps virtual time, a counter id and copied headers; traces produced with partition, offset, key', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 2 });
      ctx.clock.advance(250);
      const headers = { type: 'OrderPlaced' };
      const r = s.produce('{"id":1}', { key: 'alice', headers, cause: 'req-1' });
      headers.type = 'changed';
      assert.equal(r.timestamp, 250);
      assert.equal(r.id, 'rec-1');
      assert.deepEqual(r.headers, { type: 'OrderPlaced' });
      const unkeyed = s.produce('plain');
      assert.equal('key' in unkeyed, false);
      assert.deepEqual(unkeyed.headers, {});
      const produced = ctx.trace.records().filter((t) => t.kind === 'produced');
      assert.deepEqual(produced[0], { seq: 1, t: 250, kind: 'produced', resource: 'orders', id: 'rec-1', cause: 'req-1', detail: { partition: r.partition, offset: 0, key: 'alice' } });
      assert.equal(produced.length, 2);
    });

    it('rejects bad input naming the field, and changes nothing', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 3, partitioner: 'round-robin' });
      const before = ctx.trace.length;
      assert.throws(() => s.produce(42 as unknown as string), validation('value'));
      assert.throws(() => s.produce('v', { key: 7 as unknown as string }), validation('key'));
      assert.throws(() => s.produce('v', { partition: 3 }), validation('partition'));
      assert.throws(() => s.produce('v', { partition: -1 }), validation('partition'));
      assert.throws(() => s.produce('v', { headers: { n: 1 as unknown as string } }), validation('headers.n'));
      assert.equal(ctx.trace.length, before);
      for (let p = 0; p < 3; p++) assert.equal(s.endOffset(p), 0);
      assert.equal(s.produce('first').partition, 0, 'round-robin did not move');
    });
  });

  describe('reading (replay from any offset)', () => {
    it('reads from any offset, at most max, and nothing at the end offset', () => {
      const s = new Stream(ctx, { name: 'log' });
      for (let i = 0; i < 10; i++) s.produce(`v${i}`);
      assert.deepEqual(values(s.read(0, 7)), ['v7', 'v8', 'v9']);
      assert.deepEqual(values(s.read(0, 2, 3)), ['v2', 'v3', 'v4']);
      assert.deepEqual(s.read(0, 10), []);
      assert.deepEqual(values(s.read(0, 0)), values(s.read(0, 0)), 'reading does not consume');
    });

    it('rejects offsets beyond the end (OffsetOutOfRange) and bad arguments (ValidationError)', () => {
      const s = new Stream(ctx, { name: 'log', partitions: 2 });
      s.produce('a', { partition: 0 });
      assert.throws(() => s.read(0, 2), engineError('OffsetOutOfRange'));
      assert.throws(() => s.read(2, 0), validation('partition'));
      assert.throws(() => s.read(0, -1), validation('offset'));
      assert.throws(() => s.read(0, 0, 0), validation('max'));
      assert.throws(() => s.startOffset(5), validation('partition'));
    });
  });

  describe('consumer groups', () => {
    it('group(id) returns the same object; groups() lists them; bad ids and conflicting options are rejected', () => {
      const s = new Stream(ctx, { name: 'orders' });
      const g = s.group('billing', { autoOffsetReset: 'earliest' });
      assert.equal(s.group('billing'), g);
      assert.equal(g.id, 'billing');
      s.group('shipping');
      assert.deepEqual(s.groups().map((x) => x.id), ['billing', 'shipping']);
      assert.throws(() => s.group(''), validation('groupId'));
      assert.throws(() => s.group('x', { autoOffsetReset: 'middle' as 'latest' }), validation('autoOffsetReset'));
      assert.throws(() => s.group('billing', { autoOffsetReset: 'latest' }), validation('autoOffsetReset'));
      assert.equal(s.groups().length, 2);
    });

    it('a new group starts at latest by default (Kafka auto.offset.reset), or earliest when asked', () => {
      const s = new Stream(ctx, { name: 'orders' });
      s.produce('old-1');
      s.produce('old-2');
      const latest = s.group('latest');
      const earliest = s.group('earliest', { autoOffsetReset: 'earliest' });
      latest.join('m');
      earliest.join('m');
      assert.deepEqual(latest.poll('m'), []);
      assert.deepEqual(values(earliest.poll('m')), ['old-1', 'old-2']);
      s.produce('new');
      assert.deepEqual(values(latest.poll('m')), ['new']);
      assert.deepEqual(values(earliest.poll('m')), ['new']);
    });

    it('range assignor: members sorted, consecutive partitions, the first ones get the remainder', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 7 });
      const g = s.group('g');
      g.join('c');
      g.join('a');
      g.join('b');
      assert.deepEqual(g.members(), ['a', 'b', 'c']);
      assert.deepEqual(g.assignment('a'), [0, 1, 2]);
      assert.deepEqual(g.assignment('b'), [3, 4]);
      assert.deepEqual(g.assignment('c'), [5, 6]);
      const last = ctx.trace.records().filter((t) => t.kind === 'rebalanced').at(-1)!;
      assert.deepEqual(last.detail!.assignment, { a: [0, 1, 2], b: [3, 4], c: [5, 6] });
    });

    it('every join and leave rebalances so that each partition has exactly one owner', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 5 });
      const g = s.group('g');
      const check = () => {
        const owned = g.members().flatMap((m) => g.assignment(m));
        assert.deepEqual(owned.slice().sort((x, y) => x - y), g.members().length ? [0, 1, 2, 3, 4] : []);
      };
      for (const m of ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']) {
        g.join(m);
        check();
      }
      assert.deepEqual(g.assignment('m7'), [], 'more members than partitions: some are idle');
      for (const m of ['m3', 'm1', 'm7', 'm2', 'm5', 'm6']) {
        g.leave(m);
        check();
      }
      assert.deepEqual(g.assignment('m4'), [0, 1, 2, 3, 4]);
      assert.equal(ctx.trace.count('rebalanced', 'orders'), 13);
      g.join('m4'); // already a member: nothing happens
      assert.equal(ctx.trace.count('rebalanced', 'orders'), 13);
    });

    it('records polled but not committed are read again after a rebalance', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 2 });
      const g = s.group('g', { autoOffsetReset: 'earliest' });
      for (let i = 0; i < 4; i++) s.produce(`p0-${i}`, { partition: 0 });
      g.join('a');
      assert.deepEqual(values(g.poll('a')), ['p0-0', 'p0-1', 'p0-2', 'p0-3']);
      g.commit('a', { 0: 2 }); // processed only the first two
      assert.equal(g.position(0), 4);
      g.join('b'); // rebalance: a keeps partition 0 but restarts from the committed offset
      assert.deepEqual(g.assignment('a'), [0]);
      assert.equal(g.position(0), 2);
      assert.deepEqual(values(g.poll('a')), ['p0-2', 'p0-3']);
      g.leave('a'); // a leaves without committing: b re-reads them
      assert.deepEqual(values(g.poll('b')), ['p0-2', 'p0-3']);
      g.commit('b');
      assert.equal(g.committed(0), 4);
      assert.equal(g.lag(0), 0);
    });

    it('commit() without offsets commits the current positions; committed(), lag() and the trace follow', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 2, partitioner: 'round-robin' });
      const g = s.group('g', { autoOffsetReset: 'earliest' });
      for (let i = 0; i < 6; i++) s.produce(`v${i}`); // round-robin: 3 per partition
      g.join('a');
      assert.equal(g.committed(0), undefined);
      assert.equal(g.lag(0), 3, 'no commit: lag counts from the log start');
      g.poll('a', 2);
      g.commit('a');
      const committed = [g.committed(0), g.committed(1)];
      assert.equal(committed.reduce((x, y) => x! + y!, 0), 2);
      assert.equal(g.lag(0) + g.lag(1), 4);
      const commits = ctx.trace.records().filter((t) => t.kind === 'committed');
      assert.ok(commits.length >= 1);
      assert.deepEqual(commits[0].detail, { group: 'g', member: 'a', partition: commits[0].detail!.partition, offset: g.committed(commits[0].detail!.partition as number) });
    });

    it('consumed is traced per record with group, member, partition and offset', () => {
      const s = new Stream(ctx, { name: 'orders' });
      const g = s.group('g', { autoOffsetReset: 'earliest' });
      const r = s.produce('x', { key: 'k' });
      g.join('m');
      g.poll('m');
      const consumed = ctx.trace.records().filter((t) => t.kind === 'consumed');
      assert.equal(consumed.length, 1);
      assert.equal(consumed[0].id, r.id);
      assert.deepEqual(consumed[0].detail, { group: 'g', member: 'm', partition: 0, offset: 0 });
    });

    it('committing a partition the member does not own fails with NotAssigned and commits nothing', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 2 });
      const g = s.group('g', { autoOffsetReset: 'earliest' });
      s.produce('a', { partition: 0 });
      s.produce('b', { partition: 1 });
      g.join('a');
      g.join('b');
      assert.deepEqual(g.assignment('a'), [0]);
      const before = ctx.trace.length;
      assert.throws(() => g.commit('a', { 0: 1, 1: 1 }), engineError('NotAssigned'));
      assert.equal(g.committed(0), undefined, 'all or nothing');
      assert.equal(g.committed(1), undefined);
      assert.equal(ctx.trace.length, before);
    });

    it('rejects unknown members and bad commit offsets', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 2 });
      const g = s.group('g');
      g.join('a');
      s.produce('x', { partition: 0 });
      assert.throws(() => g.poll('ghost'), engineError('UnknownMemberId'));
      assert.throws(() => g.leave('ghost'), engineError('UnknownMemberId'));
      assert.throws(() => g.commit('ghost'), engineError('UnknownMemberId'));
      assert.throws(() => g.assignment('ghost'), engineError('UnknownMemberId'));
      assert.throws(() => g.join(''), validation('memberId'));
      assert.throws(() => g.poll('a', 0), validation('max'));
      assert.throws(() => g.commit('a', { 0: 5 }), validation('offsets.0'));
      assert.throws(() => g.commit('a', { 0: -1 }), validation('offsets.0'));
      assert.throws(() => g.commit('a', { 9: 0 }), validation('offsets.9'));
      assert.equal(g.committed(0), undefined);
      assert.deepEqual(g.members(), ['a']);
    });

    it('seek back to 0 replays the partition and rebuilds the same projection', () => {
      const s = new Stream(ctx, { name: 'accounts', partitions: 3 });
      const g = s.group('projector', { autoOffsetReset: 'earliest' });
      g.join('p');
      const ops: [string, number][] = [['alice', 10], ['bob', 5], ['alice', -3], ['carol', 7], ['bob', 20], ['alice', 1]];
      for (const [account, amount] of ops) s.produce(String(amount), { key: account });
      const project = (into: Map<string, number>) => {
        for (let batch = g.poll('p', 2); batch.length; batch = g.poll('p', 2)) {
          for (const r of batch) into.set(r.key!, (into.get(r.key!) ?? 0) + Number(r.value));
        }
        return into;
      };
      const first = project(new Map());
      assert.deepEqual(Object.fromEntries(first), { alice: 8, bob: 25, carol: 7 });
      g.commit('p');
      for (let p = 0; p < 3; p++) g.seek(p, 0);
      assert.deepEqual(project(new Map()), first);
      assert.ok(ctx.trace.count('replayed', 'accounts') >= 1, 'the rewind is in the trace');
      assert.equal(g.lag(0) + g.lag(1) + g.lag(2), 0, 'seeking does not change what is committed');
    });

    it('seek needs an owner and a readable offset', () => {
      const s = new Stream(ctx, { name: 'orders' });
      const g = s.group('g');
      s.produce('a');
      assert.throws(() => g.seek(0, 0), engineError('NotAssigned'));
      g.join('m');
      assert.throws(() => g.seek(0, 2), engineError('OffsetOutOfRange'));
      assert.throws(() => g.seek(0, -1), validation('offset'));
      assert.throws(() => g.seek(1, 0), validation('partition'));
      assert.equal(g.position(0), 1, 'latest');
      g.seek(0, 0);
      assert.deepEqual(values(g.poll('m')), ['a']);
    });

    it('poll visits the member partitions in rotation so a busy partition does not starve the others', () => {
      const s = new Stream(ctx, { name: 'orders', partitions: 2 });
      const g = s.group('g', { autoOffsetReset: 'earliest' });
      for (let i = 0; i < 10; i++) s.produce(`a${i}`, { partition: 0 });
      for (let i = 0; i < 10; i++) s.produce(`b${i}`, { partition: 1 });
      g.join('m');
      const seen = new Set([...g.poll('m', 5), ...g.poll('m', 5)].map((r) => r.partition));
      assert.deepEqual([...seen].sort(), [0, 1]);
    });

    it('groups are independent: each has its own committed offsets', () => {
      const s = new Stream(ctx, { name: 'orders' });
      const a = s.group('a', { autoOffsetReset: 'earliest' });
      const b = s.group('b', { autoOffsetReset: 'earliest' });
      s.produce('x');
      a.join('m');
      b.join('m');
      a.poll('m');
      a.commit('m');
      assert.equal(a.committed(0), 1);
      assert.equal(b.committed(0), undefined);
      assert.deepEqual(values(b.poll('m')), ['x']);
    });
  });

  describe('retention (cleanup.policy=delete)', () => {
    it('deletes records by age on the virtual clock; the log start moves and reading below it fails clearly', () => {
      // segment.ms 400: a and b share the first segment, c (at 500 ms) starts the second.
      const s = new Stream(ctx, { name: 'events', retentionMs: 1000, segmentMs: 400 });
      s.produce('a');
      s.produce('b');
      ctx.clock.advance(500);
      s.produce('c');
      ctx.clock.runUntil(999);
      assert.equal(s.startOffset(0), 0, 'not yet 1000 ms old');
      ctx.clock.runUntil(1000);
      assert.equal(s.startOffset(0), 2);
      assert.equal(s.endOffset(0), 3);
      assert.deepEqual(values(s.read(0, 2)), ['c']);
      assert.throws(
        () => s.read(0, 0),
        (err: unknown) => err instanceof EngineError && err.code === 'OffsetOutOfRange' && /0\b.*2\.\.3/.test(err.message),
      );
      const expired = ctx.trace.records().filter((t) => t.kind === 'expired');
      assert.deepEqual(expired.map((t) => [t.id, t.t, t.cause]), [['rec-1', 1000, 'retention'], ['rec-2', 1000, 'retention']]);
      // The background check runs at most once a minute of virtual time; c goes by then.
      ctx.clock.advance(60_000);
      assert.equal(s.startOffset(0), 3);
      assert.equal(s.size(0), 0);
      assert.deepEqual(s.read(0, 3), []);
      assert.equal(ctx.clock.pending, 0, 'no timer left once the log is empty');
    });

    it('enforceRetention() deletes what is due now and returns how many', () => {
      const s = new Stream(ctx, { name: 'events', partitions: 2, retentionMs: 100, partitioner: 'round-robin' });
      s.produce('a');
      ctx.clock.advance(50);
      s.produce('b');
      ctx.clock.runUntil(100); // the timer fires when a is due; the next check is a minute later
      assert.equal(s.size(0) + s.size(1), 1);
      ctx.clock.runUntil(150);
      assert.equal(s.size(0) + s.size(1), 1, 'b is due but the background check has not run yet');
      assert.equal(s.enforceRetention(), 1);
      assert.equal(s.enforceRetention(), 0);
      assert.equal(ctx.trace.count('expired', 'events'), 2);
    });

    it('a group whose position was deleted by retention resets by its policy', () => {
      const s = new Stream(ctx, { name: 'events', retentionMs: 1000 });
      const g = s.group('g', { autoOffsetReset: 'earliest' });
      g.join('m');
      s.produce('old');
      ctx.clock.runUntil(1000);
      s.produce('new');
      assert.equal(g.position(0), 0);
      assert.deepEqual(values(g.poll('m')), ['new']);
      assert.equal(g.lag(0), 1, 'end 2 − log start 1');
    });

    it('a compact-only stream is not cleaned by time (as in Kafka)', () => {
      const s = new Stream(ctx, { name: 'state', retentionMs: 1000, cleanupPolicy: 'compact' });
      s.produce('v', { key: 'k' });
      ctx.clock.advance(10_000);
      assert.equal(s.enforceRetention(), 0);
      assert.equal(s.size(0), 1);
    });
  });

  describe('compaction (cleanup.policy=compact)', () => {
    it('keeps only the last record per key; offsets unchanged, gaps allowed; traced with the superseding id', () => {
      const s = new Stream(ctx, { name: 'prices', cleanupPolicy: 'compact' });
      s.produce('1', { key: 'apple' });
      s.produce('5', { key: 'pear' });
      const a2 = s.produce('2', { key: 'apple' });
      const a3 = s.produce('3', { key: 'apple' });
      s.produce('6', { key: 'pear' });
      assert.equal(s.compact(), 3);
      const kept = s.read(0, 0);
      assert.deepEqual(kept.map((r) => [r.offset, r.key, r.value]), [[3, 'apple', '3'], [4, 'pear', '6']]);
      assert.equal(s.startOffset(0), 0);
      assert.equal(s.endOffset(0), 5);
      assert.deepEqual(values(s.read(0, 1)), ['3', '6'], 'a removed offset reads from the next survivor');
      const compacted = ctx.trace.records().filter((t) => t.kind === 'compacted');
      assert.deepEqual(compacted.map((t) => [t.id, t.cause]), [['rec-1', a3.id], ['rec-2', 'rec-5'], [a2.id, a3.id]]);
      assert.equal(s.compact(), 0, 'already compact');
      s.produce('4', { key: 'apple' });
      assert.equal(s.compact(), 1);
      assert.deepEqual(s.read(0, 0).map((r) => r.offset), [4, 5]);
    });

    it('a group reading a compacted stream from the start rebuilds the latest state', () => {
      const s = new Stream(ctx, { name: 'prices', partitions: 3, cleanupPolicy: 'compact' });
      for (let i = 0; i < 20; i++) s.produce(String(i), { key: `k${i % 4}` });
      s.compact();
      const g = s.group('cache', { autoOffsetReset: 'earliest' });
      g.join('m');
      const seen = g.poll('m');
      assert.equal(seen.length, 4);
      assert.deepEqual(Object.fromEntries(seen.map((r) => [r.key, r.value]).sort()), { k0: '16', k1: '17', k2: '18', k3: '19' });
    });

    it('a compacted stream rejects records without a key (Kafka: InvalidRecord) and changes nothing', () => {
      const s = new Stream(ctx, { name: 'prices', cleanupPolicy: 'compact' });
      assert.throws(() => s.produce('no key'), engineError('InvalidRecord'));
      assert.equal(s.endOffset(0), 0);
      assert.equal(ctx.trace.length, 0);
    });

    it('compact() on a delete-policy stream is rejected', () => {
      const s = new Stream(ctx, { name: 'events' });
      s.produce('a', { key: 'k' });
      s.produce('b', { key: 'k' });
      assert.throws(() => s.compact(), engineError('InvalidCleanupPolicy'));
      assert.equal(s.size(0), 2);
    });
  });

  describe('the sticky partitioner (Kafka KIP-480 / KIP-794: the Java client default for keyless records)', () => {
    it('keyless records stay on one partition for a batch (16 KiB), then move to another, chosen by the seed', () => {
      const ctx = new EngineContext({ seed: 5 });
      const s = new Stream(ctx, { name: 'clicks', partitions: 4 });
      const value = 'x'.repeat(1024); // 16 records fill a batch
      const parts = Array.from({ length: 64 }, () => s.produce(value).partition);
      const runs: number[][] = [];
      for (let i = 0; i < parts.length; i += STICKY_BATCH_BYTES / 1024) runs.push(parts.slice(i, i + STICKY_BATCH_BYTES / 1024));
      for (const run of runs) assert.equal(new Set(run).size, 1, `one partition per batch: ${run.join(',')}`);
      for (let i = 1; i < runs.length; i++) assert.notEqual(runs[i][0], runs[i - 1][0], 'the next batch goes elsewhere');
      const again = new Stream(new EngineContext({ seed: 5 }), { name: 'clicks', partitions: 4 });
      assert.deepEqual(Array.from({ length: 64 }, () => again.produce(value).partition), parts, 'the same seed, the same partitions');
    });

    it('keyed records ignore it: murmur2(key) as always; a single partition takes everything', () => {
      const s = new Stream(new EngineContext(), { name: 'orders', partitions: 5 });
      assert.equal(s.produce('v', { key: 'alice' }).partition, partitionFor('alice', 5));
      const one = new Stream(new EngineContext(), { name: 'one' });
      assert.deepEqual([1, 2, 3].map(() => one.produce('v').partition), [0, 0, 0]);
      assert.throws(() => new Stream(new EngineContext(), { name: 'x', partitioner: 'random' as never }), validation('partitioner'));
    });
  });

  describe('segments (segment.ms / segment.bytes): retention deletes whole segments', () => {
    it('with segment.ms at its default (7 days), a 1-hour retention keeps records until the whole segment is due', () => {
      const ctx = new EngineContext();
      const s = new Stream(ctx, { name: 'events', retentionMs: 3_600_000 });
      s.produce('early');
      ctx.clock.runUntil(1_800_000);
      s.produce('late');
      ctx.clock.runUntil(3_600_000 + 60_000);
      assert.equal(s.size(0), 2, '"early" is over an hour old, but its segment also holds "late"');
      ctx.clock.runUntil(1_800_000 + 3_600_000 + 60_000);
      assert.equal(s.size(0), 0, 'the segment went once its newest record was due');
      assert.equal(s.startOffset(0), 2);
    });

    it('a segment rolls at segment.ms and before it would pass segment.bytes; each goes on its own', () => {
      const ctx = new EngineContext();
      const s = new Stream(ctx, { name: 'events', retentionMs: 1000, segmentMs: 100, segmentBytes: 20 });
      s.produce('a'.repeat(10)); // segment 1
      s.produce('b'.repeat(10)); // 20 bytes: still segment 1
      s.produce('c'.repeat(10)); // would pass 20: segment 2
      ctx.clock.runUntil(150);
      s.produce('d'); // 150 ms after segment 2 started: segment 3
      assert.equal(s.segmentCount(0), 3);
      ctx.clock.runUntil(1000);
      assert.deepEqual(values(s.read(0, s.startOffset(0))), ['d'], 'segments 1 and 2 (newest at 0 ms) went at 1000 ms');
      assert.throws(() => new Stream(ctx, { name: 'x', segmentBytes: 3 }), validation('segmentBytes'));
      assert.throws(() => new Stream(ctx, { name: 'x', segmentMs: 0 }), validation('segmentMs'));
    });
  });

  describe('tombstones (a null value) and the log cleaner', () => {
    it('compaction drops the older records of a tombstoned key, then the tombstone after delete.retention.ms', () => {
      const ctx = new EngineContext();
      const s = new Stream(ctx, { name: 'users', cleanupPolicy: 'compact' });
      s.produce('{"name":"Ann"}', { key: 'u1' });
      s.produce('{"name":"Bob"}', { key: 'u2' });
      const tomb = s.produce(null, { key: 'u1' });
      assert.equal(tomb.value, null);
      assert.equal(ctx.trace.records().find((r) => r.id === tomb.id)!.detail!.tombstone, true);
      ctx.clock.runUntil(CLEANER_BACKOFF_MS);
      assert.deepEqual(s.read(0, 0).map((r) => [r.key, r.value]), [['u2', '{"name":"Bob"}'], ['u1', null]], 'the cleaner ran on its own: u1 is deleted, its tombstone kept');
      ctx.clock.runUntil(DEFAULT_DELETE_RETENTION_MS + CLEANER_BACKOFF_MS);
      assert.deepEqual(s.read(0, 0).map((r) => r.key), ['u2'], 'a day later the tombstone is gone too');
      const gone = ctx.trace.records().find((r) => r.kind === 'compacted' && r.id === tomb.id)!;
      assert.equal(gone.detail!.tombstone, true);
      assert.equal(ctx.clock.pending, 0, 'the cleaner sleeps once nothing is left to clean');
    });

    it('a consumer that reads before the tombstone expires sees the delete', () => {
      const ctx = new EngineContext();
      const s = new Stream(ctx, { name: 'users', cleanupPolicy: 'compact', deleteRetentionMs: 60_000 });
      s.produce('v', { key: 'k' });
      s.produce(null, { key: 'k' });
      ctx.clock.runUntil(30_000);
      const state = new Map<string, string | null>();
      for (const r of s.read(0, 0)) state.set(r.key!, r.value);
      assert.deepEqual([...state], [['k', null]]);
      ctx.clock.runUntil(120_000);
      assert.equal(s.size(0), 0);
    });

    it('an MSK event carries a tombstone without a value, and its decoded record with value null', () => {
      const s = new Stream(new EngineContext(), { name: 'users', cleanupPolicy: 'compact' });
      const r = s.produce(null, { key: 'u1' });
      const e = kafkaEvent('users', [r]);
      const msk = e.records['users-0'][0];
      assert.equal('value' in msk, false);
      assert.equal(msk.key, Buffer.from('u1').toString('base64'));
      assert.equal(e.Records[0].value, null);
    });

    it('refuses a value that is neither a string nor null, and a bad delete.retention.ms', () => {
      const s = new Stream(new EngineContext(), { name: 'x' });
      assert.throws(() => s.produce(undefined as never), validation('value'));
      assert.throws(() => new Stream(new EngineContext(), { name: 'x', deleteRetentionMs: -1 }), validation('deleteRetentionMs'));
    });
  });

  it('is deterministic: the same seed and calls give the same trace byte for byte', () => {
    const run = () => {
      const c = new EngineContext({ seed: 3 });
      const s = new Stream(c, { name: 'orders', partitions: 4, retentionMs: 5000 });
      const g = s.group('g', { autoOffsetReset: 'earliest' });
      g.join('a');
      for (let i = 0; i < 50; i++) {
        c.clock.advance(c.random.int(300));
        s.produce(`v${i}`, c.random.chance(0.5) ? { key: `k${c.random.int(5)}` } : undefined);
        if (i === 20) g.join('b');
        if (i % 7 === 0) g.poll(c.random.pick(g.members()));
        if (i % 11 === 0) g.commit(g.members()[0]);
      }
      c.clock.advance(100_000);
      return JSON.stringify(c.trace.records());
    };
    assert.equal(run(), run());
  });
});

describe('Stream: polling one partition', () => {
  it('reads only that partition from the member\'s position, advances it and traces each record as consumed', () => {
    const ctx = new EngineContext({ seed: 1 });
    const stream = new Stream(ctx, { name: 's', partitions: 2 });
    for (let i = 0; i < 3; i++) stream.produce(`p0-${i}`, { partition: 0 });
    stream.produce('p1-0', { partition: 1 });
    const group = stream.group('g', { autoOffsetReset: 'earliest' });
    group.join('a');
    group.join('b');
    const [mine] = group.assignment('a');
    const theirs = group.assignment('b')[0];
    const first = group.pollPartition('a', mine, 2);
    assert.ok(first.length > 0 && first.every((r) => r.partition === mine));
    assert.equal(group.position(mine), first.length ? first[first.length - 1].offset + 1 : 0);
    const consumed = ctx.trace.records().filter((r) => r.kind === 'consumed');
    assert.deepEqual(consumed.map((r) => r.detail?.offset), first.map((r) => r.offset));
    assert.throws(() => group.pollPartition('a', theirs), (e: Error) => e instanceof EngineError && e.code === 'PartitionNotAssigned');
    assert.throws(() => group.pollPartition('a', 7), (e: Error) => e instanceof ValidationError && e.path === 'partition');
  });
});
