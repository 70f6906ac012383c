import { TimerId } from './clock';
import { EngineContext } from './context';
import { EngineError, ValidationError } from './errors';
import { partitionFor } from './murmur2';

/**
 * A Kafka-like stream: a topic split into partitions, each an append-only log of records numbered by
 * offset (0, 1, 2, …). Unlike a queue, reading does not remove anything: records stay until
 * retention deletes them (or compaction supersedes them), so any reader can rewind and replay.
 *
 * What is modelled (Kafka semantics, see docs/semantics):
 * - A keyed record goes to partition `murmur2(key) % partitions` (the Java client's default
 *   partitioner), so every record of a key lands in one partition, in order. Order is guaranteed
 *   per partition only. Records without a key follow the Java client's default since Kafka 2.4,
 *   the sticky partitioner (KIP-480; KIP-794 since 3.3): they stay on one partition until a batch's
 *   worth (`batch.size`, 16 KiB) has gone there, then move to another partition picked at random
 *   (seeded). `partitioner: 'round-robin'` is the client's `RoundRobinPartitioner` instead.
 * - Consumer groups share the partitions among their members (range assignor); each partition has
 *   one owner in a group. Progress is the group's committed offset per partition (the offset of the
 *   *next* record to read). On every rebalance, positions go back to the committed offsets, so
 *   records polled but not committed are read again: at-least-once delivery.
 * - A new group starts at `auto.offset.reset` (`latest` by default in Kafka, or `earliest`).
 * - A partition's log is a series of segments: a new one is rolled when the active one is
 *   `segment.ms` old (default 7 days, counted from its first record) or would pass `segment.bytes`
 *   (default 1 GiB).
 * - `cleanup.policy=delete`: retention deletes whole segments — a segment goes once its newest
 *   record is older than `retention.ms` (default 7 days) — and the log start offset moves forward;
 *   reading below it is `OffsetOutOfRange`. So a record can outlive `retention.ms` by up to
 *   `segment.ms`: with both at 7 days, records live 7 to 14 days.
 * - `cleanup.policy=compact`: only the last record of each key is kept (offsets never change, gaps
 *   appear). A record with a null value is a tombstone: it deletes its key — compaction drops the
 *   key's older records, and drops the tombstone itself once it is older than `delete.retention.ms`
 *   (default 1 day), so consumers that were behind still see the delete. Time retention does not
 *   apply to a compact-only topic, exactly as in Kafka. And as in Kafka, a compacted topic rejects
 *   records without a key (the broker answers `InvalidRecord`). The log cleaner runs by itself on
 *   the virtual clock every 15 s (`log.cleaner.backoff.ms`) while there is something to clean.
 *
 * Simplification: the cleaner compacts the whole log, the active segment included (Kafka's leaves
 * the active segment alone until it rolls).
 */

export interface StreamOptions {
  name: string;
  /** Number of partitions, 1..1000 (default 1). Fixed for the life of the stream. */
  partitions?: number;
  /** Time retention in ms (`retention.ms`, default 7 days); `Infinity` keeps records forever. */
  retentionMs?: number;
  /** `delete` (default): time retention. `compact`: keep the last record per key. */
  cleanupPolicy?: 'delete' | 'compact';
  /** Keyless records: `sticky` (the Java client's default) or `round-robin`. */
  partitioner?: 'sticky' | 'round-robin';
  /** `segment.ms`: roll a new segment after this long (default 7 days). */
  segmentMs?: number;
  /** `segment.bytes`: roll a new segment before it would pass this size (default 1 GiB). */
  segmentBytes?: number;
  /** `delete.retention.ms`: how long compaction keeps a tombstone (default 1 day). */
  deleteRetentionMs?: number;
}

export interface StreamRecord {
  partition: number;
  offset: number;
  key?: string;
  /** The value; `null` is a tombstone (deletes the key on a compacted stream). */
  value: string | null;
  headers: Record<string, string>;
  /** Virtual time (ms) at which the record was appended. */
  timestamp: number;
  id: string;
}

export interface ProduceOptions {
  key?: string;
  /** Explicit partition: wins over the key, as in Kafka. */
  partition?: number;
  headers?: Record<string, string>;
  /** Id of whatever caused this record (for the trace). */
  cause?: string;
}

export interface GroupOptions {
  /** Where a group with no committed offset starts: `latest` (Kafka's default) or `earliest`. */
  autoOffsetReset?: 'earliest' | 'latest';
}

export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** `segment.ms` default: 7 days. */
export const DEFAULT_SEGMENT_MS = 7 * 24 * 60 * 60 * 1000;
/** `segment.bytes` default: 1 GiB. */
export const DEFAULT_SEGMENT_BYTES = 1024 * 1024 * 1024;
/** `delete.retention.ms` default: 1 day. */
export const DEFAULT_DELETE_RETENTION_MS = 24 * 60 * 60 * 1000;
/** The producer's `batch.size` default: the sticky partitioner moves on after this many bytes. */
export const STICKY_BATCH_BYTES = 16384;
/** `log.cleaner.backoff.ms`: how often the log cleaner looks for work. */
export const CLEANER_BACKOFF_MS = 15_000;
export const MAX_PARTITIONS = 1000;
/** `max.poll.records` default: the most records one poll (or read) returns. */
export const DEFAULT_MAX_RECORDS = 500;
/** How often the background retention check runs at most (Kafka's `log.retention.check.interval.ms` is 5 min). */
export const RETENTION_CHECK_INTERVAL_MS = 60_000;

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** A segment of a partition's log: the records from `baseOffset` to the next segment's. */
interface Segment {
  baseOffset: number;
  /** Timestamp of its first record (segment.ms counts from it). */
  firstTimestamp: number;
  /** Timestamp of its newest record (retention counts from it). */
  maxTimestamp: number;
  bytes: number;
}

/** A record's size as the lab counts it: key, value and header bytes. */
function recordBytes(key: string | undefined, value: string | null, headers: Record<string, string>): number {
  let n = (key === undefined ? 0 : Buffer.byteLength(key)) + (value === null ? 0 : Buffer.byteLength(value));
  for (const h in headers) n += Buffer.byteLength(h) + Buffer.byteLength(headers[h]);
  return n;
}

/** One partition's log. `records[head..]` are the live records, in offset order (gaps after compaction). */
class PartitionLog {
  records: StreamRecord[] = [];
  head = 0;
  /** Segments, oldest first; the last one is active (receives appends). */
  segments: Segment[] = [];
  /** Log start offset: the first offset still readable (moves on retention, not on compaction). */
  start = 0;
  /** Log end offset: the offset the next record will get. */
  end = 0;

  get size(): number {
    return this.records.length - this.head;
  }

  /** Index in `records` of the first record with offset ≥ `offset` (records.length when none). */
  indexOf(offset: number): number {
    const recs = this.records;
    const len = recs.length;
    if (this.head >= len) return len;
    // Fast path: no gaps between head and the wanted offset.
    const guess = this.head + (offset - recs[this.head].offset);
    if (guess < this.head) return this.head;
    if (guess < len && recs[guess].offset === offset) return guess;
    let lo = this.head;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (recs[mid].offset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drop `n` records from the front; the array is rebuilt once most of it is dead, so memory stays bounded. */
  dropFront(n: number): void {
    this.head += n;
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }
}

export class Stream {
  readonly name: string;
  readonly partitions: number;
  readonly retentionMs: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  readonly partitioner: 'sticky' | 'round-robin';
  readonly segmentMs: number;
  readonly segmentBytes: number;
  readonly deleteRetentionMs: number;

  private readonly logs: PartitionLog[] = [];
  private readonly groupsById = new Map<string, ConsumerGroup>();
  private roundRobin = 0;
  /** Sticky partitioner: the partition keyless records go to, and the bytes sent there so far. */
  private sticky: number | undefined;
  private stickyBytes = 0;
  private retentionTimer: TimerId | undefined;
  private cleanerTimer: TimerId | undefined;

  constructor(
    private readonly ctx: EngineContext,
    options: StreamOptions,
  ) {
    if (options === null || typeof options !== 'object') throw new ValidationError('options', 'must be an object');
    const {
      name,
      partitions = 1,
      retentionMs = DEFAULT_RETENTION_MS,
      cleanupPolicy = 'delete',
      partitioner = 'sticky',
      segmentMs = DEFAULT_SEGMENT_MS,
      segmentBytes = DEFAULT_SEGMENT_BYTES,
      deleteRetentionMs = DEFAULT_DELETE_RETENTION_MS,
    } = options;
    if (typeof name !== 'string' || name.length === 0) throw new ValidationError('name', 'must be a non-empty string');
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new ValidationError('partitions', `must be an integer between 1 and ${MAX_PARTITIONS}, got ${partitions}`);
    }
    if (typeof retentionMs !== 'number' || !(retentionMs > 0)) {
      throw new ValidationError('retentionMs', `must be a number of ms > 0 (Infinity for no time limit), got ${retentionMs}`);
    }
    if (cleanupPolicy !== 'delete' && cleanupPolicy !== 'compact') {
      throw new ValidationError('cleanupPolicy', `must be 'delete' or 'compact', got ${String(cleanupPolicy)}`);
    }
    if (partitioner !== 'sticky' && partitioner !== 'round-robin') {
      throw new ValidationError('partitioner', `must be 'sticky' or 'round-robin', got ${String(partitioner)}`);
    }
    if (typeof segmentMs !== 'number' || !(segmentMs >= 1)) throw new ValidationError('segmentMs', `must be a number of ms ≥ 1 (Infinity: never roll by time), got ${segmentMs}`);
    if (!Number.isInteger(segmentBytes) || segmentBytes < 14) throw new ValidationError('segmentBytes', `must be an integer ≥ 14 (Kafka's minimum), got ${segmentBytes}`);
    if (typeof deleteRetentionMs !== 'number' || !(deleteRetentionMs >= 0)) throw new ValidationError('deleteRetentionMs', `must be a number of ms ≥ 0, got ${deleteRetentionMs}`);
    this.name = name;
    this.partitions = partitions;
    this.retentionMs = retentionMs;
    this.cleanupPolicy = cleanupPolicy;
    this.partitioner = partitioner;
    this.segmentMs = segmentMs;
    this.segmentBytes = segmentBytes;
    this.deleteRetentionMs = deleteRetentionMs;
    for (let p = 0; p < partitions; p++) this.logs.push(new PartitionLog());
  }

  /**
   * Append a record. Partition: the explicit one, else `murmur2(key) % partitions`, else the sticky
   * (or round-robin) choice. The record gets the partition's next offset and the current virtual
   * time. A `null` value is a tombstone.
   */
  produce(value: string | null, options?: ProduceOptions): StreamRecord {
    if (typeof value !== 'string' && value !== null) throw new ValidationError('value', `must be a string, or null for a tombstone, got ${typeof value}`);
    let key: string | undefined;
    let explicit: number | undefined;
    let headers = NO_HEADERS;
    let cause: string | undefined;
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') throw new ValidationError('options', 'must be an object');
      key = options.key;
      explicit = options.partition;
      cause = options.cause;
      if (key !== undefined && typeof key !== 'string') throw new ValidationError('key', `must be a string, got ${typeof key}`);
      if (explicit !== undefined) this.checkPartition(explicit, 'partition');
      if (options.headers !== undefined) headers = copyHeaders(options.headers);
      if (cause !== undefined && typeof cause !== 'string') throw new ValidationError('cause', `must be a string, got ${typeof cause}`);
    }
    if (key === undefined && this.cleanupPolicy === 'compact') {
      throw new EngineError('InvalidRecord', `stream ${this.name} is compacted: every record needs a key`);
    }

    const bytes = recordBytes(key, value, headers);
    let partition: number;
    if (explicit !== undefined) partition = explicit;
    else if (key !== undefined) partition = partitionFor(key, this.partitions);
    else if (this.partitioner === 'round-robin') {
      partition = this.roundRobin;
      this.roundRobin = partition + 1 === this.partitions ? 0 : partition + 1;
    } else partition = this.stickyPartition(bytes);

    const log = this.logs[partition];
    const offset = log.end++;
    const timestamp = this.ctx.clock.now;
    const id = this.ctx.id('rec');
    this.appendToSegment(log, offset, timestamp, bytes);
    // Two literal shapes (with / without key) rather than `delete`, which would slow every later access.
    const record: StreamRecord =
      key === undefined ? { partition, offset, value, headers, timestamp, id } : { partition, offset, key, value, headers, timestamp, id };
    log.records.push(record);
    if (value === null) this.ctx.trace.emit('produced', this.name, id, cause, { partition, offset, key, tombstone: true });
    else this.ctx.trace.emit('produced', this.name, id, cause, { partition, offset, key });
    if (this.retentionTimer === undefined && this.cleanupPolicy === 'delete' && this.retentionMs !== Infinity) {
      this.armRetention(timestamp + this.retentionMs);
    }
    if (this.cleanerTimer === undefined && this.cleanupPolicy === 'compact') this.armCleaner();
    return record;
  }

  /**
   * The sticky partitioner: stay on the current partition until a batch's worth of bytes went there,
   * then pick another at random (seeded, so a run stays reproducible).
   */
  private stickyPartition(bytes: number): number {
    if (this.sticky === undefined || this.stickyBytes >= STICKY_BATCH_BYTES) {
      const previous = this.sticky;
      if (this.partitions === 1) this.sticky = 0;
      else if (previous === undefined) this.sticky = this.ctx.random.int(this.partitions);
      else {
        const pick = this.ctx.random.int(this.partitions - 1);
        this.sticky = pick >= previous ? pick + 1 : pick;
      }
      this.stickyBytes = 0;
    }
    this.stickyBytes += bytes;
    return this.sticky;
  }

  /** Account a new record in the active segment, rolling a new one when segment.ms or segment.bytes says so. */
  private appendToSegment(log: PartitionLog, offset: number, timestamp: number, bytes: number): void {
    const active = log.segments[log.segments.length - 1];
    if (active === undefined || timestamp - active.firstTimestamp >= this.segmentMs || (active.bytes > 0 && active.bytes + bytes > this.segmentBytes)) {
      log.segments.push({ baseOffset: offset, firstTimestamp: timestamp, maxTimestamp: timestamp, bytes });
      return;
    }
    active.bytes += bytes;
    if (timestamp > active.maxTimestamp) active.maxTimestamp = timestamp;
  }

  /** Number of segments of a partition (the last is the active one). */
  segmentCount(partition: number): number {
    this.checkPartition(partition, 'partition');
    return this.logs[partition].segments.length;
  }

  /**
   * Read up to `max` records of a partition from `offset` on (any offset: this is how a consumer
   * replays). Reading at the end offset returns nothing; below the log start (deleted by retention)
   * or beyond the end is `OffsetOutOfRange`. After compaction, an offset that was removed reads
   * from the next surviving record.
   */
  read(partition: number, offset: number, max = DEFAULT_MAX_RECORDS): StreamRecord[] {
    this.checkPartition(partition, 'partition');
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset', `must be an integer ≥ 0, got ${offset}`);
    checkMax(max);
    const log = this.logs[partition];
    if (offset < log.start || offset > log.end) {
      throw new EngineError('OffsetOutOfRange', `offset ${offset} is outside ${this.name}[${partition}]: readable offsets are ${log.start}..${log.end}`);
    }
    return this.slice(log, offset, max);
  }

  /** Log start offset: the first readable offset (advanced by retention). */
  startOffset(partition: number): number {
    this.checkPartition(partition, 'partition');
    return this.logs[partition].start;
  }

  /** Log end offset: the offset the next record appended to the partition will get. */
  endOffset(partition: number): number {
    this.checkPartition(partition, 'partition');
    return this.logs[partition].end;
  }

  /** Number of records currently stored in a partition (fewer than end − start after compaction). */
  size(partition: number): number {
    this.checkPartition(partition, 'partition');
    return this.logs[partition].size;
  }

  /**
   * Retention (cleanup.policy=delete; a compact-only stream keeps records regardless of age): delete
   * every segment whose newest record is at least `retentionMs` old — whole segments, so a record
   * stays until the youngest record of its segment is due (the active segment too: Kafka rolls it
   * and deletes it). Moves the log start offset. Returns how many records were deleted. Also runs
   * by itself on the virtual clock: when the oldest segment is due, then at most once per
   * `RETENTION_CHECK_INTERVAL_MS` while records remain.
   */
  enforceRetention(): number {
    if (this.cleanupPolicy !== 'delete' || this.retentionMs === Infinity) return 0;
    const deadline = this.ctx.clock.now - this.retentionMs; // segments whose newest record is at or before this are due
    let deleted = 0;
    for (let p = 0; p < this.partitions; p++) {
      const log = this.logs[p];
      let due = 0;
      while (due < log.segments.length && log.segments[due].maxTimestamp <= deadline) due++;
      if (due === 0) continue;
      const nextBase = due < log.segments.length ? log.segments[due].baseOffset : log.end;
      const recs = log.records;
      let i = log.head;
      while (i < recs.length && recs[i].offset < nextBase) {
        const r = recs[i++];
        this.ctx.trace.emit('expired', this.name, r.id, 'retention', { partition: p, offset: r.offset, ageMs: this.ctx.clock.now - r.timestamp });
      }
      log.segments.splice(0, due);
      const n = i - log.head;
      deleted += n;
      log.start = nextBase;
      if (n > 0) log.dropFront(n);
    }
    return deleted;
  }

  /**
   * Log compaction (cleanup.policy=compact): keep only the newest record of each key per partition,
   * and drop a newest record that is a tombstone once it is `deleteRetentionMs` old. Offsets do not
   * change, so the log gets gaps; the log start offset stays. Each removed record is traced
   * `compacted`, with the id of the record that superseded it as cause (a tombstone that expired:
   * its own id, detail `tombstone`). Returns how many were removed. Runs by itself (see the class
   * comment); callable on demand.
   */
  compact(): number {
    if (this.cleanupPolicy !== 'compact') {
      throw new EngineError('InvalidCleanupPolicy', `stream ${this.name} has cleanupPolicy 'delete': only a 'compact' stream is compacted`);
    }
    const now = this.ctx.clock.now;
    let removed = 0;
    for (let p = 0; p < this.partitions; p++) {
      const log = this.logs[p];
      const latest = new Map<string | undefined, StreamRecord>();
      for (let i = log.head; i < log.records.length; i++) latest.set(log.records[i].key, log.records[i]);
      const expired = (r: StreamRecord): boolean => r.value === null && now - r.timestamp >= this.deleteRetentionMs;
      let dead = log.size - latest.size;
      for (const r of latest.values()) if (expired(r)) dead++;
      if (dead === 0) continue;
      const kept: StreamRecord[] = [];
      for (let i = log.head; i < log.records.length; i++) {
        const r = log.records[i];
        const winner = latest.get(r.key)!;
        if (winner !== r) {
          removed++;
          this.ctx.trace.emit('compacted', this.name, r.id, winner.id, { partition: p, offset: r.offset, key: r.key });
        } else if (expired(r)) {
          removed++;
          this.ctx.trace.emit('compacted', this.name, r.id, r.id, { partition: p, offset: r.offset, key: r.key, tombstone: true });
        } else kept.push(r);
      }
      log.records = kept;
      log.head = 0;
    }
    return removed;
  }

  /** Is there anything for the log cleaner: a superseded record, or a tombstone past delete.retention.ms? */
  private cleanable(): { now: boolean; nextTombstoneDue: number } {
    const now = this.ctx.clock.now;
    let nextTombstoneDue = Infinity;
    for (const log of this.logs) {
      const seen = new Set<string | undefined>();
      for (let i = log.records.length - 1; i >= log.head; i--) {
        const r = log.records[i];
        if (seen.has(r.key)) return { now: true, nextTombstoneDue };
        seen.add(r.key);
        if (r.value === null) {
          const due = r.timestamp + this.deleteRetentionMs;
          if (due <= now) return { now: true, nextTombstoneDue };
          if (due < nextTombstoneDue) nextTombstoneDue = due;
        }
      }
    }
    return { now: false, nextTombstoneDue };
  }

  /** The background log cleaner: every `CLEANER_BACKOFF_MS`, compact if there is work; sleep when there is none. */
  private armCleaner(): void {
    this.cleanerTimer = this.ctx.clock.schedule(CLEANER_BACKOFF_MS, () => {
      this.cleanerTimer = undefined;
      const work = this.cleanable();
      if (work.now) this.compact();
      const after = this.cleanable();
      if (after.now) this.armCleaner();
      else if (after.nextTombstoneDue !== Infinity) {
        // Sleep until the next tombstone is due (a new record wakes the cleaner sooner).
        this.cleanerTimer = this.ctx.clock.at(Math.max(after.nextTombstoneDue, this.ctx.clock.now + CLEANER_BACKOFF_MS), () => {
          this.cleanerTimer = undefined;
          this.compact();
          if (this.cleanable().now || this.cleanable().nextTombstoneDue !== Infinity) this.armCleaner();
        });
      }
    });
  }

  /** The consumer group `groupId` (created on first use; the same object afterwards). */
  group(groupId: string, options?: GroupOptions): ConsumerGroup {
    if (typeof groupId !== 'string' || groupId.length === 0) throw new ValidationError('groupId', 'must be a non-empty string');
    const reset = options?.autoOffsetReset;
    if (reset !== undefined && reset !== 'earliest' && reset !== 'latest') {
      throw new ValidationError('autoOffsetReset', `must be 'earliest' or 'latest', got ${String(reset)}`);
    }
    let group = this.groupsById.get(groupId);
    if (group) {
      if (reset !== undefined && reset !== group.autoOffsetReset) {
        throw new ValidationError('autoOffsetReset', `group ${groupId} already exists with '${group.autoOffsetReset}'`);
      }
      return group;
    }
    group = new ConsumerGroup(this.ctx, this, groupId, reset ?? 'latest');
    this.groupsById.set(groupId, group);
    return group;
  }

  /** All consumer groups, in creation order. */
  groups(): ConsumerGroup[] {
    return [...this.groupsById.values()];
  }

  /** @internal Records of a partition from `offset` (already validated) on, at most `max`. */
  slice(log: PartitionLog, offset: number, max: number): StreamRecord[] {
    const from = log.indexOf(offset);
    const to = Math.min(log.records.length, from + max);
    return from >= to ? [] : log.records.slice(from, to);
  }

  /** @internal */
  log(partition: number): PartitionLog {
    return this.logs[partition];
  }

  /** Delete the stream itself (the playground's "delete stream"): its retention timer never runs again. */
  close(): void {
    if (this.retentionTimer !== undefined) this.ctx.clock.cancel(this.retentionTimer);
    this.retentionTimer = undefined;
    if (this.cleanerTimer !== undefined) this.ctx.clock.cancel(this.cleanerTimer);
    this.cleanerTimer = undefined;
  }

  /** @internal Validate a partition number (ValidationError naming `field`). */
  checkPartition(partition: number, field: string): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.partitions) {
      throw new ValidationError(field, `must be an integer between 0 and ${this.partitions - 1} (stream ${this.name} has ${this.partitions} partitions), got ${partition}`);
    }
  }

  private armRetention(at: number): void {
    this.retentionTimer = this.ctx.clock.at(at, () => {
      this.retentionTimer = undefined;
      this.enforceRetention();
      // Next due: the oldest segment's newest record reaching retention.
      let oldest = Infinity;
      for (const log of this.logs) if (log.segments.length && log.segments[0].maxTimestamp < oldest) oldest = log.segments[0].maxTimestamp;
      if (oldest !== Infinity) this.armRetention(Math.max(oldest + this.retentionMs, this.ctx.clock.now + RETENTION_CHECK_INTERVAL_MS));
    });
  }
}

/**
 * A consumer group: members share a stream's partitions, each partition owned by exactly one member,
 * and the group remembers how far it got (committed offset per partition). Several groups read the
 * same stream independently — that is the pub/sub side of a log.
 */
export class ConsumerGroup {
  private memberIds: string[] = [];
  private readonly assigned = new Map<string, number[]>();
  /** Owner of each partition (undefined when the group has no member). */
  private readonly owner: (string | undefined)[];
  /** Fetch position of each partition for its current owner (-1 = not assigned). */
  private readonly positions: number[];
  /** Committed offset per partition (-1 = none yet). */
  private readonly commits: number[];
  /** Per-member rotation so one busy partition cannot starve the others in a poll. */
  private readonly cursor = new Map<string, number>();
  private generation = 0;

  constructor(
    private readonly ctx: EngineContext,
    private readonly stream: Stream,
    readonly id: string,
    readonly autoOffsetReset: 'earliest' | 'latest',
  ) {
    const n = stream.partitions;
    this.owner = new Array<string | undefined>(n).fill(undefined);
    this.positions = new Array<number>(n).fill(-1);
    this.commits = new Array<number>(n).fill(-1);
  }

  /** A member joins; the group rebalances. Joining again as a current member changes nothing. */
  join(memberId: string): void {
    if (typeof memberId !== 'string' || memberId.length === 0) throw new ValidationError('memberId', 'must be a non-empty string');
    if (this.assigned.has(memberId)) return;
    this.memberIds.push(memberId);
    this.memberIds.sort(compareStrings);
    this.rebalance(`joined:${memberId}`);
  }

  /** A member leaves (or is declared dead); the group rebalances and its uncommitted progress is lost. */
  leave(memberId: string): void {
    this.checkMember(memberId);
    this.memberIds = this.memberIds.filter((m) => m !== memberId);
    this.cursor.delete(memberId);
    this.rebalance(`left:${memberId}`);
  }

  /** Current members, sorted. */
  members(): string[] {
    return this.memberIds.slice();
  }

  /** Partitions owned by a member, ascending. */
  assignment(memberId: string): number[] {
    this.checkMember(memberId);
    return this.assigned.get(memberId)!.slice();
  }

  /**
   * Fetch up to `max` records from the member's partitions, each from its current position, and
   * advance the positions (not the committed offsets). Partitions are visited in rotation from poll
   * to poll. A position below the log start (records deleted by retention before being read) is
   * reset by `autoOffsetReset`, as the Kafka consumer does on `OffsetOutOfRange`.
   */
  poll(memberId: string, max = DEFAULT_MAX_RECORDS): StreamRecord[] {
    this.checkMember(memberId);
    checkMax(max);
    const parts = this.assigned.get(memberId)!;
    const out: StreamRecord[] = [];
    if (parts.length === 0) return out;
    const first = (this.cursor.get(memberId) ?? 0) % parts.length;
    this.cursor.set(memberId, first + 1);
    for (let k = 0; k < parts.length && out.length < max; k++) this.fetch(memberId, parts[(first + k) % parts.length], max, out);
    return out;
  }

  /** `poll`, from one of the member's partitions only (a consumer that assigned itself a partition). */
  pollPartition(memberId: string, partition: number, max = DEFAULT_MAX_RECORDS): StreamRecord[] {
    this.checkMember(memberId);
    checkMax(max);
    this.stream.checkPartition(partition, 'partition');
    if (!this.assigned.get(memberId)!.includes(partition)) throw new EngineError('PartitionNotAssigned', `partition ${partition} of ${this.stream.name} is not assigned to ${memberId} in group ${this.id}`);
    const out: StreamRecord[] = [];
    this.fetch(memberId, partition, max, out);
    return out;
  }

  /** Append up to `max - out.length` records of partition `p` from its position to `out`; advance the position. */
  private fetch(memberId: string, p: number, max: number, out: StreamRecord[]): void {
    const log = this.stream.log(p);
    let pos = this.positions[p];
    if (pos < log.start || pos > log.end) pos = this.resetPosition(p);
    const batch = this.stream.slice(log, pos, max - out.length);
    for (const r of batch) {
      out.push(r);
      this.ctx.trace.emit('consumed', this.stream.name, r.id, undefined, { group: this.id, member: memberId, partition: p, offset: r.offset });
    }
    this.positions[p] = batch.length ? batch[batch.length - 1].offset + 1 : pos;
  }

  /**
   * Commit offsets (the offset of the next record to read, per partition). Without `offsets`, commits
   * the member's current positions. Only the owner of a partition may commit it: a member that lost
   * it in a rebalance gets `NotAssigned` (Kafka: the commit fails with a rebalance error). All or nothing.
   */
  commit(memberId: string, offsets?: Record<number, number>): void {
    this.checkMember(memberId);
    const parts = this.assigned.get(memberId)!;
    const todo: [number, number][] = [];
    if (offsets === undefined) {
      for (const p of parts) todo.push([p, this.positions[p]]);
    } else {
      if (offsets === null || typeof offsets !== 'object') throw new ValidationError('offsets', 'must be an object of partition → offset');
      for (const key of Object.keys(offsets)) {
        const p = Number(key);
        this.stream.checkPartition(p, `offsets.${key}`);
        const offset = offsets[p];
        const end = this.stream.log(p).end;
        if (!Number.isInteger(offset) || offset < 0 || offset > end) {
          throw new ValidationError(`offsets.${key}`, `must be an integer offset between 0 and the end offset ${end}, got ${offset}`);
        }
        if (this.owner[p] !== memberId) {
          throw new EngineError('NotAssigned', `member ${memberId} of group ${this.id} does not own partition ${p} (owner: ${this.owner[p] ?? 'none'}); it was reassigned in a rebalance`);
        }
        todo.push([p, offset]);
      }
    }
    for (const [p, offset] of todo) {
      if (this.commits[p] === offset) continue;
      this.commits[p] = offset;
      this.ctx.trace.emit('committed', this.stream.name, undefined, undefined, { group: this.id, member: memberId, partition: p, offset });
    }
  }

  /** The group's committed offset for a partition (the next offset it will read), if any. */
  committed(partition: number): number | undefined {
    this.stream.checkPartition(partition, 'partition');
    const c = this.commits[partition];
    return c < 0 ? undefined : c;
  }

  /**
   * Move the owner's position in a partition (rewind to replay, or skip ahead). The committed offset
   * is unchanged until the owner commits. A rewind is traced `replayed`.
   */
  seek(partition: number, offset: number): void {
    this.stream.checkPartition(partition, 'partition');
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset', `must be an integer ≥ 0, got ${offset}`);
    const owner = this.owner[partition];
    if (owner === undefined) throw new EngineError('NotAssigned', `partition ${partition} has no owner in group ${this.id}: join a member first`);
    const log = this.stream.log(partition);
    if (offset < log.start || offset > log.end) {
      throw new EngineError('OffsetOutOfRange', `offset ${offset} is outside ${this.stream.name}[${partition}]: readable offsets are ${log.start}..${log.end}`);
    }
    const from = this.positions[partition];
    this.positions[partition] = offset;
    if (offset < from) this.ctx.trace.emit('replayed', this.stream.name, undefined, `seek:${owner}`, { group: this.id, member: owner, partition, from, to: offset });
  }

  /** Consumer lag: end offset − committed offset (− log start offset when nothing is committed). */
  lag(partition: number): number {
    this.stream.checkPartition(partition, 'partition');
    const log = this.stream.log(partition);
    const c = this.commits[partition];
    return log.end - (c < 0 ? log.start : c);
  }

  /**
   * Where the next poll of a partition reads: the owner's position; for a partition with no owner,
   * where a new owner would start (committed offset, else the reset policy).
   */
  position(partition: number): number {
    this.stream.checkPartition(partition, 'partition');
    return this.owner[partition] === undefined ? this.startingOffset(partition) : this.positions[partition];
  }

  /** Eager rebalance with the range assignor: revoke everything, reassign, restart from committed offsets. */
  private rebalance(reason: string): void {
    this.generation++;
    this.assigned.clear();
    const n = this.stream.partitions;
    const c = this.memberIds.length;
    const assignment: Record<string, number[]> = {};
    if (c === 0) {
      this.owner.fill(undefined);
      this.positions.fill(-1);
    } else {
      // Range assignor: members sorted; each gets ⌊n/c⌋ consecutive partitions, the first n mod c one more.
      const per = Math.floor(n / c);
      const extra = n % c;
      let p = 0;
      for (let i = 0; i < c; i++) {
        const member = this.memberIds[i];
        const count = per + (i < extra ? 1 : 0);
        const mine: number[] = [];
        for (let k = 0; k < count; k++, p++) {
          mine.push(p);
          this.owner[p] = member;
          this.positions[p] = this.startingOffset(p);
        }
        this.assigned.set(member, mine);
        assignment[member] = mine.slice();
      }
    }
    this.ctx.trace.emit('rebalanced', this.stream.name, undefined, reason, { group: this.id, generation: this.generation, members: this.memberIds.slice(), assignment });
  }

  /** The committed offset, else the reset policy (earliest = log start, latest = log end). */
  private startingOffset(partition: number): number {
    const c = this.commits[partition];
    return c >= 0 ? c : this.resetOffset(partition);
  }

  private resetOffset(partition: number): number {
    const log = this.stream.log(partition);
    return this.autoOffsetReset === 'earliest' ? log.start : log.end;
  }

  private resetPosition(partition: number): number {
    const pos = this.resetOffset(partition);
    this.positions[partition] = pos;
    return pos;
  }

  private checkMember(memberId: string): void {
    if (typeof memberId !== 'string' || memberId.length === 0) throw new ValidationError('memberId', 'must be a non-empty string');
    if (!this.assigned.has(memberId)) throw new EngineError('UnknownMemberId', `${memberId} is not a member of group ${this.id}`);
  }
}

function checkMax(max: number): void {
  if (!Number.isInteger(max) || max < 1) throw new ValidationError('max', `must be an integer ≥ 1, got ${max}`);
}

function copyHeaders(headers: Record<string, string>): Record<string, string> {
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) throw new ValidationError('headers', 'must be an object of string values');
  const out: Record<string, string> = {};
  for (const k of Object.keys(headers)) {
    const v = headers[k];
    if (typeof v !== 'string') throw new ValidationError(`headers.${k}`, `must be a string, got ${typeof v}`);
    out[k] = v;
  }
  return out;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
