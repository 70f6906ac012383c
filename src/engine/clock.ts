/**
 * Virtual time. Nothing in the engine reads the wall clock: every delay (visibility timeouts,
 * retries, function durations, traffic) is an event in this discrete-event scheduler, so an hour of
 * traffic runs as fast as the CPU allows and the same seed gives the same order of events.
 *
 * Time is in milliseconds since the start of the run. Events at the same instant run in the order
 * they were scheduled (a sequence number breaks ties), which keeps runs deterministic.
 */
interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  /** Position in the heap, or -1 once the event ran or was cancelled. */
  index: number;
}

/** Handle of a scheduled event, for `cancel`. */
export type TimerId = Readonly<Pick<Timer, 'at' | 'seq'>>;

/**
 * The scheduler is a binary min-heap of timers ordered by (time, sequence number). Each timer knows
 * its position in the heap, so a cancelled event is taken out at once (O(log n)) instead of waiting
 * in the heap until it reaches the top: the heap only ever holds events that will run.
 */
export class Clock {
  private current = 0;
  private seq = 0;
  private heap: Timer[] = [];
  /** Called every `watchEvery` events, before the next runs (run bounds); throwing stops the run there. */
  private watcher: (() => void) | undefined;
  private watchEvery = 0;
  private countdown = 0;

  /** Current virtual time in ms. */
  get now(): number {
    return this.current;
  }

  /** Number of scheduled (not yet run, not cancelled) events. */
  get pending(): number {
    return this.heap.length;
  }

  /** Time of the next event, or undefined when nothing is scheduled. */
  peek(): number | undefined {
    return this.heap.length ? this.heap[0].at : undefined;
  }

  /** Run `fn` after `delayMs` of virtual time (0 = later in this instant). */
  schedule(delayMs: number, fn: () => void): TimerId {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) throw new RangeError(`delay must be a finite number ≥ 0, got ${delayMs}`);
    return this.at(this.current + delayMs, fn);
  }

  /** Run `fn` at virtual time `time` (not before now). */
  at(time: number, fn: () => void): TimerId {
    if (Number.isNaN(time)) throw new RangeError('time must be a number');
    const timer: Timer = { at: Math.max(time, this.current), seq: ++this.seq, fn, index: this.heap.length };
    this.heap.push(timer);
    this.siftUp(timer);
    return timer;
  }

  /** Cancel a scheduled event; cancelling one that already ran (or twice) does nothing. */
  cancel(id: TimerId | undefined): void {
    const timer = id as Timer | undefined;
    if (!timer || timer.index < 0) return;
    const h = this.heap;
    const last = h.pop()!;
    if (last !== timer) {
      // The last timer fills the hole, then moves up or down to its place.
      last.index = timer.index;
      h[last.index] = last;
      if (last.index > 0 && this.less(last, h[(last.index - 1) >> 1])) this.siftUp(last);
      else this.siftDown(last);
    }
    timer.index = -1;
  }

  /**
   * Call `check` every `every` events, before the next one runs (`runBounds.ts`). When it throws,
   * the event does not run and the error leaves `step` (and `runUntil`, `drain`); from then on it is
   * called before every event, so a stopped run stays stopped.
   */
  watch(every: number, check: () => void): void {
    if (!(every >= 1) || !Number.isInteger(every)) throw new RangeError(`every must be an integer ≥ 1, got ${every}`);
    this.watcher = check;
    this.watchEvery = this.countdown = every;
  }

  /** Call the watcher before the next event, whatever the count (a bound passed inside an event). */
  checkNow(): void {
    if (this.watcher !== undefined) this.countdown = 1;
  }

  /** Run the next event. Returns false when nothing is left to run. */
  step(): boolean {
    if (this.watcher !== undefined && --this.countdown <= 0) {
      try {
        this.watcher();
      } catch (err) {
        this.countdown = 0;
        throw err;
      }
      this.countdown = this.watchEvery;
    }
    const timer = this.pop();
    if (!timer) return false;
    this.current = timer.at;
    timer.fn();
    return true;
  }

  /** Run every event up to and including virtual time `time`, then set the clock to `time`. */
  runUntil(time: number): void {
    while (this.heap.length && this.heap[0].at <= time) this.step();
    if (time > this.current) this.current = time;
  }

  /** Advance by `ms` of virtual time, running what falls due. */
  advance(ms: number): void {
    this.runUntil(this.current + ms);
  }

  /** Run until nothing is scheduled (or `limit` events ran, as a guard against endless schedules). */
  drain(limit = Number.POSITIVE_INFINITY): number {
    let n = 0;
    while (n < limit && this.step()) n++;
    return n;
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  /** Take the earliest timer out of the heap (it ran: a later cancel() is a no-op). */
  private pop(): Timer | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (last !== top) {
      last.index = 0;
      h[0] = last;
      this.siftDown(last);
    }
    top.index = -1;
    return top;
  }

  // The sift loops move the timers they pass over and write `timer` once at its final place.

  private siftUp(timer: Timer): void {
    const h = this.heap;
    let i = timer.index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent];
      if (!this.less(timer, p)) break;
      h[i] = p;
      p.index = i;
      i = parent;
    }
    h[i] = timer;
    timer.index = i;
  }

  private siftDown(timer: Timer): void {
    const h = this.heap;
    const n = h.length;
    let i = timer.index;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r], h[l]) ? r : l;
      const child = h[c];
      if (!this.less(child, timer)) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = timer;
    timer.index = i;
  }
}
