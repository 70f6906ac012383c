/**
 * The `serverless-lab` handler API on real AWS (SDK v3, which the Lambda Node.js runtime provides).
 *
 * `serverless-lab export` copies this file into the SAM project it writes (as the local package
 * `serverless-lab/`), so a learner's handler runs unchanged on Lambda: `send` becomes SQS
 * `SendMessage`, `publish` SNS `Publish`, `produce` Kinesis `PutRecord`, `putEvents` EventBridge
 * `PutEvents`, `putObject`/`getObject` S3, `tablePut`/`tableGet`/`tableUpdate`/`tableDelete`
 * DynamoDB `PutItem`/`GetItem`/`UpdateItem`/`DeleteItem`; `work(ms)` does nothing (the time a real
 * function takes is real) and `log` is `console.log`.
 *
 * The lab's names ("orders") become the stack's resources through one environment variable the
 * template sets, `SERVERLESS_LAB_RESOURCES` (JSON: queue URLs, topic ARNs, stream, bus, bucket and
 * table names). Every call returns a promise, as in the lab; a service error rejects it with the SDK's
 * `name` (`ConditionalCheckFailedException`) and the lab's `code` (`ConditionalCheckFailed`).
 *
 * `lambdaHandler(fn, source)` wraps a learner's handler for Lambda: it adds the lab's `coldStart` and
 * `environmentId` to the context and, for a Kinesis source, hands the function the event the lab's
 * stream source gives (MSK-shaped `records` and the decoded `Records`: `partition`, `offset`, `key`,
 * `value`) instead of Kinesis' own.
 *
 * This file must not import anything but the AWS SDK and Node built-ins.
 */
import { randomUUID } from 'node:crypto';
import { SQSClient, SendMessageCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { SNSClient, PublishCommand, type MessageAttributeValue as SnsAttributeValue } from '@aws-sdk/client-sns';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBClient, PutItemCommand, GetItemCommand, UpdateItemCommand, DeleteItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';

export type Body = string | object;
export type Attributes = Record<string, string | number>;
export type Item = Record<string, unknown>;
export type Condition = Record<
  string,
  { exists?: boolean; equals?: unknown; notEquals?: unknown; lessThan?: number; lessThanOrEqual?: number; greaterThan?: number; greaterThanOrEqual?: number }
>;
export interface ItemChanges {
  set?: Record<string, unknown>;
  add?: Record<string, number>;
  remove?: string[];
}

/** What the template puts in SERVERLESS_LAB_RESOURCES. */
export interface Resources {
  queues?: Record<string, { url: string; fifo?: boolean; contentBasedDeduplication?: boolean }>;
  topics?: Record<string, { arn: string; fifo?: boolean }>;
  streams?: Record<string, { name: string }>;
  buses?: Record<string, { name: string }>;
  buckets?: Record<string, { name: string }>;
  tables?: Record<string, { name: string; key: string }>;
}

export const RESOURCES_ENV = 'SERVERLESS_LAB_RESOURCES';
/** Partition keys the runtime makes up for records produced without a key (Kinesis needs one). */
const KEYLESS_PREFIX = 'serverless-lab:keyless:';

let resources: Resources | undefined;
function known(): Resources {
  if (resources) return resources;
  const text = process.env[RESOURCES_ENV];
  if (!text) throw labError('ConfigurationError', `${RESOURCES_ENV} is not set: deploy this function with the exported template.yaml`);
  resources = JSON.parse(text) as Resources;
  return resources;
}

/** An error shaped like the lab's: `name` as the AWS SDK has it, `code` as the lab's EngineError. */
function labError(name: string, message: string, code = name.replace(/Exception$/, '')): Error & { code: string } {
  const err = new Error(message) as Error & { code: string };
  err.name = name;
  err.code = code;
  return err;
}

/** SDK errors keep their name and get the lab's `code` (the name without "Exception"). */
async function sdk<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof Error && (err as { code?: unknown }).code === undefined) {
      (err as Error & { code: string }).code = err.name.replace(/Exception$/, '');
    }
    throw err;
  }
}

/** The physical identifiers of a resource (what AWS puts in events: a bucket's name, a queue's URL…). */
function physical(entry: Record<string, unknown>): unknown[] {
  return [entry.url, entry.arn, entry.name];
}

/**
 * A resource by the lab's name, or by its physical name as AWS's events carry it (an S3 event names
 * the stack's bucket, not the lab's), so `getObject(record.s3.bucket.name, key)` works as in the lab.
 */
function lookup<K extends keyof Resources>(kind: K, name: string, code: string): NonNullable<Resources[K]>[string] {
  const map = (known()[kind] ?? {}) as Record<string, NonNullable<Resources[K]>[string]>;
  if (typeof name === 'string' && Object.hasOwn(map, name)) return map[name];
  const byPhysical = Object.values(map).find((entry) => typeof name === 'string' && physical(entry as Record<string, unknown>).includes(name));
  if (byPhysical) return byPhysical;
  const names = Object.keys(map);
  throw labError(code, `unknown ${kind.slice(0, -1)} ${JSON.stringify(name)} (known: ${names.length ? names.join(', ') : 'none'})`);
}

// One client per service, created on first use (the region and endpoint come from the environment:
// AWS_REGION on Lambda; AWS_ENDPOINT_URL for a local endpoint such as moto in the tests).
let sqsClient: SQSClient | undefined;
let snsClient: SNSClient | undefined;
let kinesisClient: KinesisClient | undefined;
let eventsClient: EventBridgeClient | undefined;
let s3Client: S3Client | undefined;
let dynamoClient: DynamoDBClient | undefined;
/** Client settings per service (see `configureClients`). */
type ClientSettings = Partial<Record<'sqs' | 'sns' | 'kinesis' | 'events' | 's3' | 'dynamodb', Record<string, unknown>>>;
let settings: ClientSettings = {};

/**
 * Settings for the SDK clients, merged into each client's configuration; clients already made are
 * made again. Not needed on Lambda; for a local endpoint, e.g. `{ kinesis: { requestHandler } }` with
 * an HTTP/1.1 handler (the Kinesis client speaks HTTP/2, which moto does not).
 */
export function configureClients(next: ClientSettings): void {
  settings = next;
  sqsClient = snsClient = kinesisClient = eventsClient = s3Client = dynamoClient = undefined;
}
const sqs = (): SQSClient => (sqsClient ??= new SQSClient({ ...settings.sqs }));
const sns = (): SNSClient => (snsClient ??= new SNSClient({ ...settings.sns }));
const kinesis = (): KinesisClient => (kinesisClient ??= new KinesisClient({ ...settings.kinesis }));
const events = (): EventBridgeClient => (eventsClient ??= new EventBridgeClient({ ...settings.events }));
const s3 = (): S3Client => (s3Client ??= new S3Client({ forcePathStyle: !!process.env.AWS_ENDPOINT_URL, ...settings.s3 }));
const dynamo = (): DynamoDBClient => (dynamoClient ??= new DynamoDBClient({ ...settings.dynamodb }));

const text = (body: Body): string => (typeof body === 'string' ? body : JSON.stringify(body));

function sqsAttributes(attributes: Attributes | undefined): Record<string, MessageAttributeValue> | undefined {
  if (!attributes) return undefined;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(attributes)) out[k] = { DataType: typeof v === 'number' ? 'Number' : 'String', StringValue: String(v) };
  return out;
}

// ------------------------------------------------------------------------------------------------
// Messaging

/** SQS SendMessage (a FIFO queue without content-based deduplication needs `deduplicationId`, in the lab as on SQS). */
export async function send(queue: string, body: Body, options: { delayS?: number; attributes?: Attributes; groupId?: string; deduplicationId?: string } = {}): Promise<{ messageId: string }> {
  const q = lookup('queues', queue, 'QueueDoesNotExist');
  const out = await sdk(() =>
    sqs().send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: text(body),
        DelaySeconds: options.delayS,
        MessageAttributes: sqsAttributes(options.attributes),
        MessageGroupId: options.groupId,
        MessageDeduplicationId: options.deduplicationId,
      }),
    ),
  );
  return { messageId: out.MessageId! };
}

/**
 * SNS Publish. Arrays are String.Array attributes. A FIFO topic needs `deduplicationId` unless it
 * has content-based deduplication, on SNS as in the lab.
 */
export async function publish(
  topic: string,
  body: Body,
  options: { attributes?: Record<string, string | number | Array<string | number | boolean | null>>; groupId?: string; deduplicationId?: string } = {},
): Promise<{ messageId: string; sequenceNumber?: string }> {
  const t = lookup('topics', topic, 'NotFound');
  let attrs: Record<string, SnsAttributeValue> | undefined;
  if (options.attributes) {
    attrs = {};
    for (const [k, v] of Object.entries(options.attributes)) {
      attrs[k] = Array.isArray(v) ? { DataType: 'String.Array', StringValue: JSON.stringify(v) } : { DataType: typeof v === 'number' ? 'Number' : 'String', StringValue: String(v) };
    }
  }
  const out = await sdk(() =>
    sns().send(
      new PublishCommand({
        TopicArn: t.arn,
        Message: text(body),
        MessageAttributes: attrs,
        MessageGroupId: options.groupId,
        MessageDeduplicationId: options.deduplicationId,
      }),
    ),
  );
  return out.SequenceNumber === undefined ? { messageId: out.MessageId! } : { messageId: out.MessageId!, sequenceNumber: out.SequenceNumber };
}

/**
 * Kinesis PutRecord. `partition` is the shard's index; `offset` is the record's sequence number (a
 * decimal string: Kinesis numbers are far larger than a JavaScript number holds).
 */
export async function produce(stream: string, value: Body, options: { key?: string } = {}): Promise<{ partition: number; offset: string; shardId: string }> {
  const s = lookup('streams', stream, 'ResourceNotFoundException');
  const out = await sdk(() =>
    kinesis().send(new PutRecordCommand({ StreamName: s.name, Data: Buffer.from(text(value), 'utf8'), PartitionKey: options.key ?? `${KEYLESS_PREFIX}${randomUUID()}` })),
  );
  return { partition: shardIndex(out.ShardId!), offset: out.SequenceNumber!, shardId: out.ShardId! };
}

/** EventBridge PutEvents; a failed entry rejects with its error code. */
export async function putEvents(bus: string, entries: Array<{ source: string; detailType: string; detail: unknown }>): Promise<{ eventIds: string[] }> {
  const b = lookup('buses', bus, 'ResourceNotFoundException');
  if (!Array.isArray(entries)) throw labError('ValidationException', 'entries: must be an array');
  const out = await sdk(() =>
    events().send(
      new PutEventsCommand({
        Entries: entries.map((e) => ({ EventBusName: b.name, Source: e.source, DetailType: e.detailType, Detail: typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail ?? {}) })),
      }),
    ),
  );
  const failed = (out.Entries ?? []).find((e) => e.ErrorCode);
  if (failed) throw labError(failed.ErrorCode!, `PutEvents: ${failed.ErrorMessage ?? failed.ErrorCode}`);
  return { eventIds: (out.Entries ?? []).map((e) => e.EventId!) };
}

// ------------------------------------------------------------------------------------------------
// Objects

/** S3 PutObject; the ETag is returned without its quotes, as the lab gives it. */
export async function putObject(bucket: string, key: string, body: string): Promise<{ etag: string }> {
  const b = lookup('buckets', bucket, 'NoSuchBucket');
  const out = await sdk(() => s3().send(new PutObjectCommand({ Bucket: b.name, Key: key, Body: body })));
  return { etag: (out.ETag ?? '').replace(/"/g, '') };
}

/** S3 GetObject: the body as text, or undefined when there is no such key. */
export async function getObject(bucket: string, key: string): Promise<string | undefined> {
  const b = lookup('buckets', bucket, 'NoSuchBucket');
  try {
    const out = await s3().send(new GetObjectCommand({ Bucket: b.name, Key: key }));
    return await out.Body!.transformToString('utf8');
  } catch (err) {
    if (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound')) return undefined;
    if (err instanceof Error) (err as Error & { code?: string }).code ??= err.name.replace(/Exception$/, '');
    throw err;
  }
}

// ------------------------------------------------------------------------------------------------
// Tables (DynamoDB, the key attribute is a string: numbers given as keys are stored as their text)

export function toAttribute(value: unknown): AttributeValue | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { NULL: true }; // JSON turns NaN and Infinity into null too
    return { N: String(value) };
  }
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'bigint') return { N: value.toString() };
  if (Array.isArray(value)) return { L: value.map((v) => toAttribute(v) ?? { NULL: true }) };
  if (value instanceof Date) return { S: value.toISOString() };
  return { M: toAttributes(value as Record<string, unknown>) };
}

export function toAttributes(item: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(item)) {
    const a = toAttribute(v);
    if (a !== undefined) out[k] = a;
  }
  return out;
}

export function fromAttribute(a: AttributeValue): unknown {
  if (a.S !== undefined) return a.S;
  if (a.N !== undefined) return Number(a.N);
  if (a.BOOL !== undefined) return a.BOOL;
  if (a.NULL !== undefined) return null;
  if (a.L !== undefined) return a.L.map(fromAttribute);
  if (a.M !== undefined) return fromAttributes(a.M);
  if (a.SS !== undefined) return [...a.SS];
  if (a.NS !== undefined) return a.NS.map(Number);
  if (a.B !== undefined) return Buffer.from(a.B).toString('base64');
  return undefined;
}

export function fromAttributes(item: Record<string, AttributeValue>): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) out[k] = fromAttribute(v);
  return out;
}

function tableOf(table: string): { name: string; key: string } {
  return lookup('tables', table, 'ResourceNotFoundException');
}

function keyValue(t: { key: string }, key: unknown): AttributeValue {
  if (typeof key !== 'string' && typeof key !== 'number') throw labError('ValidationException', `the key ${t.key} must be a string or a number, got ${JSON.stringify(key)}`);
  return { S: String(key) };
}

/** Builds the expression attribute names and values of one request. */
class Expression {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};
  private n = 0;
  name(attr: string): string {
    const id = `#n${this.n++}`;
    this.names[id] = attr;
    return id;
  }
  value(v: unknown): string {
    const id = `:v${this.n++}`;
    this.values[id] = toAttribute(v) ?? { NULL: true };
    return id;
  }
  /** The lab's condition object as a DynamoDB ConditionExpression (every test must hold). */
  condition(c: Condition | undefined): string | undefined {
    if (!c) return undefined;
    const parts: string[] = [];
    for (const [attr, test] of Object.entries(c)) {
      const a = this.name(attr);
      if (test.exists === true) parts.push(`attribute_exists(${a})`);
      if (test.exists === false) parts.push(`attribute_not_exists(${a})`);
      if (test.equals !== undefined) parts.push(`${a} = ${this.value(test.equals)}`);
      if (test.notEquals !== undefined) parts.push(`${a} <> ${this.value(test.notEquals)}`);
      if (test.lessThan !== undefined) parts.push(`${a} < ${this.value(test.lessThan)}`);
      if (test.lessThanOrEqual !== undefined) parts.push(`${a} <= ${this.value(test.lessThanOrEqual)}`);
      if (test.greaterThan !== undefined) parts.push(`${a} > ${this.value(test.greaterThan)}`);
      if (test.greaterThanOrEqual !== undefined) parts.push(`${a} >= ${this.value(test.greaterThanOrEqual)}`);
    }
    return parts.length ? parts.join(' AND ') : undefined;
  }
  /** The names and values, or undefined when the request uses none (DynamoDB refuses empty maps). */
  params(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** DynamoDB PutItem: replaces the item with the same key; `ifNotExists` / `condition` make it conditional. */
export async function tablePut(table: string, item: Item, options: { ifNotExists?: boolean; condition?: Condition } = {}): Promise<void> {
  const t = tableOf(table);
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw labError('ValidationException', 'item: must be an object');
  const attrs = toAttributes(item);
  attrs[t.key] = keyValue(t, item[t.key]);
  const condition: Condition = { ...(options.condition ?? {}) };
  if (options.ifNotExists) condition[t.key] = { ...(condition[t.key] ?? {}), exists: false };
  const e = new Expression();
  const expr = e.condition(Object.keys(condition).length ? condition : undefined);
  await sdk(() => dynamo().send(new PutItemCommand({ TableName: t.name, Item: attrs, ConditionExpression: expr, ...e.params() })));
}

/** DynamoDB GetItem (strongly consistent, as the lab's reads are). */
export async function tableGet(table: string, key: string | number): Promise<Item | undefined> {
  const t = tableOf(table);
  const out = await sdk(() => dynamo().send(new GetItemCommand({ TableName: t.name, Key: { [t.key]: keyValue(t, key) }, ConsistentRead: true })));
  return out.Item ? fromAttributes(out.Item) : undefined;
}

/** DynamoDB UpdateItem (ReturnValues ALL_NEW): `set` values, `add` to numbers (atomically), `remove` attributes. */
export async function tableUpdate(table: string, key: string | number, changes: ItemChanges, options: { condition?: Condition } = {}): Promise<Item> {
  const t = tableOf(table);
  if (changes === null || typeof changes !== 'object') throw labError('ValidationException', 'changes: must be an object');
  const e = new Expression();
  const set = Object.entries(changes.set ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${e.name(k)} = ${e.value(v)}`);
  const add = Object.entries(changes.add ?? {}).map(([k, v]) => `${e.name(k)} ${e.value(v)}`);
  const remove = (changes.remove ?? []).map((k) => e.name(k));
  const clauses = [set.length ? `SET ${set.join(', ')}` : '', add.length ? `ADD ${add.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean);
  const condition = e.condition(options.condition);
  const out = await sdk(() =>
    dynamo().send(
      new UpdateItemCommand({
        TableName: t.name,
        Key: { [t.key]: keyValue(t, key) },
        UpdateExpression: clauses.length ? clauses.join(' ') : undefined,
        ConditionExpression: condition,
        ReturnValues: 'ALL_NEW',
        ...e.params(),
      }),
    ),
  );
  return out.Attributes ? fromAttributes(out.Attributes) : { [t.key]: String(key) };
}

/** DynamoDB DeleteItem (ReturnValues ALL_OLD): the deleted item, or undefined when there was none. */
export async function tableDelete(table: string, key: string | number, options: { condition?: Condition } = {}): Promise<Item | undefined> {
  const t = tableOf(table);
  const e = new Expression();
  const condition = e.condition(options.condition);
  const out = await sdk(() => dynamo().send(new DeleteItemCommand({ TableName: t.name, Key: { [t.key]: keyValue(t, key) }, ConditionExpression: condition, ReturnValues: 'ALL_OLD', ...e.params() })));
  return out.Attributes ? fromAttributes(out.Attributes) : undefined;
}

// ------------------------------------------------------------------------------------------------
// Time and logs

/** In the lab, declared CPU time; on Lambda the time a function takes is real, so this does nothing. */
export function work(ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new RangeError(`work(ms): ms must be a finite number ≥ 0, got ${String(ms)}`);
}

export function log(...args: unknown[]): void {
  console.log(...args);
}

// ------------------------------------------------------------------------------------------------
// The Lambda entry: the lab's context and, for Kinesis, the lab's stream records

export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  memoryLimitInMB: string | number;
  logStreamName?: string;
  getRemainingTimeInMillis(): number;
}

/** A record as a Kinesis event source mapping delivers it. */
interface KinesisRecord {
  eventID: string;
  eventSourceARN: string;
  kinesis: { partitionKey: string; sequenceNumber: string; data: string; approximateArrivalTimestamp: number };
}

function shardIndex(shardId: string): number {
  const m = /(\d+)$/.exec(shardId);
  return m ? Number(m[1]) : 0;
}

/** The lab's decoded stream record (`event.Records[i]` in the lab) from a Kinesis one. */
export function labStreamRecord(r: KinesisRecord): Record<string, unknown> {
  const shardId = r.eventID.split(':')[0];
  const out: Record<string, unknown> = {
    eventSource: 'aws:kinesis',
    eventSourceArn: r.eventSourceARN,
    topic: r.eventSourceARN.split('/').pop() ?? '',
    partition: shardIndex(shardId),
    offset: r.kinesis.sequenceNumber,
    value: Buffer.from(r.kinesis.data, 'base64').toString('utf8'),
    headers: {},
    timestamp: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
  };
  if (!r.kinesis.partitionKey.startsWith(KEYLESS_PREFIX)) out.key = r.kinesis.partitionKey;
  return out;
}

/**
 * The event the lab hands a stream consumer (Amazon MSK's shape: `records` grouped by
 * `topic-partition` with base64 key and value, plus `Records`, the same records decoded), built from
 * a Kinesis event: the shard is the partition, the sequence number the offset.
 */
export function labStreamEvent(event: { Records: KinesisRecord[] }): Record<string, unknown> {
  const records: Record<string, unknown[]> = {};
  const decoded = event.Records.map(labStreamRecord);
  for (const r of decoded) {
    (records[`${String(r.topic)}-${String(r.partition)}`] ??= []).push({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType: 'CREATE_TIME',
      ...(r.key !== undefined ? { key: Buffer.from(String(r.key), 'utf8').toString('base64') } : {}),
      value: Buffer.from(String(r.value), 'utf8').toString('base64'),
      headers: [],
    });
  }
  return { eventSource: 'aws:kinesis', eventSourceArn: event.Records[0]?.eventSourceARN ?? '', records, Records: decoded };
}

let coldStart = true;
const environmentId = process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? `env-${randomUUID()}`;

/** Wrap a learner's handler for Lambda. `source` is what triggers it in the template. */
export function lambdaHandler<E, R>(fn: (event: E, context: unknown) => R | Promise<R>, source: 'kinesis' | 'other' = 'other'): (event: unknown, context: LambdaContext) => Promise<R> {
  if (typeof fn !== 'function') throw new TypeError('serverless-lab: the handler export is not a function');
  return async (event, context) => {
    // Lambda's own context (every field the lab's Context has too), with the lab's two additions.
    const labContext = Object.assign(context, { coldStart, environmentId });
    coldStart = false;
    let labEvent = event;
    if (source === 'kinesis' && event && Array.isArray((event as { Records?: unknown }).Records)) {
      labEvent = labStreamEvent(event as { Records: KinesisRecord[] });
    }
    return fn(labEvent as E, labContext);
  };
}
