/**
 * The playground's commands and views for the seed's other systems: a RabbitMQ broker (exchanges,
 * queues, bindings; publish; a consumer of the learner's own that the broker pushes to, whose
 * deliveries the learner acks, nacks or rejects by delivery tag), Google Pub/Sub (topics,
 * subscriptions; publish, pull, acknowledge, modify the ack deadline, seek) and Kinesis (streams
 * with shards; put records, get records with an iterator type, split and merge shards). Plain JSON,
 * part of the contract in `types.ts`.
 */

/** RabbitMQ header values. */
export type Headers = Record<string, string | number | boolean>;

export type SystemCommand =
  // ── RabbitMQ ──
  | { op: 'declareExchange'; name: string; type: 'direct' | 'fanout' | 'topic' | 'headers'; durable?: boolean; alternateExchange?: string }
  | {
      op: 'declareRabbitQueue';
      name: string;
      type?: 'classic' | 'quorum';
      durable?: boolean;
      /** Owned by the playground's connection: deleted with it (on a broker restart). */
      exclusive?: boolean;
      autoDelete?: boolean;
      messageTtlMs?: number;
      deadLetterExchange?: string;
      deadLetterRoutingKey?: string;
      maxLength?: number;
      deliveryLimit?: number;
    }
  | { op: 'bind'; exchange: string; queue: string; routingKey?: string; arguments?: Headers }
  | { op: 'unbind'; exchange: string; queue: string; routingKey?: string; arguments?: Headers }
  /** `exchange: ""` is the default exchange (the routing key names the queue). */
  | { op: 'amqpPublish'; exchange: string; routingKey?: string; body: string; headers?: Headers; expirationMs?: number; persistent?: boolean; mandatory?: boolean }
  /** Start a consumer of the learner's own: the broker pushes to it; its deliveries wait for `amqpAck`/`amqpNack`/`amqpReject`. */
  | { op: 'amqpConsume'; queue: string; prefetch?: number; autoAck?: boolean }
  | { op: 'amqpCancel'; consumer: string }
  /** `basic.get`: pull one message. */
  | { op: 'amqpGet'; queue: string; autoAck?: boolean }
  | { op: 'amqpAck'; deliveryTag: number; multiple?: boolean }
  | { op: 'amqpNack'; deliveryTag: number; multiple?: boolean; requeue?: boolean }
  | { op: 'amqpReject'; deliveryTag: number; requeue?: boolean }
  /** The broker restarts: transient queues, exchanges and messages go; the playground's consumers and deliveries too. */
  | { op: 'restartBroker' }
  // ── Google Pub/Sub ──
  | { op: 'createPubSubTopic'; name: string }
  | {
      op: 'createSubscription';
      topic: string;
      name: string;
      ackDeadlineS?: number;
      retentionS?: number;
      retainAckedMessages?: boolean;
      enableMessageOrdering?: boolean;
      enableExactlyOnceDelivery?: boolean;
      filter?: string;
      deadLetterTopic?: string;
      maxDeliveryAttempts?: number;
      minimumBackoffS?: number;
      maximumBackoffS?: number;
    }
  | { op: 'pubsubPublish'; topic: string; data: string; attributes?: Record<string, string>; orderingKey?: string }
  | { op: 'pull'; subscription: string; max?: number }
  | { op: 'acknowledge'; subscription: string; ackIds: string[] }
  /** Extend (or, with 0, give up: a nack) the deadline of outstanding messages. */
  | { op: 'modifyAckDeadline'; subscription: string; ackIds: string[]; seconds: number }
  /** Seek to a virtual time (`timeS`, seconds since the start) or to a snapshot. */
  | { op: 'seek'; subscription: string; timeS?: number; snapshot?: string }
  | { op: 'createSnapshot'; subscription: string; snapshot: string }
  // ── Kinesis ──
  | { op: 'createKinesisStream'; name: string; shards?: number; retentionHours?: number }
  | { op: 'putRecord'; stream: string; partitionKey: string; data: string; explicitHashKey?: string }
  /**
   * GetShardIterator + GetRecords: with `shardIterator` (from an earlier answer) it goes on from
   * there; otherwise it takes a new iterator of `iteratorType` (default TRIM_HORIZON) on `shardId`.
   */
  | {
      op: 'getRecords';
      stream: string;
      shardId?: string;
      iteratorType?: 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';
      sequenceNumber?: string;
      timestampS?: number;
      shardIterator?: string;
      limit?: number;
    }
  /** Split a shard at a hash key (default: the middle of its range). */
  | { op: 'splitShard'; stream: string; shardId: string; newStartingHashKey?: string }
  | { op: 'mergeShards'; stream: string; shardId: string; adjacentShardId: string };

export type SystemOp = SystemCommand['op'];

/** Field shapes for `validate.ts` (`name!`: required). */
export const SYSTEM_SHAPES: Record<SystemOp, Record<string, string | readonly string[]>> = {
  declareExchange: { 'name!': 'string', 'type!': ['direct', 'fanout', 'topic', 'headers'], durable: 'boolean', alternateExchange: 'string' },
  declareRabbitQueue: {
    'name!': 'string',
    type: ['classic', 'quorum'],
    durable: 'boolean',
    exclusive: 'boolean',
    autoDelete: 'boolean',
    messageTtlMs: 'integer',
    deadLetterExchange: 'string',
    deadLetterRoutingKey: 'string',
    maxLength: 'integer',
    deliveryLimit: 'integer',
  },
  bind: { 'exchange!': 'string', 'queue!': 'string', routingKey: 'string', arguments: 'headers' },
  unbind: { 'exchange!': 'string', 'queue!': 'string', routingKey: 'string', arguments: 'headers' },
  amqpPublish: { 'exchange!': 'string', routingKey: 'string', 'body!': 'string', headers: 'headers', expirationMs: 'integer', persistent: 'boolean', mandatory: 'boolean' },
  amqpConsume: { 'queue!': 'string', prefetch: 'integer', autoAck: 'boolean' },
  amqpCancel: { 'consumer!': 'string' },
  amqpGet: { 'queue!': 'string', autoAck: 'boolean' },
  amqpAck: { 'deliveryTag!': 'integer', multiple: 'boolean' },
  amqpNack: { 'deliveryTag!': 'integer', multiple: 'boolean', requeue: 'boolean' },
  amqpReject: { 'deliveryTag!': 'integer', requeue: 'boolean' },
  restartBroker: {},
  createPubSubTopic: { 'name!': 'string' },
  createSubscription: {
    'topic!': 'string',
    'name!': 'string',
    ackDeadlineS: 'integer',
    retentionS: 'number',
    retainAckedMessages: 'boolean',
    enableMessageOrdering: 'boolean',
    enableExactlyOnceDelivery: 'boolean',
    filter: 'string',
    deadLetterTopic: 'string',
    maxDeliveryAttempts: 'integer',
    minimumBackoffS: 'number',
    maximumBackoffS: 'number',
  },
  pubsubPublish: { 'topic!': 'string', 'data!': 'string', attributes: 'stringMap', orderingKey: 'string' },
  pull: { 'subscription!': 'string', max: 'integer' },
  acknowledge: { 'subscription!': 'string', 'ackIds!': 'strings' },
  modifyAckDeadline: { 'subscription!': 'string', 'ackIds!': 'strings', 'seconds!': 'integer' },
  seek: { 'subscription!': 'string', timeS: 'number', snapshot: 'string' },
  createSnapshot: { 'subscription!': 'string', 'snapshot!': 'string' },
  createKinesisStream: { 'name!': 'string', shards: 'integer', retentionHours: 'integer' },
  putRecord: { 'stream!': 'string', 'partitionKey!': 'string', 'data!': 'string', explicitHashKey: 'string' },
  getRecords: {
    'stream!': 'string',
    shardId: 'string',
    iteratorType: ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'AT_TIMESTAMP'],
    sequenceNumber: 'string',
    timestampS: 'number',
    shardIterator: 'string',
    limit: 'integer',
  },
  splitShard: { 'stream!': 'string', 'shardId!': 'string', newStartingHashKey: 'string' },
  mergeShards: { 'stream!': 'string', 'shardId!': 'string', 'adjacentShardId!': 'string' },
};

/** The kinds `delete` takes for these systems. */
export const SYSTEM_RESOURCE_KINDS = ['exchange', 'rabbitQueue', 'pubsubTopic', 'subscription', 'kinesisStream'] as const;
export type SystemResourceKind = (typeof SYSTEM_RESOURCE_KINDS)[number];

export interface ExchangeView {
  name: string;
  type: 'direct' | 'fanout' | 'topic' | 'headers';
  durable: boolean;
  alternateExchange?: string;
  published: number;
  unroutable: number;
  bindings: Array<{ queue: string; routingKey: string; arguments: Headers }>;
}

export interface RabbitMessageView {
  messageId: string;
  body: string;
  routingKey: string;
  state: 'ready' | 'unacked';
  redelivered: boolean;
  /** Quorum queues: failed deliveries so far. */
  deliveryCount: number;
  /** When the playground's own consumer (or a get) holds it: the tag to ack, nack or reject it with. */
  deliveryTag?: number;
}

export interface RabbitQueueView {
  name: string;
  type: 'classic' | 'quorum';
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  messageTtlMs?: number;
  deadLetterExchange?: string;
  deadLetterRoutingKey?: string;
  maxLength?: number;
  /** Quorum queues: -1 for none. */
  deliveryLimit: number;
  ready: number;
  unacked: number;
  consumers: number;
  messages: RabbitMessageView[];
}

export interface PlaygroundConsumerView {
  tag: string;
  queue: string;
  prefetch: number;
  autoAck: boolean;
  /** Deliveries it holds, unacked. */
  holding: number;
}

export interface RabbitView {
  exchanges: ExchangeView[];
  queues: RabbitQueueView[];
  /** The learner's own consumers (functions attached to a queue are under functions). */
  consumers: PlaygroundConsumerView[];
}

export interface PubSubMessageView {
  messageId: string;
  data: string;
  attributes: Record<string, string>;
  orderingKey?: string;
  state: 'ready' | 'outstanding' | 'acked';
  /** Delivery attempts so far. */
  attempts: number;
  /** While outstanding: the ack id and the deadline (virtual ms). */
  ackId?: string;
  deadline?: number;
  /** Backing off after a failure until then (virtual ms). */
  notBefore?: number;
}

export interface SubscriptionView {
  name: string;
  topic: string;
  /** `pull`, or the function it pushes to. */
  delivery: 'pull' | { push: string };
  ackDeadlineS: number;
  retentionS: number;
  retainAckedMessages: boolean;
  enableMessageOrdering: boolean;
  enableExactlyOnceDelivery: boolean;
  filter?: string;
  deadLetterPolicy?: { topic: string; maxDeliveryAttempts: number };
  snapshots: string[];
  unacked: number;
  outstanding: number;
  messages: PubSubMessageView[];
}

export interface PubSubView {
  topics: Array<{ name: string; published: number; subscriptions: string[] }>;
  subscriptions: SubscriptionView[];
}

export interface ShardView {
  shardId: string;
  startingHashKey: string;
  endingHashKey: string;
  open: boolean;
  parents: string[];
  records: number;
  latest: Array<{ sequenceNumber: string; partitionKey: string; data: string; arrivedAt: number }>;
}

export interface KinesisStreamView {
  name: string;
  retentionHours: number;
  produced: number;
  throttled: number;
  shards: ShardView[];
}
