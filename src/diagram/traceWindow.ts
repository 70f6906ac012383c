/**
 * The host's short memory of a run, for click-through: the last N trace records in a ring buffer.
 *
 * The overlay keeps only counters; when the learner clicks a node ("what just happened here?") or a
 * message ("where did this one go?") the answer comes from this window: a node's recent records, or
 * one message's journey drawn as a sequence diagram (see sequence.ts). Memory stays bounded however
 * long the run is: the oldest records fall out of the window.
 */
import { counterName, counterValue, seconds } from './words';
import type { TraceRecord } from '../engine/trace';
import { journeyRecords, journeyToSequence } from './sequence';

/** One row of a node's recent-events list: plain JSON for the webview. */
export interface RecentEvent {
  seq: number;
  /** Virtual time (ms). */
  t: number;
  kind: string;
  /** The message / invocation / request id, when the record has one (clickable: shows its journey). */
  id?: string;
  /** The resource the record happened at, when it is not the selected node (a hop towards it). */
  at?: string;
  /** Short `key value` summary of the record's detail. */
  detail: string;
}

/** Detail keys that name another resource: a record with one of them "touches" that resource too. */
const TARGET_KEYS = ['endpoint', 'target', 'deadLetterQueue'] as const;

function tail(name: string): string {
  return name.split(/[:/]/).pop() ?? name;
}

/** `key value, …` of a record's scalar details (objects are left out: they are payloads). */
export function detailText(detail: Record<string, unknown> | undefined, maxChars = 160, kind?: string): string {
  if (!detail) return '';
  // What a handler logged is the line itself (arguments joined, non-strings as JSON).
  if (kind === 'log' && Array.isArray(detail.args)) {
    const line = detail.args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
  }
  const bits: string[] = [];
  for (const [k, v] of Object.entries(detail)) {
    if (typeof v === 'number' && /[a-z]Ms$/.test(k)) bits.push(`${counterName(k.slice(0, -2))} ${seconds(v)}`);
    else if (typeof v === 'number') bits.push(`${counterName(k)} ${counterValue(k, v)}`);
    else if (typeof v === 'string' || typeof v === 'boolean') bits.push(`${counterName(k)} ${String(v)}`);
  }
  const text = bits.join(', ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

export class TraceWindow {
  private readonly ring: (TraceRecord | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 20_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be an integer ≥ 1, got ${String(capacity)}`);
    this.ring = new Array<TraceRecord | undefined>(capacity);
  }

  /** Records held (≤ capacity). */
  get size(): number {
    return this.count;
  }

  add(records: readonly TraceRecord[]): void {
    for (const r of records) {
      this.ring[this.next] = r;
      this.next = (this.next + 1) % this.capacity;
      if (this.count < this.capacity) this.count++;
    }
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.count = 0;
  }

  /** The records held, oldest first. */
  records(): TraceRecord[] {
    const out: TraceRecord[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out.push(this.ring[(start + i) % this.capacity]!);
    return out;
  }

  /** Does this record happen at, or name as its target, the resource `node`? */
  static touches(r: TraceRecord, node: string): boolean {
    if (r.resource === node) return true;
    for (const key of TARGET_KEYS) {
      const v = r.detail?.[key];
      if (typeof v === 'string' && (v === node || tail(v) === node)) return true;
    }
    return false;
  }

  /** The last `limit` records touching `node`, newest first. */
  nodeEvents(node: string, limit = 50): RecentEvent[] {
    const out: RecentEvent[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const r = this.ring[(this.next - i + this.capacity) % this.capacity]!;
      if (!TraceWindow.touches(r, node)) continue;
      const e: RecentEvent = { seq: r.seq, t: r.t, kind: r.kind, detail: detailText(r.detail, 160, r.kind) };
      if (r.id !== undefined) e.id = r.id;
      if (r.resource !== node) e.at = r.resource;
      out.push(e);
    }
    return out;
  }

  /** One message's journey within the window: its records and a Mermaid sequence diagram of them. */
  journey(messageId: string, maxSteps?: number): { records: number; source: string } {
    const all = this.records();
    return { records: journeyRecords(all, messageId).length, source: journeyToSequence(all, messageId, { maxSteps }) };
  }
}
