/**
 * The handler API of Serverless Lab.
 *
 * A handler is a module that exports a function (by default named `handler`). It runs in a
 * sandbox, once per invocation, inside an *execution environment* that lives across invocations:
 * code at the module's top level runs once per environment (the init phase of a cold start), and
 * module-level variables keep their values between the invocations one environment serves.
 *
 * ```ts
 * import { send, tableUpdate, work, type Handler } from 'serverless-lab';
 *
 * let seen = 0; // module-level state: per environment
 *
 * export const handler: Handler<{ orderId: string }> = async (event, context) => {
 *   seen++;
 *   work(20); // this invocation spends 20 ms (virtual time) working
 *   await send('invoices', { orderId: event.orderId });
 *   await tableUpdate('stats', 'orders', { add: { count: 1 } }); // atomic, whoever else counts
 *   return { ok: true, seen, env: context.environmentId };
 * };
 * ```
 *
 * **Time passes inside an invocation, as on Lambda.** Every service call (`send`, `publish`,
 * `produce`, `putEvents`, `putObject`, `getObject`, `tablePut`, `tableGet`, `tableUpdate`,
 * `tableDelete`) returns a promise that settles after the service's modelled latency, in virtual
 * time (defaults: table 4–8 ms, queue 10–25 ms, topic 15–30 ms, stream 10–20 ms, bus 20–40 ms,
 * bucket 25–50 ms; a scenario or function can set `latency`). Its effect — the message accepted,
 * the item written — happens when the call completes, and other invocations see it from then on.
 * While one invocation awaits, others run, in other execution environments: two invocations that
 * read an item and write it back can both read the same value (use {@link tableUpdate}'s `add`, or
 * a condition). A crash or a timeout can land between any two calls: what completed stays done,
 * what was in flight never happens.
 *
 * **Await every call.** A call still in flight when the handler returns is frozen with the
 * environment: it goes on only when the environment serves its next invocation, or never, if the
 * environment is recycled first. The editor marks such a call.
 *
 * Arguments and results cross the sandbox boundary as JSON: functions, symbols and `undefined`
 * inside them are dropped, and objects arrive as copies. A handler has Lambda's `Buffer`, `atob`,
 * `btoa`, `TextEncoder`, `TextDecoder`, `structuredClone`, `URL` and `URLSearchParams`, `fs` for `/tmp`,
 * `buffer` and `crypto` (hashes, HMACs, seeded random ids), `process`, Node's timers (`setTimeout`,
 * `setInterval`, `setImmediate`, `timers/promises`) on the virtual clock, but no other Node
 * built-ins (`http`, `os`…) and no packages. Time passes with {@link work}, with the calls a
 * handler awaits and with the timers it waits for.
 *
 * The clock and randomness a handler sees are the simulation's, so a seed gives one run, byte for
 * byte, whatever your code reads:
 * - `Date.now()`, `new Date()` and `Date()` are the invocation's **virtual** time, on a calendar
 *   where the run starts at 2026-01-01T00:00:00Z (the same instant event timestamps use); they move
 *   on with {@link work} and with every awaited call. `performance.now()` is virtual milliseconds since the execution
 *   environment was created. `new Date(value)`, `Date.parse`, `Date.UTC` and formatting work as usual;
 *   `Intl.DateTimeFormat#format()` with no date formats the virtual now.
 * - `Math.random()`, `crypto.randomUUID()` and `crypto.getRandomValues(typedArray)` draw from a
 *   stream of the execution environment's own, seeded from the scenario seed: another seed, other
 *   numbers; the same seed, the same numbers.
 */
declare module 'serverless-lab' {
  /** A message or event body: a string as is, anything else is sent as JSON. */
  export type Body = string | object;

  /** Message attributes (SQS/SNS style): small key → value metadata next to the body. */
  export type Attributes = Record<string, string | number>;

  /** A table item: attribute name → value (JSON values). */
  export type Item = Record<string, unknown>;

  /**
   * A condition on an item, as DynamoDB's ConditionExpression: every test of every attribute must
   * hold, or the write fails with `ConditionalCheckFailedException` (code `ConditionalCheckFailed`)
   * and changes nothing. A missing item has every attribute missing: `exists: false` holds,
   * `notEquals` holds, every other comparison fails. Values of different types never compare equal.
   * @example { version: { equals: 3 } }            // optimistic locking
   * @example { id: { exists: false } }             // only when no item has this key
   * @example { stock: { greaterThanOrEqual: 1 } }  // never below zero
   */
  export type Condition = Record<
    string,
    { exists?: boolean; equals?: unknown; notEquals?: unknown; lessThan?: number; lessThanOrEqual?: number; greaterThan?: number; greaterThanOrEqual?: number }
  >;

  /** What {@link tableUpdate} changes: `set` values, `add` to numbers (atomically; a missing number starts at 0), `remove` attributes. */
  export interface Changes {
    set?: Record<string, unknown>;
    add?: Record<string, number>;
    remove?: string[];
  }

  /**
   * Send a message to a queue (like SQS `SendMessage`).
   * @param queue name of the queue
   * @param body the message body
   * @param options `delayS`: seconds before the message becomes visible (0–900);
   *   `attributes`; for FIFO queues `groupId` (ordering scope) and `deduplicationId`
   *   (a repeat within 5 minutes is accepted but not delivered again)
   *
   * To a **RabbitMQ** queue (scenario `rabbitmq.queues`): a publish through the default exchange
   * (routing key: the queue's name); `attributes` become message headers, `expirationMs` is the
   * message's TTL. RabbitMQ has no delay, groups or deduplication: those options are refused.
   * @returns the id the queue gave the message
   * @throws if the queue does not exist or an option is invalid
   */
  export function send(
    queue: string,
    body: Body,
    options?: { delayS?: number; attributes?: Attributes; groupId?: string; deduplicationId?: string; expirationMs?: number },
  ): Promise<{ messageId: string }>;

  /**
   * SNS message attributes: a string (String), a number (Number) or an array of strings, numbers,
   * `true`/`false`/`null` (String.Array: a filter policy matches when any element matches; for
   * `anything-but`, when no element is excluded). A queue subscribed with raw delivery gets a
   * String.Array as a String attribute holding its JSON text (SQS has no String.Array).
   */
  export type TopicAttributes = Record<string, string | number | Array<string | number | boolean | null>>;

  /**
   * Publish a message to a topic (like SNS `Publish`): every subscription whose filter matches
   * gets its own copy. A FIFO topic (name ending in `.fifo`) needs `groupId` — messages of one group
   * reach each FIFO queue subscribed in the order they were published — and `deduplicationId`
   * unless the topic has content-based deduplication: a publish repeating a deduplication id seen in
   * the last 5 minutes is accepted, answers with the first message's id, and is delivered to nobody.
   *
   * To a **RabbitMQ exchange** (scenario `rabbitmq.exchanges`): `routingKey` (default `""`) is
   * matched by the exchange's bindings (topic exchanges: `*` one word, `#` zero or more);
   * `attributes` are the message headers (what a headers exchange matches); `expirationMs` the TTL.
   * To a **Google Pub/Sub topic** (scenario `pubsub.topics`): `attributes` must be strings;
   * `orderingKey` keeps messages with the same key in publish order for ordered subscriptions.
   * Options of another system (`groupId` on an exchange, `routingKey` on Pub/Sub, …) are refused.
   * @returns the id of the published message (FIFO: and its `sequenceNumber`)
   */
  export function publish(
    topic: string,
    body: Body,
    options?: { attributes?: TopicAttributes; groupId?: string; deduplicationId?: string; routingKey?: string; orderingKey?: string; expirationMs?: number },
  ): Promise<{ messageId: string; sequenceNumber?: string }>;

  /**
   * Append a record to a stream (like a Kafka producer): records with the same `key` go to the
   * same partition and keep their order there. Records without a key stay on one partition for a
   * batch's worth (16 KiB) and then move on (Kafka's sticky partitioner). A `null` value is a
   * tombstone: on a compacted stream it deletes its key (compaction drops the key's records, and the
   * tombstone itself a day later).
   *
   * To a **Kinesis** stream (scenario `kinesisStreams`): `key` is the partition key and is
   * required (its MD5 hash picks the shard; `explicitHashKey` overrides it), and the answer is
   * `{ shardId, sequenceNumber }`. A shard takes 1,000 records or 1 MiB per second: beyond that the
   * call throws `ProvisionedThroughputExceededException`.
   * @returns the partition the record went to and its offset in that partition
   */
  export function produce(stream: string, value: Body | null, options?: { key?: string; explicitHashKey?: string }): Promise<{ partition: number; offset: number } & Partial<{ shardId: string; sequenceNumber: string }>>;

  /**
   * Put events on an event bus (like EventBridge `PutEvents`): rules whose patterns match an
   * event route it to their targets.
   * `detail` is the event's detail: an object, or a string holding a JSON object (what
   * `PutEvents`' `Detail` takes); anything else is refused naming the entry.
   * @returns one event id per entry, in order
   */
  export function putEvents(bus: string, entries: Array<{ source: string; detailType: string; detail: unknown }>): Promise<{ eventIds: string[] }>;

  /**
   * Store an object in a bucket (like S3 `PutObject`); overwrites an object with the same key.
   * @returns the new object's ETag
   */
  export function putObject(bucket: string, key: string, body: string): Promise<{ etag: string }>;

  /** Read an object from a bucket (like S3 `GetObject`). @returns its body, or `undefined` if there is none */
  export function getObject(bucket: string, key: string): Promise<string | undefined>;

  /**
   * Write an item to a table (like DynamoDB `PutItem`): replaces the item with the same key.
   * @param options `ifNotExists`: fail instead of replacing an existing item (a conditional write);
   *   `condition`: write only when the item now in the table meets it (see {@link Condition})
   * @throws when `ifNotExists` is set and the item exists: an error whose `name` is
   *   `"ConditionalCheckFailedException"` and `code` `"ConditionalCheckFailed"`. Every service error
   *   is shaped as the AWS SDK shapes it: `name` the SDK v3 exception name (`QueueDoesNotExist`,
   *   `NotFoundException`, `NoSuchBucket`, `ResourceNotFoundException`, `ReceiptHandleIsInvalid`, …)
   *   and `code` the service's error code.
   */
  export function tablePut(table: string, item: Item, options?: { ifNotExists?: boolean; condition?: Condition }): Promise<void>;

  /** Read an item by key (like DynamoDB `GetItem`, strongly consistent). @returns a copy of the item, or `undefined` */
  export function tableGet(table: string, key: string | number): Promise<Item | undefined>;

  /**
   * Change an item in one atomic step (like DynamoDB `UpdateItem`): the table applies `set`, `add`
   * and `remove` to the item as it is when the call arrives, so concurrent increments are never
   * lost (unlike reading with {@link tableGet} and writing back). Creates the item when there is
   * none, unless `condition` says otherwise.
   * @example await tableUpdate('counters', 'page-views', { add: { n: 1 } })
   * @example await tableUpdate('orders', id, { set: { status: 'paid' } }, { condition: { status: { equals: 'new' } } })
   * @returns the item after the update
   * @throws `ConditionalCheckFailedException` when the condition does not hold (nothing changes);
   *   `ValidationException` for an update DynamoDB refuses (the key attribute, one attribute in two
   *   clauses, `add` to a non-number)
   */
  export function tableUpdate(table: string, key: string | number, changes: Changes, options?: { condition?: Condition }): Promise<Item>;

  /**
   * Delete an item (like DynamoDB `DeleteItem`), optionally only when it meets `condition`.
   * @returns the deleted item, or `undefined` when there was none
   */
  export function tableDelete(table: string, key: string | number, options?: { condition?: Condition }): Promise<Item | undefined>;

  /**
   * Declare that this invocation spends `ms` milliseconds of (virtual) time working (CPU time):
   * its clock moves on by `ms` at once, without giving way to anything else in this environment.
   * It adds to the invocation's duration (at the top level: to the init duration), which is billed
   * and counts toward the function's timeout. Real CPU time your code takes is not modelled.
   * Once the invocation passes its timeout, the function is frozen: any later `send`,
   * `publish`, `tablePut`, … throws `Sandbox.Timedout` and never happens.
   * @param ms a finite number ≥ 0
   */
  export function work(ms: number): void;

  /** Write a log line for this invocation (`console.log` and friends do the same). */
  export function log(...args: unknown[]): void;

  /** What a handler gets as its second argument (a subset of Lambda's context object). */
  /** Lambda's context object (assignable to @types/aws-lambda's `Context`), plus the lab's `coldStart` and `environmentId`. */
  export interface Context {
    /** Id of this invocation. */
    readonly awsRequestId: string;
    readonly functionName: string;
    /** `$LATEST` (the lab has no published versions). */
    readonly functionVersion: string;
    readonly invokedFunctionArn: string;
    /** The function's configured memory, as text (as Lambda gives it: `"128"`). */
    readonly memoryLimitInMB: string;
    readonly logGroupName: string;
    readonly logStreamName: string;
    /** Always true; it has no effect on an async handler. */
    callbackWaitsForEmptyEventLoop: boolean;
    /** Callback-style completion does not exist in the Node.js 24 runtime: calling these throws. */
    done(error?: Error, result?: any): void;
    fail(error: Error | string): void;
    succeed(messageOrObject: any): void;
    /** True when this invocation had to create (and initialise) its environment. */
    readonly coldStart: boolean;
    /** Id of the execution environment running this invocation. */
    readonly environmentId: string;
    /**
     * Virtual milliseconds left before the function times out: the timeout less the time the
     * invocation has taken so far (its work and awaited calls) and its fixed modelled overhead.
     */
    getRemainingTimeInMillis(): number;
  }

  /**
   * The type of a handler: called with the event and the context; may return a value or a
   * promise. The result is returned to a synchronous caller as JSON (the lab caps it at 1 MiB;
   * Lambda allows 6 MB for a synchronous response).
   */
  export type Handler<TEvent = unknown, TResult = unknown> = (event: TEvent, context: Context) => TResult | Promise<TResult>;
}

/**
 * The events the lab delivers, typed as AWS sends them. The names and fields are those of the
 * community typings `@types/aws-lambda` (an event of the lab can be passed where those types are
 * expected), so a handler written against them here reads the same fields on AWS.
 *
 * ```ts
 * import type { SQSEvent, SQSBatchResponse } from 'serverless-lab';
 *
 * export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
 *   const batchItemFailures = [];
 *   for (const record of event.Records) {
 *     try { await process(JSON.parse(record.body)); }
 *     catch { batchItemFailures.push({ itemIdentifier: record.messageId }); }
 *   }
 *   return { batchItemFailures };
 * };
 * ```
 */
declare module 'serverless-lab' {
  // ---------------------------------------------------------------- SQS (queue event source)

  /** A batch of messages from a queue event source. */
  export interface SQSEvent {
    Records: SQSRecord[];
  }
  export interface SQSRecord {
    messageId: string;
    /** This receive's handle (each receive of a message gets a new one). */
    receiptHandle: string;
    body: string;
    attributes: SQSRecordAttributes;
    messageAttributes: SQSMessageAttributes;
    md5OfBody: string;
    /** Only when the message has attributes. */
    md5OfMessageAttributes?: string;
    eventSource: 'aws:sqs';
    eventSourceARN: string;
    awsRegion: string;
  }
  export interface SQSRecordAttributes {
    /** How many times the message was received, this receive included (a number as text). */
    ApproximateReceiveCount: string;
    /** Epoch milliseconds (as text) when the message was sent. */
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
    /** FIFO queues only. */
    SequenceNumber?: string;
    /** FIFO queues only. */
    MessageGroupId?: string;
    /** FIFO queues only. */
    MessageDeduplicationId?: string;
  }
  export interface SQSMessageAttribute {
    stringValue?: string;
    binaryValue?: string;
    stringListValues?: string[];
    binaryListValues?: string[];
    dataType: 'String' | 'Number' | 'Binary' | string;
  }
  export interface SQSMessageAttributes {
    [name: string]: SQSMessageAttribute;
  }
  /**
   * What a function with partial batch responses (`reportBatchItemFailures`) returns: the
   * `messageId` of every record to retry. Every record not listed is deleted; on a FIFO queue list
   * the first failed record *and every later one* of the batch.
   */
  export interface SQSBatchResponse {
    batchItemFailures: SQSBatchItemFailure[];
  }
  export interface SQSBatchItemFailure {
    itemIdentifier: string;
  }

  // ---------------------------------------------------------------- SNS (topic subscription)

  /** The event of a function subscribed to a topic: always one record. */
  export interface SNSEvent {
    Records: SNSEventRecord[];
  }
  export interface SNSEventRecord {
    EventVersion: string;
    EventSubscriptionArn: string;
    EventSource: 'aws:sns' | string;
    Sns: SNSMessage;
  }
  export interface SNSMessage {
    SignatureVersion: string;
    Timestamp: string;
    Signature: string;
    SigningCertUrl: string;
    MessageId: string;
    /** The published message, as published (a string). */
    Message: string;
    MessageAttributes: SNSMessageAttributes;
    Type: string;
    UnsubscribeUrl: string;
    TopicArn: string;
    Subject?: string;
  }
  export interface SNSMessageAttribute {
    /** `String`, `Number` or `String.Array`. */
    Type: string;
    Value: string;
  }
  export interface SNSMessageAttributes {
    [name: string]: SNSMessageAttribute;
  }

  // ---------------------------------------------------------------- S3 (bucket notification)

  /** The event of an S3 bucket notification (`ObjectCreated:Put`): always one record. */
  export interface S3Event {
    Records: S3EventRecord[];
  }
  export interface S3EventRecord {
    eventVersion: string;
    eventSource: string;
    awsRegion: string;
    eventTime: string;
    eventName: string;
    userIdentity: { principalId: string };
    requestParameters: { sourceIPAddress: string };
    responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
    s3: {
      s3SchemaVersion: string;
      configurationId: string;
      bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
      /** `key` is URL-encoded, as S3 sends it (a space arrives as `+`). */
      object: { key: string; size: number; eTag: string; versionId?: string; sequencer: string };
    };
  }

  // ---------------------------------------------------------------- HTTP API (payload format 2.0)

  /**
   * An HTTP API request (API Gateway payload format 2.0). `queryStringParameters`,
   * `pathParameters`, `cookies` and `body` are absent when the request has none, as on AWS.
   */
  export interface APIGatewayProxyEventV2 {
    version: string;
    routeKey: string;
    rawPath: string;
    rawQueryString: string;
    cookies?: string[];
    /** Header names in lower case; repeated headers joined with commas. */
    headers: { [name: string]: string | undefined };
    /** Repeated parameters joined with commas. */
    queryStringParameters?: { [name: string]: string | undefined };
    requestContext: APIGatewayEventRequestContextV2;
    body?: string;
    pathParameters?: { [name: string]: string | undefined };
    isBase64Encoded: boolean;
    stageVariables?: { [name: string]: string | undefined };
  }
  export interface APIGatewayEventRequestContextV2 {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  }
  /** What an HTTP API handler returns: a structured response, or any value (sent as a 200 JSON body). */
  export type APIGatewayProxyResultV2<T = never> = APIGatewayProxyStructuredResultV2 | string | T;
  export interface APIGatewayProxyStructuredResultV2 {
    statusCode?: number;
    headers?: { [name: string]: boolean | number | string };
    body?: string;
    isBase64Encoded?: boolean;
    cookies?: string[];
  }

  // ---------------------------------------------------------------- EventBridge (bus rule target)

  /** An event routed by an event-bus rule. */
  export interface EventBridgeEvent<TDetailType extends string = string, TDetail = unknown> {
    id: string;
    version: string;
    account: string;
    time: string;
    region: string;
    resources: string[];
    source: string;
    'detail-type': TDetailType;
    detail: TDetail;
    /** Set on events sent again by an archive's replay. */
    'replay-name'?: string;
  }
  /** The event of a scheduled rule (`rate(…)` / `cron(…)`): source `aws.events`, detail `{}`. */
  export interface ScheduledEvent<TDetail = Record<string, never>> extends EventBridgeEvent<'Scheduled Event', TDetail> {}

  // ---------------------------------------------------------------- Kafka (stream event source)

  /**
   * A batch of a stream event source, as Amazon MSK sends it: `records` grouped by
   * `"<topic>-<partition>"`, with key and value base64-encoded (decode them as on AWS:
   * `Buffer.from(record.value, 'base64').toString()`). The lab adds `Records`: the same records
   * decoded, which AWS does not send.
   */
  export interface MSKEvent {
    eventSource: 'aws:kafka';
    eventSourceArn: string;
    bootstrapServers: string;
    records: { [topicPartition: string]: MSKRecord[] };
    /** Lab only: the batch's records with key and value as text, in order. */
    Records: StreamRecord[];
  }
  export interface MSKRecord {
    topic: string;
    partition: number;
    offset: number;
    /** Epoch milliseconds. */
    timestamp: number;
    timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
    /** Base64; absent for a record produced without a key. */
    key?: string;
    /** Base64; absent for a tombstone (a record whose value is null). */
    value?: string;
    headers: Array<{ [name: string]: number[] }>;
  }
  /** Lab only: a stream record with its key and value as text. */
  export interface StreamRecord {
    eventSource: 'aws:kafka';
    eventSourceArn: string;
    topic: string;
    partition: number;
    offset: number;
    key?: string;
    /** `null` for a tombstone. */
    value: string | null;
    headers: Record<string, string>;
    /** Virtual milliseconds at which the record was appended. */
    timestamp: number;
  }

  /** A Kinesis batch from Lambda's Kinesis event source (`KinesisStreamEvent`). */
  export interface KinesisStreamEvent {
    Records: KinesisStreamRecord[];
  }
  export interface KinesisStreamRecord {
    kinesis: {
      kinesisSchemaVersion: string;
      partitionKey: string;
      sequenceNumber: string;
      /** Base64. */
      data: string;
      /** Epoch seconds (with fractions). */
      approximateArrivalTimestamp: number;
      /** Lab only (AWS does not send it): `data` decoded as UTF-8 text. On AWS: `Buffer.from(data, 'base64').toString()`. */
      text: string;
    };
    eventSource: 'aws:kinesis';
    eventVersion: string;
    /** `shardId:sequenceNumber`. */
    eventID: string;
    eventName: 'aws:kinesis:record';
    invokeIdentityArn: string;
    awsRegion: string;
    eventSourceARN: string;
  }

  /** One RabbitMQ delivery, as a client such as amqplib hands it to a consumer (content as text). */
  export interface AmqpMessage {
    fields: { consumerTag: string; deliveryTag: number; redelivered: boolean; exchange: string; routingKey: string };
    properties: {
      /** Message headers; after dead-lettering `x-death`, on a quorum queue's redelivery `x-delivery-count`. */
      headers: Record<string, unknown>;
      messageId: string;
    };
    content: string;
  }

  /** The body of a Google Pub/Sub push request (the lab's pull subscribers hand over the same shape). */
  export interface PubSubPushBody {
    message: {
      attributes: Record<string, string>;
      /** Base64. */
      data: string;
      messageId: string;
      message_id: string;
      publishTime: string;
      publish_time: string;
      orderingKey?: string;
      /** Lab only: `data` decoded as text. */
      text: string;
    };
    /** `projects/serverless-lab/subscriptions/<name>`. */
    subscription: string;
    /** Only when the subscription has a dead-letter policy: this delivery's attempt (1, 2, …). */
    deliveryAttempt?: number;
  }
}
/** The handler's clock: virtual milliseconds since its execution environment was created. */
interface Performance {
  /** The environment's creation, virtual epoch milliseconds. */
  readonly timeOrigin: number;
  /** Virtual milliseconds since the environment was created (moves with `work(ms)`). */
  now(): number;
}
declare var performance: Performance;

/** Seeded randomness: a stream of the execution environment's own, from the scenario seed. */
interface Crypto {
  /** A version-4 UUID from the environment's seeded stream. */
  randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
  /** Fills an integer typed array (at most 65,536 bytes) with seeded random values and returns it. */
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
}
declare var crypto: Crypto;

/**
 * The handler's console: each method writes one log line of this invocation, as `log()` does —
 * shown with its invocation id and virtual time on the lesson page, in the test run's output and
 * in the diagram's event list.
 */
interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  trace(...data: unknown[]): void;
}
declare var console: Console;

/**
 * Node's `Buffer`, as in Lambda's Node.js runtime: a `Uint8Array` with encodings. Decode what AWS
 * sends base64 — a Kinesis record's `kinesis.data`, a Kafka record's `key` and `value` — with
 * `Buffer.from(data, 'base64').toString()` (UTF-8). Also `import { Buffer } from 'node:buffer'`.
 * A Buffer counts toward the function's memory: one longer than it, or past it in total, stops the
 * environment with `Runtime.OutOfMemory`.
 */
type BufferEncoding = 'utf8' | 'utf-8' | 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'ascii' | 'utf16le' | 'ucs2' | 'ucs-2';
interface Buffer extends Uint8Array<ArrayBuffer> {
  /** The bytes as text: UTF-8 unless `encoding` says otherwise (invalid UTF-8 becomes U+FFFD). */
  toString(encoding?: BufferEncoding, start?: number, end?: number): string;
  toJSON(): { type: 'Buffer'; data: number[] };
  equals(other: Uint8Array): boolean;
  compare(target: Uint8Array, targetStart?: number, targetEnd?: number, sourceStart?: number, sourceEnd?: number): -1 | 0 | 1;
  copy(target: Uint8Array, targetStart?: number, sourceStart?: number, sourceEnd?: number): number;
  /** Writes `string` at `offset` (default 0); returns the bytes written. */
  write(string: string, encoding?: BufferEncoding): number;
  write(string: string, offset: number, encoding?: BufferEncoding): number;
  write(string: string, offset: number, length: number, encoding?: BufferEncoding): number;
  fill(value: string | number | Uint8Array | boolean, offset?: number, end?: number, encoding?: BufferEncoding): this;
  indexOf(value: string | number | Uint8Array, byteOffset?: number, encoding?: BufferEncoding): number;
  lastIndexOf(value: string | number | Uint8Array, byteOffset?: number, encoding?: BufferEncoding): number;
  includes(value: string | number | Uint8Array, byteOffset?: number, encoding?: BufferEncoding): boolean;
  /** Shares memory with this buffer (as `subarray` does). */
  slice(start?: number, end?: number): Buffer;
  subarray(start?: number, end?: number): Buffer;
  swap16(): this;
  swap32(): this;
  readUInt8(offset?: number): number; readUint8(offset?: number): number; readInt8(offset?: number): number;
  readUInt16LE(offset?: number): number; readUInt16BE(offset?: number): number; readUint16LE(offset?: number): number; readUint16BE(offset?: number): number;
  readInt16LE(offset?: number): number; readInt16BE(offset?: number): number;
  readUInt32LE(offset?: number): number; readUInt32BE(offset?: number): number; readUint32LE(offset?: number): number; readUint32BE(offset?: number): number;
  readInt32LE(offset?: number): number; readInt32BE(offset?: number): number;
  readFloatLE(offset?: number): number; readFloatBE(offset?: number): number; readDoubleLE(offset?: number): number; readDoubleBE(offset?: number): number;
  readBigUInt64LE(offset?: number): bigint; readBigUInt64BE(offset?: number): bigint; readBigUint64LE(offset?: number): bigint; readBigUint64BE(offset?: number): bigint;
  readBigInt64LE(offset?: number): bigint; readBigInt64BE(offset?: number): bigint;
  writeUInt8(value: number, offset?: number): number; writeUint8(value: number, offset?: number): number; writeInt8(value: number, offset?: number): number;
  writeUInt16LE(value: number, offset?: number): number; writeUInt16BE(value: number, offset?: number): number; writeUint16LE(value: number, offset?: number): number; writeUint16BE(value: number, offset?: number): number;
  writeInt16LE(value: number, offset?: number): number; writeInt16BE(value: number, offset?: number): number;
  writeUInt32LE(value: number, offset?: number): number; writeUInt32BE(value: number, offset?: number): number; writeUint32LE(value: number, offset?: number): number; writeUint32BE(value: number, offset?: number): number;
  writeInt32LE(value: number, offset?: number): number; writeInt32BE(value: number, offset?: number): number;
  writeFloatLE(value: number, offset?: number): number; writeFloatBE(value: number, offset?: number): number; writeDoubleLE(value: number, offset?: number): number; writeDoubleBE(value: number, offset?: number): number;
  writeBigUInt64LE(value: bigint, offset?: number): number; writeBigUInt64BE(value: bigint, offset?: number): number; writeBigUint64LE(value: bigint, offset?: number): number; writeBigUint64BE(value: bigint, offset?: number): number;
  writeBigInt64LE(value: bigint, offset?: number): number; writeBigInt64BE(value: bigint, offset?: number): number;
}
interface BufferConstructor {
  /** Text in `encoding` (default UTF-8; base64 decoding skips characters outside the alphabet, as Node does). */
  from(string: string, encoding?: BufferEncoding): Buffer;
  /** A copy of the bytes (each number taken modulo 256). */
  from(data: Uint8Array | readonly number[] | ArrayLike<number> | { type: 'Buffer'; data: number[] }): Buffer;
  /** A view of the buffer's memory (no copy). */
  from(arrayBuffer: ArrayBuffer, byteOffset?: number, length?: number): Buffer;
  alloc(size: number, fill?: string | number | Uint8Array, encoding?: BufferEncoding): Buffer;
  /** Zero-filled in the lab (a run is the same, byte for byte, for a seed). */
  allocUnsafe(size: number): Buffer;
  allocUnsafeSlow(size: number): Buffer;
  /** Bytes of `string` in `encoding` (UTF-8 by default), or the length of a buffer. */
  byteLength(string: string | ArrayBufferView | ArrayBuffer, encoding?: BufferEncoding): number;
  concat(list: readonly Uint8Array[], totalLength?: number): Buffer;
  isBuffer(obj: unknown): obj is Buffer;
  isEncoding(encoding: string): encoding is BufferEncoding;
  compare(buf1: Uint8Array, buf2: Uint8Array): -1 | 0 | 1;
  copyBytesFrom(view: ArrayBufferView, offset?: number, length?: number): Buffer;
  of(...items: number[]): Buffer;
  readonly prototype: Buffer;
}
declare var Buffer: BufferConstructor;

/** Base64 text to a string of bytes (each character one byte, 0–255); throws `InvalidCharacterError` for text that is not base64. */
declare function atob(data: string): string;
/** A string of bytes (every character 0–255) to base64; throws `InvalidCharacterError` otherwise. */
declare function btoa(data: string): string;

/** Strings to UTF-8 bytes (a lone surrogate becomes U+FFFD). */
interface TextEncoder {
  readonly encoding: 'utf-8';
  encode(input?: string): Uint8Array<ArrayBuffer>;
  /** Writes whole characters only; `read` counts UTF-16 code units, `written` bytes. */
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };

/** Bytes to a string: `utf-8` (default), `utf-16le` or `latin1`/`windows-1252`. Invalid bytes become U+FFFD, or a TypeError with `fatal`. */
interface TextDecoder {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  /** `stream: true` keeps an incomplete character for the next call. */
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}
declare var TextDecoder: { prototype: TextDecoder; new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoder };

/** What `atob`/`btoa` (`InvalidCharacterError`, code 5) and `structuredClone` (`DataCloneError`, code 25) throw. */
interface DOMException extends Error {
  readonly code: number;
}
declare var DOMException: { prototype: DOMException; new (message?: string, name?: string): DOMException };

/**
 * A deep copy, as Node's: plain objects, arrays, Date, RegExp, Map, Set, errors, ArrayBuffers and
 * their views (a Buffer comes back a Uint8Array), with cycles kept; class instances come back
 * plain objects. Functions, symbols and promises throw a `DataCloneError`. `transfer` moves
 * ArrayBuffers into the copy (the originals are detached).
 */
declare function structuredClone<T = any>(value: T, options?: { transfer?: ArrayBuffer[] }): T;

/**
 * Node's timers, on the invocation's **virtual** clock: `await new Promise((r) => setTimeout(r, 200))`
 * takes 200 ms of the invocation (billed; `context.getRemainingTimeInMillis()` goes down by 200; past
 * the function's timeout the invocation times out there). When the handler's promise settles the
 * execution environment freezes with its pending timers: they do not fire while it is frozen, and
 * one whose time passed fires when the next invocation thaws the environment (during that
 * invocation); a recycled environment's timers never fire. As in Node, a delay below 1 ms, not a
 * number or over 2^31 − 1 is 1 ms, and `ref`/`unref` change nothing for an async handler. A callback
 * that throws fails the invocation and ends the environment (Node's uncaught exception). Lab
 * bounds: 10,000 timers pending per environment, 20,000 armed per invocation (each interval tick
 * counts).
 */
declare namespace NodeJS {
  interface Timeout {
    ref(): this;
    unref(): this;
    hasRef(): boolean;
    /** Start the timer again from now, with its delay (also one that already fired). */
    refresh(): this;
    /** `clearTimeout(this)`. */
    close(): this;
    /** An id `clearTimeout` also accepts. */
    [Symbol.toPrimitive](): number;
  }
  interface Immediate {
    ref(): this;
    unref(): this;
    hasRef(): boolean;
  }
}
declare function setTimeout<TArgs extends any[]>(callback: (...args: TArgs) => void, ms?: number, ...args: TArgs): NodeJS.Timeout;
declare function setTimeout(callback: (args: void) => void, ms?: number): NodeJS.Timeout;
declare function clearTimeout(timeout: NodeJS.Timeout | string | number | undefined | null): void;
declare function setInterval<TArgs extends any[]>(callback: (...args: TArgs) => void, ms?: number, ...args: TArgs): NodeJS.Timeout;
declare function setInterval(callback: (args: void) => void, ms?: number): NodeJS.Timeout;
declare function clearInterval(timeout: NodeJS.Timeout | string | number | undefined | null): void;
declare function setImmediate<TArgs extends any[]>(callback: (...args: TArgs) => void, ...args: TArgs): NodeJS.Immediate;
declare function setImmediate(callback: (args: void) => void): NodeJS.Immediate;
declare function clearImmediate(immediate: NodeJS.Immediate | undefined | null): void;

/** A parsed URL (WHATWG URL Standard), as in Node: `new URL(event.rawPath, 'https://example.com')`. Throws `TypeError` (`ERR_INVALID_URL`) for an invalid URL. */
interface URL {
  hash: string;
  host: string;
  hostname: string;
  href: string;
  readonly origin: string;
  password: string;
  pathname: string;
  port: string;
  protocol: string;
  search: string;
  /** The query, live: changing it changes the URL's `search` and `href`. */
  readonly searchParams: URLSearchParams;
  username: string;
  toString(): string;
  toJSON(): string;
}
declare var URL: {
  prototype: URL;
  new (url: string | URL, base?: string | URL): URL;
  canParse(url: string | URL, base?: string | URL): boolean;
  /** The URL, or null where `new URL` would throw. */
  parse(url: string | URL, base?: string | URL): URL | null;
};
/** A query string or form body (`application/x-www-form-urlencoded`): `new URLSearchParams(event.body).get('email')`. */
interface URLSearchParams {
  readonly size: number;
  append(name: string, value: string): void;
  delete(name: string, value?: string): void;
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string, value?: string): boolean;
  set(name: string, value: string): void;
  sort(): void;
  forEach(callback: (value: string, key: string, parent: URLSearchParams) => void, thisArg?: unknown): void;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  entries(): IterableIterator<[string, string]>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
  /** Form-encoded: spaces as `+`. */
  toString(): string;
}
declare var URLSearchParams: {
  prototype: URLSearchParams;
  new (init?: string | Record<string, string> | Iterable<readonly [string, string]> | URLSearchParams): URLSearchParams;
};

/**
 * Node's `crypto`, the part handlers use: hashes and HMACs (md5, sha1, sha256, sha512) and
 * randomness — seeded from the scenario, like the global `crypto`: the same seed, the same ids.
 */
declare module 'node:crypto' {
  type BinaryToTextEncoding = 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary';
  type Data = string | ArrayBufferView;
  interface Hash {
    update(data: Data, inputEncoding?: BufferEncoding): Hash;
    digest(): Buffer;
    digest(encoding: BinaryToTextEncoding): string;
    copy(): Hash;
  }
  interface Hmac {
    update(data: Data, inputEncoding?: BufferEncoding): Hmac;
    digest(): Buffer;
    digest(encoding: BinaryToTextEncoding): string;
  }
  /** `algorithm`: md5, sha1, sha256 or sha512. */
  export function createHash(algorithm: string): Hash;
  export function createHmac(algorithm: string, key: Data): Hmac;
  export function getHashes(): string[];
  export function randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
  export function randomBytes(size: number): Buffer;
  export function randomInt(max: number): number;
  export function randomInt(min: number, max: number): number;
  export function randomFillSync<T extends ArrayBufferView>(buffer: T, offset?: number, size?: number): T;
  export function getRandomValues<T extends ArrayBufferView | null>(array: T): T;
  export function timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean;
  export const webcrypto: Crypto;
}
declare module 'crypto' {
  export * from 'node:crypto';
}

/** The timer globals as a module (`import { setTimeout } from 'node:timers'`), and their promise forms. */
declare module 'node:timers' {
  export const setTimeout: typeof globalThis.setTimeout;
  export const clearTimeout: typeof globalThis.clearTimeout;
  export const setInterval: typeof globalThis.setInterval;
  export const clearInterval: typeof globalThis.clearInterval;
  export const setImmediate: typeof globalThis.setImmediate;
  export const clearImmediate: typeof globalThis.clearImmediate;
  export const promises: typeof import('node:timers/promises');
}
declare module 'timers' {
  export * from 'node:timers';
}
/**
 * Timers as promises, on the virtual clock: `await setTimeout(200)` waits 200 ms of the invocation
 * (a retry's backoff); `await setTimeout(500, 'late')` resolves with `'late'` (a timeout to race a
 * call against); `for await (const _ of setInterval(1000))` ticks every second.
 */
declare module 'node:timers/promises' {
  interface TimerOptions {
    /** Changes nothing for an async handler (its invocation ends when its promise settles). */
    ref?: boolean;
    /** An abort signal: when it aborts, the promise rejects with an `AbortError`. */
    signal?: { readonly aborted: boolean };
  }
  export function setTimeout<T = void>(delay?: number, value?: T, options?: TimerOptions): Promise<T>;
  export function setImmediate<T = void>(value?: T, options?: TimerOptions): Promise<T>;
  export function setInterval<T = void>(delay?: number, value?: T, options?: TimerOptions): AsyncIterableIterator<T>;
  export const scheduler: {
    wait(delay: number, options?: TimerOptions): Promise<void>;
    yield(): Promise<void>;
  };
}
declare module 'timers/promises' {
  export * from 'node:timers/promises';
}

declare module 'node:buffer' {
  export const Buffer: BufferConstructor;
  export type Buffer = globalThis.Buffer;
  export const atob: typeof globalThis.atob;
  export const btoa: typeof globalThis.btoa;
  export const constants: { readonly MAX_LENGTH: number; readonly MAX_STRING_LENGTH: number };
  export const kMaxLength: number;
  export const kStringMaxLength: number;
}
declare module 'buffer' {
  export * from 'node:buffer';
}

/**
 * Node's `process`, as a handler on Lambda's Node.js 24 runtime sees it (also `import process from
 * 'node:process'`). `process.env` holds the function's environment variables (`environment` in the
 * scenario: read your table and queue names from there) and the ones Lambda's runtime sets, with the
 * lab's values: `AWS_REGION`, `AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`,
 * `AWS_LAMBDA_FUNCTION_VERSION` (`$LATEST`), `AWS_LAMBDA_LOG_GROUP_NAME`, `AWS_LAMBDA_LOG_STREAM_NAME`,
 * `AWS_EXECUTION_ENV`, `LAMBDA_TASK_ROOT`, `TZ`, `_HANDLER`… What a handler sets there lasts as long
 * as its execution environment. Time (`hrtime`, `uptime`) is the environment's virtual clock.
 * `process.exit()` ends the execution environment (`Runtime.ExitError`): the next invocation is a
 * cold start — on Lambda too, so a handler should return or throw instead.
 */
declare namespace NodeJS {
  interface ProcessEnv {
    [name: string]: string | undefined;
    AWS_REGION?: string;
    AWS_DEFAULT_REGION?: string;
    AWS_LAMBDA_FUNCTION_NAME?: string;
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE?: string;
    AWS_LAMBDA_FUNCTION_VERSION?: string;
    AWS_LAMBDA_LOG_GROUP_NAME?: string;
    AWS_LAMBDA_LOG_STREAM_NAME?: string;
    AWS_EXECUTION_ENV?: string;
    LAMBDA_TASK_ROOT?: string;
    LAMBDA_RUNTIME_DIR?: string;
    TZ?: string;
    _HANDLER?: string;
  }
  interface MemoryUsage {
    rss: number;
    heapTotal: number;
    heapUsed: number;
    external: number;
    arrayBuffers: number;
  }
  interface HRTime {
    /** Virtual time as `[seconds, nanoseconds]`, or the time since `time`. */
    (time?: [number, number]): [number, number];
    bigint(): bigint;
  }
  interface WriteStream {
    /** One log line of the invocation (a trailing newline dropped). */
    write(chunk: string | Uint8Array, callback?: () => void): boolean;
    readonly isTTY: false;
  }
  type Listener = (...args: any[]) => void;
  interface Process {
    env: ProcessEnv;
    readonly version: string;
    readonly versions: { readonly node: string; readonly v8: string; readonly uv: string; readonly modules: string; readonly [name: string]: string };
    readonly release: { readonly name: 'node'; readonly lts?: string };
    readonly platform: 'linux';
    readonly arch: 'x64';
    readonly pid: number;
    readonly ppid: number;
    readonly argv: string[];
    readonly argv0: string;
    readonly execArgv: string[];
    readonly execPath: string;
    title: string;
    exitCode?: number | string;
    readonly stdout: WriteStream;
    readonly stderr: WriteStream;
    /** `/var/task`. */
    cwd(): string;
    /** Seconds since the execution environment started (virtual time). */
    uptime(): number;
    hrtime: HRTime;
    memoryUsage: { (): MemoryUsage; rss(): number };
    cpuUsage(previous?: { user: number; system: number }): { user: number; system: number };
    constrainedMemory(): number;
    availableMemory(): number;
    /** Runs `callback` once the current code and the promise callbacks queued so far have run. */
    nextTick<A extends unknown[]>(callback: (...args: A) => void, ...args: A): void;
    emitWarning(warning: string | Error, type?: string): void;
    /** Ends the execution environment: the invocation fails with `Runtime.ExitError`. */
    exit(code?: number | string | null): never;
    abort(): never;
    kill(pid: number, signal?: string | number): true;
    on(event: string, listener: Listener): Process;
    addListener(event: string, listener: Listener): Process;
    once(event: string, listener: Listener): Process;
    prependListener(event: string, listener: Listener): Process;
    prependOnceListener(event: string, listener: Listener): Process;
    off(event: string, listener: Listener): Process;
    removeListener(event: string, listener: Listener): Process;
    removeAllListeners(event?: string): Process;
    emit(event: string, ...args: unknown[]): boolean;
    listeners(event: string): Listener[];
    listenerCount(event: string): number;
    eventNames(): string[];
    setMaxListeners(n: number): Process;
    getMaxListeners(): number;
  }
}
declare var process: NodeJS.Process;
declare module 'node:process' {
  const process: NodeJS.Process;
  export default process;
  export const env: NodeJS.ProcessEnv;
  export const version: string;
  export const versions: NodeJS.Process['versions'];
  export const platform: 'linux';
  export const arch: 'x64';
  export const pid: number;
  export const argv: string[];
  export const cwd: NodeJS.Process['cwd'];
  export const uptime: NodeJS.Process['uptime'];
  export const hrtime: NodeJS.HRTime;
  export const memoryUsage: NodeJS.Process['memoryUsage'];
  export const nextTick: NodeJS.Process['nextTick'];
  export const emitWarning: NodeJS.Process['emitWarning'];
  export const exit: NodeJS.Process['exit'];
  export const kill: NodeJS.Process['kill'];
  export const on: NodeJS.Process['on'];
  export const stdout: NodeJS.WriteStream;
  export const stderr: NodeJS.WriteStream;
}
declare module 'process' {
  export * from 'node:process';
  export { default } from 'node:process';
}

/**
 * `/tmp`, as on Lambda: the one writable folder of the execution environment (512 MB). Its files
 * survive the warm invocations of one environment and are gone when it is recycled; another
 * environment has its own. Elsewhere the file system is read-only (`EROFS`) and, in the lab, empty
 * (`ENOENT`). Text is UTF-8; without an encoding a read gives the bytes.
 */
declare module 'node:fs' {
  export function readFileSync(path: string, options: 'utf8' | 'utf-8' | { encoding: 'utf8' | 'utf-8' }): string;
  export function readFileSync(path: string): Uint8Array;
  export function writeFileSync(path: string, data: string | ArrayBufferView): void;
  export function appendFileSync(path: string, data: string | ArrayBufferView): void;
  export function existsSync(path: string): boolean;
  export function mkdirSync(path: string, options?: { recursive?: boolean }): string | undefined;
  export function readdirSync(path: string): string[];
  export function statSync(path: string): { size: number; mtimeMs: number; isFile(): boolean; isDirectory(): boolean };
  export function unlinkSync(path: string): void;
  export function rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
}
declare module 'fs' {
  export * from 'node:fs';
}
declare module 'node:fs/promises' {
  export function readFile(path: string, options: 'utf8' | 'utf-8' | { encoding: 'utf8' | 'utf-8' }): Promise<string>;
  export function readFile(path: string): Promise<Uint8Array>;
  export function writeFile(path: string, data: string | ArrayBufferView): Promise<void>;
  export function appendFile(path: string, data: string | ArrayBufferView): Promise<void>;
  export function mkdir(path: string, options?: { recursive?: boolean }): Promise<string | undefined>;
  export function readdir(path: string): Promise<string[]>;
  export function stat(path: string): Promise<{ size: number; mtimeMs: number; isFile(): boolean; isDirectory(): boolean }>;
  export function unlink(path: string): Promise<void>;
  export function rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  export function access(path: string): Promise<void>;
}
declare module 'fs/promises' {
  export * from 'node:fs/promises';
}
