/**
 * A data stream modelled on Amazon Kinesis Data Streams, in virtual time.
 *
 * The ideas it teaches, and where it differs from Kafka (`stream.ts`):
 *
 * - **Shards own ranges of a 128-bit hash space.** A record's partition key is hashed with MD5 to a
 *   128-bit number; the shard whose hash-key range holds it gets the record (an explicit hash key
 *   overrides). Order holds per shard; records of one key stay together.
 * - **Throughput is per shard and enforced.** Each shard accepts at most 1,000 records and 1 MiB per
 *   second; a put beyond that fails with `ProvisionedThroughputExceededException` (a `PutRecords`
 *   batch fails record by record and reports `FailedRecordCount`). Reads: 5 `GetRecords` calls per
 *   second per shard.
 * - **Retention** is 24 hours by default (up to 365 days): older records are gone, whatever was read.
 * - **Consumers read with shard iterators**: `TRIM_HORIZON` (oldest kept), `LATEST` (only new ones),
 *   `AT_SEQUENCE_NUMBER` / `AFTER_SEQUENCE_NUMBER`, `AT_TIMESTAMP`. Iterators expire after 5 minutes.
 *   There are no consumer groups and no broker-side offsets: the reader keeps its position.
 * - **Resharding** splits a shard into two (at a hash key) or merges two adjacent shards: the parent
 *   is closed (it keeps its records until retention drops them, and reading it ends with no next
 *   iterator) and new records go to the children. Readers finish a parent before its children to
 *   keep per-key order.
 * - **The Lambda event source** polls each shard; with a **parallelization factor** (1–10) it
 *   processes up to that many batches of one shard at a time, keeping order per partition key. A
 *   failing batch is retried (blocking its key's lane) until it succeeds, expires or runs out of
 *   retry attempts.
 *
 * Sources: docs.aws.amazon.com/streams/latest/dev — key-concepts (shards, hash key ranges, sequence
 * numbers), service-sizes-and-limits (1 MiB/s or 1,000 records/s per shard write, 5 reads/s,
 * 24 h–365 d retention, 1 MiB record, 500 records / 5 MiB per PutRecords), kinesis-using-sdk-java-resharding;
 * Kinesis API reference GetShardIterator; Lambda "Using Lambda with Kinesis" (ParallelizationFactor).
 * Modelling choices: the per-second limits count in whole virtual seconds; sequence numbers are
 * decimal strings that increase across the stream.
 */
import { createHash } from 'node:crypto';
import type { TimerId } from './clock';
import type { EngineContext } from './context';
import { EngineError, fail, show } from './errors';
import { tracedText } from './trace';

export const HASH_MAX = (1n << 128n) - 1n;
const WRITE_RECORDS_PER_S = 1_000;
const WRITE_BYTES_PER_S = 1_048_576;
const READS_PER_S = 5;
const ITERATOR_TTL_MS = 300_000;
const MAX_RECORD_BYTES = 1_048_576;

export type IteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';

export interface KinesisRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: string;
  approximateArrivalTimestamp: number;
  shardId: string;
}

export interface KinesisStreamOptions {
  name: string;
  /** Initial shards, 1–500 (the lab's limit), split evenly over the hash space. */
  shards: number;
  /** 24–8,760 hours, default 24. */
  retentionHours?: number;
}

interface Shard {
  id: string;
  start: bigint;
  end: bigint;
  records: KinesisRecord[];
  open: boolean;
  parents: string[];
  /** Write/read accounting for the current virtual second. */
  second: number;
  writes: number;
  bytes: number;
  reads: number;
}

/** The 128-bit MD5 hash of a partition key, as Kinesis maps keys to shards. */
export function hashKey(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

export class KinesisStream {
  readonly name: string;
  readonly retentionMs: number;
  private readonly shards = new Map<string, Shard>();
  private sequence = 0n;
  private shardCounter = 0;

  constructor(
    private readonly ctx: EngineContext,
    options: KinesisStreamOptions,
  ) {
    const path = `kinesisStreams.${options?.name}`;
    if (typeof options?.name !== 'string' || !/^[\w.-]{1,128}$/.test(options.name)) fail('kinesisStreams.name', `${show(options?.name)} is not a valid stream name (1–128 letters, digits, _ . -)`);
    if (!(Number.isInteger(options.shards) && options.shards >= 1 && options.shards <= 500)) fail(`${path}.shards`, `must be a whole number 1–500, got ${show(options.shards)}`);
    const hours = options.retentionHours ?? 24;
    if (!(Number.isInteger(hours) && hours >= 24 && hours <= 8_760)) fail(`${path}.retentionHours`, `must be 24–8,760 hours (1–365 days), got ${show(hours)}`);
    this.name = options.name;
    this.retentionMs = hours * 3_600_000;
    const n = BigInt(options.shards);
    const width = (HASH_MAX + 1n) / n;
    for (let i = 0n; i < n; i++) this.addShard(i * width, i === n - 1n ? HASH_MAX : (i + 1n) * width - 1n, []);
  }

  // ── writing ───────────────────────────────────────────────────────────────────────────────────

  putRecord(partitionKey: string, data: string, options: { explicitHashKey?: string; cause?: string } = {}): { shardId: string; sequenceNumber: string } {
    const result = this.put(partitionKey, data, options);
    if ('error' in result) throw new EngineError(result.error, result.message);
    return result;
  }

  /** A batch of up to 500 records (5 MiB): each succeeds or fails on its own, in order. */
  putRecords(entries: Array<{ partitionKey: string; data: string; explicitHashKey?: string }>): { failedRecordCount: number; records: Array<{ shardId: string; sequenceNumber: string } | { errorCode: string; errorMessage: string }> } {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 500) fail('records', `a PutRecords batch holds 1–500 records, got ${Array.isArray(entries) ? entries.length : show(entries)}`);
    const total = entries.reduce((sum, e) => sum + Buffer.byteLength(String(e?.data ?? '')) + Buffer.byteLength(String(e?.partitionKey ?? '')), 0);
    if (total > 5 * 1_048_576) fail('records', `a PutRecords batch carries at most 5 MiB, got ${total} bytes`);
    const records = entries.map((e, i) => {
      const r = this.put(e.partitionKey, e.data, { explicitHashKey: e.explicitHashKey }, `records[${i}]`);
      return 'error' in r ? { errorCode: r.error, errorMessage: r.message } : r;
    });
    return { failedRecordCount: records.filter((r) => 'errorCode' in r).length, records };
  }

  private put(partitionKey: string, data: string, options: { explicitHashKey?: string; cause?: string }, path = 'record'): { shardId: string; sequenceNumber: string } | { error: string; message: string } {
    if (typeof partitionKey !== 'string' || partitionKey.length < 1 || partitionKey.length > 256) fail(`${path}.partitionKey`, `must be 1–256 characters, got ${show(partitionKey)}`);
    if (typeof data !== 'string') fail(`${path}.data`, `must be a string, got ${show(data)}`);
    const bytes = Buffer.byteLength(data) + Buffer.byteLength(partitionKey);
    if (bytes > MAX_RECORD_BYTES) fail(`${path}.data`, `a record (data + partition key) is at most 1 MiB, got ${bytes} bytes`);
    let hash: bigint;
    if (options.explicitHashKey !== undefined) {
      if (!/^\d{1,39}$/.test(options.explicitHashKey) || BigInt(options.explicitHashKey) > HASH_MAX) fail(`${path}.explicitHashKey`, 'must be a decimal number from 0 to 2^128 − 1');
      hash = BigInt(options.explicitHashKey);
    } else hash = hashKey(partitionKey);
    const shard = [...this.shards.values()].find((s) => s.open && s.start <= hash && hash <= s.end)!;
    this.tick(shard);
    if (shard.writes + 1 > WRITE_RECORDS_PER_S || shard.bytes + bytes > WRITE_BYTES_PER_S) {
      this.ctx.trace.emit('throttled', this.name, undefined, 'ProvisionedThroughputExceeded', { shardId: shard.id, partitionKey });
      return { error: 'ProvisionedThroughputExceededException', message: `Rate exceeded for shard ${shard.id} in stream ${this.name}: a shard takes 1,000 records or 1 MiB per second` };
    }
    shard.writes++;
    shard.bytes += bytes;
    this.trim(shard);
    const record: KinesisRecord = { sequenceNumber: this.nextSequence(), partitionKey, data, approximateArrivalTimestamp: this.ctx.clock.now, shardId: shard.id };
    shard.records.push(record);
    this.ctx.trace.emit('produced', this.name, record.sequenceNumber, options.cause, this.ctx.trace.wants('produced') ? { shardId: shard.id, partitionKey, body: tracedText(data) } : undefined);
    return { shardId: shard.id, sequenceNumber: record.sequenceNumber };
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────

  getShardIterator(shardId: string, type: IteratorType, options: { sequenceNumber?: string; timestamp?: number } = {}): string {
    const shard = this.shard(shardId);
    this.trim(shard);
    let index: number;
    switch (type) {
      case 'TRIM_HORIZON':
        index = 0;
        break;
      case 'LATEST':
        index = shard.records.length;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const seq = options.sequenceNumber;
        if (typeof seq !== 'string' || !/^\d+$/.test(seq)) fail('startingSequenceNumber', `${type} needs a sequence number, got ${show(seq)}`);
        const at = shard.records.findIndex((r) => BigInt(r.sequenceNumber) >= BigInt(seq));
        index = at === -1 ? shard.records.length : at;
        if (type === 'AFTER_SEQUENCE_NUMBER' && shard.records[index]?.sequenceNumber === seq) index++;
        break;
      }
      case 'AT_TIMESTAMP': {
        const t = options.timestamp;
        if (typeof t !== 'number' || !(t >= 0)) fail('timestamp', `AT_TIMESTAMP needs a virtual time in ms, got ${show(t)}`);
        const at = shard.records.findIndex((r) => r.approximateArrivalTimestamp >= t);
        index = at === -1 ? shard.records.length : at;
        break;
      }
      default:
        fail('shardIteratorType', `must be TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER or AT_TIMESTAMP, got ${show(type)}`);
    }
    // Position by sequence number, so trimming does not shift an iterator.
    const after = index === 0 ? (shard.records[0] ? BigInt(shard.records[0].sequenceNumber) - 1n : this.sequence) : BigInt(shard.records[index - 1].sequenceNumber);
    return this.iterator(shard.id, after);
  }

  getRecords(iterator: string, limit = 10_000): { records: KinesisRecord[]; nextShardIterator: string | null; millisBehindLatest: number } {
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= 10_000)) fail('limit', `must be 1–10,000, got ${show(limit)}`);
    const { shardId, after, issuedAt } = this.parseIterator(iterator);
    if (this.ctx.clock.now - issuedAt > ITERATOR_TTL_MS) throw new EngineError('ExpiredIteratorException', `the iterator for ${shardId} was issued ${Math.round((this.ctx.clock.now - issuedAt) / 1000)} s ago: iterators expire after 5 minutes`);
    const shard = this.shard(shardId);
    this.tick(shard);
    if (shard.reads + 1 > READS_PER_S) throw new EngineError('ProvisionedThroughputExceededException', `more than 5 GetRecords calls in one second on ${shardId}`);
    shard.reads++;
    this.trim(shard);
    const records = shard.records.filter((r) => BigInt(r.sequenceNumber) > after).slice(0, limit);
    const last = records.length ? BigInt(records[records.length - 1].sequenceNumber) : after;
    const atEnd = !records.length || BigInt(shard.records[shard.records.length - 1].sequenceNumber) === last;
    const newest = shard.records[shard.records.length - 1];
    const millisBehindLatest = records.length && newest ? Math.max(0, newest.approximateArrivalTimestamp - records[records.length - 1].approximateArrivalTimestamp) : 0;
    for (const r of records) this.ctx.trace.emit('consumed', this.name, r.sequenceNumber, undefined, { shardId });
    // A closed shard read to its end has no next iterator: go on with its children.
    const nextShardIterator = !shard.open && atEnd ? null : this.iterator(shard.id, last);
    return { records, nextShardIterator, millisBehindLatest };
  }

  // ── resharding ────────────────────────────────────────────────────────────────────────────────

  splitShard(shardId: string, newStartingHashKey: string): [string, string] {
    const shard = this.openShard(shardId);
    if (!/^\d{1,39}$/.test(newStartingHashKey)) fail('newStartingHashKey', 'must be a decimal hash key');
    const at = BigInt(newStartingHashKey);
    if (!(at > shard.start && at <= shard.end)) fail('newStartingHashKey', `must lie inside ${shardId}'s range (${shard.start + 1n}–${shard.end})`);
    shard.open = false;
    const a = this.addShard(shard.start, at - 1n, [shard.id]);
    const b = this.addShard(at, shard.end, [shard.id]);
    this.ctx.trace.emit('rebalanced', this.name, shardId, 'split', { children: [a.id, b.id] });
    return [a.id, b.id];
  }

  mergeShards(shardId: string, adjacentShardId: string): string {
    const x = this.openShard(shardId);
    const y = this.openShard(adjacentShardId);
    const [lo, hi] = x.start < y.start ? [x, y] : [y, x];
    if (lo.end + 1n !== hi.start) throw new EngineError('InvalidArgumentException', `${shardId} and ${adjacentShardId} are not adjacent: only shards whose hash key ranges touch can merge`);
    x.open = false;
    y.open = false;
    const merged = this.addShard(lo.start, hi.end, [x.id, y.id]);
    this.ctx.trace.emit('rebalanced', this.name, merged.id, 'merge', { parents: [x.id, y.id] });
    return merged.id;
  }

  // ── views ─────────────────────────────────────────────────────────────────────────────────────

  listShards(): Array<{ shardId: string; startingHashKey: string; endingHashKey: string; open: boolean; parents: string[]; records: number }> {
    return [...this.shards.values()].map((s) => {
      this.trim(s);
      return { shardId: s.id, startingHashKey: s.start.toString(), endingHashKey: s.end.toString(), open: s.open, parents: [...s.parents], records: s.records.length };
    });
  }

  /** The newest `n` records of a shard, oldest first. */
  latest(shardId: string, n: number): KinesisRecord[] {
    const shard = this.shard(shardId);
    this.trim(shard);
    return shard.records.slice(-n);
  }

  /** The sequence number of a shard's newest record (undefined when it holds none). */
  newestSequenceNumber(shardId: string): string | undefined {
    return this.shard(shardId).records.at(-1)?.sequenceNumber;
  }

  /** The open shard a partition key goes to now. */
  shardFor(partitionKey: string): string {
    const h = hashKey(partitionKey);
    return [...this.shards.values()].find((s) => s.open && s.start <= h && h <= s.end)!.id;
  }

  // ── inside ────────────────────────────────────────────────────────────────────────────────────

  private addShard(start: bigint, end: bigint, parents: string[]): Shard {
    const id = `shardId-${String(this.shardCounter++).padStart(12, '0')}`;
    const shard: Shard = { id, start, end, records: [], open: true, parents, second: -1, writes: 0, bytes: 0, reads: 0 };
    this.shards.set(id, shard);
    return shard;
  }

  private shard(id: string): Shard {
    const s = this.shards.get(id);
    if (!s) throw new EngineError('ResourceNotFoundException', `no shard ${show(id)} in stream ${this.name} (shards: ${[...this.shards.keys()].join(', ')})`);
    return s;
  }

  private openShard(id: string): Shard {
    const s = this.shard(id);
    if (!s.open) throw new EngineError('ResourceInUseException', `${id} is closed (it was split or merged)`);
    return s;
  }

  private tick(shard: Shard): void {
    const second = Math.floor(this.ctx.clock.now / 1000);
    if (shard.second !== second) {
      shard.second = second;
      shard.writes = 0;
      shard.bytes = 0;
      shard.reads = 0;
    }
  }

  private trim(shard: Shard): void {
    const cutoff = this.ctx.clock.now - this.retentionMs;
    let n = 0;
    while (n < shard.records.length && shard.records[n].approximateArrivalTimestamp < cutoff) n++;
    if (n) {
      for (const r of shard.records.slice(0, n)) this.ctx.trace.emit('expired', this.name, r.sequenceNumber, 'retention', { shardId: shard.id });
      shard.records.splice(0, n);
    }
  }

  private nextSequence(): string {
    this.sequence++;
    return (49_000_000_000_000_000_000n + this.sequence).toString();
  }

  private iterator(shardId: string, after: bigint): string {
    return Buffer.from(JSON.stringify([this.name, shardId, after.toString(), this.ctx.clock.now])).toString('base64');
  }

  private parseIterator(iterator: string): { shardId: string; after: bigint; issuedAt: number } {
    try {
      const [stream, shardId, after, issuedAt] = JSON.parse(Buffer.from(String(iterator), 'base64').toString('utf8')) as [string, string, string, number];
      if (stream !== this.name || typeof shardId !== 'string') throw new Error('other stream');
      return { shardId, after: BigInt(after), issuedAt };
    } catch {
      throw new EngineError('InvalidArgumentException', `not a shard iterator of stream ${this.name}`);
    }
  }
}

/** Lambda polls each shard of a Kinesis stream once a second. */
const POLL_INTERVAL_MS = 1_000;
/** A failing batch is retried with backoff: 1 s, doubling, up to 1 minute. */
const RETRY_START_MS = 1_000;
const RETRY_CAP_MS = 60_000;

export interface KinesisEventSourceOptions {
  batchSize?: number;
  parallelizationFactor?: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  maxRetryAttempts?: number;
  pollIntervalMs?: number;
  /** Process one batch; call `done` once with whether it succeeded. */
  process: (batch: KinesisRecord[], lane: string, done: (ok: boolean) => void) => void;
  /** A batch given up: its retries ran out, or its records expired while it was retried. */
  onDiscard?: (batch: KinesisRecord[], reason: 'RetryAttemptsExhausted' | 'RecordAgeExceeded') => void;
}

/**
 * The Lambda event source for one Kinesis stream: polls every shard (parents before children) once
 * per `pollIntervalMs` and hands batches to `process`, up to `parallelizationFactor` batches of one
 * shard at a time, each lane keeping the order of its partition keys. `done(false)` retries the
 * batch after a backoff (1 s doubling to 1 min), which blocks its lane, until `maxRetryAttempts`
 * (-1: until the records expire). With nothing to read and nothing in hand the source sleeps
 * until a record is put on the stream (the trace is its feed), so a drained clock stops.
 */
export class KinesisEventSource {
  private readonly lanes = new Map<string, { busy: boolean; queue: KinesisRecord[]; attempts: number }>();
  private readonly positions = new Map<string, string | null>();
  /** Per shard, the last record read: where to go on when an iterator expired while the source slept. */
  private readonly checkpoints = new Map<string, string>();
  private readonly createdAt: number;
  private stopped = false;
  private timer: TimerId | undefined;
  private lastPoll = -Infinity;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: EngineContext,
    private readonly stream: KinesisStream,
    private readonly options: KinesisEventSourceOptions,
  ) {
    const f = options.parallelizationFactor ?? 1;
    if (!(Number.isInteger(f) && f >= 1 && f <= 10)) fail('eventSource.parallelizationFactor', `must be 1–10, got ${show(f)}`);
    const b = options.batchSize ?? 100;
    if (!(Number.isInteger(b) && b >= 1 && b <= 10_000)) fail('eventSource.batchSize', `must be 1–10,000, got ${show(b)}`);
    if (options.startingPosition !== 'TRIM_HORIZON' && options.startingPosition !== 'LATEST') fail('eventSource.startingPosition', `must be TRIM_HORIZON or LATEST, got ${show(options.startingPosition)}`);
    const r = options.maxRetryAttempts ?? -1;
    if (!(Number.isInteger(r) && r >= -1 && r <= 10_000)) fail('eventSource.maxRetryAttempts', `must be -1 (until the records expire) or 0–10,000, got ${show(r)}`);
    this.createdAt = ctx.clock.now;
    // LATEST: what is put from now on, i.e. after each shard's newest record at this instant.
    if (options.startingPosition === 'LATEST') {
      for (const sh of stream.listShards()) {
        const it = stream.getShardIterator(sh.shardId, 'LATEST');
        this.positions.set(sh.shardId, it);
        const newest = stream.newestSequenceNumber(sh.shardId);
        if (newest !== undefined) this.checkpoints.set(sh.shardId, newest);
      }
    }
    this.unsubscribe = ctx.trace.subscribe(
      (record) => {
        if (record.resource === stream.name && !this.stopped) this.wake();
      },
      ['produced', 'rebalanced'],
    );
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.ctx.clock.cancel(this.timer);
    this.timer = undefined;
  }

  /** Poll at the next polling instant (at most one poll per interval). */
  private wake(): void {
    if (this.stopped || this.timer !== undefined) return;
    const interval = this.options.pollIntervalMs ?? POLL_INTERVAL_MS;
    const at = Math.max(this.ctx.clock.now, this.lastPoll + interval);
    this.timer = this.ctx.clock.at(at, () => {
      this.timer = undefined;
      this.poll();
    });
  }

  private poll(): void {
    if (this.stopped) return;
    this.lastPoll = this.ctx.clock.now;
    const factor = this.options.parallelizationFactor ?? 1;
    const shards = this.stream.listShards();
    const finished = (id: string) => this.positions.get(id) === null;
    let unread = false;
    for (const s of shards) {
      // A child waits until its parents are read to their end.
      if (!s.parents.every((p) => finished(p) || !shards.some((x) => x.shardId === p))) {
        unread = true;
        continue;
      }
      if (finished(s.shardId)) continue;
      const kept = this.positions.get(s.shardId);
      if (kept === null) continue;
      let page: ReturnType<KinesisStream['getRecords']>;
      try {
        try {
          page = this.stream.getRecords(kept ?? this.freshIterator(s.shardId, s.parents.length > 0), 10_000);
        } catch (err) {
          // Idle longer than 5 minutes: go on from the checkpoint with a new iterator.
          if (!(err instanceof EngineError && err.code === 'ExpiredIteratorException')) throw err;
          page = this.stream.getRecords(this.freshIterator(s.shardId, s.parents.length > 0), 10_000);
        }
      } catch (err) {
        if (err instanceof EngineError && err.code === 'ProvisionedThroughputExceededException') {
          unread = true; // other readers used the shard's 5 reads this second: next poll
          continue;
        }
        throw err;
      }
      this.positions.set(s.shardId, page.nextShardIterator);
      // A closed shard just read to its end lets its children start at the next poll.
      if (page.nextShardIterator === null || page.records.length > 0) unread = true;
      const last = page.records[page.records.length - 1];
      if (last) this.checkpoints.set(s.shardId, last.sequenceNumber);
      for (const r of page.records) {
        const lane = `${s.shardId}#${factor === 1 ? 0 : Number(hashKeyLow(r.partitionKey) % BigInt(factor))}`;
        if (!this.lanes.has(lane)) this.lanes.set(lane, { busy: false, queue: [], attempts: 0 });
        this.lanes.get(lane)!.queue.push(r);
      }
    }
    for (const [name] of this.lanes) this.run(name);
    // Keep polling while anything may be left to read; otherwise sleep until a put wakes us.
    if (unread) this.wake();
  }

  /** An iterator just after the shard's checkpoint, or at the starting position (a child shard: its start). */
  private freshIterator(shardId: string, child: boolean): string {
    const checkpoint = this.checkpoints.get(shardId);
    if (checkpoint !== undefined) return this.stream.getShardIterator(shardId, 'AFTER_SEQUENCE_NUMBER', { sequenceNumber: checkpoint });
    if (child || this.options.startingPosition === 'TRIM_HORIZON') return this.stream.getShardIterator(shardId, 'TRIM_HORIZON');
    // LATEST: the records put since the mapping was created.
    return this.stream.getShardIterator(shardId, 'AT_TIMESTAMP', { timestamp: this.createdAt });
  }

  private run(name: string): void {
    const lane = this.lanes.get(name)!;
    if (lane.busy || lane.queue.length === 0 || this.stopped) return;
    lane.busy = true;
    const batch = lane.queue.slice(0, this.options.batchSize ?? 100);
    let settled = false;
    this.options.process(batch, name, (ok) => {
      if (settled) return;
      settled = true;
      if (this.stopped) return;
      const max = this.options.maxRetryAttempts ?? -1;
      const expired = batch[0].approximateArrivalTimestamp < this.ctx.clock.now - this.stream.retentionMs;
      if (ok || expired || (max >= 0 && lane.attempts >= max)) {
        if (!ok) this.options.onDiscard?.(batch, expired ? 'RecordAgeExceeded' : 'RetryAttemptsExhausted');
        lane.queue.splice(0, batch.length);
        lane.attempts = 0;
        lane.busy = false;
        this.ctx.clock.schedule(0, () => this.run(name));
        return;
      }
      const delay = Math.min(RETRY_START_MS * 2 ** lane.attempts, RETRY_CAP_MS);
      lane.attempts++;
      this.ctx.trace.emit('retried', this.stream.name, batch[0].sequenceNumber, undefined, { lane: name, attempt: lane.attempts, delayMs: delay, size: batch.length });
      this.ctx.clock.schedule(delay, () => {
        lane.busy = false;
        this.run(name);
      });
    });
  }
}

/** Lower 32 bits of a key's MD5: which lane of a shard a partition key uses. */
function hashKeyLow(partitionKey: string): bigint {
  return BigInt.asUintN(32, hashKey(partitionKey));
}
