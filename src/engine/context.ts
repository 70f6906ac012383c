import { Clock } from './clock';
import { Random } from './random';
import { RecordRetention, Trace } from './trace';

/**
 * What every simulated resource shares: one clock, one seeded random source, one trace and one
 * id generator. Ids are counters, not random UUIDs, so a run is reproducible byte for byte.
 */
export class EngineContext {
  readonly clock: Clock;
  readonly random: Random;
  readonly trace: Trace;
  private readonly counters = new Map<string, number>();

  constructor(options: { seed?: number; records?: RecordRetention } = {}) {
    this.clock = new Clock();
    this.random = new Random(options.seed ?? 1);
    this.trace = new Trace(() => this.clock.now, options.records ?? { mode: 'all' });
  }

  /** A fresh id such as `msg-17` (per-prefix counter). */
  id(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}-${n}`;
  }
}
