/**
 * The shape of a scenario as a graph, for diagrams: one node per resource (and per traffic generator
 * and legacy backend), one edge per declared connection (subscriptions, rules, event sources,
 * notifications, routes, dead-letter and on-failure paths), plus `calls` edges for the resources a
 * function's code was seen using at run time (a handler's sends and writes are not declared anywhere).
 */
import { PLATFORMS, resolveInstanceSettings, type InstanceSettings } from './instanceConcurrency';
import type { Scenario } from './scenario';
import { isSystemEvent, systemDeadLetterQueues, systemsTopology, systemTarget } from './systemsSpec';

/** Seconds as a label writes them: `30`, `24.5`. */
const sec = (s: number): string => String(Math.round(s * 10) / 10);

/**
 * A traffic generator's rates as the scenario sends them, for its edge: the base rate with the
 * window it runs in when that is not the whole run, then every spike — `2/s at 30–90 s, 100/s at
 * 60–70 s`, `20/s, none at 20–24.5 s, 40/s at 24.5–25.5 s`; `about 2/s` for Poisson arrivals.
 * `runS`: the run's declared length (a window ending there is written `from 30 s`).
 */
export function trafficRates(t: Scenario['traffic'][number], runS?: number): string {
  const start = t.startS ?? 0;
  const end = t.durationS === undefined ? undefined : start + t.durationS;
  const endsEarly = end !== undefined && (runS === undefined || end < runS);
  const window = start > 0 && endsEarly ? ` at ${sec(start)}–${sec(end)} s` : start > 0 ? ` from ${sec(start)} s` : endsEarly ? ` until ${sec(end)} s` : '';
  const rate = (r: number) => (r === 0 ? 'none' : `${t.arrival === 'poisson' ? 'about ' : ''}${r}/s`);
  const spikes = (t.spikes ?? []).map((s) => `${rate(s.ratePerSecond)} at ${sec(s.atS)}–${sec(s.atS + s.durationS)} s`);
  return [`${rate(t.ratePerSecond)}${window}`, ...spikes].join(', ');
}

export type NodeKind =
  | 'gateway'
  | 'function'
  | 'queue'
  | 'fifo-queue'
  | 'dlq'
  | 'topic'
  | 'stream'
  | 'bus'
  | 'bucket'
  | 'table'
  | 'legacy'
  | 'traffic'
  // the seed's other systems (systemsSpec.ts)
  | 'exchange'
  | 'rabbit-queue'
  | 'pubsub-topic'
  | 'pubsub-subscription'
  | 'kinesis-stream';

export interface TopologyNode {
  id: string;
  kind: NodeKind;
  label: string;
  detail: string;
  /** Drawn before the label, for a node that differs from others of its kind (a function serving many requests per instance: its platform). */
  marker?: string;
}

export interface TopologyEdge {
  from: string;
  to: string;
  /** traffic | subscription | dead-letter | rule | event-source | on-failure | notification | route | calls | binding | alternate | push */
  kind: string;
  label: string;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

/** A traffic path template as a diagram label: each `{{…}}` placeholder shows as `…` (`/users/{{seq}}` → `/users/…`). */
export function readablePath(path: string): string {
  return path.replace(/\{\{[^}]*\}\}/g, '…');
}

/** Node id of a legacy backend behind a gateway route. */
export function legacyId(gateway: string, method: string | undefined, path: string): string {
  return `${gateway}:legacy:${(method ?? 'ANY').toUpperCase()} ${path}`;
}

/** Nodes and edges of a scenario; `calls` maps function → resource → operation, as observed. */
export function buildTopology(scenario: Scenario, calls: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map()): Topology {
  const sc = scenario;
  const nodes: TopologyNode[] = [];
  const edges: TopologyEdge[] = [];
  const dlqs = new Set<string>();
  for (const q of sc.queues) if (q.deadLetter) dlqs.add(q.deadLetter.queue);
  for (const t of sc.topics) for (const s of t.subscriptions ?? []) if (s.deadLetterQueue) dlqs.add(s.deadLetterQueue);
  for (const b of sc.buses) for (const r of b.rules ?? []) for (const t of r.targets ?? []) if (t.deadLetterQueue) dlqs.add(t.deadLetterQueue);
  for (const f of sc.functions) {
    if (f.async?.onFailure) dlqs.add(f.async.onFailure.queue);
    for (const e of f.events ?? []) if ('stream' in e && e.onFailure) dlqs.add(e.onFailure.queue);
  }
  for (const q of systemDeadLetterQueues(sc)) dlqs.add(q);
  for (const t of sc.traffic) {
    const target = t.target;
    const to = (target.queue ?? target.topic ?? target.stream ?? target.bus ?? target.function ?? target.gateway ?? target.bucket ?? systemTarget(target))!;
    nodes.push({ id: t.name, kind: 'traffic', label: t.name, detail: `${t.ratePerSecond}/s${t.spikes?.length ? ` (${t.spikes.length} spike${t.spikes.length > 1 ? 's' : ''})` : ''}` });
    // The rates the scenario sends, spikes included (a load-leveling lesson is about its spike).
    edges.push({ from: t.name, to, kind: 'traffic', label: target.gateway ? `${target.method ?? 'POST'} ${readablePath(target.path!)} · ${trafficRates(t, sc.durationS)}` : trafficRates(t, sc.durationS) });
  }
  for (const g of sc.gateways) {
    nodes.push({ id: g.name, kind: 'gateway', label: g.name, detail: `${(g.routes ?? []).length} route${(g.routes ?? []).length === 1 ? '' : 's'}` });
    for (const r of g.routes ?? []) {
      const label = `${r.method ?? 'ANY'} ${r.path}`;
      if (r.function) edges.push({ from: g.name, to: r.function, kind: 'route', label });
      else {
        const id = legacyId(g.name, r.method, r.path);
        nodes.push({ id, kind: 'legacy', label, detail: `${r.legacy!.latencyMs} ms` }); // drawn as "legacy · GET /users"
        edges.push({ from: g.name, to: id, kind: 'route', label });
      }
    }
  }
  for (const f of sc.functions) {
    const parts = [`${f.memoryMb ?? 128} MB`, `timeout ${f.timeoutS ?? 3} s`];
    if (f.reservedConcurrency !== undefined) parts.push(`reserved ${f.reservedConcurrency}`);
    if (f.provisionedConcurrency) parts.push(`provisioned ${f.provisionedConcurrency}`);
    const many = f.instances === undefined ? undefined : instancesDetail(f.instances, f.memoryMb, f.timeoutS);
    if (many) parts.splice(0, 2, ...many.parts);
    nodes.push({ id: f.name, kind: 'function', label: f.name, detail: parts.join(', '), ...(many ? { marker: many.marker } : {}) });
    for (const e of f.events ?? []) {
      if (isSystemEvent(e)) continue; // drawn with their systems, below
      if ('queue' in e && e.queue !== undefined) {
        edges.push({ from: e.queue, to: f.name, kind: 'event-source', label: `batch ${e.batchSize ?? 10}${e.maxConcurrency ? `, max ${e.maxConcurrency} concurrent` : ''}` });
      } else {
        const se = e as Extract<typeof e, { stream: string }>;
        edges.push({ from: se.stream, to: f.name, kind: 'event-source', label: `batch ${se.batchSize ?? 100}` });
        if (se.onFailure) edges.push({ from: f.name, to: se.onFailure.queue, kind: 'on-failure', label: 'on failure' });
      }
    }
    if (f.async?.onFailure) edges.push({ from: f.name, to: f.async.onFailure.queue, kind: 'on-failure', label: 'on failure' });
    if (f.async?.onSuccess) edges.push({ from: f.name, to: f.async.onSuccess.queue, kind: 'async', label: 'on success' });
  }
  for (const q of sc.queues) {
    const kind: NodeKind = dlqs.has(q.name) ? 'dlq' : q.fifo ? 'fifo-queue' : 'queue';
    nodes.push({ id: q.name, kind, label: q.name, detail: `${q.fifo ? 'FIFO, ' : ''}visibility ${q.visibilityTimeoutS ?? 30} s` });
    if (q.deadLetter) edges.push({ from: q.name, to: q.deadLetter.queue, kind: 'dead-letter', label: `after ${q.deadLetter.maxReceiveCount} receives` });
  }
  for (const t of sc.topics) {
    nodes.push({ id: t.name, kind: 'topic', label: t.name, detail: `${(t.subscriptions ?? []).length} subscriptions` });
    for (const s of t.subscriptions ?? []) {
      const to = (s.queue ?? s.function)!;
      edges.push({ from: t.name, to, kind: 'subscription', label: s.filterPolicy ? 'filtered' : s.rawDelivery ? 'raw' : '' });
      if (s.deadLetterQueue) edges.push({ from: t.name, to: s.deadLetterQueue, kind: 'dead-letter', label: `undeliverable to ${to}` });
    }
  }
  for (const s of sc.streams) nodes.push({ id: s.name, kind: 'stream', label: s.name, detail: `${s.partitions ?? 1} partition${(s.partitions ?? 1) === 1 ? '' : 's'}${s.cleanupPolicy === 'compact' ? ', compacted' : ''}` });
  for (const b of sc.buses) {
    nodes.push({ id: b.name, kind: 'bus', label: b.name, detail: `${(b.rules ?? []).length} rules` });
    for (const r of b.rules ?? []) {
      for (const t of r.targets ?? []) {
        const to = (t.function ?? t.queue)!;
        edges.push({ from: b.name, to, kind: 'rule', label: r.name });
        if (t.deadLetterQueue) edges.push({ from: b.name, to: t.deadLetterQueue, kind: 'dead-letter', label: `undeliverable to ${to}` });
      }
    }
  }
  for (const b of sc.buckets) {
    nodes.push({ id: b.name, kind: 'bucket', label: b.name, detail: `${(b.notifications ?? []).length} notifications` });
    for (const n of b.notifications ?? []) {
      const filter = [n.prefix ? `prefix ${n.prefix}` : '', n.suffix ? `suffix ${n.suffix}` : ''].filter(Boolean).join(', ');
      edges.push({ from: b.name, to: (n.function ?? n.queue ?? n.topic)!, kind: 'notification', label: filter || 'ObjectCreated' });
    }
  }
  for (const t of sc.tables) nodes.push({ id: t.name, kind: 'table', label: t.name, detail: t.writeCapacityPerSecond ? `${t.writeCapacityPerSecond} writes/s` : 'on demand' });
  const systems = systemsTopology(sc);
  nodes.push(...systems.nodes);
  edges.push(...systems.edges);
  for (const [fn, resources] of calls) for (const [resource, op] of resources) edges.push({ from: fn, to: resource, kind: 'calls', label: op });
  return { nodes, edges };
}

const PLATFORM_MARKERS: Record<string, string> = { 'cloud-run': 'Cloud Run · ', 'cloud-functions': 'Cloud Run fn · ', 'azure-flex': 'Azure Flex · ' };

/** How a function serving many requests per instance reads on the diagram: its platform, requests per instance, timeout. */
function instancesDetail(settings: InstanceSettings, memoryMb: number | undefined, timeoutS: number | undefined): { marker: string; parts: string[] } | undefined {
  try {
    const s = resolveInstanceSettings(settings, memoryMb);
    const parts = [`${s.memoryMb} MB`, `${s.concurrency} per instance`, `timeout ${timeoutS ?? PLATFORMS[s.platform].timeoutS.default} s`];
    if (s.minInstances) parts.push(`min ${s.minInstances} instances`);
    return { marker: PLATFORM_MARKERS[s.platform], parts };
  } catch {
    return undefined; // a bad setting is reported by the scenario's validation
  }
}
