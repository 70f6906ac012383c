/**
 * Timers of one execution environment (`setTimeout`, `setInterval`, `setImmediate` in a handler):
 * waits on the virtual clock.
 *
 * A timer armed at virtual instant `start` for `ms` is due at `start + ms`: the environment's code
 * reached `start` (its entry plus the work it declared), and the callback runs when the clock gets
 * to the due time and the environment is free — the same way an awaited call's answer comes back
 * (`invocation.ts`). So `await new Promise((r) => setTimeout(r, 200))` moves the invocation's clock
 * on by 200 ms: billed, `getRemainingTimeInMillis()` down by 200, and past the function's timeout the
 * invocation times out there.
 *
 * When the handler's promise settles the environment freezes, and a pending timer is frozen with it:
 * it does not fire while the environment is frozen (one already due by then still runs: Node's event
 * loop turns once more — its timers first — before the runtime asks for the next invocation). Its due time stays where it was (Node's timers
 * run on the machine's monotonic clock, which goes on while the process is frozen), so when the next
 * invocation thaws the environment a timer whose time has passed fires at once, at the thaw, after
 * the new invocation's first entry — as on Lambda, where a timer a previous invocation left behind
 * fires during the next one. Timers of an environment that is recycled never fire. Timers armed by
 * the module's top level behave the same.
 *
 * Bounds (the lab's, not Node's): arming one more timer than `MAX_LIVE_TIMERS` pending throws a
 * RangeError naming the limit; arming more than `MAX_TIMERS_PER_INVOCATION` in one invocation throws
 * one named `Sandbox.TimerLimit`, with which the sandbox stops the invocation, so `setInterval(fn, 1)`
 * or a `setImmediate` loop ends with a clear message instead of millions of entries into the
 * environment.
 */
import type { Clock, TimerId } from './clock';

/** Timers pending at once in one execution environment. */
export const MAX_LIVE_TIMERS = 10_000;
/**
 * Timers armed during one invocation (an interval's every tick re-arms it): 20,000 ticks of
 * `setInterval(fn, 1)` are 20 s of virtual time, past what a handler needs, and about 0.3 s of real
 * time in an isolate — well inside the invocation's real-time budget (2 s), so this bound, which
 * counts and does not measure, is the one such a handler meets, on any machine.
 */
export const MAX_TIMERS_PER_INVOCATION = 20_000;

/** The name of the error arming a timer past a bound throws (the sandbox counts an invocation failing with it as stopped). */
export const TIMER_LIMIT = 'Sandbox.TimerLimit';

export interface PendingTimer {
  /** The id the environment's code knows it by (from the same counter as its calls). */
  readonly id: number;
  /** The invocation that armed it (undefined: the init phase). */
  readonly requestId: string | undefined;
  /** Virtual time it is due. */
  readonly due: number;
  event: TimerId | undefined;
  fired: boolean;
}

export class EnvironmentTimers {
  private readonly live = new Map<number, PendingTimer>();
  /** Timers that came due, in the order they did, waiting for the environment to be free. */
  private readonly queue: PendingTimer[] = [];
  private armed = 0;

  constructor(
    private readonly clock: Clock,
    /** A timer came due: the environment should run its callback once it is free. */
    private readonly onDue: () => void,
  ) {}

  /** Timers pending (armed or due, not yet run). */
  get size(): number {
    return this.live.size;
  }

  /** A new invocation starts on the environment: the count of timers armed per invocation starts again. */
  newInvocation(): void {
    this.armed = 0;
  }

  /**
   * Arm timer `id` at virtual instant `start` for `ms`; while the environment is `frozen` it waits
   * for the thaw. Throws a RangeError past a bound.
   */
  arm(id: number, requestId: string | undefined, start: number, ms: number, frozen: boolean): void {
    if (!(typeof ms === 'number' && ms >= 0 && Number.isFinite(ms))) throw new RangeError(`a timer's delay must be a finite number of milliseconds ≥ 0, got ${String(ms)}`);
    if (this.live.size >= MAX_LIVE_TIMERS) {
      throw new RangeError(`${MAX_LIVE_TIMERS.toLocaleString('en-US')} timers are already pending in this execution environment (the sandbox's limit): clear the ones you no longer need (clearTimeout, clearInterval)`);
    }
    if (++this.armed > MAX_TIMERS_PER_INVOCATION) {
      throw limit(`${MAX_TIMERS_PER_INVOCATION.toLocaleString('en-US')} timers were armed in this invocation (the sandbox's limit; each tick of an interval counts): a setInterval with a tiny delay, or a loop of setTimeout or setImmediate, never lets the invocation end`);
    }
    const timer: PendingTimer = { id, requestId, due: start + ms, event: undefined, fired: false };
    this.live.set(id, timer);
    if (!frozen) this.schedule(timer);
  }

  /** Cancel timer `id` (unknown or already run: nothing happens). */
  clear(id: number): void {
    const timer = this.live.get(id);
    if (!timer) return;
    this.live.delete(id);
    this.clock.cancel(timer.event);
    timer.event = undefined;
    if (timer.fired) this.queue.splice(this.queue.indexOf(timer), 1);
  }

  /** The next timer whose callback should run, if one came due. */
  get next(): PendingTimer | undefined {
    return this.queue[0];
  }

  /** Take the next due timer (its callback runs now): it is no longer pending. */
  take(): PendingTimer {
    const timer = this.queue.shift()!;
    this.live.delete(timer.id);
    return timer;
  }

  /** The environment is frozen from `at`: no timer due later comes due until it thaws. */
  freeze(at: number): void {
    for (const timer of this.live.values()) {
      if (timer.fired || timer.event === undefined || timer.due <= at) continue;
      this.clock.cancel(timer.event);
      timer.event = undefined;
    }
  }

  /** The environment is thawed: timers whose time passed meanwhile come due now, earliest first; the others at their time. */
  thaw(): void {
    if (this.live.size === 0) return;
    const waiting = [...this.live.values()].filter((t) => !t.fired && t.event === undefined);
    waiting.sort((a, b) => a.due - b.due || a.id - b.id);
    for (const timer of waiting) this.schedule(timer);
  }

  /** The environment is gone: its timers never fire. */
  end(): void {
    for (const timer of this.live.values()) this.clock.cancel(timer.event);
    this.live.clear();
    this.queue.length = 0;
  }

  private schedule(timer: PendingTimer): void {
    timer.event = this.clock.at(timer.due, () => {
      timer.event = undefined;
      timer.fired = true;
      this.queue.push(timer);
      this.onDue();
    });
  }
}

function limit(message: string): RangeError {
  const error = new RangeError(message);
  error.name = TIMER_LIMIT;
  return error;
}
