/**
 * The broker playground's contract: the commands a learner runs by hand against a live, empty
 * cloud (queues, topics, streams, buses and their own handlers), and the snapshot the Broker
 * Explorer and the diagram show. Plain JSON both ways: commands cross from the extension host to the
 * runtime process, snapshots come back. Never imports `vscode`.
 *
 * State is a **journal** of the commands that changed something, replayed in order on a fresh
 * engine to rebuild it (the engine is deterministic): that is how the playground survives a reload
 * and a runtime crash. Virtual time moves only when a command says so: every state-changing command
 * runs the clock `SETTLE_MS` forward so attached handlers visibly run, and `advance` jumps further
 * (e.g. past a visibility timeout).
 */
import type { Topology } from '../engine/topology';
import type { KinesisStreamView, PubSubView, RabbitView, SystemCommand, SystemResourceKind } from './systemTypes';

export type * from './systemTypes';

/** Virtual ms each state-changing command lets the clock run after it (handlers, deliveries). */
export const SETTLE_MS = 1_000;

export type ResourceKind = 'queue' | 'topic' | 'stream' | 'bus' | 'function' | SystemResourceKind;

/** A message attribute value (SNS/SQS style: strings and numbers). */
export type Attributes = Record<string, string | number>;
/** SNS message attributes: an array is a String.Array. */
export type TopicAttributes = Record<string, string | number | Array<string | number | boolean | null>>;

export type PlaygroundCommand =
  // ── resources ──
  | { op: 'createQueue'; name: string; fifo?: boolean; visibilityTimeoutS?: number; delayS?: number; retentionS?: number; contentBasedDeduplication?: boolean; deadLetter?: { queue: string; maxReceiveCount: number } }
  | { op: 'createTopic'; name: string; fifo?: boolean; contentBasedDeduplication?: boolean }
  | { op: 'subscribe'; topic: string; queue?: string; function?: string; filterPolicy?: Record<string, unknown>; filterPolicyScope?: 'MessageAttributes' | 'MessageBody'; rawDelivery?: boolean }
  | { op: 'unsubscribe'; topic: string; subscription: string }
  | {
      op: 'createStream';
      name: string;
      partitions?: number;
      retentionHours?: number;
      cleanupPolicy?: 'delete' | 'compact';
      partitioner?: 'sticky' | 'round-robin';
      segmentMs?: number;
      deleteRetentionMs?: number;
    }
  | { op: 'createBus'; name: string }
  | {
      op: 'putRule';
      bus: string;
      rule: string;
      /** An event pattern, a schedule (`rate(…)` / `cron(…)`, default bus only), or both. */
      pattern?: Record<string, unknown>;
      schedule?: string;
      targets: Array<{ queue?: string; function?: string; input?: string; inputPath?: string; inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string } }>;
    }
  | { op: 'removeRule'; bus: string; rule: string }
  /** Refused (naming the dependents) while a subscription, rule, dead-letter link or handler uses it. */
  | { op: 'delete'; kind: ResourceKind; name: string }
  // ── queues ──
  | { op: 'send'; queue: string; body: string; groupId?: string; deduplicationId?: string; delayS?: number; attributes?: Attributes }
  | { op: 'receive'; queue: string; max?: number; visibilityTimeoutS?: number }
  | { op: 'deleteMessage'; queue: string; receiptHandle: string }
  | { op: 'changeVisibility'; queue: string; receiptHandle: string; visibilityTimeoutS: number }
  | { op: 'purge'; queue: string }
  // ── topics and buses ──
  | { op: 'publish'; topic: string; body: string; attributes?: TopicAttributes; groupId?: string; deduplicationId?: string }
  | { op: 'putEvent'; bus: string; source: string; detailType: string; detail: Record<string, unknown> }
  // ── streams ──
  | { op: 'produce'; stream: string; /** Required unless `tombstone`. */ value?: string; /** A null value: deletes the key on a compacted stream. */ tombstone?: boolean; key?: string; partition?: number }
  /** Reads for a consumer group; with `offset` (and `partition`) it seeks there first; commits what it read. */
  | { op: 'consume'; stream: string; group: string; partition?: number; offset?: number; max?: number }
  /** Rewinds a group to the earliest retained offset (or `offset`) on every partition (or one). */
  | { op: 'replay'; stream: string; group: string; partition?: number; offset?: number }
  // ── the learner's own function ──
  /**
   * `file` is an absolute path to a .ts/.js handler module; `exportName` defaults to `handler`. One
   * trigger: an SQS `queue`, an SNS `topic`, a Kafka `stream`, a `rabbitQueue` (a consumer, with
   * `prefetch`), a `pubsubTopic` (a push subscription is made for it), a `pubsubSubscription` (a
   * pull subscriber) or a `kinesisStream` (an event source, with `parallelizationFactor`).
   */
  | {
      op: 'attachHandler';
      function: string;
      file: string;
      exportName?: string;
      queue?: string;
      topic?: string;
      stream?: string;
      rabbitQueue?: string;
      pubsubTopic?: string;
      pubsubSubscription?: string;
      kinesisStream?: string;
      batchSize?: number;
      prefetch?: number;
      parallelizationFactor?: number;
      /** Serve many requests per instance (instanceConcurrency.ts): whose defaults, requests per instance, instances kept warm. Without them: Lambda, one request per environment. */
      platform?: 'cloud-run' | 'cloud-functions' | 'azure-flex';
      concurrency?: number;
      minInstances?: number;
      /** The function's environment variables (`process.env`), by Lambda's rules (environmentVariables.ts). */
      environment?: Record<string, string>;
    }
  | { op: 'detachHandler'; function: string }
  // ── time and state ──
  | { op: 'advance'; seconds: number }
  | { op: 'reset' }
  // ── RabbitMQ, Google Pub/Sub, Kinesis (systemTypes.ts) ──
  | SystemCommand;

export type PlaygroundOp = PlaygroundCommand['op'];

/** Read-only requests: answered from the state, never journaled. */
export type PlaygroundQuery =
  | { op: 'snapshot' }
  | { op: 'inspect'; queue?: string; stream?: string; messageId?: string; partition?: number; offset?: number }
  | { op: 'journal' }
  /** Rebuild the state from a saved journal (reload); replaces whatever is there. */
  | { op: 'restore'; journal: PlaygroundCommand[] };

export interface QueueMessageView {
  messageId: string;
  body: string;
  state: 'visible' | 'in-flight' | 'delayed';
  receiveCount: number;
  groupId?: string;
  /** The latest receipt handle, when a playground `receive` holds the message in flight. */
  receiptHandle?: string;
  sentAt: number;
  attributes?: Attributes;
}

export interface QueueView {
  name: string;
  fifo: boolean;
  visibilityTimeoutS: number;
  deadLetter?: { queue: string; maxReceiveCount: number };
  /** Some other queue's dead-letter queue. */
  isDeadLetterQueue: boolean;
  depth: { visible: number; inFlight: number; delayed: number };
  /** The first `MESSAGES_SHOWN` messages, oldest first. */
  messages: QueueMessageView[];
}

export interface TopicView {
  name: string;
  fifo: boolean;
  published: number;
  subscriptions: Array<{ id: string; endpoint: string; filterPolicy?: Record<string, unknown>; rawDelivery: boolean }>;
}

export interface StreamView {
  name: string;
  retentionMs: number;
  partitions: Array<{ partition: number; startOffset: number; endOffset: number; latest: Array<{ offset: number; key?: string; value: string | null }> }>;
  groups: Array<{ id: string; partitions: Array<{ partition: number; committed?: number; lag: number }> }>;
}

export interface BusView {
  name: string;
  rules: Array<{ name: string; pattern: Record<string, unknown>; targets: string[]; enabled: boolean }>;
}

export interface FunctionView {
  name: string;
  file: string;
  exportName: string;
  /** What triggers it: `queue:orders`, `topic:news`, `stream:clicks`. */
  trigger: string;
  invocations: number;
  errors: number;
  coldStarts: number;
  /** The last error message, if the last invocation failed. */
  lastError?: string;
  /** A function serving many requests per instance: its platform and settings, and its instances now. */
  instances?: { platform: string; label: string; concurrency: number; minInstances: number; running: number; serving: number };
}

export interface PlaygroundSnapshot {
  /** Virtual time, ms. */
  now: number;
  /** How many commands the journal holds. */
  commands: number;
  queues: QueueView[];
  topics: TopicView[];
  streams: StreamView[];
  buses: BusView[];
  functions: FunctionView[];
  /** RabbitMQ: exchanges, queues, the learner's consumers (absent from snapshots of older versions). */
  rabbitmq?: RabbitView;
  pubsub?: PubSubView;
  kinesis?: KinesisStreamView[];
}

/** Answer to every playground command or query. */
export interface PlaygroundResponse {
  snapshot: PlaygroundSnapshot;
  topology: Topology;
  /** What the command returned: messages received, records consumed, ids, an inspected message… */
  result?: unknown;
  /** One line for a notification: "Sent msg-3 to orders". */
  message: string;
}

/** Messages listed per queue and latest records per partition in a snapshot. */
export const MESSAGES_SHOWN = 50;
