// Kinesis Data Streams model: each block cites the AWS page it follows.
import { strict as assert } from 'node:assert';
import { EngineContext } from '../../src/engine/context';
import { EngineError, ValidationError } from '../../src/engine/errors';
import { HASH_MAX, hashKey, KinesisEventSource, KinesisStream, type KinesisRecord } from '../../src/engine/kinesis';

function setup(shards = 2, retentionHours?: number) {
  const ctx = new EngineContext({ seed: 1 });
  const stream = new KinesisStream(ctx, { name: 'clicks', shards, retentionHours });
  return { ctx, stream, run: (ms: number) => ctx.clock.runUntil(ctx.clock.now + ms) };
}

describe('KinesisStream (Amazon Kinesis Data Streams)', () => {
  describe('shards own hash key ranges; MD5 of the partition key picks the shard (docs: key-concepts)', () => {
    it('initial shards split the 128-bit hash space evenly, and every key lands where its MD5 falls', () => {
      const { stream } = setup(4);
      const shards = stream.listShards();
      assert.equal(shards[0].startingHashKey, '0');
      assert.equal(shards[3].endingHashKey, HASH_MAX.toString());
      for (let i = 1; i < 4; i++) assert.equal(BigInt(shards[i].startingHashKey), BigInt(shards[i - 1].endingHashKey) + 1n);
      for (const key of ['user-1', 'user-2', 'order-77', 'ü', 'a'.repeat(256)]) {
        const h = hashKey(key);
        const { shardId } = stream.putRecord(key, 'x');
        const owner = shards.find((s) => BigInt(s.startingHashKey) <= h && h <= BigInt(s.endingHashKey))!;
        assert.equal(shardId, owner.shardId, key);
      }
    });

    it('MD5 as Kinesis computes it (a known digest), and an explicit hash key overrides the key', () => {
      assert.equal(hashKey('abc').toString(16), '900150983cd24fb0d6963f7d28e17f72');
      const { stream } = setup(2);
      assert.equal(stream.putRecord('anything', 'x', { explicitHashKey: '0' }).shardId, 'shardId-000000000000');
      assert.equal(stream.putRecord('anything', 'x', { explicitHashKey: HASH_MAX.toString() }).shardId, 'shardId-000000000001');
    });

    it('sequence numbers increase; order holds per shard', () => {
      const { stream } = setup(1);
      const seqs = ['a', 'b', 'c'].map((d) => stream.putRecord('k', d).sequenceNumber);
      assert.ok(BigInt(seqs[0]) < BigInt(seqs[1]) && BigInt(seqs[1]) < BigInt(seqs[2]));
      const it = stream.getShardIterator('shardId-000000000000', 'TRIM_HORIZON');
      assert.deepEqual(stream.getRecords(it).records.map((r) => r.data), ['a', 'b', 'c']);
    });

    it('refuses bad input naming the field', () => {
      const ctx = new EngineContext();
      assert.throws(() => new KinesisStream(ctx, { name: 's', shards: 0 }), (e: unknown) => e instanceof ValidationError && e.path === 'kinesisStreams.s.shards');
      assert.throws(() => new KinesisStream(ctx, { name: 's', shards: 1, retentionHours: 12 }), (e: unknown) => e instanceof ValidationError && e.path === 'kinesisStreams.s.retentionHours');
      const { stream } = setup(1);
      assert.throws(() => stream.putRecord('', 'x'), (e: unknown) => e instanceof ValidationError && e.path === 'record.partitionKey');
      assert.throws(() => stream.putRecord('k'.repeat(257), 'x'), /1–256/);
      assert.throws(() => stream.putRecord('k', 'x'.repeat(1_048_576)), /at most 1 MiB/);
      assert.throws(() => stream.putRecords([]), /1–500/);
    });
  });

  describe('per-shard write limits (docs: service-sizes-and-limits)', () => {
    it('more than 1,000 records in a second on one shard fails with ProvisionedThroughputExceededException; the next second is fresh', () => {
      const { stream, run } = setup(1);
      for (let i = 0; i < 1_000; i++) stream.putRecord(`k${i}`, 'x');
      assert.throws(() => stream.putRecord('k', 'x'), (e: unknown) => e instanceof EngineError && e.code === 'ProvisionedThroughputExceededException');
      run(1_000);
      stream.putRecord('k', 'x');
    });

    it('more than 1 MiB in a second fails too; PutRecords fails record by record and counts the failures', () => {
      const { stream } = setup(1);
      const big = 'x'.repeat(300_000);
      const result = stream.putRecords([1, 2, 3, 4, 5].map((i) => ({ partitionKey: `k${i}`, data: big })));
      assert.equal(result.failedRecordCount, 2);
      assert.deepEqual(result.records.map((r) => ('errorCode' in r ? r.errorCode : 'ok')), ['ok', 'ok', 'ok', 'ProvisionedThroughputExceededException', 'ProvisionedThroughputExceededException']);
    });

    it('two shards take twice the rate: keys spread over them', () => {
      const { stream } = setup(2);
      let failed = 0;
      for (let i = 0; i < 1_900; i++) {
        try {
          stream.putRecord(`user-${i}`, 'x');
        } catch {
          failed++;
        }
      }
      assert.equal(failed, 0);
    });

    it('more than 5 GetRecords calls per second on a shard are throttled', () => {
      const { stream } = setup(1);
      const it = stream.getShardIterator('shardId-000000000000', 'LATEST');
      for (let i = 0; i < 5; i++) stream.getRecords(it);
      assert.throws(() => stream.getRecords(it), /more than 5 GetRecords/);
    });
  });

  describe('iterators (API reference: GetShardIterator)', () => {
    it('TRIM_HORIZON, LATEST, AT/AFTER_SEQUENCE_NUMBER and AT_TIMESTAMP start where they say', () => {
      const { stream, run } = setup(1);
      const shard = 'shardId-000000000000';
      const s1 = stream.putRecord('k', 'r1').sequenceNumber;
      run(1_000);
      stream.putRecord('k', 'r2');
      const latest = stream.getShardIterator(shard, 'LATEST');
      stream.putRecord('k', 'r3');
      const read = (it: string) => stream.getRecords(it).records.map((r) => r.data);
      assert.deepEqual(read(stream.getShardIterator(shard, 'TRIM_HORIZON')), ['r1', 'r2', 'r3']);
      assert.deepEqual(read(latest), ['r3']);
      assert.deepEqual(read(stream.getShardIterator(shard, 'AT_SEQUENCE_NUMBER', { sequenceNumber: s1 })), ['r1', 'r2', 'r3']);
      run(1_000);
      assert.deepEqual(read(stream.getShardIterator(shard, 'AFTER_SEQUENCE_NUMBER', { sequenceNumber: s1 })), ['r2', 'r3']);
      assert.deepEqual(read(stream.getShardIterator(shard, 'AT_TIMESTAMP', { timestamp: 1_000 })), ['r2', 'r3']);
    });

    it('an iterator expires after 5 minutes', () => {
      const { stream, run } = setup(1);
      const it = stream.getShardIterator('shardId-000000000000', 'TRIM_HORIZON');
      run(300_001);
      assert.throws(() => stream.getRecords(it), (e: unknown) => e instanceof EngineError && e.code === 'ExpiredIteratorException');
    });
  });

  describe('retention (docs: kinesis-extended-retention)', () => {
    it('24 hours by default: older records are gone from every iterator', () => {
      const { stream, run } = setup(1);
      stream.putRecord('k', 'old');
      run(23 * 3_600_000);
      stream.putRecord('k', 'new');
      run(3_600_001);
      const it = stream.getShardIterator('shardId-000000000000', 'TRIM_HORIZON');
      assert.deepEqual(stream.getRecords(it).records.map((r) => r.data), ['new']);
    });
  });

  describe('resharding (docs: kinesis-using-sdk-java-resharding)', () => {
    it('a split closes the parent; new records go to the children; reading the parent ends with no next iterator', () => {
      const { stream } = setup(1);
      stream.putRecord('before', 'b');
      const [left, right] = stream.splitShard('shardId-000000000000', (1n << 127n).toString());
      const shards = stream.listShards();
      assert.deepEqual(shards.map((s) => [s.shardId, s.open, s.parents]), [
        ['shardId-000000000000', false, []],
        [left, true, ['shardId-000000000000']],
        [right, true, ['shardId-000000000000']],
      ]);
      const { shardId } = stream.putRecord('after', 'a');
      assert.ok(shardId === left || shardId === right);
      const page = stream.getRecords(stream.getShardIterator('shardId-000000000000', 'TRIM_HORIZON'));
      assert.deepEqual(page.records.map((r) => r.data), ['b']);
      assert.equal(page.nextShardIterator, null);
      assert.throws(() => stream.splitShard('shardId-000000000000', '5'), /closed/);
    });

    it('only adjacent shards merge', () => {
      const { stream } = setup(3);
      assert.throws(() => stream.mergeShards('shardId-000000000000', 'shardId-000000000002'), /not adjacent/);
      const merged = stream.mergeShards('shardId-000000000001', 'shardId-000000000000');
      const m = stream.listShards().find((s) => s.shardId === merged)!;
      assert.equal(m.startingHashKey, '0');
      assert.deepEqual(m.parents, ['shardId-000000000001', 'shardId-000000000000']);
    });
  });

  describe('the Lambda event source (docs: Lambda "Using Lambda with Kinesis", ParallelizationFactor)', () => {
    function consume(factor: number, fail: (batch: KinesisRecord[]) => boolean = () => false) {
      const { ctx, stream, run } = setup(1);
      const seen: Array<{ lane: string; data: string[] }> = [];
      let inFlight = 0;
      let maxInFlight = 0;
      new KinesisEventSource(ctx, stream, {
        startingPosition: 'TRIM_HORIZON',
        parallelizationFactor: factor,
        batchSize: 2,
        maxRetryAttempts: 2,
        process: (batch, lane, done) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          ctx.clock.schedule(100, () => {
            inFlight--;
            const ok = !fail(batch);
            if (ok) seen.push({ lane, data: batch.map((r) => r.data) });
            done(ok);
          });
        },
      });
      for (let i = 0; i < 20; i++) stream.putRecord(`user-${i % 5}`, `user-${i % 5}:${i}`);
      return { seen, run, maxInFlight: () => maxInFlight };
    }

    it('factor 1: one batch per shard at a time; factor 4: up to 4 at once, order kept per partition key', () => {
      const one = consume(1);
      one.run(30_000);
      assert.equal(one.maxInFlight(), 1);
      const four = consume(4);
      four.run(30_000);
      assert.ok(four.maxInFlight() > 1 && four.maxInFlight() <= 4, `max in flight ${four.maxInFlight()}`);
      for (const run of [one, four]) {
        const order = new Map<string, number[]>();
        for (const b of run.seen) for (const d of b.data) {
          const [key, n] = d.split(':');
          order.set(key, [...(order.get(key) ?? []), Number(n)]);
        }
        assert.equal([...order.values()].flat().length, 20);
        for (const [key, ns] of order) assert.deepEqual(ns, [...ns].sort((a, b) => a - b), key);
      }
    });

    it('with nothing to read the source sleeps (a drained clock stops); a put wakes it, even after its iterator expired', () => {
      const { ctx, stream } = setup(1);
      const seen: string[] = [];
      new KinesisEventSource(ctx, stream, { startingPosition: 'TRIM_HORIZON', process: (batch, _lane, done) => (seen.push(...batch.map((r) => r.data)), done(true)) });
      stream.putRecord('k', 'first');
      ctx.clock.runUntil(5_000);
      assert.deepEqual(seen, ['first']);
      assert.equal(ctx.clock.peek(), undefined, 'nothing scheduled while idle');
      ctx.clock.runUntil(600_000); // 10 minutes idle: the iterator is long expired
      stream.putRecord('k', 'second');
      ctx.clock.runUntil(ctx.clock.now + 5_000);
      assert.deepEqual(seen, ['first', 'second'], 'goes on after the last record read, without reading the first again');
    });

    it('LATEST reads only what is put after the source is created; failed batches back off 1 s, 2 s, 4 s…', () => {
      const { ctx, stream } = setup(1);
      stream.putRecord('k', 'old');
      const tries: number[] = [];
      new KinesisEventSource(ctx, stream, { startingPosition: 'LATEST', maxRetryAttempts: 3, process: (batch, _lane, done) => (tries.push(ctx.clock.now), assert.deepEqual(batch.map((r) => r.data), ['new']), done(false)) });
      stream.putRecord('k', 'new');
      ctx.clock.runUntil(60_000);
      assert.deepEqual(tries.map((t, i) => (i ? t - tries[i - 1] : 0)), [0, 1_000, 2_000, 4_000]);
    });

    it('a failing batch is retried up to maxRetryAttempts, blocking its lane, then skipped', () => {
      let failures = 0;
      const c = consume(1, (batch) => batch[0].data === 'user-0:0' && failures++ < 10);
      c.run(30_000);
      assert.equal(failures, 3, 'first try + 2 retries');
      const all = c.seen.flatMap((b) => b.data);
      assert.equal(all.includes('user-0:0'), false);
      assert.equal(all.length, 18);
    });
  });
});
