import { Clock } from './clock';
import { Random } from './random';
import { RecordRetention, Trace } from './trace';
import { OutputBounds } from './outputBounds';

/**
 * What every simulated resource shares: one clock, one seeded random source, one trace and one
 * id generator. Ids are counters, not random UUIDs, so a run is reproducible byte for byte.
 */
export class EngineContext {
  readonly clock: Clock;
  readonly seed: number;
  readonly random: Random;
  readonly trace: Trace;
  /** Bounds on what handlers log (outputBounds.ts): every log line goes through it. */
  readonly output: OutputBounds;
  /** The last number issued per id prefix (a cell per prefix, counted up in place). */
  private readonly counters = new Map<string, { n: number }>();

  constructor(options: { seed?: number; records?: RecordRetention } = {}) {
    this.clock = new Clock();
    this.seed = options.seed ?? 1;
    this.random = new Random(this.seed);
    this.trace = new Trace(() => this.clock.now, options.records ?? { mode: 'all' });
    this.output = new OutputBounds(this.trace);
  }

  /**
   * A random source of its own for `name` (e.g. one traffic generator), derived from the seed. What
   * the system does with the shared `random` (jitter, duplicates — which depend on the learner's
   * code) then cannot shift it: the same seed sends the same requests at the same times whatever
   * the handlers do.
   */
  stream(name: string): Random {
    let h = 0x811c9dc5 ^ this.seed; // FNV-1a over the name, salted with the seed
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    return new Random(h >>> 0);
  }

  /** A fresh id such as `msg-17` (per-prefix counter). */
  id(prefix: string): string {
    let counter = this.counters.get(prefix);
    if (counter === undefined) this.counters.set(prefix, (counter = { n: 0 }));
    return `${prefix}-${++counter.n}`;
  }
}
