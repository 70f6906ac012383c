/**
 * Bounds on a run: a scenario whose system never settles (a function feeding the queue it reads
 * from faster than Lambda's loop detection stops it, traffic beyond what the functions can take)
 * must end with a clear error instead of running until the machine runs out of memory.
 *
 * Three limits, checked on the virtual clock between events (so the engine's state is whole when
 * the run stops), each deterministic — they count what the run did, never the machine's memory:
 * - `maxEvents`: trace records emitted (kept or not);
 * - `maxHeldMessages`: messages held in queues at once (visible, in flight or delayed);
 * - `maxTraceMb`: the estimated size of the trace records kept in memory.
 * And two on what the handlers cost in the real world, counted by `runaway.ts` and checked before
 * the next event once passed: `maxStoppedInvocations` (code the sandbox had to stop, default 3) and
 * `maxHandlerSeconds` (real seconds in handler code, default 20).
 * Tripping one records `run-stopped` in the trace and throws `RunLimitError`, whose message names
 * the limit, the value that hit it and what drove it (the busiest resource, a function that feeds
 * a resource that invokes it). The run stays stopped: every later step throws the same error.
 */
import type { EngineContext } from './context';
import { ValidationError } from './errors';
import type { RunawayTrip } from './runaway';

export interface RunLimits {
  /** Trace records per run (default 20,000,000). */
  maxEvents?: number;
  /** Messages held in the scenario's queues at once (default 1,000,000). */
  maxHeldMessages?: number;
  /** Estimated megabytes of trace records kept in memory (default 512). */
  maxTraceMb?: number;
  /** Invocations (or inits) the sandbox stopped: past its real-time cap or memory limit (default 3). */
  maxStoppedInvocations?: number;
  /** Real seconds spent running handler code in the run (default 20). */
  maxHandlerSeconds?: number;
}

export const DEFAULT_RUN_LIMITS: Readonly<Required<RunLimits>> = Object.freeze({ maxEvents: 20_000_000, maxHeldMessages: 1_000_000, maxTraceMb: 512, maxStoppedInvocations: 3, maxHandlerSeconds: 20 });

const RANGES: Record<keyof RunLimits, [number, number]> = {
  maxEvents: [1_000, 1_000_000_000],
  maxHeldMessages: [100, 100_000_000],
  maxTraceMb: [1, 65_536],
  maxStoppedInvocations: [1, 1_000_000],
  maxHandlerSeconds: [1, 86_400],
};

/** The limits with defaults filled in; a bad field throws a ValidationError naming it. */
export function resolveRunLimits(limits: unknown, path = 'limits'): Required<RunLimits> {
  if (limits === undefined) return { ...DEFAULT_RUN_LIMITS };
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) throw new ValidationError(path, 'must be an object');
  const out = { ...DEFAULT_RUN_LIMITS };
  for (const [key, value] of Object.entries(limits)) {
    const range = RANGES[key as keyof RunLimits];
    if (range === undefined) throw new ValidationError(`${path}.${key}`, `unknown limit (known: ${Object.keys(RANGES).join(', ')})`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      throw new ValidationError(`${path}.${key}`, `must be an integer between ${range[0]} and ${range[1]}, got ${JSON.stringify(value)}`);
    }
    out[key as keyof RunLimits] = value;
  }
  return out;
}

export class RunLimitError extends Error {
  constructor(
    readonly limit: keyof RunLimits,
    /** What the run reached. */
    readonly value: number,
    readonly max: number,
    message: string,
  ) {
    super(message);
    this.name = 'RunLimitError';
  }
}

/** What the bounds ask the simulation: messages held per queue, and why a resource kept growing. */
export interface RunProbe {
  held(): Array<{ resource: string; count: number }>;
  /** Why `resource` kept receiving (a function feeding it that it invokes), if the simulation can tell. */
  explain(resource: string): string | undefined;
  /** `queue q`, `function f`: the resource with its kind. */
  label(resource: string): string;
  /** A real-world limit the handlers passed (`runaway.ts`), if one was. */
  runaway?(): RunawayTrip | undefined;
}

/** Clock events between checks of the event count and trace size, and between counts of held messages. */
const CHECK_EVERY = 1024;
const HELD_EVERY_CHECKS = 16;

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export class RunBounds {
  readonly limits: Readonly<Required<RunLimits>>;
  private error: RunLimitError | undefined;
  private checks = 0;

  constructor(
    private readonly ctx: EngineContext,
    limits: RunLimits | undefined,
    private readonly probe: RunProbe,
  ) {
    this.limits = resolveRunLimits(limits);
    ctx.clock.watch(CHECK_EVERY, () => this.check());
  }

  /** The error that stopped the run, if one did. */
  get stopped(): RunLimitError | undefined {
    return this.error;
  }

  /** Throws RunLimitError when the run went past a limit (or already had). */
  check(): void {
    if (this.error) throw this.error;
    const runaway = this.probe.runaway?.();
    if (runaway) this.trip(runaway.limit, runaway.value, runaway.max, `the run stopped: ${runaway.message}`, undefined, runaway.resource, 'Fix the handler and run again (the limit is in the scenario\'s "limits").');
    const trace = this.ctx.trace;
    const { maxEvents, maxHeldMessages, maxTraceMb } = this.limits;
    if (trace.length > maxEvents) {
      const busiest = this.busiest();
      this.trip('maxEvents', trace.length, maxEvents, `the run stopped after ${fmt(trace.length)} events (limits.maxEvents is ${fmt(maxEvents)})`, busiest);
    }
    const mb = trace.keptBytes / 1_048_576;
    if (mb > maxTraceMb) {
      this.trip('maxTraceMb', Math.ceil(mb), maxTraceMb, `the run stopped: its trace records took about ${fmt(mb)} MB in memory (limits.maxTraceMb is ${fmt(maxTraceMb)}) after ${fmt(trace.length)} events`, this.busiest());
    }
    if (++this.checks % HELD_EVERY_CHECKS === 0) {
      const held = this.probe.held();
      let total = 0;
      let top: { resource: string; count: number } | undefined;
      for (const h of held) {
        total += h.count;
        if (top === undefined || h.count > top.count) top = h;
      }
      if (total > maxHeldMessages) {
        this.trip('maxHeldMessages', total, maxHeldMessages, `the run stopped: its queues held ${fmt(total)} messages at once (limits.maxHeldMessages is ${fmt(maxHeldMessages)})`, top && { resource: top.resource, what: `held ${fmt(top.count)}` });
      }
    }
  }

  /** The resource with the most trace records, and its largest counts. */
  private busiest(): { resource: string; what: string } | undefined {
    let best: { resource: string; total: number; counts: Record<string, number> } | undefined;
    for (const [resource, counts] of Object.entries(this.ctx.trace.counters())) {
      let total = 0;
      for (const n of Object.values(counts)) total += n ?? 0;
      if (best === undefined || total > best.total) best = { resource, total, counts: counts as Record<string, number> };
    }
    if (!best) return undefined;
    const top = Object.entries(best.counts)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([k, n]) => `${fmt(n)} ${k}`);
    return { resource: best.resource, what: `had the most: ${top.join(', ')}` };
  }

  private trip(limit: keyof RunLimits, value: number, max: number, head: string, culprit: { resource: string; what: string } | undefined, resource = culprit?.resource, advice = 'Raise the limit in the scenario\'s "limits" only if the run is meant to be this large.'): never {
    const t = this.ctx.clock.now;
    let message = `${head}, at ${+(t / 1000).toFixed(3)} s of virtual time`;
    if (culprit) {
      message += `: ${this.probe.label(culprit.resource)} ${culprit.what}`;
      const why = this.probe.explain(culprit.resource);
      if (why) message += `; ${why}`;
    }
    message += `. ${advice}`;
    this.ctx.trace.emit('run-stopped', resource ?? 'run', undefined, limit, { limit, value, max, message });
    this.error = new RunLimitError(limit, value, max, message);
    throw this.error;
  }
}
