/**
 * The broker playground: a live cloud that starts empty and that the learner drives by hand —
 * create a queue, send a message, receive it, watch it come back after the visibility timeout.
 *
 * Nothing here models a broker. The playground is a `Simulation` (one clock, one seed, one trace)
 * grown one resource at a time through its playground methods, so every command has the engine's
 * real semantics: the queue hides a received message, the topic applies the filter policy, the event
 * source polls for the learner's handler. What the playground adds is the learner's side:
 * - **validation first**: a refused command (bad field, unknown name, resource still in use)
 *   throws a `ValidationError` / `EngineError` naming the problem and changes nothing;
 * - **a journal** of the commands that changed something. The engine is deterministic, so replaying
 *   the journal on a fresh engine (`restore`) rebuilds the same state, in the same order (a
 *   subscription created after a publish did not get it, and does not on replay either);
 * - **settling**: after each command the clock runs `SETTLE_MS` forward so deliveries and handlers
 *   visibly happen; `advance` jumps further;
 * - **the snapshot** the Broker Explorer and the diagram show.
 */
import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute } from 'node:path';
import { EngineError, ValidationError } from '../engine/errors';
import { InProcessExecutor, type Executor } from '../engine/executor';
import type { ReceivedMessage } from '../engine/queue';
import type { FunctionSpec } from '../engine/scenario';
import { Simulation } from '../engine/simulation';
import type { Stream, StreamRecord } from '../engine/stream';
import type { TraceListener, TraceRecord } from '../engine/trace';
import { SystemsPlayground } from './systems';
import { SYSTEM_RESOURCE_KINDS, type SystemCommand, type SystemResourceKind } from './systemTypes';
import { TrackingExecutor } from './trackingExecutor';
import { MESSAGES_SHOWN, SETTLE_MS, type FunctionView, type PlaygroundCommand, type PlaygroundQuery, type PlaygroundResponse, type PlaygroundSnapshot, type QueueView, type StreamView } from './types';
import { checkShape, isQuery } from './validate';

/** The run limits of a playground session: no stop for invocations the sandbox stopped or for real time. */
const PLAYGROUND_LIMITS = { maxStoppedInvocations: 1_000_000, maxHandlerSeconds: 86_400 } as const;

export interface PlaygroundOptions {
  /** Runs the learner's handlers: an `IsolateExecutor` in the runtime, an `InProcessExecutor` in tests. */
  executor?: Executor;
  /** Seed of the engine's random source (default 1). */
  seed?: number;
  /** Trace records kept for `inspect` histories (default 20,000; counts are always exact). */
  keptRecords?: number;
}

/** The longest `advance`: one day of virtual time. */
export const MAX_ADVANCE_S = 86_400;
/** The consumer-group member the learner's `consume` polls as. */
export const PLAYGROUND_MEMBER = 'playground';
const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];
const DEFAULT_CONSUME_MAX = 10;
const HISTORY_SHOWN = 100;

/** A learner's handler: where its code is and what triggers it. */
interface Handler {
  file: string;
  exportName: string;
  trigger: string;
  /** The topic subscription made for a topic trigger. */
  subscription?: { topic: string; id: string };
  /** The Pub/Sub push subscription made for a pubsubTopic trigger. */
  pushSubscription?: string;
}

/** What `restore` did: how many journal entries were replayed, which were skipped and why. */
export interface RestoreResult {
  restored: number;
  skipped: Array<{ index: number; op: string; error: string }>;
}

export class Playground {
  private readonly executor: TrackingExecutor;
  private readonly seed: number;
  private readonly keptRecords: number;
  private readonly listeners = new Set<TraceListener>();
  private sim!: Simulation;
  /** RabbitMQ, Pub/Sub and Kinesis commands and views. */
  private systems!: SystemsPlayground;
  private journalEntries: PlaygroundCommand[] = [];
  private handlers = new Map<string, Handler>();
  /** Latest receipt handle of a playground `receive`, per queue and message, with the receive count it belongs to. */
  private receipts = new Map<string, { handle: string; receiveCount: number }>();
  private lastErrors = new Map<string, string>();

  constructor(options: PlaygroundOptions = {}) {
    this.executor = new TrackingExecutor(options.executor ?? new InProcessExecutor());
    this.seed = options.seed ?? 1;
    this.keptRecords = options.keptRecords ?? 20_000;
    this.fresh();
  }

  /** Virtual time, ms. */
  get now(): number {
    return this.sim.now;
  }

  /** The simulation underneath (read-only use: tests and the runtime's trace). */
  get simulation(): Simulation {
    return this.sim;
  }

  /** Every trace record of the playground, across resets and restores. Returns the unsubscribe function. */
  onTrace(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Run a command or answer a query (what the runtime calls). `changed`: the state may differ
   * (every accepted command, and `restore`); queries leave it alone.
   */
  request(input: PlaygroundCommand | PlaygroundQuery): { response: PlaygroundResponse; changed: boolean } {
    checkShape(input);
    if (isQuery(input.op)) return { response: this.query(input as PlaygroundQuery), changed: input.op === 'restore' };
    return { response: this.apply(input as PlaygroundCommand), changed: true };
  }

  /** Validate and run one command; on success it joins the journal and the clock settles. */
  apply(command: PlaygroundCommand): PlaygroundResponse {
    const { message, result } = this.run(command);
    return this.respond(message, result);
  }

  /** `apply` without building the response (restore replays many commands and answers once). */
  private run(command: PlaygroundCommand): { message: string; result?: unknown } {
    checkShape(command);
    if (isQuery(command.op)) throw new ValidationError('op', `"${command.op}" is a query, not a command`);
    if (command.op === 'reset') {
      this.fresh();
      return { message: 'The playground is empty again' };
    }
    const done = this.execute(command);
    this.journalEntries.push(JSON.parse(JSON.stringify(command)) as PlaygroundCommand);
    if (command.op !== 'advance') this.sim.run(this.sim.now + SETTLE_MS);
    this.systems.sync();
    return done;
  }

  /** Answer a query; `restore` replaces the whole state with a replay of the given journal. */
  query(q: PlaygroundQuery): PlaygroundResponse {
    checkShape(q);
    switch (q.op) {
      case 'snapshot':
        return this.respond(`${this.journalEntries.length} commands, t = ${formatMs(this.sim.now)}`);
      case 'journal':
        return this.respond(`${this.journalEntries.length} commands`, this.journal());
      case 'inspect':
        return this.inspect(q);
      case 'restore': {
        const r = this.restore(q.journal);
        const skipped = r.skipped.length ? `; skipped ${r.skipped.map((s) => `#${s.index + 1} ${s.op} (${s.error})`).join(', ')}` : '';
        return this.respond(`Restored ${r.restored} of ${q.journal.length} commands${skipped}`, r);
      }
      default:
        throw new ValidationError('op', `"${(q as { op: string }).op}" is a command, not a query`);
    }
  }

  /** The commands that built the current state, in order (a copy). */
  journal(): PlaygroundCommand[] {
    return JSON.parse(JSON.stringify(this.journalEntries)) as PlaygroundCommand[];
  }

  /**
   * Start from nothing and replay `journal` in order. An entry that fails (a handler file that is
   * gone, a journal edited by hand) is skipped and reported; everything else is restored.
   */
  restore(journal: readonly unknown[]): RestoreResult {
    if (!Array.isArray(journal)) throw new ValidationError('journal', 'must be an array of commands');
    this.fresh();
    const skipped: RestoreResult['skipped'] = [];
    journal.forEach((entry, index) => {
      try {
        this.run(entry as PlaygroundCommand);
      } catch (err) {
        const op = (entry as { op?: unknown } | null)?.op;
        skipped.push({ index, op: typeof op === 'string' ? op : '?', error: err instanceof Error ? err.message : String(err) });
      }
    });
    return { restored: journal.length - skipped.length, skipped };
  }

  /** What the Broker Explorer shows. */
  snapshot(): PlaygroundSnapshot {
    const sim = this.sim;
    const count = (kind: Parameters<typeof sim.ctx.trace.count>[0], name: string) => sim.ctx.trace.count(kind, name);
    const dlqs = new Set(sim.scenario.queues.flatMap((q) => (q.deadLetter ? [q.deadLetter.queue] : [])));
    return {
      now: sim.now,
      commands: this.journalEntries.length,
      queues: [...sim.queues.values()].map((q) => this.queueView(q.name, dlqs.has(q.name))),
      topics: [...sim.topics.values()].map((t) => ({
        name: t.name,
        fifo: t.fifo,
        published: count('published', t.name),
        subscriptions: t.subscriptions().map((s) => ({ id: s.id, endpoint: s.endpoint, rawDelivery: s.rawDelivery, ...(s.filterPolicy ? { filterPolicy: s.filterPolicy as Record<string, unknown> } : {}) })),
      })),
      streams: [...sim.streams.values()].map(streamView),
      buses: [...sim.buses.values()].map((b) => ({ name: b.name, rules: b.rules().map((r) => ({ name: r.name, pattern: r.pattern as Record<string, unknown>, targets: r.targets, enabled: r.enabled })) })),
      rabbitmq: this.systems.rabbitView(),
      pubsub: this.systems.pubsubView(),
      kinesis: this.systems.kinesisView(),
      functions: [...this.handlers].map(([name, h]): FunctionView => {
        const lastError = this.lastErrors.get(name);
        return {
          name,
          file: h.file,
          exportName: h.exportName,
          trigger: h.trigger,
          invocations: count('invoked', name),
          errors: count('failed', name) + count('timed-out', name),
          coldStarts: count('cold-start', name),
          ...(lastError !== undefined ? { lastError } : {}),
          ...(sim.platform.instances.has(name) ? { instances: instancesView(sim, name) } : {}),
        };
      }),
    };
  }

  // ------------------------------------------------------------------------------------------------
  // Commands

  private execute(c: PlaygroundCommand): { message: string; result?: unknown } {
    const sim = this.sim;
    if (SystemsPlayground.handles(c.op)) return this.systems.execute(c as SystemCommand);
    if (c.op === 'createQueue' || c.op === 'createTopic' || c.op === 'createStream' || c.op === 'createBus') this.systems.checkNotSystem(c.name);
    switch (c.op) {
      case 'createQueue': {
        const { op: _op, ...spec } = c;
        sim.addQueue(spec);
        return { message: `Created ${c.fifo ? 'FIFO ' : ''}queue ${c.name}` };
      }
      case 'createTopic':
        sim.addTopic({ name: c.name, ...(c.fifo !== undefined ? { fifo: c.fifo } : {}), ...(c.contentBasedDeduplication !== undefined ? { contentBasedDeduplication: c.contentBasedDeduplication } : {}) });
        return { message: `Created ${c.fifo ? 'FIFO ' : ''}topic ${c.name}` };
      case 'subscribe': {
        const { op: _op, topic, ...spec } = c;
        const id = sim.subscribe(topic, spec);
        return { message: `Subscribed ${c.queue ?? c.function} to ${topic} (${id})`, result: { subscription: id } };
      }
      case 'unsubscribe':
        sim.unsubscribe(c.topic, c.subscription);
        return { message: `Removed subscription ${c.subscription} from ${c.topic}` };
      case 'createStream':
        sim.addStream({ name: c.name, ...pick(c, 'partitions', 'retentionHours', 'cleanupPolicy', 'partitioner', 'segmentMs', 'deleteRetentionMs') });
        return { message: `Created stream ${c.name}` };
      case 'createBus':
        sim.addBus({ name: c.name });
        return { message: `Created bus ${c.name}` };
      case 'putRule':
        withPaths([[`rules.${c.rule}.`, ''], ['rules.name', 'rule']], () =>
          sim.putRule(c.bus, { name: c.rule, ...(c.pattern !== undefined ? { pattern: c.pattern } : {}), ...(c.schedule !== undefined ? { schedule: c.schedule } : {}), targets: c.targets.map((t) => ({ ...t })) }),
        );
        return { message: `Rule ${c.rule} on ${c.bus}${c.schedule !== undefined ? ` (${c.schedule})` : ''} → ${c.targets.map((t) => t.queue ?? t.function).join(', ')}` };
      case 'removeRule':
        sim.removeRule(c.bus, c.rule);
        return { message: `Removed rule ${c.rule} from ${c.bus}` };
      case 'delete':
        if (c.kind === 'function') return this.detach(c.name, 'name');
        if ((SYSTEM_RESOURCE_KINDS as readonly string[]).includes(c.kind)) return { message: this.systems.delete(c.kind as SystemResourceKind, c.name) };
        sim.removeResource(c.kind as 'queue' | 'topic' | 'stream' | 'bus', c.name);
        if (c.kind === 'queue') for (const key of this.receipts.keys()) if (key.startsWith(`${c.name}\n`)) this.receipts.delete(key);
        return { message: `Deleted ${c.kind} ${c.name}` };
      case 'send': {
        const q = sim.need('queue', c.queue, 'queue');
        const r = q.send(c.body, pick(c, 'groupId', 'deduplicationId', 'delayS', 'attributes'));
        return { message: r.deduplicated ? `${c.queue} dropped the send as a duplicate of ${r.messageId}` : `Sent ${r.messageId} to ${c.queue}`, result: r };
      }
      case 'receive': {
        const q = sim.need('queue', c.queue, 'queue');
        const messages: ReceivedMessage[] = q.receive({ ...pick(c, 'max', 'visibilityTimeoutS') });
        for (const m of messages) this.receipts.set(`${c.queue}\n${m.messageId}`, { handle: m.receiptHandle, receiveCount: m.receiveCount });
        return { message: messages.length ? `Received ${messages.map((m) => m.messageId).join(', ')} from ${c.queue}` : `Nothing to receive from ${c.queue}`, result: messages };
      }
      case 'deleteMessage':
        sim.need('queue', c.queue, 'queue').delete(c.receiptHandle);
        return { message: `Deleted the message from ${c.queue}` };
      case 'changeVisibility':
        sim.need('queue', c.queue, 'queue').changeVisibility(c.receiptHandle, c.visibilityTimeoutS);
        return { message: `Visibility timeout set to ${c.visibilityTimeoutS} s` };
      case 'purge': {
        const n = sim.need('queue', c.queue, 'queue').purge();
        return { message: `Purged ${n} message${n === 1 ? '' : 's'} from ${c.queue}`, result: { purged: n } };
      }
      case 'publish': {
        const r = sim.need('topic', c.topic, 'topic').publish(c.body, pick(c, 'attributes', 'groupId', 'deduplicationId'));
        if (r.deduplicated) return { message: `Publish to ${c.topic} deduplicated: ${r.messageId} had this deduplication id less than 5 minutes ago, nobody gets it again`, result: r };
        return { message: `Published ${r.messageId} to ${c.topic}: ${r.delivered} delivered, ${r.filtered} filtered out`, result: r };
      }
      case 'putEvent': {
        const bus = sim.need('bus', c.bus, 'bus');
        const r = withPaths([['entries[0].', '']], () => bus.putEvents([{ source: c.source, detailType: c.detailType, detail: c.detail }]));
        return { message: `Put event ${r.eventIds[0]} on ${c.bus}`, result: { eventId: r.eventIds[0] } };
      }
      case 'produce': {
        const stream = sim.need('stream', c.stream, 'stream');
        if (c.tombstone === true && c.value !== undefined) throw new ValidationError('value', 'a tombstone has no value: give value or tombstone, not both');
        if (c.tombstone !== true && c.value === undefined) throw new ValidationError('value', 'is required (or tombstone: true for a null value)');
        const r = stream.produce(c.tombstone === true ? null : c.value!, pick(c, 'key', 'partition'));
        return { message: `Produced ${c.tombstone === true ? 'a tombstone ' : ''}to ${c.stream}[${r.partition}] at offset ${r.offset}`, result: recordView(r) };
      }
      case 'consume':
        return this.consume(c);
      case 'replay':
        return this.replay(c);
      case 'attachHandler':
        return this.attach(c);
      case 'detachHandler':
        return this.detach(c.function, 'function');
      case 'advance': {
        if (!(c.seconds > 0 && c.seconds <= MAX_ADVANCE_S)) throw new ValidationError('seconds', `must be more than 0 and at most ${MAX_ADVANCE_S} (24 h), got ${c.seconds}`);
        sim.run(sim.now + c.seconds * 1000);
        return { message: `Advanced ${c.seconds} s to t = ${formatMs(sim.now)}` };
      }
      case 'reset':
        throw new Error('reset is handled by apply');
    }
  }

  /** A group's poll as the playground member (after an optional seek); commits what it read. */
  private consume(c: Extract<PlaygroundCommand, { op: 'consume' }>): { message: string; result: unknown } {
    const stream = this.sim.need('stream', c.stream, 'stream');
    const max = c.max ?? DEFAULT_CONSUME_MAX;
    if (max < 1 || max > 500) throw new ValidationError('max', `must be between 1 and 500, got ${max}`);
    const partition = c.offset !== undefined ? onePartition(stream, c.partition) : c.partition;
    if (partition !== undefined) checkOffset(stream, partition, c.offset ?? stream.startOffset(partition));
    const group = this.ownGroup(stream, c.group, true);
    let records: StreamRecord[];
    if (partition === undefined) {
      records = group.poll(PLAYGROUND_MEMBER, max);
      group.commit(PLAYGROUND_MEMBER);
    } else {
      if (c.offset !== undefined) group.seek(partition, c.offset);
      records = group.pollPartition(PLAYGROUND_MEMBER, partition, max);
      group.commit(PLAYGROUND_MEMBER, { [partition]: group.position(partition) });
    }
    return { message: `Group ${c.group} read ${records.length} record${records.length === 1 ? '' : 's'} from ${c.stream}`, result: records.map(recordView) };
  }

  /** Rewind a group to the earliest retained offset (or `offset`), on one partition or all. */
  private replay(c: Extract<PlaygroundCommand, { op: 'replay' }>): { message: string } {
    const stream = this.sim.need('stream', c.stream, 'stream');
    const partitions = c.partition !== undefined || c.offset !== undefined ? [onePartition(stream, c.partition)] : [...Array(stream.partitions).keys()];
    for (const p of partitions) checkOffset(stream, p, c.offset ?? stream.startOffset(p));
    const group = this.ownGroup(stream, c.group, false);
    const offsets: Record<number, number> = {};
    for (const p of partitions) {
      offsets[p] = c.offset ?? stream.startOffset(p);
      group.seek(p, offsets[p]);
    }
    group.commit(PLAYGROUND_MEMBER, offsets);
    const where = partitions.length === 1 ? `partition ${partitions[0]} to offset ${offsets[partitions[0]]}` : `${partitions.length} partitions to their earliest offsets`;
    return { message: `Rewound group ${c.group} on ${c.stream}: ${where}` };
  }

  /** The learner's consumer group, joined by the playground member; refused for a group other consumers use. */
  private ownGroup(stream: Stream, id: string, create: boolean): ReturnType<Stream['group']> {
    if (!id.length) throw new ValidationError('group', 'must be a non-empty string');
    const existing = stream.groups().find((g) => g.id === id);
    if (!existing && !create) {
      const known = stream.groups().map((g) => g.id);
      throw new ValidationError('group', `stream ${stream.name} has no consumer group ${JSON.stringify(id)} yet: consume with it first (known: ${known.length ? known.join(', ') : 'none'})`);
    }
    const others = existing?.members().filter((m) => m !== PLAYGROUND_MEMBER) ?? [];
    if (others.length) throw new EngineError('GroupInUse', `group: ${id} is read by ${others.join(', ')} (a function's event source): use a group of your own`);
    const group = existing ?? stream.group(id, { autoOffsetReset: 'earliest' });
    group.join(PLAYGROUND_MEMBER);
    return group;
  }

  private attach(c: Extract<PlaygroundCommand, { op: 'attachHandler' }>): { message: string } {
    const sim = this.sim;
    const triggers = (['queue', 'topic', 'stream', 'rabbitQueue', 'pubsubTopic', 'pubsubSubscription', 'kinesisStream'] as const).filter((k) => c[k] !== undefined);
    if (triggers.length !== 1) throw new ValidationError('queue', `give exactly one trigger: queue, topic, stream, rabbitQueue, pubsubTopic, pubsubSubscription or kinesisStream${triggers.length ? ` (got ${triggers.join(' and ')})` : ''}`);
    const kind = triggers[0];
    const source = c[kind]!;
    if (kind === 'queue' || kind === 'topic' || kind === 'stream') sim.need(kind, source, kind);
    else this.systems.need(kind === 'pubsubSubscription' ? 'subscription' : kind, source, kind);
    if (c.batchSize !== undefined && !['queue', 'stream', 'kinesisStream'].includes(kind)) throw new ValidationError('batchSize', `applies to a queue, stream or kinesisStream trigger only (a ${kind} delivers one message per invocation)`);
    if (c.prefetch !== undefined && kind !== 'rabbitQueue') throw new ValidationError('prefetch', 'applies to a rabbitQueue trigger only (RabbitMQ\'s basic.qos)');
    if (c.parallelizationFactor !== undefined && kind !== 'kinesisStream') throw new ValidationError('parallelizationFactor', 'applies to a kinesisStream trigger only');
    if (kind === 'pubsubSubscription' && sim.systems.pubsub.subscriptionInfo(source).push) throw new ValidationError('pubsubSubscription', `"${source}" is a push subscription: attach to its topic instead (a push subscription is made for the handler)`);
    if (kind === 'pubsubTopic') this.systems.checkFree(`${c.function}-push`);
    this.systems.checkNotSystem(c.function);
    if (!isAbsolute(c.file)) throw new ValidationError('file', `must be an absolute path, got ${JSON.stringify(c.file)}`);
    if (!HANDLER_EXTENSIONS.includes(extname(c.file))) throw new ValidationError('file', `must be a ${HANDLER_EXTENSIONS.join(', ')} file, got ${JSON.stringify(c.file)}`);
    if (!existsSync(c.file) || !statSync(c.file).isFile()) throw new ValidationError('file', `no such file: ${c.file}`);
    if (c.exportName !== undefined && !/^[A-Za-z_$][\w$]*$/.test(c.exportName)) throw new ValidationError('exportName', `must be a JavaScript identifier, got ${JSON.stringify(c.exportName)}`);
    const exportName = c.exportName ?? 'handler';
    const spec: FunctionSpec = { name: c.function, handler: `${c.file}#${exportName}` };
    if (c.platform !== undefined || c.concurrency !== undefined || c.minInstances !== undefined) spec.instances = pick(c, 'platform', 'concurrency', 'minInstances');
    if (c.environment !== undefined) spec.environment = { ...c.environment };
    if (kind === 'queue') spec.events = [{ queue: source, ...pick(c, 'batchSize') }];
    if (kind === 'stream') spec.events = [{ stream: source, ...pick(c, 'batchSize') }];
    if (kind === 'rabbitQueue') spec.events = [{ rabbitQueue: source, ...pick(c, 'prefetch') }];
    if (kind === 'pubsubSubscription') spec.events = [{ pubsubSubscription: source }];
    if (kind === 'kinesisStream') spec.events = [{ kinesisStream: source, ...pick(c, 'batchSize', 'parallelizationFactor') }];
    withPaths([['name', 'function'], ['events[0].', ''], ['instances.', '']], () => sim.addFunction(spec));
    const handler: Handler = { file: c.file, exportName, trigger: `${kind}:${source}` };
    if (kind === 'topic') handler.subscription = { topic: source, id: sim.subscribe(source, { function: c.function }) };
    if (kind === 'pubsubTopic') {
      // Pub/Sub pushes to an endpoint through a push subscription of its own.
      const name = `${c.function}-push`;
      try {
        sim.systems.addSubscription(source, { name, push: { function: c.function } });
      } catch (err) {
        sim.removeFunction(c.function);
        throw err;
      }
      handler.pushSubscription = name;
    }
    this.handlers.set(c.function, handler);
    this.lastErrors.delete(c.function);
    return { message: `Attached ${c.function} (${exportName} in ${c.file}) to ${kind} ${source}` };
  }

  /** Remove a handler and its trigger; refused while a subscription or rule (other than its trigger) targets it. */
  private detach(name: string, path: string): { message: string } {
    this.sim.need('function', name, path);
    const h = this.handlers.get(name)!;
    const own = h.subscription;
    const push = h.pushSubscription;
    const users = this.sim.dependents('function', name).filter((d) => !(own && d.subscription?.id === own.id) && !(push && d.description.includes(`"${push}"`)));
    if (users.length) throw new EngineError('ResourceInUse', `function "${name}" is still used by ${users.map((u) => u.description).join('; ')}: remove ${users.length === 1 ? 'it' : 'them'} first`);
    if (own) this.sim.unsubscribe(own.topic, own.id);
    if (push) this.sim.systems.removePushSubscription(push);
    this.sim.removeFunction(name);
    this.handlers.delete(name);
    this.lastErrors.delete(name);
    return { message: `Detached ${name}` };
  }

  // ------------------------------------------------------------------------------------------------
  // Reading

  private inspect(q: Extract<PlaygroundQuery, { op: 'inspect' }>): PlaygroundResponse {
    if ((q.queue === undefined) === (q.stream === undefined)) throw new ValidationError('queue', 'give exactly one of queue (with messageId) or stream (with offset)');
    if (q.queue !== undefined) {
      this.sim.need('queue', q.queue, 'queue');
      if (q.messageId === undefined) throw new ValidationError('messageId', 'is required to inspect a queue message');
      const view = this.queueView(q.queue, false, Number.POSITIVE_INFINITY).messages.find((m) => m.messageId === q.messageId);
      if (!view) throw new ValidationError('messageId', `queue ${q.queue} holds no message ${JSON.stringify(q.messageId)} (it may have been deleted, moved or expired)`);
      return this.respond(`${q.messageId} in ${q.queue}`, { ...view, history: this.history(q.messageId) });
    }
    const stream = this.sim.need('stream', q.stream!, 'stream');
    if (q.offset === undefined) throw new ValidationError('offset', 'is required to inspect a stream record');
    const partition = onePartition(stream, q.partition);
    checkOffset(stream, partition, q.offset);
    const record = stream.read(partition, q.offset, 1)[0];
    if (!record || record.offset !== q.offset) throw new ValidationError('offset', `${stream.name}[${partition}] holds no record at offset ${q.offset}`);
    return this.respond(`${stream.name}[${partition}] offset ${q.offset}`, { ...recordView(record), headers: record.headers, timestamp: record.timestamp, history: this.history(record.id) });
  }

  /** The kept trace records about one message or record, latest `HISTORY_SHOWN`. */
  private history(id: string): TraceRecord[] {
    return this.sim
      .records()
      .filter((r) => r.id === id)
      .slice(-HISTORY_SHOWN);
  }

  private queueView(name: string, isDeadLetterQueue: boolean, shown = MESSAGES_SHOWN): QueueView {
    const q = this.sim.queues.get(name)!;
    const messages = q.messages().slice(0, shown);
    const dl = q.options.deadLetter;
    return {
      name,
      fifo: q.fifo,
      visibilityTimeoutS: q.options.visibilityTimeoutS,
      ...(dl ? { deadLetter: { queue: dl.queue.name, maxReceiveCount: dl.maxReceiveCount } } : {}),
      isDeadLetterQueue,
      depth: q.depth(),
      messages: messages.map((m) => {
        const receipt = this.receipts.get(`${name}\n${m.messageId}`);
        const current = receipt && m.state === 'in-flight' && receipt.receiveCount === m.receiveCount;
        return {
          messageId: m.messageId,
          body: m.body,
          state: m.state,
          receiveCount: m.receiveCount,
          sentAt: m.sentAt,
          ...(m.groupId !== undefined ? { groupId: m.groupId } : {}),
          ...(current ? { receiptHandle: receipt.handle } : {}),
          ...(Object.keys(m.attributes).length ? { attributes: { ...m.attributes } } : {}),
        };
      }),
    };
  }

  private respond(message: string, result?: unknown): PlaygroundResponse {
    return { snapshot: this.snapshot(), topology: this.sim.topology(), message, ...(result !== undefined ? { result } : {}) };
  }

  // ------------------------------------------------------------------------------------------------
  // State

  /** A new, empty engine (every environment of the old one disposed), an empty journal. */
  private fresh(): void {
    this.executor.destroyAll();
    // A playground is one long interactive run, not a lesson's minute of traffic: a handler the
    // sandbox has to stop fails its invocations (each bounded by the sandbox), and the real time
    // handlers take over a session is not a reason to stop it (runaway.ts's run limits, lifted).
    const sim = new Simulation({ name: 'playground' }, { executor: this.executor, seed: this.seed, records: { mode: 'window', size: this.keptRecords }, limits: PLAYGROUND_LIMITS });
    sim.ctx.trace.subscribe((r) => {
      if ((r.kind === 'failed' || r.kind === 'timed-out') && this.handlers.has(r.resource)) this.lastErrors.set(r.resource, String(r.detail?.error ?? r.kind));
      else if (r.kind === 'succeeded') this.lastErrors.delete(r.resource);
      for (const listener of this.listeners) listener(r);
    });
    this.sim = sim;
    this.systems = new SystemsPlayground(sim);
    this.journalEntries = [];
    this.handlers = new Map();
    this.receipts = new Map();
    this.lastErrors = new Map();
  }
}

// --------------------------------------------------------------------------------------------------
// Helpers

/** The fields of `o` that are set, for passing options on without `undefined` values. */
function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * Run `fn`; a ValidationError whose path starts with one of the `[from, to]` prefixes is re-thrown
 * with that prefix replaced, so the error names the command's field (`pattern`, not `rules.r1.pattern`).
 */
function withPaths<T>(renames: ReadonlyArray<readonly [string, string]>, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const rename = err instanceof ValidationError ? renames.find(([from]) => err.path.startsWith(from)) : undefined;
    if (err instanceof ValidationError && rename) throw new ValidationError(rename[1] + err.path.slice(rename[0].length), err.reason);
    throw err;
  }
}

/** The partition a command means: the one given, or the only one of a one-partition stream. */
function onePartition(stream: Stream, partition: number | undefined): number {
  if (partition === undefined) {
    if (stream.partitions === 1) return 0;
    throw new ValidationError('partition', `is required: ${stream.name} has ${stream.partitions} partitions (0–${stream.partitions - 1})`);
  }
  if (partition < 0 || partition >= stream.partitions) throw new ValidationError('partition', `must be between 0 and ${stream.partitions - 1} (${stream.name} has ${stream.partitions}), got ${partition}`);
  return partition;
}

function checkOffset(stream: Stream, partition: number, offset: number): void {
  const start = stream.startOffset(partition);
  const end = stream.endOffset(partition);
  if (offset < start || offset > end) throw new ValidationError('offset', `must be between ${start} and ${end} (the readable offsets of ${stream.name}[${partition}]), got ${offset}`);
}

function recordView(r: StreamRecord): { partition: number; offset: number; key?: string; value: string | null } {
  return { partition: r.partition, offset: r.offset, ...(r.key !== undefined ? { key: r.key } : {}), value: r.value };
}

function streamView(s: Stream): StreamView {
  const partitions = [...Array(s.partitions).keys()];
  return {
    name: s.name,
    retentionMs: s.retentionMs,
    partitions: partitions.map((p) => {
      const startOffset = s.startOffset(p);
      const endOffset = s.endOffset(p);
      return { partition: p, startOffset, endOffset, latest: s.read(p, Math.max(startOffset, endOffset - MESSAGES_SHOWN), MESSAGES_SHOWN).map(recordView) };
    }),
    groups: s.groups().map((g) => ({
      id: g.id,
      partitions: partitions.map((p) => {
        const committed = g.committed(p);
        return { partition: p, ...(committed !== undefined ? { committed } : {}), lag: g.lag(p) };
      }),
    })),
  };
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(3)} s`;
}

/** A function serving many requests per instance, as the Broker Explorer shows it. */
function instancesView(sim: Simulation, name: string): NonNullable<FunctionView['instances']> {
  const settings = sim.platform.instances.settingsOf(name);
  const envs = sim.platform.instances.environments(name);
  return { platform: settings.platform, label: settings.label, concurrency: settings.concurrency, minInstances: settings.minInstances, running: envs.length, serving: envs.reduce((n, e) => n + e.serving, 0) };
}
