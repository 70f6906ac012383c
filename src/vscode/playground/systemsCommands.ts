import * as vscode from 'vscode';
import { checkInteger, checkJsonObject, checkName, checkRequired, LIMITS, parseInteger, parseOptionalObject, type Check } from '../../playground/input';
import type { PlaygroundCommand, PlaygroundResponse, PlaygroundSnapshot } from '../../playground/types';
import { preview, type BrokerNode } from './model';
import type { Choice, Flow } from './prompts';

/**
 * The playground's RabbitMQ, Google Pub/Sub and Kinesis commands as palette flows: each asks for
 * what its command needs (starting from a Broker Explorer row when run from one), checks what is
 * typed as it is typed, and sends nothing when cancelled. `commands.ts` registers them with the rest.
 */
export interface SystemFlowContext {
  node: BrokerNode | undefined;
  snapshot: PlaygroundSnapshot;
  flow: Flow;
}

export interface SystemFlow {
  name: string;
  op: PlaygroundCommand['op'];
  title: string;
  steps: number;
  build: (ctx: SystemFlowContext) => Promise<PlaygroundCommand | undefined>;
  /** Show the command's result (pulled messages, records read) in a document. */
  document?: (command: PlaygroundCommand) => string;
}

const LIMIT = {
  prefetch: { min: 0, max: 65_535, unit: 'messages' },
  ackDeadline: { min: 10, max: 600, unit: 'seconds' },
  modifyDeadline: { min: 0, max: 600, unit: 'seconds' },
  pullMax: { min: 1, max: 1000, unit: 'messages' },
  shards: { min: 1, max: 500, unit: 'shards' },
  retentionHours: { min: 24, max: 8_760, unit: 'hours' },
  records: { min: 1, max: 10_000, unit: 'records' },
  deliveryLimit: { min: -1, max: 10_000, unit: 'deliveries' },
  ttl: { min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'ms' },
} as const;

/** Every name in the playground: a new resource of any system takes a free one. */
function allNames(s: PlaygroundSnapshot): string[] {
  return [
    ...s.queues.map((q) => q.name),
    ...s.topics.map((t) => t.name),
    ...s.streams.map((x) => x.name),
    ...s.buses.map((b) => b.name),
    ...s.functions.map((f) => f.name),
    ...(s.rabbitmq?.exchanges ?? []).map((e) => e.name),
    ...(s.rabbitmq?.queues ?? []).map((q) => q.name),
    ...(s.pubsub?.topics ?? []).map((t) => t.name),
    ...(s.pubsub?.subscriptions ?? []).map((x) => x.name),
    ...(s.kinesis ?? []).map((k) => k.name),
  ];
}

/** Pub/Sub names: 3–255 characters, a letter first, not "goog". */
function checkPubSubName(text: string, taken: readonly string[]): string | undefined {
  const t = text.trim();
  if (!/^[A-Za-z][A-Za-z0-9_.~+%-]{2,254}$/.test(t)) return 'A Pub/Sub name is 3–255 letters, digits or - _ . ~ + %, starting with a letter.';
  if (t.startsWith('goog')) return 'Names starting with "goog" are reserved.';
  return taken.includes(t) ? `"${t}" is already used in the playground.` : undefined;
}

/** RabbitMQ names: 1–255 letters, digits, . _ - :, not starting with "amq.". */
function checkAmqpName(text: string, taken: readonly string[]): string | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9_.:-]{1,255}$/.test(t)) return 'Use 1–255 letters, digits, ".", "_", "-" or ":".';
  if (t.startsWith('amq.')) return 'Names starting with "amq." are reserved for the broker.';
  return taken.includes(t) ? `"${t}" is already used in the playground.` : undefined;
}

function warnNone(what: string): undefined {
  void vscode.window.showWarningMessage(`Serverless Lab: there is no ${what} in the playground yet — create one first.`);
  return undefined;
}

async function number(flow: Flow, prompt: string, limit: { min: number; max: number; unit: string }, value: string, optional = false): Promise<number | undefined | null> {
  const t = await flow.text({ prompt: `${prompt} (${limit.min}–${limit.max === Number.MAX_SAFE_INTEGER ? '…' : limit.max}${optional ? ', empty for none' : ''})`, value, check: (x) => checkInteger(x, limit, { optional }) });
  return t === undefined ? null : parseInteger(t);
}

/** A resource from a list (or the row's own): `undefined` when cancelled or there is none. */
async function pick(ctx: SystemFlowContext, names: string[], preset: string | undefined, placeholder: string, what: string, describe: (n: string) => string = () => ''): Promise<string | undefined> {
  if (preset !== undefined) {
    ctx.flow.skip();
    return preset;
  }
  if (!names.length) return warnNone(what);
  return ctx.flow.pick({ placeholder, items: names.map((n) => ({ label: n, description: describe(n), value: n })) });
}

const exchangeOf = (n: BrokerNode | undefined) => (n?.node === 'exchange' ? n.exchange.name : n?.node === 'binding' ? n.exchange.name : undefined);
const rabbitQueueOf = (n: BrokerNode | undefined) => (n?.node === 'rabbitQueue' || n?.node === 'rabbitMessage' ? n.queue.name : undefined);
const topicOf = (n: BrokerNode | undefined) => (n?.node === 'pubsubTopic' ? n.topic.name : n?.node === 'pubsubSubscription' ? n.subscription.topic : undefined);
const subscriptionOf = (n: BrokerNode | undefined) => (n?.node === 'pubsubSubscription' ? n.subscription.name : n?.node === 'pubsubMessage' ? n.subscription.name : undefined);
const streamOf = (n: BrokerNode | undefined) => (n?.node === 'kinesisStream' || n?.node === 'shard' || n?.node === 'kinesisRecord' ? n.stream.name : undefined);

const exchanges = (s: PlaygroundSnapshot) => (s.rabbitmq?.exchanges ?? []).map((e) => e.name);
const rabbitQueues = (s: PlaygroundSnapshot) => (s.rabbitmq?.queues ?? []).map((q) => q.name);
const pullSubscriptions = (s: PlaygroundSnapshot) => (s.pubsub?.subscriptions ?? []).filter((x) => x.delivery === 'pull').map((x) => x.name);

/** A delivery the learner holds (the row's, or picked). */
async function heldDelivery(ctx: SystemFlowContext, verb: string): Promise<number | undefined> {
  if (ctx.node?.node === 'rabbitMessage' && ctx.node.message.deliveryTag !== undefined) {
    ctx.flow.skip();
    return ctx.node.message.deliveryTag;
  }
  const held = (ctx.snapshot.rabbitmq?.queues ?? []).flatMap((q) => q.messages.filter((m) => m.deliveryTag !== undefined).map((m) => ({ q: q.name, m })));
  if (!held.length) {
    void vscode.window.showWarningMessage('Serverless Lab: you hold no RabbitMQ delivery — consume a queue or get a message first.');
    return undefined;
  }
  return ctx.flow.pick({ placeholder: `${verb} which delivery?`, items: held.map(({ q, m }) => ({ label: preview(m.body), description: `${q} · tag ${m.deliveryTag}${m.redelivered ? ' · redelivered' : ''}`, value: m.deliveryTag! })) });
}

/** Outstanding ack ids of a pull subscription (the row's message, or picked). */
async function ackIds(ctx: SystemFlowContext, verb: string): Promise<{ subscription: string; ackIds: string[] } | undefined> {
  if (ctx.node?.node === 'pubsubMessage' && ctx.node.message.ackId) {
    ctx.flow.skip(2);
    return { subscription: ctx.node.subscription.name, ackIds: [ctx.node.message.ackId] };
  }
  const subs = (ctx.snapshot.pubsub?.subscriptions ?? []).filter((x) => x.messages.some((m) => m.ackId));
  const subscription = await pick(ctx, subs.map((x) => x.name), subscriptionOf(ctx.node), `${verb}: which subscription?`, 'outstanding Pub/Sub message (pull one first)');
  if (!subscription) return undefined;
  const out = (ctx.snapshot.pubsub?.subscriptions ?? []).find((x) => x.name === subscription)!.messages.filter((m) => m.ackId);
  if (!out.length) return warnNone(`outstanding message in ${subscription} (pull one first)`);
  const all = { label: `All ${out.length} outstanding`, value: out.map((m) => m.ackId!) };
  const chosen = await ctx.flow.pick<string[]>({ placeholder: `${verb} which message?`, items: [...(out.length > 1 ? [all] : []), ...out.map((m) => ({ label: preview(m.data), description: `${m.messageId} · attempt ${m.attempts}`, value: [m.ackId!] }))] });
  return chosen ? { subscription, ackIds: chosen } : undefined;
}

function yesNo<T>(placeholder: string, flow: Flow, a: Choice<T>, b: Choice<T>): Promise<T | undefined> {
  return flow.pick({ placeholder, items: [a, b] });
}

const optionalText = (flow: Flow, prompt: string, placeholder: string, check?: Check) => flow.text({ prompt, placeholder, check });

export const SYSTEM_FLOWS: SystemFlow[] = [
  // ── RabbitMQ ──
  {
    name: 'declareExchange',
    op: 'declareExchange',
    title: 'Declare RabbitMQ Exchange',
    steps: 2,
    build: async (ctx) => {
      const type = await ctx.flow.pick({
        placeholder: 'Exchange type: how it decides which queues get a message',
        items: [
          { label: 'direct', detail: 'To the queues whose binding key equals the routing key', value: 'direct' as const },
          { label: 'fanout', detail: 'A copy to every bound queue (the routing key is ignored)', value: 'fanout' as const },
          { label: 'topic', detail: 'Routing keys of dot-separated words against patterns: * one word, # zero or more', value: 'topic' as const },
          { label: 'headers', detail: 'Message headers against binding arguments (x-match all or any)', value: 'headers' as const },
        ],
      });
      if (!type) return undefined;
      const name = await ctx.flow.text({ prompt: 'Exchange name', placeholder: 'orders', check: (t) => checkAmqpName(t, allNames(ctx.snapshot)) });
      return name === undefined ? undefined : { op: 'declareExchange', name: name.trim(), type };
    },
  },
  {
    name: 'declareRabbitQueue',
    op: 'declareRabbitQueue',
    title: 'Declare RabbitMQ Queue',
    steps: 4,
    build: async (ctx) => {
      const type = await yesNo('Classic or quorum queue?', ctx.flow, { label: 'Classic', detail: 'A requeued message comes back as often as it fails', value: 'classic' as const }, { label: 'Quorum', detail: 'Replicated; counts failed deliveries against a delivery limit (20 by default)', value: 'quorum' as const });
      if (!type) return undefined;
      const name = await ctx.flow.text({ prompt: 'Queue name', placeholder: 'billing', check: (t) => checkAmqpName(t, allNames(ctx.snapshot)) });
      if (name === undefined) return undefined;
      const dlx = await ctx.flow.pick<string | false>({
        placeholder: 'Dead-letter exchange: where rejected and expired messages are published',
        items: [{ label: 'No dead-letter exchange (they are dropped)', value: false }, { label: 'The default exchange', description: 'to the queue named by a dead-letter routing key', value: '' }, ...exchanges(ctx.snapshot).map((e) => ({ label: e, value: e }))],
      });
      if (dlx === undefined) return undefined;
      const command: Extract<PlaygroundCommand, { op: 'declareRabbitQueue' }> = { op: 'declareRabbitQueue', name: name.trim(), type };
      if (dlx !== false) {
        command.deadLetterExchange = dlx;
        if (dlx === '') {
          ctx.flow.add(1);
          const key = await ctx.flow.text({ prompt: 'Dead-letter routing key: the queue dead letters go to', check: (t) => (rabbitQueues(ctx.snapshot).includes(t) ? undefined : `Name an existing RabbitMQ queue (${rabbitQueues(ctx.snapshot).join(', ') || 'none yet'}).`) });
          if (key === undefined) return undefined;
          command.deadLetterRoutingKey = key;
        }
      }
      const ttl = await number(ctx.flow, 'Message TTL in ms (x-message-ttl)', LIMIT.ttl, '', true);
      if (ttl === null) return undefined;
      if (ttl !== undefined) command.messageTtlMs = ttl;
      if (type === 'quorum') {
        ctx.flow.add(1);
        const limit = await number(ctx.flow, 'Delivery limit: failed deliveries before dead-lettering (-1: none)', LIMIT.deliveryLimit, '20');
        if (limit === null) return undefined;
        if (limit !== undefined) command.deliveryLimit = limit;
      }
      return command;
    },
  },
  {
    name: 'bindQueue',
    op: 'bind',
    title: 'Bind RabbitMQ Queue',
    steps: 3,
    build: async (ctx) => {
      const exchange = await pick(ctx, exchanges(ctx.snapshot), exchangeOf(ctx.node), 'Bind to which exchange?', 'exchange');
      if (!exchange) return undefined;
      const queue = await pick(ctx, rabbitQueues(ctx.snapshot), rabbitQueueOf(ctx.node), `Which queue gets ${exchange}'s messages?`, 'RabbitMQ queue');
      if (!queue) return undefined;
      const type = ctx.snapshot.rabbitmq?.exchanges.find((e) => e.name === exchange)?.type;
      if (type === 'fanout') return { op: 'bind', exchange, queue };
      if (type === 'headers') {
        const args = await ctx.flow.text({ prompt: 'Headers to match, and x-match (all or any)', value: '{"x-match": "all", "kind": "order"}', check: checkJsonObject() });
        const parsed = args === undefined ? undefined : parseOptionalObject(args);
        return parsed ? { op: 'bind', exchange, queue, arguments: parsed as Record<string, string> } : undefined;
      }
      const key = await ctx.flow.text({ prompt: type === 'topic' ? 'Binding key: words separated by ".", * one word, # zero or more' : 'Binding key: the routing key to match', placeholder: type === 'topic' ? 'order.*.created' : 'billing' });
      return key === undefined ? undefined : { op: 'bind', exchange, queue, routingKey: key };
    },
  },
  {
    name: 'unbindQueue',
    op: 'unbind',
    title: 'Unbind RabbitMQ Queue',
    steps: 1,
    build: async (ctx) => {
      if (ctx.node?.node === 'binding') return { op: 'unbind', exchange: ctx.node.exchange.name, queue: ctx.node.binding.queue, routingKey: ctx.node.binding.routingKey, arguments: ctx.node.binding.arguments };
      const all = (ctx.snapshot.rabbitmq?.exchanges ?? []).flatMap((e) => e.bindings.map((b) => ({ e: e.name, b })));
      if (!all.length) return warnNone('binding');
      const chosen = await ctx.flow.pick({ placeholder: 'Remove which binding?', items: all.map(({ e, b }) => ({ label: `${e} → ${b.queue}`, description: b.routingKey, value: { e, b } })) });
      return chosen ? { op: 'unbind', exchange: chosen.e, queue: chosen.b.queue, routingKey: chosen.b.routingKey, arguments: chosen.b.arguments } : undefined;
    },
  },
  {
    name: 'publishToExchange',
    op: 'amqpPublish',
    title: 'Publish to RabbitMQ Exchange',
    steps: 3,
    build: async (ctx) => {
      const preset = exchangeOf(ctx.node) ?? (rabbitQueueOf(ctx.node) !== undefined ? '' : undefined);
      let exchange: string | undefined;
      if (preset !== undefined) {
        ctx.flow.skip();
        exchange = preset;
      } else {
        exchange = await ctx.flow.pick({ placeholder: 'Publish to which exchange?', items: [{ label: 'The default exchange', description: 'to the queue the routing key names', value: '' }, ...exchanges(ctx.snapshot).map((e) => ({ label: e, value: e }))] });
      }
      if (exchange === undefined) return undefined;
      const key = exchange === '' && rabbitQueueOf(ctx.node) !== undefined ? rabbitQueueOf(ctx.node) : await ctx.flow.text({ prompt: exchange === '' ? 'Routing key: the queue to send to' : 'Routing key', placeholder: exchange === '' ? rabbitQueues(ctx.snapshot)[0] ?? 'queue' : 'order.eu.created' });
      if (key === undefined) return undefined;
      const body = await ctx.flow.text({ prompt: 'Message body', placeholder: '{"orderId": 1}', check: checkRequired('A message body') });
      return body === undefined ? undefined : { op: 'amqpPublish', exchange, routingKey: key, body };
    },
  },
  {
    name: 'consumeQueue',
    op: 'amqpConsume',
    title: 'Consume RabbitMQ Queue',
    steps: 2,
    build: async (ctx) => {
      const queue = await pick(ctx, rabbitQueues(ctx.snapshot), rabbitQueueOf(ctx.node), 'Consume which queue? (the broker pushes its messages to you)', 'RabbitMQ queue');
      if (!queue) return undefined;
      const prefetch = await number(ctx.flow, 'Prefetch: unacked deliveries you may hold (0: no limit)', LIMIT.prefetch, '1');
      return prefetch === null ? undefined : { op: 'amqpConsume', queue, ...(prefetch !== undefined ? { prefetch } : {}) };
    },
  },
  {
    name: 'cancelConsumer',
    op: 'amqpCancel',
    title: 'Cancel RabbitMQ Consumer',
    steps: 1,
    build: async (ctx) => {
      if (ctx.node?.node === 'rabbitConsumer') return { op: 'amqpCancel', consumer: ctx.node.consumer.tag };
      const tags = (ctx.snapshot.rabbitmq?.consumers ?? []).map((c) => c.tag);
      const consumer = await pick(ctx, tags, undefined, 'Cancel which consumer? (what it holds goes back to its queue)', 'consumer of yours');
      return consumer ? { op: 'amqpCancel', consumer } : undefined;
    },
  },
  {
    name: 'getMessage',
    op: 'amqpGet',
    title: 'Get RabbitMQ Message',
    steps: 1,
    build: async (ctx) => {
      const queue = await pick(ctx, rabbitQueues(ctx.snapshot), rabbitQueueOf(ctx.node), 'Get one message from which queue? (basic.get)', 'RabbitMQ queue');
      return queue ? { op: 'amqpGet', queue } : undefined;
    },
  },
  {
    name: 'ackDelivery',
    op: 'amqpAck',
    title: 'Ack RabbitMQ Delivery',
    steps: 1,
    build: async (ctx) => {
      const tag = await heldDelivery(ctx, 'Ack');
      return tag === undefined ? undefined : { op: 'amqpAck', deliveryTag: tag };
    },
  },
  {
    name: 'nackDelivery',
    op: 'amqpNack',
    title: 'Nack RabbitMQ Delivery',
    steps: 2,
    build: async (ctx) => {
      const tag = await heldDelivery(ctx, 'Nack');
      if (tag === undefined) return undefined;
      const requeue = await yesNo('Requeue it?', ctx.flow, { label: 'Requeue', detail: 'Back to the queue; its next delivery is marked redelivered', value: true }, { label: 'Do not requeue', detail: 'Dead-lettered (or dropped without a dead-letter exchange)', value: false });
      return requeue === undefined ? undefined : { op: 'amqpNack', deliveryTag: tag, requeue };
    },
  },
  {
    name: 'rejectDelivery',
    op: 'amqpReject',
    title: 'Reject RabbitMQ Delivery',
    steps: 2,
    build: async (ctx) => {
      const tag = await heldDelivery(ctx, 'Reject');
      if (tag === undefined) return undefined;
      const requeue = await yesNo('Requeue it?', ctx.flow, { label: 'Requeue', detail: 'A quorum queue counts it against the delivery limit', value: true }, { label: 'Do not requeue', detail: 'Dead-lettered (or dropped without a dead-letter exchange)', value: false });
      return requeue === undefined ? undefined : { op: 'amqpReject', deliveryTag: tag, requeue };
    },
  },
  {
    name: 'restartBroker',
    op: 'restartBroker',
    title: 'Restart RabbitMQ Broker',
    steps: 0,
    build: async () => {
      const ok = await vscode.window.showWarningMessage('Restart the RabbitMQ broker? Transient queues, exchanges and messages are lost; your consumers are disconnected.', { modal: true }, 'Restart');
      return ok === 'Restart' ? { op: 'restartBroker' } : undefined;
    },
  },
  // ── Google Pub/Sub ──
  {
    name: 'createPubSubTopic',
    op: 'createPubSubTopic',
    title: 'Create Pub/Sub Topic',
    steps: 1,
    build: async (ctx) => {
      const name = await ctx.flow.text({ prompt: 'Pub/Sub topic name', placeholder: 'order-events', check: (t) => checkPubSubName(t, allNames(ctx.snapshot)) });
      return name === undefined ? undefined : { op: 'createPubSubTopic', name: name.trim() };
    },
  },
  {
    name: 'createSubscription',
    op: 'createSubscription',
    title: 'Create Pub/Sub Subscription',
    steps: 4,
    build: async (ctx) => {
      const topic = await pick(ctx, (ctx.snapshot.pubsub?.topics ?? []).map((t) => t.name), topicOf(ctx.node), 'Subscribe to which topic?', 'Pub/Sub topic');
      if (!topic) return undefined;
      const name = await ctx.flow.text({ prompt: 'Subscription name', value: `${topic}-sub`, check: (t) => checkPubSubName(t, allNames(ctx.snapshot)) });
      if (name === undefined) return undefined;
      const deadline = await number(ctx.flow, 'Ack deadline: seconds to ack a pulled message before it is redelivered', LIMIT.ackDeadline, '10');
      if (deadline === null) return undefined;
      const options = await ctx.flow.pick<Partial<Extract<PlaygroundCommand, { op: 'createSubscription' }>>>({
        placeholder: 'Delivery guarantees',
        items: [
          { label: 'At least once', detail: 'The default: a message may be delivered again', value: {} },
          { label: 'Ordered by ordering key', detail: 'In publish order per key; a redelivery redelivers the rest of its key', value: { enableMessageOrdering: true } },
          { label: 'Exactly once', detail: 'An acked message is never redelivered; a late ack fails', value: { enableExactlyOnceDelivery: true } },
          { label: 'Retain acked messages', detail: 'So that seek can replay them', value: { retainAckedMessages: true } },
        ],
      });
      if (!options) return undefined;
      return { op: 'createSubscription', topic, name: name.trim(), ...(deadline !== undefined ? { ackDeadlineS: deadline } : {}), ...options };
    },
  },
  {
    name: 'publishToPubSub',
    op: 'pubsubPublish',
    title: 'Publish to Pub/Sub Topic',
    steps: 3,
    build: async (ctx) => {
      const topic = await pick(ctx, (ctx.snapshot.pubsub?.topics ?? []).map((t) => t.name), topicOf(ctx.node), 'Publish to which topic?', 'Pub/Sub topic');
      if (!topic) return undefined;
      const data = await ctx.flow.text({ prompt: 'Message data', placeholder: '{"orderId": 1}', check: checkRequired('Message data') });
      if (data === undefined) return undefined;
      const key = await optionalText(ctx.flow, 'Ordering key (optional): ordered subscriptions keep one key in publish order', 'customer-1');
      if (key === undefined) return undefined;
      return { op: 'pubsubPublish', topic, data, ...(key ? { orderingKey: key } : {}) };
    },
    document: undefined,
  },
  {
    name: 'pull',
    op: 'pull',
    title: 'Pull Pub/Sub Messages',
    steps: 2,
    build: async (ctx) => {
      const subscription = await pick(ctx, pullSubscriptions(ctx.snapshot), subscriptionOf(ctx.node), 'Pull from which subscription?', 'pull subscription');
      if (!subscription) return undefined;
      const max = await number(ctx.flow, 'How many messages at most', LIMIT.pullMax, '10');
      return max === null ? undefined : { op: 'pull', subscription, ...(max !== undefined ? { max } : {}) };
    },
    document: (c) => `pulled ${'subscription' in c ? c.subscription : ''}`,
  },
  {
    name: 'acknowledge',
    op: 'acknowledge',
    title: 'Acknowledge Pub/Sub Messages',
    steps: 2,
    build: async (ctx) => {
      const ids = await ackIds(ctx, 'Acknowledge');
      return ids ? { op: 'acknowledge', ...ids } : undefined;
    },
  },
  {
    name: 'modifyAckDeadline',
    op: 'modifyAckDeadline',
    title: 'Modify Pub/Sub Ack Deadline',
    steps: 3,
    build: async (ctx) => {
      const ids = await ackIds(ctx, 'Modify the deadline');
      if (!ids) return undefined;
      const seconds = await number(ctx.flow, 'New deadline in seconds from now (0: nack, redeliver now)', LIMIT.modifyDeadline, '60');
      return seconds === null || seconds === undefined ? undefined : { op: 'modifyAckDeadline', ...ids, seconds };
    },
  },
  {
    name: 'seek',
    op: 'seek',
    title: 'Seek Pub/Sub Subscription',
    steps: 2,
    build: async (ctx) => {
      const subscription = await pick(ctx, (ctx.snapshot.pubsub?.subscriptions ?? []).map((x) => x.name), subscriptionOf(ctx.node), 'Seek which subscription?', 'Pub/Sub subscription');
      if (!subscription) return undefined;
      const snapshots = ctx.snapshot.pubsub?.subscriptions.find((x) => x.name === subscription)?.snapshots ?? [];
      const target = await ctx.flow.pick<string | false>({ placeholder: 'Seek to…', items: [{ label: 'A time', detail: 'Messages published from then on become unacked again (if still retained)', value: false }, ...snapshots.map((x) => ({ label: `Snapshot ${x}`, value: x }))] });
      if (target === undefined) return undefined;
      if (target !== false) return { op: 'seek', subscription, snapshot: target };
      ctx.flow.add(1);
      const time = await number(ctx.flow, 'Virtual time to seek to, in seconds since the start', LIMITS.offset, '0');
      return time === null || time === undefined ? undefined : { op: 'seek', subscription, timeS: time };
    },
  },
  {
    name: 'createSnapshot',
    op: 'createSnapshot',
    title: 'Create Pub/Sub Snapshot',
    steps: 2,
    build: async (ctx) => {
      const subscription = await pick(ctx, (ctx.snapshot.pubsub?.subscriptions ?? []).map((x) => x.name), subscriptionOf(ctx.node), 'Snapshot which subscription?', 'Pub/Sub subscription');
      if (!subscription) return undefined;
      const snapshot = await ctx.flow.text({ prompt: 'Snapshot name', value: 'before-deploy', check: checkRequired('A snapshot name') });
      return snapshot === undefined ? undefined : { op: 'createSnapshot', subscription, snapshot };
    },
  },
  // ── Kinesis ──
  {
    name: 'createKinesisStream',
    op: 'createKinesisStream',
    title: 'Create Kinesis Stream',
    steps: 3,
    build: async (ctx) => {
      const name = await ctx.flow.text({ prompt: 'Kinesis stream name', placeholder: 'clicks', check: (t) => checkName('stream', t, { taken: allNames(ctx.snapshot) }) });
      if (name === undefined) return undefined;
      const shards = await number(ctx.flow, 'Shards: each takes 1,000 records or 1 MiB per second', LIMIT.shards, '2');
      if (shards === null) return undefined;
      const retentionHours = await number(ctx.flow, 'Retention in hours', LIMIT.retentionHours, '24');
      if (retentionHours === null) return undefined;
      return { op: 'createKinesisStream', name: name.trim(), ...(shards !== undefined ? { shards } : {}), ...(retentionHours !== undefined ? { retentionHours } : {}) };
    },
  },
  {
    name: 'putRecord',
    op: 'putRecord',
    title: 'Put Kinesis Record',
    steps: 3,
    build: async (ctx) => {
      const stream = await pick(ctx, (ctx.snapshot.kinesis ?? []).map((k) => k.name), streamOf(ctx.node), 'Put a record on which stream?', 'Kinesis stream');
      if (!stream) return undefined;
      const partitionKey = await ctx.flow.text({ prompt: 'Partition key: its MD5 hash picks the shard', placeholder: 'user-1', check: (t) => (t.length >= 1 && t.length <= 256 ? undefined : 'A partition key is 1–256 characters.') });
      if (partitionKey === undefined) return undefined;
      const data = await ctx.flow.text({ prompt: 'Record data', placeholder: '{"page": "/home"}', check: checkRequired('Record data') });
      return data === undefined ? undefined : { op: 'putRecord', stream, partitionKey, data };
    },
  },
  {
    name: 'getRecords',
    op: 'getRecords',
    title: 'Get Kinesis Records',
    steps: 3,
    build: async (ctx) => {
      const stream = await pick(ctx, (ctx.snapshot.kinesis ?? []).map((k) => k.name), streamOf(ctx.node), 'Read which stream?', 'Kinesis stream');
      if (!stream) return undefined;
      const shards = ctx.snapshot.kinesis?.find((k) => k.name === stream)?.shards ?? [];
      let shardId: string | undefined;
      if (ctx.node?.node === 'shard') {
        ctx.flow.skip();
        shardId = ctx.node.shard.shardId;
      } else shardId = await ctx.flow.pick({ placeholder: 'Which shard?', items: shards.map((s) => ({ label: s.shardId, description: `${s.open ? 'open' : 'closed'} · ${s.records} records`, value: s.shardId })) });
      if (!shardId) return undefined;
      const type = await ctx.flow.pick({
        placeholder: 'Iterator type: where to start reading',
        items: [
          { label: 'TRIM_HORIZON', detail: 'The oldest record still kept', value: 'TRIM_HORIZON' as const },
          { label: 'LATEST', detail: 'Only records put after now (this read returns none)', value: 'LATEST' as const },
        ],
      });
      return type ? { op: 'getRecords', stream, shardId, iteratorType: type } : undefined;
    },
    document: (c) => `records ${'stream' in c ? c.stream : ''}`,
  },
  {
    name: 'splitShard',
    op: 'splitShard',
    title: 'Split Kinesis Shard',
    steps: 2,
    build: async (ctx) => {
      const stream = await pick(ctx, (ctx.snapshot.kinesis ?? []).map((k) => k.name), streamOf(ctx.node), 'Reshard which stream?', 'Kinesis stream');
      if (!stream) return undefined;
      const open = (ctx.snapshot.kinesis?.find((k) => k.name === stream)?.shards ?? []).filter((s) => s.open).map((s) => s.shardId);
      const shardId = ctx.node?.node === 'shard' && ctx.node.shard.open ? ctx.node.shard.shardId : await ctx.flow.pick({ placeholder: 'Split which shard (at the middle of its hash-key range)?', items: open.map((s) => ({ label: s, value: s })) });
      return shardId ? { op: 'splitShard', stream, shardId } : undefined;
    },
  },
  {
    name: 'mergeShards',
    op: 'mergeShards',
    title: 'Merge Kinesis Shards',
    steps: 3,
    build: async (ctx) => {
      const stream = await pick(ctx, (ctx.snapshot.kinesis ?? []).map((k) => k.name), streamOf(ctx.node), 'Reshard which stream?', 'Kinesis stream');
      if (!stream) return undefined;
      const open = (ctx.snapshot.kinesis?.find((k) => k.name === stream)?.shards ?? []).filter((s) => s.open);
      if (open.length < 2) return warnNone(`second open shard in ${stream}`);
      const first = await ctx.flow.pick({ placeholder: 'Merge which shard…', items: open.map((s) => ({ label: s.shardId, value: s })) });
      if (!first) return undefined;
      // Only shards whose hash-key ranges touch can merge.
      const adjacent = open.filter((s) => BigInt(s.endingHashKey) + 1n === BigInt(first.startingHashKey) || BigInt(first.endingHashKey) + 1n === BigInt(s.startingHashKey));
      if (!adjacent.length) return warnNone(`shard adjacent to ${first.shardId}`);
      const second = await ctx.flow.pick({ placeholder: `…with which adjacent shard?`, items: adjacent.map((s) => ({ label: s.shardId, value: s.shardId })) });
      return second ? { op: 'mergeShards', stream, shardId: first.shardId, adjacentShardId: second } : undefined;
    },
  },
];

/** A resource of these systems as `delete` names it, for the Delete picker. */
export function systemResources(s: PlaygroundSnapshot): Array<{ section: string; kind: 'exchange' | 'rabbitQueue' | 'pubsubTopic' | 'subscription' | 'kinesisStream'; name: string }> {
  return [
    ...(s.rabbitmq?.exchanges ?? []).map((e) => ({ section: 'RabbitMQ', kind: 'exchange' as const, name: e.name })),
    ...(s.rabbitmq?.queues ?? []).map((q) => ({ section: 'RabbitMQ', kind: 'rabbitQueue' as const, name: q.name })),
    ...(s.pubsub?.topics ?? []).map((t) => ({ section: 'Google Pub/Sub', kind: 'pubsubTopic' as const, name: t.name })),
    ...(s.pubsub?.subscriptions ?? []).map((x) => ({ section: 'Google Pub/Sub', kind: 'subscription' as const, name: x.name })),
    ...(s.kinesis ?? []).map((k) => ({ section: 'Kinesis', kind: 'kinesisStream' as const, name: k.name })),
  ];
}

/** The delete command for a Broker Explorer row of these systems, if it is one. */
export function systemDeleteOf(node: BrokerNode | undefined): PlaygroundCommand | undefined {
  switch (node?.node) {
    case 'exchange':
      return { op: 'delete', kind: 'exchange', name: node.exchange.name };
    case 'rabbitQueue':
      return { op: 'delete', kind: 'rabbitQueue', name: node.queue.name };
    case 'pubsubTopic':
      return { op: 'delete', kind: 'pubsubTopic', name: node.topic.name };
    case 'pubsubSubscription':
      return { op: 'delete', kind: 'subscription', name: node.subscription.name };
    case 'kinesisStream':
      return { op: 'delete', kind: 'kinesisStream', name: node.stream.name };
    default:
      return undefined;
  }
}

/** Triggers of these systems for Attach Handler. */
export function systemTriggers(s: PlaygroundSnapshot): Array<Choice<Record<string, string>>> {
  return [
    ...(s.rabbitmq?.queues ?? []).map((q) => ({ label: `$(inbox) ${q.name}`, description: 'RabbitMQ queue: a consumer the broker pushes to (prefetch 1)', value: { rabbitQueue: q.name } })),
    ...(s.pubsub?.topics ?? []).map((t) => ({ label: `$(radio-tower) ${t.name}`, description: 'Pub/Sub topic: a push subscription', value: { pubsubTopic: t.name } })),
    ...(s.pubsub?.subscriptions ?? []).filter((x) => x.delivery === 'pull').map((x) => ({ label: `$(cloud-download) ${x.name}`, description: 'Pub/Sub pull subscription: a subscriber', value: { pubsubSubscription: x.name } })),
    ...(s.kinesis ?? []).map((k) => ({ label: `$(pulse) ${k.name}`, description: 'Kinesis stream: an event source per shard', value: { kinesisStream: k.name } })),
  ];
}

/** The attach trigger a row of these systems presets. */
export function systemTriggerOf(node: BrokerNode | undefined): Record<string, string> | undefined {
  if (node?.node === 'rabbitQueue') return { rabbitQueue: node.queue.name };
  if (node?.node === 'pubsubTopic') return { pubsubTopic: node.topic.name };
  if (node?.node === 'pubsubSubscription' && node.subscription.delivery === 'pull') return { pubsubSubscription: node.subscription.name };
  if (node?.node === 'kinesisStream') return { kinesisStream: node.stream.name };
  return undefined;
}

/** Shows a command's result in a document beside the editor. */
export function documentOf(flow: SystemFlow, response: PlaygroundResponse, command: PlaygroundCommand): { name: string; content: string } | undefined {
  if (!flow.document || response.result === undefined) return undefined;
  return { name: flow.document(command), content: `${JSON.stringify(response.result, null, 2)}\n` };
}
