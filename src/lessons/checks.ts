/**
 * What a lesson's checks see. Checks judge BEHAVIOUR, from the trace and the final state of the
 * simulated resources — never the learner's source text. Every verdict says what was expected, what
 * happened, and (on failure) a hint.
 *
 * A lesson's `checks.js` is a CommonJS module: `module.exports = [{ id, title, hint, run(r) }]`.
 */
import type { Simulation, Summary } from '../engine/simulation';
import type { TraceKind, TraceRecord } from '../engine/trace';

export interface Verdict {
  pass: boolean;
  /** What the check wanted, in words and numbers ("≤ 10 writes/s"). */
  expected: string;
  /** What the run did ("peaked at 37 writes/s at 00:12"). */
  actual: string;
  /** One sentence explaining the failure (defaults to the check's title). */
  message?: string;
}

export interface LessonCheck {
  id: string;
  title: string;
  /** Shown with a failure: the nudge, not the answer. */
  hint: string;
  run(r: RunView): Verdict;
}

/** Read-only view of one finished run, handed to every check. */
export class RunView {
  readonly summary: Summary;
  readonly records: TraceRecord[];

  constructor(readonly sim: Simulation) {
    this.summary = sim.summary();
    this.records = sim.records();
  }

  /** Records of a kind (and resource, when given). */
  where(kind: TraceKind, resource?: string): TraceRecord[] {
    return this.records.filter((r) => r.kind === kind && (resource === undefined || r.resource === resource));
  }

  count(kind: TraceKind, resource?: string): number {
    return this.sim.ctx.trace.count(kind, resource);
  }

  /** Everything handlers logged (console.log / log()), optionally for one function, as strings. */
  logs(fn?: string): string[] {
    return this.where('log', fn).map((r) => {
      const args = (r.detail?.args as unknown[] | undefined) ?? [];
      return args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    });
  }

  /** All items of a table. */
  table(name: string): Record<string, unknown>[] {
    const t = this.sim.tables.get(name);
    if (!t) throw new Error(`check error: no table "${name}" in the scenario`);
    return t.scan();
  }
}

/** `1h 02m 03.004s`-style virtual time for messages. */
export function formatTime(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${+s.toFixed(3)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${+(s - m * 60).toFixed(1)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
