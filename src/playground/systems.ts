/**
 * The playground's side of RabbitMQ, Google Pub/Sub and Kinesis: the commands of `systemTypes.ts`
 * run on the simulation's own systems (`src/engine/systems.ts`), so each has the engine's real
 * semantics, and the views the Broker Explorer shows. What the playground adds is the learner's own
 * RabbitMQ connection: one channel whose consumers the broker pushes to and whose deliveries wait,
 * unacked, until the learner acks, nacks or rejects them by delivery tag (`basic.get` uses it too).
 */
import type { Delivery } from '../engine/amqp';
import { EngineError, ValidationError } from '../engine/errors';
import { HASH_MAX } from '../engine/kinesis';
import type { Simulation } from '../engine/simulation';
import { BUILT_IN_EXCHANGES } from '../engine/systemsSpec';
import type { KinesisStreamView, PubSubView, RabbitMessageView, RabbitView, SystemCommand, SystemResourceKind } from './systemTypes';

/** The connection the learner's RabbitMQ channel belongs to (and exclusive queues with it). */
export const PLAYGROUND_CONNECTION = 'conn-playground';
/** Messages listed per queue or subscription, and latest records per shard. */
const SHOWN = 50;
const KIND_OF: Record<SystemResourceKind, string> = { exchange: 'exchange', rabbitQueue: 'rabbit-queue', pubsubTopic: 'pubsub-topic', subscription: 'pubsub-subscription', kinesisStream: 'kinesis-stream' };
const WORDS: Record<SystemResourceKind, string> = { exchange: 'exchange', rabbitQueue: 'RabbitMQ queue', pubsubTopic: 'Pub/Sub topic', subscription: 'Pub/Sub subscription', kinesisStream: 'Kinesis stream' };

export class SystemsPlayground {
  private channel: string | undefined;
  /** The learner's consumers: tag → queue, prefetch, auto-ack. */
  private readonly consumers = new Map<string, { queue: string; prefetch: number; autoAck: boolean }>();
  /** Deliveries the learner holds, unacked, by delivery tag. */
  private readonly held = new Map<number, Delivery>();

  constructor(private readonly sim: Simulation) {}

  private get systems() {
    return this.sim.systems;
  }

  /** True for the ops this module runs. */
  static handles(op: string): op is SystemCommand['op'] {
    return OPS.has(op);
  }

  /** A name a new resource of these systems (or of the others) may not take: every name is unique. */
  checkFree(name: string): void {
    const sim = this.sim;
    const taken = sim.queues.has(name) ? 'queue' : sim.topics.has(name) ? 'topic' : sim.streams.has(name) ? 'stream' : sim.buses.has(name) ? 'bus' : sim.platform.has(name) ? 'function' : this.systems.kindOf(name)?.replace('-', ' ');
    if (taken) throw new ValidationError('name', `"${name}" is already the name of a ${taken} (every name in the playground is unique)`);
  }

  /** A name the other kinds of the playground may not take when one of these systems has it. */
  checkNotSystem(name: string): void {
    const kind = this.systems.kindOf(name);
    if (kind) throw new ValidationError('name', `"${name}" is already the name of a ${kind.replace('-', ' ')} (every name in the playground is unique)`);
  }

  execute(c: SystemCommand): { message: string; result?: unknown } {
    const s = this.systems;
    switch (c.op) {
      // ── RabbitMQ ──
      case 'declareExchange':
        this.checkFree(c.name);
        s.addExchange({ name: c.name, type: c.type, ...pick(c, 'durable', 'alternateExchange') });
        return { message: `Declared ${c.type} exchange ${c.name}` };
      case 'declareRabbitQueue': {
        this.checkFree(c.name);
        const { op: _op, ...spec } = c;
        s.addRabbitQueue({ ...spec, ...(c.exclusive ? { connection: PLAYGROUND_CONNECTION } : {}) });
        return { message: `Declared ${c.type ?? 'classic'} queue ${c.name}` };
      }
      case 'bind':
        this.need('rabbitQueue', c.queue, 'queue');
        s.addBinding({ exchange: c.exchange, queue: c.queue, ...pick(c, 'routingKey', 'arguments') });
        return { message: `Bound ${c.queue} to ${c.exchange}${c.routingKey ? ` with ${c.routingKey}` : ''}` };
      case 'unbind':
        s.removeBinding({ exchange: c.exchange, queue: c.queue, ...pick(c, 'routingKey', 'arguments') });
        return { message: `Unbound ${c.queue} from ${c.exchange}` };
      case 'amqpPublish': {
        if (c.exchange !== '') this.needExchange(c.exchange);
        const r = s.rabbit.publish(c.exchange, c.routingKey ?? '', c.body, { ...pick(c, 'headers', 'expirationMs', 'persistent', 'mandatory'), cause: 'playground' });
        const where = r.queues.length ? `routed to ${r.queues.join(', ')}` : r.returned ? 'unroutable: returned to you (mandatory)' : 'unroutable: dropped';
        return { message: `Published ${r.messageId} to ${c.exchange === '' ? 'the default exchange' : c.exchange}: ${where}`, result: r };
      }
      case 'amqpConsume': {
        this.need('rabbitQueue', c.queue, 'queue');
        const channel = this.ensureChannel();
        const tag = rename(() => s.rabbit.consume(c.queue, { channel, prefetch: c.prefetch ?? 0, autoAck: c.autoAck, onDelivery: (d) => void (c.autoAck ? undefined : this.held.set(d.deliveryTag, d)) }), 'prefetch');
        this.consumers.set(tag, { queue: c.queue, prefetch: c.prefetch ?? 0, autoAck: Boolean(c.autoAck) });
        return { message: `Consuming ${c.queue} as ${tag}${c.prefetch ? ` (prefetch ${c.prefetch})` : ' (no prefetch limit)'}: the broker pushes deliveries to you`, result: { consumer: tag } };
      }
      case 'amqpCancel': {
        if (!this.consumers.has(c.consumer)) throw new ValidationError('consumer', `you have no consumer ${JSON.stringify(c.consumer)} (yours: ${[...this.consumers.keys()].join(', ') || 'none'})`);
        s.rabbit.cancel(c.consumer);
        this.consumers.delete(c.consumer);
        this.dropSettled();
        return { message: `Cancelled ${c.consumer}: what it had not acked went back to its queue` };
      }
      case 'amqpGet': {
        this.need('rabbitQueue', c.queue, 'queue');
        const d = s.rabbit.get(c.queue, { channel: this.ensureChannel(), autoAck: c.autoAck });
        if (!d) return { message: `${c.queue} has no ready message`, result: null };
        if (!c.autoAck) this.held.set(d.deliveryTag, d);
        return { message: `Got ${d.messageId} from ${c.queue} (delivery tag ${d.deliveryTag}${d.redelivered ? ', redelivered' : ''})`, result: d };
      }
      case 'amqpAck':
        s.rabbit.ack(this.heldChannel(c.deliveryTag, c.multiple), c.deliveryTag, pick(c, 'multiple'));
        this.dropSettled();
        return { message: `Acked delivery ${c.deliveryTag}${c.multiple ? ' and every earlier one' : ''}` };
      case 'amqpNack':
        s.rabbit.nack(this.heldChannel(c.deliveryTag, c.multiple), c.deliveryTag, pick(c, 'multiple', 'requeue'));
        this.dropSettled();
        return { message: `Nacked delivery ${c.deliveryTag}: ${c.requeue === false ? 'dead-lettered (or dropped)' : 'requeued'}` };
      case 'amqpReject':
        s.rabbit.reject(this.heldChannel(c.deliveryTag, false), c.deliveryTag, pick(c, 'requeue'));
        this.dropSettled();
        return { message: `Rejected delivery ${c.deliveryTag}: ${c.requeue === false ? 'dead-lettered (or dropped)' : 'requeued'}` };
      case 'restartBroker':
        s.restartRabbit();
        this.channel = undefined;
        this.consumers.clear();
        this.held.clear();
        return { message: 'The RabbitMQ broker restarted: transient queues, exchanges and messages are gone; your consumers were disconnected' };
      // ── Pub/Sub ──
      case 'createPubSubTopic':
        this.checkFree(c.name);
        s.addPubSubTopic({ name: c.name });
        return { message: `Created Pub/Sub topic ${c.name}` };
      case 'createSubscription': {
        this.need('pubsubTopic', c.topic, 'topic');
        this.checkFree(c.name);
        const retry = c.minimumBackoffS !== undefined || c.maximumBackoffS !== undefined ? { retryPolicy: { ...pick(c, 'minimumBackoffS', 'maximumBackoffS') } } : {};
        if (c.maxDeliveryAttempts !== undefined && c.deadLetterTopic === undefined) throw new ValidationError('maxDeliveryAttempts', 'needs deadLetterTopic: it counts attempts before forwarding there');
        const dl = c.deadLetterTopic !== undefined ? { deadLetterPolicy: { topic: c.deadLetterTopic, ...pick(c, 'maxDeliveryAttempts') } } : {};
        s.addSubscription(c.topic, { name: c.name, ...pick(c, 'ackDeadlineS', 'retentionS', 'retainAckedMessages', 'enableMessageOrdering', 'enableExactlyOnceDelivery', 'filter'), ...retry, ...dl });
        return { message: `Created pull subscription ${c.name} on ${c.topic}` };
      }
      case 'pubsubPublish': {
        this.need('pubsubTopic', c.topic, 'topic');
        const id = s.pubsub.publish(c.topic, c.data, { ...pick(c, 'attributes', 'orderingKey'), cause: 'playground' });
        const subs = s.pubsub.subscriptionNames(c.topic);
        return { message: `Published ${id} to ${c.topic}${subs.length ? '' : ': no subscription, so nobody gets it'}`, result: { messageId: id } };
      }
      case 'pull': {
        this.need('subscription', c.subscription, 'subscription');
        const got = s.pubsub.pull(c.subscription, c.max ?? 10);
        return { message: got.length ? `Pulled ${got.map((m) => m.message.messageId).join(', ')} from ${c.subscription}` : `Nothing to pull from ${c.subscription}`, result: got };
      }
      case 'acknowledge':
        this.need('subscription', c.subscription, 'subscription');
        s.pubsub.acknowledge(c.subscription, c.ackIds);
        return { message: `Acknowledged ${c.ackIds.length} message${c.ackIds.length === 1 ? '' : 's'} on ${c.subscription}` };
      case 'modifyAckDeadline':
        this.need('subscription', c.subscription, 'subscription');
        rename(() => s.pubsub.modifyAckDeadline(c.subscription, c.ackIds, c.seconds), 'seconds', 'ackDeadlineSeconds');
        return { message: c.seconds === 0 ? `Nacked ${c.ackIds.length} message(s): redelivered (after the retry policy's backoff)` : `Ack deadline of ${c.ackIds.length} message(s) set to ${c.seconds} s from now` };
      case 'seek': {
        this.need('subscription', c.subscription, 'subscription');
        if ((c.timeS === undefined) === (c.snapshot === undefined)) throw new ValidationError('timeS', 'give exactly one of timeS (seconds since the start) or snapshot');
        if (c.timeS !== undefined && !(c.timeS >= 0)) throw new ValidationError('timeS', `must be seconds ≥ 0, got ${c.timeS}`);
        s.pubsub.seek(c.subscription, c.snapshot !== undefined ? { snapshot: c.snapshot } : { time: c.timeS! * 1000 });
        return { message: `Seeked ${c.subscription} to ${c.snapshot !== undefined ? `snapshot ${c.snapshot}` : `${c.timeS} s`}: messages after it are unacked again (if retained)` };
      }
      case 'createSnapshot':
        this.need('subscription', c.subscription, 'subscription');
        if (!c.snapshot.length) throw new ValidationError('snapshot', 'must be a non-empty name');
        s.pubsub.createSnapshot(c.subscription, c.snapshot);
        return { message: `Snapshot ${c.snapshot} of ${c.subscription} taken` };
      // ── Kinesis ──
      case 'createKinesisStream':
        this.checkFree(c.name);
        s.addKinesisStream({ name: c.name, ...pick(c, 'shards', 'retentionHours') });
        return { message: `Created Kinesis stream ${c.name} with ${c.shards ?? 1} shard${(c.shards ?? 1) === 1 ? '' : 's'}` };
      case 'putRecord': {
        const stream = this.stream(c.stream);
        const r = rename(() => stream.putRecord(c.partitionKey, c.data, { ...pick(c, 'explicitHashKey'), cause: 'playground' }), 'partitionKey', 'record.partitionKey', 'data', 'record.data', 'explicitHashKey', 'record.explicitHashKey');
        return { message: `Put ${r.sequenceNumber} on ${c.stream} ${r.shardId}`, result: r };
      }
      case 'getRecords': {
        const stream = this.stream(c.stream);
        let iterator = c.shardIterator;
        if (iterator === undefined) {
          if (c.shardId === undefined) throw new ValidationError('shardId', `is required without a shardIterator (shards: ${stream.listShards().map((x) => x.shardId).join(', ')})`);
          const type = c.iteratorType ?? 'TRIM_HORIZON';
          iterator = rename(() => stream.getShardIterator(c.shardId!, type, { ...pick(c, 'sequenceNumber'), ...(c.timestampS !== undefined ? { timestamp: c.timestampS * 1000 } : {}) }), 'sequenceNumber', 'startingSequenceNumber', 'timestampS', 'timestamp');
        }
        const page = rename(() => stream.getRecords(iterator!, c.limit ?? 100), 'limit');
        return { message: `Read ${page.records.length} record${page.records.length === 1 ? '' : 's'} from ${c.stream}${page.nextShardIterator === null ? ' (the shard is closed and read to its end)' : ''}`, result: page };
      }
      case 'splitShard': {
        const stream = this.stream(c.stream);
        const shard = stream.listShards().find((x) => x.shardId === c.shardId);
        if (!shard) throw new ValidationError('shardId', `no shard ${JSON.stringify(c.shardId)} in ${c.stream} (shards: ${stream.listShards().map((x) => x.shardId).join(', ')})`);
        const middle = ((BigInt(shard.startingHashKey) + BigInt(shard.endingHashKey) + 1n) / 2n).toString();
        const at = c.newStartingHashKey ?? middle;
        if (BigInt(at) > HASH_MAX) throw new ValidationError('newStartingHashKey', 'must be at most 2^128 − 1');
        const children = stream.splitShard(c.shardId, at);
        return { message: `Split ${c.shardId} into ${children.join(' and ')}: new records go to them; ${c.shardId} keeps its records until they expire`, result: { children } };
      }
      case 'mergeShards': {
        const merged = this.stream(c.stream).mergeShards(c.shardId, c.adjacentShardId);
        return { message: `Merged ${c.shardId} and ${c.adjacentShardId} into ${merged}`, result: { shardId: merged } };
      }
    }
  }

  /** `delete` of a resource of these systems: refused while something uses it. */
  delete(kind: SystemResourceKind, name: string): string {
    this.need(kind, name, 'name');
    if (kind === 'rabbitQueue') {
      for (const [tag, c] of [...this.consumers]) if (c.queue === name) throw new EngineError('ResourceInUse', `RabbitMQ queue "${name}" is consumed by your consumer ${tag}: cancel it first`);
    }
    this.systems.remove(name);
    return `Deleted ${WORDS[kind]} ${name}`;
  }

  /** Forget what the broker removed by itself (auto-delete queues after their last consumer, …). */
  sync(): void {
    this.systems.sync();
    for (const [tag, c] of [...this.consumers]) if (!this.systems.rabbit.queueNames().includes(c.queue)) this.consumers.delete(tag);
  }

  // ------------------------------------------------------------------------------------------------
  // Views

  rabbitView(): RabbitView {
    const r = this.systems.rabbit;
    const count = (kind: 'published' | 'dropped', name: string) => this.sim.ctx.trace.count(kind, name);
    const heldByMessage = new Map<string, number>();
    for (const d of this.held.values()) heldByMessage.set(`${d.queue}\n${d.messageId}`, d.deliveryTag);
    const unacked = this.channel ? r.unackedOn(this.channel) : [];
    return {
      exchanges: r.exchangeNames().map((name) => ({ ...r.exchangeView(name), published: count('published', name), unroutable: count('dropped', name) })),
      queues: r.queueNames().map((name) => {
        const v = r.queueView(name);
        return {
          name,
          type: v.type,
          ...v.options,
          ready: v.ready,
          unacked: v.unacked,
          consumers: v.consumers,
          messages: v.messages.slice(0, SHOWN).map((m): RabbitMessageView => {
            const tag = m.state === 'unacked' ? heldByMessage.get(`${name}\n${m.messageId}`) : undefined;
            return { messageId: m.messageId, body: m.body, routingKey: m.routingKey, state: m.state, redelivered: m.redelivered, deliveryCount: m.deliveryCount, ...(tag !== undefined ? { deliveryTag: tag } : {}) };
          }),
        };
      }),
      consumers: [...this.consumers].map(([tag, c]) => ({ tag, queue: c.queue, prefetch: c.prefetch, autoAck: c.autoAck, holding: unacked.filter((u) => u.consumerTag === tag).length })),
    };
  }

  pubsubView(): PubSubView {
    const ps = this.systems.pubsub;
    return {
      topics: ps.topicNames().map((name) => ({ name, published: this.sim.ctx.trace.count('published', name), subscriptions: ps.subscriptionNames(name) })),
      subscriptions: ps.subscriptionNames().map((name) => {
        const info = ps.subscriptionInfo(name);
        const v = ps.view(name);
        const pushTo = this.sim.scenario.pubsub?.topics?.flatMap((t) => t.subscriptions ?? []).find((x) => x.name === name)?.push?.function;
        return {
          name,
          topic: info.topic,
          delivery: pushTo !== undefined ? { push: pushTo } : 'pull',
          ackDeadlineS: info.ackDeadlineS,
          retentionS: info.retentionS,
          retainAckedMessages: Boolean(info.retainAckedMessages),
          enableMessageOrdering: Boolean(info.enableMessageOrdering),
          enableExactlyOnceDelivery: Boolean(info.enableExactlyOnceDelivery),
          ...(info.filter ? { filter: info.filter } : {}),
          ...(info.deadLetterPolicy ? { deadLetterPolicy: { topic: info.deadLetterPolicy.topic, maxDeliveryAttempts: info.deadLetterPolicy.maxDeliveryAttempts ?? 5 } } : {}),
          snapshots: ps.snapshotNames(name),
          unacked: v.unacked,
          outstanding: v.outstanding,
          messages: v.messages.slice(-SHOWN),
        };
      }),
    };
  }

  kinesisView(): KinesisStreamView[] {
    return [...this.systems.kinesis.values()].map((stream) => ({
      name: stream.name,
      retentionHours: stream.retentionMs / 3_600_000,
      produced: this.sim.ctx.trace.count('produced', stream.name),
      throttled: this.sim.ctx.trace.count('throttled', stream.name),
      shards: stream.listShards().map((sh) => ({
        ...sh,
        latest: stream.latest(sh.shardId, SHOWN).map((r) => ({ sequenceNumber: r.sequenceNumber, partitionKey: r.partitionKey, data: r.data, arrivedAt: r.approximateArrivalTimestamp })),
      })),
    }));
  }

  // ------------------------------------------------------------------------------------------------
  // Inside

  need(kind: SystemResourceKind, name: string, path: string): void {
    if (this.systems.kindOf(name) === KIND_OF[kind]) return;
    const known = this.systems.names(KIND_OF[kind] as Parameters<Simulation['systems']['names']>[0]);
    throw new ValidationError(path, `no ${WORDS[kind]} ${JSON.stringify(name)} (known: ${known.length ? known.join(', ') : 'none'})`);
  }

  private needExchange(name: string): void {
    if (!Object.hasOwn(BUILT_IN_EXCHANGES, name)) this.need('exchange', name, 'exchange');
  }

  private stream(name: string) {
    this.need('kinesisStream', name, 'stream');
    return this.systems.kinesis.get(name)!;
  }

  private ensureChannel(): string {
    this.channel ??= this.systems.rabbit.openChannel(PLAYGROUND_CONNECTION);
    return this.channel;
  }

  /** The learner's channel, when it holds the delivery tag (or, with `multiple`, any earlier one). */
  private heldChannel(tag: number, multiple: boolean | undefined): string {
    const holds = multiple ? [...this.held.keys()].some((t) => t <= tag) : this.held.has(tag);
    if (!this.channel || !holds) {
      const tags = [...this.held.keys()];
      throw new ValidationError('deliveryTag', `you hold no delivery ${tag}${multiple ? ' or earlier' : ''} (unacked deliveries: ${tags.length ? tags.join(', ') : 'none'}; consume or get a message first)`);
    }
    return this.channel;
  }

  /** Drop held deliveries the broker no longer counts as unacked on the channel (settled, or returned). */
  private dropSettled(): void {
    const live = new Set(this.channel ? this.systems.rabbit.unackedOn(this.channel).map((u) => u.deliveryTag) : []);
    for (const tag of [...this.held.keys()]) if (!live.has(tag)) this.held.delete(tag);
  }
}

const OPS = new Set<string>([
  'declareExchange',
  'declareRabbitQueue',
  'bind',
  'unbind',
  'amqpPublish',
  'amqpConsume',
  'amqpCancel',
  'amqpGet',
  'amqpAck',
  'amqpNack',
  'amqpReject',
  'restartBroker',
  'createPubSubTopic',
  'createSubscription',
  'pubsubPublish',
  'pull',
  'acknowledge',
  'modifyAckDeadline',
  'seek',
  'createSnapshot',
  'createKinesisStream',
  'putRecord',
  'getRecords',
  'splitShard',
  'mergeShards',
]);

function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Run `fn`; a ValidationError of an engine path is re-thrown naming the command's field (`pairs`: field, engine path, …). */
function rename<T>(fn: () => T, ...pairs: string[]): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationError) {
      for (let i = 0; i < pairs.length; i += 2) {
        const field = pairs[i];
        const enginePath = pairs[i + 1] ?? field;
        if (err.path === enginePath || err.path.endsWith(`.${enginePath}`)) throw new ValidationError(field, err.reason);
      }
    }
    throw err;
  }
}
