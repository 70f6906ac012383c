/**
 * Trace → overlay updates: a pure reducer the host feeds with trace records and whose updates it
 * posts to the diagram webview (at most ~60 per second).
 *
 * The diagram is drawn once; what moves on top of it is derived here from the trace alone:
 * - per-node counters (queue depth, in-flight, dead-lettered, warm/cold environments, concurrency,
 *   throttles, a function's service calls in flight and calls its handlers left unawaited, consumer
 *   lag per partition, …) and a status colour (retrying / dead-lettered /
 *   throttled / error / active / idle);
 * - edge events: a message travelling from one resource to the next, found by following each
 *   record's `cause` back to where that message was last seen (a function's `invoked` caused by a
 *   queue's message means "received from that queue"; a queue's `sent` caused by an invocation means
 *   "sent by that function"; a topic's `delivered` names its endpoint), capped per update so a burst
 *   of 10,000 events still animates as ≤ `maxDots` dots (the rest are counted as sampled away);
 * - a bounded time series for the charts (queue depth, concurrency, cold starts, GB-s, cost, table
 *   writes/s, consumer lag, gateway response times p95/p99, Kinesis puts per shard) that halves
 *   its resolution instead of growing when a run is long.
 */
import type { TraceRecord } from '../engine/trace';
import { detailNumber, type NodeKind, type Topology } from './types';

export type NodeStatus = 'idle' | 'active' | 'retrying' | 'dead-lettered' | 'throttled' | 'error';

export interface PartitionState {
  partition: number;
  /** Log-end offset: the offset the next record will get. */
  end: number;
  /** Lowest committed offset over the consumer groups seen (0 when none has committed). */
  committed: number;
  /** Consumer lag: end − committed offset of the group furthest behind. */
  lag: number;
}

export interface NodeState {
  id: string;
  kind: NodeKind;
  status: NodeStatus;
  /** Kind-specific counters, in display order (see `COUNTERS`). */
  counters: Record<string, number>;
  /** Streams only: one entry per partition seen or declared. */
  partitions?: PartitionState[];
}

export type EdgeEventKind = 'message' | 'dead-letter' | 'throttled';

export interface EdgeEvent {
  /** Index into `topology.edges` (Mermaid edge id `e<index>`). */
  edge: number;
  from: string;
  to: string;
  /** The id of the message / request / invocation that arrived at `to`. */
  id: string;
  kind: EdgeEventKind;
  /** Virtual time (ms) of the arrival. */
  t: number;
  /** For records produced to a stream: the partition. */
  partition?: number;
}

export interface SeriesPoint {
  /** Virtual time (ms) at the start of the bucket. */
  t: number;
  /** Queue depth per queue resource at the end of the bucket. */
  queueDepth: Record<string, number>;
  /** Peak concurrency per function within the bucket. */
  concurrency: Record<string, number>;
  /** Cold starts within the bucket. */
  coldStarts: number;
  /** Throttles within the bucket. */
  throttles: number;
  /** Cumulative estimated cost (USD) at the end of the bucket. */
  cost: number;
  /** Cumulative compute billed, in GB-seconds, at the end of the bucket (what lessons budget). */
  gbSeconds?: number;
  /** Write requests per second (accepted or refused for capacity) per table, over the bucket. */
  writesPerS?: Record<string, number>;
  /** Consumer lag per stream (records behind, the group furthest back) at the end of the bucket. */
  lag?: Record<string, number>;
  /**
   * Gateway response times (ms) of the responses within the bucket, over every gateway: `p95`,
   * `p99` (what lessons judge). Absent when nothing was answered in the bucket.
   */
  responseMs?: Record<string, number>;
  /** Kinesis records put per second per shard (`clicks shard 0`), and puts refused (`clicks refused`). */
  shardPutsPerS?: Record<string, number>;
}

/** The `q`-quantile of `values` (nearest rank, as the lessons' checks count it). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** `clicks shard 1` for a Kinesis shard id (`shardId-000000000001`). */
export function shardName(stream: string, shardId: string): string {
  const digits = /(\d+)$/.exec(shardId);
  return `${stream} shard ${digits ? Number(digits[1]) : shardId}`;
}

export interface Series {
  bucketMs: number;
  points: SeriesPoint[];
}

export interface OverlayUpdate {
  /** Virtual time of the last record applied. */
  t: number;
  /** Sequence number of the last record applied. */
  seq: number;
  /** Nodes whose counters or status changed. */
  nodes: NodeState[];
  /** Edge events to animate (at most `maxDots`). */
  edges: EdgeEvent[];
  /** Edge events in this update that were not kept (rate above the cap). */
  sampledAway: number;
  /** Series points completed since the last update (append them). */
  points: SeriesPoint[];
  /** Set when the series was re-bucketed: replace the whole series with this. */
  series?: Series;
}

export interface OverlayOptions {
  /** Most edge events per update; the rest are sampled away evenly. Default 200. */
  maxDots?: number;
  /** How long (virtual ms) a retry / throttle / dead-letter / error colours a node. Default 2000. */
  statusHoldMs?: number;
  /** Starting width of a series bucket (virtual ms). Default 1000. */
  bucketMs?: number;
  /** Most series points kept; beyond it pairs merge and the bucket doubles. Default 240. */
  maxPoints?: number;
  /** How many message locations are remembered to follow `cause` links. Default 100,000. */
  maxTracked?: number;
}

/** Which counters each kind shows, in order. */
export const COUNTERS: Record<NodeKind, readonly string[]> = {
  gateway: ['requests', 'inFlight', 'errors'],
  function: ['concurrency', 'envs', 'warm', 'callsInFlight', 'unawaited', 'coldStarts', 'invocations', 'errors', 'throttles', 'retries', 'deadLettered', 'gbSeconds', 'costMicroUsd'],
  queue: ['depth', 'inFlight', 'delayed', 'sent', 'deleted', 'deadLettered', 'expired'],
  'fifo-queue': ['depth', 'inFlight', 'delayed', 'sent', 'deleted', 'deduplicated', 'deadLettered', 'expired'],
  dlq: ['depth', 'inFlight', 'sent', 'deleted', 'expired'],
  topic: ['published', 'delivered', 'retrying', 'failed', 'filtered', 'deadLettered', 'dropped'],
  stream: ['produced', 'consumed', 'lag', 'expired'],
  bus: ['published', 'delivered', 'retrying', 'failed', 'filtered', 'deadLettered', 'dropped'],
  bucket: ['stored', 'reads', 'deleted', 'notifications'],
  table: ['writes', 'reads', 'overloaded', 'failed'],
  legacy: ['requests', 'inFlight', 'errors', 'overloaded'],
  traffic: ['requests'],
  exchange: ['published', 'routed', 'dropped'],
  'rabbit-queue': ['depth', 'inFlight', 'sent', 'delivered', 'deleted', 'requeued', 'deadLettered', 'expired', 'dropped'],
  'pubsub-topic': ['published', 'dropped'],
  'pubsub-subscription': ['depth', 'inFlight', 'sent', 'delivered', 'deleted', 'redelivered', 'filtered', 'deadLettered', 'expired'],
  'kinesis-stream': ['produced', 'consumed', 'throttles', 'retries', 'expired'],
};

/** Kinds that hold messages until they are deleted (acked): depth and in-flight are counted per message. */
const QUEUE_KINDS = new Set<string>(['queue', 'fifo-queue', 'dlq', 'rabbit-queue', 'pubsub-subscription']);
/** Kinds whose `delivered` is a push to a consumer (the message is now in flight), not a fan-out. */
const PUSHING_KINDS = new Set<string>(['rabbit-queue', 'pubsub-subscription']);
/** Records that mean "this message / request arrived here", caused by something upstream. */
const ARRIVALS = new Set<string>(['sent', 'published', 'produced', 'invoked', 'throttled', 'stored', 'written', 'request']);

/** AWS Lambda list prices (x86, us-east-1) used for the cost estimate. */
const PRICE_PER_REQUEST = 0.2 / 1_000_000;
const PRICE_PER_GB_S = 0.0000166667;

type MsgState = 1 | 2 | 3; // visible, in flight, delayed
const VISIBLE: MsgState = 1;
const IN_FLIGHT: MsgState = 2;
const DELAYED: MsgState = 3;

class NodeAcc {
  readonly c: Record<string, number> = {};
  // queues
  readonly messages = new Map<string, MsgState>();
  // functions
  readonly running = new Set<string>();
  readonly envs = new Set<string>();
  /** Service calls started and not yet completed or abandoned (`env#callId`), frozen ones included. */
  readonly calls = new Set<string>();
  peakInBucket = 0;
  /** Table write requests (accepted or refused) in the open bucket. */
  writesInBucket = 0;
  /** Gateways: response times (ms) of the responses in the open bucket. */
  latencies: number[] = [];
  /** Kinesis streams: records put per shard, and puts refused, in the open bucket. */
  readonly putsInBucket = new Map<string, number>();
  refusedInBucket = 0;
  // topics / buses: pending retries per (message, endpoint)
  readonly retrying = new Set<string>();
  // gateways / legacy
  readonly open = new Set<string>();
  // streams
  readonly ends: number[] = [];
  readonly groups = new Map<string, number[]>();
  // status
  lastRetry = -Infinity;
  lastThrottle = -Infinity;
  lastDeadLetter = -Infinity;
  lastError = -Infinity;
  lastActive = -Infinity;
  status: NodeStatus = 'idle';
  dirty = true;

  constructor(
    readonly id: string,
    readonly kind: NodeKind,
    readonly memoryMB: number,
    declaredPartitions: number,
  ) {
    for (const name of COUNTERS[kind] ?? []) this.c[name] = 0;
    for (let p = 0; p < declaredPartitions; p++) this.ends.push(0);
  }

  inc(name: string, by = 1): void {
    this.c[name] = (this.c[name] ?? 0) + by;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The ids a `cause` names: one id, a comma list (a queue batch) or `first..last` (a stream batch). */
export function causeIds(cause: string): string[] {
  if (cause.includes(',')) return cause.split(',');
  const range = cause.indexOf('..');
  return range > 0 ? [cause.slice(0, range)] : [cause];
}

export class OverlayModel {
  private readonly nodes = new Map<string, NodeAcc>();
  private readonly edgeIndex = new Map<string, number>();
  private readonly edgeKinds: (string | undefined)[];
  /** Where each message / request / invocation was last seen (insertion-ordered, bounded). */
  private readonly where = new Map<string, string>();
  /** Arrivals already animated by an explicit `delivered` / `routed` (so the arrival record is not drawn twice). */
  private readonly animated = new Set<string>();
  private readonly maxDots: number;
  private readonly holdMs: number;
  private readonly maxPoints: number;
  private readonly maxTracked: number;
  private bucketMs: number;
  private bucketStart: number | undefined;
  private bucketColdStarts = 0;
  private gbSeconds = 0;
  private bucketThrottles = 0;
  private readonly points: SeriesPoint[] = [];
  private pendingPoints: SeriesPoint[] = [];
  private rebucketed = false;
  private cost = 0;
  private t = 0;
  private seq = 0;
  /** Delayed messages and when each becomes visible (from its `delayed` record): no record says so. */
  private delays: Array<{ node: NodeAcc; id: string; at: number }> = [];
  private nextDelayEnd = Number.POSITIVE_INFINITY;

  constructor(
    topology: Topology,
    options: OverlayOptions = {},
  ) {
    const { maxDots = 200, statusHoldMs = 2000, bucketMs = 1000, maxPoints = 240, maxTracked = 100_000 } = options;
    const positive = (name: string, v: number, min: number): void => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new RangeError(`${name} must be a number ≥ ${min}, got ${String(v)}`);
    };
    positive('maxDots', maxDots, 0);
    positive('statusHoldMs', statusHoldMs, 0);
    positive('bucketMs', bucketMs, 1);
    positive('maxPoints', maxPoints, 2);
    positive('maxTracked', maxTracked, 1);
    this.maxDots = Math.floor(maxDots);
    this.holdMs = statusHoldMs;
    this.bucketMs = bucketMs;
    this.maxPoints = Math.floor(maxPoints);
    this.maxTracked = Math.floor(maxTracked);
    for (const n of topology.nodes) {
      if (this.nodes.has(n.id)) continue;
      const mem = detailNumber(n, 'memoryMB') ?? 128;
      const parts = n.kind === 'stream' ? Math.max(0, Math.floor(detailNumber(n, 'partitions') ?? 0)) : 0;
      this.nodes.set(n.id, new NodeAcc(n.id, n.kind, mem, parts));
    }
    topology.edges.forEach((e, i) => {
      const key = `${e.from}\u0000${e.to}`;
      if (!this.edgeIndex.has(key)) this.edgeIndex.set(key, i);
    });
    this.edgeKinds = topology.edges.map((e) => e.kind);
  }

  /** Apply a batch of records (in trace order) and return what changed. */
  apply(records: readonly TraceRecord[]): OverlayUpdate {
    const events: EdgeEvent[] = [];
    for (const r of records) this.one(r, events);
    return this.collect(events, false);
  }

  /**
   * The source's clock moved on to `t` with no record (the playground's Advance Time): what time
   * alone changes — delayed messages whose delay is over are visible. Returns what changed.
   */
  advanceTo(t: number): OverlayUpdate {
    if (t > this.t) this.t = t;
    if (t >= this.nextDelayEnd) this.endDelays(t);
    return this.collect([], false);
  }

  private endDelays(now: number): void {
    const left: typeof this.delays = [];
    let next = Number.POSITIVE_INFINITY;
    for (const x of this.delays) {
      if (x.at > now) {
        left.push(x);
        next = Math.min(next, x.at);
      } else if (x.node.messages.get(x.id) === DELAYED) {
        x.node.messages.set(x.id, VISIBLE);
        x.node.dirty = true;
      }
    }
    this.delays = left;
    this.nextDelayEnd = next;
  }

  /** The full state (every node, the whole series, no edge events): for a webview that (re)opens or after a seek. */
  snapshot(): OverlayUpdate {
    for (const n of this.nodes.values()) n.dirty = true;
    const u = this.collect([], true);
    u.series = this.series();
    u.points = [];
    return u;
  }

  /** The bounded series so far (closed buckets). */
  series(): Series {
    return { bucketMs: this.bucketMs, points: this.points.slice() };
  }

  /** The current state of one node. */
  node(id: string): NodeState | undefined {
    const n = this.nodes.get(id);
    return n && this.state(n);
  }

  private collect(events: EdgeEvent[], all: boolean): OverlayUpdate {
    const nodes: NodeState[] = [];
    for (const n of this.nodes.values()) {
      const status = this.statusOf(n);
      if (status !== n.status) {
        n.status = status;
        n.dirty = true;
      }
      if (n.dirty || all) nodes.push(this.state(n));
      n.dirty = false;
    }
    let kept = events;
    let sampledAway = 0;
    if (events.length > this.maxDots) {
      // Even stride: keeps the spread over time and across edges, deterministically.
      kept = [];
      const n = events.length;
      for (let i = 0; i < this.maxDots; i++) kept.push(events[Math.floor((i * n) / this.maxDots)]);
      sampledAway = n - kept.length;
    }
    const update: OverlayUpdate = { t: this.t, seq: this.seq, nodes, edges: kept, sampledAway, points: this.pendingPoints };
    if (this.rebucketed) update.series = this.series();
    this.pendingPoints = [];
    this.rebucketed = false;
    return update;
  }

  private state(n: NodeAcc): NodeState {
    const counters: Record<string, number> = {};
    for (const name of COUNTERS[n.kind] ?? Object.keys(n.c)) counters[name] = n.c[name] ?? 0;
    if (QUEUE_KINDS.has(n.kind)) {
      let inFlight = 0;
      let delayed = 0;
      for (const s of n.messages.values()) {
        if (s === IN_FLIGHT) inFlight++;
        else if (s === DELAYED) delayed++;
      }
      counters.depth = n.messages.size;
      counters.inFlight = inFlight;
      if ('delayed' in counters) counters.delayed = delayed;
    } else if (n.kind === 'function') {
      counters.concurrency = n.running.size;
      counters.envs = n.envs.size;
      counters.warm = Math.max(0, n.envs.size - n.running.size);
      counters.callsInFlight = n.calls.size;
    } else if (n.kind === 'topic' || n.kind === 'bus') {
      counters.retrying = n.retrying.size;
    } else if (n.kind === 'gateway' || n.kind === 'legacy') {
      counters.inFlight = n.open.size;
    }
    const out: NodeState = { id: n.id, kind: n.kind, status: n.status, counters };
    if (n.kind === 'stream') {
      out.partitions = this.partitionsOf(n);
      counters.lag = out.partitions.reduce((s, p) => s + p.lag, 0);
    }
    return out;
  }

  private partitionsOf(n: NodeAcc): PartitionState[] {
    const out: PartitionState[] = [];
    for (let p = 0; p < n.ends.length; p++) {
      const end = n.ends[p] ?? 0;
      let committed = end;
      let lag = 0;
      if (n.groups.size === 0) committed = 0;
      for (const offsets of n.groups.values()) {
        const c = offsets[p] ?? 0;
        if (c < committed) committed = c;
        lag = Math.max(lag, end - c);
      }
      out.push({ partition: p, end, committed, lag: Math.max(0, lag) });
    }
    return out;
  }

  private statusOf(n: NodeAcc): NodeStatus {
    const since = this.t - this.holdMs;
    if (n.lastThrottle >= since) return 'throttled';
    if (n.lastDeadLetter >= since || (n.kind === 'dlq' && n.messages.size > 0)) return 'dead-lettered';
    if (n.retrying.size > 0 || n.lastRetry >= since) return 'retrying';
    if (n.lastError >= since) return 'error';
    if (n.lastActive >= since || n.running.size > 0 || n.open.size > 0) return 'active';
    return 'idle';
  }

  private remember(id: string, resource: string): void {
    const where = this.where;
    if (where.has(id)) where.delete(id); // keep insertion order = recency
    where.set(id, resource);
    if (where.size > this.maxTracked) where.delete(where.keys().next().value as string);
  }

  private edgeEvent(events: EdgeEvent[], from: string, to: string, id: string, t: number, kind: EdgeEventKind, partition?: number): boolean {
    const index = this.edgeIndex.get(`${from}\u0000${to}`);
    if (index === undefined) return false;
    const ek = this.edgeKinds[index];
    if (kind === 'message' && (ek === 'dead-letter' || ek === 'on-failure' || this.nodes.get(to)?.kind === 'dlq')) kind = 'dead-letter';
    const e: EdgeEvent = { edge: index, from, to, id, kind, t };
    if (partition !== undefined) e.partition = partition;
    events.push(e);
    return true;
  }

  /** Resolve a subscription endpoint / rule target to a resource of the topology (name, or the last part of an ARN / URL). */
  private resolve(endpoint: string | undefined): string | undefined {
    if (endpoint === undefined) return undefined;
    if (this.nodes.has(endpoint)) return endpoint;
    const tail = endpoint.split(/[:/]/).pop();
    return tail !== undefined && this.nodes.has(tail) ? tail : undefined;
  }

  private advanceBucket(t: number): void {
    if (this.bucketStart === undefined) {
      this.bucketStart = Math.floor(t / this.bucketMs) * this.bucketMs;
      return;
    }
    let closed = 0;
    while (t >= this.bucketStart + this.bucketMs) {
      // After a long quiet gap, only the last maxPoints buckets matter.
      if (closed >= this.maxPoints) {
        this.bucketStart = Math.floor(t / this.bucketMs) * this.bucketMs;
        break;
      }
      this.closeBucket();
      this.bucketStart += this.bucketMs;
      closed++;
    }
  }

  private closeBucket(): void {
    const queueDepth: Record<string, number> = {};
    const concurrency: Record<string, number> = {};
    const writesPerS: Record<string, number> = {};
    const lag: Record<string, number> = {};
    const latencies: number[] = [];
    const shardPutsPerS: Record<string, number> = {};
    const perS = this.bucketMs / 1000;
    for (const n of this.nodes.values()) {
      if (n.kind === 'gateway' && n.latencies.length) {
        latencies.push(...n.latencies);
        n.latencies = [];
      } else if (n.kind === 'kinesis-stream') {
        for (const [shard, puts] of n.putsInBucket) shardPutsPerS[shardName(n.id, shard)] = puts / perS;
        // Every shard seen keeps its line (0 in a quiet bucket), and so does `refused`.
        for (const shard of n.putsInBucket.keys()) n.putsInBucket.set(shard, 0);
        shardPutsPerS[`${n.id} refused`] = n.refusedInBucket / perS;
        n.refusedInBucket = 0;
      }
      if (QUEUE_KINDS.has(n.kind)) queueDepth[n.id] = n.messages.size;
      else if (n.kind === 'function') {
        concurrency[n.id] = Math.max(n.peakInBucket, n.running.size);
        n.peakInBucket = n.running.size;
      } else if (n.kind === 'table') {
        writesPerS[n.id] = n.writesInBucket / (this.bucketMs / 1000);
        n.writesInBucket = 0;
      } else if (n.kind === 'stream') {
        lag[n.id] = this.partitionsOf(n).reduce((sum, p) => sum + p.lag, 0);
      }
    }
    const point: SeriesPoint = { t: this.bucketStart!, queueDepth, concurrency, coldStarts: this.bucketColdStarts, throttles: this.bucketThrottles, cost: this.cost, gbSeconds: this.gbSeconds, writesPerS, lag, shardPutsPerS };
    if (latencies.length) point.responseMs = { p95: quantile(latencies, 0.95), p99: quantile(latencies, 0.99) };
    this.bucketColdStarts = 0;
    this.bucketThrottles = 0;
    this.points.push(point);
    this.pendingPoints.push(point);
    if (this.points.length > this.maxPoints) this.halveResolution();
  }

  /** Merge neighbouring points pairwise and double the bucket width: memory stays bounded on long runs. */
  private halveResolution(): void {
    const merged: SeriesPoint[] = [];
    for (let i = 0; i < this.points.length; i += 2) {
      const a = this.points[i];
      const b = this.points[i + 1];
      if (!b) {
        merged.push(a);
        continue;
      }
      const concurrency: Record<string, number> = {};
      for (const k of Object.keys(a.concurrency)) concurrency[k] = Math.max(a.concurrency[k], b.concurrency[k] ?? 0);
      const writesPerS: Record<string, number> = {};
      for (const k of Object.keys({ ...a.writesPerS, ...b.writesPerS })) writesPerS[k] = ((a.writesPerS?.[k] ?? 0) + (b.writesPerS?.[k] ?? 0)) / 2;
      const shardPutsPerS: Record<string, number> = {};
      for (const k of Object.keys({ ...a.shardPutsPerS, ...b.shardPutsPerS })) shardPutsPerS[k] = ((a.shardPutsPerS?.[k] ?? 0) + (b.shardPutsPerS?.[k] ?? 0)) / 2;
      const point: SeriesPoint = { t: a.t, queueDepth: b.queueDepth, concurrency, coldStarts: a.coldStarts + b.coldStarts, throttles: a.throttles + b.throttles, cost: b.cost, gbSeconds: b.gbSeconds, writesPerS, lag: b.lag, shardPutsPerS };
      // Quantiles of two buckets cannot be merged exactly: the wider bucket shows the worse of the two.
      if (a.responseMs || b.responseMs) {
        point.responseMs = {};
        for (const k of Object.keys({ ...a.responseMs, ...b.responseMs })) point.responseMs[k] = Math.max(a.responseMs?.[k] ?? 0, b.responseMs?.[k] ?? 0);
      }
      merged.push(point);
    }
    this.points.length = 0;
    this.points.push(...merged);
    this.bucketMs *= 2;
    this.bucketStart = Math.floor(this.bucketStart! / this.bucketMs) * this.bucketMs;
    this.rebucketed = true;
    this.pendingPoints = [];
  }

  private one(r: TraceRecord, events: EdgeEvent[]): void {
    this.seq = r.seq;
    this.advanceBucket(r.t);
    this.t = r.t;
    if (r.t >= this.nextDelayEnd) this.endDelays(r.t);
    const n = this.nodes.get(r.resource);
    const id = r.id;
    const d = r.detail;

    // 1. Edge events: an arrival caused by a message last seen at another resource.
    if (r.cause !== undefined && ARRIVALS.has(r.kind)) {
      for (const c of causeIds(r.cause)) {
        const from = this.where.get(c);
        if (from === undefined || from === r.resource) continue;
        if (this.animated.delete(`${r.resource}\u0000${c}`)) continue; // already drawn by `delivered` / `dead-lettered`
        const partition = r.kind === 'produced' && typeof d?.partition === 'number' ? d.partition : undefined;
        this.edgeEvent(events, from, r.resource, id ?? c, r.t, r.kind === 'throttled' ? 'throttled' : 'message', partition);
      }
    }
    // Explicit hops whose target is named in the record.
    if (r.kind === 'delivered' && id !== undefined) {
      const to = this.resolve(str(d?.endpoint) ?? str(d?.target));
      if (to !== undefined && this.edgeEvent(events, r.resource, to, id, r.t, 'message')) this.mark(to, id);
    } else if (r.kind === 'dead-lettered' && id !== undefined) {
      const to = this.resolve(str(d?.deadLetterQueue) ?? str(d?.endpoint) ?? str(d?.target));
      if (to !== undefined && this.edgeEvent(events, r.resource, to, id, r.t, 'dead-letter')) this.mark(to, id);
    } else if (r.kind === 'routed' && id !== undefined) {
      const to = this.resolve(str(d?.target));
      if (to !== undefined && this.edgeEvent(events, r.resource, to, id, r.t, 'message')) this.mark(to, id);
    }
    if (id !== undefined && r.kind !== 'env-destroyed' && r.kind !== 'log') this.remember(id, r.resource);

    if (n === undefined) return;
    n.dirty = true;
    n.lastActive = r.t;
    this.count(n, r);
  }

  private mark(to: string, id: string): void {
    this.animated.add(`${to}\u0000${id}`);
    if (this.animated.size > 10_000) this.animated.delete(this.animated.values().next().value as string);
  }

  /** Per-kind bookkeeping: the semantics of each record for the node where it happened. */
  private count(n: NodeAcc, r: TraceRecord): void {
    const id = r.id ?? '';
    const d = r.detail;
    switch (r.kind) {
      // --- queues: a message exists from `sent` until deleted, dead-lettered, expired or purged.
      case 'sent':
        if (QUEUE_KINDS.has(n.kind)) {
          n.inc('sent');
          n.messages.set(id, VISIBLE);
        } else n.inc('published');
        break;
      case 'delayed':
        if (n.messages.has(id)) {
          n.messages.set(id, DELAYED);
          const at = d?.visibleAt;
          if (typeof at === 'number') {
            this.delays.push({ node: n, id, at });
            this.nextDelayEnd = Math.min(this.nextDelayEnd, at);
          }
        }
        break;
      case 'received':
        n.inc(PUSHING_KINDS.has(n.kind) ? 'delivered' : 'received');
        n.messages.set(id, IN_FLIGHT);
        break;
      case 'visibility-changed':
        // ChangeMessageVisibility to 0: visible again at once (any other timeout keeps it in flight).
        if (d?.visibilityTimeoutS === 0 && n.messages.has(id)) n.messages.set(id, VISIBLE);
        break;
      case 'visibility-expired':
        if (n.messages.has(id)) n.messages.set(id, VISIBLE);
        if (n.kind === 'pubsub-subscription') n.inc('redelivered');
        break;
      case 'requeued':
        // A RabbitMQ nack/reject with requeue, or a Pub/Sub ordering key's consistent redelivery.
        if (QUEUE_KINDS.has(n.kind)) n.messages.set(id, VISIBLE);
        n.inc(n.kind === 'pubsub-subscription' ? 'redelivered' : 'requeued');
        n.lastRetry = r.t;
        break;
      case 'duplicate':
        n.inc('duplicates');
        break;
      case 'deduplicated':
        n.inc('deduplicated');
        break;
      case 'deleted':
        if (QUEUE_KINDS.has(n.kind)) {
          if (n.messages.delete(id)) n.inc('deleted');
        } else n.inc('deleted');
        break;
      case 'purged':
        n.messages.delete(id);
        n.inc('purged');
        break;
      case 'expired':
        n.messages.delete(id);
        n.inc('expired');
        break;
      case 'dead-lettered':
        n.messages.delete(id);
        n.inc('deadLettered');
        n.lastDeadLetter = r.t;
        if (n.kind === 'topic' || n.kind === 'bus') n.retrying.delete(`${id}\u0000${str(d?.endpoint) ?? str(d?.target) ?? ''}`);
        break;
      // --- topics and buses
      case 'published':
        n.inc('published');
        break;
      case 'delivered':
        if (n.kind === 'bucket') n.inc('notifications');
        else if (PUSHING_KINDS.has(n.kind)) {
          n.inc('delivered');
          n.messages.set(id, IN_FLIGHT);
        } else if (n.kind === 'exchange') n.inc('routed');
        else {
          n.inc('delivered');
          n.retrying.delete(`${id}\u0000${str(d?.endpoint) ?? str(d?.target) ?? ''}`);
        }
        break;
      case 'filtered-out':
        n.inc('filtered');
        break;
      case 'delivery-failed':
        n.inc('failed');
        n.lastError = r.t;
        break;
      case 'retried':
        n.inc('retries');
        n.lastRetry = r.t;
        if (n.kind === 'topic' || n.kind === 'bus') n.retrying.add(`${id}\u0000${str(d?.endpoint) ?? str(d?.target) ?? ''}`);
        break;
      case 'dropped':
        if (QUEUE_KINDS.has(n.kind)) n.messages.delete(id);
        n.inc('dropped');
        n.lastError = r.t;
        if (n.kind === 'topic' || n.kind === 'bus') n.retrying.delete(`${id}\u0000${str(d?.endpoint) ?? str(d?.target) ?? ''}`);
        break;
      // --- streams: log-end offset per partition, committed offset per group and partition
      case 'produced': {
        n.inc('produced');
        if (n.kind === 'kinesis-stream' && typeof d?.shardId === 'string') n.putsInBucket.set(d.shardId, (n.putsInBucket.get(d.shardId) ?? 0) + 1);
        const p = d?.partition;
        const off = d?.offset;
        if (typeof p === 'number' && typeof off === 'number') {
          while (n.ends.length <= p) n.ends.push(0);
          if (off + 1 > n.ends[p]) n.ends[p] = off + 1;
        }
        break;
      }
      case 'consumed':
        n.inc('consumed');
        this.group(n, d?.group);
        break;
      case 'committed': {
        const offsets = this.group(n, d?.group);
        const p = d?.partition;
        const off = d?.offset;
        if (offsets && typeof p === 'number' && typeof off === 'number') offsets[p] = off;
        break;
      }
      case 'rebalanced':
        this.group(n, d?.group);
        break;
      // --- functions
      case 'invoked':
        n.inc('invocations');
        n.running.add(id);
        if (n.running.size > n.peakInBucket) n.peakInBucket = n.running.size;
        if (typeof d?.env === 'string') n.envs.add(d.env);
        this.cost += PRICE_PER_REQUEST;
        n.inc('costMicroUsd', PRICE_PER_REQUEST * 1e6);
        break;
      case 'cold-start':
        n.inc('coldStarts');
        this.bucketColdStarts++;
        break;
      case 'succeeded':
      case 'failed':
      case 'timed-out': {
        if (n.kind === 'function') {
          n.running.delete(id);
          const ms = typeof d?.billedMs === 'number' ? d.billedMs : typeof d?.durationMs === 'number' ? Math.ceil(d.durationMs) : r.kind === 'timed-out' && typeof d?.timeoutMs === 'number' ? d.timeoutMs : 0;
          const gbs = (ms / 1000) * (n.memoryMB / 1024);
          const c = gbs * PRICE_PER_GB_S;
          this.cost += c;
          this.gbSeconds += gbs;
          n.inc('gbSeconds', gbs);
          n.inc('costMicroUsd', c * 1e6);
        } else if (n.kind === 'gateway' || n.kind === 'legacy') {
          n.open.delete(id);
        }
        if (r.kind !== 'succeeded') {
          n.inc(n.kind === 'table' ? 'failed' : 'errors');
          n.lastError = r.t;
        }
        break;
      }
      case 'throttled':
        n.inc('throttles');
        if (n.kind === 'kinesis-stream') {
          n.refusedInBucket++;
          if (typeof d?.shardId === 'string' && !n.putsInBucket.has(d.shardId)) n.putsInBucket.set(d.shardId, 0);
        }
        n.lastThrottle = r.t;
        this.bucketThrottles++;
        break;
      case 'env-destroyed':
        n.envs.delete(id);
        break;
      // A handler's service calls: in flight from `call` until done or abandoned.
      case 'call':
        n.calls.add(`${String(d?.env)}#${String(d?.callId)}`);
        break;
      case 'call-done':
      case 'call-abandoned':
        n.calls.delete(`${String(d?.env)}#${String(d?.callId)}`);
        break;
      case 'call-pending':
        n.inc('unawaited');
        break;
      // --- services
      case 'stored':
        n.inc('stored');
        break;
      case 'read':
        n.inc('reads');
        break;
      case 'written':
        n.inc('writes');
        n.writesInBucket++;
        break;
      case 'overloaded':
        n.inc('overloaded');
        n.writesInBucket++;
        n.lastThrottle = r.t;
        this.bucketThrottles++;
        break;
      case 'request':
        n.inc('requests');
        if (n.kind === 'gateway' || n.kind === 'legacy') n.open.add(id);
        break;
      case 'responded':
        n.open.delete(id);
        if (n.kind === 'gateway' && typeof d?.latencyMs === 'number') n.latencies.push(d.latencyMs);
        if (typeof d?.statusCode === 'number' && d.statusCode >= 500) {
          n.inc('errors');
          n.lastError = r.t;
        }
        break;
      case 'fault':
        n.lastError = r.t;
        break;
      default:
        break;
    }
  }

  private group(n: NodeAcc, group: unknown): number[] | undefined {
    if (typeof group !== 'string') return undefined;
    let offsets = n.groups.get(group);
    if (!offsets) n.groups.set(group, (offsets = []));
    return offsets;
  }
}
