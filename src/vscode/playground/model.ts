/**
 * The Broker Explorer as data: which rows a playground snapshot shows and what each row says.
 * `tree.ts` only turns these rows into `vscode.TreeItem`s, so everything a learner reads in the
 * tree (counts, offsets, lag, states) is decided here, in plain TypeScript that unit tests can call.
 * Never imports `vscode`.
 */
import type { BusView, FunctionView, PlaygroundSnapshot, QueueMessageView, QueueView, StreamView, TopicView } from '../../playground/types';

export type GroupName = 'queues' | 'topics' | 'streams' | 'buses' | 'functions';

type Subscription = TopicView['subscriptions'][number];
type Partition = StreamView['partitions'][number];
type Consumer = StreamView['groups'][number];
type Rule = BusView['rules'][number];
type StreamRecord = Partition['latest'][number];

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
  return snapshot[group].length;
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
      return { id: `group:${node.group}`, label: g.label, description: n ? String(n) : 'none', icon: g.icon, contextValue: `playground.group.${node.group}`, expand: n ? 'expanded' : 'none', accessible: `${g.label}: ${n || 'none'}` };
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
    description: `${fn.trigger} · ${plural(fn.invocations, 'invocation')} · ${plural(fn.errors, 'error')}`,
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
  return (snapshot[group] as Array<{ name: string }>).map((r) => r.name);
}
