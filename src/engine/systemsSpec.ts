/**
 * The seed's other systems in a scenario file: a RabbitMQ broker (`rabbitmq`: exchanges, queues,
 * bindings), Google Pub/Sub (`pubsub`: topics and their subscriptions) and Amazon Kinesis Data
 * Streams (`kinesisStreams`), with functions attached as RabbitMQ consumers, Pub/Sub push endpoints
 * or pull subscribers, and Kinesis event sources.
 *
 * This module is pure data: the scenario types, the meaning checks of validation pass 2 (references
 * between resources, each problem with the path of its field) and what these systems add to the
 * topology. `systems.ts` builds and wires them on an engine.
 */
import { compileFilter } from './pubsub';
import type { TrafficTarget } from './scenario';
import type { TopologyEdge, TopologyNode } from './topology';
import { compileTemplate } from './traffic';
import { ValidationError } from './errors';

// ------------------------------------------------------------------------------------------------
// Types (mirroring schemas/scenario.schema.json)

export interface RabbitExchangeSpec {
  name: string;
  type: 'direct' | 'fanout' | 'topic' | 'headers';
  durable?: boolean;
  alternateExchange?: string;
}

export interface RabbitQueueSpec {
  name: string;
  type?: 'classic' | 'quorum';
  durable?: boolean;
  autoDelete?: boolean;
  messageTtlMs?: number;
  deadLetterExchange?: string;
  deadLetterRoutingKey?: string;
  maxLength?: number;
  deliveryLimit?: number;
}

export interface RabbitBindingSpec {
  exchange: string;
  queue: string;
  routingKey?: string;
  arguments?: Record<string, string | number | boolean>;
}

export interface RabbitMqSpec {
  exchanges?: RabbitExchangeSpec[];
  queues?: RabbitQueueSpec[];
  bindings?: RabbitBindingSpec[];
}

export interface PubSubSubscriptionSpec {
  name: string;
  ackDeadlineS?: number;
  retentionS?: number;
  retainAckedMessages?: boolean;
  enableMessageOrdering?: boolean;
  enableExactlyOnceDelivery?: boolean;
  filter?: string;
  deadLetterPolicy?: { topic: string; maxDeliveryAttempts?: number };
  retryPolicy?: { minimumBackoffS?: number; maximumBackoffS?: number };
  push?: { function: string };
}

export interface PubSubTopicSpec {
  name: string;
  subscriptions?: PubSubSubscriptionSpec[];
}

export interface PubSubSpec {
  topics?: PubSubTopicSpec[];
}

export interface KinesisStreamSpec {
  name: string;
  shards?: number;
  retentionHours?: number;
}

/** A RabbitMQ consumer: each delivery invokes the function; success acks, a failure does `onError`. */
export interface RabbitEventSpec {
  rabbitQueue: string;
  prefetch?: number;
  onError?: 'requeue' | 'reject-requeue' | 'dead-letter';
}

/** A streaming-pull subscriber on a Pub/Sub pull subscription. */
export interface PubSubEventSpec {
  pubsubSubscription: string;
  maxOutstanding?: number;
  maxExtensionS?: number;
}

export interface KinesisEventSpec {
  kinesisStream: string;
  batchSize?: number;
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  parallelizationFactor?: number;
  maxRetryAttempts?: number;
  onFailure?: { queue: string };
}

export type SystemEventSpec = RabbitEventSpec | PubSubEventSpec | KinesisEventSpec;

/** What these systems add to a scenario (all optional). */
export interface SystemsScenario {
  rabbitmq?: RabbitMqSpec;
  pubsub?: PubSubSpec;
  kinesisStreams?: KinesisStreamSpec[];
}

/** The exchanges every RabbitMQ broker has (besides the default exchange ""). */
export const BUILT_IN_EXCHANGES: Readonly<Record<string, RabbitExchangeSpec['type']>> = { 'amq.direct': 'direct', 'amq.fanout': 'fanout', 'amq.topic': 'topic', 'amq.match': 'headers' };

export function isSystemEvent(e: object): e is SystemEventSpec {
  return 'rabbitQueue' in e || 'pubsubSubscription' in e || 'kinesisStream' in e;
}

/** The resource a traffic target of these systems names, if it is one of them. */
export function systemTarget(t: TrafficTarget): string | undefined {
  return t.exchange ?? t.rabbitQueue ?? t.pubsubTopic ?? t.kinesisStream;
}

// ------------------------------------------------------------------------------------------------
// Names

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)) : [];
}

function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export interface SystemNames {
  exchanges: string[];
  rabbitQueues: string[];
  pubsubTopics: string[];
  subscriptions: string[];
  pushSubscriptions: Map<string, string>;
  kinesisStreams: string[];
}

/** Every named resource of these systems with the path of its name (names are unique across a scenario). */
export function systemNameEntries(doc: Record<string, unknown>): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  const add = (name: unknown, path: string): void => {
    if (typeof name === 'string' && name !== '') out.push({ name, path });
  };
  const rabbit = obj(doc.rabbitmq);
  list(rabbit.exchanges).forEach((e, i) => add(e.name, `rabbitmq.exchanges[${i}].name`));
  list(rabbit.queues).forEach((q, i) => add(q.name, `rabbitmq.queues[${i}].name`));
  list(obj(doc.pubsub).topics).forEach((t, i) => {
    add(t.name, `pubsub.topics[${i}].name`);
    list(t.subscriptions).forEach((s, j) => add(s.name, `pubsub.topics[${i}].subscriptions[${j}].name`));
  });
  list(doc.kinesisStreams).forEach((s, i) => add(s.name, `kinesisStreams[${i}].name`));
  return out;
}

export function systemNames(doc: Record<string, unknown>): SystemNames {
  const rabbit = obj(doc.rabbitmq);
  const names = (items: Record<string, unknown>[]): string[] => items.map((x) => x.name).filter((n): n is string => typeof n === 'string' && n !== '');
  const topics = list(obj(doc.pubsub).topics);
  const subs = topics.flatMap((t) => list(t.subscriptions));
  const push = new Map<string, string>();
  for (const s of subs) {
    const fn = obj(s.push).function;
    if (typeof s.name === 'string' && typeof fn === 'string') push.set(s.name, fn);
  }
  return { exchanges: names(list(rabbit.exchanges)), rabbitQueues: names(list(rabbit.queues)), pubsubTopics: names(topics), subscriptions: names(subs), pushSubscriptions: push, kinesisStreams: names(list(doc.kinesisStreams)) };
}

// ------------------------------------------------------------------------------------------------
// Pass 2: meaning

export interface SystemCheckContext {
  add(path: string, message: string): void;
  /** A reference to a scenario function or (SQS) queue: reports unknown names, true when known. */
  ref(value: unknown, path: string, list: 'functions' | 'queues'): boolean;
}

function known(kind: string, value: string, names: readonly string[]): string {
  return `unknown ${kind} "${value}" (known: ${names.length ? names.join(', ') : 'none defined'})`;
}

/** Every problem of meaning in the parts of a scenario these systems own. */
export function checkSystems(doc: Record<string, unknown>, c: SystemCheckContext): void {
  const n = systemNames(doc);
  const rabbit = obj(doc.rabbitmq);
  const exchangeTypes = new Map<string, string>(Object.entries(BUILT_IN_EXCHANGES));
  for (const e of list(rabbit.exchanges)) if (typeof e.name === 'string' && typeof e.type === 'string') exchangeTypes.set(e.name, e.type);
  const exchangeNames = [...n.exchanges, ...Object.keys(BUILT_IN_EXCHANGES)];
  const exchange = (value: unknown, path: string, allowDefault: boolean): boolean => {
    if (typeof value !== 'string') return false;
    if (value === '') {
      if (!allowDefault) c.add(path, 'the default exchange "" cannot be bound: it already routes every message to the queue its routing key names');
      return allowDefault;
    }
    if (exchangeTypes.has(value)) return true;
    c.add(path, known('exchange', value, exchangeNames));
    return false;
  };
  const rabbitQueue = (value: unknown, path: string): boolean => {
    if (typeof value !== 'string' || value === '') return false;
    if (n.rabbitQueues.includes(value)) return true;
    c.add(path, known('RabbitMQ queue', value, n.rabbitQueues));
    return false;
  };

  list(rabbit.exchanges).forEach((e, i) => {
    const p = `rabbitmq.exchanges[${i}]`;
    if (e.alternateExchange !== undefined && exchange(e.alternateExchange, `${p}.alternateExchange`, false) && e.alternateExchange === e.name) {
      c.add(`${p}.alternateExchange`, 'an exchange cannot be its own alternate exchange');
    }
  });
  list(rabbit.queues).forEach((q, i) => {
    const p = `rabbitmq.queues[${i}]`;
    const quorum = q.type === 'quorum';
    if (quorum && q.durable === false) c.add(`${p}.durable`, 'quorum queues are always durable (replicated on disk)');
    if (!quorum && q.deliveryLimit !== undefined) c.add(`${p}.deliveryLimit`, 'only quorum queues have a delivery limit: a classic queue redelivers a requeued message forever (set "type": "quorum")');
    if (q.deadLetterExchange !== undefined) exchange(q.deadLetterExchange, `${p}.deadLetterExchange`, true);
    if (q.deadLetterRoutingKey !== undefined && q.deadLetterExchange === undefined) c.add(`${p}.deadLetterRoutingKey`, 'needs deadLetterExchange: RabbitMQ refuses a dead-letter routing key without a dead-letter exchange');
  });
  list(rabbit.bindings).forEach((b, i) => {
    const p = `rabbitmq.bindings[${i}]`;
    const ok = exchange(b.exchange, `${p}.exchange`, false);
    rabbitQueue(b.queue, `${p}.queue`);
    const type = ok ? exchangeTypes.get(b.exchange as string) : undefined;
    const args = obj(b.arguments);
    if (type === 'headers') {
      const mode = args['x-match'];
      if (mode !== undefined && !['all', 'any', 'all-with-x', 'any-with-x'].includes(String(mode))) c.add(`${p}.arguments.x-match`, `must be all, any, all-with-x or any-with-x, got ${JSON.stringify(mode)}`);
      if (b.routingKey !== undefined && b.routingKey !== '') c.add(`${p}.routingKey`, `a headers exchange ("${b.exchange}") ignores routing keys: it matches the message headers in "arguments"`);
    } else if (type !== undefined && b.arguments !== undefined) {
      c.add(`${p}.arguments`, `only a headers exchange matches arguments ("${b.exchange}" is ${type}): use routingKey`);
    }
    if (type === 'fanout' && b.routingKey !== undefined && b.routingKey !== '') c.add(`${p}.routingKey`, `a fanout exchange ("${b.exchange}") ignores routing keys: every bound queue gets every message`);
  });

  list(obj(doc.pubsub).topics).forEach((t, i) => {
    list(t.subscriptions).forEach((s, j) => {
      const p = `pubsub.topics[${i}].subscriptions[${j}]`;
      const dl = obj(s.deadLetterPolicy);
      if (typeof dl.topic === 'string' && dl.topic !== '') {
        if (!n.pubsubTopics.includes(dl.topic)) c.add(`${p}.deadLetterPolicy.topic`, known('Pub/Sub topic', dl.topic, n.pubsubTopics));
        else if (dl.topic === t.name) c.add(`${p}.deadLetterPolicy.topic`, `must be another topic than the subscription's own ("${t.name}"): its dead letters would come back to it`);
      }
      const push = obj(s.push);
      if (push.function !== undefined) c.ref(push.function, `${p}.push.function`, 'functions');
      if (s.push !== undefined && s.enableExactlyOnceDelivery === true) c.add(`${p}.enableExactlyOnceDelivery`, 'exactly-once delivery is for pull subscriptions only (a push endpoint cannot get an ack refused)');
      if (typeof s.filter === 'string' && s.filter !== '') {
        try {
          compileFilter(s.filter);
        } catch (err) {
          c.add(`${p}.filter`, (err as Error).message);
        }
      }
      const rp = obj(s.retryPolicy);
      if (typeof rp.minimumBackoffS === 'number' && typeof rp.maximumBackoffS === 'number' && rp.maximumBackoffS < rp.minimumBackoffS) {
        c.add(`${p}.retryPolicy.maximumBackoffS`, `must be at least minimumBackoffS (${rp.minimumBackoffS} s), got ${rp.maximumBackoffS}`);
      }
    });
  });

  list(doc.functions).forEach((f, i) => {
    list(f.events).forEach((e, j) => {
      const p = `functions[${i}].events[${j}]`;
      if (e.rabbitQueue !== undefined) rabbitQueue(e.rabbitQueue, `${p}.rabbitQueue`);
      if (typeof e.pubsubSubscription === 'string' && e.pubsubSubscription !== '') {
        const s = e.pubsubSubscription;
        if (!n.subscriptions.includes(s)) c.add(`${p}.pubsubSubscription`, known('Pub/Sub subscription', s, n.subscriptions));
        else if (n.pushSubscriptions.has(s)) c.add(`${p}.pubsubSubscription`, `"${s}" is a push subscription (it calls "${n.pushSubscriptions.get(s)}" itself): only a pull subscription has subscribers that pull`);
      }
      if (typeof e.kinesisStream === 'string' && e.kinesisStream !== '' && !n.kinesisStreams.includes(e.kinesisStream)) c.add(`${p}.kinesisStream`, known('Kinesis stream', e.kinesisStream, n.kinesisStreams));
      if (e.kinesisStream !== undefined) {
        const of = obj(e.onFailure);
        if (of.queue !== undefined) c.ref(of.queue, `${p}.onFailure.queue`, 'queues');
      }
    });
  });

  list(doc.traffic).forEach((t, i) => {
    const tg = obj(t.target);
    const p = `traffic[${i}].target`;
    const kind = (['exchange', 'rabbitQueue', 'pubsubTopic', 'kinesisStream'] as const).find((k) => tg[k] !== undefined);
    if (tg.routingKey !== undefined && kind !== 'exchange') c.add(`${p}.routingKey`, 'applies to an exchange target only');
    if (tg.orderingKey !== undefined && kind !== 'pubsubTopic') c.add(`${p}.orderingKey`, 'applies to a pubsubTopic target only');
    if (kind === undefined) return;
    const value = tg[kind];
    if (typeof value === 'string' && value !== '') {
      const lists = { exchange: exchangeNames, rabbitQueue: n.rabbitQueues, pubsubTopic: n.pubsubTopics, kinesisStream: n.kinesisStreams };
      const words = { exchange: 'exchange', rabbitQueue: 'RabbitMQ queue', pubsubTopic: 'Pub/Sub topic', kinesisStream: 'Kinesis stream' };
      if (!lists[kind].includes(value)) c.add(`${p}.${kind}`, known(words[kind], value, lists[kind]));
    }
    const allowed: Record<typeof kind, string[]> = { exchange: ['routingKey', 'attributes'], rabbitQueue: ['attributes'], pubsubTopic: ['attributes', 'orderingKey'], kinesisStream: ['key'] };
    for (const extra of ['key', 'groupId', 'attributes', 'source', 'detailType', 'method', 'path']) {
      if (tg[extra] !== undefined && !allowed[kind].includes(extra)) c.add(`${p}.${extra}`, `does not apply to a ${kind} target`);
    }
    if (kind === 'pubsubTopic') {
      for (const [k, v] of Object.entries(obj(tg.attributes))) if (typeof v !== 'string') c.add(`${p}.attributes.${k}`, `Pub/Sub attribute values are strings, got ${JSON.stringify(v)}`);
    }
    for (const tmpl of ['routingKey', 'orderingKey', 'key'] as const) {
      if (typeof tg[tmpl] !== 'string' || !allowed[kind].includes(tmpl)) continue;
      try {
        compileTemplate(tg[tmpl], `${p}.${tmpl}`);
      } catch (err) {
        if (err instanceof ValidationError) c.add(err.path, err.reason);
        else throw err;
      }
    }
  });
}

/** Resources of these systems a poison fault may target (it publishes the payload there). */
export function poisonTargets(doc: Record<string, unknown>): Set<string> {
  const n = systemNames(doc);
  return new Set([...n.exchanges, ...n.rabbitQueues, ...n.pubsubTopics, ...n.kinesisStreams]);
}

/** SQS queues these systems use as on-failure destinations (drawn as dead-letter queues). */
export function systemDeadLetterQueues(sc: SystemsScenario & { functions: Array<{ events?: unknown[] }> }): string[] {
  const out: string[] = [];
  for (const f of sc.functions) for (const e of (f.events ?? []) as Array<Partial<KinesisEventSpec>>) if (e.kinesisStream !== undefined && e.onFailure) out.push(e.onFailure.queue);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Topology

/** Nodes and edges of these systems, and of the functions attached to them. */
export function systemsTopology(sc: SystemsScenario & { functions: Array<{ name: string; events?: unknown[] }> }): { nodes: TopologyNode[]; edges: TopologyEdge[] } {
  const nodes: TopologyNode[] = [];
  const edges: TopologyEdge[] = [];
  const rabbit = sc.rabbitmq ?? {};
  const usedBuiltIns = new Set<string>();
  const noteExchange = (name: string | undefined): void => {
    if (name !== undefined && Object.hasOwn(BUILT_IN_EXCHANGES, name)) usedBuiltIns.add(name);
  };
  for (const e of rabbit.exchanges ?? []) {
    nodes.push({ id: e.name, kind: 'exchange', label: e.name, detail: `${e.type} exchange${e.durable === false ? ', transient' : ''}` });
    if (e.alternateExchange !== undefined) {
      noteExchange(e.alternateExchange);
      edges.push({ from: e.name, to: e.alternateExchange, kind: 'alternate', label: 'unroutable' });
    }
  }
  for (const q of rabbit.queues ?? []) {
    const parts = [q.type === 'quorum' ? `quorum, delivery limit ${q.deliveryLimit === undefined ? 20 : q.deliveryLimit === -1 ? 'none' : q.deliveryLimit}` : 'classic'];
    if (q.messageTtlMs !== undefined) parts.push(`TTL ${q.messageTtlMs / 1000} s`);
    if (q.maxLength !== undefined) parts.push(`max ${q.maxLength}`);
    nodes.push({ id: q.name, kind: 'rabbit-queue', label: q.name, detail: parts.join(', ') });
    if (q.deadLetterExchange !== undefined) {
      const to = q.deadLetterExchange === '' ? q.deadLetterRoutingKey : q.deadLetterExchange;
      noteExchange(q.deadLetterExchange);
      // Through the default exchange, dead letters go straight to the queue their routing key names.
      if (to !== undefined && to !== '') edges.push({ from: q.name, to, kind: 'dead-letter', label: q.deadLetterRoutingKey !== undefined && q.deadLetterExchange !== '' ? `dead letters as ${q.deadLetterRoutingKey}` : 'dead letters' });
    }
  }
  for (const b of rabbit.bindings ?? []) {
    noteExchange(b.exchange);
    const args = b.arguments ? Object.entries(b.arguments).filter(([k]) => k !== 'x-match').map(([k, v]) => `${k}=${String(v)}`) : [];
    const label = args.length ? `${String(b.arguments?.['x-match'] ?? 'all')}: ${args.join(', ')}` : (b.routingKey ?? '');
    edges.push({ from: b.exchange, to: b.queue, kind: 'binding', label });
  }
  for (const name of usedBuiltIns) nodes.push({ id: name, kind: 'exchange', label: name, detail: `${BUILT_IN_EXCHANGES[name]} exchange, built in` });

  for (const t of sc.pubsub?.topics ?? []) {
    const subs = t.subscriptions ?? [];
    nodes.push({ id: t.name, kind: 'pubsub-topic', label: t.name, detail: `${subs.length} subscription${subs.length === 1 ? '' : 's'}` });
    for (const s of subs) {
      const parts = [s.push ? 'push' : 'pull', `ack deadline ${s.ackDeadlineS ?? 10} s`];
      if (s.enableMessageOrdering) parts.push('ordered');
      if (s.enableExactlyOnceDelivery) parts.push('exactly once');
      nodes.push({ id: s.name, kind: 'pubsub-subscription', label: s.name, detail: parts.join(', ') });
      edges.push({ from: t.name, to: s.name, kind: 'subscription', label: s.filter ? 'filtered' : '' });
      if (s.push) edges.push({ from: s.name, to: s.push.function, kind: 'push', label: 'push' });
      if (s.deadLetterPolicy) edges.push({ from: s.name, to: s.deadLetterPolicy.topic, kind: 'dead-letter', label: `after ${s.deadLetterPolicy.maxDeliveryAttempts ?? 5} attempts` });
    }
  }

  for (const s of sc.kinesisStreams ?? []) {
    const shards = s.shards ?? 1;
    nodes.push({ id: s.name, kind: 'kinesis-stream', label: s.name, detail: `${shards} shard${shards === 1 ? '' : 's'}, ${s.retentionHours ?? 24} h` });
  }

  for (const f of sc.functions) {
    for (const e of (f.events ?? []) as object[]) {
      if (!isSystemEvent(e)) continue;
      if ('rabbitQueue' in e) edges.push({ from: e.rabbitQueue, to: f.name, kind: 'event-source', label: e.prefetch ? `prefetch ${e.prefetch}` : 'no prefetch limit' });
      else if ('pubsubSubscription' in e) edges.push({ from: e.pubsubSubscription, to: f.name, kind: 'event-source', label: 'pull' });
      else {
        const factor = e.parallelizationFactor ?? 1;
        edges.push({ from: e.kinesisStream, to: f.name, kind: 'event-source', label: `batch ${e.batchSize ?? 100}${factor > 1 ? `, ${factor} per shard` : ''}` });
        if (e.onFailure) edges.push({ from: f.name, to: e.onFailure.queue, kind: 'on-failure', label: 'on failure' });
      }
    }
  }
  return { nodes, edges };
}
