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
  cancelled: boolean;
}

/** Handle of a scheduled event, for `cancel`. */
export type TimerId = Readonly<Pick<Timer, 'at' | 'seq'>>;

export class Clock {
  private current = 0;
  private seq = 0;
  private heap: Timer[] = [];
  private live = 0;

  /** Current virtual time in ms. */
  get now(): number {
    return this.current;
  }

  /** Number of scheduled (not yet run, not cancelled) events. */
  get pending(): number {
    return this.live;
  }

  /** Time of the next event, or undefined when nothing is scheduled. */
  peek(): number | undefined {
    this.dropCancelledTop();
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
    const timer: Timer = { at: Math.max(time, this.current), seq: ++this.seq, fn, cancelled: false };
    this.push(timer);
    this.live++;
    return timer;
  }

  /** Cancel a scheduled event; cancelling one that already ran (or twice) does nothing. */
  cancel(id: TimerId | undefined): void {
    const timer = id as Timer | undefined;
    if (!timer || timer.cancelled || !timer.fn) return;
    timer.cancelled = true;
    this.live--;
    // Cancelled events wait in the heap until they reach the top; when they are most of it
    // (many visibility timers cancelled by deletes), rebuild so memory stays bounded.
    const dead = this.heap.length - this.live;
    if (dead > 1024 && dead > this.live) this.compact();
  }

  private compact(): void {
    const keep = this.heap.filter((t) => !t.cancelled);
    this.heap = [];
    for (const t of keep) this.push(t);
  }

  /** Run the next event. Returns false when nothing is left to run. */
  step(): boolean {
    this.dropCancelledTop();
    const timer = this.pop();
    if (!timer) return false;
    this.live--;
    this.current = timer.at;
    const fn = timer.fn;
    timer.cancelled = true; // ran: a later cancel() is a no-op
    fn();
    return true;
  }

  /** Run every event up to and including virtual time `time`, then set the clock to `time`. */
  runUntil(time: number): void {
    for (;;) {
      const next = this.peek();
      if (next === undefined || next > time) break;
      this.step();
    }
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

  private dropCancelledTop(): void {
    while (this.heap.length && this.heap[0].cancelled) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
