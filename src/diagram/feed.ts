/**
 * The host-side pipeline of one live diagram: trace records in, at most one `updates` message per
 * frame out, and answers to the learner's clicks.
 *
 *   runtime trace pushes ──push()──▶ pending records ──every ≥ intervalMs──▶ OverlayModel.apply ──▶ send()
 *                                 └─▶ TraceWindow (last N records) ──▶ select(): node events / journey
 *
 * However fast records arrive (one push per record, or 5,000 per push), the webview receives at most
 * one message per `intervalMs` (default 1000/60 ms: ≤ 60 per second): the records of an interval are reduced into
 * one OverlayUpdate. Pure TypeScript with an injectable timer, so it runs in unit tests and benches.
 */
import type { TraceRecord } from '../engine/trace';
import { OverlayModel, type OverlayOptions } from './overlay';
import type { SelectionAnswer, UpdatesMessage } from './protocol';
import { TraceWindow } from './traceWindow';
import { detailNumber, type Topology } from './types';

/** Schedules `fn` after `ms`; returns a function that cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export interface FeedOptions {
  /** Least time between two posted updates (ms). Default 1000 / 60 (≤ 60 per second). */
  intervalMs?: number;
  /** Records kept for click-through. Default 20,000. */
  windowSize?: number;
  /** Rows in a node's recent-events list. Default 50. */
  recentEvents?: number;
  overlay?: OverlayOptions;
  schedule?: Schedule;
}

export interface FeedStats {
  /** `updates` messages sent. */
  messages: number;
  /** Records reduced into them. */
  records: number;
  /** Pushes received. */
  pushes: number;
}

const realSchedule: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

/**
 * A topology's identity for "did it change?": its node ids and kinds, stream partition counts and
 * edges — not labels or details that only describe state (the playground's change on every command).
 */
export function topologyKey(t: Topology): string {
  const nodes = t.nodes.map((n) => `${n.id}\u0001${n.kind}${n.kind === 'stream' ? `\u0001${detailNumber(n, 'partitions') ?? 0}` : ''}`).sort();
  const edges = t.edges.map((e) => `${e.from}\u0001${e.to}\u0001${e.kind ?? ''}`).sort();
  return `${nodes.join('\u0000')}\u0002${edges.join('\u0000')}`;
}

export class OverlayFeed {
  readonly model: OverlayModel;
  readonly window: TraceWindow;
  readonly stats: FeedStats = { messages: 0, records: 0, pushes: 0 };
  private pending: TraceRecord[] = [];
  private cancel: (() => void) | undefined;
  private lastSent = -Infinity;
  private readonly intervalMs: number;
  private readonly recentEvents: number;
  private readonly schedule: Schedule;

  constructor(
    readonly topology: Topology,
    /** Posts one message; `records` is how many trace records it reduces. */
    private readonly send: (m: UpdatesMessage, records: number) => void,
    options: FeedOptions = {},
  ) {
    const { intervalMs = 1000 / 60, windowSize = 20_000, recentEvents = 50, overlay, schedule = realSchedule } = options;
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 0) throw new RangeError(`intervalMs must be a number ≥ 0, got ${String(intervalMs)}`);
    if (!Number.isInteger(recentEvents) || recentEvents < 1) throw new RangeError(`recentEvents must be an integer ≥ 1, got ${String(recentEvents)}`);
    this.intervalMs = intervalMs;
    this.recentEvents = recentEvents;
    this.schedule = schedule;
    this.model = new OverlayModel(topology, overlay);
    this.window = new TraceWindow(windowSize);
  }

  /** Records from the runtime (in trace order). They are posted with the next frame's update. */
  push(records: readonly TraceRecord[]): void {
    this.stats.pushes++;
    if (records.length === 0) return;
    this.window.add(records);
    for (const r of records) this.pending.push(r);
    if (this.cancel) return;
    this.cancel = this.schedule(this.tick, Math.max(0, this.lastSent + this.intervalMs - performance.now()));
  }

  /** The timer: timers may fire a little early, so wait out the rest of the interval if needed. */
  private readonly tick = (): void => {
    this.cancel = undefined;
    const wait = this.lastSent + this.intervalMs - performance.now();
    if (wait > 0) this.cancel = this.schedule(this.tick, wait);
    else this.flush();
  };

  /** Reduce and send what is pending now (also called by the timer). */
  flush(): void {
    this.cancel?.();
    this.cancel = undefined;
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    const update = this.model.apply(records);
    this.stats.messages++;
    this.stats.records += records.length;
    this.lastSent = performance.now();
    this.send({ type: 'updates', batch: [update] }, records.length);
  }

  /**
   * The source's clock is at `t` though no record says so (the playground's Advance Time): pending
   * records first, then what time alone changed (a delay that ended) is sent.
   */
  clock(t: number): void {
    this.flush();
    const update = this.model.advanceTo(t);
    if (update.nodes.length === 0) return;
    this.stats.messages++;
    this.send({ type: 'updates', batch: [update] }, 0);
  }

  /** The full state (for a webview that reloads): pending records are applied first. */
  snapshot(): UpdatesMessage {
    this.flush();
    return { type: 'updates', batch: [this.model.snapshot()] };
  }

  /** Stop the timer; pending records are dropped. */
  dispose(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.pending = [];
  }

  /**
   * Answer a click from the webview. `message` is untrusted input (it crosses postMessage): a bad
   * shape is answered with a `selectionError` naming the field, and changes nothing.
   */
  select(message: unknown): SelectionAnswer {
    const m = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
    if (m.type !== 'selectNode' && m.type !== 'selectMessage') return { type: 'selectionError', field: 'type', message: `type must be "selectNode" or "selectMessage", got ${JSON.stringify(m.type)}` };
    const id = m.id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 500) return { type: 'selectionError', field: 'id', message: `id must be a non-empty string of at most 500 characters, got ${JSON.stringify(id)?.slice(0, 80)}` };
    this.flush(); // answer with everything received so far
    if (m.type === 'selectMessage') {
      const { source, records } = this.window.journey(id);
      return { type: 'journey', id, source, records };
    }
    const state = this.model.node(id);
    if (state === undefined) return { type: 'selectionError', field: 'id', message: `there is no resource "${id}" in this diagram` };
    return { type: 'nodeEvents', id, kind: state.kind, counters: state.counters, events: this.window.nodeEvents(id, this.recentEvents), window: this.window.size };
  }
}
