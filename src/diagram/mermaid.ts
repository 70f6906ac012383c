/**
 * Topology → Mermaid flowchart source.
 *
 * Each resource kind gets its own shape so a learner can tell a queue from a topic at a glance
 * (gateway hexagon, function stadium, queue subroutine box, topic circle, bus flag, bucket and table
 * cylinders, RabbitMQ exchange rhombus, Pub/Sub topic double circle and subscription rounded box,
 * Kinesis stream parallelogram, …). A stream is a subgraph with one box per partition, so consumer lag can be shown per
 * partition. Colours are not in the source: every node gets a `k_<kind>` class that media/diagram.css
 * styles with VS Code theme variables, so light, dark and high-contrast themes stay readable.
 *
 * Names come from learners' scenarios, so nothing from a name reaches the source unescaped:
 * ids are an injective encoding of the name into [A-Za-z0-9_] (prefixed, so `end` or `graph` can
 * never be read as a keyword), and labels are quoted with Mermaid's `#code;` entities for every
 * character that could end a quote or start markup.
 */
import { detailNumber, type NodeKind, type Topology, type TopologyNode } from './types';

export interface MermaidOptions {
  direction?: 'LR' | 'TB';
}

export interface MermaidDiagram {
  /** The flowchart source. */
  source: string;
  /** Resource id → Mermaid node id (for a stream, the subgraph id). */
  ids: Record<string, string>;
  /** Mermaid edge id per topology edge, in `topology.edges` order (`e0`, `e1`, …). */
  edgeIds: string[];
  /** Stream resource id → Mermaid node id of each drawn partition box (index = partition). */
  partitions: Record<string, string[]>;
}

/** At most this many partition boxes are drawn per stream; the rest are summarised in one box. */
export const MAX_DRAWN_PARTITIONS = 16;
/** Labels longer than this are cut (with an ellipsis) so one name cannot blow up the layout. */
export const MAX_LABEL_LENGTH = 80;

/**
 * A Mermaid-safe id for a resource name: `n` + the name with every character outside [A-Za-z0-9]
 * written as `_<hex code point>_`. Injective (different names never share an id) and never a keyword.
 */
export function mermaidId(name: string): string {
  let out = 'n';
  for (const ch of name) {
    out += /^[A-Za-z0-9]$/.test(ch) ? ch : `_${ch.codePointAt(0)!.toString(16)}_`;
  }
  return out;
}

/**
 * Text for inside a double-quoted Mermaid label. Characters that could close the quote, start an
 * entity, a markdown string or HTML markup become `#<decimal>;` entity codes, which Mermaid decodes
 * to text. Line breaks and control characters become spaces.
 */
export function escapeLabel(text: string): string {
  let s = '';
  for (const ch of String(text)) {
    const c = ch.codePointAt(0)!;
    s += c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029 ? ' ' : ch; // line breaks and control characters
  }
  s = s.replace(/ {2,}/g, ' ').trim();
  const chars = [...s];
  if (chars.length > MAX_LABEL_LENGTH) s = chars.slice(0, MAX_LABEL_LENGTH - 1).join('') + '…';
  return s.replace(/[#"<>&`\\;]/g, (ch) => `#${ch.charCodeAt(0)};`);
}

/** Opening and closing brackets of the shape for each kind (the label goes in between, quoted). */
export const SHAPES: Record<Exclude<NodeKind, 'stream'>, [string, string]> = {
  gateway: ['{{', '}}'], // hexagon: the front door
  function: ['([', '])'], // stadium: compute
  queue: ['[[', ']]'], // subroutine box: a buffer that holds messages
  'fifo-queue': ['[[', ']]'], // subroutine box + FIFO marker in the label
  dlq: ['[[', ']]'], // subroutine box + warning class + marker
  topic: ['((', '))'], // circle: fan-out point
  bus: ['>', ']'], // asymmetric flag: routes by rules
  bucket: ['[/', '\\]'], // trapezoid: object store
  table: ['[(', ')]'], // cylinder: database
  legacy: ['[', ']'], // plain box, dashed by the legacy class
  traffic: ['[\\', '/]'], // inverted trapezoid: where requests come from
  exchange: ['{', '}'], // rhombus: a RabbitMQ exchange decides where each message goes
  'rabbit-queue': ['[[', ']]'], // subroutine box (a queue) + RabbitMQ marker
  'pubsub-topic': ['(((', ')))'], // double circle: a Pub/Sub topic (fan-out, like SNS's circle)
  'pubsub-subscription': ['(', ')'], // rounded box: a subscription holds the topic's messages for its subscriber
  'kinesis-stream': ['[/', '/]'], // parallelogram: a sharded log
};

/** Small text marker put before the label for kinds that share a shape with another kind. */
const MARKERS: Partial<Record<NodeKind, string>> = {
  'fifo-queue': 'FIFO · ',
  dlq: '⚠ DLQ · ',
  legacy: 'legacy · ',
  'rabbit-queue': 'RabbitMQ · ',
  'pubsub-subscription': 'subscription · ',
  'kinesis-stream': 'Kinesis · ',
};

const EDGE_ARROWS: Record<string, string> = {
  'dead-letter': '-.->',
  'on-failure': '-.->',
  async: '-.->',
  alternate: '-.->',
};

function nodeLine(node: TopologyNode, id: string): string {
  const kind = (node.kind in SHAPES ? node.kind : 'legacy') as Exclude<NodeKind, 'stream'>;
  const [open, close] = SHAPES[kind];
  const label = escapeLabel((node.marker ?? MARKERS[node.kind] ?? '') + (node.label || node.id));
  return `  ${id}${open}"${label}"${close}`;
}

function partitionCount(node: TopologyNode): number {
  const p = detailNumber(node, 'partitions');
  return p !== undefined && p >= 1 ? Math.floor(p) : 1;
}

/** The flowchart for a topology, plus the id maps the overlay needs to find nodes and edges in the SVG. */
export function toMermaid(topology: Topology, options: MermaidOptions = {}): MermaidDiagram {
  const direction = options.direction ?? 'LR';
  if (direction !== 'LR' && direction !== 'TB') throw new RangeError(`direction must be 'LR' or 'TB', got ${JSON.stringify(direction)}`);
  const lines: string[] = [`flowchart ${direction}`];
  const ids: Record<string, string> = {};
  const partitions: Record<string, string[]> = {};
  const kindsUsed = new Set<string>();
  const classLines: string[] = [];

  for (const node of topology.nodes) {
    if (Object.prototype.hasOwnProperty.call(ids, node.id)) continue; // duplicate resource: drawn once
    const id = mermaidId(node.id);
    ids[node.id] = id;
    const kindClass = `k_${String(node.kind).replace(/[^a-z]/g, '')}`;
    kindsUsed.add(kindClass);
    if (node.kind === 'stream') {
      const count = partitionCount(node);
      const drawn = Math.min(count, MAX_DRAWN_PARTITIONS);
      lines.push(`  subgraph ${id}["${escapeLabel(node.label || node.id)}"]`);
      // Partitions stack across the main flow: down in a left-to-right drawing, along in a top-down one.
      lines.push(`    direction ${direction === 'LR' ? 'TB' : 'LR'}`);
      const boxes: string[] = [];
      for (let p = 0; p < drawn; p++) {
        const pid = `${id}__p${p}`;
        const last = p === drawn - 1 && count > drawn;
        const label = last ? `partitions ${p}–${count - 1}` : `partition ${p}`;
        lines.push(`    ${pid}[/"${label}"/]`);
        boxes.push(pid);
      }
      lines.push('  end');
      partitions[node.id] = boxes;
      classLines.push(`  class ${boxes.join(',')} k_partition`);
      classLines.push(`  class ${id} ${kindClass}`);
      kindsUsed.add('k_partition');
    } else {
      lines.push(nodeLine(node, id));
      classLines.push(`  class ${id} ${kindClass}`);
    }
  }

  const edgeIds: string[] = [];
  topology.edges.forEach((edge, i) => {
    const eid = `e${i}`;
    edgeIds.push(eid);
    const from = ids[edge.from];
    const to = ids[edge.to];
    if (from === undefined || to === undefined) return; // an edge to an unknown resource is not drawn
    const arrow = EDGE_ARROWS[edge.kind ?? ''] ?? '-->';
    const label = edge.label ? `|"${escapeLabel(edge.label)}"|` : '';
    lines.push(`  ${from} ${eid}@${arrow}${label} ${to}`);
  });

  // Structure only: no colours here (media/diagram.css colours the classes from theme variables).
  for (const cls of [...kindsUsed].sort()) lines.push(`  classDef ${cls} ${CLASS_STYLE[cls] ?? 'stroke-width:1px'}`);
  lines.push(...classLines);
  return { source: lines.join('\n') + '\n', ids, edgeIds, partitions };
}

const CLASS_STYLE: Record<string, string> = {
  k_dlq: 'stroke-width:2px',
  k_legacy: 'stroke-width:1px,stroke-dasharray:4 3',
  k_fifoqueue: 'stroke-width:2px',
  k_traffic: 'stroke-width:1px,stroke-dasharray:2 2',
  k_partition: 'stroke-width:1px',
  k_rabbitqueue: 'stroke-width:2px',
};
