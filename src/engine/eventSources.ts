/**
 * Event source mappings: the part of the function platform that *pulls* from a queue or a stream
 * and invokes a function with batches. The function never polls; the platform's pollers do.
 *
 * Queue (SQS) mapping, as in Lambda:
 * - Pollers receive batches (default 10; up to 10,000 with a batching window; FIFO at most 10) and
 *   invoke the function synchronously, one batch per invocation.
 * - Success deletes the whole batch. A failure deletes nothing: the messages reappear after the
 *   visibility timeout, their receive count grows, and the queue's redrive policy eventually moves a
 *   poison message to the dead-letter queue. A throttled invoke is a failure too (the batch never
 *   reached the function but its messages are in flight), which is why AWS advises a visibility
 *   timeout of several times the function timeout and a `maxReceiveCount` of at least 5.
 * - With `reportBatchItemFailures`, a result `{ batchItemFailures: [{ itemIdentifier }] }` deletes
 *   all but the listed messages. An identifier that is empty or not in the batch fails the batch
 *   (partialBatch.ts), and the trace says why (`response-rejected`).
 * - Pollers scale up while messages are waiting (5 at first, then one more every 200 ms, i.e. 300
 *   per minute) up to `maxConcurrency` (default 1,250); idle ones above the initial 5 are retired.
 * - FIFO queues deliver each message group in order (the queue enforces one in-flight batch per
 *   group); on a partial failure the mapping also keeps every later message of the failed group.
 *
 * Stream (Kafka-like) mapping:
 * - One poller per partition (each a member of the mapping's own consumer group), so partitions are
 *   processed in parallel and each in order. Batches of up to `batchSize` records (default 100).
 * - Success commits past the batch. An error retries the *same* batch, blocking its partition,
 *   until `maxRetryAttempts` (unlimited by default) or `maxRecordAgeS` runs out; with
 *   `bisectOnError` the failing batch is split in halves first (splitting does not use up retries),
 *   which isolates a poison record. A batch given up goes to `onFailure` (or is dropped) and the
 *   partition moves on.
 *
 * Nothing here polls on a timer: idle pollers sleep until the queue says a message became visible
 * or the trace shows a record produced on the stream, so a drained clock really stops.
 */
import type { TimerId } from './clock';
import type { EngineContext } from './context';
import { EngineError, ValidationError } from './errors';
import type { FunctionPlatform } from './functions';
import { kafkaEvent, sqsEvent } from './events';
import { partialBatchResponse } from './partialBatch';
import { deepest } from './recursion';
import type { Queue, ReceivedMessage } from './queue';
import type { ConsumerGroup, Stream, StreamRecord } from './stream';
import { tracedValue } from './trace';

export interface QueueSourceOptions {
  /** Messages per invocation: 1..10,000 (above 10 needs a batching window), default 10; FIFO at most 10. */
  batchSize?: number;
  /** How long to gather a batch, 0..300 s, default 0. */
  batchingWindowS?: number;
  /** Honour `{ batchItemFailures }` results (partial batch responses). */
  reportBatchItemFailures?: boolean;
  /** Most concurrent invocations this mapping makes, 2..1000 (default: up to 1,250). */
  maxConcurrency?: number;
}

export interface StreamSourceOptions {
  /** Records per invocation, 1..10,000, default 100. */
  batchSize?: number;
  /** Where a new mapping starts reading: the oldest record (default) or only new records. */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Split a failing batch in two before retrying. */
  bisectOnError?: boolean;
  /** Retries of a failing batch: -1 (default) = until the record expires, else 0..10,000. */
  maxRetryAttempts?: number;
  /** Discard records older than this instead of retrying: -1 (default) = no limit, else 60..604,800 s. */
  maxRecordAgeS?: number;
  /** On-failure destination for a batch given up. */
  onFailure?: (records: StreamRecord[], error: string) => void;
}

export interface EventSourceMapping {
  /** Stop polling. Invocations already running finish (and still delete / commit). */
  stop(): void;
}

/** Lambda starts an SQS mapping with 5 concurrent pollers. */
const INITIAL_POLLERS = 5;
/** …and adds up to 300 per minute: one every 200 ms. */
const SCALE_UP_INTERVAL_MS = 200;
const DEFAULT_MAX_POLLERS = 1250;
/** A poller whose invoke was throttled waits this long before polling again. */
const THROTTLE_BACKOFF_MS = 1000;
/** Stream retries back off exponentially from 1 s up to 1 min. */
const STREAM_RETRY_START_MS = 1000;
const STREAM_RETRY_CAP_MS = 60_000;

function integerOption(path: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(path, `must be an integer between ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

function booleanOption(path: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ValidationError(path, `must be true or false, got ${String(value)}`);
  return value;
}

function checkFunction(platform: FunctionPlatform, fn: unknown): asserts fn is string {
  if (typeof fn !== 'string' || !platform.has(fn)) throw new ValidationError('fn', `no function named ${JSON.stringify(fn)}`);
}

// ------------------------------------------------------------------------------------------------
// Queue (SQS) mapping

interface QueuePoller {
  state: 'idle' | 'gathering' | 'invoking' | 'sleeping' | 'retired';
  batch: ReceivedMessage[];
  timer: TimerId | undefined;
}

/**
 * Connect a queue to a function (an SQS event source mapping). Returns a handle to stop it.
 */
export function addQueueSource(platform: FunctionPlatform, ctx: EngineContext, fn: string, queue: Queue, options: QueueSourceOptions = {}): EventSourceMapping {
  checkFunction(platform, fn);
  if (queue === null || typeof queue !== 'object' || typeof queue.receive !== 'function') throw new ValidationError('queue', 'must be a Queue');
  if (options === null || typeof options !== 'object') throw new ValidationError('options', 'must be an object');
  const batchSize = integerOption('batchSize', options.batchSize, 10, 1, queue.fifo ? 10 : 10_000);
  if (options.batchingWindowS !== undefined) {
    const w = options.batchingWindowS;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 300) throw new ValidationError('batchingWindowS', `must be between 0 and 300 seconds, got ${String(w)}`);
    // Lambda refuses MaximumBatchingWindowInSeconds on a FIFO queue's event source mapping.
    if (queue.fifo && w !== 0) throw new ValidationError('batchingWindowS', `is not supported for a FIFO queue (${queue.name}): Lambda reads FIFO queues without a batching window`);
  }
  const windowMs = (options.batchingWindowS ?? 0) * 1000;
  if (batchSize > 10 && windowMs < 1000) throw new ValidationError('batchingWindowS', `must be at least 1 second when batchSize is above 10 (batchSize ${batchSize})`);
  const partial = booleanOption('reportBatchItemFailures', options.reportBatchItemFailures);
  const maxPollers = integerOption('maxConcurrency', options.maxConcurrency, DEFAULT_MAX_POLLERS, 2, 1000);

  const clock = ctx.clock;
  const pollers: QueuePoller[] = [];
  /** A batch Lambda stops (a recursive loop) fails: what becomes of its messages. */
  const dl = queue.options.deadLetter;
  const stopAction = dl
    ? `the batch returns to ${queue.name} after its visibility timeout and is stopped again until its redrive policy moves it to ${dl.queue.name} (maxReceiveCount ${dl.maxReceiveCount})`
    : `the batch returns to ${queue.name} after its visibility timeout and is stopped again on every receive until its retention ends (${queue.name} has no dead-letter queue)`;
  /** Pollers waiting for messages, most recent last. */
  const idle: QueuePoller[] = [];
  let stopped = false;
  let wakeScheduled = false;
  let nextScaleAt = clock.now + SCALE_UP_INTERVAL_MS;
  let scaleTimer: TimerId | undefined;

  const newPoller = (): QueuePoller => {
    const p: QueuePoller = { state: 'idle', batch: [], timer: undefined };
    pollers.push(p);
    return p;
  };

  const retire = (p: QueuePoller): void => {
    p.state = 'retired';
    const i = pollers.indexOf(p);
    if (i >= 0) pollers.splice(i, 1);
  };

  const goIdle = (p: QueuePoller): void => {
    if (pollers.length > INITIAL_POLLERS) {
      retire(p);
      return;
    }
    p.state = 'idle';
    idle.push(p);
  };

  /**
   * Receive up to `n` messages. SQS returns at most 10 per call, so the poller asks again while a
   * call comes back full; a call that returned less got all there was, and asking again at once
   * would only pick up what that call itself left visible (a standard queue's duplicate copy, which
   * is another receive's: in a batch of up to 10, and without a batching window, the two copies of
   * a message go to two invocations, often at the same moment, as on SQS).
   */
  const receiveUpTo = (n: number, into: ReceivedMessage[]): void => {
    while (into.length < n && queue.hasReceivable()) {
      const max = Math.min(10, n - into.length);
      const got = queue.receive({ max });
      for (const m of got) into.push(m);
      if (got.length < max) return;
    }
  };

  /** More work is waiting: add a poller, at most one per SCALE_UP_INTERVAL_MS. */
  const maybeScaleUp = (): void => {
    if (stopped || pollers.length >= maxPollers || queue.depth().visible === 0) return;
    if (idle.length > 0) {
      scheduleWake();
      return;
    }
    if (clock.now >= nextScaleAt) {
      nextScaleAt = clock.now + SCALE_UP_INTERVAL_MS;
      const p = newPoller();
      p.state = 'sleeping';
      p.timer = clock.schedule(0, () => poll(p));
    } else if (scaleTimer === undefined) {
      scaleTimer = clock.at(nextScaleAt, () => {
        scaleTimer = undefined;
        maybeScaleUp();
      });
    }
  };

  const poll = (p: QueuePoller): void => {
    p.timer = undefined;
    if (stopped || p.state === 'retired') return;
    const batch: ReceivedMessage[] = [];
    receiveUpTo(batchSize, batch);
    if (batch.length === 0) {
      goIdle(p);
      return;
    }
    if (batch.length < batchSize && windowMs > 0) {
      // Batching window: hold what we have and keep collecting until the batch is full or the window ends.
      p.state = 'gathering';
      p.batch = batch;
      p.timer = clock.schedule(windowMs, () => {
        p.timer = undefined;
        if (p.state !== 'gathering') return;
        receiveUpTo(batchSize, p.batch);
        invoke(p);
      });
      return;
    }
    p.batch = batch;
    invoke(p);
  };

  const invoke = (p: QueuePoller): void => {
    const batch = p.batch;
    p.batch = [];
    p.state = 'invoking';
    const cause = batch.length === 1 ? batch[0].messageId : batch.map((m) => m.messageId).join(',');
    maybeScaleUp();
    platform.invoke(
      fn,
      sqsEvent(batch, queue.name),
      (r) => {
        let kept: Set<string> | 'all' | undefined = r.throttled || !r.ok ? 'all' : undefined;
        if (r.ok && partial) {
          const verdict = partialBatchResponse(batch, r.result);
          kept = verdict.kept;
          if (verdict.problem) ctx.trace.emit('response-rejected', fn, r.requestId, queue.name, { reason: verdict.problem, kept: batch.length, returned: tracedValue(r.result) });
        }
        if (kept !== 'all') {
          for (const m of batch) {
            if (kept !== undefined && kept.has(m.messageId)) continue;
            try {
              queue.delete(m.receiptHandle);
            } catch (error) {
              // The visibility timeout ran out during a long invocation and the message was handed out
              // again: this handle is stale (the queue traced it). At-least-once: it will be processed twice.
              if (!(error instanceof EngineError)) throw error;
            }
          }
        }
        if (p.state === 'retired') return;
        if (stopped) {
          retire(p);
          return;
        }
        p.state = 'sleeping';
        p.timer = clock.schedule(r.throttled ? THROTTLE_BACKOFF_MS : 0, () => poll(p));
      },
      cause,
      // The batch is counted in the chain of requests of its deepest message (recursion.ts).
      { source: queue.name, lineage: deepest(batch, fn), stopAction },
    );
  };

  /** Messages became visible: start idle pollers (later in this instant, never inside the queue's call). */
  function scheduleWake(): void {
    if (wakeScheduled || stopped) return;
    wakeScheduled = true;
    clock.schedule(0, wake);
  }

  /** The wake-up itself (one function for the mapping's lifetime, not a closure per wake). */
  const wake = (): void => {
    wakeScheduled = false;
    // Gathering pollers top up first: a full batch goes at once.
    for (const p of pollers) {
      if (p.state !== 'gathering') continue;
      receiveUpTo(batchSize, p.batch);
      if (p.batch.length >= batchSize) {
        clock.cancel(p.timer);
        p.timer = undefined;
        invoke(p);
      }
    }
    let starved = false;
    while (idle.length > 0 && !stopped) {
      const p = idle.pop()!;
      if (p.state !== 'idle') continue;
      poll(p);
      if (p.state === 'idle' || p.state === 'retired') {
        // Nothing receivable although messages are visible (FIFO: every group has a batch in
        // flight). Do not wake again now: the queue says when a group unblocks (onVisible).
        starved = true;
        break;
      }
    }
    if (!starved) maybeScaleUp();
  };

  const unsubscribe = queue.onVisible(scheduleWake);
  const initial = Math.min(INITIAL_POLLERS, maxPollers);
  for (let i = 0; i < initial; i++) idle.push(newPoller());
  scheduleWake();

  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      clock.cancel(scaleTimer);
      for (const p of pollers.slice()) {
        clock.cancel(p.timer);
        p.timer = undefined;
        // A gathering poller's messages go back to the queue after their visibility timeout.
        if (p.state !== 'invoking') retire(p);
      }
      idle.length = 0;
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Stream mapping

interface PartitionPoller {
  partition: number;
  member: string;
  /** Batches still to process, in offset order (bisection replaces the head by its halves). */
  pending: Array<{ records: StreamRecord[]; attempts: number }>;
  busy: boolean;
  timer: TimerId | undefined;
}

/**
 * Connect a stream to a function (a Kafka / Kinesis event source mapping). Returns a handle to stop it.
 */
export function addStreamSource(platform: FunctionPlatform, ctx: EngineContext, fn: string, stream: Stream, options: StreamSourceOptions = {}): EventSourceMapping {
  checkFunction(platform, fn);
  if (stream === null || typeof stream !== 'object' || typeof stream.group !== 'function') throw new ValidationError('stream', 'must be a Stream');
  if (options === null || typeof options !== 'object') throw new ValidationError('options', 'must be an object');
  const batchSize = integerOption('batchSize', options.batchSize, 100, 1, 10_000);
  const startingPosition = options.startingPosition ?? 'TRIM_HORIZON';
  if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') {
    throw new ValidationError('startingPosition', `must be 'TRIM_HORIZON' or 'LATEST', got ${String(startingPosition)}`);
  }
  const bisect = booleanOption('bisectOnError', options.bisectOnError);
  const maxRetryAttempts = integerOption('maxRetryAttempts', options.maxRetryAttempts, -1, -1, 10_000);
  let maxRecordAgeMs = -1;
  if (options.maxRecordAgeS !== undefined && options.maxRecordAgeS !== -1) {
    maxRecordAgeMs = integerOption('maxRecordAgeS', options.maxRecordAgeS, -1, 60, 604_800) * 1000;
  }
  if (options.onFailure !== undefined && typeof options.onFailure !== 'function') throw new ValidationError('onFailure', 'must be a function');
  const onFailure = options.onFailure;

  const clock = ctx.clock;
  const mappingId = ctx.id('esm');
  const group: ConsumerGroup = stream.group(`lambda-${fn}-${mappingId}`, { autoOffsetReset: startingPosition === 'TRIM_HORIZON' ? 'earliest' : 'latest' });
  let stopped = false;

  // One member per partition; with as many members as partitions the range assignor gives each one partition.
  const width = String(stream.partitions - 1).length;
  const members: string[] = [];
  for (let i = 0; i < stream.partitions; i++) {
    const member = `${mappingId}-poller-${String(i).padStart(width, '0')}`;
    members.push(member);
    group.join(member);
  }
  const byPartition: PartitionPoller[] = new Array(stream.partitions);
  for (const member of members) {
    for (const partition of group.assignment(member)) byPartition[partition] = { partition, member, pending: [], busy: false, timer: undefined };
  }

  const schedulePoll = (p: PartitionPoller, delayMs: number): void => {
    if (stopped || p.timer !== undefined) return;
    p.timer = clock.schedule(delayMs, () => {
      p.timer = undefined;
      step(p);
    });
  };

  /** Give up a batch: on-failure destination (or drop), then move past it. */
  const discard = (p: PartitionPoller, records: StreamRecord[], error: string, reason: string): void => {
    const kind = onFailure ? 'dead-lettered' : 'dropped';
    for (const r of records) ctx.trace.emit(kind, fn, r.id, reason, { stream: stream.name, partition: r.partition, offset: r.offset, error, reason });
    if (onFailure) onFailure(records, error);
    commitPast(p, records);
  };

  const commitPast = (p: PartitionPoller, records: StreamRecord[]): void => {
    if (stopped) return;
    const last = records[records.length - 1];
    group.commit(p.member, { [p.partition]: last.offset + 1 });
  };

  /** Process the partition: the head pending batch, else a freshly polled one. */
  const step = (p: PartitionPoller): void => {
    if (stopped || p.busy) return;
    if (p.pending.length === 0) {
      const records = group.poll(p.member, batchSize);
      if (records.length === 0) return; // idle until a record is produced on this partition
      p.pending.push({ records, attempts: 0 });
    }
    const batch = p.pending[0];
    p.busy = true;
    const records = batch.records;
    const event = kafkaEvent(stream.name, records);
    const cause = records.length === 1 ? records[0].id : `${records[0].id}..${records[records.length - 1].id}`;
    platform.invoke(
      fn,
      event,
      (r) => {
        p.busy = false;
        if (stopped) return;
        if (r.ok) {
          p.pending.shift();
          commitPast(p, records);
          schedulePoll(p, 0);
          return;
        }
        if (r.throttled) {
          // Never reached the function: retry later without using up an attempt.
          schedulePoll(p, THROTTLE_BACKOFF_MS);
          return;
        }
        const error = r.error ?? 'Unknown error';
        const oldest = records[0].timestamp;
        if (maxRecordAgeMs >= 0 && clock.now - oldest > maxRecordAgeMs) {
          p.pending.shift();
          discard(p, records, error, 'maximum record age exceeded');
          schedulePoll(p, 0);
          return;
        }
        if (bisect && records.length > 1) {
          // Split in halves and retry each in order; splitting does not count as a retry.
          const mid = Math.ceil(records.length / 2);
          p.pending.splice(0, 1, { records: records.slice(0, mid), attempts: 0 }, { records: records.slice(mid), attempts: 0 });
          ctx.trace.emit('retried', fn, records[0].id, r.requestId, { stream: stream.name, partition: p.partition, bisect: true, sizes: [mid, records.length - mid], error });
          schedulePoll(p, 0);
          return;
        }
        if (maxRetryAttempts !== -1 && batch.attempts >= maxRetryAttempts) {
          p.pending.shift();
          discard(p, records, error, 'retry attempts exhausted');
          schedulePoll(p, 0);
          return;
        }
        const delay = Math.min(STREAM_RETRY_START_MS * 2 ** batch.attempts, STREAM_RETRY_CAP_MS);
        batch.attempts++;
        ctx.trace.emit('retried', fn, records[0].id, r.requestId, { stream: stream.name, partition: p.partition, attempt: batch.attempts, delayMs: delay, size: records.length, error });
        schedulePoll(p, delay);
      },
      cause,
    );
  };

  // Wake a partition's poller when a record is appended to it (the stream has no listener API; the trace is the event feed).
  const unsubscribe = ctx.trace.subscribe(
    (record) => {
      if (record.resource !== stream.name || stopped) return;
      const partition = record.detail?.partition;
      if (typeof partition !== 'number') return;
      const p = byPartition[partition];
      if (p && !p.busy && p.pending.length === 0) schedulePoll(p, 0);
    },
    ['produced'],
  );
  for (const p of byPartition) schedulePoll(p, 0);

  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      for (const p of byPartition) {
        clock.cancel(p.timer);
        p.timer = undefined;
      }
      for (const member of members) group.leave(member);
    },
  };
}
