import { createHash } from 'node:crypto';
import type { TimerId } from './clock';
import type { EngineContext } from './context';
import { EngineError, fail, isPlainObject, show } from './errors';
import { isoTime } from './events';
import { didYouMean } from './scenario';
import {
  addNumbers,
  checkChanges,
  checkCondition,
  conditionObject,
  explainFailure,
  failingTest,
  failureDetail,
  tracedOperand,
  typeName,
  type CheckedTest,
  type TableChanges,
  type TableCondition,
} from './tableExpressions';

/**
 * Managed services the patterns are built from: an object store (S3), a key-value table with
 * provisioned write capacity (DynamoDB) and an HTTP front door (API Gateway). They are simple on
 * purpose, but where the real service has a rule a learner trips over, the rule is here too.
 */

const GiB = 1024 * 1024 * 1024;

/**
 * Order of two strings by their UTF-8 bytes, which is the order S3 lists keys in. Comparing code
 * points gives the same order (JS `<` compares UTF-16 code units, which differs above U+FFFF).
 */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────
// Object store (S3)
// ─────────────────────────────────────────────────────────────────────────────────────────────────

/** What S3 puts in an `ObjectCreated:Put` notification (the fields the patterns use). */
export interface ObjectCreatedEvent {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  /** ISO-8601 time of the put (virtual time 0 is 2026-01-01T00:00:00.000Z, as in every event). */
  eventTime: string;
  /** Virtual ms of the put. */
  time: number;
  /** This bucket's count of notified puts: orders the events (S3's `sequencer`). */
  sequence: number;
}

export interface ObjectFilter {
  prefix?: string;
  suffix?: string;
}

interface StoredObject {
  body: string;
  size: number;
  etag: string;
  versionId: string;
  contentType: string;
  lastModified: number;
}

interface Notification {
  listener: (e: ObjectCreatedEvent) => void;
  prefix: string;
  suffix: string;
}

/**
 * An S3-like bucket. Objects are whole values: a put replaces the object (there is no append), and a
 * get returns what the last put stored (S3 has been strongly read-after-write consistent since 2020).
 *
 * Upload notifications (`onObjectCreated`) model S3 event notifications, with S3's own restriction:
 * two notification configurations for the same event type may not overlap (prefix filters where
 * one is a prefix of the other AND suffix filters where one is a suffix of the other; an absent filter
 * matches everything). S3 rejects such a configuration, which is why real fan-out from a bucket goes
 * through a topic or an event bus instead of several direct subscribers.
 */
export class ObjectStore {
  readonly name: string;
  readonly maxObjectBytes: number;
  private readonly objects = new Map<string, StoredObject>();
  private notifications: Notification[] = [];
  private notified = 0;

  constructor(
    private readonly ctx: EngineContext,
    options: { name: string; maxObjectBytes?: number },
  ) {
    if (!isPlainObject(options)) fail('options', `must be an object, got ${show(options)}`);
    const { name, maxObjectBytes = 5 * GiB } = options;
    validateBucketName(name);
    if (!Number.isInteger(maxObjectBytes) || maxObjectBytes < 1 || maxObjectBytes > 5 * GiB) {
      fail('maxObjectBytes', `must be an integer between 1 and ${5 * GiB} (5 GiB, the largest single PUT), got ${show(maxObjectBytes)}`);
    }
    this.name = name;
    this.maxObjectBytes = maxObjectBytes;
  }

  /**
   * Store `body` under `key`, replacing any previous object. The ETag of a single-part upload is the
   * MD5 of the body, in hex (S3 shows it in double quotes; here it is the bare hex digest). Each put
   * gets a new version id. Matching `ObjectCreated:Put` listeners are called right after the put.
   */
  put(
    key: string,
    body: string,
    options: { contentType?: string; cause?: string } = {},
  ): { key: string; etag: string; size: number; versionId: string } {
    validateObjectKey(key);
    if (typeof body !== 'string') fail('body', `must be a string, got ${show(body)}`);
    if (!isPlainObject(options)) fail('options', `must be an object, got ${show(options)}`);
    const { contentType = 'binary/octet-stream', cause } = options;
    if (typeof contentType !== 'string' || contentType === '') fail('options.contentType', `must be a non-empty string, got ${show(contentType)}`);
    if (cause !== undefined && typeof cause !== 'string') fail('options.cause', `must be a string, got ${show(cause)}`);
    const size = Buffer.byteLength(body, 'utf8');
    if (size > this.maxObjectBytes) {
      throw new EngineError('EntityTooLarge', `object ${JSON.stringify(key)} is ${size} bytes; bucket ${this.name} accepts at most ${this.maxObjectBytes}`);
    }

    const etag = createHash('md5').update(body, 'utf8').digest('hex');
    const versionId = this.ctx.id('ver');
    const now = this.ctx.clock.now;
    this.objects.set(key, { body, size, etag, versionId, contentType, lastModified: now });
    this.ctx.trace.emit('stored', this.name, key, cause, { size, etag, versionId });

    if (this.notifications.length) this.notify(key, size, etag, now, cause);
    return { key, etag, size, versionId };
  }

  /** The object under `key`, or undefined (S3 answers 404 NoSuchKey). */
  get(key: string, options: { cause?: string } = {}): { body: string; size: number; etag: string; contentType: string; versionId: string; lastModified: number } | undefined {
    validateObjectKey(key);
    const object = this.objects.get(key);
    // The cause is the invocation that read it (a read at init: the invocation the init serves).
    this.ctx.trace.emit('read', this.name, key, options.cause, { found: object !== undefined });
    if (!object) return undefined;
    return { body: object.body, size: object.size, etag: object.etag, contentType: object.contentType, versionId: object.versionId, lastModified: object.lastModified };
  }

  /**
   * Remove `key`. Like S3's DeleteObject it is idempotent (deleting a missing key is not an error);
   * the result says whether there was an object to delete.
   */
  delete(key: string): boolean {
    validateObjectKey(key);
    const existed = this.objects.delete(key);
    if (existed) this.ctx.trace.emit('deleted', this.name, key);
    return existed;
  }

  /** Objects whose key starts with `prefix`, in UTF-8 binary key order like ListObjectsV2 (not paginated). */
  list(prefix = ''): Array<{ key: string; size: number; lastModified: number }> {
    if (typeof prefix !== 'string') fail('prefix', `must be a string, got ${show(prefix)}`);
    const out: Array<{ key: string; size: number; lastModified: number }> = [];
    for (const [key, object] of this.objects) {
      if (key.startsWith(prefix)) out.push({ key, size: object.size, lastModified: object.lastModified });
    }
    out.sort((a, b) => compareUtf8(a.key, b.key));
    this.ctx.trace.emit('read', this.name, undefined, undefined, { op: 'list', prefix, count: out.length });
    return out;
  }

  /**
   * Subscribe to `ObjectCreated:Put` for keys matching the filter. The listener runs synchronously
   * after each matching put (trace `delivered`). Returns a function that removes the subscription.
   * Throws EngineError('InvalidArgument') when the filter overlaps an existing subscription's.
   */
  onObjectCreated(listener: (e: ObjectCreatedEvent) => void, filter: ObjectFilter = {}): () => void {
    if (typeof listener !== 'function') fail('listener', `must be a function, got ${show(listener)}`);
    if (!isPlainObject(filter)) fail('filter', `must be an object, got ${show(filter)}`);
    for (const field of Object.keys(filter)) {
      if (field !== 'prefix' && field !== 'suffix') fail(`filter.${field}`, 'unknown filter rule (S3 key filters are prefix and suffix)');
    }
    const { prefix = '', suffix = '' } = filter;
    if (typeof prefix !== 'string') fail('filter.prefix', `must be a string, got ${show(prefix)}`);
    if (typeof suffix !== 'string') fail('filter.suffix', `must be a string, got ${show(suffix)}`);
    for (const other of this.notifications) {
      const prefixesOverlap = prefix.startsWith(other.prefix) || other.prefix.startsWith(prefix);
      const suffixesOverlap = suffix.endsWith(other.suffix) || other.suffix.endsWith(suffix);
      if (prefixesOverlap && suffixesOverlap) {
        throw new EngineError(
          'InvalidArgument',
          `Configurations overlap: bucket ${this.name} already notifies ObjectCreated:Put for prefix ${JSON.stringify(other.prefix)} suffix ${JSON.stringify(other.suffix)}; ` +
            'S3 cannot send one event to two overlapping configurations (fan out through a topic instead)',
        );
      }
    }
    const entry: Notification = { listener, prefix, suffix };
    this.notifications = [...this.notifications, entry];
    return () => {
      this.notifications = this.notifications.filter((n) => n !== entry);
    };
  }

  /** Number of stored objects. */
  size(): number {
    return this.objects.size;
  }

  private notify(key: string, size: number, etag: string, now: number, cause: string | undefined): void {
    const subscribers = this.notifications; // copy-on-write: (un)subscribing inside a listener is safe
    let event: ObjectCreatedEvent | undefined;
    let firstError: unknown;
    let failed = false;
    for (const n of subscribers) {
      if (!key.startsWith(n.prefix) || !key.endsWith(n.suffix)) continue;
      event ??= { bucket: this.name, key, size, etag, eventTime: isoTime(now), time: now, sequence: ++this.notified };
      this.ctx.trace.emit('delivered', this.name, key, cause, { event: 'ObjectCreated:Put', prefix: n.prefix, suffix: n.suffix });
      // Each notification is independent: one failing subscriber does not stop the others (and the
      // object stays stored). The first error is rethrown once every subscriber was called.
      try {
        n.listener({ ...event });
      } catch (err) {
        if (!failed) {
          failed = true;
          firstError = err;
        }
      }
    }
    if (failed) throw firstError;
  }
}

/** S3 bucket naming rules (general purpose buckets). */
function validateBucketName(name: unknown): asserts name is string {
  if (typeof name !== 'string') fail('name', `must be a string, got ${show(name)}`);
  if (name.length < 3 || name.length > 63) fail('name', `bucket names are 3 to 63 characters long, got ${name.length} (${JSON.stringify(name)})`);
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    fail('name', `bucket names use lowercase letters, digits, dots and hyphens, and begin and end with a letter or digit, got ${JSON.stringify(name)}`);
  }
  if (name.includes('..')) fail('name', `bucket names must not contain two adjacent dots, got ${JSON.stringify(name)}`);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) fail('name', `bucket names must not look like an IP address, got ${JSON.stringify(name)}`);
}

/** S3 object keys are 1 to 1,024 bytes of UTF-8. */
function validateObjectKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') fail('key', `must be a string, got ${show(key)}`);
  if (key.length === 0) fail('key', 'must not be empty');
  if (key.length > 341 && Buffer.byteLength(key, 'utf8') > 1024) fail('key', `must be at most 1024 bytes of UTF-8, got ${Buffer.byteLength(key, 'utf8')}`);
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────
// Table (DynamoDB)
// ─────────────────────────────────────────────────────────────────────────────────────────────────

export type TableKey = string | number;
export type TableItem = Record<string, unknown>;
export type { TableChanges, TableCondition, TableConditionTest } from './tableExpressions';

/** Options of a conditional write: the trace cause and the condition that must hold. */
export interface TableWriteOptions {
  /** The id of what caused the write (a message, an invocation), for the trace. */
  cause?: string;
  /** Every test must hold for the item as it is before the write, else ConditionalCheckFailed. */
  condition?: TableCondition;
}

/** DynamoDB's item size limit (400 KB), measured here on the item's JSON form. */
const MAX_ITEM_BYTES = 400 * 1024;

const WRITE_OPTIONS = ['cause', 'condition'] as const;

/**
 * A DynamoDB-like table keyed by one partition-key attribute, with provisioned write capacity.
 *
 * Writes are PutItem (`put`), UpdateItem (`updateItem`: SET, ADD, REMOVE) and DeleteItem
 * (`deleteItem`), each optionally conditional (a `TableCondition`, see tableExpressions.ts for the
 * rules): the condition is tested against the item as it is when the write happens, and the test
 * and the write are one atomic step, which is what makes a conditional write safe where a read and
 * then a write is not. A failed condition is ConditionalCheckFailed and changes nothing.
 *
 * Capacity is write requests per second over a sliding one-second window of virtual time: a write
 * is over capacity when the window (the last 1000 ms, `(now − 1000, now]`) already holds
 * `writeCapacityPerSecond` writes. With `rejectOverload` the table throttles it like DynamoDB
 * (ProvisionedThroughputExceeded, nothing written, no capacity consumed); without, the write succeeds
 * and the overload is only recorded, which makes a traffic spike visible (load leveling lessons).
 * Every put, update and delete is one write unit, including one whose condition fails (DynamoDB
 * charges failed conditional writes); a request refused as invalid consumes nothing. Not modelled:
 * item-size-based units (1 WCU per KB), burst capacity (up to 300 s of unused capacity), read
 * capacity, eventually consistent reads.
 *
 * Items are stored as JSON, so a get returns a fresh copy: changing it does not change the table.
 */
export class Table {
  readonly name: string;
  readonly key: string;
  readonly writeCapacityPerSecond: number | undefined;
  readonly rejectOverload: boolean;
  private readonly items = new Map<TableKey, string>();
  private window: number[] = []; // times of the writes that consumed capacity, oldest first
  private head = 0;
  private peak = 0;
  private overloads = 0;

  constructor(
    private readonly ctx: EngineContext,
    options: { name: string; key: string; writeCapacityPerSecond?: number; rejectOverload?: boolean },
  ) {
    if (!isPlainObject(options)) fail('options', `must be an object, got ${show(options)}`);
    const { name, key, writeCapacityPerSecond, rejectOverload = false } = options;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
      fail('name', `table names are 3 to 255 characters of letters, digits, '_', '-' and '.', got ${show(name)}`);
    }
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) fail('key', `must be the partition key attribute name (1 to 255 characters), got ${show(key)}`);
    if (writeCapacityPerSecond !== undefined && (!Number.isInteger(writeCapacityPerSecond) || writeCapacityPerSecond < 1)) {
      fail('writeCapacityPerSecond', `must be an integer ≥ 1 (or absent for unlimited), got ${show(writeCapacityPerSecond)}`);
    }
    if (typeof rejectOverload !== 'boolean') fail('rejectOverload', `must be a boolean, got ${show(rejectOverload)}`);
    this.name = name;
    this.key = key;
    this.writeCapacityPerSecond = writeCapacityPerSecond;
    this.rejectOverload = rejectOverload;
  }

  /**
   * PutItem: write a whole item, replacing any item with the same key. With a condition the put only
   * happens when the condition holds for the item it would replace (ConditionalCheckFailed
   * otherwise). `'attribute_not_exists'` is short for "no item has this key" (the key attribute does
   * not exist): the usual way to make a consumer idempotent under at-least-once delivery.
   */
  put(item: TableItem, options: { cause?: string; condition?: 'attribute_not_exists' | TableCondition } = {}): void {
    if (!isPlainObject(item)) fail('item', `must be an object, got ${show(item)}`);
    const key = this.checkKey(item[this.key], `item.${this.key}`);
    const { cause, condition } = this.checkOptions(options);
    let tests: CheckedTest[] | undefined;
    if (condition !== undefined && condition !== 'attribute_not_exists') {
      if (typeof condition === 'string') fail('options.condition', `must be 'attribute_not_exists' or a condition object such as { version: { equals: 3 } }, got ${show(condition)}`);
      tests = checkCondition(condition, 'options.condition');
    }
    const json = this.serialize(item, 'item');
    const id = String(key);

    this.consumeWrite('put', id, cause);
    if (condition === 'attribute_not_exists' && this.items.has(key)) {
      this.ctx.trace.emit('failed', this.name, id, cause, { op: 'put', condition, reason: 'ConditionalCheckFailed' });
      throw new EngineError('ConditionalCheckFailed', `The conditional request failed: an item with ${this.key} = ${JSON.stringify(key)} already exists in ${this.name}`);
    }
    if (tests) {
      const current = this.stored(key);
      this.enforce('put', key, tests, current, cause, failingTest(tests, current));
    }
    this.items.set(key, json);
    const traced = tests ? tracedOperand(conditionObject(tests)) : condition;
    this.ctx.trace.emit('written', this.name, id, cause, traced === undefined ? { op: 'put' } : { op: 'put', condition: traced });
  }

  /** The item with this key (a copy), or undefined. Reads are strongly consistent here. */
  get(key: TableKey, options: { cause?: string } = {}): TableItem | undefined {
    this.checkKey(key, 'key');
    const json = this.items.get(key);
    this.ctx.trace.emit('read', this.name, String(key), options.cause, { found: json !== undefined });
    return json === undefined ? undefined : (JSON.parse(json) as TableItem);
  }

  /**
   * UpdateItem with ReturnValues ALL_NEW: `set` attributes to values, `add` numbers to attributes
   * (atomically: the read and the write are one step, so concurrent adds never lose one; a missing
   * attribute counts as 0; adding to anything but a number is a ValidationException), `remove`
   * attributes. Returns the item as it is after the update (a copy).
   *
   * Like DynamoDB it creates the item when none has this key (an upsert: the key and the changes),
   * unless a condition fails; it cannot change the key attribute, and an attribute may appear in one
   * clause only (both ValidationException, nothing changes, no capacity consumed).
   */
  updateItem(key: TableKey, changes: TableChanges, options: TableWriteOptions = {}): TableItem {
    this.checkKey(key, 'key');
    const checked = checkChanges(changes, this.key);
    const { cause, tests } = this.checkConditional(options);
    const id = String(key);
    const current = this.stored(key);
    const failed = tests && failingTest(tests, current);

    let json = '';
    const added: Record<string, number> = {};
    if (!failed) {
      const next: TableItem = current ? { ...current } : { [this.key]: key };
      for (const [name, value] of checked.set) setOwn(next, name, value);
      for (const [name, amount] of checked.add) {
        const had = Object.prototype.hasOwnProperty.call(next, name) ? next[name] : 0;
        if (typeof had !== 'number') {
          throw new EngineError(
            'ValidationException',
            `changes.add.${name}: An operand in the update expression has an incorrect data type: ${name} holds a ${typeName(had)} in ${this.name} item ${this.key} = ${JSON.stringify(key)}, and ADD adds only to a number (nothing was changed)`,
          );
        }
        const sum = addNumbers(had, amount, `changes.add.${name}`);
        setOwn(next, name, sum);
        setOwn(added, name, sum);
      }
      for (const name of checked.remove) delete next[name];
      json = this.serialize(next, 'changes', 'Item size to update has exceeded the maximum allowed size');
    }

    this.consumeWrite('update', id, cause);
    if (tests) this.enforce('update', key, tests, current, cause, failed);
    this.items.set(key, json);
    const trace = this.ctx.trace;
    if (trace.wants('written')) {
      const detail: Record<string, unknown> = { op: 'update', created: current === undefined };
      if (checked.set.length) detail.set = Object.fromEntries(checked.set.map(([name, value]) => [name, tracedOperand(value)]));
      if (checked.add.length) {
        detail.added = Object.fromEntries(checked.add);
        detail.result = added;
      }
      if (checked.remove.length) detail.removed = checked.remove;
      if (tests) detail.condition = tracedOperand(conditionObject(tests));
      trace.emit('written', this.name, id, cause, detail);
    } else {
      trace.emit('written', this.name, id, cause);
    }
    return JSON.parse(json) as TableItem;
  }

  /**
   * Set the attributes in `patch` (an attribute set to undefined is removed) and return the item as
   * it is now: `updateItem` with `set` and `remove`, kept for callers that think in patches.
   */
  update(key: TableKey, patch: TableItem, options: { cause?: string } = {}): TableItem {
    this.checkKey(key, 'key');
    if (!isPlainObject(patch)) fail('patch', `must be an object, got ${show(patch)}`);
    if (Object.prototype.hasOwnProperty.call(patch, this.key)) fail(`patch.${this.key}`, 'cannot update the partition key attribute (it identifies the item)');
    const set: Record<string, unknown> = {};
    const remove: string[] = [];
    for (const [name, value] of Object.entries(patch)) {
      if (value === undefined) remove.push(name);
      else setOwn(set, name, value);
    }
    return this.updateItem(key, { set, remove }, options);
  }

  /**
   * DeleteItem with ReturnValues ALL_OLD: remove the item and return it as it was (a copy), or
   * undefined when there was none. With a condition the delete only happens when it holds (a missing
   * item has no attributes: `{ id: { exists: true } }` refuses to "delete" what is not there).
   * Deleting a missing item still consumes a write unit.
   */
  deleteItem(key: TableKey, options: TableWriteOptions = {}): TableItem | undefined {
    this.checkKey(key, 'key');
    const { cause, tests } = this.checkConditional(options);
    const id = String(key);
    const current = this.stored(key);
    this.consumeWrite('delete', id, cause);
    if (tests) this.enforce('delete', key, tests, current, cause, failingTest(tests, current));
    this.items.delete(key);
    const detail: Record<string, unknown> = { op: 'delete', existed: current !== undefined };
    if (tests) detail.condition = tracedOperand(conditionObject(tests));
    this.ctx.trace.emit('written', this.name, id, cause, detail);
    return current;
  }

  /** Remove the item; true when it existed. Deleting a missing item still consumes a write unit. */
  delete(key: TableKey, options: { cause?: string } = {}): boolean {
    return this.deleteItem(key, options) !== undefined;
  }

  /** Every item (copies). DynamoDB's scan order is by key hash, i.e. unspecified; here it is insertion order. */
  scan(): TableItem[] {
    const out: TableItem[] = [];
    for (const json of this.items.values()) out.push(JSON.parse(json) as TableItem);
    this.ctx.trace.emit('read', this.name, undefined, undefined, { op: 'scan', count: out.length });
    return out;
  }

  /** Number of items. */
  size(): number {
    return this.items.size;
  }

  /** Writes that consumed capacity in the last second of virtual time, `(now − 1000 ms, now]`. */
  writesInLastSecond(): number {
    const cutoff = this.ctx.clock.now - 1000;
    const w = this.window;
    let h = this.head;
    while (h < w.length && w[h] <= cutoff) h++;
    if (h > 1024 && h * 2 > w.length) {
      this.window = w.slice(h);
      h = 0;
    }
    this.head = h;
    return this.window.length - h;
  }

  /** Highest `writesInLastSecond()` seen after any write of the run. */
  peakWritesPerSecond(): number {
    return this.peak;
  }

  /** Writes that arrived over capacity (recorded, or rejected with `rejectOverload`). */
  overloadCount(): number {
    return this.overloads;
  }

  /** Admit one write unit against the provisioned capacity (throws when throttling). */
  private consumeWrite(op: string, id: string, cause: string | undefined): void {
    const inWindow = this.writesInLastSecond();
    const capacity = this.writeCapacityPerSecond;
    if (capacity !== undefined && inWindow >= capacity) {
      this.overloads++;
      this.ctx.trace.emit('overloaded', this.name, id, cause, { op, writesInLastSecond: inWindow, capacity, rejected: this.rejectOverload });
      if (this.rejectOverload) {
        throw new EngineError(
          'ProvisionedThroughputExceeded',
          `${this.name}: ${inWindow} writes in the last second already use the provisioned ${capacity} writes/s; the ${op} was throttled (retry with backoff, or level the load with a queue)`,
        );
      }
    }
    this.window.push(this.ctx.clock.now);
    if (inWindow + 1 > this.peak) this.peak = inWindow + 1;
  }

  /** The item as stored now (a copy), or undefined. */
  private stored(key: TableKey): TableItem | undefined {
    const json = this.items.get(key);
    return json === undefined ? undefined : (JSON.parse(json) as TableItem);
  }

  /**
   * A failed condition's consequence: a 'failed' trace record (the op, the condition, the reason,
   * and which test failed on what value) and ConditionalCheckFailed. Called after the write unit is
   * consumed: DynamoDB charges a failed conditional write.
   */
  private enforce(op: string, key: TableKey, tests: readonly CheckedTest[], current: TableItem | undefined, cause: string | undefined, failed: CheckedTest | undefined): void {
    if (!failed) return;
    const id = String(key);
    this.ctx.trace.emit('failed', this.name, id, cause, { op, condition: tracedOperand(conditionObject(tests)), reason: 'ConditionalCheckFailed', ...failureDetail(failed, current) });
    throw new EngineError('ConditionalCheckFailed', `The conditional request failed: ${op} of ${this.name} item ${this.key} = ${JSON.stringify(key)}: ${explainFailure(failed, current)}`);
  }

  /** A write's options: a plain object of known options, `cause` a string. */
  private checkOptions(options: unknown): { cause?: string; condition?: unknown } {
    if (!isPlainObject(options)) fail('options', `must be an object, got ${show(options)}`);
    for (const name of Object.keys(options)) {
      if (!(WRITE_OPTIONS as readonly string[]).includes(name)) {
        const hint = didYouMean(name, WRITE_OPTIONS);
        fail(`options.${name}`, `unknown option${hint ? ` (did you mean "${hint}"?)` : ''}; the options are ${WRITE_OPTIONS.join(' and ')}`);
      }
    }
    const { cause, condition } = options;
    if (cause !== undefined && typeof cause !== 'string') fail('options.cause', `must be a string, got ${show(cause)}`);
    return { cause, condition };
  }

  /** updateItem's and deleteItem's options: the cause and the checked condition's tests, if any. */
  private checkConditional(options: unknown): { cause?: string; tests?: CheckedTest[] } {
    const { cause, condition } = this.checkOptions(options);
    if (condition === undefined) return { cause };
    if (typeof condition === 'string') fail('options.condition', `must be a condition object such as { ${this.key}: { exists: true } }, got ${show(condition)}`);
    return { cause, tests: checkCondition(condition, 'options.condition') };
  }

  private checkKey(value: unknown, path: string): TableKey {
    if (value === undefined) fail(path, `is required: it is the table's partition key attribute '${this.key}'`);
    if (typeof value === 'string') {
      if (value.length === 0) fail(path, 'a string key must not be empty');
      return value;
    }
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    return fail(path, `a partition key is a string or a finite number, got ${show(value)}`);
  }

  private serialize(item: TableItem, path: string, tooLarge = 'Item size has exceeded the maximum allowed size'): string {
    let json: string;
    try {
      json = JSON.stringify(item);
    } catch (err) {
      return fail(path, `must be JSON-like data (${(err as Error).message})`);
    }
    const bytes = json.length * 3 > MAX_ITEM_BYTES ? Buffer.byteLength(json, 'utf8') : json.length;
    if (bytes > MAX_ITEM_BYTES) throw new EngineError('ValidationException', `${tooLarge} (${bytes} bytes > 400 KB) in ${this.name}`);
    return json;
  }
}

/** Set an own property, even one named `__proto__` (a valid DynamoDB attribute name). */
function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────
// Gateway (API Gateway)
// ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface HttpRequest {
  method: string;
  path: string;
  /** Header names in lower case, as API Gateway's HTTP API passes them (payload format 2.0). */
  headers: Record<string, string>;
  /** Decoded query string; a repeated parameter's values are joined with commas. */
  query: Record<string, string>;
  /** The query string as sent, without the `?` ('' when there is none). */
  rawQuery: string;
  body?: string;
  requestId: string;
}

export interface HttpResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A synchronous backend (a legacy monolith in the strangler fig pattern). */
export type Backend = (request: HttpRequest) => HttpResponse;

export type RouteRequest = HttpRequest & { pathParameters: Record<string, string> };
export type RouteHandler = (req: RouteRequest, respond: (res: HttpResponse) => void) => void;

export interface RouteSpec {
  /** An HTTP method, or '*' (also written 'ANY') for every method. Default '*'. */
  method?: string;
  /** '/users', '/users/{id}', '/files/{proxy+}' (a greedy variable only as the last segment). */
  path: string;
  /** Name of the endpoint behind the route, for the trace and diagrams. */
  target: string;
  handler: RouteHandler;
  /** Integration timeout for this route, 50–29,000 ms (default: the gateway's). */
  timeoutMs?: number;
}

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** Path segment kinds, in order of specificity. */
const LITERAL = 0;
const PARAM = 1;
const GREEDY = 2;

interface Segment {
  kind: typeof LITERAL | typeof PARAM | typeof GREEDY;
  /** The literal text, or the variable name. */
  text: string;
}

interface CompiledRoute {
  method: string;
  path: string;
  target: string;
  handler: RouteHandler;
  timeoutMs: number;
  segments: Segment[];
  greedy: boolean;
  /** 'GET /users/{id}', as API Gateway names a route. */
  routeKey: string;
  /** Shape without variable names, for conflict detection ('/users/{}'). */
  shape: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/**
 * An API Gateway-like HTTP front door. Routes send requests to functions or to a legacy backend; the
 * most specific route wins, segment by segment from the left: a literal segment beats a path
 * variable, and any route without a greedy variable beats every greedy `{proxy+}` route; for equal
 * paths a route for the request's method beats one for any method ('*'). A greedy variable needs at
 * least one segment (`/{proxy+}` does not match `/`). No match answers 404 {"message":"Not Found"}.
 *
 * Handlers answer through `respond`, at once or later in virtual time; the gateway measures the
 * latency. When no answer comes within the integration timeout (29 s by default, the REST API
 * maximum) the client gets 504 — and the backend may well still be running: its late answer is
 * dropped. A handler that throws, or answers with a malformed response, gives the client a 500.
 * Payloads above 10 MB are refused with 413. Not modelled: throttling (10,000 rps account limit), auth.
 */
/** Characters of a response body kept in its `responded` trace record. */
export const RESPONSE_BODY_TRACED = 2048;

export class Gateway {
  readonly name: string;
  readonly timeoutMs: number;
  private readonly table: CompiledRoute[] = [];

  constructor(
    private readonly ctx: EngineContext,
    options: { name: string; timeoutMs?: number },
  ) {
    if (!isPlainObject(options)) fail('options', `must be an object, got ${show(options)}`);
    const { name, timeoutMs = 29_000 } = options;
    if (typeof name !== 'string' || name.trim() === '') fail('name', `must be a non-empty string, got ${show(name)}`);
    checkTimeout(timeoutMs, 'timeoutMs');
    this.name = name;
    this.timeoutMs = timeoutMs;
  }

  /** Add a route. Throws EngineError('ConflictException') when a route with the same method and path shape exists. */
  route(route: RouteSpec): void {
    if (!isPlainObject(route)) fail('route', `must be an object, got ${show(route)}`);
    const { method: rawMethod = '*', path, target, handler, timeoutMs = this.timeoutMs } = route;
    if (typeof rawMethod !== 'string') fail('route.method', `must be a string, got ${show(rawMethod)}`);
    const upper = rawMethod.toUpperCase();
    const method = upper === 'ANY' ? '*' : upper;
    if (method !== '*' && !HTTP_METHODS.has(method)) fail('route.method', `must be '*' (any) or one of ${[...HTTP_METHODS].join(', ')}, got ${show(rawMethod)}`);
    const segments = parseRoutePath(path);
    if (typeof target !== 'string' || target.trim() === '') fail('route.target', `must be a non-empty string, got ${show(target)}`);
    if (typeof handler !== 'function') fail('route.handler', `must be a function, got ${show(handler)}`);
    checkTimeout(timeoutMs, 'route.timeoutMs');

    const shape = '/' + segments.map((s) => (s.kind === LITERAL ? s.text : s.kind === PARAM ? '{}' : '{+}')).join('/');
    const clash = this.table.find((r) => r.method === method && r.shape === shape);
    if (clash) throw new EngineError('ConflictException', `${this.name}: route ${method === '*' ? 'ANY' : method} ${path} conflicts with existing route ${clash.routeKey}`);
    const routeKey = `${method === '*' ? 'ANY' : method} ${path}`;
    const greedy = segments.length > 0 && segments[segments.length - 1].kind === GREEDY;
    this.table.push({ method, path, target, handler, timeoutMs, segments, greedy, routeKey, shape });
  }

  /** The routes, in the order they were added. */
  routes(): Array<{ method: string; path: string; target: string }> {
    return this.table.map((r) => ({ method: r.method, path: r.path, target: r.target }));
  }

  /**
   * Send a request through the gateway. `onResponse` is called exactly once: with the handler's
   * answer, a 404 when no route matches, a 504 at the timeout, or a 500 when the handler fails.
   * Returns the request id (the answer may come before this returns, when the handler is synchronous).
   */
  request(
    req: { method: string; path: string; headers?: Record<string, string>; body?: string; cause?: string },
    onResponse: (res: HttpResponse & { route?: string; target?: string }) => void,
  ): string {
    if (!isPlainObject(req)) fail('request', `must be an object, got ${show(req)}`);
    const { method: rawMethod, path: rawPath, headers: rawHeaders = {}, body, cause } = req;
    if (typeof rawMethod !== 'string' || !HTTP_METHODS.has(rawMethod.toUpperCase())) fail('request.method', `must be one of ${[...HTTP_METHODS].join(', ')}, got ${show(rawMethod)}`);
    if (typeof rawPath !== 'string' || !rawPath.startsWith('/')) fail('request.path', `must be a string starting with '/', got ${show(rawPath)}`);
    if (!isPlainObject(rawHeaders)) fail('request.headers', `must be an object of strings, got ${show(rawHeaders)}`);
    const headers: Record<string, string> = {};
    for (const name of Object.keys(rawHeaders)) {
      const value = rawHeaders[name];
      if (typeof value !== 'string') fail(`request.headers.${name}`, `must be a string, got ${show(value)}`);
      headers[name.toLowerCase()] = value;
    }
    if (body !== undefined && typeof body !== 'string') fail('request.body', `must be a string, got ${show(body)}`);
    if (cause !== undefined && typeof cause !== 'string') fail('request.cause', `must be a string, got ${show(cause)}`);
    if (typeof onResponse !== 'function') fail('onResponse', `must be a function, got ${show(onResponse)}`);

    const method = rawMethod.toUpperCase();
    const q = rawPath.indexOf('?');
    const path = q < 0 ? rawPath : rawPath.slice(0, q);
    const query = q < 0 ? {} : parseQuery(rawPath.slice(q + 1));
    const requestId = this.ctx.id('req');
    const started = this.ctx.clock.now;
    const trace = this.ctx.trace;
    // What the client sent (the body cut like the answer's), so checks can judge an answer by its question.
    const asked: Record<string, unknown> = { method, path };
    if (body !== undefined && body !== '') {
      asked.body = body.length > RESPONSE_BODY_TRACED ? body.slice(0, RESPONSE_BODY_TRACED) : body;
      if (body.length > RESPONSE_BODY_TRACED) asked.bodyTruncated = body.length;
    }
    trace.emit('request', this.name, requestId, cause, asked);

    const finish = (res: HttpResponse, route?: CompiledRoute): void => {
      // The answer as the client saw it (the body cut at RESPONSE_BODY_TRACED characters), so checks
      // and the message journey can show what came back, not only the status.
      const detail: Record<string, unknown> = { statusCode: res.statusCode, latencyMs: this.ctx.clock.now - started };
      if (res.headers !== undefined) detail.headers = { ...res.headers };
      if (res.body !== undefined) {
        detail.body = res.body.length > RESPONSE_BODY_TRACED ? res.body.slice(0, RESPONSE_BODY_TRACED) : res.body;
        if (res.body.length > RESPONSE_BODY_TRACED) detail.bodyTruncated = res.body.length;
      }
      trace.emit('responded', this.name, requestId, undefined, detail);
      const out: HttpResponse & { route?: string; target?: string } = { statusCode: res.statusCode };
      if (res.headers !== undefined) out.headers = res.headers;
      if (res.body !== undefined) out.body = res.body;
      if (route) {
        out.route = route.routeKey;
        out.target = route.target;
      }
      onResponse(out);
    };

    if (body !== undefined && body.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(body, 'utf8') > MAX_PAYLOAD_BYTES) {
      finish({ statusCode: 413, headers: { ...JSON_HEADERS }, body: '{"message":"Request Too Long"}' });
      return requestId;
    }

    const segments = splitPath(path);
    const match = this.match(method, segments);
    if (!match) {
      finish({ statusCode: 404, headers: { ...JSON_HEADERS }, body: '{"message":"Not Found"}' });
      return requestId;
    }
    const { route, pathParameters } = match;
    trace.emit('routed', this.name, requestId, undefined, { target: route.target, route: route.routeKey });

    let done = false;
    const timer: TimerId = this.ctx.clock.schedule(route.timeoutMs, () => {
      if (done) return;
      done = true;
      trace.emit('timed-out', this.name, requestId, undefined, { target: route.target, timeoutMs: route.timeoutMs });
      finish({ statusCode: 504, headers: { ...JSON_HEADERS }, body: '{"message":"Endpoint request timed out"}' }, route);
    });
    const internalError = (error: string): void => {
      trace.emit('failed', this.name, requestId, undefined, { target: route.target, error });
      finish({ statusCode: 500, headers: { ...JSON_HEADERS }, body: '{"message":"Internal Server Error"}' }, route);
    };
    const respond = (res: HttpResponse): void => {
      if (done) {
        // The client already has its answer (a 504, or an earlier respond): this one goes nowhere.
        trace.emit('dropped', this.name, requestId, undefined, { target: route.target, reason: 'response after the request was answered', statusCode: (res as HttpResponse | undefined)?.statusCode });
        return;
      }
      done = true;
      this.ctx.clock.cancel(timer);
      const problem = responseProblem(res);
      if (problem) internalError(`malformed response: ${problem}`);
      else finish(res, route);
    };

    const request: RouteRequest = { method, path, headers, query, rawQuery: q < 0 ? '' : rawPath.slice(q + 1), requestId, pathParameters };
    if (body !== undefined) request.body = body;
    try {
      route.handler(request, respond);
    } catch (err) {
      if (!done) {
        done = true;
        this.ctx.clock.cancel(timer);
        internalError(err instanceof Error ? err.message : String(err));
      }
    }
    return requestId;
  }

  private match(method: string, segments: string[]): { route: CompiledRoute; pathParameters: Record<string, string> } | undefined {
    let best: CompiledRoute | undefined;
    for (const route of this.table) {
      if (route.method !== '*' && route.method !== method) continue;
      if (!matches(route, segments)) continue;
      if (!best || moreSpecific(route, best)) best = route;
    }
    if (!best) return undefined;
    const pathParameters: Record<string, string> = {};
    best.segments.forEach((s, i) => {
      if (s.kind === PARAM) pathParameters[s.text] = segments[i];
      else if (s.kind === GREEDY) pathParameters[s.text] = segments.slice(i).join('/');
    });
    return { route: best, pathParameters };
  }
}

/** Mount a synchronous backend as a route handler that answers after `latencyMs` of virtual time. */
export function backendHandler(ctx: EngineContext, backend: Backend, latencyMs = 0): RouteHandler {
  if (typeof backend !== 'function') fail('backend', `must be a function, got ${show(backend)}`);
  if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) fail('latencyMs', `must be a finite number ≥ 0, got ${show(latencyMs)}`);
  return (req, respond) => {
    ctx.clock.schedule(latencyMs, () => {
      let res: HttpResponse;
      try {
        res = backend(req);
      } catch {
        res = { statusCode: 500, headers: { ...JSON_HEADERS }, body: '{"message":"Internal Server Error"}' };
      }
      respond(res);
    });
  };
}

function checkTimeout(value: unknown, path: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 50 || value > 29_000) {
    fail(path, `the integration timeout is 50 to 29000 ms (API Gateway's limit), got ${show(value)}`);
  }
}

function parseRoutePath(path: unknown): Segment[] {
  if (typeof path !== 'string' || !path.startsWith('/')) fail('route.path', `must be a string starting with '/', got ${show(path)}`);
  if (path === '/') return [];
  const parts = path.slice(1).split('/');
  const names = new Set<string>();
  return parts.map((part, i): Segment => {
    if (part === '') fail('route.path', `has an empty segment: ${JSON.stringify(path)}`);
    const variable = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(part);
    if (!variable) {
      if (part.includes('{') || part.includes('}')) fail('route.path', `segment ${JSON.stringify(part)} must be a literal or a whole {variable}`);
      return { kind: LITERAL, text: part };
    }
    const [, name, plus] = variable;
    if (names.has(name)) fail('route.path', `path variable {${name}} appears twice`);
    names.add(name);
    if (plus && i !== parts.length - 1) fail('route.path', `the greedy variable {${name}+} must be the last segment`);
    return { kind: plus ? GREEDY : PARAM, text: name };
  });
}

/** Request path → decoded, non-empty segments ('/a//b/' → ['a', 'b']). */
function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '') continue;
    let decoded = part;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      /* keep malformed escapes as they are */
    }
    out.push(decoded);
  }
  return out;
}

function parseQuery(text: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    query[name] = Object.prototype.hasOwnProperty.call(query, name) ? `${query[name]},${value}` : value;
  }
  return query;
}

function matches(route: CompiledRoute, segments: string[]): boolean {
  const rs = route.segments;
  if (route.greedy) {
    if (segments.length < rs.length) return false; // the greedy variable needs at least one segment
  } else if (segments.length !== rs.length) return false;
  for (let i = 0; i < rs.length; i++) {
    const s = rs[i];
    if (s.kind === GREEDY) return true;
    if (s.kind === LITERAL && s.text !== segments[i]) return false;
  }
  return true;
}

/** Is `a` a more specific route than `b` (both matching the same request)? */
function moreSpecific(a: CompiledRoute, b: CompiledRoute): boolean {
  if (a.greedy !== b.greedy) return !a.greedy;
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = a.segments[i].kind - b.segments[i].kind;
    if (d !== 0) return d < 0;
  }
  // Both greedy with the same kinds so far: the longer fixed prefix is more specific.
  if (a.segments.length !== b.segments.length) return a.segments.length > b.segments.length;
  return a.method !== '*' && b.method === '*';
}

function responseProblem(res: unknown): string | undefined {
  if (!isPlainObject(res)) return `expected an object with a statusCode, got ${show(res)}`;
  const { statusCode, headers, body } = res as Record<string, unknown>;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return `statusCode must be an integer 100–599, got ${show(statusCode)}`;
  if (headers !== undefined && (!isPlainObject(headers) || Object.values(headers).some((v) => typeof v !== 'string'))) return 'headers must be an object of strings';
  if (body !== undefined && typeof body !== 'string') return `body must be a string, got ${show(body)}`;
  return undefined;
}
