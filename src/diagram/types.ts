/**
 * The topology shape the diagram draws: what resources exist and how events can flow between them.
 * `src/engine/topology.ts` (`buildTopology`) produces a structurally compatible value (its `detail` is a
 * human-readable string such as "3 partitions" or "512 MB, timeout 3 s"), so either can be passed in.
 */

/** Every kind of resource the diagram knows how to draw, each with its own shape. */
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
  // the seed's other systems: RabbitMQ, Google Pub/Sub, Kinesis
  | 'exchange'
  | 'rabbit-queue'
  | 'pubsub-topic'
  | 'pubsub-subscription'
  | 'kinesis-stream';

export const NODE_KINDS: readonly NodeKind[] = [
  'gateway',
  'function',
  'queue',
  'fifo-queue',
  'dlq',
  'topic',
  'stream',
  'bus',
  'bucket',
  'table',
  'legacy',
  'traffic',
  'exchange',
  'rabbit-queue',
  'pubsub-topic',
  'pubsub-subscription',
  'kinesis-stream',
];

export interface TopologyNode {
  /** The resource name, as it appears in trace records (`record.resource`). */
  id: string;
  kind: NodeKind;
  label: string;
  /**
   * Kind-specific facts: `{ partitions }` (stream), `{ memoryMB }` (function), … — or the engine's
   * one-line description ("3 partitions", "512 MB, timeout 3 s"), from which the same facts are read.
   */
  detail?: Record<string, unknown> | string;
  /** Drawn before the label: a function serving many requests per instance names its platform ("Cloud Run · "). */
  marker?: string;
}

export interface TopologyEdge {
  from: string;
  to: string;
  /** What the edge means: 'subscription', 'event-source', 'dead-letter', 'route', 'rule', 'sends', … */
  kind?: string;
  label?: string;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

/** The key the diagram uses for an edge between two resources. */
export function edgeKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

const DETAIL_PATTERNS: Record<string, RegExp> = {
  partitions: /(\d+)\s*partitions?\b/i,
  memoryMB: /(\d+)\s*MB\b/i,
};

/** A numeric fact about a node, from a structured `detail` or read from the engine's description string. */
export function detailNumber(node: TopologyNode, key: 'partitions' | 'memoryMB'): number | undefined {
  const d = node.detail;
  if (d === undefined) return undefined;
  if (typeof d === 'string') {
    const m = DETAIL_PATTERNS[key].exec(d);
    return m ? Number(m[1]) : undefined;
  }
  const v = d[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
