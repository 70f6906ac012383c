/**
 * One message's journey → a Mermaid sequence diagram.
 *
 * Starting from one message id, the journey takes every record about that id and, following `cause`
 * links forward, every record about the messages and invocations it caused (a function invoked by
 * the message, the message that function sent, the invocation that message triggered, …). A record
 * that arrives at a resource because of a message last seen elsewhere is drawn as an arrow between
 * the two resources; everything else (received, deleted, retried, a cold start, …) is a note over the
 * resource where it happened.
 */
import type { TraceRecord } from '../engine/trace';
import { causeIds } from './overlay';
import { seconds } from './words';
import { escapeLabel } from './mermaid';

export interface SequenceOptions {
  /** Most hops drawn; the rest are summarised in a final note. Default 150. */
  maxSteps?: number;
}

const ARRIVALS = new Set<string>(['sent', 'published', 'produced', 'invoked', 'throttled', 'stored', 'written', 'request']);

/** The records of one message's journey, in trace order: its own records and those of everything it caused. */
export function journeyRecords(records: readonly TraceRecord[], messageId: string): TraceRecord[] {
  const family = new Set<string>([messageId]);
  const out: TraceRecord[] = [];
  for (const r of records) {
    const mine = r.id !== undefined && family.has(r.id);
    const caused = r.cause !== undefined && causeIds(r.cause).some((c) => family.has(c));
    if (!mine && !caused) continue;
    if (caused && r.id !== undefined && r.kind !== 'env-destroyed') family.add(r.id);
    out.push(r);
  }
  return out;
}

function describe(r: TraceRecord): string {
  const d = r.detail ?? {};
  const bits: string[] = [];
  for (const key of ['partition', 'offset', 'receiveCount', 'attempt', 'durationMs', 'statusCode', 'error', 'reason', 'endpoint', 'deadLetterQueue']) {
    const v = d[key];
    if (v !== undefined && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) bits.push(`${key} ${v}`);
  }
  if (d.coldStart === true) bits.push('cold start');
  return bits.length ? `${r.kind} (${bits.join(', ')})` : r.kind;
}

/** A Mermaid `sequenceDiagram` of one message's hops (ids and names escaped). */
export function journeyToSequence(records: readonly TraceRecord[], messageId: string, options: SequenceOptions = {}): string {
  const maxSteps = options.maxSteps ?? 150;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`maxSteps must be an integer ≥ 1, got ${String(maxSteps)}`);
  const journey = journeyRecords(records, messageId);
  const participants = new Map<string, string>();
  const head: string[] = ['sequenceDiagram', '  autonumber'];
  const body: string[] = [];
  const alias = (resource: string): string => {
    let a = participants.get(resource);
    if (a === undefined) {
      a = `P${participants.size}`;
      participants.set(resource, a);
      head.push(`  participant ${a} as ${escapeLabel(resource)}`);
    }
    return a;
  };
  const where = new Map<string, string>();
  const drawn = new Set<string>(); // hops already drawn by an explicit delivered / routed / dead-lettered
  if (journey.length === 0) {
    head.push(`  participant P0 as ${escapeLabel(messageId)}`);
    head.push(`  Note over P0: no records for this id`);
    return head.join('\n') + '\n';
  }
  let steps = 0;
  for (const r of journey) {
    if (steps >= maxSteps) break;
    steps++;
    const to = alias(r.resource);
    const text = escapeLabel(`at ${seconds(r.t)}: ${describe(r)} ${r.id ?? ''}`.trim());
    let from: string | undefined;
    if (r.cause !== undefined && ARRIVALS.has(r.kind)) {
      for (const c of causeIds(r.cause)) {
        const w = where.get(c);
        if (w !== undefined && w !== r.resource) {
          if (!drawn.has(`${r.resource}\u0000${c}`)) from = w;
          break;
        }
      }
    }
    const target = r.kind === 'delivered' || r.kind === 'dead-lettered' || r.kind === 'routed' ? r.detail?.endpoint ?? r.detail?.deadLetterQueue ?? r.detail?.target : undefined;
    if (from !== undefined) {
      body.push(`  ${alias(from)}${r.kind === 'throttled' ? '-x' : '->>'}${to}: ${text}`);
    } else if (typeof target === 'string' && target !== r.resource) {
      body.push(`  ${to}${r.kind === 'dead-lettered' ? '--)' : '->>'}${alias(target)}: ${text}`);
      if (r.id !== undefined) drawn.add(`${target}\u0000${r.id}`);
    } else {
      body.push(`  Note over ${to}: ${text}`);
    }
    if (r.id !== undefined && r.kind !== 'env-destroyed' && r.kind !== 'log') where.set(r.id, r.resource);
  }
  if (journey.length > steps) body.push(`  Note over ${alias(journey[steps].resource)}: ${escapeLabel(`… ${journey.length - steps} more records`)}`);
  return [...head, ...body].join('\n') + '\n';
}
