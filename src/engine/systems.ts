/**
 * The seed's other systems on a simulation's engine: one RabbitMQ broker (`amqp.ts`), Google Pub/Sub
 * (`pubsub.ts`) and Kinesis streams (`kinesis.ts`), built from a scenario (`systemsSpec.ts`) on the
 * simulation's clock and trace, with functions attached the way each system attaches compute:
 *
 * - **A RabbitMQ consumer** (`{ rabbitQueue }`): the broker pushes deliveries to a consumer that
 *   invokes the function with each one (the message as amqplib hands it to a consumer callback). A
 *   success acks the delivery; a failure nacks or rejects it (`onError`). `prefetch` caps the unacked
 *   deliveries the consumer holds, so the invocations it runs at once. A throttled invocation keeps
 *   its delivery and tries again a second later (the consumer waits, holding the message).
 * - **A Pub/Sub push subscription** (`push: { function }`): Pub/Sub calls the function with the push
 *   request body; success is the ack, anything else a failure (push backoff, delivery window).
 * - **A Pub/Sub pull subscriber** (`{ pubsubSubscription }`): a streaming-pull client with flow
 *   control (`maxOutstanding`) and lease management (it extends each message's ack deadline while
 *   the function runs, up to `maxExtensionS`), acking on success and nacking on failure. With
 *   exactly-once delivery an ack that comes too late fails, and the trace says so.
 * - **A Kinesis event source** (`{ kinesisStream }`): Lambda's, with its parallelization factor
 *   (`KinesisEventSource`), the Kinesis event shape and the on-failure record.
 *
 * Handlers reach these systems through the lab calls they already have, by resource name (names are
 * unique in a scenario): `send` to a RabbitMQ queue publishes through the default exchange,
 * `publish` to an exchange (with a `routingKey`) or a Pub/Sub topic (with an `orderingKey`), and
 * `produce` to a Kinesis stream (the `key` is the partition key).
 */
import { AmqpBroker, type AmqpQueueView, type Delivery } from './amqp';
import type { TimerId } from './clock';
import type { EngineContext } from './context';
import { EngineError, show, ValidationError } from './errors';
import type { EventSourceMapping } from './eventSources';
import { amqpMessage, kinesisEvent, kinesisFailureRecord, pubsubPushBody } from './events';
import type { FunctionPlatform } from './functions';
import { KinesisEventSource, KinesisStream, type KinesisRecord } from './kinesis';
import { PubSub, type ReceivedPubSubMessage } from './pubsub';
import type { Scenario, TrafficTarget } from './scenario';
import type {
  KinesisEventSpec,
  KinesisStreamSpec,
  PubSubEventSpec,
  PubSubSubscriptionSpec,
  PubSubTopicSpec,
  RabbitBindingSpec,
  RabbitEventSpec,
  RabbitExchangeSpec,
  RabbitQueueSpec,
  SystemEventSpec,
} from './systemsSpec';
import { BUILT_IN_EXCHANGES as BUILT_IN, isSystemEvent as isSystemEventSpec } from './systemsSpec';
import type { TraceKind } from './trace';
import { compileTemplate, type TemplateVars } from './traffic';

/** What a simulation lends these systems. */
export interface SystemsHost {
  ctx: EngineContext;
  /** The simulation's scenario: resources added while it runs (the playground) are recorded in it. */
  scenario: Scenario;
  platform: FunctionPlatform;
  /** Is there an SQS queue of that name (an on-failure destination)? */
  hasQueue(name: string): boolean;
  /** Send a body to an SQS queue (a FIFO queue gets `group` and a fresh deduplication id). */
  toQueue(name: string, body: string, cause: string | undefined, group: string): void;
}

export type SystemKind = 'exchange' | 'rabbit-queue' | 'pubsub-topic' | 'pubsub-subscription' | 'kinesis-stream';

/** A throttled invocation of a consumer is tried again after this long. */
const THROTTLE_RETRY_MS = 1_000;

export interface SystemsSummary {
  exchanges: Record<string, { published: number; routed: number; dropped: number }>;
  rabbitQueues: Record<string, { sent: number; delivered: number; acked: number; requeued: number; deadLettered: number; expired: number; dropped: number; ready: number; unacked: number }>;
  pubsubTopics: Record<string, { published: number; dropped: number }>;
  pubsubSubscriptions: Record<string, { sent: number; delivered: number; acked: number; redelivered: number; filteredOut: number; deadLettered: number; expired: number; lateAcks: number; unacked: number }>;
  kinesisStreams: Record<string, { produced: number; throttled: number; consumed: number; expired: number; shards: number }>;
}

export interface SystemsLost {
  resource: string;
  kind: 'exchange' | 'rabbit-queue' | 'pubsub-topic';
  count: number;
  reason: string;
}

/** A handler's options object, or an empty one; anything else is refused naming `options`. */
function optionsOf(options: unknown): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new ValidationError('options', `must be an object, got ${show(options)}`);
  return options as Record<string, unknown>;
}

/** Refuse options that mean nothing to this system, saying why. */
function refuse(options: Record<string, unknown>, why: Record<string, string>): void {
  for (const [key, reason] of Object.entries(why)) if (options[key] !== undefined) throw new ValidationError(`options.${key}`, reason);
}

function sameBinding(a: RabbitBindingSpec, b: RabbitBindingSpec): boolean {
  return a.exchange === b.exchange && a.queue === b.queue && (a.routingKey ?? '') === (b.routingKey ?? '') && JSON.stringify(a.arguments ?? {}) === JSON.stringify(b.arguments ?? {});
}

function removeNamed(list: Array<{ name: string }>, name: string): void {
  const i = list.findIndex((x) => x.name === name);
  if (i >= 0) list.splice(i, 1);
}

/** `options.<field>` relative to a resource: an engine path `<collection>.<name>.<field>` becomes `<field>`. */
function rebase(err: unknown, prefix: string): never {
  if (err instanceof ValidationError && err.path.startsWith(`${prefix}.`)) throw new ValidationError(err.path.slice(prefix.length + 1), err.reason);
  throw err;
}

export class Systems {
  /** The scenario's RabbitMQ broker (exchanges are traced by their own names). */
  readonly rabbit: AmqpBroker;
  readonly pubsub: PubSub;
  readonly kinesis = new Map<string, KinesisStream>();
  private readonly kinds = new Map<string, SystemKind>();
  /** Function consumers of RabbitMQ queues, to reconnect after a broker restart. */
  private readonly consumers = new Set<{ reconnect(): void }>();
  /** Subscription specs by name (a pull subscriber reads the ack deadline). */
  private readonly subscriptionSpecs = new Map<string, PubSubSubscriptionSpec>();

  constructor(private readonly host: SystemsHost) {
    this.rabbit = new AmqpBroker(host.ctx, '');
    this.pubsub = new PubSub(host.ctx);
  }

  // ------------------------------------------------------------------------------------------------
  // Building

  /** Every resource of these systems in a scenario (subscriptions after all topics: dead-letter topics first). */
  build(sc: Scenario, attempt: (path: string, build: () => void) => void): void {
    const r = sc.rabbitmq ?? {};
    (r.exchanges ?? []).forEach((e, i) => attempt(`rabbitmq.exchanges[${i}]`, () => this.declareExchange(e)));
    (r.queues ?? []).forEach((q, i) => attempt(`rabbitmq.queues[${i}]`, () => this.declareQueue(q)));
    (r.bindings ?? []).forEach((b, i) => attempt(`rabbitmq.bindings[${i}]`, () => this.bind(b)));
    const topics = sc.pubsub?.topics ?? [];
    topics.forEach((t, i) => attempt(`pubsub.topics[${i}]`, () => this.createTopic(t)));
    topics.forEach((t, i) => (t.subscriptions ?? []).forEach((s, j) => attempt(`pubsub.topics[${i}].subscriptions[${j}]`, () => this.createSubscription(t.name, s))));
    (sc.kinesisStreams ?? []).forEach((s, i) => attempt(`kinesisStreams[${i}]`, () => this.createKinesisStream(s)));
  }

  kindOf(name: unknown): SystemKind | undefined {
    return typeof name === 'string' ? this.kinds.get(name) : undefined;
  }

  /** Names of the resources of one kind, in creation order. */
  names(kind: SystemKind): string[] {
    return [...this.kinds].filter(([, k]) => k === kind).map(([n]) => n);
  }

  /** The names a lab call of that kind also reaches here (`send`: RabbitMQ queues; `publish`: exchanges and Pub/Sub topics; `produce`: Kinesis streams). */
  labNames(kind: string): string[] {
    if (kind === 'queue') return this.names('rabbit-queue');
    if (kind === 'topic') return [...this.names('exchange'), ...this.names('pubsub-topic')];
    if (kind === 'stream') return this.names('kinesis-stream');
    return [];
  }

  /** Names are unique among these systems' resources (the lab calls find them by name alone). */
  private unclaimed(name: string): void {
    const taken = this.kinds.get(name);
    if (taken !== undefined) throw new ValidationError('name', `"${name}" is already the name of a ${taken.replace('-', ' ')} (names are unique)`);
  }

  declareExchange(e: RabbitExchangeSpec): void {
    this.unclaimed(e.name);
    try {
      this.rabbit.declareExchange(e.name, { type: e.type, durable: e.durable, alternateExchange: e.alternateExchange });
    } catch (err) {
      if (err instanceof ValidationError && err.path === 'exchange') throw new ValidationError('name', err.reason);
      rebase(err, `exchanges.${e.name}`);
    }
    this.kinds.set(e.name, 'exchange');
  }

  declareQueue(q: RabbitQueueSpec): void {
    this.unclaimed(q.name);
    try {
      this.rabbit.declareQueue(q.name, {
        type: q.type,
        durable: q.durable,
        autoDelete: q.autoDelete,
        messageTtlMs: q.messageTtlMs,
        deadLetterExchange: q.deadLetterExchange,
        deadLetterRoutingKey: q.deadLetterRoutingKey,
        maxLength: q.maxLength,
        deliveryLimit: q.deliveryLimit,
      });
    } catch (err) {
      if (err instanceof ValidationError && err.path === 'queue') throw new ValidationError('name', err.reason);
      rebase(err, `queues.${q.name}`);
    }
    this.kinds.set(q.name, 'rabbit-queue');
  }

  bind(b: RabbitBindingSpec): void {
    if (this.kinds.get(b.queue) !== 'rabbit-queue') throw new ValidationError('queue', `no RabbitMQ queue "${b.queue}" (queues: ${this.names('rabbit-queue').join(', ') || 'none'})`);
    try {
      this.rabbit.bind(b.queue, b.exchange, b.routingKey ?? '', b.arguments ?? {});
    } catch (err) {
      if (err instanceof EngineError && err.code === 'NOT_FOUND') throw new ValidationError('exchange', err.message);
      if (err instanceof ValidationError && err.path === 'binding.args.x-match') throw new ValidationError('arguments.x-match', err.reason);
      throw err;
    }
  }

  createTopic(t: PubSubTopicSpec): void {
    this.unclaimed(t.name);
    try {
      this.pubsub.createTopic(t.name);
    } catch (err) {
      if (err instanceof ValidationError && err.path === 'topic') throw new ValidationError('name', err.reason);
      throw err;
    }
    this.kinds.set(t.name, 'pubsub-topic');
  }

  createSubscription(topic: string, s: PubSubSubscriptionSpec): void {
    if (this.kinds.get(topic) !== 'pubsub-topic') throw new ValidationError('topic', `no Pub/Sub topic "${topic}" (topics: ${this.names('pubsub-topic').join(', ') || 'none'})`);
    this.unclaimed(s.name);
    const push = s.push;
    try {
      this.pubsub.createSubscription(topic, {
        name: s.name,
        ackDeadlineS: s.ackDeadlineS,
        retentionS: s.retentionS,
        retainAckedMessages: s.retainAckedMessages,
        enableMessageOrdering: s.enableMessageOrdering,
        enableExactlyOnceDelivery: s.enableExactlyOnceDelivery,
        filter: s.filter,
        deadLetterPolicy: s.deadLetterPolicy,
        retryPolicy: s.retryPolicy,
        ...(push ? { push: (m: ReceivedPubSubMessage, settle: (ok: boolean) => void) => this.pushTo(push.function, s.name, m, settle) } : {}),
      });
    } catch (err) {
      if (err instanceof ValidationError && err.path === 'subscriptions.name') throw new ValidationError('name', err.reason);
      rebase(err, `subscriptions.${s.name}`);
    }
    this.kinds.set(s.name, 'pubsub-subscription');
    this.subscriptionSpecs.set(s.name, s);
  }

  /** A push: Pub/Sub calls the function with the push body; its success is the ack. */
  private pushTo(fn: string, subscription: string, m: ReceivedPubSubMessage, settle: (ok: boolean) => void): void {
    const body = pubsubPushBody(subscription, m.message, m.deliveryAttempt);
    this.host.platform.invoke(fn, body, (r) => settle(r.ok), m.message.messageId);
  }

  createKinesisStream(s: KinesisStreamSpec): void {
    this.unclaimed(s.name);
    try {
      this.kinesis.set(s.name, new KinesisStream(this.host.ctx, { name: s.name, shards: s.shards ?? 1, retentionHours: s.retentionHours }));
      this.kinds.set(s.name, 'kinesis-stream');
    } catch (err) {
      if (err instanceof ValidationError && err.path === 'kinesisStreams.name') throw new ValidationError('name', err.reason);
      rebase(err, `kinesisStreams.${s.name}`);
    }
  }

  // ------------------------------------------------------------------------------------------------
  // The lab calls, by resource name

  /** `send` to a RabbitMQ queue: a publish through the default exchange, the queue's name the routing key. */
  send(queue: string, body: string, options: unknown, cause: string | undefined): { messageId: string } {
    const o = optionsOf(options);
    refuse(o, {
      delayS: `RabbitMQ has no delivery delay ("${queue}" is a RabbitMQ queue): a message is deliverable as soon as it is queued`,
      groupId: `message groups are an SQS FIFO feature ("${queue}" is a RabbitMQ queue: one queue keeps one order)`,
      deduplicationId: `RabbitMQ does not deduplicate ("${queue}" is a RabbitMQ queue): make the consumer idempotent`,
      routingKey: `a send to a queue goes through the default exchange, whose routing key is the queue's name: publish to an exchange to route by key`,
    });
    const r = this.rabbit.publish('', queue, body, { headers: this.headers(o.attributes), expirationMs: o.expirationMs as number | undefined, cause });
    return { messageId: r.messageId };
  }

  /** `publish` to an exchange (routing key, headers) or a Pub/Sub topic (attributes, ordering key). */
  publish(name: string, body: string, options: unknown, cause: string | undefined): { messageId: string } {
    const o = optionsOf(options);
    if (this.kinds.get(name) === 'exchange') {
      refuse(o, {
        groupId: `message groups are an SNS/SQS FIFO feature ("${name}" is a RabbitMQ exchange)`,
        deduplicationId: `RabbitMQ does not deduplicate ("${name}" is a RabbitMQ exchange): make the consumers idempotent`,
        orderingKey: `ordering keys are a Pub/Sub feature ("${name}" is a RabbitMQ exchange: each queue keeps publish order)`,
      });
      if (o.routingKey !== undefined && typeof o.routingKey !== 'string') throw new ValidationError('options.routingKey', `must be a string, got ${show(o.routingKey)}`);
      const r = this.rabbit.publish(name, (o.routingKey as string | undefined) ?? '', body, { headers: this.headers(o.attributes), expirationMs: o.expirationMs as number | undefined, cause });
      return { messageId: r.messageId };
    }
    refuse(o, {
      groupId: `message groups are an SNS FIFO feature ("${name}" is a Pub/Sub topic: use orderingKey)`,
      routingKey: `Pub/Sub topics do not route by key ("${name}" is a Pub/Sub topic): every subscription gets the message unless its filter drops it`,
      deduplicationId: `Pub/Sub does not deduplicate publishes ("${name}" is a Pub/Sub topic): exactly-once delivery is a subscription setting, on the subscriber's side`,
      expirationMs: `Pub/Sub has no per-message TTL ("${name}" is a Pub/Sub topic): a subscription's retention decides how long unacked messages stay`,
    });
    if (o.orderingKey !== undefined && (typeof o.orderingKey !== 'string' || o.orderingKey === '')) throw new ValidationError('options.orderingKey', `must be a non-empty string, got ${show(o.orderingKey)}`);
    const attributes = o.attributes === undefined ? undefined : optionsOf(o.attributes);
    for (const [k, v] of Object.entries(attributes ?? {})) if (typeof v !== 'string') throw new ValidationError(`options.attributes.${k}`, `Pub/Sub attribute values are strings, got ${show(v)}`);
    const messageId = this.pubsub.publish(name, body, { attributes: attributes as Record<string, string> | undefined, orderingKey: o.orderingKey as string | undefined, cause });
    return { messageId };
  }

  /** `produce` to a Kinesis stream: `key` is the partition key (required, as in PutRecord). */
  produce(stream: string, data: string, options: unknown, cause: string | undefined): { shardId: string; sequenceNumber: string } {
    const o = optionsOf(options);
    if (o.key === undefined) throw new ValidationError('options.key', `is required: "${stream}" is a Kinesis stream, and every record needs a partition key (its MD5 hash picks the shard)`);
    if (typeof o.key !== 'string') throw new ValidationError('options.key', `must be a string, got ${show(o.key)}`);
    return this.kinesis.get(stream)!.putRecord(o.key, data, { cause, ...(o.explicitHashKey !== undefined ? { explicitHashKey: String(o.explicitHashKey) } : {}) });
  }

  private headers(attributes: unknown): Record<string, string | number | boolean> | undefined {
    if (attributes === undefined) return undefined;
    const a = optionsOf(attributes);
    for (const [k, v] of Object.entries(a)) if (!['string', 'number', 'boolean'].includes(typeof v)) throw new ValidationError(`options.attributes.${k}`, `a header value is a string, number or boolean, got ${show(v)}`);
    return a as Record<string, string | number | boolean>;
  }

  // ------------------------------------------------------------------------------------------------
  // Functions attached to these systems

  /** Is the system resource an event source names there? Throws a ValidationError at `path` if not. */
  checkEventSource(e: SystemEventSpec, path: string): void {
    const [field, name, kind] = 'rabbitQueue' in e ? ['rabbitQueue', e.rabbitQueue, 'rabbit-queue'] : 'pubsubSubscription' in e ? ['pubsubSubscription', e.pubsubSubscription, 'pubsub-subscription'] : ['kinesisStream', e.kinesisStream, 'kinesis-stream'];
    if (this.kinds.get(name) !== kind) throw new ValidationError(`${path}.${field}`, `no ${kind.replace('-', ' ')} "${name}" (known: ${this.names(kind as SystemKind).join(', ') || 'none'})`);
    if ('kinesisStream' in e && e.onFailure && !this.host.hasQueue(e.onFailure.queue)) throw new ValidationError(`${path}.onFailure.queue`, `no queue "${e.onFailure.queue}"`);
  }

  addEventSource(fn: string, e: SystemEventSpec): EventSourceMapping {
    if ('rabbitQueue' in e) return this.rabbitConsumer(fn, e);
    if ('pubsubSubscription' in e) return this.pullSubscriber(fn, e);
    return this.kinesisSource(fn, e);
  }

  private rabbitConsumer(fn: string, e: RabbitEventSpec): EventSourceMapping {
    const { ctx, platform } = this.host;
    let stopped = false;
    let channel = '';
    let tag = '';
    /** Each connection of the consumer: a delivery of an old one cannot be settled on the new one. */
    let generation = 0;
    const settle = (d: Delivery, ok: boolean, of: number): void => {
      if (stopped || of !== generation) return; // the delivery went back to the queue with its channel
      try {
        if (ok) this.rabbit.ack(channel, d.deliveryTag);
        else if ((e.onError ?? 'requeue') === 'requeue') this.rabbit.nack(channel, d.deliveryTag, { requeue: true });
        else this.rabbit.reject(channel, d.deliveryTag, { requeue: e.onError === 'reject-requeue' });
      } catch (err) {
        if (!(err instanceof EngineError)) throw err; // the queue went away meanwhile: nothing to settle
      }
    };
    const run = (d: Delivery, of: number): void => {
      if (stopped || of !== generation) return;
      platform.invoke(
        fn,
        amqpMessage(d),
        (r) => {
          if (r.throttled) ctx.clock.schedule(THROTTLE_RETRY_MS, () => run(d, of));
          else settle(d, r.ok, of);
        },
        d.messageId,
      );
    };
    const connect = (): void => {
      generation++;
      const of = generation;
      channel = this.rabbit.openChannel(`fn:${fn}`);
      try {
        tag = this.rabbit.consume(e.rabbitQueue, { channel, prefetch: e.prefetch ?? 0, onDelivery: (d) => run(d, of) });
      } catch (err) {
        this.rabbit.closeChannel(channel);
        if (err instanceof ValidationError && err.path === 'prefetch') throw new ValidationError('prefetch', err.reason);
        throw err;
      }
    };
    connect();
    const entry = {
      // After a broker restart the client reconnects and consumes again (if its queue survived).
      reconnect: (): void => {
        if (stopped || !this.rabbit.queueNames().includes(e.rabbitQueue)) return;
        connect();
      },
    };
    this.consumers.add(entry);
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        this.consumers.delete(entry);
        try {
          this.rabbit.cancel(tag);
          this.rabbit.closeChannel(channel);
        } catch {
          /* the queue, or the connection, is gone already */
        }
      },
    };
  }

  private pullSubscriber(fn: string, e: PubSubEventSpec): EventSourceMapping {
    const { ctx, platform } = this.host;
    const sub = e.pubsubSubscription;
    const maxOutstanding = e.maxOutstanding ?? 1000;
    const maxExtensionMs = (e.maxExtensionS ?? 3600) * 1000;
    if (!(Number.isInteger(maxOutstanding) && maxOutstanding >= 1 && maxOutstanding <= 1000)) throw new ValidationError('maxOutstanding', `must be 1–1000, got ${show(maxOutstanding)}`);
    if (!(Number.isInteger(maxExtensionMs) && maxExtensionMs >= 0 && maxExtensionMs <= 3_600_000)) throw new ValidationError('maxExtensionS', `must be 0–3600, got ${show(e.maxExtensionS)}`);
    const ackDeadlineMs = this.pubsubDeadlineMs(sub);
    let stopped = false;
    let outstanding = 0;
    let pause = 0;
    let timer: TimerId | undefined;
    const wake = (at = ctx.clock.now): void => {
      if (stopped) return;
      const when = Math.max(at, pause, ctx.clock.now);
      if (timer !== undefined) return;
      timer = ctx.clock.at(when, () => {
        timer = undefined;
        pump();
      });
    };
    const pump = (): void => {
      if (stopped || ctx.clock.now < pause) return wake(pause);
      const room = maxOutstanding - outstanding;
      if (room <= 0) return;
      let messages: ReceivedPubSubMessage[];
      try {
        messages = this.pubsub.pull(sub, Math.min(room, 1000));
      } catch (err) {
        if (err instanceof EngineError && err.code === 'NOT_FOUND') return; // the subscription was deleted
        throw err;
      }
      for (const m of messages) handle(m);
    };
    const handle = (m: ReceivedPubSubMessage): void => {
      outstanding++;
      const receivedAt = ctx.clock.now;
      let done = false;
      let lease: TimerId | undefined;
      // Lease management: extend the deadline shortly before it passes, while the function runs.
      const extend = (): void => {
        lease = undefined;
        if (done || stopped || ctx.clock.now - receivedAt >= maxExtensionMs) return;
        try {
          this.pubsub.modifyAckDeadline(sub, [m.ackId], ackDeadlineMs / 1000);
        } catch (err) {
          if (!(err instanceof EngineError)) throw err;
          return;
        }
        lease = ctx.clock.schedule(ackDeadlineMs - 1_000, extend);
      };
      if (maxExtensionMs > 0) lease = ctx.clock.schedule(ackDeadlineMs - 1_000, extend);
      const finish = (ok: boolean): void => {
        done = true;
        ctx.clock.cancel(lease);
        outstanding--;
        if (stopped) return;
        try {
          if (ok) this.pubsub.acknowledge(sub, [m.ackId]);
          else this.pubsub.modifyAckDeadline(sub, [m.ackId], 0);
        } catch (err) {
          if (!(err instanceof EngineError)) throw err;
          // Exactly-once delivery refuses an ack that comes too late: the work may be repeated.
          ctx.trace.emit('stale-handle', sub, m.message.messageId, `${ok ? 'ack' : 'nack'} refused: ${err.message}`, { code: err.code });
        }
        wake();
      };
      const go = (): void => {
        if (stopped) return;
        platform.invoke(
          fn,
          pubsubPushBody(sub, m.message, m.deliveryAttempt),
          (r) => {
            if (r.throttled) {
              // No room for the function: give the message back and pull again a second later.
              pause = ctx.clock.now + THROTTLE_RETRY_MS;
              finish(false);
            } else finish(r.ok);
          },
          m.message.messageId,
        );
      };
      go();
    };
    // New messages, redeliveries after a backoff, and seeks wake the subscriber.
    const unsubscribe = ctx.trace.subscribe(
      (r) => {
        if (r.resource !== sub) return;
        if (r.kind === 'visibility-expired' && typeof r.detail?.redeliverAt === 'number') wake(r.detail.redeliverAt);
        else wake();
      },
      ['sent', 'visibility-expired', 'replayed', 'requeued'],
    );
    wake();
    return {
      stop: () => {
        stopped = true;
        unsubscribe();
        ctx.clock.cancel(timer);
      },
    };
  }

  private pubsubDeadlineMs(sub: string): number {
    const spec = this.subscriptionSpecs.get(sub);
    return (spec?.ackDeadlineS ?? 10) * 1000;
  }

  private kinesisSource(fn: string, e: KinesisEventSpec): EventSourceMapping {
    const { ctx, platform } = this.host;
    const stream = this.kinesis.get(e.kinesisStream)!;
    let stopped = false;
    const attempts = new Map<string, number>();
    const source = new KinesisEventSource(ctx, stream, {
      batchSize: e.batchSize,
      parallelizationFactor: e.parallelizationFactor,
      startingPosition: e.startingPosition ?? 'TRIM_HORIZON',
      maxRetryAttempts: e.maxRetryAttempts,
      process: (batch, _lane, done) => {
        const first = batch[0].sequenceNumber;
        const cause = batch.length === 1 ? first : `${first}..${batch[batch.length - 1].sequenceNumber}`;
        const go = (): void => {
          if (stopped) return;
          platform.invoke(
            fn,
            kinesisEvent(stream.name, batch),
            (r) => {
              if (r.throttled) {
                // Never reached the function: try again later without using up a retry.
                ctx.clock.schedule(THROTTLE_RETRY_MS, go);
                return;
              }
              attempts.set(first, (attempts.get(first) ?? 0) + 1);
              if (r.ok) attempts.delete(first);
              done(r.ok);
            },
            cause,
          );
        };
        go();
      },
      onDiscard: (batch, condition) => this.discardKinesis(fn, e, batch, condition, attempts),
    });
    return {
      stop: () => {
        stopped = true;
        source.stop();
      },
    };
  }

  /** A Kinesis batch given up: its on-failure destination gets the batch's metadata, or it is dropped. */
  private discardKinesis(fn: string, e: KinesisEventSpec, batch: KinesisRecord[], condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded', attempts: Map<string, number>): void {
    const { ctx } = this.host;
    const queue = e.onFailure?.queue;
    const kind: TraceKind = queue !== undefined ? 'dead-lettered' : 'dropped';
    const reason = condition === 'RecordAgeExceeded' ? 'records expired while retried' : 'retry attempts exhausted';
    for (const r of batch) ctx.trace.emit(kind, fn, r.sequenceNumber, reason, { stream: e.kinesisStream, shardId: r.shardId, sequenceNumber: r.sequenceNumber, ...(queue !== undefined ? { deadLetterQueue: queue } : {}) });
    const invokeCount = attempts.get(batch[0].sequenceNumber) ?? 0;
    attempts.delete(batch[0].sequenceNumber);
    if (queue === undefined) return;
    const record = kinesisFailureRecord({ functionName: fn, stream: e.kinesisStream, records: batch, condition, invokeCount, now: ctx.clock.now });
    this.host.toQueue(queue, JSON.stringify(record), batch[0].sequenceNumber, e.kinesisStream);
  }

  // ------------------------------------------------------------------------------------------------
  // Traffic and faults

  /** How a traffic generator sends one request to a resource of these systems. */
  trafficSender(target: TrafficTarget, vars: (n: number, id: string) => TemplateVars): (payload: unknown, id: string, n: number) => void {
    const text = (payload: unknown): string => (typeof payload === 'string' ? payload : JSON.stringify(payload ?? null));
    const attributes = target.attributes;
    if (target.exchange !== undefined) {
      const exchange = target.exchange;
      const key = target.routingKey !== undefined ? compileTemplate(target.routingKey, 'target.routingKey') : undefined;
      return (payload, id, n) => void this.rabbit.publish(exchange, key ? String(key(vars(n, id))) : '', text(payload), { cause: id, ...(attributes ? { headers: attributes } : {}) });
    }
    if (target.rabbitQueue !== undefined) {
      const queue = target.rabbitQueue;
      return (payload, id) => void this.rabbit.publish('', queue, text(payload), { cause: id, ...(attributes ? { headers: attributes } : {}) });
    }
    if (target.pubsubTopic !== undefined) {
      const topic = target.pubsubTopic;
      const key = target.orderingKey !== undefined ? compileTemplate(target.orderingKey, 'target.orderingKey') : undefined;
      return (payload, id, n) => void this.pubsub.publish(topic, text(payload), { cause: id, ...(attributes ? { attributes: attributes as Record<string, string> } : {}), ...(key ? { orderingKey: String(key(vars(n, id))) } : {}) });
    }
    const stream = this.kinesis.get(target.kinesisStream!)!;
    const key = target.key !== undefined ? compileTemplate(target.key, 'target.key') : undefined;
    // Without a key template each request's id is its partition key: records spread over the shards.
    return (payload, id, n) => void stream.putRecord(key ? String(key(vars(n, id))) : id, text(payload), { cause: id });
  }

  /** A poison fault's message, published to a resource of these systems. False when the name is not one. */
  poison(target: string, body: string, id: string): boolean {
    switch (this.kinds.get(target)) {
      case 'exchange':
        this.rabbit.publish(target, 'poison', body, { cause: id });
        return true;
      case 'rabbit-queue':
        this.rabbit.publish('', target, body, { cause: id });
        return true;
      case 'pubsub-topic':
        this.pubsub.publish(target, body, { cause: id });
        return true;
      case 'kinesis-stream':
        this.kinesis.get(target)!.putRecord('poison', body, { cause: id });
        return true;
      default:
        return false;
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Changing the system while it runs (the broker playground): each validates first and changes
  // nothing when it throws, then records what it built in the scenario, as the rest of the simulation does.

  addExchange(spec: RabbitExchangeSpec): void {
    if (spec.alternateExchange !== undefined && !this.isExchange(spec.alternateExchange)) throw new ValidationError('alternateExchange', `no exchange "${spec.alternateExchange}" (exchanges: ${this.exchangeChoices()})`);
    this.declareExchange(spec);
    this.rabbitSpec().exchanges!.push({ ...spec });
  }

  addRabbitQueue(spec: RabbitQueueSpec & { exclusive?: boolean; connection?: string }): void {
    if (spec.deadLetterExchange !== undefined && spec.deadLetterExchange !== '' && !this.isExchange(spec.deadLetterExchange)) throw new ValidationError('deadLetterExchange', `no exchange "${spec.deadLetterExchange}" (exchanges: ${this.exchangeChoices()}; "" is the default exchange)`);
    if (spec.deadLetterRoutingKey !== undefined && spec.deadLetterExchange === undefined) throw new ValidationError('deadLetterRoutingKey', 'needs deadLetterExchange: RabbitMQ refuses a dead-letter routing key without a dead-letter exchange');
    this.unclaimed(spec.name);
    try {
      const { name, exclusive, connection, ...rest } = spec;
      this.rabbit.declareQueue(name, { ...rest, ...(exclusive ? { exclusive, connection } : {}) });
    } catch (err) {
      if (err instanceof ValidationError && err.path === 'queue') throw new ValidationError('name', err.reason);
      rebase(err, `queues.${spec.name}`);
    }
    this.kinds.set(spec.name, 'rabbit-queue');
    const { exclusive: _x, connection: _c, ...recorded } = spec;
    this.rabbitSpec().queues!.push(recorded);
  }

  addBinding(spec: RabbitBindingSpec): void {
    this.bind(spec);
    const bindings = this.rabbitSpec().bindings!;
    if (!bindings.some((b) => sameBinding(b, spec))) bindings.push({ ...spec });
  }

  removeBinding(spec: RabbitBindingSpec): void {
    const bindings = this.rabbitSpec().bindings!;
    const i = bindings.findIndex((b) => sameBinding(b, spec));
    if (i < 0) {
      const known = bindings.filter((b) => b.exchange === spec.exchange).map((b) => `${b.queue}${b.routingKey ? ` (${b.routingKey})` : ''}`);
      throw new ValidationError('queue', `exchange "${spec.exchange}" has no such binding to "${spec.queue}" with routing key ${JSON.stringify(spec.routingKey ?? '')} (its bindings: ${known.join(', ') || 'none'})`);
    }
    this.rabbit.unbind(spec.queue, spec.exchange, spec.routingKey ?? '', spec.arguments ?? {});
    bindings.splice(i, 1);
  }

  addPubSubTopic(spec: { name: string }): void {
    this.createTopic(spec);
    this.pubsubSpec().topics!.push({ name: spec.name, subscriptions: [] });
  }

  addSubscription(topic: string, spec: PubSubSubscriptionSpec): void {
    if (spec.deadLetterPolicy && this.kinds.get(spec.deadLetterPolicy.topic) !== 'pubsub-topic') throw new ValidationError('deadLetterPolicy.topic', `no Pub/Sub topic "${spec.deadLetterPolicy.topic}" (topics: ${this.names('pubsub-topic').join(', ') || 'none'})`);
    if (spec.push && !this.host.platform.has(spec.push.function)) throw new ValidationError('push.function', `no function "${spec.push.function}"`);
    this.createSubscription(topic, spec);
    const t = this.pubsubSpec().topics!.find((x) => x.name === topic)!;
    (t.subscriptions ??= []).push({ ...spec });
  }

  addKinesisStream(spec: KinesisStreamSpec): void {
    this.createKinesisStream(spec);
    (this.host.scenario.kinesisStreams ??= []).push({ ...spec });
  }

  /** What refers to a resource of these systems (empty: it may be deleted). */
  dependents(name: string): string[] {
    const kind = this.kinds.get(name);
    const out: string[] = [];
    const sc = this.host.scenario;
    const r = sc.rabbitmq ?? {};
    for (const f of sc.functions) {
      for (const e of (f.events ?? []) as object[]) {
        if (!isSystemEventSpec(e)) continue;
        const source = 'rabbitQueue' in e ? e.rabbitQueue : 'pubsubSubscription' in e ? e.pubsubSubscription : e.kinesisStream;
        if (source === name) out.push(`function "${f.name}" (its event source)`);
      }
    }
    if (kind === 'exchange') {
      for (const b of r.bindings ?? []) if (b.exchange === name) out.push(`its binding to queue "${b.queue}"`);
      for (const q of r.queues ?? []) if (q.deadLetterExchange === name) out.push(`queue "${q.name}" (its dead-letter exchange)`);
      for (const e of r.exchanges ?? []) if (e.alternateExchange === name) out.push(`exchange "${e.name}" (its alternate exchange)`);
    }
    if (kind === 'pubsub-topic') {
      for (const t of sc.pubsub?.topics ?? []) {
        for (const s of t.subscriptions ?? []) {
          if (t.name === name) out.push(`its subscription "${s.name}"`);
          if (s.deadLetterPolicy?.topic === name) out.push(`subscription "${s.name}" (its dead-letter topic)`);
        }
      }
    }
    if (kind === 'pubsub-subscription') {
      const spec = this.subscriptionSpecs.get(name);
      if (spec?.push) out.push(`function "${spec.push.function}" (it pushes to it)`);
    }
    return out;
  }

  /** Delete a push subscription whatever pushes to it (the playground detaching the handler it made it for). */
  removePushSubscription(name: string): void {
    this.pubsub.deleteSubscription(name);
    for (const t of this.pubsubSpec().topics!) if (t.subscriptions) removeNamed(t.subscriptions, name);
    this.subscriptionSpecs.delete(name);
    this.kinds.delete(name);
  }

  /** Push subscriptions that call a function (a function is not deleted while one does). */
  functionDependents(fn: string): string[] {
    return [...this.subscriptionSpecs.values()].filter((s) => s.push?.function === fn).map((s) => `Pub/Sub push subscription "${s.name}"`);
  }

  /** Delete a resource of these systems; refused (naming them) while anything refers to it. */
  remove(name: string): void {
    const kind = this.kinds.get(name);
    if (kind === undefined) throw new ValidationError('name', `no RabbitMQ, Pub/Sub or Kinesis resource "${name}"`);
    const users = this.dependents(name);
    if (users.length) throw new EngineError('ResourceInUse', `${kind.replace('-', ' ')} "${name}" is still used by ${users.join('; ')}: remove ${users.length === 1 ? 'it' : 'them'} first`);
    const sc = this.host.scenario;
    switch (kind) {
      case 'exchange':
        this.rabbit.deleteExchange(name);
        removeNamed(this.rabbitSpec().exchanges!, name);
        break;
      case 'rabbit-queue':
        if (this.rabbit.queueNames().includes(name)) this.rabbit.deleteQueue(name);
        removeNamed(this.rabbitSpec().queues!, name);
        this.rabbitSpec().bindings = this.rabbitSpec().bindings!.filter((b) => b.queue !== name);
        break;
      case 'pubsub-topic':
        this.pubsub.deleteTopic(name);
        removeNamed(this.pubsubSpec().topics!, name);
        break;
      case 'pubsub-subscription':
        this.pubsub.deleteSubscription(name);
        for (const t of this.pubsubSpec().topics!) if (t.subscriptions) removeNamed(t.subscriptions, name);
        this.subscriptionSpecs.delete(name);
        break;
      case 'kinesis-stream':
        this.kinesis.delete(name);
        removeNamed(sc.kinesisStreams ?? [], name);
        break;
    }
    this.kinds.delete(name);
  }

  /**
   * A RabbitMQ broker restart: connections drop (unacked deliveries return), transient exchanges and
   * queues are gone, and so are classic queues' transient messages. Function consumers reconnect.
   */
  restartRabbit(): void {
    this.rabbit.restart();
    this.sync();
    for (const c of this.consumers) c.reconnect();
  }

  /** Forget RabbitMQ resources the broker itself deleted (auto-delete, exclusive, transient after a restart). */
  sync(): void {
    const r = this.host.scenario.rabbitmq;
    const queues = new Set(this.rabbit.queueNames());
    const exchanges = new Set(this.rabbit.exchangeNames());
    for (const [name, kind] of [...this.kinds]) {
      if ((kind === 'rabbit-queue' && !queues.has(name)) || (kind === 'exchange' && !exchanges.has(name))) this.kinds.delete(name);
    }
    if (!r) return;
    r.queues = (r.queues ?? []).filter((q) => queues.has(q.name));
    r.exchanges = (r.exchanges ?? []).filter((e) => exchanges.has(e.name));
    r.bindings = (r.bindings ?? []).filter((b) => queues.has(b.queue) && (exchanges.has(b.exchange) || Object.hasOwn(BUILT_IN, b.exchange)));
  }

  private isExchange(name: string): boolean {
    return this.kinds.get(name) === 'exchange' || Object.hasOwn(BUILT_IN, name);
  }

  private exchangeChoices(): string {
    return [...this.names('exchange'), ...Object.keys(BUILT_IN)].join(', ');
  }

  private rabbitSpec(): Required<NonNullable<Scenario['rabbitmq']>> {
    const sc = this.host.scenario;
    const r = (sc.rabbitmq ??= {});
    r.exchanges ??= [];
    r.queues ??= [];
    r.bindings ??= [];
    return r as Required<NonNullable<Scenario['rabbitmq']>>;
  }

  private pubsubSpec(): Required<NonNullable<Scenario['pubsub']>> {
    const p = (this.host.scenario.pubsub ??= {});
    p.topics ??= [];
    return p as Required<NonNullable<Scenario['pubsub']>>;
  }

  // ------------------------------------------------------------------------------------------------
  // Summary

  summary(count: (kind: TraceKind, resource: string) => number): { summary: SystemsSummary; lost: SystemsLost[] } {
    const out: SystemsSummary = { exchanges: {}, rabbitQueues: {}, pubsubTopics: {}, pubsubSubscriptions: {}, kinesisStreams: {} };
    const lost: SystemsLost[] = [];
    for (const name of this.names('exchange')) {
      const e = { published: count('published', name), routed: count('delivered', name), dropped: count('dropped', name) };
      if (e.dropped) lost.push({ resource: name, kind: 'exchange', count: e.dropped, reason: 'unroutable: no binding matched and no alternate exchange took them' });
      out.exchanges[name] = e;
    }
    for (const name of this.names('rabbit-queue')) {
      const view: AmqpQueueView | undefined = this.rabbit.queueNames().includes(name) ? this.rabbit.queueView(name) : undefined;
      const q = {
        sent: count('sent', name),
        delivered: count('delivered', name) + count('received', name),
        acked: count('deleted', name),
        requeued: count('requeued', name),
        deadLettered: count('dead-lettered', name),
        expired: count('expired', name),
        dropped: count('dropped', name),
        ready: view?.ready ?? 0,
        unacked: view?.unacked ?? 0,
      };
      if (q.dropped) lost.push({ resource: name, kind: 'rabbit-queue', count: q.dropped, reason: 'discarded by the broker: rejected without a dead-letter exchange, over max length or past the delivery limit' });
      out.rabbitQueues[name] = q;
    }
    for (const name of this.names('pubsub-topic')) {
      const t = { published: count('published', name), dropped: count('dropped', name) };
      if (t.dropped) lost.push({ resource: name, kind: 'pubsub-topic', count: t.dropped, reason: 'published while the topic had no subscription: Pub/Sub keeps messages only in subscriptions' });
      out.pubsubTopics[name] = t;
    }
    for (const name of this.names('pubsub-subscription')) {
      const view = this.pubsub.view(name);
      out.pubsubSubscriptions[name] = {
        sent: count('sent', name),
        delivered: count('delivered', name) + count('received', name),
        acked: count('deleted', name),
        redelivered: count('visibility-expired', name),
        filteredOut: count('filtered-out', name),
        deadLettered: count('dead-lettered', name),
        expired: count('expired', name),
        lateAcks: count('stale-handle', name),
        unacked: view.unacked,
      };
    }
    for (const [name, s] of this.kinesis) {
      out.kinesisStreams[name] = { produced: count('produced', name), throttled: count('throttled', name), consumed: count('consumed', name), expired: count('expired', name), shards: s.listShards().filter((x) => x.open).length };
    }
    return { summary: out, lost };
  }

}
