/**
 * A message queue modelled on Amazon SQS, in virtual time.
 *
 * The ideas it teaches:
 *
 * - **Pull, then acknowledge.** A consumer *receives* a message, which hides it for the visibility
 *   timeout (it is "in flight"); the consumer *deletes* it when done. If it does not delete it in time
 *   the message becomes visible again and someone else gets it: delivery is **at least once**.
 * - **Receipt handles.** Every receive issues a new receipt handle; only the latest one deletes the
 *   message or changes its visibility. A slow consumer whose timeout ran out can no longer delete a
 *   message that was meanwhile handed to another consumer (emulators that accept any handle lose it).
 * - **Redrive.** A message received more than `maxReceiveCount` times is moved to the dead-letter queue
 *   at the receive that would exceed the limit, instead of being delivered again.
 * - **Retention.** Messages older than the retention period are dropped, whatever their state.
 * - **FIFO queues** deliver each message group in strict order, one batch of a group in flight at a time
 *   (other groups continue), and drop a send whose deduplication id was seen in the last 5 minutes —
 *   even if that first message was already deleted.
 * - **Standard queues** may deliver a message twice (`duplicateRate`): handlers must be idempotent.
 *
 * Modelling choices (documented so lessons can rely on them): short polls see every visible message
 * (real SQS samples a subset of servers); a standard queue hands out visible messages in the order they
 * became visible; a message moved to a dead-letter queue starts there with receive count 0, keeps its id,
 * body, attributes and original sent time (so the DLQ's retention counts from the original send, as in
 * SQS), and is visible at once (no delay). Option values in seconds may be fractional in the simulator.
 */
import { createHash } from 'node:crypto';
import type { TimerId } from './clock';
import type { EngineContext } from './context';
import { EngineError, ValidationError } from './errors';
import type { Lineage } from './recursion';
import { tracedText } from './trace';

/** Largest message a queue can be set to accept, and most bytes one SendMessageBatch may carry: 1 MiB. */
export const SQS_MAX_BATCH_BYTES = 1_048_576;

export interface QueueOptions {
  name: string;
  /** FIFO queue: the name must end with ".fifo". */
  fifo?: boolean;
  /** How long a received message stays hidden, default 30 s (0–43,200). */
  visibilityTimeoutS?: number;
  /** How long a message is kept, default 345,600 s = 4 days (60 s–14 days). */
  retentionS?: number;
  /** Queue-level delivery delay for every new message, default 0 (0–900 s). */
  delayS?: number;
  /** Default long-poll wait of `receiveWait`, default 0 (0–20 s). */
  receiveWaitS?: number;
  /** Largest accepted message (body plus attribute names and values): 1,024–1,048,576 bytes, default 262,144 (SQS raised the maximum to 1 MiB in 2025; the default stayed). */
  maxMessageBytes?: number;
  /** FIFO only: deduplicate by SHA-256 of the body when a send has no deduplication id. */
  contentBasedDeduplication?: boolean;
  /** Redrive policy: after `maxReceiveCount` receives (1–1000) a message moves to `queue` (same type). */
  deadLetter?: { queue: Queue; maxReceiveCount: number };
  /** Standard only, 0–1: probability that a receive also leaves a duplicate copy visible. Default 0. */
  duplicateRate?: number;
}

/** The options with every default filled in. */
export type ResolvedQueueOptions = Readonly<Required<Omit<QueueOptions, 'deadLetter'>>> & {
  readonly deadLetter: Readonly<{ queue: Queue; maxReceiveCount: number }> | undefined;
};

export interface SendOptions {
  /** Per-message delay (standard queues only), 0–900 s; overrides the queue delay. */
  delayS?: number;
  attributes?: Record<string, string | number>;
  /** FIFO: required, the ordering group. Standard: recorded only. */
  groupId?: string;
  /** FIFO only: sends with the same id within 5 minutes are accepted once. */
  deduplicationId?: string;
  /** What caused this send (an earlier message or request id), for the trace. */
  cause?: string;
  /** The chain of requests the message carries (the X-Ray header's Lineage: recursion.ts). */
  lineage?: Lineage;
}

export interface SendResult {
  messageId: string;
  /** True when a FIFO queue dropped the send as a duplicate (the first message's id is returned). */
  deduplicated: boolean;
  /** FIFO only: position of the message in the queue. */
  sequenceNumber?: string;
}

export interface ReceivedMessage {
  messageId: string;
  /** Proof of this receive: only the latest handle deletes the message or changes its visibility. */
  receiptHandle: string;
  body: string;
  /** Frozen: shared by every receive of the message. */
  attributes: Record<string, string | number>;
  /** How many times the message was received, this receive included. */
  receiveCount: number;
  sentAt: number;
  firstReceivedAt: number;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  /** The chain of requests the message carries (recursion.ts), when a function sent it. */
  lineage?: Lineage;
}

export interface ReceiveOptions {
  /** Messages to return at most, 1–10, default 1. */
  max?: number;
  /** Visibility timeout for this receive, overriding the queue's (0–43,200 s). */
  visibilityTimeoutS?: number;
  /** Long-poll wait for `receiveWait`, 0–20 s (ignored by the short-poll `receive`). */
  waitS?: number;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface MessageSnapshot {
  messageId: string;
  body: string;
  attributes: Record<string, string | number>;
  state: 'visible' | 'in-flight' | 'delayed';
  receiveCount: number;
  sentAt: number;
  /** When it became (or becomes) visible: delay end, visibility expiry. */
  visibleAt: number;
  groupId?: string;
}

type MessageState = 'visible' | 'in-flight' | 'delayed' | 'gone';
type Attributes = Record<string, string | number>;

/**
 * One stored copy of a message (a standard queue's duplicate is a second copy with the same id).
 * A class rather than an object literal: V8 may decide to allocate every object of a literal
 * straight in the old generation when many of them survived a few collections; short-lived messages
 * allocated there make each minor GC slow. Instances created with `new` are not pretenured that way.
 */
class StoredMessage {
  state: MessageState = 'delayed';
  receiveCount = 0;
  firstReceivedAt = 0;
  /** When the current receive happened (the 12-hour visibility cap counts from it). */
  receivedAt = 0;
  /** The latest receipt handle, while it is valid. */
  receipt: string | undefined = undefined;
  /** End of the delivery delay. */
  timer: TimerId | undefined = undefined;
  /** In-flight messages, earliest visibility deadline (`visibleAt`) first. */
  earlier: StoredMessage | undefined = undefined;
  later: StoredMessage | undefined = undefined;
  /** All messages of the queue, oldest `sentAt` first (retention, snapshots, purge). */
  olderAll: StoredMessage | undefined = undefined;
  newerAll: StoredMessage | undefined = undefined;
  /** Delivery list: the visible list of a standard queue, or the message group of a FIFO queue. */
  prev: StoredMessage | undefined = undefined;
  next: StoredMessage | undefined = undefined;
  group: MessageGroup | undefined = undefined;
  /** The chain of requests it carries (recursion.ts). */
  lineage: Lineage | undefined = undefined;

  constructor(
    readonly id: string,
    readonly body: string,
    readonly attributes: Attributes,
    readonly groupId: string | undefined,
    readonly deduplicationId: string | undefined,
    readonly sequenceNumber: string | undefined,
    readonly sentAt: number,
    public visibleAt: number,
  ) {}
}

/** A FIFO message group: its messages in send order, and how many are visible / in flight. */
interface MessageGroup {
  readonly id: string;
  head: StoredMessage | undefined;
  tail: StoredMessage | undefined;
  visible: number;
  inFlight: number;
}

interface Waiter {
  readonly max: number;
  readonly visibilityMs: number;
  readonly callback: (messages: ReceivedMessage[]) => void;
  deadline: TimerId | undefined;
  active: boolean;
}

interface DedupEntry {
  readonly messageId: string;
  readonly sequenceNumber: string | undefined;
  readonly at: number;
}

const EMPTY_ATTRIBUTES: Attributes = Object.freeze({}) as Attributes;
/** FIFO deduplication interval: 5 minutes. */
const DEDUP_WINDOW_MS = 5 * 60 * 1000;
/** SQS allows one purge per queue every 60 seconds. */
const PURGE_COOLDOWN_MS = 60 * 1000;
const MAX_BATCH = 10;
const MAX_ATTRIBUTES = 10;
const STANDARD_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A number of seconds within [min, max], or the default when absent. */
function seconds(path: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ValidationError(path, `must be between ${min} and ${max} seconds, got ${show(value)}`);
  }
  return value;
}

function integer(path: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(path, `must be an integer between ${min} and ${max}, got ${show(value)}`);
  }
  return value;
}

function flag(path: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ValidationError(path, `must be true or false, got ${show(value)}`);
  return value;
}

/** The longest a received message stays invisible, counted from the receive: 12 hours. */
const MAX_VISIBILITY_MS = 43_200_000;

/** A FIFO group or deduplication id: 1–128 printable ASCII characters. */
function token(path: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw new ValidationError(path, `must be 1 to 128 printable ASCII characters, got ${show(value)}`);
  }
  return value;
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export class Queue {
  readonly name: string;
  readonly fifo: boolean;
  readonly options: ResolvedQueueOptions;

  private readonly visibilityMs: number;
  private readonly retentionMs: number;
  private readonly delayMs: number;
  private readonly maxBytes: number;
  private readonly duplicateRate: number;
  private readonly deadLetterQueue: Queue | undefined;
  private readonly maxReceiveCount: number;

  // All messages, oldest first.
  private oldest: StoredMessage | undefined;
  private newest: StoredMessage | undefined;
  // Standard queue: visible messages in the order they became visible.
  private visibleHead: StoredMessage | undefined;
  private visibleTail: StoredMessage | undefined;
  // FIFO queue: groups, and the groups that can deliver now (nothing in flight, something visible).
  private readonly groups = new Map<string, MessageGroup>();
  private readonly readyGroups = new Set<MessageGroup>();
  private readonly dedup = new Map<string, DedupEntry>();
  private sequence = 0;

  private readonly handles = new Map<string, StoredMessage>();
  private visibleCount = 0;
  private inFlightCount = 0;
  private delayedCount = 0;

  // In flight, by visibility deadline: one clock timer for the earliest (no timer per receive).
  private inFlightHead: StoredMessage | undefined;
  private inFlightTail: StoredMessage | undefined;
  private visibilityTimer: TimerId | undefined;
  private retentionTimer: TimerId | undefined;
  private lastPurgeAt = Number.NEGATIVE_INFINITY;
  private readonly visibleListeners = new Set<() => void>();
  private readonly waiters: Waiter[] = [];
  private serveScheduled = false;
  /** While > 0 (inside a receive, purge or expiry sweep) visibility notices wait until the end. */
  private quiet = 0;
  private noticePending = false;
  /** Duplicate copies made during the current receive: they join the visible list after it. */
  private freshCopies: StoredMessage[] = [];

  constructor(
    private readonly ctx: EngineContext,
    options: QueueOptions,
  ) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('', 'queue options must be an object');
    const fifo = flag('fifo', options.fifo);
    const name = options.name;
    if (typeof name !== 'string' || !(fifo ? FIFO_NAME : STANDARD_NAME).test(name)) {
      throw new ValidationError(
        'name',
        fifo
          ? `a FIFO queue name is 1 to 80 letters, digits, "-" or "_" ending in ".fifo", got ${show(name)}`
          : `a queue name is 1 to 80 letters, digits, "-" or "_" (".fifo" only for FIFO queues), got ${show(name)}`,
      );
    }
    const visibilityTimeoutS = seconds('visibilityTimeoutS', options.visibilityTimeoutS, 30, 0, 43200);
    const retentionS = seconds('retentionS', options.retentionS, 345600, 60, 1209600);
    const delayS = seconds('delayS', options.delayS, 0, 0, 900);
    const receiveWaitS = seconds('receiveWaitS', options.receiveWaitS, 0, 0, 20);
    const maxMessageBytes = integer('maxMessageBytes', options.maxMessageBytes, 262144, 1024, SQS_MAX_BATCH_BYTES);
    const contentBasedDeduplication = flag('contentBasedDeduplication', options.contentBasedDeduplication);
    if (contentBasedDeduplication && !fifo) {
      throw new ValidationError('contentBasedDeduplication', 'only FIFO queues deduplicate (standard queues are at-least-once)');
    }
    let duplicateRate = 0;
    if (options.duplicateRate !== undefined) {
      const rate = options.duplicateRate;
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
        throw new ValidationError('duplicateRate', `must be a probability between 0 and 1, got ${show(rate)}`);
      }
      if (fifo && rate > 0) throw new ValidationError('duplicateRate', 'FIFO queues deliver exactly once: duplicates apply to standard queues only');
      duplicateRate = rate;
    }
    let deadLetter: ResolvedQueueOptions['deadLetter'];
    if (options.deadLetter !== undefined) {
      const dl = options.deadLetter;
      if (typeof dl !== 'object' || dl === null) throw new ValidationError('deadLetter', 'must be { queue, maxReceiveCount }');
      if (!(dl.queue instanceof Queue)) throw new ValidationError('deadLetter.queue', 'must be a Queue');
      if (dl.queue.fifo !== fifo) {
        throw new ValidationError('deadLetter.queue', `the dead-letter queue of a ${fifo ? 'FIFO' : 'standard'} queue must be ${fifo ? 'FIFO' : 'standard'} too`);
      }
      if (dl.queue.name === name) throw new ValidationError('deadLetter.queue', 'a queue cannot be its own dead-letter queue');
      const maxReceiveCount = integer('deadLetter.maxReceiveCount', dl.maxReceiveCount, Number.NaN, 1, 1000);
      if (Number.isNaN(maxReceiveCount)) throw new ValidationError('deadLetter.maxReceiveCount', 'is required (1 to 1000)');
      deadLetter = Object.freeze({ queue: dl.queue, maxReceiveCount });
    }

    this.name = name;
    this.fifo = fifo;
    this.options = Object.freeze({
      name,
      fifo,
      visibilityTimeoutS,
      retentionS,
      delayS,
      receiveWaitS,
      maxMessageBytes,
      contentBasedDeduplication,
      deadLetter,
      duplicateRate,
    });
    this.visibilityMs = visibilityTimeoutS * 1000;
    this.retentionMs = retentionS * 1000;
    this.delayMs = delayS * 1000;
    this.maxBytes = maxMessageBytes;
    this.duplicateRate = duplicateRate;
    this.deadLetterQueue = deadLetter?.queue;
    this.maxReceiveCount = deadLetter?.maxReceiveCount ?? Number.POSITIVE_INFINITY;
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  /**
   * Accept a message. It is visible at once, or after the queue / message delay ("delayed").
   * FIFO: `groupId` is required and so is a deduplication id (or content-based deduplication); a send
   * whose deduplication id was accepted in the last 5 minutes is dropped and answers with the first id.
   */
  send(body: string, options?: SendOptions): SendResult {
    let attributes = EMPTY_ATTRIBUTES;
    let delayMs = this.delayMs;
    let groupId: string | undefined;
    let deduplicationId: string | undefined;
    let cause: string | undefined;
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
      if (options.attributes !== undefined) attributes = this.checkAttributes(options.attributes);
      if (options.delayS !== undefined) {
        if (this.fifo) throw new ValidationError('delayS', 'FIFO queues do not support a per-message delay; set the queue delayS instead');
        delayMs = seconds('delayS', options.delayS, 0, 0, 900) * 1000;
      }
      if (options.groupId !== undefined) groupId = token('groupId', options.groupId);
      if (options.deduplicationId !== undefined) {
        if (!this.fifo) throw new ValidationError('deduplicationId', 'only FIFO queues deduplicate (standard queues are at-least-once)');
        deduplicationId = token('deduplicationId', options.deduplicationId);
      }
      if (options.cause !== undefined) {
        if (typeof options.cause !== 'string') throw new ValidationError('cause', `must be a string, got ${show(options.cause)}`);
        cause = options.cause;
      }
    }
    this.checkSize(body, attributes);
    if (this.fifo) {
      if (groupId === undefined) throw new ValidationError('groupId', 'is required for a FIFO queue (the ordering group)');
      if (deduplicationId === undefined) {
        if (!this.options.contentBasedDeduplication) {
          throw new ValidationError('deduplicationId', 'is required unless the FIFO queue has contentBasedDeduplication');
        }
        deduplicationId = createHash('sha256').update(body, 'utf8').digest('hex');
      }
      const now = this.ctx.clock.now;
      this.forgetOldDedupIds(now);
      const seen = this.dedup.get(deduplicationId);
      if (seen !== undefined) {
        // The drop is traced with the FIRST message's id (the one the producer gets back) and what
        // this send carried, so a check can tell which send was swallowed, and by which message.
        if (this.ctx.trace.wants('deduplicated')) this.ctx.trace.emit('deduplicated', this.name, seen.messageId, cause, { deduplicationId, firstMessageId: seen.messageId, groupId, body: tracedText(body) });
        else this.ctx.trace.emit('deduplicated', this.name, seen.messageId, cause);
        return seen.sequenceNumber === undefined
          ? { messageId: seen.messageId, deduplicated: true }
          : { messageId: seen.messageId, deduplicated: true, sequenceNumber: seen.sequenceNumber };
      }
      const sequenceNumber = String(++this.sequence).padStart(20, '0');
      const id = this.ctx.id('msg');
      this.dedup.set(deduplicationId, { messageId: id, sequenceNumber, at: now });
      this.accept(id, body, attributes, groupId, deduplicationId, sequenceNumber, now, delayMs, cause, undefined, options?.lineage);
      return { messageId: id, deduplicated: false, sequenceNumber };
    }
    const id = this.ctx.id('msg');
    this.accept(id, body, attributes, groupId, undefined, undefined, this.ctx.clock.now, delayMs, cause, undefined, options?.lineage);
    return { messageId: id, deduplicated: false };
  }

  /**
   * Send up to 10 messages. Each entry succeeds or fails on its own (a bad entry does not stop the
   * others); a malformed batch (empty, over 10 entries, repeated or bad ids, over the total size) is
   * rejected as a whole.
   */
  sendBatch(entries: Array<{ id: string; body: string } & SendOptions>): {
    successful: Array<{ id: string } & SendResult>;
    failed: Array<{ id: string; code: string; message: string }>;
  } {
    this.checkBatchLength('entries', entries);
    const ids = new Set<string>();
    let total = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (typeof entry !== 'object' || entry === null) throw new ValidationError(`entries[${i}]`, 'must be an object { id, body, ... }');
      if (typeof entry.id !== 'string' || !BATCH_ID.test(entry.id)) {
        throw new ValidationError(`entries[${i}].id`, `must be 1 to 80 letters, digits, "-" or "_", got ${show(entry.id)}`);
      }
      if (ids.has(entry.id)) throw new ValidationError(`entries[${i}].id`, `ids in a batch must be distinct, ${show(entry.id)} is repeated`);
      ids.add(entry.id);
      if (typeof entry.body === 'string') total += utf8Bytes(entry.body);
    }
    if (total > SQS_MAX_BATCH_BYTES) throw new ValidationError('entries', `the batch carries ${total} bytes, over the ${SQS_MAX_BATCH_BYTES} bytes a batch may carry`);

    const successful: Array<{ id: string } & SendResult> = [];
    const failed: Array<{ id: string; code: string; message: string }> = [];
    for (const entry of entries) {
      try {
        successful.push({ id: entry.id, ...this.send(entry.body, entry) });
      } catch (error) {
        if (error instanceof ValidationError) failed.push({ id: entry.id, code: 'ValidationError', message: error.message });
        else if (error instanceof EngineError) failed.push({ id: entry.id, code: error.code, message: error.message });
        else throw error;
      }
    }
    return { successful, failed };
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  /**
   * Short poll: up to `max` messages visible now (possibly none). Each is hidden for the visibility
   * timeout, its receive count goes up and it gets a new receipt handle. A message that would exceed
   * the redrive policy's `maxReceiveCount` is moved to the dead-letter queue instead of returned.
   */
  receive(options?: ReceiveOptions): ReceivedMessage[] {
    if (options === undefined) return this.take(1, this.visibilityMs);
    const { max, visibilityMs } = this.receiveParameters(options);
    return this.take(max, visibilityMs);
  }

  /**
   * Long poll in virtual time: `callback` gets the messages as soon as at least one can be received,
   * or `[]` when `waitS` (default: the queue's `receiveWaitS`) has passed. The callback never runs
   * before this call returns. Returns a function that cancels the wait.
   */
  receiveWait(options: ReceiveOptions, callback: (messages: ReceivedMessage[]) => void): () => void {
    const { max, visibilityMs } = this.receiveParameters(options ?? {});
    const waitMs = seconds('waitS', options?.waitS, this.options.receiveWaitS, 0, 20) * 1000;
    if (typeof callback !== 'function') throw new ValidationError('callback', 'must be a function');
    const waiter: Waiter = { max, visibilityMs, callback, deadline: undefined, active: true };
    this.waiters.push(waiter);
    if (this.hasReceivable()) this.scheduleServe();
    waiter.deadline = this.ctx.clock.schedule(waitMs, () => {
      if (!waiter.active) return;
      this.dropWaiter(waiter);
      callback([]);
    });
    return () => {
      if (!waiter.active) return;
      this.dropWaiter(waiter);
      this.ctx.clock.cancel(waiter.deadline);
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Acknowledging

  /**
   * Delete the message received with `receiptHandle`. Only the latest handle of a message deletes
   * it. As SQS's DeleteMessage does, an older handle of this queue (the message was received again
   * since, it was deleted already, or — FIFO — the handle expired with its visibility timeout) is
   * *accepted* and deletes nothing: the call succeeds, the message stays (a 'stale-handle' record
   * says so). Only a handle that is not one of this queue's is rejected with
   * `ReceiptHandleIsInvalid`.
   * @returns whether a message was deleted
   */
  delete(receiptHandle: string): boolean {
    const message = typeof receiptHandle === 'string' ? this.handles.get(receiptHandle) : undefined;
    if (message === undefined && this.issuedHere(receiptHandle)) {
      this.ctx.trace.emit('stale-handle', this.name, receiptHandle.slice(0, receiptHandle.indexOf('#')), undefined, { operation: 'delete', outcome: 'accepted, nothing deleted' });
      return false;
    }
    const found = message ?? this.lookup(receiptHandle, 'delete');
    this.remove(found);
    this.ctx.trace.emit('deleted', this.name, found.id, undefined, undefined);
    return true;
  }

  /** Does the handle have the shape of one this queue gave out (`<messageId>#<queue>#<n>`)? */
  private issuedHere(receiptHandle: unknown): receiptHandle is string {
    if (typeof receiptHandle !== 'string') return false;
    const parts = receiptHandle.split('#');
    return parts.length === 3 && parts[0] !== '' && parts[1] === this.name && parts[2] !== '';
  }

  /** Delete up to 10 messages; returns the handles that were rejected. */
  deleteBatch(handles: string[]): { failed: string[] } {
    this.checkBatchLength('handles', handles);
    const failed: string[] = [];
    for (const handle of handles) {
      try {
        this.delete(handle);
      } catch (error) {
        if (error instanceof EngineError) failed.push(handle);
        else throw error;
      }
    }
    return { failed };
  }

  /**
   * Give an in-flight message a new visibility timeout counted from now (a consumer asking for more
   * time, or 0 to give it back at once). Same receipt-handle rule as `delete`; a message that is not in
   * flight is rejected with `MessageNotInflight`.
   */
  changeVisibility(receiptHandle: string, visibilityTimeoutS: number): void {
    if (visibilityTimeoutS === undefined) throw new ValidationError('visibilityTimeoutS', 'is required (0 to 43200 seconds)');
    const timeoutMs = seconds('visibilityTimeoutS', visibilityTimeoutS, 0, 0, 43200) * 1000;
    const message = this.lookup(receiptHandle, 'changeVisibility');
    if (message.state !== 'in-flight') {
      throw new EngineError('MessageNotInflight', `message ${message.id} is not in flight: its visibility cannot be changed`);
    }
    // The 12-hour maximum counts from the receive, not from the last extension: SQS rejects a
    // change that would keep the message invisible longer than 12 h after it was received.
    const cap = message.receivedAt + MAX_VISIBILITY_MS;
    if (this.ctx.clock.now + timeoutMs > cap) {
      throw new ValidationError(
        'visibilityTimeoutS',
        `${visibilityTimeoutS} s would keep message ${message.id} invisible past 12 hours after its receive (at most ${Math.floor((cap - this.ctx.clock.now) / 1000)} s more)`,
      );
    }
    this.unlinkInFlight(message);
    this.ctx.trace.emit('visibility-changed', this.name, message.id, undefined, { visibilityTimeoutS });
    if (timeoutMs === 0) {
      this.returnToQueue(message);
    } else {
      message.visibleAt = this.ctx.clock.now + timeoutMs;
      this.insertInFlight(message);
    }
  }

  /** Delete every message (visible, in flight or delayed). SQS allows one purge per 60 seconds. */
  purge(): number {
    const now = this.ctx.clock.now;
    if (now - this.lastPurgeAt < PURGE_COOLDOWN_MS) {
      throw new EngineError('PurgeQueueInProgress', `queue ${this.name} was purged less than 60 seconds ago`);
    }
    this.lastPurgeAt = now;
    let count = 0;
    this.quiet++;
    while (this.oldest !== undefined) {
      const message = this.oldest;
      this.remove(message);
      this.ctx.trace.emit('purged', this.name, message.id, undefined, undefined);
      count++;
    }
    this.endQuiet();
    return count;
  }

  /**
   * Delete the queue itself (the playground's "delete queue"): its messages are gone without a
   * trace of each, pending long polls end without an answer, and none of its timers runs again.
   */
  close(): void {
    this.quiet++;
    while (this.oldest !== undefined) this.remove(this.oldest);
    this.quiet--;
    this.noticePending = false;
    for (const waiter of [...this.waiters]) {
      this.dropWaiter(waiter);
      this.ctx.clock.cancel(waiter.deadline);
    }
    for (const timer of [this.visibilityTimer, this.retentionTimer]) if (timer !== undefined) this.ctx.clock.cancel(timer);
    this.visibilityTimer = this.retentionTimer = undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Observing

  /** Approximate counts, as the console shows them (a FIFO message blocked behind its group counts as visible). */
  depth(): QueueDepth {
    return { visible: this.visibleCount, inFlight: this.inFlightCount, delayed: this.delayedCount };
  }

  /**
   * Whether a receive now can find a message: a visible one, or on a FIFO queue a group with nothing
   * in flight. When false, `receive` returns nothing (and changes nothing).
   */
  hasReceivable(): boolean {
    return this.fifo ? this.readyGroups.size > 0 : this.visibleHead !== undefined;
  }

  /** A copy of every message, oldest first, for the broker explorer. */
  messages(): MessageSnapshot[] {
    const out: MessageSnapshot[] = [];
    for (let m = this.oldest; m !== undefined; m = m.newerAll) {
      const snapshot: MessageSnapshot = {
        messageId: m.id,
        body: m.body,
        attributes: m.attributes,
        state: m.state as MessageSnapshot['state'],
        receiveCount: m.receiveCount,
        sentAt: m.sentAt,
        visibleAt: m.visibleAt,
      };
      if (m.groupId !== undefined) snapshot.groupId = m.groupId;
      out.push(snapshot);
    }
    return out;
  }

  /**
   * Be told (synchronously) whenever a message becomes receivable: a send without delay, a delay end,
   * a visibility expiry, a redrive into this queue, or — on a FIFO queue — a group unblocked because
   * its in-flight messages were deleted. Returns the unsubscribe function.
   */
  onVisible(listener: () => void): () => void {
    if (typeof listener !== 'function') throw new ValidationError('listener', 'must be a function');
    this.visibleListeners.add(listener);
    return () => {
      this.visibleListeners.delete(listener);
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: accepting and storing

  /** Store a new message (sent, or moved here from a source queue by redrive). */
  private accept(
    id: string,
    body: string,
    attributes: Attributes,
    groupId: string | undefined,
    deduplicationId: string | undefined,
    sequenceNumber: string | undefined,
    sentAt: number,
    delayMs: number,
    cause: string | undefined,
    redrivenFrom: string | undefined,
    lineage: Lineage | undefined,
  ): void {
    const now = this.ctx.clock.now;
    const message = new StoredMessage(id, body, attributes, groupId, deduplicationId, sequenceNumber, sentAt, now + delayMs);
    message.lineage = lineage;
    this.insertBySentAt(message);
    if (this.fifo) this.joinGroup(message, groupId!);
    if (this.ctx.trace.wants('sent')) {
      // What was sent, so checks (and the message journey) can judge a message after it was consumed.
      const detail: Record<string, unknown> = redrivenFrom !== undefined ? { from: redrivenFrom } : this.fifo ? { groupId, sequenceNumber, deduplicationId } : {};
      detail.body = tracedText(body);
      this.ctx.trace.emit('sent', this.name, id, cause, detail);
    } else this.ctx.trace.emit('sent', this.name, id, cause);
    if (delayMs > 0) {
      this.delayedCount++;
      if (message.group !== undefined) message.group.visible--; // joinGroup counted it visible
      this.ctx.trace.emit('delayed', this.name, id, cause, { visibleAt: message.visibleAt });
      message.timer = this.ctx.clock.schedule(delayMs, () => {
        message.timer = undefined;
        this.delayedCount--;
        if (message.group !== undefined) message.group.visible++;
        this.makeVisible(message);
      });
    } else {
      this.makeVisible(message);
    }
  }

  /** Keep the all-messages list ordered by sent time (a redriven message may be older than the newest). */
  private insertBySentAt(message: StoredMessage): void {
    let after = this.newest;
    while (after !== undefined && after.sentAt > message.sentAt) after = after.olderAll;
    message.olderAll = after;
    message.newerAll = after === undefined ? this.oldest : after.newerAll;
    if (message.olderAll !== undefined) message.olderAll.newerAll = message;
    else this.oldest = message;
    if (message.newerAll !== undefined) message.newerAll.olderAll = message;
    else this.newest = message;
    if (message === this.oldest) this.armRetention();
  }

  private joinGroup(message: StoredMessage, groupId: string): void {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = { id: groupId, head: undefined, tail: undefined, visible: 0, inFlight: 0 };
      this.groups.set(groupId, group);
    }
    message.group = group;
    message.prev = group.tail;
    if (group.tail !== undefined) group.tail.next = message;
    else group.head = message;
    group.tail = message;
    group.visible++; // adjusted by accept() while delayed
  }

  /** The message is now visible: add it to the delivery order and tell whoever waits. */
  private makeVisible(message: StoredMessage): void {
    message.state = 'visible';
    message.visibleAt = this.ctx.clock.now;
    this.visibleCount++;
    if (this.fifo) {
      this.refreshGroup(message.group!);
    } else {
      this.appendVisible(message);
      this.notifyVisible();
    }
  }

  private appendVisible(message: StoredMessage): void {
    message.next = undefined;
    message.prev = this.visibleTail;
    if (this.visibleTail !== undefined) this.visibleTail.next = message;
    else this.visibleHead = message;
    this.visibleTail = message;
  }

  private unlinkVisible(message: StoredMessage): void {
    if (message.prev !== undefined) message.prev.next = message.next;
    else this.visibleHead = message.next;
    if (message.next !== undefined) message.next.prev = message.prev;
    else this.visibleTail = message.prev;
    message.prev = message.next = undefined;
  }

  /** A FIFO group can deliver when none of its messages is in flight and one is visible. */
  private refreshGroup(group: MessageGroup): void {
    if (group.inFlight === 0 && group.visible > 0) {
      if (!this.readyGroups.has(group)) {
        this.readyGroups.add(group);
        this.notifyVisible();
      }
    } else {
      this.readyGroups.delete(group);
      if (group.head === undefined) this.groups.delete(group.id);
    }
  }

  private notifyVisible(): void {
    if (this.quiet > 0) {
      this.noticePending = true;
      return;
    }
    if (this.waiters.length > 0) this.scheduleServe();
    if (this.visibleListeners.size > 0) for (const listener of this.visibleListeners) listener();
  }

  /** Take a message out of the queue for good (deleted, expired, purged or dead-lettered). */
  private remove(message: StoredMessage): void {
    const group = message.group;
    switch (message.state) {
      case 'visible':
        this.visibleCount--;
        if (group !== undefined) group.visible--;
        else this.unlinkVisible(message);
        break;
      case 'in-flight':
        this.inFlightCount--;
        if (group !== undefined) group.inFlight--;
        this.unlinkInFlight(message);
        break;
      case 'delayed':
        this.delayedCount--;
        break;
      case 'gone':
        return;
    }
    if (message.receipt !== undefined) {
      this.handles.delete(message.receipt);
      message.receipt = undefined;
    }
    if (message.timer !== undefined) {
      this.ctx.clock.cancel(message.timer);
      message.timer = undefined;
    }
    message.state = 'gone';
    // all-messages list
    if (message.olderAll !== undefined) message.olderAll.newerAll = message.newerAll;
    else this.oldest = message.newerAll;
    if (message.newerAll !== undefined) message.newerAll.olderAll = message.olderAll;
    else this.newest = message.olderAll;
    message.olderAll = message.newerAll = undefined;
    if (this.oldest === undefined && this.retentionTimer !== undefined) {
      this.ctx.clock.cancel(this.retentionTimer);
      this.retentionTimer = undefined;
    }
    if (group !== undefined) {
      if (message.prev !== undefined) message.prev.next = message.next;
      else group.head = message.next;
      if (message.next !== undefined) message.next.prev = message.prev;
      else group.tail = message.prev;
      message.prev = message.next = undefined;
      this.refreshGroup(group);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: delivery

  /** Listeners are told only between operations, never in the middle of one (no re-entrant receive). */
  private endQuiet(): void {
    if (--this.quiet > 0 || !this.noticePending) return;
    this.noticePending = false;
    if (this.hasReceivable()) this.notifyVisible();
  }

  private take(max: number, visibilityMs: number): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    this.quiet++;
    try {
      if (!this.fifo) {
        while (out.length < max && this.visibleHead !== undefined) this.deliver(this.visibleHead, visibilityMs, out);
        if (this.freshCopies.length > 0) {
          for (const copy of this.freshCopies) this.appendVisible(copy);
          this.freshCopies.length = 0;
          this.notifyVisible();
        }
      } else {
        // FIFO: a run of one group, in order, then the next ready group.
        for (const group of this.readyGroups) {
          if (out.length >= max) break;
          let message = group.head;
          while (message !== undefined && out.length < max) {
            const next = message.next;
            if (message.state === 'visible') this.deliver(message, visibilityMs, out);
            message = next;
          }
          this.refreshGroup(group);
        }
      }
    } finally {
      this.endQuiet();
    }
    return out;
  }

  /** Hand one visible message to a consumer, or move it to the dead-letter queue. */
  private deliver(message: StoredMessage, visibilityMs: number, out: ReceivedMessage[]): void {
    if (message.receiveCount >= this.maxReceiveCount) {
      this.deadLetter(message);
      return;
    }
    const now = this.ctx.clock.now;
    this.visibleCount--;
    this.inFlightCount++;
    const group = message.group;
    if (group !== undefined) {
      group.visible--;
      group.inFlight++;
    } else {
      this.unlinkVisible(message);
    }
    message.state = 'in-flight';
    const receiveCount = ++message.receiveCount;
    if (receiveCount === 1) message.firstReceivedAt = now;
    message.receivedAt = now;
    if (message.receipt !== undefined) this.handles.delete(message.receipt);
    const receipt = `${message.id}#${this.name}#${this.ctx.id('rcpt')}`;
    message.receipt = receipt;
    this.handles.set(receipt, message);
    message.visibleAt = now + visibilityMs;
    this.insertInFlight(message);
    const trace = this.ctx.trace;
    trace.emit('received', this.name, message.id, undefined, trace.wants('received') ? { receiveCount } : undefined);

    const received: ReceivedMessage = {
      messageId: message.id,
      receiptHandle: receipt,
      body: message.body,
      attributes: message.attributes,
      receiveCount,
      sentAt: message.sentAt,
      firstReceivedAt: message.firstReceivedAt,
    };
    if (message.groupId !== undefined) received.groupId = message.groupId;
    if (message.deduplicationId !== undefined) received.deduplicationId = message.deduplicationId;
    if (message.sequenceNumber !== undefined) received.sequenceNumber = message.sequenceNumber;
    if (message.lineage !== undefined) received.lineage = message.lineage;
    out.push(received);

    if (this.duplicateRate > 0 && this.ctx.random.chance(this.duplicateRate)) this.leaveDuplicate(message);
  }

  /** At-least-once: a second stored copy of the message stays visible and will be delivered again. */
  private leaveDuplicate(original: StoredMessage): void {
    const o = original;
    const copy = new StoredMessage(o.id, o.body, o.attributes, o.groupId, o.deduplicationId, o.sequenceNumber, o.sentAt, this.ctx.clock.now);
    copy.state = 'visible';
    copy.receiveCount = o.receiveCount;
    copy.firstReceivedAt = o.firstReceivedAt;
    copy.group = o.group;
    copy.lineage = o.lineage;
    // Same sent time: right after the original keeps the all-messages list ordered.
    copy.olderAll = original;
    copy.newerAll = original.newerAll;
    if (original.newerAll !== undefined) original.newerAll.olderAll = copy;
    else this.newest = copy;
    original.newerAll = copy;
    this.visibleCount++;
    this.freshCopies.push(copy); // visible after this receive: a batch never holds both copies
    this.ctx.trace.emit('duplicate', this.name, original.id, original.id, { receiveCount: original.receiveCount });
  }

  /** Redrive: the receive that would exceed maxReceiveCount moves the message to the dead-letter queue. */
  private deadLetter(message: StoredMessage): void {
    const dlq = this.deadLetterQueue!;
    this.remove(message);
    this.ctx.trace.emit('dead-lettered', this.name, message.id, message.id, {
      deadLetterQueue: dlq.name,
      receiveCount: message.receiveCount,
    });
    dlq.acceptRedriven(message, this.name);
  }

  /**
   * A message moved here by redrive. A standard queue keeps its original enqueue time (its
   * retention still counts from the first send); a FIFO queue resets it to now and replaces the
   * deduplication id with the message id, as SQS does.
   */
  private acceptRedriven(message: StoredMessage, from: string): void {
    const sequenceNumber = this.fifo ? String(++this.sequence).padStart(20, '0') : undefined;
    const sentAt = this.fifo ? this.ctx.clock.now : message.sentAt;
    const deduplicationId = this.fifo ? message.id : message.deduplicationId;
    this.accept(message.id, message.body, message.attributes, message.groupId, deduplicationId, sequenceNumber, sentAt, 0, message.id, from, message.lineage);
  }

  /** Keep the in-flight list ordered by deadline (with one visibility timeout it is plain appending). */
  private insertInFlight(message: StoredMessage): void {
    let after = this.inFlightTail;
    while (after !== undefined && after.visibleAt > message.visibleAt) after = after.earlier;
    message.earlier = after;
    message.later = after === undefined ? this.inFlightHead : after.later;
    if (message.earlier !== undefined) message.earlier.later = message;
    else this.inFlightHead = message;
    if (message.later !== undefined) message.later.earlier = message;
    else this.inFlightTail = message;
    if (message === this.inFlightHead) this.armVisibility();
  }

  private unlinkInFlight(message: StoredMessage): void {
    if (message.earlier !== undefined) message.earlier.later = message.later;
    else this.inFlightHead = message.later;
    if (message.later !== undefined) message.later.earlier = message.earlier;
    else this.inFlightTail = message.earlier;
    message.earlier = message.later = undefined;
    if (this.inFlightHead === undefined && this.visibilityTimer !== undefined) {
      this.ctx.clock.cancel(this.visibilityTimer);
      this.visibilityTimer = undefined;
    }
  }

  /**
   * The timer waits for the earliest deadline. When that message is deleted first the timer is kept
   * and simply finds nothing due (cheaper than re-arming on every delete); it is cancelled when
   * nothing is in flight any more.
   */
  private armVisibility(): void {
    const head = this.inFlightHead;
    if (head === undefined) return;
    if (this.visibilityTimer !== undefined) {
      if (this.visibilityTimer.at <= head.visibleAt) return;
      this.ctx.clock.cancel(this.visibilityTimer);
    }
    this.visibilityTimer = this.ctx.clock.at(head.visibleAt, this.expireVisibility);
  }

  /** Consumers did not delete in time: those messages are visible again. */
  private readonly expireVisibility = (): void => {
    this.visibilityTimer = undefined;
    const now = this.ctx.clock.now;
    this.quiet++;
    try {
      while (this.inFlightHead !== undefined && this.inFlightHead.visibleAt <= now) {
        const message = this.inFlightHead;
        this.unlinkInFlight(message);
        this.ctx.trace.emit('visibility-expired', this.name, message.id, undefined, { receiveCount: message.receiveCount });
        this.returnToQueue(message);
      }
    } finally {
      this.endQuiet();
    }
    this.armVisibility();
  };

  /** In flight → visible (already out of the in-flight list). On a FIFO queue the receipt handle expires with it. */
  private returnToQueue(message: StoredMessage): void {
    this.inFlightCount--;
    const group = message.group;
    if (group !== undefined) {
      group.inFlight--;
      group.visible++;
      if (message.receipt !== undefined) {
        this.handles.delete(message.receipt);
        message.receipt = undefined;
      }
    }
    this.makeVisible(message);
  }

  private lookup(receiptHandle: string, operation: string): StoredMessage {
    const message = typeof receiptHandle === 'string' ? this.handles.get(receiptHandle) : undefined;
    if (message === undefined) {
      const hash = typeof receiptHandle === 'string' ? receiptHandle.indexOf('#') : -1;
      const id = hash > 0 ? receiptHandle.slice(0, hash) : undefined;
      this.ctx.trace.emit('stale-handle', this.name, id, undefined, { operation });
      throw new EngineError(
        'ReceiptHandleIsInvalid',
        `${operation}: receipt handle ${show(receiptHandle)} is not the latest valid handle of a message in queue ${this.name}`,
      );
    }
    return message;
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: long polling

  private scheduleServe(): void {
    if (this.serveScheduled) return;
    this.serveScheduled = true;
    this.ctx.clock.schedule(0, this.serveWaiters);
  }

  /** Hand visible messages to long-polling consumers, first come first served. */
  private readonly serveWaiters = (): void => {
    this.serveScheduled = false;
    while (this.waiters.length > 0 && this.hasReceivable()) {
      const waiter = this.waiters[0];
      const messages = this.take(waiter.max, waiter.visibilityMs);
      if (messages.length === 0) continue; // all were dead-lettered; try again
      this.dropWaiter(waiter);
      this.ctx.clock.cancel(waiter.deadline);
      waiter.callback(messages);
    }
  };

  private dropWaiter(waiter: Waiter): void {
    waiter.active = false;
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: retention and deduplication

  /** One timer per queue, at the oldest message's expiry: retention is checked in sent order. */
  private armRetention(): void {
    const oldest = this.oldest;
    if (oldest === undefined) return;
    const expiresAt = oldest.sentAt + this.retentionMs;
    if (this.retentionTimer !== undefined) {
      if (this.retentionTimer.at <= expiresAt) return;
      this.ctx.clock.cancel(this.retentionTimer);
    }
    this.retentionTimer = this.ctx.clock.at(expiresAt, this.expireOld);
  }

  private readonly expireOld = (): void => {
    this.retentionTimer = undefined;
    const limit = this.ctx.clock.now - this.retentionMs;
    this.quiet++;
    while (this.oldest !== undefined && this.oldest.sentAt <= limit) {
      const message = this.oldest;
      this.remove(message);
      this.ctx.trace.emit('expired', this.name, message.id, undefined, { sentAt: message.sentAt });
    }
    this.endQuiet();
    this.armRetention();
  };

  /** Deduplication ids are remembered for 5 minutes from the first send (insertion order = time order). */
  private forgetOldDedupIds(now: number): void {
    for (const [key, entry] of this.dedup) {
      if (entry.at + DEDUP_WINDOW_MS > now) break;
      this.dedup.delete(key);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: validation

  private receiveParameters(options: ReceiveOptions): { max: number; visibilityMs: number } {
    if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
    const max = integer('max', options.max, 1, 1, MAX_BATCH);
    const visibilityMs = seconds('visibilityTimeoutS', options.visibilityTimeoutS, this.options.visibilityTimeoutS, 0, 43200) * 1000;
    seconds('waitS', options.waitS, 0, 0, 20);
    return { max, visibilityMs };
  }

  private checkBatchLength(path: string, items: unknown): void {
    if (!Array.isArray(items) || items.length < 1 || items.length > MAX_BATCH) {
      const got = Array.isArray(items) ? `${items.length} entries` : show(items);
      throw new ValidationError(path, `a batch holds 1 to ${MAX_BATCH} entries, got ${got}`);
    }
  }

  private checkAttributes(attributes: unknown): Attributes {
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
      throw new ValidationError('attributes', 'must be an object of string or number values');
    }
    const names = Object.keys(attributes);
    if (names.length > MAX_ATTRIBUTES) throw new ValidationError('attributes', `at most ${MAX_ATTRIBUTES} attributes, got ${names.length}`);
    if (names.length === 0) return EMPTY_ATTRIBUTES;
    const copy: Attributes = {};
    for (const name of names) {
      if (!ATTRIBUTE_NAME.test(name)) throw new ValidationError(`attributes.${name}`, 'names are 1 to 256 letters, digits, "_", "-" or "."');
      const value = (attributes as Record<string, unknown>)[name];
      if (Array.isArray(value)) {
        throw new ValidationError(`attributes.${name}`, 'SQS has no String.Array attributes (SNS topics do): send the list as a JSON string');
      }
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) {
        throw new ValidationError(`attributes.${name}`, `must be a string or a finite number, got ${show(value)}`);
      }
      copy[name] = value;
    }
    return Object.freeze(copy);
  }

  /** Body plus attribute names and values must fit in maxMessageBytes. */
  private checkSize(body: unknown, attributes: Attributes): void {
    if (typeof body !== 'string' || body.length === 0) throw new ValidationError('body', `must be a non-empty string, got ${show(body)}`);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: short bodies need no exact count.
    if (body.length * 3 <= this.maxBytes && attributes === EMPTY_ATTRIBUTES) return;
    let bytes = utf8Bytes(body);
    for (const name in attributes) bytes += utf8Bytes(name) + utf8Bytes(String(attributes[name]));
    if (bytes > this.maxBytes) {
      throw new ValidationError('body', `the message is ${bytes} bytes, over maxMessageBytes ${this.maxBytes}`);
    }
  }
}
