/**
 * Run modes over a Simulation. Virtual time is independent of wall time; the runner decides how the
 * two relate:
 * - `runToEnd()`: as fast as possible (an hour of traffic in well under a second);
 * - `play(speed)`: paced, virtual time advancing `speed` × wall time (1× real time, 10×, 3600× …),
 *   ticking on an injected timer so tests drive it with fake time;
 * - `pause()` / `resume()`, and `step()`: exactly one event, for watching a message hop by hop.
 * Progress reports are batched (once per tick or per `progressEveryEvents` events), never per event.
 */
import { Simulation } from './simulation';

export interface Progress {
  /** Virtual time now, ms. */
  virtualMs: number;
  /** Where the run ends (Infinity: when nothing is left to do). */
  endMs: number;
  /** Trace records so far. */
  events: number;
  state: RunnerState;
}

export type RunnerState = 'idle' | 'running' | 'paused' | 'done';

export interface RunnerOptions {
  /** Wall clock in ms (default `performance.now`). */
  wallClock?: () => number;
  /** Timer used for paced ticks (default `setTimeout`). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Wall ms between paced ticks (default 50). */
  tickMs?: number;
  /** Called with batched progress. */
  onProgress?: (p: Progress) => void;
  /** `runToEnd`: report progress every this many clock events (default 100,000). */
  progressEveryEvents?: number;
  /** Stop at this virtual time instead of the simulation's end. */
  untilMs?: number;
}

export class Runner {
  private stateValue: RunnerState = 'idle';
  private speed = 1;
  /** Wall time and virtual time at the last (re)start of pacing. */
  private wallAnchor = 0;
  private virtualAnchor = 0;
  private timer: unknown;
  private readonly wallClock: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly tickMs: number;
  private readonly every: number;
  private readonly endMs: number;
  private readonly doneWaiters: Array<() => void> = [];

  constructor(
    readonly sim: Simulation,
    private readonly options: RunnerOptions = {},
  ) {
    this.wallClock = options.wallClock ?? (() => performance.now());
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.tickMs = options.tickMs ?? 50;
    if (!(this.tickMs > 0)) throw new RangeError(`tickMs must be > 0, got ${this.tickMs}`);
    this.every = options.progressEveryEvents ?? 100_000;
    if (!(this.every >= 1)) throw new RangeError(`progressEveryEvents must be ≥ 1, got ${this.every}`);
    this.endMs = options.untilMs ?? sim.endMs;
  }

  get state(): RunnerState {
    return this.stateValue;
  }

  get currentSpeed(): number {
    return this.speed;
  }

  progress(): Progress {
    return { virtualMs: this.sim.now, endMs: this.endMs, events: this.sim.ctx.trace.length, state: this.stateValue };
  }

  /** Run as fast as possible to the end (synchronously), reporting progress every N events. */
  runToEnd(): Progress {
    this.stopTimer();
    this.sim.start();
    this.stateValue = 'running';
    const clock = this.sim.ctx.clock;
    let n = 0;
    const limit = Number.isFinite(this.endMs) ? this.endMs : Simulation.HORIZON_MS;
    for (;;) {
      const next = clock.peek();
      if (next === undefined || next > limit) break;
      clock.step();
      if (++n % this.every === 0) this.report();
    }
    if (Number.isFinite(this.endMs) && clock.now < this.endMs) clock.runUntil(this.endMs);
    return this.finish();
  }

  /** Start (or change) paced running: virtual time advances `speed` × wall time. */
  play(speed = this.speed): void {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a finite number > 0, got ${speed}`);
    if (this.stateValue === 'done') return;
    this.speed = speed;
    this.sim.start();
    this.anchor();
    this.stateValue = 'running';
    this.schedule();
  }

  /** Change the speed without losing time already run. */
  setSpeed(speed: number): void {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a finite number > 0, got ${speed}`);
    if (this.stateValue === 'running') this.tick(false);
    this.speed = speed;
    this.anchor();
  }

  /** Stop pacing; the virtual clock stays where it is. */
  pause(): void {
    if (this.stateValue !== 'running') return;
    this.tick(false); // catch up to now first, so pausing loses no time
    if (this.stateValue !== 'running') return;
    this.stopTimer();
    this.stateValue = 'paused';
    this.report();
  }

  resume(): void {
    if (this.stateValue === 'paused' || this.stateValue === 'idle') this.play(this.speed);
  }

  /**
   * Run exactly one event (pausing a paced run first). Returns false when nothing is left before
   * the end (the run is then done).
   */
  step(): boolean {
    if (this.stateValue === 'done') return false;
    if (this.stateValue === 'running') this.pause();
    this.sim.start();
    const clock = this.sim.ctx.clock;
    const next = clock.peek();
    if (next === undefined || next > (Number.isFinite(this.endMs) ? this.endMs : Simulation.HORIZON_MS)) {
      this.finish();
      return false;
    }
    clock.step();
    if (this.stateValue === 'idle') this.stateValue = 'paused';
    this.report();
    return true;
  }

  /** Resolves when the run is done. */
  whenDone(): Promise<Progress> {
    if (this.stateValue === 'done') return Promise.resolve(this.progress());
    return new Promise((resolve) => this.doneWaiters.push(() => resolve(this.progress())));
  }

  private anchor(): void {
    this.wallAnchor = this.wallClock();
    this.virtualAnchor = this.sim.now;
  }

  private schedule(): void {
    this.stopTimer();
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      if (this.stateValue !== 'running') return;
      this.tick(true);
      if (this.stateValue === 'running') this.schedule();
    }, this.tickMs);
  }

  /** Advance the virtual clock to where the wall clock says it should be. */
  private tick(report: boolean): void {
    const target = Math.min(this.virtualAnchor + (this.wallClock() - this.wallAnchor) * this.speed, this.endMs);
    const clock = this.sim.ctx.clock;
    if (target > clock.now) clock.runUntil(target);
    const next = clock.peek();
    if (clock.now >= this.endMs || (!Number.isFinite(this.endMs) && (next === undefined || next > Simulation.HORIZON_MS))) {
      this.finish();
      return;
    }
    if (report) this.report();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) {
      this.clearTimer(this.timer);
      this.timer = undefined;
    }
  }

  private finish(): Progress {
    this.stopTimer();
    this.stateValue = 'done';
    const p = this.progress();
    this.options.onProgress?.(p);
    for (const w of this.doneWaiters.splice(0)) w();
    return p;
  }

  private report(): void {
    this.options.onProgress?.(this.progress());
  }
}
