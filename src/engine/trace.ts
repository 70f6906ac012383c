/**
 * The trace: every hop an event makes through the simulated system, as a typed record with virtual
 * time, ids and cause. It is the one source for diagrams, lesson checks, counters and charts:
 * engine → trace → (diagram | checker | views). Nothing downstream reads engine state directly.
 *
 * Memory stays bounded on long runs: aggregates (counts per resource and kind) are always kept; full
 * records are kept all, within a sliding window of the last N, or not at all, as the run asks.
 * Listeners see every record as it happens whatever is kept.
 */

/** Every kind of hop the engine records. */
export type TraceKind =
  // messages in queues, topics, streams and the bus
  | 'sent' // accepted by a queue / bus / topic / stream (the message now exists)
  | 'delayed' // accepted, invisible until its delay ends
  | 'deduplicated' // dropped because an identical id was seen within the dedup window (id: the first message's)
  | 'received' // handed to a consumer (receive count +1, new receipt handle)
  | 'visibility-expired' // not deleted in time: visible again
  | 'visibility-changed'
  | 'deleted' // consumer acknowledged it
  | 'stale-handle' // a delete/change with an old receipt handle was rejected
  | 'duplicate' // the at-least-once model delivered an extra copy
  | 'dead-lettered' // moved to the dead-letter queue (or a bus/function DLQ)
  | 'expired' // retention ran out
  | 'purged'
  | 'published' // published to a topic or a bus
  | 'delivered' // pushed to a subscriber / rule target
  | 'filtered-out' // a subscription filter or rule pattern did not match
  | 'delivery-failed' // a push to a subscriber / target failed
  | 'retried' // a failed delivery or invocation was scheduled again
  | 'dropped' // given up without a DLQ (lost on purpose, by the platform's rules)
  | 'archived'
  | 'replayed'
  | 'produced' // appended to a stream partition at an offset
  | 'consumed' // read from a partition by a group member
  | 'committed' // a group committed an offset
  | 'rebalanced' // partitions reassigned among a group's members
  | 'compacted'
  | 'requeued' // returned to its queue by a nack/reject or a consumer that went away (RabbitMQ)
  // functions
  | 'invoked' // an invocation started (on an environment)
  | 'cold-start' // a new environment was created and its init ran
  | 'succeeded'
  | 'failed'
  | 'timed-out'
  | 'throttled' // rejected for lack of concurrency
  | 'env-destroyed' // an environment was recycled (module state lost)
  | 'log' // console output of a handler
  | 'call' // a handler started a service call (it completes after its latency)
  | 'call-done' // a service call completed: its effect happened now (detail.error when the service refused it)
  | 'call-pending' // the handler returned with this call still in flight: it froze with the environment
  | 'call-abandoned' // a call never completed: its environment was recycled, crashed or timed out first
  | 'response-rejected' // the platform could not use a function's answer (why, in detail.reason)
  | 'run-stopped' // the run went past one of its limits (runBounds.ts): detail.limit, value, max, message
  | 'output-truncated' // a handler's logs went past a bound: later lines of that invocation / run are not kept (detail says which)
  | 'loop-detected' // Lambda stopped an invocation: its function was invoked ~16 times in one chain of requests (recursion.ts)
  // services
  | 'stored' // object store put
  | 'read'
  | 'written' // table write
  | 'overloaded' // a table write above its capacity
  | 'routed' // gateway routed a request
  | 'responded'
  // faults and traffic
  | 'fault'
  | 'request'; // traffic generator produced a request

export interface TraceRecord {
  /** Position in the trace (1, 2, 3, …): ties at the same virtual time keep this order. */
  seq: number;
  /** Virtual time in ms. */
  t: number;
  kind: TraceKind;
  /** The resource where it happened (queue, topic, function, … name). */
  resource: string;
  /** The message / event / request it concerns, when there is one. */
  id?: string;
  /** What caused it: the id of an earlier message, a fault name, a reason. */
  cause?: string;
  /** Kind-specific details (receive count, partition, offset, duration, error, …). */
  detail?: Record<string, unknown>;
}

/** Characters of a message body or handler result kept in a trace record (the rest is cut). */
export const BODY_TRACED = 2048;

/** A body as a trace record keeps it: cut at BODY_TRACED characters. */
export function tracedText(text: string): string {
  return text.length > BODY_TRACED ? text.slice(0, BODY_TRACED) : text;
}

/**
 * A handler's return value as a trace record keeps it: the value itself when its JSON is short
 * (records stay plain JSON data), else the start of that JSON as a string; undefined stays absent.
 */
export function tracedValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return String(value);
  }
  if (json === undefined) return undefined;
  return json.length > BODY_TRACED ? json.slice(0, BODY_TRACED) : JSON.parse(json);
}

export type TraceListener = (record: TraceRecord) => void;

interface Subscription {
  listener: TraceListener;
  /** Only these kinds (undefined: every kind). */
  kinds: ReadonlySet<TraceKind> | undefined;
}

export type RecordRetention =
  | { mode: 'all' }
  | { mode: 'window'; size: number }
  | { mode: 'none' };

export class Trace {
  private seq = 0;
  /** Records per resource and kind (totals per kind are summed from these when asked). */
  private readonly counts = new Map<string, Partial<Record<TraceKind, number>>>();
  /** In subscription order (a listener may act on the engine: the order is part of determinism). */
  private listeners: Subscription[] = [];
  /** Listeners that want every kind, and how many want each kind: an unwanted record is never built. */
  private everyKind = 0;
  private readonly perKind = new Map<TraceKind, number>();
  private kept: TraceRecord[] = [];
  private head = 0; // ring buffer start when windowed
  private bytes = 0;

  constructor(
    private readonly now: () => number,
    private retention: RecordRetention = { mode: 'all' },
  ) {
    if (retention.mode === 'window' && !(retention.size >= 1)) throw new RangeError('window size must be ≥ 1');
  }

  /** Record a hop. Returns its sequence number. */
  emit(kind: TraceKind, resource: string, id?: string, cause?: string, detail?: Record<string, unknown>): number {
    const seq = ++this.seq;
    let perResource = this.counts.get(resource);
    if (!perResource) this.counts.set(resource, (perResource = {}));
    perResource[kind] = (perResource[kind] ?? 0) + 1;

    if (!this.wants(kind)) return seq;
    const record: TraceRecord = { seq, t: this.now(), kind, resource };
    if (id !== undefined) record.id = id;
    if (cause !== undefined) record.cause = cause;
    if (detail !== undefined) record.detail = detail;
    this.keep(record);
    for (const s of this.listeners) if (s.kinds === undefined || s.kinds.has(kind)) s.listener(record);
    return seq;
  }

  /**
   * Whether a record of `kind` would be built now: records are kept, or a listener wants the kind.
   * Hot paths ask before building a record's `detail`, so a run that keeps no records allocates
   * nothing for the details nobody will see (the counts are kept either way).
   */
  wants(kind: TraceKind): boolean {
    return this.retention.mode !== 'none' || this.everyKind > 0 || this.perKind.has(kind);
  }

  /** How many `kind` hops happened at `resource` (or anywhere, without a resource). */
  count(kind: TraceKind, resource?: string): number {
    if (resource !== undefined) return this.counts.get(resource)?.[kind] ?? 0;
    let total = 0;
    for (const perResource of this.counts.values()) total += perResource[kind] ?? 0;
    return total;
  }

  /** Aggregates: counts per resource and kind. */
  counters(): Record<string, Partial<Record<TraceKind, number>>> {
    const out: Record<string, Partial<Record<TraceKind, number>>> = {};
    for (const [resource, counts] of [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[resource] = { ...counts };
    return out;
  }

  /** Number of records emitted so far (kept or not). */
  get length(): number {
    return this.seq;
  }

  /** Estimated bytes of memory the kept records take (run bounds read it). */
  get keptBytes(): number {
    return this.bytes;
  }

  /** The kept records, oldest first. */
  records(): TraceRecord[] {
    if (this.retention.mode !== 'window' || this.kept.length < this.retention.size) return this.kept.slice();
    return [...this.kept.slice(this.head), ...this.kept.slice(0, this.head)];
  }

  /**
   * Call `listener` with every record as it happens, or only with records of `kinds`. Returns the
   * unsubscribe function. With records kept `none`, a record nobody listens for is never allocated,
   * so narrow listeners keep long runs fast.
   */
  subscribe(listener: TraceListener, kinds?: readonly TraceKind[]): () => void {
    const sub: Subscription = { listener, kinds: kinds ? new Set(kinds) : undefined };
    this.listeners = [...this.listeners, sub];
    this.countListener(sub, +1);
    return () => {
      if (!this.listeners.includes(sub)) return;
      this.listeners = this.listeners.filter((s) => s !== sub);
      this.countListener(sub, -1);
    };
  }

  private countListener(sub: Subscription, by: 1 | -1): void {
    if (sub.kinds === undefined) {
      this.everyKind += by;
      return;
    }
    for (const kind of sub.kinds) {
      const n = (this.perKind.get(kind) ?? 0) + by;
      if (n > 0) this.perKind.set(kind, n);
      else this.perKind.delete(kind);
    }
  }

  private keep(record: TraceRecord): void {
    switch (this.retention.mode) {
      case 'all':
        this.kept.push(record);
        this.bytes += recordBytes(record);
        break;
      case 'window':
        this.bytes += recordBytes(record);
        if (this.kept.length < this.retention.size) this.kept.push(record);
        else {
          this.bytes -= recordBytes(this.kept[this.head]);
          this.kept[this.head] = record;
          this.head = (this.head + 1) % this.retention.size;
        }
        break;
      case 'none':
        break;
    }
  }
}

/**
 * About how many bytes a record takes in memory: a fixed cost per record and per field, strings at
 * two bytes a character. An estimate for the run bounds, cheap enough for every kept record: nested
 * values are walked a few levels deep, deeper ones count a fixed amount.
 */
export function recordBytes(record: TraceRecord): number {
  let n = 96 + 2 * record.resource.length;
  if (record.id !== undefined) n += 16 + 2 * record.id.length;
  if (record.cause !== undefined) n += 16 + 2 * record.cause.length;
  if (record.detail !== undefined) n += valueBytes(record.detail, 3);
  return n;
}

function valueBytes(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return 16 + 2 * value.length;
    case 'number':
    case 'boolean':
    case 'undefined':
      return 8;
    case 'object': {
      if (value === null) return 8;
      if (depth === 0) return 64;
      let n = 32;
      if (Array.isArray(value)) {
        for (const v of value) n += 8 + valueBytes(v, depth - 1);
        return n;
      }
      for (const key in value) n += 16 + 2 * key.length + valueBytes((value as Record<string, unknown>)[key], depth - 1);
      return n;
    }
    default:
      return 16;
  }
}

/** One record as a JSON line, keys in a fixed order (byte-for-byte stable per seed). */
export function toJsonLine(record: TraceRecord): string {
  return JSON.stringify({ seq: record.seq, t: record.t, kind: record.kind, resource: record.resource, id: record.id, cause: record.cause, detail: record.detail });
}
