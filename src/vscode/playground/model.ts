/**
 * The Broker Explorer as data: which rows a playground snapshot shows and what each row says.
 * `tree.ts` only turns these rows into `vscode.TreeItem`s, so everything a learner reads in the
 * tree (counts, offsets, lag, states) is decided here, in plain TypeScript that unit tests can call.
 * Never imports `vscode`.
 */
import type {
  BusView,
  ExchangeView,
  FunctionView,
  KinesisStreamView,
  PlaygroundConsumerView,
  PlaygroundSnapshot,
  PubSubMessageView,
  QueueMessageView,
  QueueView,
  RabbitMessageView,
  RabbitQueueView,
  ShardView,
  StreamView,
  SubscriptionView,
  TopicView,
} from '../../playground/types';

/** The AWS groups list one kind each; `rabbitmq`, `pubsub` and `kinesis` hold one system each. */
export type GroupName = 'queues' | 'topics' | 'streams' | 'buses' | 'functions' | 'rabbitmq' | 'pubsub' | 'kinesis';

type Subscription = TopicView['subscriptions'][number];
type Partition = StreamView['partitions'][number];
type Consumer = StreamView['groups'][number];
type Rule = BusView['rules'][number];
type StreamRecord = Partition['latest'][number];
type PubSubTopicRow = NonNullable<PlaygroundSnapshot['pubsub']>['topics'][number];

/** One row of the tree. `node` tells tree items apart from argument objects passed to commands. */
export type BrokerNode =
  | { node: 'group'; group: GroupName }
  | { node: 'time' }
  | { node: 'queue'; queue: QueueView }
  | { node: 'deadLetter'; queue: QueueView }
  | { node: 'message'; queue: QueueView; message: QueueMessageView }
  | { node: 'topic'; topic: TopicView }
  | { node: 'subscription'; topic: TopicView; subscription: Subscription }
  | { node: 'stream'; stream: StreamView }
  | { node: 'partition'; stream: StreamView; partition: Partition }
  | { node: 'record'; stream: StreamView; partition: number; record: StreamRecord }
  | { node: 'consumer'; stream: StreamView; consumer: Consumer }
  | { node: 'bus'; bus: BusView }
  | { node: 'rule'; bus: BusView; rule: Rule }
  | { node: 'function'; fn: FunctionView }
  // RabbitMQ
  | { node: 'exchange'; exchange: ExchangeView }
  | { node: 'binding'; exchange: ExchangeView; binding: ExchangeView['bindings'][number] }
  | { node: 'rabbitQueue'; queue: RabbitQueueView }
  | { node: 'rabbitMessage'; queue: RabbitQueueView; message: RabbitMessageView }
  | { node: 'rabbitConsumer'; consumer: PlaygroundConsumerView }
  // Google Pub/Sub
  | { node: 'pubsubTopic'; topic: PubSubTopicRow }
  | { node: 'pubsubSubscription'; subscription: SubscriptionView }
  | { node: 'pubsubMessage'; subscription: SubscriptionView; message: PubSubMessageView }
  // Kinesis
  | { node: 'kinesisStream'; stream: KinesisStreamView }
  | { node: 'shard'; stream: KinesisStreamView; shard: ShardView }
  | { node: 'kinesisRecord'; stream: KinesisStreamView; shard: string; record: ShardView['latest'][number] }
  /** A read-only line: more messages than shown, a partition's lag, a function's last error. */
  | { node: 'info'; id: string; label: string; description?: string; tooltip?: string; icon: string; color?: string };

/** What a row shows; `tree.ts` maps it onto a TreeItem one field at a time. */
export interface Row {
  id: string;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  /** A codicon name (ThemeIcon id). */
  icon: string;
  /** A theme color id for the icon. */
  color?: string;
  contextValue?: string;
  expand: 'none' | 'collapsed' | 'expanded';
  /** What a screen reader says for the row. */
  accessible: string;
}

const GROUPS: ReadonlyArray<{ group: GroupName; label: string; icon: string }> = [
  { group: 'queues', label: 'Queues', icon: 'inbox' },
  { group: 'topics', label: 'Topics', icon: 'broadcast' },
  { group: 'streams', label: 'Streams', icon: 'list-ordered' },
  { group: 'buses', label: 'Event buses', icon: 'symbol-event' },
  { group: 'functions', label: 'Functions', icon: 'symbol-method' },
  { group: 'rabbitmq', label: 'RabbitMQ', icon: 'server-process' },
  { group: 'pubsub', label: 'Google Pub/Sub', icon: 'radio-tower' },
  { group: 'kinesis', label: 'Kinesis', icon: 'pulse' },
];

const PREVIEW = 40;

/** Virtual time as a learner reads it: `0 s`, `12.5 s`, `3 min 05 s`, `2 h 01 min`. */
export function formatTime(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** One line of at most 40 characters: newlines folded, the rest cut with an ellipsis. */
export function preview(text: string, max = PREVIEW): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function fence(value: unknown): string {
  return `\n\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}

function resourceCount(snapshot: PlaygroundSnapshot, group: GroupName): number {
  switch (group) {
    case 'rabbitmq':
      return (snapshot.rabbitmq?.exchanges.length ?? 0) + (snapshot.rabbitmq?.queues.length ?? 0);
    case 'pubsub':
      return (snapshot.pubsub?.topics.length ?? 0) + (snapshot.pubsub?.subscriptions.length ?? 0);
    case 'kinesis':
      return snapshot.kinesis?.length ?? 0;
    default:
      return snapshot[group].length;
  }
}

/** What a system group's row says: `1 exchange · 2 queues`. */
function systemCounts(snapshot: PlaygroundSnapshot, group: 'rabbitmq' | 'pubsub' | 'kinesis'): string {
  if (group === 'rabbitmq') return `${plural(snapshot.rabbitmq?.exchanges.length ?? 0, 'exchange')} · ${plural(snapshot.rabbitmq?.queues.length ?? 0, 'queue')}`;
  if (group === 'pubsub') return `${plural(snapshot.pubsub?.topics.length ?? 0, 'topic')} · ${plural(snapshot.pubsub?.subscriptions.length ?? 0, 'subscription')}`;
  return plural(snapshot.kinesis?.length ?? 0, 'stream');
}

/** True when there is nothing to show (the view then shows its welcome text). */
export function isEmpty(snapshot: PlaygroundSnapshot | undefined): boolean {
  return !snapshot || GROUPS.every((g) => resourceCount(snapshot, g.group) === 0);
}

/** Queue counts as the description shows them: `2 visible · 1 in flight · 0 delayed`. */
export function queueCounts(queue: QueueView): string {
  const { visible, inFlight, delayed } = queue.depth;
  return `${visible} visible · ${inFlight} in flight · ${delayed} delayed`;
}

/** The children of a row (the roots when `node` is undefined). */
export function childrenOf(snapshot: PlaygroundSnapshot | undefined, node?: BrokerNode): BrokerNode[] {
  if (!snapshot) return [];
  if (!node) return isEmpty(snapshot) ? [] : [{ node: 'time' }, ...GROUPS.map((g): BrokerNode => ({ node: 'group', group: g.group }))];
  switch (node.node) {
    case 'group':
      return groupChildren(snapshot, node.group);
    case 'queue':
      return queueChildren(node.queue);
    case 'topic':
      return node.topic.subscriptions.map((subscription) => ({ node: 'subscription', topic: node.topic, subscription }));
    case 'stream':
      return [
        ...node.stream.partitions.map((partition): BrokerNode => ({ node: 'partition', stream: node.stream, partition })),
        ...node.stream.groups.map((consumer): BrokerNode => ({ node: 'consumer', stream: node.stream, consumer })),
      ];
    case 'partition':
      return node.partition.latest.map((record) => ({ node: 'record', stream: node.stream, partition: node.partition.partition, record }));
    case 'consumer':
      return node.consumer.partitions.map((p) => ({
        node: 'info',
        id: `consumer:${node.stream.name}:${node.consumer.id}:${p.partition}`,
        label: `partition ${p.partition}`,
        description: `committed ${p.committed ?? '—'} · lag ${p.lag}`,
        icon: p.lag > 0 ? 'warning' : 'check',
        color: p.lag > 0 ? 'list.warningForeground' : undefined,
      }));
    case 'bus':
      return node.bus.rules.map((rule) => ({ node: 'rule', bus: node.bus, rule }));
    case 'function':
      return functionChildren(node.fn);
    case 'exchange':
      return node.exchange.bindings.map((binding) => ({ node: 'binding', exchange: node.exchange, binding }));
    case 'rabbitQueue': {
      const rows: BrokerNode[] = node.queue.messages.map((message) => ({ node: 'rabbitMessage', queue: node.queue, message }));
      const total = node.queue.ready + node.queue.unacked;
      if (total > node.queue.messages.length) rows.push({ node: 'info', id: `more:rmq:${node.queue.name}`, label: `… ${plural(total - node.queue.messages.length, 'more message')}`, icon: 'ellipsis' });
      return rows;
    }
    case 'pubsubTopic':
      return (snapshot.pubsub?.subscriptions ?? []).filter((s) => s.topic === node.topic.name).map((subscription) => ({ node: 'pubsubSubscription', subscription }));
    case 'pubsubSubscription':
      return node.subscription.messages.map((message) => ({ node: 'pubsubMessage', subscription: node.subscription, message }));
    case 'kinesisStream':
      return node.stream.shards.map((shard) => ({ node: 'shard', stream: node.stream, shard }));
    case 'shard':
      return node.shard.latest.map((record) => ({ node: 'kinesisRecord', stream: node.stream, shard: node.shard.shardId, record }));
    default:
      return [];
  }
}

function groupChildren(snapshot: PlaygroundSnapshot, group: GroupName): BrokerNode[] {
  switch (group) {
    case 'queues':
      return snapshot.queues.map((queue) => ({ node: 'queue', queue }));
    case 'topics':
      return snapshot.topics.map((topic) => ({ node: 'topic', topic }));
    case 'streams':
      return snapshot.streams.map((stream) => ({ node: 'stream', stream }));
    case 'buses':
      return snapshot.buses.map((bus) => ({ node: 'bus', bus }));
    case 'functions':
      return snapshot.functions.map((fn) => ({ node: 'function', fn }));
    case 'rabbitmq':
      return [
        ...(snapshot.rabbitmq?.exchanges ?? []).map((exchange): BrokerNode => ({ node: 'exchange', exchange })),
        ...(snapshot.rabbitmq?.queues ?? []).map((queue): BrokerNode => ({ node: 'rabbitQueue', queue })),
        ...(snapshot.rabbitmq?.consumers ?? []).map((consumer): BrokerNode => ({ node: 'rabbitConsumer', consumer })),
      ];
    case 'pubsub':
      return (snapshot.pubsub?.topics ?? []).map((topic) => ({ node: 'pubsubTopic', topic }));
    case 'kinesis':
      return (snapshot.kinesis ?? []).map((stream) => ({ node: 'kinesisStream', stream }));
  }
}

function queueChildren(queue: QueueView): BrokerNode[] {
  const rows: BrokerNode[] = [];
  if (queue.deadLetter) rows.push({ node: 'deadLetter', queue });
  rows.push(...queue.messages.map((message): BrokerNode => ({ node: 'message', queue, message })));
  const total = queue.depth.visible + queue.depth.inFlight + queue.depth.delayed;
  if (total > queue.messages.length) {
    rows.push({ node: 'info', id: `more:${queue.name}`, label: `… ${plural(total - queue.messages.length, 'more message')}`, icon: 'ellipsis' });
  }
  return rows;
}

function functionChildren(fn: FunctionView): BrokerNode[] {
  const rows: BrokerNode[] = [{ node: 'info', id: `fn-file:${fn.name}`, label: fn.file.split(/[\\/]/).pop() ?? fn.file, description: `export ${fn.exportName}`, tooltip: fn.file, icon: 'file-code' }];
  const i = fn.instances;
  if (i) {
    rows.push({
      node: 'info',
      id: `fn-instances:${fn.name}`,
      label: `${plural(i.running, 'instance')} · ${plural(i.serving, 'request')} in flight`,
      description: `${i.label} · ${i.concurrency} per instance${i.minInstances ? ` · min ${i.minInstances}` : ''}`,
      tooltip: `${i.label}: each instance serves up to ${i.concurrency} requests at once, and they share its module-level state. A new instance (a cold start) starts only when every instance is at ${i.concurrency}.${i.minInstances ? ` ${plural(i.minInstances, 'instance')} kept started ahead of traffic.` : ''}`,
      icon: 'layers',
    });
  }
  if (fn.lastError) rows.push({ node: 'info', id: `fn-error:${fn.name}`, label: preview(fn.lastError, 60), description: 'last error', tooltip: fn.lastError, icon: 'error', color: 'errorForeground' });
  return rows;
}

/** Everything a row shows. */
export function rowOf(snapshot: PlaygroundSnapshot, node: BrokerNode): Row {
  switch (node.node) {
    case 'time':
      return {
        id: 'time',
        label: `Virtual time ${formatTime(snapshot.now)}`,
        description: plural(snapshot.commands, 'command'),
        tooltip: 'The playground clock moves only when a command runs (a second for handlers and deliveries) or when you advance it.',
        icon: 'watch',
        contextValue: 'playground.time',
        expand: 'none',
        accessible: `Virtual time ${formatTime(snapshot.now)}, after ${plural(snapshot.commands, 'command')}`,
      };
    case 'group': {
      const g = GROUPS.find((x) => x.group === node.group)!;
      const n = resourceCount(snapshot, node.group);
      const system = node.group === 'rabbitmq' || node.group === 'pubsub' || node.group === 'kinesis';
      const description = !n ? 'none' : system ? systemCounts(snapshot, node.group as 'rabbitmq' | 'pubsub' | 'kinesis') : String(n);
      return { id: `group:${node.group}`, label: g.label, description, icon: g.icon, contextValue: `playground.group.${node.group}`, expand: n ? 'expanded' : 'none', accessible: `${g.label}: ${description}` };
    }
    case 'queue':
      return queueRow(node.queue);
    case 'deadLetter': {
      const dl = node.queue.deadLetter!;
      return {
        id: `dlq-link:${node.queue.name}`,
        label: `dead letters → ${dl.queue}`,
        description: `after ${plural(dl.maxReceiveCount, 'receive')}`,
        tooltip: `A message received ${dl.maxReceiveCount} times without being deleted moves to **${dl.queue}**.`,
        icon: 'arrow-right',
        expand: 'none',
        accessible: `Dead-letter queue ${dl.queue}, after ${plural(dl.maxReceiveCount, 'receive')}`,
      };
    }
    case 'message':
      return messageRow(node.queue, node.message);
    case 'topic':
      return {
        id: `topic:${node.topic.name}`,
        label: node.topic.name,
        description: `${node.topic.fifo ? 'FIFO · ' : ''}${plural(node.topic.subscriptions.length, 'subscription')} · ${node.topic.published} published`,
        icon: 'broadcast',
        contextValue: 'playground.topic',
        expand: node.topic.subscriptions.length ? 'expanded' : 'none',
        accessible: `Topic ${node.topic.name}, ${plural(node.topic.subscriptions.length, 'subscription')}, ${node.topic.published} published`,
      };
    case 'subscription': {
      const s = node.subscription;
      return {
        id: `sub:${node.topic.name}:${s.id}`,
        label: s.endpoint,
        description: [s.filterPolicy ? 'filtered' : '', s.rawDelivery ? 'raw' : ''].filter(Boolean).join(' · ') || undefined,
        tooltip: `Subscription \`${s.id}\` → **${s.endpoint}**${s.filterPolicy ? `\n\nFilter policy:${fence(s.filterPolicy)}` : '\n\nNo filter policy: every message is delivered.'}`,
        icon: s.filterPolicy ? 'filter' : 'arrow-right',
        contextValue: 'playground.subscription',
        expand: 'none',
        accessible: `Subscription to ${s.endpoint}${s.filterPolicy ? ', filtered' : ''}`,
      };
    }
    case 'stream':
      return {
        id: `stream:${node.stream.name}`,
        label: node.stream.name,
        description: `${plural(node.stream.partitions.length, 'partition')} · ${plural(node.stream.groups.length, 'group')}`,
        icon: 'list-ordered',
        contextValue: 'playground.stream',
        expand: 'collapsed',
        accessible: `Stream ${node.stream.name}, ${plural(node.stream.partitions.length, 'partition')}`,
      };
    case 'partition': {
      const p = node.partition;
      return {
        id: `partition:${node.stream.name}:${p.partition}`,
        label: `partition ${p.partition}`,
        description: `offsets [${p.startOffset}..${p.endOffset})`,
        tooltip: `Retained records have offsets ${p.startOffset} up to (not including) ${p.endOffset}: ${plural(p.endOffset - p.startOffset, 'record')}.`,
        icon: 'symbol-array',
        contextValue: 'playground.partition',
        expand: p.latest.length ? 'collapsed' : 'none',
        accessible: `Partition ${p.partition}, offsets ${p.startOffset} to ${p.endOffset}`,
      };
    }
    case 'record': {
      const r = node.record;
      const text = r.value ?? '(tombstone: no value)';
      return {
        id: `record:${node.stream.name}:${node.partition}:${r.offset}`,
        label: `@${r.offset} ${preview(text)}`,
        description: r.key !== undefined ? `key ${r.key}` : undefined,
        tooltip: `Partition ${node.partition}, offset ${r.offset}${r.key !== undefined ? `, key \`${r.key}\`` : ''}\n\n\`\`\`\n${text}\n\`\`\``,
        icon: 'note',
        contextValue: 'playground.record',
        expand: 'none',
        accessible: `Record at offset ${r.offset}: ${preview(text)}`,
      };
    }
    case 'consumer': {
      const lag = node.consumer.partitions.reduce((sum, p) => sum + p.lag, 0);
      return {
        id: `consumer:${node.stream.name}:${node.consumer.id}`,
        label: `group ${node.consumer.id}`,
        description: `lag ${lag}`,
        icon: 'organization',
        contextValue: 'playground.consumer',
        expand: 'collapsed',
        accessible: `Consumer group ${node.consumer.id}, lag ${lag}`,
      };
    }
    case 'bus':
      return {
        id: `bus:${node.bus.name}`,
        label: node.bus.name,
        description: plural(node.bus.rules.length, 'rule'),
        icon: 'symbol-event',
        contextValue: 'playground.bus',
        expand: node.bus.rules.length ? 'expanded' : 'none',
        accessible: `Event bus ${node.bus.name}, ${plural(node.bus.rules.length, 'rule')}`,
      };
    case 'rule':
      return {
        id: `rule:${node.bus.name}:${node.rule.name}`,
        label: node.rule.name,
        description: `→ ${node.rule.targets.join(', ') || 'no targets'}${node.rule.enabled ? '' : ' · disabled'}`,
        tooltip: `Rule **${node.rule.name}** matches:${fence(node.rule.pattern)}`,
        icon: 'filter',
        contextValue: 'playground.rule',
        expand: 'none',
        accessible: `Rule ${node.rule.name}, targets ${node.rule.targets.join(', ') || 'none'}`,
      };
    case 'function':
      return functionRow(node.fn);
    case 'exchange':
    case 'binding':
    case 'rabbitQueue':
    case 'rabbitMessage':
    case 'rabbitConsumer':
    case 'pubsubTopic':
    case 'pubsubSubscription':
    case 'pubsubMessage':
    case 'kinesisStream':
    case 'shard':
    case 'kinesisRecord':
      return systemRow(node);
    case 'info':
      return { id: node.id, label: node.label, description: node.description, tooltip: node.tooltip, icon: node.icon, color: node.color, expand: 'none', accessible: [node.label, node.description].filter(Boolean).join(', ') };
  }
}

function queueRow(queue: QueueView): Row {
  const kind = [queue.fifo ? 'FIFO' : '', queue.isDeadLetterQueue ? 'DLQ' : ''].filter(Boolean).join(' ');
  const total = queue.depth.visible + queue.depth.inFlight + queue.depth.delayed;
  return {
    id: `queue:${queue.name}`,
    label: queue.name,
    description: `${kind ? `${kind} · ` : ''}${queueCounts(queue)}`,
    tooltip: [
      `**${queue.name}**${queue.fifo ? ' (FIFO: ordered per group, exactly once)' : ' (standard: at least once, best-effort order)'}`,
      queue.isDeadLetterQueue ? 'Dead-letter queue: holds messages another queue gave up on.' : '',
      `Visibility timeout ${queue.visibilityTimeoutS} s.`,
      queue.deadLetter ? `Dead letters go to **${queue.deadLetter.queue}** after ${plural(queue.deadLetter.maxReceiveCount, 'receive')}.` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
    icon: queue.isDeadLetterQueue ? 'archive' : 'inbox',
    color: queue.isDeadLetterQueue && total > 0 ? 'list.warningForeground' : undefined,
    contextValue: queue.isDeadLetterQueue ? 'playground.queue.dlq' : 'playground.queue',
    expand: total > 0 || queue.deadLetter ? 'expanded' : 'none',
    accessible: `${queue.isDeadLetterQueue ? 'Dead-letter queue' : 'Queue'} ${queue.name}: ${queueCounts(queue)}`,
  };
}

const MESSAGE_STATE: Record<QueueMessageView['state'], { icon: string; context: string }> = {
  visible: { icon: 'mail', context: 'visible' },
  'in-flight': { icon: 'mail-read', context: 'inFlight' },
  delayed: { icon: 'clock', context: 'delayed' },
};

function messageRow(queue: QueueView, m: QueueMessageView): Row {
  const state = MESSAGE_STATE[m.state];
  const details = [
    `**${m.messageId}** in ${queue.name}: ${m.state}, received ${plural(m.receiveCount, 'time')}`,
    m.groupId !== undefined ? `Group \`${m.groupId}\`` : '',
    m.receiptHandle ? `Receipt handle \`${m.receiptHandle}\`` : '',
    m.attributes ? `Attributes:${fence(m.attributes)}` : '',
    `\`\`\`\n${m.body}\n\`\`\``,
  ];
  return {
    id: `msg:${queue.name}:${m.messageId}`,
    label: preview(m.body),
    description: `${m.state} · ${m.receiveCount}× received${m.groupId !== undefined ? ` · group ${m.groupId}` : ''}`,
    tooltip: details.filter(Boolean).join('\n\n'),
    icon: state.icon,
    contextValue: `playground.message.${state.context}`,
    expand: 'none',
    accessible: `Message ${m.messageId}, ${m.state}, received ${plural(m.receiveCount, 'time')}: ${preview(m.body)}`,
  };
}

function functionRow(fn: FunctionView): Row {
  return {
    id: `function:${fn.name}`,
    label: fn.name,
    description: `${fn.trigger} · ${plural(fn.invocations, 'invocation')} · ${plural(fn.errors, 'error')}${fn.instances ? ` · ${fn.instances.label}` : ''}`,
    tooltip: `**${fn.name}**: \`${fn.exportName}\` from ${fn.file}\n\nTriggered by ${fn.trigger}; ${plural(fn.invocations, 'invocation')}, ${plural(fn.errors, 'error')}, ${plural(fn.coldStarts, 'cold start')}.${fn.lastError ? `\n\nLast error: ${fn.lastError}` : ''}`,
    icon: 'symbol-method',
    color: fn.lastError ? 'errorForeground' : undefined,
    contextValue: 'playground.function',
    expand: 'collapsed',
    accessible: `Function ${fn.name}, triggered by ${fn.trigger}, ${plural(fn.invocations, 'invocation')}, ${plural(fn.errors, 'error')}`,
  };
}

/** Resource names by kind, for pickers and for "already exists" checks. */
export function namesOf(snapshot: PlaygroundSnapshot | undefined, group: GroupName): string[] {
  if (!snapshot) return [];
  switch (group) {
    case 'rabbitmq':
      return [...(snapshot.rabbitmq?.exchanges ?? []), ...(snapshot.rabbitmq?.queues ?? [])].map((r) => r.name);
    case 'pubsub':
      return [...(snapshot.pubsub?.topics ?? []), ...(snapshot.pubsub?.subscriptions ?? [])].map((r) => r.name);
    case 'kinesis':
      return (snapshot.kinesis ?? []).map((r) => r.name);
    default:
      return (snapshot[group] as Array<{ name: string }>).map((r) => r.name);
  }
}

type SystemNode = Extract<BrokerNode, { node: 'exchange' | 'binding' | 'rabbitQueue' | 'rabbitMessage' | 'rabbitConsumer' | 'pubsubTopic' | 'pubsubSubscription' | 'pubsubMessage' | 'kinesisStream' | 'shard' | 'kinesisRecord' }>;

/** The rows of RabbitMQ, Pub/Sub and Kinesis resources. */
function systemRow(node: SystemNode): Row {
  switch (node.node) {
    case 'exchange': {
      const e = node.exchange;
      const what = { direct: 'routes to the queues whose binding key equals the routing key', fanout: 'copies every message to every bound queue', topic: 'matches routing keys against binding patterns (* one word, # zero or more)', headers: 'matches message headers (x-match all or any)' }[e.type];
      return {
        id: `exchange:${e.name}`,
        label: e.name,
        description: `${e.type}${e.durable ? '' : ' · transient'} · ${e.published} published${e.unroutable ? ` · ${e.unroutable} unroutable` : ''}`,
        tooltip: `**${e.name}**: a ${e.type} exchange ${what}.${e.alternateExchange ? `\n\nUnroutable messages go to **${e.alternateExchange}**.` : '\n\nA message no binding matches is dropped.'}`,
        icon: 'git-merge',
        contextValue: 'playground.exchange',
        expand: e.bindings.length ? 'expanded' : 'none',
        accessible: `Exchange ${e.name}, ${e.type}, ${plural(e.bindings.length, 'binding')}`,
      };
    }
    case 'binding': {
      const b = node.binding;
      const args = Object.entries(b.arguments).filter(([k]) => k !== 'x-match');
      const key = node.exchange.type === 'headers' ? `${String(b.arguments['x-match'] ?? 'all')}: ${args.map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'any headers'}` : node.exchange.type === 'fanout' ? 'every message' : b.routingKey === '' ? '"" (empty key)' : b.routingKey;
      return { id: `binding:${node.exchange.name}:${b.queue}:${b.routingKey}:${JSON.stringify(b.arguments)}`, label: `${key} → ${b.queue}`, icon: 'arrow-right', contextValue: 'playground.binding', expand: 'none', accessible: `Binding ${key} to queue ${b.queue}` };
    }
    case 'rabbitQueue': {
      const q = node.queue;
      const facts = [
        q.type === 'quorum' ? `Quorum queue: replicated; a message failing more than ${q.deliveryLimit === -1 ? 'any number of' : q.deliveryLimit} deliveries is dead-lettered (or dropped).` : 'Classic queue: a requeued message is redelivered as often as it is returned.',
        q.messageTtlMs !== undefined ? `Messages expire after ${q.messageTtlMs / 1000} s (at the head of the queue).` : '',
        q.deadLetterExchange !== undefined ? `Dead letters go to ${q.deadLetterExchange === '' ? 'the default exchange' : `**${q.deadLetterExchange}**`}${q.deadLetterRoutingKey !== undefined ? ` with routing key \`${q.deadLetterRoutingKey}\`` : ''}.` : 'No dead-letter exchange: rejected and expired messages are dropped.',
        q.maxLength !== undefined ? `At most ${q.maxLength} messages: the oldest is dropped to make room.` : '',
        [q.durable ? 'durable' : 'transient', q.exclusive ? 'exclusive' : '', q.autoDelete ? 'auto-delete' : ''].filter(Boolean).join(', ') + '.',
      ];
      return {
        id: `rabbitQueue:${q.name}`,
        label: q.name,
        description: `${q.type} · ${q.ready} ready · ${q.unacked} unacked · ${plural(q.consumers, 'consumer')}`,
        tooltip: `**${q.name}**\n\n${facts.filter(Boolean).join('\n\n')}`,
        icon: 'inbox',
        contextValue: 'playground.rabbitQueue',
        expand: q.messages.length ? 'expanded' : 'none',
        accessible: `RabbitMQ queue ${q.name}: ${q.ready} ready, ${q.unacked} unacked`,
      };
    }
    case 'rabbitMessage': {
      const m = node.message;
      const bits = [m.state, m.deliveryTag !== undefined ? `tag ${m.deliveryTag}` : '', m.redelivered ? 'redelivered' : '', m.deliveryCount ? plural(m.deliveryCount, 'failed delivery', 'failed deliveries') : ''].filter(Boolean);
      return {
        id: `rabbitMessage:${node.queue.name}:${m.messageId}`,
        label: preview(m.body),
        description: bits.join(' · '),
        tooltip: `**${m.messageId}** in ${node.queue.name}, routing key \`${m.routingKey}\`: ${m.state}${m.deliveryTag !== undefined ? ` — you hold it as delivery tag ${m.deliveryTag}: ack, nack or reject it` : ''}\n\n\`\`\`\n${m.body}\n\`\`\``,
        icon: m.state === 'unacked' ? 'mail-read' : 'mail',
        contextValue: m.deliveryTag !== undefined ? 'playground.rabbitMessage.held' : `playground.rabbitMessage.${m.state}`,
        expand: 'none',
        accessible: `Message ${m.messageId}, ${bits.join(', ')}: ${preview(m.body)}`,
      };
    }
    case 'rabbitConsumer': {
      const c = node.consumer;
      return {
        id: `rabbitConsumer:${c.tag}`,
        label: `your consumer ${c.tag}`,
        description: `${c.queue} · ${c.prefetch ? `prefetch ${c.prefetch}` : 'no prefetch limit'} · holds ${c.holding}`,
        tooltip: `The broker pushes **${c.queue}**'s messages to this consumer${c.autoAck ? ' (auto-ack: nothing to settle)' : `; it holds ${c.holding} unacked${c.prefetch ? ` of at most ${c.prefetch}` : ''}`}.`,
        icon: 'plug',
        contextValue: 'playground.rabbitConsumer',
        expand: 'none',
        accessible: `Your consumer ${c.tag} on ${c.queue}, holding ${c.holding}`,
      };
    }
    case 'pubsubTopic': {
      const t = node.topic;
      return {
        id: `pubsubTopic:${t.name}`,
        label: t.name,
        description: `${plural(t.subscriptions.length, 'subscription')} · ${t.published} published`,
        tooltip: `**${t.name}**: every subscription gets each message published after it was created${t.subscriptions.length ? '' : ' — with none, a publish reaches no one'}.`,
        icon: 'radio-tower',
        contextValue: 'playground.pubsubTopic',
        expand: t.subscriptions.length ? 'expanded' : 'none',
        accessible: `Pub/Sub topic ${t.name}, ${plural(t.subscriptions.length, 'subscription')}`,
      };
    }
    case 'pubsubSubscription': {
      const s = node.subscription;
      const delivery = s.delivery === 'pull' ? 'pull' : `push → ${s.delivery.push}`;
      const facts = [`Ack deadline ${s.ackDeadlineS} s; retention ${formatTime(s.retentionS * 1000)}.`, s.enableMessageOrdering ? 'Ordered by ordering key: a redelivery redelivers the rest of its key.' : '', s.enableExactlyOnceDelivery ? 'Exactly-once delivery: a late ack fails.' : '', s.filter ? `Filter: \`${s.filter}\`` : '', s.deadLetterPolicy ? `After ${s.deadLetterPolicy.maxDeliveryAttempts} attempts a message goes to **${s.deadLetterPolicy.topic}**.` : '', s.snapshots.length ? `Snapshots: ${s.snapshots.join(', ')}` : ''];
      return {
        id: `pubsubSubscription:${s.name}`,
        label: s.name,
        description: `${delivery} · ${s.unacked} unacked${s.outstanding ? ` · ${s.outstanding} outstanding` : ''}`,
        tooltip: `**${s.name}** (${delivery})\n\n${facts.filter(Boolean).join('\n\n')}`,
        icon: s.delivery === 'pull' ? 'cloud-download' : 'cloud-upload',
        contextValue: s.delivery === 'pull' ? 'playground.pubsubSubscription.pull' : 'playground.pubsubSubscription.push',
        expand: s.messages.length ? 'collapsed' : 'none',
        accessible: `Pub/Sub subscription ${s.name}, ${delivery}, ${s.unacked} unacked`,
      };
    }
    case 'pubsubMessage': {
      const m = node.message;
      const bits = [m.state, m.attempts > 1 || m.state === 'outstanding' ? `attempt ${m.attempts}` : '', m.orderingKey !== undefined ? `key ${m.orderingKey}` : '', m.notBefore !== undefined ? `back at ${formatTime(m.notBefore)}` : ''].filter(Boolean);
      return {
        id: `pubsubMessage:${node.subscription.name}:${m.messageId}`,
        label: preview(m.data),
        description: bits.join(' · '),
        tooltip: `**${m.messageId}**: ${m.state}${m.ackId ? ` — ack id \`${m.ackId}\`, deadline ${formatTime(m.deadline!)}` : ''}${Object.keys(m.attributes).length ? `\n\nAttributes:${fence(m.attributes)}` : ''}\n\n\`\`\`\n${m.data}\n\`\`\``,
        icon: m.state === 'acked' ? 'check' : m.state === 'outstanding' ? 'mail-read' : 'mail',
        contextValue: `playground.pubsubMessage.${m.state}`,
        expand: 'none',
        accessible: `Message ${m.messageId}, ${bits.join(', ')}: ${preview(m.data)}`,
      };
    }
    case 'kinesisStream': {
      const k = node.stream;
      const open = k.shards.filter((s) => s.open).length;
      const records = k.shards.reduce((n, s) => n + s.records, 0);
      return {
        id: `kinesisStream:${k.name}`,
        label: k.name,
        description: `${plural(open, 'shard')}${open < k.shards.length ? ` (+${k.shards.length - open} closed)` : ''} · ${plural(records, 'record')}${k.throttled ? ` · ${k.throttled} throttled` : ''}`,
        tooltip: `**${k.name}**: each shard owns a range of MD5 hash keys and takes 1,000 records or 1 MiB a second; records are kept ${k.retentionHours} h.`,
        icon: 'pulse',
        contextValue: 'playground.kinesisStream',
        expand: 'collapsed',
        accessible: `Kinesis stream ${k.name}, ${plural(open, 'open shard')}, ${plural(records, 'record')}`,
      };
    }
    case 'shard': {
      const s = node.shard;
      return {
        id: `shard:${node.stream.name}:${s.shardId}`,
        label: s.shardId,
        description: `${s.open ? 'open' : 'closed'} · ${plural(s.records, 'record')}`,
        tooltip: `Hash keys ${s.startingHashKey} – ${s.endingHashKey}${s.parents.length ? `\n\nMade from ${s.parents.join(' and ')}` : ''}${s.open ? '' : '\n\nClosed (split or merged): it keeps its records until they expire; new records go to its children.'}`,
        icon: s.open ? 'symbol-array' : 'lock',
        contextValue: s.open ? 'playground.shard.open' : 'playground.shard.closed',
        expand: s.latest.length ? 'collapsed' : 'none',
        accessible: `Shard ${s.shardId}, ${s.open ? 'open' : 'closed'}, ${plural(s.records, 'record')}`,
      };
    }
    case 'kinesisRecord': {
      const r = node.record;
      return {
        id: `kinesisRecord:${node.stream.name}:${r.sequenceNumber}`,
        label: preview(r.data),
        description: `key ${r.partitionKey} · at ${formatTime(r.arrivedAt)}`,
        tooltip: `Sequence number \`${r.sequenceNumber}\` in ${node.shard}, partition key \`${r.partitionKey}\`\n\n\`\`\`\n${r.data}\n\`\`\``,
        icon: 'note',
        contextValue: 'playground.kinesisRecord',
        expand: 'none',
        accessible: `Record with key ${r.partitionKey}: ${preview(r.data)}`,
      };
    }
  }
}
