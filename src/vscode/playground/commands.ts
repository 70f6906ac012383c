import * as vscode from 'vscode';
import {
  Check,
  checkTopicAttributes,
  checkHandlerFile,
  checkInteger,
  checkJsonObject,
  checkName,
  checkRequired,
  checkToken,
  functionNameFor,
  isArgumentObject,
  Limit,
  LIMITS,
  parseInteger,
  parseJsonObject,
  parseOptionalObject,
} from '../../playground/input';
import type { PlaygroundCommand, PlaygroundOp, PlaygroundQuery, PlaygroundResponse, PlaygroundSnapshot, QueueMessageView, QueueView, TopicAttributes } from '../../playground/types';
import { BrokerNode, GroupName, preview, queueCounts } from './model';
import type { Choice, Flow, Prompts } from './prompts';
import type { PlaygroundSession } from './session';
import { documentOf, SYSTEM_FLOWS, systemDeleteOf, systemResources, systemTriggerOf, systemTriggers } from './systemsCommands';

/** The groups of AWS resources, one kind each (RabbitMQ, Pub/Sub and Kinesis have their flows in systemsCommands.ts). */
type AwsGroup = Exclude<GroupName, 'rabbitmq' | 'pubsub' | 'kinesis'>;

export const PREFIX = 'serverlessLab.playground.';

/** Notices the learner saw (kept for the extension-host tests). */
export interface Notice {
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface CommandContext {
  session: PlaygroundSession;
  prompts: Prompts;
  notify(level: Notice['level'], message: string): void;
  /** Shows text in a read-only editor beside the current one. */
  showDocument(name: string, content: string): Promise<void>;
}

/** A flow: asks for what the command needs (starting from a tree row, if any); `undefined` = cancelled. */
type Build = (ctx: FlowContext) => Promise<PlaygroundCommand | undefined>;
/** What to show after a command succeeded, when it was run from the UI (not with an argument object). */
type Present = (response: PlaygroundResponse, command: PlaygroundCommand, ctx: FlowContext) => Promise<void>;

interface FlowContext {
  node: BrokerNode | undefined;
  snapshot: PlaygroundSnapshot;
  flow: Flow;
}

const NOUN: Record<AwsGroup, string> = { queues: 'queues', topics: 'topics', streams: 'streams', buses: 'event buses', functions: 'functions' };
const KIND_OF: Record<AwsGroup, 'queue' | 'topic' | 'stream' | 'bus' | 'function'> = { queues: 'queue', topics: 'topic', streams: 'stream', buses: 'bus', functions: 'function' };

/** The resource a tree row belongs to, for each kind of resource. */
function presetFrom(node: BrokerNode | undefined, group: AwsGroup): string | undefined {
  if (!node) return undefined;
  switch (group) {
    case 'queues':
      return node.node === 'queue' || node.node === 'message' || node.node === 'deadLetter' ? node.queue.name : undefined;
    case 'topics':
      return node.node === 'topic' || node.node === 'subscription' ? node.topic.name : undefined;
    case 'streams':
      return node.node === 'stream' || node.node === 'partition' || node.node === 'record' || node.node === 'consumer' ? node.stream.name : undefined;
    case 'buses':
      return node.node === 'bus' || node.node === 'rule' ? node.bus.name : undefined;
    case 'functions':
      return node.node === 'function' ? node.fn.name : undefined;
  }
}

function describeResource(snapshot: PlaygroundSnapshot, group: AwsGroup, name: string): string {
  if (group === 'queues') {
    const q = snapshot.queues.find((x) => x.name === name)!;
    return `${q.fifo ? 'FIFO · ' : ''}${queueCounts(q)}`;
  }
  if (group === 'functions') return snapshot.functions.find((f) => f.name === name)?.trigger ?? '';
  return '';
}

/** Picks an existing resource (or takes the tree row's); warns and cancels when there is none. */
async function pickResource(ctx: FlowContext, group: AwsGroup, placeholder: string, filter: (name: string) => boolean = () => true): Promise<string | undefined> {
  const preset = presetFrom(ctx.node, group);
  if (preset) {
    ctx.flow.skip();
    return preset;
  }
  const names = (ctx.snapshot[group] as Array<{ name: string }>).map((r) => r.name).filter(filter);
  if (!names.length) {
    void vscode.window.showWarningMessage(`Serverless Lab: there are no ${NOUN[group]} in the playground yet — create one first.`);
    return undefined;
  }
  return ctx.flow.pick({ placeholder, items: names.map((name) => ({ label: name, description: describeResource(ctx.snapshot, group, name), value: name })) });
}

function numberStep(ctx: FlowContext, prompt: string, limit: Limit, value: string, optional = false): Promise<number | undefined | null> {
  return ctx.flow
    .text({ prompt: `${prompt} (${limit.min}–${limit.max === Number.MAX_SAFE_INTEGER ? '…' : limit.max}${optional ? ', empty for none' : ''})`, value, check: (t) => checkInteger(t, limit, { optional }) })
    .then((t) => (t === undefined ? null : parseInteger(t)));
}

async function jsonStep(ctx: FlowContext, prompt: string, placeholder: string, check: Check = checkJsonObject({ optional: true })): Promise<string | undefined> {
  return ctx.flow.text({ prompt, placeholder, check });
}

function yesNo<T>(a: Choice<T>, b: Choice<T>): Array<Choice<T>> {
  return [a, b];
}

/** Queues and functions a topic, a rule or a handler can deliver to. */
function endpoints(snapshot: PlaygroundSnapshot): Array<Choice<{ queue?: string; function?: string }>> {
  return [
    ...snapshot.queues.map((q) => ({ label: `$(inbox) ${q.name}`, description: 'queue', value: { queue: q.name } })),
    ...snapshot.functions.map((f) => ({ label: `$(symbol-method) ${f.name}`, description: 'function', value: { function: f.name } })),
  ];
}

/** Picks where `what` delivers; warns and cancels when there is no queue or function yet. */
async function pickEndpoint(ctx: FlowContext, what: string, placeholder: string): Promise<{ queue?: string; function?: string } | undefined> {
  const targets = endpoints(ctx.snapshot);
  return targets.length ? ctx.flow.pick({ placeholder, items: targets }) : noEndpoint(what);
}

function noEndpoint(what: string): undefined {
  void vscode.window.showWarningMessage(`Serverless Lab: ${what} delivers to a queue or a function — create a queue (or attach a handler) first.`);
  return undefined;
}

function queueOf(snapshot: PlaygroundSnapshot, name: string): QueueView | undefined {
  return snapshot.queues.find((q) => q.name === name);
}

/** An in-flight message of a queue (the row's, or picked): what delete and change-visibility act on. */
async function pickInFlight(ctx: FlowContext, verb: string): Promise<{ queue: string; message: QueueMessageView } | undefined> {
  if (ctx.node?.node === 'message' && ctx.node.message.receiptHandle) {
    ctx.flow.skip(2);
    return { queue: ctx.node.queue.name, message: ctx.node.message };
  }
  const queue = await pickResource(ctx, 'queues', `${verb}: which queue?`, (q) => Boolean(queueOf(ctx.snapshot, q)?.messages.some((m) => m.receiptHandle)));
  if (!queue) return undefined;
  const held = queueOf(ctx.snapshot, queue)!.messages.filter((m) => m.receiptHandle);
  return ctx.flow.pick({ placeholder: `${verb}: which in-flight message?`, items: held.map((m) => ({ label: preview(m.body), description: `${m.messageId} · received ${m.receiveCount}×`, value: { queue, message: m } })) });
}

// ── the flows, one per command ──

const createQueue: Build = async (ctx) => {
  const fifo = await ctx.flow.pick({
    placeholder: 'Standard or FIFO?',
    items: yesNo({ label: 'Standard', detail: 'At-least-once delivery, best-effort order, nearly unlimited throughput', value: false }, { label: 'FIFO', detail: 'Ordered per message group, exactly-once processing; the name ends in .fifo', value: true }),
  });
  if (fifo === undefined) return undefined;
  const taken = ctx.snapshot.queues.map((q) => q.name);
  const name = await ctx.flow.text({ prompt: 'Queue name', placeholder: fifo ? 'orders.fifo' : 'orders', value: fifo ? '.fifo' : '', check: (t) => checkName('queue', t, { fifo, taken }) });
  if (name === undefined) return undefined;
  const visibilityTimeoutS = await numberStep(ctx, 'Visibility timeout: seconds a received message stays hidden before it is redelivered', LIMITS.visibilityTimeoutS, '30');
  if (visibilityTimeoutS === null) return undefined;
  const candidates = ctx.snapshot.queues.filter((q) => q.fifo === fifo);
  const dlq = await ctx.flow.pick<string | false>({
    placeholder: 'Dead-letter queue: where messages go after too many failed receives',
    items: [{ label: 'No dead-letter queue', value: false }, ...candidates.map((q) => ({ label: q.name, description: 'dead-letter queue', value: q.name }))],
  });
  if (dlq === undefined) return undefined;
  const command: Extract<PlaygroundCommand, { op: 'createQueue' }> = { op: 'createQueue', name: name.trim(), fifo, visibilityTimeoutS };
  if (fifo) command.contentBasedDeduplication = true;
  if (dlq) {
    ctx.flow.add(1);
    const maxReceiveCount = await numberStep(ctx, `Move a message to ${dlq} after how many receives?`, LIMITS.maxReceiveCount, '3');
    if (maxReceiveCount === null || maxReceiveCount === undefined) return undefined;
    command.deadLetter = { queue: dlq, maxReceiveCount };
  }
  return command;
};

const createTopic: Build = async (ctx) => {
  const fifo = await ctx.flow.pick({ placeholder: 'Standard or FIFO topic?', items: yesNo({ label: 'Standard', value: false }, { label: 'FIFO', detail: 'Delivers in order to FIFO queues; the name ends in .fifo', value: true }) });
  if (fifo === undefined) return undefined;
  const taken = ctx.snapshot.topics.map((t) => t.name);
  const name = await ctx.flow.text({ prompt: 'Topic name', placeholder: 'news', value: fifo ? '.fifo' : '', check: (t) => checkName('topic', t, { fifo, taken }) });
  if (name === undefined) return undefined;
  // As for FIFO queues: content-based deduplication, so a publish needs no deduplication id.
  return fifo ? { op: 'createTopic', name: name.trim(), fifo, contentBasedDeduplication: true } : { op: 'createTopic', name: name.trim(), fifo };
};

const subscribe: Build = async (ctx) => {
  const topic = await pickResource(ctx, 'topics', 'Subscribe to which topic?');
  if (!topic) return undefined;
  const endpoint = await pickEndpoint(ctx, 'a subscription', `Deliver ${topic}'s messages to…`);
  if (!endpoint) return undefined;
  const policy = await jsonStep(ctx, 'Filter policy (optional): only messages whose attributes match are delivered', '{"type": ["order"]}  — empty: every message');
  if (policy === undefined) return undefined;
  return { op: 'subscribe', topic, ...endpoint, filterPolicy: parseOptionalObject(policy) };
};

const unsubscribe: Build = async (ctx) => {
  if (ctx.node?.node === 'subscription') return { op: 'unsubscribe', topic: ctx.node.topic.name, subscription: ctx.node.subscription.id };
  const topic = await pickResource(ctx, 'topics', 'Unsubscribe from which topic?', (t) => Boolean(ctx.snapshot.topics.find((x) => x.name === t)?.subscriptions.length));
  if (!topic) return undefined;
  const subs = ctx.snapshot.topics.find((t) => t.name === topic)!.subscriptions;
  const subscription = await ctx.flow.pick({ placeholder: 'Which subscription?', items: subs.map((s) => ({ label: s.endpoint, description: s.id, value: s.id })) });
  return subscription ? { op: 'unsubscribe', topic, subscription } : undefined;
};

const createStream: Build = async (ctx) => {
  const taken = ctx.snapshot.streams.map((s) => s.name);
  const name = await ctx.flow.text({ prompt: 'Stream name', placeholder: 'clicks', check: (t) => checkName('stream', t, { taken }) });
  if (name === undefined) return undefined;
  const partitions = await numberStep(ctx, 'Partitions: records with the same key go to the same partition, in order', LIMITS.partitions, '3');
  if (partitions === null) return undefined;
  const retentionHours = await numberStep(ctx, 'Retention: hours a record is kept (consumers can replay within it)', LIMITS.retentionHours, '24');
  if (retentionHours === null) return undefined;
  return { op: 'createStream', name: name.trim(), partitions, retentionHours };
};

const createBus: Build = async (ctx) => {
  const taken = ctx.snapshot.buses.map((b) => b.name);
  const name = await ctx.flow.text({ prompt: 'Event bus name', placeholder: 'shop', check: (t) => checkName('bus', t, { taken }) });
  return name === undefined ? undefined : { op: 'createBus', name: name.trim() };
};

const putRule: Build = async (ctx) => {
  const bus = await pickResource(ctx, 'buses', 'Add a rule to which bus?');
  if (!bus) return undefined;
  if (!endpoints(ctx.snapshot).length) return noEndpoint('a rule');
  const taken = ctx.snapshot.buses.find((b) => b.name === bus)?.rules.map((r) => r.name) ?? [];
  const rule = await ctx.flow.text({ prompt: 'Rule name', placeholder: 'orders-to-billing', check: (t) => checkName('rule', t, { taken }) });
  if (rule === undefined) return undefined;
  const pattern = await jsonStep(ctx, 'Event pattern: the fields an event must match', '{"source": ["shop"], "detail-type": ["OrderPlaced"]}', checkJsonObject());
  if (pattern === undefined) return undefined;
  const target = await pickEndpoint(ctx, 'a rule', 'Send matching events to…');
  if (!target) return undefined;
  const parsed = parseJsonObject(pattern);
  return 'value' in parsed ? { op: 'putRule', bus, rule: rule.trim(), pattern: parsed.value, targets: [target] } : undefined;
};

const removeRule: Build = async (ctx) => {
  if (ctx.node?.node === 'rule') return { op: 'removeRule', bus: ctx.node.bus.name, rule: ctx.node.rule.name };
  const bus = await pickResource(ctx, 'buses', 'Remove a rule from which bus?', (b) => Boolean(ctx.snapshot.buses.find((x) => x.name === b)?.rules.length));
  if (!bus) return undefined;
  const rules = ctx.snapshot.buses.find((b) => b.name === bus)!.rules;
  const rule = await ctx.flow.pick({ placeholder: 'Which rule?', items: rules.map((r) => ({ label: r.name, description: `→ ${r.targets.join(', ')}`, value: r.name })) });
  return rule ? { op: 'removeRule', bus, rule } : undefined;
};

const GROUP_OF_NODE: Partial<Record<BrokerNode['node'], AwsGroup>> = { queue: 'queues', topic: 'topics', stream: 'streams', bus: 'buses', function: 'functions' };

const deleteResource: Build = async (ctx) => {
  const group = ctx.node && GROUP_OF_NODE[ctx.node.node];
  if (group) return { op: 'delete', kind: KIND_OF[group], name: presetFrom(ctx.node, group)! };
  const own = systemDeleteOf(ctx.node);
  if (own) return own;
  const groups = Object.keys(NOUN) as AwsGroup[];
  type Target = { kind: Extract<PlaygroundCommand, { op: 'delete' }>['kind']; name: string };
  const items: Array<Choice<Target> | vscode.QuickPickItem> = groups.flatMap((g) => {
    const names = (ctx.snapshot[g] as Array<{ name: string }>).map((r) => r.name);
    return names.length ? [{ label: NOUN[g], kind: vscode.QuickPickItemKind.Separator }, ...names.map((name) => ({ label: name, description: KIND_OF[g], value: { kind: KIND_OF[g], name } }))] : [];
  });
  let section = '';
  for (const r of systemResources(ctx.snapshot)) {
    if (r.section !== section) items.push({ label: (section = r.section), kind: vscode.QuickPickItemKind.Separator });
    items.push({ label: r.name, description: r.kind, value: { kind: r.kind, name: r.name } });
  }
  if (!items.length) {
    void vscode.window.showWarningMessage('Serverless Lab: the playground is empty — nothing to delete.');
    return undefined;
  }
  const target = await ctx.flow.pick({ placeholder: 'Delete which resource? (refused while something still uses it)', items });
  return target ? { op: 'delete', ...target } : undefined;
};

const send: Build = async (ctx) => {
  const queue = await pickResource(ctx, 'queues', 'Send to which queue?');
  if (!queue) return undefined;
  const fifo = Boolean(queueOf(ctx.snapshot, queue)?.fifo);
  if (fifo) ctx.flow.add(2); // a group id and a deduplication id
  const body = await ctx.flow.text({ prompt: `Message body for ${queue}`, placeholder: '{"orderId": 1}', check: checkRequired('A message body') });
  if (body === undefined) return undefined;
  if (!fifo) return { op: 'send', queue, body };
  const groupId = await ctx.flow.text({ prompt: 'Message group id: messages of one group are delivered in order, one at a time', value: 'group-1', check: checkToken('A group id') });
  if (groupId === undefined) return undefined;
  const deduplicationId = await ctx.flow.text({ prompt: 'Deduplication id (optional: empty uses content-based deduplication)', check: checkToken('A deduplication id', { optional: true }) });
  if (deduplicationId === undefined) return undefined;
  return { op: 'send', queue, body, groupId, ...(deduplicationId ? { deduplicationId } : {}) };
};

const receive: Build = async (ctx) => {
  const queue = await pickResource(ctx, 'queues', 'Receive from which queue?');
  if (!queue) return undefined;
  const max = await numberStep(ctx, 'How many messages at most', LIMITS.receiveMax, '1');
  return max === null ? undefined : { op: 'receive', queue, max };
};

const deleteMessage: Build = async (ctx) => {
  const held = await pickInFlight(ctx, 'Delete (acknowledge) a message');
  return held ? { op: 'deleteMessage', queue: held.queue, receiptHandle: held.message.receiptHandle! } : undefined;
};

const changeVisibility: Build = async (ctx) => {
  const held = await pickInFlight(ctx, 'Change visibility');
  if (!held) return undefined;
  const s = await numberStep(ctx, `Hide ${held.message.messageId} for how many more seconds? 0 makes it visible now`, LIMITS.visibilityTimeoutS, '0');
  return s === null || s === undefined ? undefined : { op: 'changeVisibility', queue: held.queue, receiptHandle: held.message.receiptHandle!, visibilityTimeoutS: s };
};

const purge: Build = async (ctx) => {
  const queue = await pickResource(ctx, 'queues', 'Purge which queue?');
  if (!queue) return undefined;
  const ok = await vscode.window.showWarningMessage(`Delete every message in ${queue}?`, { modal: true }, 'Purge');
  return ok === 'Purge' ? { op: 'purge', queue } : undefined;
};

const publish: Build = async (ctx) => {
  const topic = await pickResource(ctx, 'topics', 'Publish to which topic?');
  if (!topic) return undefined;
  const fifo = Boolean(ctx.snapshot.topics.find((t) => t.name === topic)?.fifo);
  if (fifo) ctx.flow.add(1); // a group id
  const body = await ctx.flow.text({ prompt: `Message for ${topic}'s subscribers`, placeholder: '{"orderId": 1}', check: checkRequired('A message body') });
  if (body === undefined) return undefined;
  const attributes = await jsonStep(ctx, 'Message attributes (optional): what filter policies match on; an array is a String.Array', '{"type": "order", "amount": 42, "tags": ["new"]}', checkTopicAttributes);
  if (attributes === undefined) return undefined;
  const command: Extract<PlaygroundCommand, { op: 'publish' }> = { op: 'publish', topic, body, attributes: parseOptionalObject(attributes) as TopicAttributes | undefined };
  if (fifo) {
    const groupId = await ctx.flow.text({ prompt: 'Message group id', value: 'group-1', check: checkToken('A group id') });
    if (groupId === undefined) return undefined;
    command.groupId = groupId;
  }
  return command;
};

const putEvent: Build = async (ctx) => {
  const bus = await pickResource(ctx, 'buses', 'Put an event on which bus?');
  if (!bus) return undefined;
  const source = await ctx.flow.text({ prompt: 'Event source (who says it happened)', value: 'shop', check: checkRequired('A source') });
  if (source === undefined) return undefined;
  const detailType = await ctx.flow.text({ prompt: 'Detail type (what happened)', value: 'OrderPlaced', check: checkRequired('A detail type') });
  if (detailType === undefined) return undefined;
  const detail = await ctx.flow.text({ prompt: 'Detail: the event body, a JSON object', value: '{"orderId": 1}', check: checkJsonObject() });
  if (detail === undefined) return undefined;
  const parsed = parseJsonObject(detail);
  return 'value' in parsed ? { op: 'putEvent', bus, source, detailType, detail: parsed.value } : undefined;
};

const produce: Build = async (ctx) => {
  const stream = await pickResource(ctx, 'streams', 'Produce to which stream?');
  if (!stream) return undefined;
  const key = await ctx.flow.text({ prompt: 'Key (optional): records with the same key land in the same partition, in order', placeholder: 'user-1' });
  if (key === undefined) return undefined;
  const value = await ctx.flow.text({ prompt: 'Record value', placeholder: '{"page": "/home"}', check: checkRequired('A value') });
  if (value === undefined) return undefined;
  return { op: 'produce', stream, value, ...(key ? { key } : {}) };
};

/** A consumer group: the row's, an existing one, or a new id typed in. */
async function pickGroup(ctx: FlowContext, stream: string, placeholder: string): Promise<string | undefined> {
  if (ctx.node?.node === 'consumer') {
    ctx.flow.skip();
    return ctx.node.consumer.id;
  }
  const groups = ctx.snapshot.streams.find((s) => s.name === stream)?.groups ?? [];
  return ctx.flow.pick({
    placeholder,
    items: groups.map((g) => ({ label: g.id, description: `lag ${g.partitions.reduce((n, p) => n + p.lag, 0)}`, value: g.id })),
    typed: { check: (t) => checkName('stream', t), value: (t) => t, label: (t) => `$(add) New group "${t}"` },
  });
}

const consume: Build = async (ctx) => {
  const stream = await pickResource(ctx, 'streams', 'Consume from which stream?');
  if (!stream) return undefined;
  const group = await pickGroup(ctx, stream, 'Consumer group (pick one or type a new id): each group has its own committed offsets');
  if (!group) return undefined;
  const partitions = ctx.snapshot.streams.find((s) => s.name === stream)?.partitions ?? [];
  const from = await ctx.flow.pick<{ partition: number; start: number } | false>({
    placeholder: 'Read from…',
    items: [
      { label: 'Where the group left off', detail: 'Its committed offsets (the earliest record for a new group)', value: false },
      ...partitions.map((p) => ({ label: `Partition ${p.partition} from an offset…`, description: `[${p.startOffset}..${p.endOffset})`, value: { partition: p.partition, start: p.startOffset } })),
    ],
  });
  if (from === undefined) return undefined;
  if (!from) return { op: 'consume', stream, group };
  ctx.flow.add(1);
  const offset = await numberStep(ctx, `Offset to read partition ${from.partition} from`, LIMITS.offset, String(from.start));
  return offset === null || offset === undefined ? undefined : { op: 'consume', stream, group, partition: from.partition, offset };
};

const replay: Build = async (ctx) => {
  const stream = await pickResource(ctx, 'streams', 'Replay which stream?');
  if (!stream) return undefined;
  const group = await pickGroup(ctx, stream, 'Rewind which consumer group to the earliest retained record?');
  return group ? { op: 'replay', stream, group } : undefined;
};

/** Workspace .ts/.js files, the active editor's first. */
async function handlerFiles(): Promise<Array<Choice<string>>> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const found = await vscode.workspace.findFiles('**/*.{ts,js,mjs,cjs}', '{**/node_modules/**,**/dist/**,**/out/**}', 500);
  const files = found.filter((u) => !checkHandlerFile(u.fsPath) && u.toString() !== active?.toString());
  const first = active && active.scheme === 'file' && !checkHandlerFile(active.fsPath) ? [active] : [];
  return [...first, ...files.sort((a, b) => a.fsPath.localeCompare(b.fsPath))].map((u, i) => ({
    label: vscode.workspace.asRelativePath(u),
    description: i === 0 && first.length ? 'active editor' : undefined,
    value: u.fsPath,
  }));
}

/** Lambda (one request per environment) or a platform serving many requests per instance (instanceConcurrency.ts). */
const PLATFORM_CHOICES: Array<Choice<{ platform?: 'cloud-run' | 'cloud-functions' | 'azure-flex'; concurrency?: number }>> = [
  { label: '$(symbol-method) AWS Lambda', description: 'one request per execution environment', value: {} },
  { label: '$(layers) Cloud Run', description: 'up to 80 requests at once per instance, sharing its module', value: { platform: 'cloud-run' } },
  { label: '$(layers) Cloud Run functions (2nd gen), 8 per instance', description: 'concurrency 8 (the default is 1)', value: { platform: 'cloud-functions', concurrency: 8 } },
  { label: '$(layers) Azure Functions Flex Consumption', description: '16 HTTP requests at once per 2,048 MB instance', value: { platform: 'azure-flex' } },
];

const attachHandler: Build = async (ctx) => {
  const files = await handlerFiles();
  if (!files.length) {
    void vscode.window.showWarningMessage('Serverless Lab: no .ts or .js file in the workspace to attach — write a handler first.');
    return undefined;
  }
  const file = await ctx.flow.pick({ placeholder: 'Which file exports the handler?', items: files });
  if (!file) return undefined;
  const triggers = [
    ...ctx.snapshot.queues.map((q) => ({ label: `$(inbox) ${q.name}`, description: 'queue: polls it and deletes what it handled', value: { queue: q.name } })),
    ...ctx.snapshot.topics.map((t) => ({ label: `$(broadcast) ${t.name}`, description: 'topic: subscribed', value: { topic: t.name } })),
    ...ctx.snapshot.streams.map((s) => ({ label: `$(list-ordered) ${s.name}`, description: 'stream: reads each partition in order', value: { stream: s.name } })),
    ...systemTriggers(ctx.snapshot),
  ];
  const preset = presetFrom(ctx.node, 'queues') ? { queue: presetFrom(ctx.node, 'queues') } : presetFrom(ctx.node, 'topics') ? { topic: presetFrom(ctx.node, 'topics') } : presetFrom(ctx.node, 'streams') ? { stream: presetFrom(ctx.node, 'streams') } : systemTriggerOf(ctx.node);
  if (!preset && !triggers.length) {
    void vscode.window.showWarningMessage('Serverless Lab: a handler is triggered by a queue, topic or stream (or a RabbitMQ queue, a Pub/Sub topic or subscription, a Kinesis stream) — create one first.');
    return undefined;
  }
  if (preset) ctx.flow.skip();
  const trigger = preset ?? (await ctx.flow.pick({ placeholder: 'What triggers it?', items: triggers }));
  if (!trigger) return undefined;
  const taken = ctx.snapshot.functions.map((f) => f.name);
  const name = await ctx.flow.text({ prompt: 'Function name', value: functionNameFor(file), check: (t) => checkName('function', t, { taken }) });
  if (name === undefined) return undefined;
  const platform = await ctx.flow.pick({ placeholder: 'Where does it run?', items: PLATFORM_CHOICES });
  if (!platform) return undefined;
  // A RabbitMQ consumer takes one delivery at a time unless told otherwise (prefetch 1: fair dispatch).
  return { op: 'attachHandler', function: name.trim(), file, ...trigger, ...('rabbitQueue' in trigger ? { prefetch: 1 } : {}), ...platform };
};

const detachHandler: Build = async (ctx) => {
  const fn = await pickResource(ctx, 'functions', 'Detach which function?');
  return fn ? { op: 'detachHandler', function: fn } : undefined;
};

const advance: Build = async (ctx) => {
  const seconds = await numberStep(ctx, 'Move virtual time forward by how many seconds? (e.g. past a visibility timeout)', LIMITS.advanceSeconds, '30');
  return seconds === null || seconds === undefined ? undefined : { op: 'advance', seconds };
};

const reset: Build = async () => {
  const ok = await vscode.window.showWarningMessage('Reset the playground? Every queue, topic, stream, bus, function and message is removed.', { modal: true }, 'Reset');
  return ok === 'Reset' ? { op: 'reset' } : undefined;
};

// ── showing results ──

/** `result.messages`, or the result itself when it is a list. */
function listIn(result: unknown, field: string): unknown[] {
  if (Array.isArray(result)) return result;
  const inner = (result as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(inner) ? inner : [];
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Received messages as a pick list: pick one to delete it, change its visibility or inspect it. */
function presentReceived(): Present {
  return async (response, command, ctx) => {
    if (command.op !== 'receive') return;
    const received = listIn(response.result, 'messages') as QueueMessageView[];
    if (!received.length) return;
    const queue = queueOf(response.snapshot, command.queue);
    const message = await ctx.flow.pick({
      placeholder: `${response.message} — pick one to act on it (Esc leaves them in flight)`,
      items: received.map((m) => ({ label: preview(m.body, 60), description: `${m.messageId} · received ${m.receiveCount}×`, detail: m.body.length > 60 ? preview(m.body, 200) : undefined, value: m })),
    });
    if (!message || !queue) return;
    const node: BrokerNode = { node: 'message', queue, message: { ...(queue.messages.find((m) => m.messageId === message.messageId) ?? message), receiptHandle: message.receiptHandle } };
    const action = await ctx.flow.pick({
      placeholder: `${message.messageId}: what now?`,
      items: [
        { label: '$(check) Delete it', detail: 'Processing succeeded: acknowledge so it is never redelivered', value: 'deleteMessage' },
        { label: '$(eye) Change its visibility…', detail: 'Need more time, or give it back to the queue now (0 s)', value: 'changeVisibility' },
        { label: '$(search) Inspect it', detail: 'Body, attributes, receive count, timestamps', value: 'inspectMessage' },
      ],
    });
    if (action) await vscode.commands.executeCommand(PREFIX + action, node);
  };
}

function presentDocument(app: CommandContext, name: (command: PlaygroundCommand) => string): Present {
  return async (response, command) => {
    if (response.result !== undefined) await app.showDocument(name(command), json(response.result));
  };
}

// ── registration ──

interface Spec {
  name: string;
  op: PlaygroundOp;
  build: Build;
  title: string;
  /** Steps of the usual path (the title shows "(2/4)"); the flow adds and skips as answers come. */
  steps: number;
  present?: Present;
}

export function registerPlaygroundCommands(app: CommandContext): vscode.Disposable[] {
  const specs: Spec[] = [
    { name: 'createQueue', op: 'createQueue', title: 'Create Queue', steps: 4, build: createQueue },
    { name: 'createTopic', op: 'createTopic', title: 'Create Topic', steps: 2, build: createTopic },
    { name: 'subscribe', op: 'subscribe', title: 'Subscribe', steps: 3, build: subscribe },
    { name: 'unsubscribe', op: 'unsubscribe', title: 'Unsubscribe', steps: 2, build: unsubscribe },
    { name: 'createStream', op: 'createStream', title: 'Create Stream', steps: 3, build: createStream },
    { name: 'createBus', op: 'createBus', title: 'Create Event Bus', steps: 1, build: createBus },
    { name: 'putRule', op: 'putRule', title: 'Put Rule', steps: 4, build: putRule },
    { name: 'removeRule', op: 'removeRule', title: 'Remove Rule', steps: 2, build: removeRule },
    { name: 'delete', op: 'delete', title: 'Delete', steps: 1, build: deleteResource },
    { name: 'sendMessage', op: 'send', title: 'Send Message', steps: 2, build: send },
    { name: 'receiveMessages', op: 'receive', title: 'Receive Messages', steps: 2, build: receive, present: presentReceived() },
    { name: 'deleteMessage', op: 'deleteMessage', title: 'Delete Message', steps: 2, build: deleteMessage },
    { name: 'changeVisibility', op: 'changeVisibility', title: 'Change Visibility', steps: 3, build: changeVisibility },
    { name: 'purgeQueue', op: 'purge', title: 'Purge Queue', steps: 1, build: purge },
    { name: 'publish', op: 'publish', title: 'Publish', steps: 3, build: publish },
    { name: 'putEvent', op: 'putEvent', title: 'Put Event', steps: 4, build: putEvent },
    { name: 'produce', op: 'produce', title: 'Produce Record', steps: 3, build: produce },
    { name: 'consume', op: 'consume', title: 'Consume Records', steps: 3, build: consume, present: presentDocument(app, (c) => `consumed ${'stream' in c ? c.stream : ''}`) },
    { name: 'replay', op: 'replay', title: 'Replay Stream', steps: 2, build: replay },
    { name: 'attachHandler', op: 'attachHandler', title: 'Attach Handler', steps: 4, build: attachHandler },
    { name: 'detachHandler', op: 'detachHandler', title: 'Detach Handler', steps: 1, build: detachHandler },
    { name: 'advanceTime', op: 'advance', title: 'Advance Time', steps: 1, build: advance },
    { name: 'reset', op: 'reset', title: 'Reset Playground', steps: 0, build: reset },
    ...SYSTEM_FLOWS.map(
      (f): Spec => ({
        name: f.name,
        op: f.op,
        title: f.title,
        steps: f.steps,
        build: f.build,
        present: async (response, command) => {
          const doc = documentOf(f, response, command);
          if (doc) await app.showDocument(doc.name, doc.content);
        },
      }),
    ),
  ];

  /** Runs a command; errors (naming the bad field) go to an error message and change nothing. */
  const execute = async (command: PlaygroundCommand | PlaygroundQuery, kind: 'run' | 'query'): Promise<PlaygroundResponse | undefined> => {
    try {
      const response = kind === 'run' ? await app.session.run(command as PlaygroundCommand) : await app.session.query(command as Exclude<PlaygroundQuery, { op: 'restore' }>);
      if (kind === 'run') app.notify('info', response.message);
      return response;
    } catch (err) {
      app.notify('error', errorText(err));
      return undefined;
    }
  };

  /** The snapshot a flow starts from; `undefined` (with an error shown) if the runtime cannot start. */
  const startFlow = async (title: string, node: BrokerNode | undefined, steps: number): Promise<FlowContext | undefined> => {
    try {
      await app.session.ready();
    } catch (err) {
      app.notify('error', `the playground cannot start: ${errorText(err)}`);
      return undefined;
    }
    return { node, snapshot: app.session.snapshot!, flow: app.prompts.flow(title, steps) };
  };

  const handler = (spec: Spec) => async (arg?: unknown): Promise<PlaygroundResponse | undefined> => {
    if (isArgumentObject(arg)) return execute({ ...arg, op: spec.op } as PlaygroundCommand, 'run');
    const ctx = await startFlow(spec.title, isNode(arg) ? arg : undefined, spec.steps);
    if (!ctx) return undefined;
    const command = await spec.build(ctx);
    if (!command) return undefined; // cancelled: nothing was sent
    const response = await execute(command, 'run');
    if (response && spec.present) await spec.present(response, command, { ...ctx, snapshot: response.snapshot, flow: app.prompts.flow(spec.title, 2) });
    return response;
  };

  const inspect = async (arg?: unknown): Promise<PlaygroundResponse | undefined> => {
    let query: Extract<PlaygroundQuery, { op: 'inspect' }> | undefined;
    let interactive = false;
    if (isArgumentObject(arg)) query = { ...arg, op: 'inspect' } as typeof query;
    else {
      const ctx = await startFlow('Inspect Message', isNode(arg) ? arg : undefined, 2);
      if (!ctx) return undefined;
      query = await inspectFlow(ctx);
      interactive = true;
    }
    if (!query) return undefined;
    const response = await execute(query, 'query');
    if (response && interactive) await app.showDocument(`inspect ${query.messageId ?? `${query.stream}-${query.partition}@${query.offset}`}`, json(response.result ?? response.message));
    return response;
  };

  const create = async (): Promise<unknown> => {
    const kinds = [
      { label: '$(inbox) Queue', value: 'createQueue' },
      { label: '$(broadcast) Topic', value: 'createTopic' },
      { label: '$(list-ordered) Stream', value: 'createStream' },
      { label: '$(symbol-event) Event bus', value: 'createBus' },
      { label: '$(symbol-method) Function (attach a handler file)', value: 'attachHandler' },
      { label: '$(git-merge) RabbitMQ exchange', value: 'declareExchange' },
      { label: '$(inbox) RabbitMQ queue', value: 'declareRabbitQueue' },
      { label: '$(radio-tower) Pub/Sub topic', value: 'createPubSubTopic' },
      { label: '$(cloud-download) Pub/Sub subscription', value: 'createSubscription' },
      { label: '$(pulse) Kinesis stream', value: 'createKinesisStream' },
    ];
    const pick = await app.prompts.flow('Create', 1).pick({ placeholder: 'Create what?', items: kinds });
    return pick ? vscode.commands.executeCommand(PREFIX + pick) : undefined;
  };

  return [
    ...specs.map((spec) => vscode.commands.registerCommand(PREFIX + spec.name, handler(spec))),
    vscode.commands.registerCommand(PREFIX + 'inspectMessage', inspect),
    vscode.commands.registerCommand(PREFIX + 'create', create),
  ];
}

async function inspectFlow(ctx: FlowContext): Promise<Extract<PlaygroundQuery, { op: 'inspect' }> | undefined> {
  const node = ctx.node;
  if (node?.node === 'message') return { op: 'inspect', queue: node.queue.name, messageId: node.message.messageId };
  if (node?.node === 'record') return { op: 'inspect', stream: node.stream.name, partition: node.partition, offset: node.record.offset };
  const queue = await pickResource(ctx, 'queues', 'Inspect a message in which queue?', (q) => Boolean(queueOf(ctx.snapshot, q)?.messages.length));
  if (!queue) return undefined;
  const messageId = await ctx.flow.pick({ placeholder: 'Which message?', items: queueOf(ctx.snapshot, queue)!.messages.map((m) => ({ label: preview(m.body), description: `${m.messageId} · ${m.state}`, value: m.messageId })) });
  return messageId ? { op: 'inspect', queue, messageId } : undefined;
}

/** Tree rows carry a `node` field; argument objects never do. */
function isNode(value: unknown): value is BrokerNode {
  return typeof value === 'object' && value !== null && typeof (value as { node?: unknown }).node === 'string';
}

/** The runtime's error, naming the bad field when it did not already. */
export function errorText(err: unknown): string {
  const e = err as { message?: string; path?: string };
  const message = e?.message ?? String(err);
  return e?.path && !message.includes(e.path) ? `${e.path}: ${message}` : message;
}
