/**
 * The events a function receives, in the shapes AWS sends them.
 *
 * Every event the lab delivers to a handler is built here, and nowhere else: the SQS batch of a
 * queue event source, the SNS notification, the S3 `ObjectCreated` notification, the HTTP API
 * (payload format 2.0) request, the Kafka (Amazon MSK) batch of a stream event source, the
 * EventBridge event (built by the bus itself: its envelope *is* the event), the scheduled event of
 * a `rate(…)`/`cron(…)` rule, the record a Lambda destination receives, the Kinesis batch of a
 * Kinesis event source and its on-failure record — and, for the systems that are not AWS's, the
 * RabbitMQ delivery a client's consumer callback gets and the body of a Pub/Sub push.
 *
 * The shapes are the ones documented for Lambda's event sources and mirrored by the community
 * typings `@types/aws-lambda` (`SQSEvent`, `SNSEvent`, `S3Event`, `APIGatewayProxyEventV2`,
 * `MSKEvent`, `EventBridgeEvent`, `ScheduledEvent`); the handler typings the lab ships
 * (`types/serverless-lab.d.ts`) declare the same interfaces, and a unit test walks each delivered
 * event against the `@types/aws-lambda` declaration field by field.
 *
 * Everything here is a pure function of its arguments: ids and times come from the engine (a
 * counter, the virtual clock), so a seed still gives the same trace byte for byte. Virtual time 0
 * is {@link SIMULATION_EPOCH_MS} in every timestamp a handler sees.
 */
import { createHash } from 'node:crypto';

/** The region every ARN of the lab names. */
export const REGION = 'us-east-1';
/** The account every ARN of the lab names (AWS's documentation example account). */
export const ACCOUNT = '123456789012';
/** Virtual time 0 is this instant (2026-01-01T00:00:00Z) in every timestamp handlers see. */
export const SIMULATION_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Epoch milliseconds of a virtual instant. */
export function epochMs(now: number): number {
  return SIMULATION_EPOCH_MS + now;
}

/** ISO-8601 time of a virtual instant, with milliseconds (`2026-01-01T00:00:01.500Z`). */
export function isoTime(now: number): string {
  return new Date(epochMs(now)).toISOString();
}

/** ISO-8601 time of a virtual instant to the second, as EventBridge writes `time` (`2026-01-01T00:00:01Z`). */
export function isoSeconds(now: number): string {
  return isoTime(now).replace(/\.\d{3}Z$/, 'Z');
}

/** The ARNs of the lab's resources. */
export const arn = {
  queue: (name: string): string => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
  topic: (name: string): string => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`,
  function: (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
  bucket: (name: string): string => `arn:aws:s3:::${name}`,
  bus: (name: string): string => `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`,
  rule: (bus: string, rule: string): string => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${bus === 'default' ? '' : `${bus}/`}${rule}`,
  kinesisStream: (name: string): string => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`,
  /** The Kafka cluster the lab's streams live in (an MSK event names the cluster, not the topic). */
  kafkaCluster: `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/serverless-lab/00000000-0000-4000-8000-000000000000-1`,
};

function md5(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

// ------------------------------------------------------------------------------------------------
// SQS

/** A message as a queue event source hands it over (what `ReceiveMessage` returned). */
export interface SqsMessageInput {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Readonly<Record<string, string | number>>;
  receiveCount: number;
  /** Virtual ms. */
  sentAt: number;
  /** Virtual ms. */
  firstReceivedAt: number;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
}

/** One record of an SQS event (`SQSRecord`). */
export interface SqsEventRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
    SequenceNumber?: string;
    MessageGroupId?: string;
    MessageDeduplicationId?: string;
  };
  messageAttributes: Record<string, { stringValue: string; stringListValues: string[]; binaryListValues: string[]; dataType: 'String' | 'Number' }>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/** The principal that sends every message of the lab (an IAM role session). */
const SENDER_ID = 'AROAEXAMPLELABSENDER:serverless-lab';

/**
 * MD5 of the message attributes as SQS computes it: the attributes sorted by name, each encoded as
 * length-prefixed name, length-prefixed data type, a transport byte (1 = string) and the
 * length-prefixed value (lengths as 4-byte big-endian integers).
 */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, string | number>>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const field = (s: string): void => {
    const bytes = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    parts.push(len, bytes);
  };
  for (const name of names) {
    const v = attributes[name];
    field(name);
    field(typeof v === 'number' ? 'Number' : 'String');
    parts.push(Buffer.from([1]));
    field(String(v));
  }
  return md5(Buffer.concat(parts));
}

/** The record of one received message in an SQS event. */
export function sqsRecord(m: SqsMessageInput, queueName: string): SqsEventRecord {
  const attributes: SqsEventRecord['attributes'] = {
    ApproximateReceiveCount: String(m.receiveCount),
    SentTimestamp: String(epochMs(m.sentAt)),
    SenderId: SENDER_ID,
    ApproximateFirstReceiveTimestamp: String(epochMs(m.firstReceivedAt)),
  };
  if (m.sequenceNumber !== undefined) attributes.SequenceNumber = m.sequenceNumber;
  if (m.groupId !== undefined) attributes.MessageGroupId = m.groupId;
  if (m.deduplicationId !== undefined) attributes.MessageDeduplicationId = m.deduplicationId;
  const messageAttributes: SqsEventRecord['messageAttributes'] = {};
  for (const name in m.attributes) {
    const v = m.attributes[name];
    messageAttributes[name] = { stringValue: String(v), stringListValues: [], binaryListValues: [], dataType: typeof v === 'number' ? 'Number' : 'String' };
  }
  const record: SqsEventRecord = {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle,
    body: m.body,
    attributes,
    messageAttributes,
    md5OfBody: md5(m.body),
    eventSource: 'aws:sqs',
    eventSourceARN: arn.queue(queueName),
    awsRegion: REGION,
  };
  const attrsMd5 = md5OfMessageAttributes(m.attributes);
  if (attrsMd5 !== undefined) record.md5OfMessageAttributes = attrsMd5;
  return record;
}

/** An SQS event: one batch of a queue event source (`SQSEvent`). */
export function sqsEvent(batch: readonly SqsMessageInput[], queueName: string): { Records: SqsEventRecord[] } {
  return { Records: batch.map((m) => sqsRecord(m, queueName)) };
}

// ------------------------------------------------------------------------------------------------
// SNS

/** An SNS message attribute value: String (a string), Number (a number) or String.Array (an array). */
export type SnsAttributeValue = string | number | ReadonlyArray<string | number | boolean | null>;
export type SnsAttributes = Readonly<Record<string, SnsAttributeValue>>;

/** The attributes of an SNS message as its JSON carries them (`{ Type, Value }`; a String.Array's value is its JSON text). */
export function snsMessageAttributes(attrs: SnsAttributes): Record<string, { Type: 'String' | 'Number' | 'String.Array'; Value: string }> {
  const out: Record<string, { Type: 'String' | 'Number' | 'String.Array'; Value: string }> = {};
  for (const k in attrs) {
    const v = attrs[k];
    if (Array.isArray(v)) out[k] = { Type: 'String.Array', Value: JSON.stringify(v) };
    else out[k] = { Type: typeof v === 'number' ? 'Number' : 'String', Value: String(v) };
  }
  return out;
}

/** What SNS knows of one published message when it builds a notification. */
export interface SnsMessageInput {
  topicName: string;
  messageId: string;
  message: string;
  attributes: SnsAttributes;
  subject?: string;
  groupId?: string;
  /** FIFO topics: the message's sequence number. */
  sequenceNumber?: string;
  /** Virtual ms of the publish. */
  now: number;
}

const SNS_SIGNATURE = 'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=';
const SIGNING_CERT_URL = `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem`;

function unsubscribeUrl(topicName: string): string {
  return `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${arn.topic(topicName)}:00000000-0000-4000-8000-000000000000`;
}

/**
 * The JSON body SNS sends to an SQS (or HTTP) subscription without raw delivery: the notification
 * document, whose URL fields are spelled `SigningCertURL` / `UnsubscribeURL`.
 */
export function snsNotification(m: SnsMessageInput): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Type: 'Notification',
    MessageId: m.messageId,
  };
  if (m.sequenceNumber !== undefined) out.SequenceNumber = m.sequenceNumber;
  out.TopicArn = arn.topic(m.topicName);
  if (m.subject !== undefined) out.Subject = m.subject;
  out.Message = m.message;
  out.Timestamp = isoTime(m.now);
  out.SignatureVersion = '1';
  out.Signature = SNS_SIGNATURE;
  out.SigningCertURL = SIGNING_CERT_URL;
  out.UnsubscribeURL = unsubscribeUrl(m.topicName);
  out.MessageAttributes = snsMessageAttributes(m.attributes);
  if (m.groupId !== undefined) out.MessageGroupId = m.groupId;
  return out;
}

/** The `Sns` object of an SNS event record (`SNSMessage`): URL fields spelled `SigningCertUrl` / `UnsubscribeUrl`. */
export interface SnsEventMessage {
  SignatureVersion: string;
  Timestamp: string;
  Signature: string;
  SigningCertUrl: string;
  MessageId: string;
  Message: string;
  MessageAttributes: Record<string, { Type: string; Value: string }>;
  Type: string;
  UnsubscribeUrl: string;
  TopicArn: string;
  Subject?: string;
}

/** The event Lambda gets from an SNS subscription (`SNSEvent`): always one record. */
export function snsEvent(m: SnsMessageInput, subscriptionId: string): { Records: Array<{ EventVersion: string; EventSubscriptionArn: string; EventSource: string; Sns: SnsEventMessage }> } {
  const sns: SnsEventMessage = {
    Type: 'Notification',
    MessageId: m.messageId,
    TopicArn: arn.topic(m.topicName),
    ...(m.subject !== undefined ? { Subject: m.subject } : {}),
    Message: m.message,
    Timestamp: isoTime(m.now),
    SignatureVersion: '1',
    Signature: SNS_SIGNATURE,
    SigningCertUrl: SIGNING_CERT_URL,
    UnsubscribeUrl: unsubscribeUrl(m.topicName),
    MessageAttributes: snsMessageAttributes(m.attributes),
  };
  return { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: `${arn.topic(m.topicName)}:${subscriptionId}`, Sns: sns }] };
}

// ------------------------------------------------------------------------------------------------
// EventBridge scheduled rules

/**
 * The event a scheduled rule sends its targets (`ScheduledEvent`): detail-type "Scheduled Event",
 * source "aws.events", the rule's ARN as the one resource, an empty detail.
 */
export function scheduledEvent(e: { id: string; ruleArn: string; now: number }): Record<string, unknown> {
  return {
    version: '0',
    id: e.id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: isoSeconds(e.now),
    region: REGION,
    resources: [e.ruleArn],
    detail: {},
  };
}

// ------------------------------------------------------------------------------------------------
// S3

/** What a bucket knows of a stored object when it notifies. */
export interface S3ObjectInput {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  /** Virtual ms of the put. */
  time: number;
  /** A per-bucket counter: S3's `sequencer` orders the events of one key. */
  sequence: number;
}

/** The event of an S3 `ObjectCreated:Put` notification (`S3Event`): always one record. */
export function s3Event(o: S3ObjectInput, configurationId: string): { Records: Array<Record<string, unknown>> } {
  const requestId = md5(`${o.bucket}/${o.key}/${o.sequence}`).slice(0, 16).toUpperCase();
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: REGION,
        eventTime: isoTime(o.time),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AROAEXAMPLELABSENDER:serverless-lab' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': requestId, 'x-amz-id-2': `${requestId}/lab` },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId,
          bucket: { name: o.bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: arn.bucket(o.bucket) },
          // S3 URL-encodes the key in notifications (a space as '+').
          object: { key: encodeURIComponent(o.key).replace(/%20/g, '+').replace(/%2F/g, '/'), size: o.size, eTag: o.etag, sequencer: o.sequence.toString(16).toUpperCase().padStart(16, '0') },
        },
      },
    ],
  };
}

// ------------------------------------------------------------------------------------------------
// HTTP API (API Gateway, payload format 2.0)

/** What the gateway knows of a request routed to a function. */
export interface HttpRequestInput {
  gateway: string;
  method: string;
  /** The path without its query string. */
  path: string;
  /** The query string as sent, without `?` ('' when none). */
  rawQuery: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Decoded query string; a repeated parameter's values joined with commas. */
  query: Record<string, string>;
  pathParameters: Record<string, string>;
  body?: string;
  requestId: string;
  /** The route's key, `GET /orders/{id}` (method `ANY` for any method). */
  routeKey: string;
  /** Virtual ms of the request. */
  now: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `02/Jan/2026:00:00:01 +0000`, the format of `requestContext.time`. */
function clfTime(now: number): string {
  const d = new Date(epochMs(now));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** A gateway's API id: ten lower-case letters and digits, stable for a name. */
export function apiId(gateway: string): string {
  return BigInt(`0x${md5(gateway).slice(0, 16)}`).toString(36).padStart(10, '0').slice(0, 10);
}

/**
 * An HTTP API request event, payload format 2.0 (`APIGatewayProxyEventV2`). As API Gateway does,
 * `queryStringParameters`, `pathParameters`, `cookies` and `body` are left out when there are none,
 * and the `cookie` header becomes the `cookies` array.
 */
export function httpApiEvent(req: HttpRequestInput): Record<string, unknown> {
  const id = apiId(req.gateway);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const name in req.headers) {
    if (name === 'cookie') {
      cookies = req.headers[name]
        .split(';')
        .map((c) => c.trim())
        .filter((c) => c !== '');
    } else headers[name] = req.headers[name];
  }
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: req.routeKey,
    rawPath: req.path,
    rawQueryString: req.rawQuery,
  };
  if (cookies && cookies.length) event.cookies = cookies;
  event.headers = headers;
  if (Object.keys(req.query).length) event.queryStringParameters = { ...req.query };
  event.requestContext = {
    accountId: ACCOUNT,
    apiId: id,
    domainName: `${id}.execute-api.${REGION}.amazonaws.com`,
    domainPrefix: id,
    http: { method: req.method, path: req.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: req.headers['user-agent'] ?? '' },
    requestId: req.requestId,
    routeKey: req.routeKey,
    stage: '$default',
    time: clfTime(req.now),
    timeEpoch: epochMs(req.now),
  };
  if (req.body !== undefined) event.body = req.body;
  if (Object.keys(req.pathParameters).length) event.pathParameters = { ...req.pathParameters };
  event.isBase64Encoded = false;
  return event;
}

// ------------------------------------------------------------------------------------------------
// Kafka (Amazon MSK event source)

/** A stored stream record as a stream event source reads it. */
export interface KafkaRecordInput {
  partition: number;
  offset: number;
  key?: string;
  /** `null`: a tombstone. */
  value: string | null;
  headers: Readonly<Record<string, string>>;
  /** Virtual ms at which the record was appended. */
  timestamp: number;
}

/** One record of an MSK event (`MSKRecord`): key and value base64-encoded, header values as byte arrays. */
export interface MskEventRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: string;
  /** Absent for a tombstone (a record whose value is null), as Lambda sends it. */
  value?: string;
  headers: Array<Record<string, number[]>>;
}

/** The lab's decoded view of a stream record (`event.Records`), next to the MSK `records`. */
export interface LabStreamRecord {
  eventSource: 'aws:kafka';
  eventSourceArn: string;
  topic: string;
  partition: number;
  offset: number;
  key?: string;
  /** The value as text (MSK's `records` carry it base64-encoded); `null` for a tombstone. */
  value: string | null;
  headers: Record<string, string>;
  /** Virtual ms at which the record was appended. */
  timestamp: number;
}

/** The bootstrap brokers of the lab's Kafka cluster (as an MSK event names them). */
export const BOOTSTRAP_SERVERS = `b-1.serverless-lab.kafka.${REGION}.amazonaws.com:9098,b-2.serverless-lab.kafka.${REGION}.amazonaws.com:9098`;

/**
 * The event of one stream batch: Amazon MSK's shape (`MSKEvent`: `records` grouped by
 * `topic-partition`, key and value base64), plus `Records`, the same records decoded (the lab's
 * own addition, kept so the lessons read records without decoding them; handlers can also decode
 * `value` themselves with `Buffer.from(value, 'base64')` or `atob`).
 */
export function kafkaEvent(topic: string, records: readonly KafkaRecordInput[]): {
  eventSource: 'aws:kafka';
  eventSourceArn: string;
  bootstrapServers: string;
  records: Record<string, MskEventRecord[]>;
  Records: LabStreamRecord[];
} {
  const grouped: Record<string, MskEventRecord[]> = {};
  const decoded: LabStreamRecord[] = [];
  for (const r of records) {
    const msk: MskEventRecord = {
      topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: epochMs(r.timestamp),
      timestampType: 'CREATE_TIME',
      ...(r.key !== undefined ? { key: Buffer.from(r.key, 'utf8').toString('base64') } : {}),
      ...(r.value !== null ? { value: Buffer.from(r.value, 'utf8').toString('base64') } : {}),
      headers: Object.keys(r.headers).map((h) => ({ [h]: [...Buffer.from(r.headers[h], 'utf8')] })),
    };
    (grouped[`${topic}-${r.partition}`] ??= []).push(msk);
    const lab: LabStreamRecord = { eventSource: 'aws:kafka', eventSourceArn: arn.kafkaCluster, topic, partition: r.partition, offset: r.offset, value: r.value, headers: { ...r.headers }, timestamp: r.timestamp };
    if (r.key !== undefined) lab.key = r.key;
    decoded.push(lab);
  }
  return { eventSource: 'aws:kafka', eventSourceArn: arn.kafkaCluster, bootstrapServers: BOOTSTRAP_SERVERS, records: grouped, Records: decoded };
}

// ------------------------------------------------------------------------------------------------
// Kinesis Data Streams

export interface KinesisRecordInput {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: string;
  /** Virtual ms at which the record was put. */
  approximateArrivalTimestamp: number;
}

/**
 * The event of one Kinesis batch, as Lambda's Kinesis event source sends it (`KinesisStreamEvent`):
 * one entry per record, `data` base64, arrival time in epoch seconds, `eventID` =
 * `shardId:sequenceNumber`. Each `kinesis` object also carries `text`, the data decoded: the lab's
 * own convenience (AWS does not send it), beside `data`, which a handler can decode with
 * `Buffer.from(data, 'base64')` or `atob` as on Lambda.
 */
export function kinesisEvent(stream: string, records: readonly KinesisRecordInput[]): { Records: Array<Record<string, unknown>> } {
  return {
    Records: records.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: Buffer.from(r.data, 'utf8').toString('base64'),
        approximateArrivalTimestamp: epochMs(r.approximateArrivalTimestamp) / 1000,
        text: r.data,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${r.shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/serverless-lab-function`,
      awsRegion: REGION,
      eventSourceARN: arn.kinesisStream(stream),
    })),
  };
}

/**
 * What a Kinesis event source's on-failure destination receives for a batch it gave up: the batch's
 * shard and sequence-number range (`KinesisBatchInfo`), not its data — read the records from the
 * stream while they are retained.
 */
export function kinesisFailureRecord(d: { functionName: string; stream: string; records: readonly KinesisRecordInput[]; condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded'; invokeCount: number; now: number }): Record<string, unknown> {
  const first = d.records[0];
  const last = d.records[d.records.length - 1];
  return {
    requestContext: { requestId: `${first.shardId}:${first.sequenceNumber}`, functionArn: arn.function(d.functionName), condition: d.condition, approximateInvokeCount: d.invokeCount },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: isoTime(d.now),
    KinesisBatchInfo: {
      shardId: first.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: isoTime(first.approximateArrivalTimestamp),
      approximateArrivalOfLastRecord: isoTime(last.approximateArrivalTimestamp),
      batchSize: d.records.length,
      streamArn: arn.kinesisStream(d.stream),
    },
  };
}

// ------------------------------------------------------------------------------------------------
// RabbitMQ (AMQP 0-9-1) and Google Pub/Sub: not AWS, so the shapes their own clients hand a consumer

export interface AmqpDeliveryInput {
  consumerTag: string;
  deliveryTag: number;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
  messageId: string;
  body: string;
  headers: Record<string, unknown>;
}

/**
 * One RabbitMQ delivery as a consumer callback gets it from a client such as amqplib
 * (`ConsumeMessage`): `fields` (consumer tag, delivery tag, redelivered, exchange, routing key),
 * `properties` (headers — with `x-death` after dead-lettering and `x-delivery-count` on a quorum
 * queue's redelivery — and the message id) and `content`, here as text.
 */
export function amqpMessage(d: AmqpDeliveryInput): { fields: Record<string, unknown>; properties: Record<string, unknown>; content: string } {
  return {
    fields: { consumerTag: d.consumerTag, deliveryTag: d.deliveryTag, redelivered: d.redelivered, exchange: d.exchange, routingKey: d.routingKey },
    properties: { headers: d.headers, messageId: d.messageId },
    content: d.body,
  };
}

/** The project every Pub/Sub resource name of the lab is in. */
export const GCP_PROJECT = 'serverless-lab';

export interface PubSubMessageInput {
  messageId: string;
  data: string;
  attributes: Record<string, string>;
  orderingKey?: string;
  /** Virtual ms of the publish. */
  publishTime: number;
}

/**
 * The body of a Pub/Sub push request (the wrapped format): `message` with `data` base64,
 * `attributes`, `messageId`/`message_id`, `publishTime`/`publish_time` and `orderingKey` when it has
 * one; `subscription` as a full resource name; `deliveryAttempt` when the subscription has a
 * dead-letter policy. `message.text` (the data decoded) is the lab's own: Pub/Sub does not send it.
 * The lab's pull subscribers hand a function the same shape.
 */
export function pubsubPushBody(subscription: string, m: PubSubMessageInput, deliveryAttempt?: number): Record<string, unknown> {
  const time = isoTime(m.publishTime);
  const message: Record<string, unknown> = {
    attributes: { ...m.attributes },
    data: Buffer.from(m.data, 'utf8').toString('base64'),
    messageId: m.messageId,
    message_id: m.messageId,
    publishTime: time,
    publish_time: time,
  };
  if (m.orderingKey !== undefined) message.orderingKey = m.orderingKey;
  message.text = m.data;
  const body: Record<string, unknown> = { message, subscription: `projects/${GCP_PROJECT}/subscriptions/${subscription}` };
  if (deliveryAttempt !== undefined) body.deliveryAttempt = deliveryAttempt;
  return body;
}

// ------------------------------------------------------------------------------------------------
// Lambda destinations (asynchronous invocation records)

/** `Name: message` → `{ errorType, errorMessage }`, as a function error reaches a destination. */
export function splitError(error: string): { errorType: string; errorMessage: string } {
  const m = /^([A-Za-z_$][\w.$]*): ([\s\S]*)$/.exec(error);
  return m ? { errorType: m[1], errorMessage: m[2] } : { errorType: 'Error', errorMessage: error };
}

/** What a destination record is built from (see `AsyncOutcome` in functions.ts). */
export interface DestinationInput {
  functionName: string;
  requestId: string;
  condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';
  invokeCount: number;
  /** The event the function was invoked with. */
  requestPayload: unknown;
  result?: unknown;
  /** The last function error (`Name: message`); absent when the function never ran the event. */
  error?: string;
  /** Virtual ms at which the record is sent. */
  now: number;
}

/**
 * The invocation record Lambda sends to an on-success or on-failure destination of an
 * asynchronous invocation: version, timestamp, `requestContext` (request id, the function ARN with
 * its version, the condition, how many times it ran), the request payload, and — when the function
 * ran — `responseContext` and the response payload (the function's result, or its error as
 * `{ errorType, errorMessage, trace }`).
 */
export function destinationRecord(d: DestinationInput): Record<string, unknown> {
  const record: Record<string, unknown> = {
    version: '1.0',
    timestamp: isoTime(d.now),
    requestContext: { requestId: d.requestId, functionArn: `${arn.function(d.functionName)}:$LATEST`, condition: d.condition, approximateInvokeCount: d.invokeCount },
    requestPayload: d.requestPayload,
  };
  if (d.condition === 'Success') {
    record.responseContext = { statusCode: 200, executedVersion: '$LATEST' };
    record.responsePayload = d.result === undefined ? null : d.result;
  } else if (d.error !== undefined && d.invokeCount > 0) {
    record.responseContext = { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' };
    record.responsePayload = { ...splitError(d.error), trace: [] };
  }
  return record;
}
