/**
 * A whole scenario on one engine: every resource built from the scenario file on one
 * `EngineContext` (one clock, one seed, one trace), wired together the way the real services are
 * (topic → subscriptions, bus rules → targets, bucket notifications, event source mappings, gateway
 * routes), with traffic and faults on the virtual clock, and a `LabApi` through which handlers reach
 * every resource by name.
 *
 * Same scenario + same seed ⇒ the same trace, byte for byte: ids are counters, randomness comes from
 * the seeded source, and nothing reads the wall clock.
 */
import { EngineContext } from './context';
import { EngineError, ValidationError } from './errors';
import { EventBus, type BusEvent } from './bus';
import { addQueueSource, addStreamSource, type EventSourceMapping } from './eventSources';
import { destinationRecord, httpApiEvent, s3Event as s3NotificationEvent, snsEvent } from './events';
import { InProcessExecutor, type Executor, type Finished, type HandlerContext, type InitOutcome, type LabApi, type ModuleFactory, type Step } from './executor';
import { FunctionPlatform, type AsyncOutcome, type BillingReport } from './functions';
import { Queue, type SendOptions } from './queue';
import {
  didYouMean,
  ScenarioError,
  validateScenario,
  type BusSpec,
  type FunctionSpec,
  type QueueSpec,
  type RuleSpec,
  type Scenario,
  type ScenarioProblem,
  type StreamSpec,
  type SubscriptionSpec,
  type TopicSpec,
  type TrafficSpecJson,
} from './scenario';
import { backendHandler, Gateway, ObjectStore, Table, type ObjectCreatedEvent } from './services';
import { proxyResponse } from './proxyResponse';
import { Stream } from './stream';
import { fifoPublish, sqsAttributesOf, Topic, type PublishOptions, type TopicDelivery } from './topic';
import { Systems, type SystemsSummary } from './systems';
import { isSystemEvent, systemTarget } from './systemsSpec';
import type { TargetPayload } from './targetInput';
import { compileTemplate, FaultSchedule, TrafficGenerator, type FaultSpec } from './traffic';
import { tracedValue, type RecordRetention, type TraceRecord } from './trace';
import { resolveRunLimits, RunBounds, type RunLimits } from './runBounds';
import { RunawayGuard } from './runaway';
import { buildTopology, legacyId, type Topology } from './topology';

export type { NodeKind, Topology, TopologyEdge, TopologyNode } from './topology';

/** How a handler reference (`handlers/worker.js#handler`) becomes a module, for the in-process executor. */
export type HandlerResolver = (handler: string, fn: FunctionSpec) => ModuleFactory;

export interface SimulationOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Which trace records to keep (aggregates are always kept). Default: all. */
  records?: RecordRetention;
  /** Runs the handlers. Default: a new `InProcessExecutor`. */
  executor?: Executor;
  /**
   * Modules for the in-process executor, by handler reference (a map) or through a resolver. Only
   * used when the executor is an `InProcessExecutor`; other executors load `fn.handler` themselves.
   */
  handlers?: Record<string, ModuleFactory> | HandlerResolver;
  /** Account concurrency limit (default 1000). */
  accountConcurrency?: number;
  /** Bounds on the run, over the scenario's `limits` (runBounds.ts). */
  limits?: RunLimits;
}

export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface QueueSummary {
  sent: number;
  received: number;
  deleted: number;
  deadLettered: number;
  expired: number;
  purged: number;
  duplicates: number;
  visibilityExpired: number;
  /** Still held at the end: visible, in flight, delayed. */
  visible: number;
  inFlight: number;
  delayed: number;
  lost: number;
}

export interface FunctionSummary {
  invoked: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  throttled: number;
  coldStarts: number;
  retried: number;
  deadLettered: number;
  dropped: number;
  /** Invocations Lambda stopped: the function was invoked ~16 times in one chain of requests (recursion.ts). */
  loopsDetected: number;
  latency: Latency;
  requests: number;
  gbSeconds: number;
}

export interface LostDetail {
  resource: string;
  kind: 'queue' | 'topic' | 'bus' | 'function' | 'exchange' | 'rabbit-queue' | 'pubsub-topic';
  count: number;
  reason: string;
}

export interface Summary extends Partial<SystemsSummary> {
  scenario: string;
  seed: number;
  /** Virtual time reached, ms. */
  virtualMs: number;
  /** Trace records emitted (kept or not). */
  events: number;
  traffic: Record<string, { requests: number }>;
  queues: Record<string, QueueSummary>;
  topics: Record<string, { published: number; delivered: number; filteredOut: number; deliveryFailed: number; deadLettered: number; dropped: number }>;
  streams: Record<string, { produced: number }>;
  buses: Record<string, { published: number; delivered: number; filteredOut: number; deliveryFailed: number; deadLettered: number; dropped: number; archived: number }>;
  functions: Record<string, FunctionSummary>;
  buckets: Record<string, { stored: number; notified: number; objects: number }>;
  tables: Record<string, { written: number; overloaded: number; peakWritesPerSecond: number; items: number }>;
  gateways: Record<string, { requests: number; responses: Record<string, number>; latency: Latency }>;
  coldStarts: number;
  cost: BillingReport;
  /**
   * Messages the system accepted that reached no terminal state and are not still held anywhere:
   * for each queue, accepted (sent + duplicate copies) − deleted − dead-lettered − expired − purged
   * − remaining (visible + in flight + delayed); plus every asynchronous event, topic delivery, bus
   * delivery and stream batch that the platform DROPPED because retries ran out and no dead-letter
   * queue / on-failure destination was configured. Dead-lettered messages are not lost (they are in
   * the DLQ); neither are requests refused at the door (a 429 is an answer). 0 is the goal.
   */
  lost: number;
  lostDetails: LostDetail[];
  /** The run went past one of its limits and stopped there (runBounds.ts). */
  stopped?: { limit: string; value: number; max: number; message: string };
}

const FUNCTION_KINDS = ['invoked', 'succeeded', 'failed', 'timed-out', 'throttled', 'cold-start', 'retried', 'dead-lettered', 'dropped', 'loop-detected'] as const;

/** The scenario list each deletable kind lives in. */
const LIST_OF = { queue: 'queues', topic: 'topics', stream: 'streams', bus: 'buses' } as const;

/** `unknown queue "ordrs" (did you mean "orders"?) (known: orders, payments)`. */
function unknownName(kind: string, name: unknown, known: readonly string[], where = ''): string {
  const hint = typeof name === 'string' ? didYouMean(name, known) : undefined;
  return `unknown ${kind} ${JSON.stringify(name)}${where}${hint ? ` (did you mean "${hint}"?)` : ''} (known: ${known.length ? known.join(', ') : 'none'})`;
}

function toBody(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function latencyOf(samples: number[] | undefined): Latency {
  if (!samples || samples.length === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort() as unknown as number[];
  return { count: sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] };
}

/** A stand-in executor for dry builds: every module loads, no handler ever runs. */
class NullExecutor implements Executor {
  createEnvironment(): InitOutcome {
    return { ok: true };
  }
  invoke(): Step {
    return { state: 'done', outcome: { ok: true, result: undefined } };
  }
  resume(): Step {
    return { state: 'done', outcome: { ok: true, result: undefined } };
  }
  invokeConcurrent(_envId: string, _event: unknown, context: HandlerContext): Finished[] {
    return [{ requestId: context.awsRequestId, outcome: { ok: true, result: undefined } }];
  }
  resumeConcurrent(): Finished[] {
    return [];
  }
  destroyEnvironment(): void {}
}

/** The error each service answers for a resource that does not exist (the AWS SDK v3 exception names). */
const MISSING_RESOURCE: Readonly<Record<string, string>> = {
  queue: 'QueueDoesNotExist',
  topic: 'NotFoundException',
  bucket: 'NoSuchBucket',
  table: 'ResourceNotFoundException',
  bus: 'ResourceNotFoundException',
  function: 'ResourceNotFoundException',
  stream: 'UnknownTopicOrPartitionException',
};

/**
 * Build every resource of an (already structurally valid) scenario on a scratch engine and report
 * what the resource constructors reject, with scenario paths. Used by `validateScenario`.
 */
export function dryBuildProblems(scenario: Scenario): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  new Simulation(scenario, { executor: new NullExecutor(), records: { mode: 'none' } }, problems);
  return problems;
}

export class Simulation {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly ctx: EngineContext;
  readonly platform: FunctionPlatform;
  readonly executor: Executor;
  /** The cloud as handlers see it: every resource by name. */
  readonly lab: LabApi;
  readonly queues = new Map<string, Queue>();
  readonly topics = new Map<string, Topic>();
  readonly streams = new Map<string, Stream>();
  readonly buses = new Map<string, EventBus>();
  readonly buckets = new Map<string, ObjectStore>();
  readonly tables = new Map<string, Table>();
  readonly gateways = new Map<string, Gateway>();
  readonly generators = new Map<string, TrafficGenerator>();
  readonly faults: FaultSchedule | undefined;
  /** RabbitMQ, Google Pub/Sub and Kinesis (systems.ts). */
  readonly systems: Systems;
  /** Limits on events, held messages and trace memory: past one, `run` and `step` throw RunLimitError. */
  readonly bounds: RunBounds | undefined;
  /** Counts what the handlers cost in the real world (runaway.ts); none for a dry build. */
  private readonly runaway: RunawayGuard | undefined;

  private readonly kindOf = new Map<string, 'function' | 'gateway'>();
  private readonly latencies = new Map<string, number[]>();
  private readonly gatewayStatus = new Map<string, Record<string, number>>();
  /** Resources each function's code was seen calling (for the diagram): fn → resource → operation. */
  private readonly calls = new Map<string, Map<string, string>>();
  /** Event source mappings per function (stopped when the function is removed). */
  private readonly mappings = new Map<string, EventSourceMapping[]>();
  /** The topic subscription each subscription spec became. */
  private readonly subscriptionIds = new Map<SubscriptionSpec, string>();
  private started = false;

  /**
   * Build the system. A scenario with problems is refused (`ScenarioError` listing every one).
   * `collect` is internal: the dry build of `validateScenario` passes a list to gather problems in.
   */
  constructor(scenario: Scenario | unknown, options: SimulationOptions = {}, collect?: ScenarioProblem[]) {
    let sc: Scenario;
    if (collect) sc = scenario as Scenario;
    else {
      const { scenario: valid, problems } = validateScenario(scenario);
      if (!valid) throw new ScenarioError(problems);
      sc = valid;
    }
    this.scenario = sc;
    this.seed = options.seed ?? sc.seed ?? 1;
    this.ctx = new EngineContext({ seed: this.seed, records: options.records ?? { mode: 'all' } });
    this.executor = options.executor ?? new InProcessExecutor();
    const executor = this.executor;
    if (options.handlers !== undefined && executor instanceof InProcessExecutor) {
      const handlers = options.handlers;
      for (const fn of sc.functions) {
        const factory = typeof handlers === 'function' ? handlers(fn.handler, fn) : handlers[fn.handler];
        if (factory) executor.register(fn.handler, factory);
      }
    }
    this.lab = this.makeLab();
    // Every entry into handler code goes through the guard, which stops a run whose handlers the
    // sandbox keeps having to stop, or that costs too much real time (runaway.ts, runBounds.ts).
    const limits = collect ? undefined : resolveRunLimits({ ...sc.limits, ...options.limits });
    this.runaway = limits ? new RunawayGuard(executor, limits, () => this.ctx.clock.checkNow()) : undefined;
    this.platform = new FunctionPlatform(this.ctx, { executor: this.runaway ?? executor, lab: this.lab, accountConcurrency: options.accountConcurrency, ...(sc.latency !== undefined ? { latency: sc.latency } : {}) });
    this.systems = new Systems({
      ctx: this.ctx,
      scenario: sc,
      platform: this.platform,
      hasQueue: (name) => this.queues.has(name),
      toQueue: (name, body, cause, group) => {
        const q = this.queues.get(name)!;
        this.sendToQueue(q, body, this.withFifo({ cause }, q, group, this.ctx.id('dest')));
      },
    });

    const attempt = (path: string, build: () => void): void => {
      if (!collect) return build();
      try {
        build();
      } catch (err) {
        if (err instanceof ValidationError) collect.push({ path: err.path ? `${path}.${err.path}` : path, message: err.reason });
        else if (err instanceof EngineError) collect.push({ path, message: err.message });
        else throw err;
      }
    };
    this.buildQueues(sc, attempt);
    sc.topics.forEach((t, i) => attempt(`topics[${i}]`, () => this.buildTopic(t, i, attempt)));
    sc.streams.forEach((s, i) => attempt(`streams[${i}]`, () => this.buildStream(s)));
    this.systems.build(sc, attempt);
    sc.tables.forEach((t, i) => attempt(`tables[${i}]`, () => this.tables.set(t.name, new Table(this.ctx, { name: t.name, key: t.key, writeCapacityPerSecond: t.writeCapacityPerSecond, rejectOverload: t.rejectOverload }))));
    sc.functions.forEach((f, i) => attempt(`functions[${i}]`, () => this.defineFunction(f)));
    sc.buses.forEach((b, i) => attempt(`buses[${i}]`, () => this.buildBus(b, i, attempt)));
    sc.buckets.forEach((b, i) => attempt(`buckets[${i}]`, () => this.buildBucket(b, i, attempt)));
    sc.functions.forEach((f, i) => f.events?.forEach((e, j) => attempt(`functions[${i}].events[${j}]`, () => this.addEventSource(f, e))));
    sc.gateways.forEach((g, i) => attempt(`gateways[${i}]`, () => this.buildGateway(g, i, attempt)));
    sc.traffic.forEach((t, i) => attempt(`traffic[${i}]`, () => this.buildTraffic(t)));
    let faults: FaultSchedule | undefined;
    attempt('faults', () => {
      if (sc.faults.length) faults = new FaultSchedule(this.ctx, sc.faults as FaultSpec[]);
    });
    this.faults = faults;
    if (collect) {
      this.bounds = undefined;
      return;
    }
    this.bounds = new RunBounds(this.ctx, limits, { held: () => this.heldMessages(), explain: (r) => this.feedback(r), label: (r) => this.label(r), runaway: () => this.runaway?.tripped });

    // Latency samples per function and gateway (aggregates of the trace, whatever records are kept).
    for (const f of sc.functions) this.kindOf.set(f.name, 'function');
    for (const g of sc.gateways) this.kindOf.set(g.name, 'gateway');
    this.ctx.trace.subscribe((r) => this.observe(r), ['succeeded', 'failed', 'timed-out', 'responded']);
  }

  // ------------------------------------------------------------------------------------------------
  // Running

  /** Virtual time now, ms. */
  get now(): number {
    return this.ctx.clock.now;
  }

  /** Where `run()` stops by default: the scenario's `durationS`, or when nothing is left to do. */
  get endMs(): number {
    return this.scenario.durationS !== undefined ? this.scenario.durationS * 1000 : Number.POSITIVE_INFINITY;
  }

  /** Put traffic and faults on the clock (once; `run` and `step` call it). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const faults = this.faults;
    if (faults) {
      faults.onAt((f, id) => this.instantFault(f, id));
      faults.start();
      for (const f of faults.faults) {
        if (f.kind === 'throttle') {
          this.ctx.clock.at(f.fromS * 1000, () => this.platform.setConcurrencyLimit(f.target, f.concurrency));
          this.ctx.clock.at(f.toS * 1000, () => this.platform.setConcurrencyLimit(f.target, undefined));
        } else if (f.kind === 'latency') {
          this.ctx.clock.at(f.fromS * 1000, () => this.platform.addLatency(f.target, f.addMs));
          this.ctx.clock.at(f.toS * 1000, () => this.platform.addLatency(f.target, -f.addMs));
        }
      }
    }
    for (const g of this.generators.values()) g.start();
  }

  /**
   * Run until virtual time `untilMs` (default `endMs`). Events at exactly `untilMs` run. With no end
   * at all, run until nothing is left to do, but never past `HORIZON_MS` (24 h) of virtual time:
   * housekeeping timers (queue retention of 4 days, …) would otherwise expire everything still held.
   */
  run(untilMs: number = this.endMs): void {
    this.start();
    const clock = this.ctx.clock;
    if (Number.isFinite(untilMs)) clock.runUntil(untilMs);
    else {
      for (let next = clock.peek(); next !== undefined && next <= Simulation.HORIZON_MS; next = clock.peek()) clock.step();
    }
  }

  /** How far `run()` goes when the scenario has no `durationS`: 24 h of virtual time. */
  static readonly HORIZON_MS = 24 * 3_600_000;

  /** Run the next event; false when nothing is scheduled. */
  step(): boolean {
    this.start();
    return this.ctx.clock.step();
  }

  /** The kept trace records. */
  records(): TraceRecord[] {
    return this.ctx.trace.records();
  }

  // ------------------------------------------------------------------------------------------------
  // Building

  private buildQueues(sc: Scenario, attempt: (path: string, build: () => void) => void): void {
    // A queue needs its dead-letter queue first: build in dependency order (validation rejected loops).
    const index = new Map(sc.queues.map((q, i) => [q.name, i]));
    const building = new Set<string>();
    const build = (name: string): void => {
      if (this.queues.has(name) || building.has(name)) return;
      const i = index.get(name);
      if (i === undefined) return;
      building.add(name);
      const q = sc.queues[i];
      if (q.deadLetter) build(q.deadLetter.queue);
      attempt(`queues[${i}]`, () => this.buildQueue(q));
    };
    for (const q of sc.queues) build(q.name);
  }

  /** One queue, its dead-letter queue already built. */
  private buildQueue(q: QueueSpec): void {
    const dlq = q.deadLetter ? this.queues.get(q.deadLetter.queue) : undefined;
    if (q.deadLetter && !dlq) throw new ValidationError('deadLetter.queue', `the dead-letter queue "${q.deadLetter.queue}" could not be built`);
    const { deadLetter: _dl, ...rest } = q;
    this.queues.set(q.name, new Queue(this.ctx, { ...rest, ...(dlq ? { deadLetter: { queue: dlq, maxReceiveCount: q.deadLetter!.maxReceiveCount } } : {}) }));
  }

  private buildStream(s: StreamSpec): void {
    const retentionMs = s.retentionMs ?? (s.retentionHours !== undefined ? s.retentionHours * 3_600_000 : undefined);
    this.streams.set(
      s.name,
      new Stream(this.ctx, {
        name: s.name,
        partitions: s.partitions,
        retentionMs,
        cleanupPolicy: s.cleanupPolicy,
        ...(s.partitioner !== undefined ? { partitioner: s.partitioner } : {}),
        ...(s.segmentMs !== undefined ? { segmentMs: s.segmentMs } : {}),
        ...(s.segmentBytes !== undefined ? { segmentBytes: s.segmentBytes } : {}),
        ...(s.deleteRetentionMs !== undefined ? { deleteRetentionMs: s.deleteRetentionMs } : {}),
      }),
    );
  }

  /** Send to a queue, applying a `duplicate` fault (a producer retry that sends the message twice). */
  private sendToQueue(q: Queue, body: string, options: SendOptions): string {
    const r = q.send(body, options);
    const dup = this.faults?.active('duplicate', q.name);
    if (dup && this.ctx.random.chance(dup.rate)) q.send(body, { ...options, cause: this.faults!.idOf(dup) });
    return r.messageId;
  }

  /** `options` completed with what a FIFO queue needs: a group ('default' if none) and a deduplication id (unless content-based). */
  private withFifo(options: SendOptions, q: Queue, groupId: string | undefined, dedupId: string): SendOptions {
    if (q.fifo) {
      options.groupId = groupId ?? 'default';
      options.deduplicationId = q.options.contentBasedDeduplication ? undefined : dedupId;
    }
    return options;
  }

  private buildTopic(t: Scenario['topics'][number], i: number, attempt: (path: string, build: () => void) => void): void {
    const topic = new Topic(this.ctx, { name: t.name, fifo: t.fifo, contentBasedDeduplication: t.contentBasedDeduplication });
    this.topics.set(t.name, topic);
    (t.subscriptions ?? []).forEach((s, j) => attempt(`topics[${i}].subscriptions[${j}]`, () => void this.wireSubscription(topic, s)));
  }

  /** Subscribe a queue or a function (with its optional dead-letter queue) to a topic; returns the subscription id. */
  private wireSubscription(topic: Topic, s: SubscriptionSpec): string {
    const dlq = s.deadLetterQueue !== undefined ? this.queues.get(s.deadLetterQueue) : undefined;
    let deliver: (d: TopicDelivery) => void;
    let endpoint: string;
    /** Set once subscribed: a function's SNS event names its subscription. */
    let subscriptionId = '';
    if (s.queue !== undefined) {
      const q = this.queues.get(s.queue)!;
      endpoint = s.queue;
      deliver = (d) => {
        this.sendToQueue(q, d.body, this.withFifo({ cause: d.messageId, lineage: d.lineage, ...(d.raw && Object.keys(d.attributes).length ? { attributes: sqsAttributesOf(d.attributes) } : {}) }, q, d.groupId, d.deduplicationId ?? d.messageId));
      };
    } else {
      const fn = s.function!;
      endpoint = fn;
      deliver = (d) => {
        const message = { topicName: topic.name, messageId: d.messageId, message: d.message, attributes: d.attributes, now: d.publishedAt };
        this.platform.invokeAsync(fn, snsEvent(message, subscriptionId), d.messageId, { source: topic.name, lineage: d.lineage });
      };
    }
    const dup = (d: TopicDelivery): void => {
      deliver(d);
      const f = this.faults?.active('duplicate', topic.name);
      // The extra copy is a delivery of its own, a delivery delay later (the extra copy failing changes nothing).
      if (f && this.ctx.random.chance(f.rate)) this.ctx.clock.at(topic.deliveryAt(subscriptionId), () => void tryDeliver(deliver, d));
    };
    const id = (subscriptionId = topic.subscribe({
      endpoint,
      deliver: dup,
      filterPolicy: s.filterPolicy as never,
      filterPolicyScope: s.filterPolicyScope,
      rawDelivery: s.rawDelivery,
      ...(dlq ? { deadLetter: (d: TopicDelivery) => void this.sendToQueue(dlq, d.body, this.withFifo({ cause: d.messageId, lineage: d.lineage }, dlq, d.groupId, d.messageId)) } : {}),
    }));
    this.subscriptionIds.set(s, id);
    return id;
  }

  private buildBus(b: Scenario['buses'][number], i: number, attempt: (path: string, build: () => void) => void): void {
    const bus = new EventBus(this.ctx, { name: b.name });
    this.buses.set(b.name, bus);
    (b.rules ?? []).forEach((r, j) => attempt(`buses[${i}].rules[${j}]`, () => this.wireRule(bus, r)));
    (b.archives ?? []).forEach((a, j) => attempt(`buses[${i}].archives[${j}]`, () => bus.createArchive({ name: a.name, pattern: a.pattern as never, retentionDays: a.retentionDays })));
  }

  /** Put a rule on a bus, each target delivering to its function or queue (and dead-letter queue). */
  private wireRule(bus: EventBus, r: RuleSpec): void {
    bus.putRule({
      name: r.name,
      ...(r.pattern !== undefined ? { pattern: r.pattern as never } : {}),
      ...(r.schedule !== undefined ? { schedule: r.schedule } : {}),
      enabled: r.enabled,
      targets: (r.targets ?? []).map((t) => {
        const dlq = t.deadLetterQueue !== undefined ? this.queues.get(t.deadLetterQueue) : undefined;
        const endpoint = (t.function ?? t.queue)!;
        // With input / inputPath / an input transformer the target gets the payload instead of the event.
        let deliver: (e: BusEvent, payload?: TargetPayload) => void;
        if (t.function !== undefined) {
          const fn = t.function;
          deliver = (e, payload) => void this.platform.invokeAsync(fn, payload ? payload.value : e, e.id);
        } else {
          const q = this.queues.get(t.queue!)!;
          deliver = (e, payload) => void this.sendToQueue(q, payload ? payload.text : JSON.stringify(e), this.withFifo({ cause: e.id }, q, t.messageGroupId, e.id));
        }
        return {
          id: endpoint.replace(/[^.\-_A-Za-z0-9]/g, '_').slice(0, 64),
          endpoint,
          deliver,
          ...(t.input !== undefined ? { input: t.input } : {}),
          ...(t.inputPath !== undefined ? { inputPath: t.inputPath } : {}),
          ...(t.inputTransformer !== undefined ? { inputTransformer: t.inputTransformer } : {}),
          retry: { maxAttempts: t.maxRetries, maxAgeS: t.maxEventAgeS },
          ...(dlq ? { deadLetter: (e: BusEvent) => void this.sendToQueue(dlq, JSON.stringify(e), this.withFifo({ cause: e.id }, dlq, 'dead-letter', e.id)) } : {}),
        };
      }),
    });
  }

  private defineFunction(f: FunctionSpec): void {
    const onFailureQueue = f.async?.onFailure ? this.queues.get(f.async.onFailure.queue) : undefined;
    const onSuccessQueue = f.async?.onSuccess ? this.queues.get(f.async.onSuccess.queue) : undefined;
    // Lambda's invocation record for an asynchronous invocation's destination.
    const toDestination = (queue: Queue, event: unknown, o: AsyncOutcome): void => {
      const record = destinationRecord({ functionName: f.name, requestId: o.requestId, condition: o.condition, invokeCount: o.invokeCount, requestPayload: event, result: o.result, error: o.error, now: this.ctx.clock.now });
      // The record carries the event's chain of requests (the platform sets it while a destination is written).
      this.sendToQueue(queue, JSON.stringify(record), this.withFifo({ cause: o.requestId, lineage: this.platform.recursion.current }, queue, f.name, this.ctx.id('dest')));
    };
    this.platform.define({
      name: f.name,
      handler: f.handler,
      runtime: f.runtime,
      memoryMb: f.memoryMb,
      timeoutS: f.timeoutS,
      reservedConcurrency: f.reservedConcurrency,
      provisionedConcurrency: f.provisionedConcurrency,
      initMs: f.initMs,
      durationMs: f.durationMs,
      ...(f.latency !== undefined ? { latency: f.latency } : {}),
      idleTimeoutS: f.idleTimeoutS,
      ...(f.recursiveLoop !== undefined ? { recursiveLoop: f.recursiveLoop } : {}),
      ...(f.instances !== undefined ? { instances: f.instances } : {}),
      ...(f.environment !== undefined ? { environment: f.environment } : {}),
      async: {
        maxRetries: f.async?.maxRetries,
        maxEventAgeS: f.async?.maxEventAgeS,
        onFailure: onFailureQueue ? (event, _error, outcome) => toDestination(onFailureQueue, event, outcome) : undefined,
        onSuccess: onSuccessQueue ? (event, outcome) => toDestination(onSuccessQueue, event, outcome) : undefined,
      },
    });
  }

  private addEventSource(f: FunctionSpec, e: NonNullable<FunctionSpec['events']>[number]): void {
    let list = this.mappings.get(f.name);
    if (!list) this.mappings.set(f.name, (list = []));
    list.push(this.mapEventSource(f, e));
  }

  private mapEventSource(f: FunctionSpec, e: NonNullable<FunctionSpec['events']>[number]): EventSourceMapping {
    if (isSystemEvent(e)) return this.systems.addEventSource(f.name, e);
    if ('queue' in e && e.queue !== undefined) {
      return addQueueSource(this.platform, this.ctx, f.name, this.queues.get(e.queue)!, {
        batchSize: e.batchSize,
        batchingWindowS: e.batchingWindowS,
        reportBatchItemFailures: e.reportBatchItemFailures,
        maxConcurrency: e.maxConcurrency,
      });
    }
    const se = e as Extract<typeof e, { stream: string }>;
    const dlq = se.onFailure ? this.queues.get(se.onFailure.queue) : undefined;
    return addStreamSource(this.platform, this.ctx, f.name, this.streams.get(se.stream)!, {
      batchSize: se.batchSize,
      startingPosition: se.startingPosition,
      bisectOnError: se.bisectOnError,
      maxRetryAttempts: se.maxRetryAttempts,
      maxRecordAgeS: se.maxRecordAgeS,
      onFailure: dlq
        ? (records, error) => {
            const first = records[0];
            const body = JSON.stringify({ stream: se.stream, function: f.name, error, records: records.map((r) => ({ partition: r.partition, offset: r.offset, key: r.key, value: r.value })) });
            this.sendToQueue(dlq, body, this.withFifo({ cause: first?.id }, dlq, se.stream, this.ctx.id('dest')));
          }
        : undefined,
    });
  }

  private buildBucket(b: Scenario['buckets'][number], i: number, attempt: (path: string, build: () => void) => void): void {
    const store = new ObjectStore(this.ctx, { name: b.name });
    this.buckets.set(b.name, store);
    (b.notifications ?? []).forEach((n, j) =>
      attempt(`buckets[${i}].notifications[${j}]`, () => {
        let listener: (e: ObjectCreatedEvent) => void;
        const s3Event = (e: ObjectCreatedEvent): unknown => s3NotificationEvent(e, `${b.name}-notification-${j + 1}`);
        // A notification happens within the put: it carries the chain of the code that put the object (recursion.ts).
        const lineage = () => this.platform.recursion.current;
        if (n.function !== undefined) {
          const fn = n.function;
          listener = (e) => void this.platform.invokeAsync(fn, s3Event(e), `${e.bucket}/${e.key}`, { source: b.name, lineage: lineage() });
        } else if (n.queue !== undefined) {
          const q = this.queues.get(n.queue)!;
          listener = (e) => void this.sendToQueue(q, JSON.stringify(s3Event(e)), { cause: e.key, lineage: lineage() });
        } else {
          const topic = this.topics.get(n.topic!)!;
          listener = (e) => void topic.publish(JSON.stringify(s3Event(e)), { cause: e.key, lineage: lineage(), ...(topic.fifo ? fifoPublish(topic, e.bucket, `${e.key}@${e.etag}`) : {}) });
        }
        store.onObjectCreated(listener, { ...(n.prefix !== undefined ? { prefix: n.prefix } : {}), ...(n.suffix !== undefined ? { suffix: n.suffix } : {}) });
      }),
    );
  }

  private buildGateway(g: Scenario['gateways'][number], i: number, attempt: (path: string, build: () => void) => void): void {
    const gw = new Gateway(this.ctx, { name: g.name, timeoutMs: g.timeoutMs });
    this.gateways.set(g.name, gw);
    (g.routes ?? []).forEach((r, j) =>
      attempt(`gateways[${i}].routes[${j}]`, () => {
        if (r.function !== undefined) {
          const fn = r.function;
          gw.route({
            method: r.method,
            path: r.path,
            target: fn,
            timeoutMs: r.timeoutMs,
            handler: (req, respond) => {
              const event = httpApiEvent({ ...req, gateway: g.name, routeKey: `${(r.method ?? 'ANY').toUpperCase()} ${r.path}`, now: this.ctx.clock.now });
              this.platform.invoke(fn, event, (res) => {
                const { response, rejected } = proxyResponse(res);
                if (rejected) this.ctx.trace.emit('response-rejected', fn, res.requestId, g.name, { reason: rejected, returned: tracedValue(res.result) });
                respond(response);
              }, req.requestId);
            },
          });
        } else {
          const legacy = r.legacy!;
          const body = legacy.body ?? '';
          gw.route({
            method: r.method,
            path: r.path,
            target: legacyId(g.name, r.method, r.path),
            timeoutMs: r.timeoutMs,
            handler: backendHandler(this.ctx, () => ({ statusCode: legacy.status ?? 200, headers: { 'content-type': 'application/json' }, body }), legacy.latencyMs),
          });
        }
      }),
    );
  }

  private buildTraffic(t: TrafficSpecJson): void {
    const { target, ...spec } = t;
    // Traffic without its own duration lasts as long as the scenario: [startS, durationS), half-open.
    const runS = this.scenario.durationS;
    if (spec.durationS === undefined && runS !== undefined && runS > (spec.startS ?? 0)) spec.durationS = runS - (spec.startS ?? 0);
    const vars = (seq: number, id: string) => ({ seq, id, now: this.ctx.clock.now, random: this.ctx.random });
    const key = target.key !== undefined ? compileTemplate(target.key, 'target.key') : undefined;
    const group = target.groupId !== undefined ? compileTemplate(target.groupId, 'target.groupId') : undefined;
    const path = target.path !== undefined ? compileTemplate(target.path, 'target.path') : undefined;
    let seq = 0;
    let send: (payload: unknown, id: string, n: number) => void;
    if (target.queue !== undefined) {
      const q = this.queues.get(target.queue)!;
      const attributes = target.attributes;
      send = (payload, id, n) => {
        const body = toBody(payload);
        // Runs for every request: the options are built field by field, without spreading.
        const options: SendOptions = { cause: id };
        if (attributes) options.attributes = attributes;
        this.sendToQueue(q, body, this.withFifo(options, q, group ? String(group(vars(n, id))) : undefined, id));
      };
    } else if (target.topic !== undefined) {
      const topic = this.topics.get(target.topic)!;
      const attributes = target.attributes;
      send = (payload, id, n) =>
        void topic.publish(toBody(payload), { cause: id, ...(attributes ? { attributes } : {}), ...(topic.fifo ? fifoPublish(topic, group ? String(group(vars(n, id))) : 'default', id) : {}) });
    } else if (target.stream !== undefined) {
      const stream = this.streams.get(target.stream)!;
      send = (payload, id, n) => void stream.produce(toBody(payload), { cause: id, ...(key ? { key: String(key(vars(n, id))) } : {}) });
    } else if (target.bus !== undefined) {
      const bus = this.buses.get(target.bus)!;
      const source = target.source!;
      const detailType = target.detailType!;
      send = (payload, id) =>
        void bus.putEvents([{ source, detailType, detail: payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload : { value: payload }, cause: id }]);
    } else if (target.function !== undefined) {
      const fn = target.function;
      send = (payload, id) => void this.platform.invokeAsync(fn, payload, id);
    } else if (target.gateway !== undefined) {
      const gw = this.gateways.get(target.gateway)!;
      const method = target.method ?? 'POST';
      const noBody = method === 'GET' || method === 'HEAD';
      send = (payload, id, n) =>
        void gw.request(
          { method, path: String(path!(vars(n, id))), headers: { 'content-type': 'application/json' }, ...(noBody ? {} : { body: toBody(payload) }), cause: id },
          () => undefined,
        );
    } else if (systemTarget(target) !== undefined) {
      send = this.systems.trafficSender(target, (n, id) => vars(n, id));
    } else {
      const store = this.buckets.get(target.bucket!)!;
      send = (payload, id, n) => void store.put(key ? String(key(vars(n, id))) : `uploads/${id}.json`, toBody(payload), { cause: id, contentType: 'application/json' });
    }
    const name = t.name;
    const generator = new TrafficGenerator(this.ctx, spec, (payload, id) => {
      const n = ++seq;
      try {
        send(payload, id, n);
        // A duplicate fault on the generator: the client sends this request again (same id, same payload).
        const dup = this.faults?.active('duplicate', name);
        if (dup && this.ctx.random.chance(dup.rate)) {
          this.ctx.trace.emit('duplicate', name, id, this.faults!.idOf(dup));
          send(payload, id, n);
        }
      } catch (err) {
        // The request was refused at the door (too large, bad attributes, …): recorded, the run goes on.
        this.ctx.trace.emit('failed', name, id, undefined, { error: err instanceof Error ? err.message : String(err) });
      }
    });
    this.generators.set(name, generator);
  }

  /** Poison messages and crashes, at their instant. */
  private instantFault(f: FaultSpec, id: string): void {
    if (f.kind === 'crash') {
      this.platform.crash(f.target);
      return;
    }
    if (f.kind !== 'poison') return;
    const body = toBody(f.payload);
    try {
      const q = this.queues.get(f.target);
      if (q) this.sendToQueue(q, body, this.withFifo({ cause: id }, q, 'poison', id));
      const topic = this.topics.get(f.target);
      if (topic) topic.publish(body, { cause: id, ...(topic.fifo ? fifoPublish(topic, 'poison', id) : {}) });
      this.streams.get(f.target)?.produce(body, { cause: id });
      const bus = this.buses.get(f.target);
      if (bus) {
        const detail = f.payload !== null && typeof f.payload === 'object' && !Array.isArray(f.payload) ? f.payload : { value: f.payload };
        bus.putEvents([{ source: 'lab.fault', detailType: 'poison', detail, cause: id }]);
      }
      if (this.platform.has(f.target)) this.platform.invokeAsync(f.target, f.payload, id);
      this.systems.poison(f.target, body, id);
    } catch (err) {
      this.ctx.trace.emit('failed', f.target, id, 'poison', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Changing the system while it runs (the broker playground)
  //
  // Each method validates first and changes nothing when it throws, then builds the resource with
  // the same wiring as a scenario file and records it in `scenario`, so the topology (and a later
  // replay) sees exactly what exists. Order matters as in the real cloud: a subscription added after
  // a publish does not get that message.

  /** Add a queue (its dead-letter queue must exist already). */
  addQueue(spec: QueueSpec): void {
    this.checkNewName('queue', this.queues, spec.name);
    if (spec.deadLetter !== undefined) this.need('queue', spec.deadLetter.queue, 'deadLetter.queue');
    this.buildQueue(spec);
    this.scenario.queues.push(spec);
  }

  /** Add a topic (subscriptions are added one by one with `subscribe`). */
  addTopic(spec: TopicSpec): void {
    this.checkNewName('topic', this.topics, spec.name);
    this.topics.set(spec.name, new Topic(this.ctx, { name: spec.name, fifo: spec.fifo, contentBasedDeduplication: spec.contentBasedDeduplication }));
    this.scenario.topics.push({ ...spec, subscriptions: [] });
  }

  /** Subscribe a queue or a function to a topic; returns the subscription id. */
  subscribe(topic: string, spec: SubscriptionSpec): string {
    const t = this.need('topic', topic, 'topic');
    if ((spec.queue === undefined) === (spec.function === undefined)) throw new ValidationError('queue', 'give exactly one endpoint: a queue or a function');
    if (spec.queue !== undefined) this.need('queue', spec.queue, 'queue');
    if (spec.function !== undefined) this.need('function', spec.function, 'function');
    if (spec.deadLetterQueue !== undefined) this.need('queue', spec.deadLetterQueue, 'deadLetterQueue');
    const id = this.wireSubscription(t, spec);
    this.topicSpec(topic).subscriptions!.push(spec);
    return id;
  }

  /** Remove a topic subscription by id. */
  unsubscribe(topic: string, id: string): void {
    const t = this.need('topic', topic, 'topic');
    const subs = this.topicSpec(topic).subscriptions!;
    const i = subs.findIndex((s) => this.subscriptionIds.get(s) === id);
    if (i < 0) {
      const known = subs.map((s) => this.subscriptionIds.get(s)!);
      throw new ValidationError('subscription', `topic "${topic}" has no subscription ${JSON.stringify(id)} (known: ${known.length ? known.join(', ') : 'none'})`);
    }
    t.unsubscribe(id);
    this.subscriptionIds.delete(subs[i]);
    subs.splice(i, 1);
  }

  /** The id of every subscription of a topic, with its spec, in order. */
  subscriptionsOf(topic: string): Array<{ id: string; spec: SubscriptionSpec }> {
    return (this.topicSpec(topic).subscriptions ?? []).map((spec) => ({ id: this.subscriptionIds.get(spec)!, spec }));
  }

  addStream(spec: StreamSpec): void {
    this.checkNewName('stream', this.streams, spec.name);
    this.buildStream(spec);
    this.scenario.streams.push(spec);
  }

  addBus(spec: { name: string }): void {
    this.checkNewName('bus', this.buses, spec.name);
    this.buses.set(spec.name, new EventBus(this.ctx, { name: spec.name }));
    this.scenario.buses.push({ name: spec.name, rules: [] });
  }

  /** Create or replace a rule on a bus; targets must exist. */
  putRule(bus: string, rule: RuleSpec): void {
    const b = this.need('bus', bus, 'bus');
    (rule.targets ?? []).forEach((t, i) => {
      if ((t.queue === undefined) === (t.function === undefined)) throw new ValidationError(`targets[${i}]`, 'give exactly one of queue or function');
      if (t.queue !== undefined) this.need('queue', t.queue, `targets[${i}].queue`);
      if (t.function !== undefined) this.need('function', t.function, `targets[${i}].function`);
      if (t.deadLetterQueue !== undefined) this.need('queue', t.deadLetterQueue, `targets[${i}].deadLetterQueue`);
    });
    this.wireRule(b, rule);
    const rules = this.busSpec(bus).rules!;
    const i = rules.findIndex((r) => r.name === rule.name);
    if (i >= 0) rules[i] = rule;
    else rules.push(rule);
  }

  removeRule(bus: string, rule: string): void {
    const b = this.need('bus', bus, 'bus');
    const rules = this.busSpec(bus).rules!;
    const i = rules.findIndex((r) => r.name === rule);
    if (i < 0) throw new ValidationError('rule', unknownName('rule', rule, rules.map((r) => r.name), ` on bus "${bus}"`));
    b.removeRule(rule);
    rules.splice(i, 1);
  }

  /** Define a function with its event sources (all or nothing). */
  addFunction(spec: FunctionSpec): void {
    if (this.platform.has(spec.name)) throw new ValidationError('name', `a function named "${spec.name}" already exists`);
    (spec.events ?? []).forEach((e, i) => {
      if (isSystemEvent(e)) this.systems.checkEventSource(e, `events[${i}]`);
      else if ('queue' in e && e.queue !== undefined) this.need('queue', e.queue, `events[${i}].queue`);
      else this.need('stream', (e as { stream: string }).stream, `events[${i}].stream`);
    });
    if (spec.async?.onFailure) this.need('queue', spec.async.onFailure.queue, 'async.onFailure.queue');
    this.defineFunction(spec);
    try {
      for (const e of spec.events ?? []) this.addEventSource(spec, e);
    } catch (err) {
      this.removeFunction(spec.name);
      throw err;
    }
    this.kindOf.set(spec.name, 'function');
    this.scenario.functions.push(spec);
  }

  /** Stop a function's event sources and delete it (refused while a subscription or rule targets it). */
  removeFunction(name: string): void {
    this.checkUnused('function', name);
    for (const m of this.mappings.get(name) ?? []) m.stop();
    this.mappings.delete(name);
    this.platform.remove(name);
    this.kindOf.delete(name);
    this.calls.delete(name);
    const i = this.scenario.functions.findIndex((f) => f.name === name);
    if (i >= 0) this.scenario.functions.splice(i, 1);
  }

  /**
   * Delete a queue, topic, stream or bus. Refused (EngineError `ResourceInUse`, naming them) while
   * anything refers to it: subscriptions, rules, dead-letter links, event sources.
   */
  removeResource(kind: 'queue' | 'topic' | 'stream' | 'bus', name: string): void {
    const map: Map<string, unknown> = kind === 'queue' ? this.queues : kind === 'topic' ? this.topics : kind === 'stream' ? this.streams : this.buses;
    this.need(kind, name, 'name');
    this.checkUnused(kind, name);
    if (kind === 'queue') this.queues.get(name)?.close();
    if (kind === 'stream') this.streams.get(name)?.close();
    map.delete(name);
    const list: Array<{ name: string }> = this.scenario[LIST_OF[kind]];
    list.splice(
      list.findIndex((r) => r.name === name),
      1,
    );
  }

  /**
   * What refers to a resource: subscriptions and rules delivering to it (or to it as a dead-letter
   * queue), queues using it for dead letters, event sources reading it, a topic's subscriptions, a
   * bus's rules. Each entry names the dependent; `subscription` identifies a topic subscription.
   */
  dependents(kind: 'queue' | 'topic' | 'stream' | 'bus' | 'function', name: string): Array<{ description: string; subscription?: { topic: string; id: string } }> {
    const out: Array<{ description: string; subscription?: { topic: string; id: string } }> = [];
    const sc = this.scenario;
    const endpoint = kind === 'queue' ? 'queue' : kind === 'function' ? 'function' : undefined;
    for (const t of sc.topics) {
      for (const s of t.subscriptions ?? []) {
        const hit = (endpoint !== undefined && s[endpoint] === name) || (kind === 'queue' && s.deadLetterQueue === name) || (kind === 'topic' && t.name === name);
        if (hit) out.push({ description: `subscription ${this.subscriptionIds.get(s)} of topic "${t.name}" → ${s.queue ?? s.function}`, subscription: { topic: t.name, id: this.subscriptionIds.get(s)! } });
      }
    }
    for (const b of sc.buses) {
      for (const r of b.rules ?? []) {
        const hit = (kind === 'bus' && b.name === name) || (r.targets ?? []).some((t) => (endpoint !== undefined && t[endpoint] === name) || (kind === 'queue' && t.deadLetterQueue === name));
        if (hit) out.push({ description: `rule "${r.name}" on bus "${b.name}"` });
      }
    }
    if (kind === 'queue') for (const q of sc.queues) if (q.deadLetter?.queue === name) out.push({ description: `queue "${q.name}" (its dead-letter queue)` });
    if (kind === 'queue' || kind === 'stream') {
      for (const f of sc.functions) {
        for (const e of f.events ?? []) {
          if (isSystemEvent(e)) {
            if (kind === 'queue' && 'kinesisStream' in e && e.onFailure?.queue === name) out.push({ description: `function "${f.name}" (its on-failure destination)` });
            continue;
          }
          const source = 'queue' in e && e.queue !== undefined ? e.queue : (e as { stream: string }).stream;
          if (source === name) out.push({ description: `function "${f.name}" (its event source)` });
          if (kind === 'queue' && 'stream' in e && e.onFailure?.queue === name) out.push({ description: `function "${f.name}" (its on-failure destination)` });
        }
        if (kind === 'queue' && f.async?.onFailure?.queue === name) out.push({ description: `function "${f.name}" (its on-failure destination)` });
      }
    }
    if (kind === 'function') for (const description of this.systems.functionDependents(name)) out.push({ description });
    return out;
  }

  private checkUnused(kind: 'queue' | 'topic' | 'stream' | 'bus' | 'function', name: string): void {
    const users = this.dependents(kind, name);
    if (users.length) throw new EngineError('ResourceInUse', `${kind} "${name}" is still used by ${users.map((u) => u.description).join('; ')}: remove ${users.length === 1 ? 'it' : 'them'} first`);
  }

  private checkNewName(kind: string, map: ReadonlyMap<string, unknown>, name: string): void {
    if (map.has(name)) throw new ValidationError('name', `a ${kind} named "${name}" already exists`);
  }

  /** The resource of that kind and name, or a ValidationError at `path` with a did-you-mean and the known names. */
  need<K extends 'queue' | 'topic' | 'stream' | 'bus' | 'function'>(kind: K, name: string, path: string): K extends 'queue' ? Queue : K extends 'topic' ? Topic : K extends 'stream' ? Stream : K extends 'bus' ? EventBus : string {
    type Out = K extends 'queue' ? Queue : K extends 'topic' ? Topic : K extends 'stream' ? Stream : K extends 'bus' ? EventBus : string;
    if (kind === 'function') {
      if (!this.platform.has(name)) throw new ValidationError(path, unknownName(kind, name, this.platform.functionNames()));
      return name as Out;
    }
    const map = (kind === 'queue' ? this.queues : kind === 'topic' ? this.topics : kind === 'stream' ? this.streams : this.buses) as Map<string, unknown>;
    const found = map.get(name);
    if (found === undefined) throw new ValidationError(path, unknownName(kind, name, [...map.keys()]));
    return found as Out;
  }

  private topicSpec(name: string): TopicSpec {
    return this.scenario.topics.find((t) => t.name === name)!;
  }

  private busSpec(name: string): BusSpec {
    return this.scenario.buses.find((b) => b.name === name)!;
  }

  // ------------------------------------------------------------------------------------------------
  // The lab API: what handlers call, by resource name

  private makeLab(): LabApi {
    const cause = (): string | undefined => this.platform?.current()?.requestId;
    const note = (resource: string, op: string): void => {
      const fn = this.platform?.current()?.functionName;
      if (fn === undefined) return;
      let m = this.calls.get(fn);
      if (!m) this.calls.set(fn, (m = new Map()));
      if (!m.has(resource)) m.set(resource, op);
    };
    const need = <T>(map: Map<string, T>, kind: string, name: unknown, op: string): T => {
      const found = typeof name === 'string' ? map.get(name) : undefined;
      if (found === undefined) {
        const known = [...map.keys(), ...this.systems.labNames(kind)];
        const code = MISSING_RESOURCE[kind] ?? 'ResourceNotFoundException';
        throw new EngineError(code, `${op}: no ${kind} named ${JSON.stringify(name)} in this scenario (known: ${known.length ? known.join(', ') : 'none'})`);
      }
      note(name as string, op);
      return found;
    };
    return {
      send: (queue, body, options) => {
        if (this.systems.kindOf(queue) === 'rabbit-queue') return (note(queue, 'send'), this.systems.send(queue, toBody(body), options, cause()));
        const q = need(this.queues, 'queue', queue, 'send');
        const o = options ?? {};
        const messageId = this.sendToQueue(q, toBody(body), {
          cause: cause(),
          lineage: this.platform.recursion.current,
          ...(o.delayS !== undefined ? { delayS: o.delayS } : {}),
          ...(o.attributes !== undefined ? { attributes: o.attributes } : {}),
          ...(o.groupId !== undefined ? { groupId: o.groupId } : {}),
          ...(o.deduplicationId !== undefined ? { deduplicationId: o.deduplicationId } : {}),
        });
        return { messageId };
      },
      publish: (topic, body, options) => {
        const kind = this.systems.kindOf(topic);
        if (kind === 'exchange' || kind === 'pubsub-topic') return (note(topic, 'publish'), this.systems.publish(topic, toBody(body), options, cause()));
        const t = need(this.topics, 'topic', topic, 'publish');
        // The handler API (types/serverless-lab.d.ts) also takes String.Array attributes and a FIFO
        // deduplicationId, and answers a FIFO publish with its sequenceNumber.
        const o = (options ?? {}) as PublishOptions;
        const r = t.publish(toBody(body), {
          cause: cause(),
          lineage: this.platform.recursion.current,
          ...(o.attributes !== undefined ? { attributes: o.attributes } : {}),
          ...(o.groupId !== undefined ? { groupId: o.groupId } : {}),
          ...(o.deduplicationId !== undefined ? { deduplicationId: o.deduplicationId } : {}),
        });
        const answer: { messageId: string; sequenceNumber?: string } = { messageId: r.messageId };
        if (r.sequenceNumber !== undefined) answer.sequenceNumber = r.sequenceNumber;
        return answer;
      },
      produce: (stream, value, options) => {
        if (this.systems.kindOf(stream) === 'kinesis-stream') return (note(stream, 'produce'), this.systems.produce(stream, toBody(value), options, cause())) as never;
        const s = need(this.streams, 'stream', stream, 'produce');
        // A null value is a tombstone (Kafka deletes the key on a compacted stream).
        const r = s.produce(value === null ? null : toBody(value), { cause: cause(), ...(options?.key !== undefined ? { key: options.key } : {}) });
        return { partition: r.partition, offset: r.offset };
      },
      putEvents: (bus, entries) => {
        const b = need(this.buses, 'bus', bus, 'putEvents');
        const c = cause();
        return b.putEvents(Array.isArray(entries) ? entries.map((e) => ({ ...e, cause: c })) : entries);
      },
      putObject: (bucket, key, body) => {
        const s = need(this.buckets, 'bucket', bucket, 'putObject');
        return { etag: s.put(key, body, { cause: cause() }).etag };
      },
      getObject: (bucket, key) => need(this.buckets, 'bucket', bucket, 'getObject').get(key, { cause: cause() })?.body,
      tablePut: (table, item, options) => {
        const t = need(this.tables, 'table', table, 'tablePut');
        // `ifNotExists` alone keeps the string form (and its trace records); with a condition too, both must hold.
        const condition = options?.condition;
        if (condition === undefined) t.put(item, { cause: cause(), ...(options?.ifNotExists ? { condition: 'attribute_not_exists' as const } : {}) });
        else t.put(item, { cause: cause(), condition: options?.ifNotExists ? { ...condition, [t.key]: { ...condition[t.key], exists: false } } : condition });
      },
      tableGet: (table, key) => need(this.tables, 'table', table, 'tableGet').get(key, { cause: cause() }),
      tableUpdate: (table, key, changes, options) => need(this.tables, 'table', table, 'tableUpdate').updateItem(key, changes, { cause: cause(), ...(options?.condition !== undefined ? { condition: options.condition } : {}) }),
      tableDelete: (table, key, options) => need(this.tables, 'table', table, 'tableDelete').deleteItem(key, { cause: cause(), ...(options?.condition !== undefined ? { condition: options.condition } : {}) }),
      // The platform's per-environment lab counts work; outside a handler it means nothing.
      work: () => undefined,
      log: (...args) => {
        this.ctx.output.log(this.platform?.current()?.functionName ?? 'lab', cause(), undefined, args);
      },
    };
  }

  // ------------------------------------------------------------------------------------------------
  // Observing

  private observe(r: TraceRecord): void {
    const kind = this.kindOf.get(r.resource);
    if (kind === undefined) return;
    let value: unknown;
    if (kind === 'function') {
      if (r.kind === 'succeeded' || r.kind === 'failed') value = r.detail?.durationMs;
      else if (r.kind === 'timed-out') value = r.detail?.timeoutMs;
    } else if (r.kind === 'responded') {
      value = r.detail?.latencyMs;
      const status = `${String(r.detail?.statusCode ?? '?')}`;
      let counts = this.gatewayStatus.get(r.resource);
      if (!counts) this.gatewayStatus.set(r.resource, (counts = {}));
      counts[status] = (counts[status] ?? 0) + 1;
    }
    if (typeof value !== 'number') return;
    let samples = this.latencies.get(r.resource);
    if (!samples) this.latencies.set(r.resource, (samples = []));
    samples.push(value);
  }

  /** `queue q`, `function f`, … (run bounds' messages). */
  private label(resource: string): string {
    const kind = this.queues.has(resource)
      ? 'queue'
      : this.topics.has(resource)
        ? 'topic'
        : this.platform.has(resource)
          ? 'function'
          : this.buckets.has(resource)
            ? 'bucket'
            : this.tables.has(resource)
              ? 'table'
              : this.streams.has(resource)
                ? 'stream'
                : this.buses.has(resource)
                  ? 'bus'
                  : this.gateways.has(resource)
                    ? 'gateway'
                    : this.generators.has(resource)
                      ? 'traffic'
                      : undefined;
    return kind ? `${kind} ${resource}` : resource;
  }

  /** Messages held in each queue now (run bounds). */
  private heldMessages(): Array<{ resource: string; count: number }> {
    const out: Array<{ resource: string; count: number }> = [];
    for (const [name, q] of this.queues) {
      const d = q.depth();
      out.push({ resource: name, count: d.visible + d.inFlight + d.delayed });
    }
    return out;
  }

  /**
   * Why `resource` kept growing, when a function feeds it and it invokes that function (a loop):
   * for the run bounds' error. Names the deepest chain of requests reached (recursion.ts).
   */
  private feedback(resource: string): string | undefined {
    const loops: string[] = [];
    for (const f of this.scenario.functions) {
      for (const target of this.calls.get(f.name)?.keys() ?? []) {
        if (resource !== f.name && resource !== target) continue;
        const invokes =
          (f.events ?? []).some((e) => 'queue' in e && e.queue === target) ||
          this.scenario.topics.some((t) => t.name === target && (t.subscriptions ?? []).some((s) => s.function === f.name)) ||
          this.scenario.buckets.some((b) => b.name === target && (b.notifications ?? []).some((n) => n.function === f.name));
        if (invokes) loops.push(`function ${f.name} sends to ${target}, which invokes it`);
      }
    }
    if (!loops.length) return undefined;
    const depth = this.platform.recursion.deepest;
    return `${loops.join('; ')}: a recursive loop. Lambda stops a chain of requests only at its 17th invocation (the deepest chain here had reached ${depth}), so a function sending several messages per message it handles multiplies them long before that`;
  }

  /** Resources and their connections, for diagrams: what the scenario declares, plus calls seen at run time. */
  topology(): Topology {
    return buildTopology(this.scenario, this.calls);
  }

  /** Counts per resource, latencies, cold starts, cost, and what was lost (see `Summary.lost`). */
  summary(): Summary {
    const trace = this.ctx.trace;
    const c = (kind: Parameters<typeof trace.count>[0], resource: string): number => trace.count(kind, resource);
    const lostDetails: LostDetail[] = [];
    const out: Summary = {
      scenario: this.scenario.name,
      seed: this.seed,
      virtualMs: this.ctx.clock.now,
      events: trace.length,
      traffic: {},
      queues: {},
      topics: {},
      streams: {},
      buses: {},
      functions: {},
      buckets: {},
      tables: {},
      gateways: {},
      coldStarts: 0,
      cost: this.platform.billing(),
      lost: 0,
      lostDetails,
    };
    const stopped = this.bounds?.stopped;
    if (stopped) out.stopped = { limit: stopped.limit, value: stopped.value, max: stopped.max, message: stopped.message };
    for (const name of this.generators.keys()) out.traffic[name] = { requests: c('request', name) };
    for (const [name, q] of this.queues) {
      const depth = q.depth();
      const s: QueueSummary = {
        sent: c('sent', name),
        received: c('received', name),
        deleted: c('deleted', name),
        deadLettered: c('dead-lettered', name),
        expired: c('expired', name),
        purged: c('purged', name),
        duplicates: c('duplicate', name),
        visibilityExpired: c('visibility-expired', name),
        visible: depth.visible,
        inFlight: depth.inFlight,
        delayed: depth.delayed,
        lost: 0,
      };
      s.lost = s.sent + s.duplicates - s.deleted - s.deadLettered - s.expired - s.purged - (depth.visible + depth.inFlight + depth.delayed);
      if (s.lost !== 0) lostDetails.push({ resource: name, kind: 'queue', count: s.lost, reason: 'accepted but neither deleted, dead-lettered, expired, purged nor still held' });
      out.queues[name] = s;
    }
    for (const name of this.topics.keys()) {
      const t = { published: c('published', name), delivered: c('delivered', name), filteredOut: c('filtered-out', name), deliveryFailed: c('delivery-failed', name), deadLettered: c('dead-lettered', name), dropped: c('dropped', name) };
      if (t.dropped) lostDetails.push({ resource: name, kind: 'topic', count: t.dropped, reason: 'deliveries dropped after retries, no dead-letter queue' });
      out.topics[name] = t;
    }
    for (const name of this.streams.keys()) out.streams[name] = { produced: c('produced', name) };
    for (const name of this.buses.keys()) {
      const b = {
        published: c('published', name),
        delivered: c('delivered', name),
        filteredOut: c('filtered-out', name),
        deliveryFailed: c('delivery-failed', name),
        deadLettered: c('dead-lettered', name),
        dropped: c('dropped', name),
        archived: c('archived', name),
      };
      if (b.dropped) lostDetails.push({ resource: name, kind: 'bus', count: b.dropped, reason: 'events dropped after retries, no dead-letter queue' });
      out.buses[name] = b;
    }
    for (const name of this.platform.functionNames()) {
      const counts = Object.fromEntries(FUNCTION_KINDS.map((k) => [k, c(k, name)])) as Record<(typeof FUNCTION_KINDS)[number], number>;
      const bill = out.cost.perFunction[name];
      out.functions[name] = {
        invoked: counts.invoked,
        succeeded: counts.succeeded,
        failed: counts.failed,
        timedOut: counts['timed-out'],
        throttled: counts.throttled,
        coldStarts: counts['cold-start'],
        retried: counts.retried,
        deadLettered: counts['dead-lettered'],
        dropped: counts.dropped,
        loopsDetected: counts['loop-detected'],
        latency: latencyOf(this.latencies.get(name)),
        requests: bill?.requests ?? 0,
        gbSeconds: bill?.gbSeconds ?? 0,
      };
      out.coldStarts += counts['cold-start'];
      if (counts.dropped) lostDetails.push({ resource: name, kind: 'function', count: counts.dropped, reason: 'async events or stream records given up without an on-failure destination' });
    }
    for (const [name, b] of this.buckets) out.buckets[name] = { stored: c('stored', name), notified: c('delivered', name), objects: b.size() };
    for (const [name, t] of this.tables) out.tables[name] = { written: c('written', name), overloaded: c('overloaded', name), peakWritesPerSecond: t.peakWritesPerSecond(), items: t.size() };
    const systems = this.systems.summary(c);
    Object.assign(out, systems.summary);
    lostDetails.push(...systems.lost);
    for (const name of this.gateways.keys()) out.gateways[name] = { requests: c('request', name), responses: { ...(this.gatewayStatus.get(name) ?? {}) }, latency: latencyOf(this.latencies.get(name)) };
    out.lost = lostDetails.reduce((sum, d) => sum + d.count, 0);
    return out;
  }
}

function tryDeliver(deliver: (d: TopicDelivery) => void, d: TopicDelivery): void {
  try {
    deliver(d);
  } catch {
    /* nothing to retry: it was an extra copy */
  }
}
