/**
 * Time inside an invocation: an execution environment as the platform drives it.
 *
 * A handler's code runs in **entries**: the invoke itself, then one entry per answer it awaited.
 * Within an entry, virtual time stands still except for the work the code declares (`work(ms)`,
 * CPU time: nothing else runs in this environment meanwhile), so the environment is busy until
 * `entry + work`. Every service call the code makes is a **call in flight**:
 *
 * - it starts at the instant the code reached (`entry + work so far`) and completes after the
 *   service's modelled latency (`latency.ts`, seeded jitter);
 * - when it completes, its effect happens — the message is accepted, the item written or read —
 *   at that virtual instant, so other invocations see a write only from then on, and a read sees
 *   what was there then;
 * - its answer is then delivered into the environment (the awaiting code goes on), but not before
 *   the environment is free: JavaScript runs one thing at a time.
 *
 * Meanwhile the engine runs everything else, so invocations in different environments interleave by
 * virtual time: two read-modify-write handlers can both read 4 and both write 5.
 *
 * When the handler returns, calls it did not await are still in flight. Lambda freezes the
 * environment as soon as the handler's promise settles (the work it declared done) — not at the end
 * of the platform's overhead after it — and such a call is frozen with it: it goes on only while the
 * environment is thawed again (the next invocation it serves), or never, if the environment is
 * recycled first. The trace records each one (`call-pending`, with where in the source it was made, for the
 * editor's diagnostic) and each call that never completed (`call-abandoned`).
 *
 * A crash or a timeout ends the environment between or during calls: calls completed so far keep
 * their effects; calls in flight never take effect; later calls never start.
 *
 * A **timer** (`setTimeout`, `setInterval`, `setImmediate`) is a wait on the same clock (`timers.ts`):
 * its callback runs like an answer coming back, when it is due and the environment is free. It
 * freezes with the environment too, but keeps its due time: one whose time passed while frozen
 * fires as soon as the next invocation thaws the environment.
 *
 * An environment may also serve **many requests at once** (`many`: Cloud Run and the like, see
 * `instanceConcurrency.ts`): each request's code runs in entries of its own, one entry at a time,
 * in the order they become ready (a request arriving, an answer coming back), on the same module
 * state. A call is attributed to the request whose entry made it.
 */
import type { EngineContext } from './context';
import type { TimerId } from './clock';
import { epochMs } from './events';
import { EnvironmentTimers, type PendingTimer } from './timers';
import { callTarget, describeLabCall, performCall, SERVICE_CALLS, type CallReply, type EnvironmentPort, type ErrorInfo, type Executor, type Finished, type LabApi, type ServiceCall, type SourceSite, type Step } from './executor';

/** One service call an environment's code made. */
interface Flight {
  id: number;
  call: ServiceCall;
  args: unknown[];
  /** The invocation that made it (undefined: the init phase). */
  requestId: string | undefined;
  resource: string;
  key?: string;
  startedAt: number;
  latencyMs: number;
  /** When it completes, while in flight; while frozen, `remainingMs` says how much is left. */
  completesAt: number;
  remainingMs: number;
  timer: TimerId | undefined;
  state: 'in-flight' | 'frozen' | 'arrived';
  reply?: CallReply;
}

/** What the platform gives a session: how to perform a call, its latency, and who is running. */
export interface SessionHost {
  ctx: EngineContext;
  executor: Executor;
  /** Draw the latency of one call of this function. */
  latency(call: ServiceCall): number;
  /** Perform a call's effect now, attributed to the invocation that made it. Throws the service's error. */
  perform(call: ServiceCall, args: unknown[], requestId: string | undefined): unknown;
  /** Run `fn` with the platform's "current invocation" set to this environment's (for attribution). */
  within<T>(requestId: string | undefined, fn: () => T): T;
  /** The cloud with effects at once (registered synchronous modules), as the environment's port offers it. */
  instantLab: LabApi;
  /**
   * The environment's code ended it outside any invocation (a timer's callback threw after the
   * handler settled: the runtime exited). The platform throws it away once it is not running.
   */
  lost?(): void;
}

/** The invocation an environment serves now. */
export interface ActiveInvocation {
  requestId: string;
  /** When it started, and its timeout (for messages). */
  startedAt: number;
  timeoutMs: number;
  /** Virtual time after which no new call may start (the timeout, less the invocation's fixed overhead). */
  deadline: number;
  /** Time the platform adds after the handler returns (base duration, injected latency). */
  overheadMs: number;
  /** The handler finished (returned, threw) at virtual time `at`: the platform ends the invocation. */
  settled(outcome: Extract<Step, { state: 'done' }>['outcome'], at: number): void;
}

export class EnvironmentSession {
  readonly port: EnvironmentPort;
  /** Virtual time of the current entry into the environment's code, and the work declared since. */
  private entryAt = 0;
  private workMs = 0;
  /** The environment is running code (an entry is on the stack). */
  private inside = false;
  /** Its code is busy (declared work) until this virtual time. */
  private busyUntil = 0;
  private frozen = false;
  /**
   * While frozen: the instant it froze (timers due by then still run — Node's loop turns once more
   * before the runtime asks for the next invocation), and the invocation whose end froze it.
   */
  private frozenAt = 0;
  private frozenAfter: string | undefined;
  private lostOutside = false;
  private gone = false;
  private nextCall = 0;
  private readonly flights = new Map<number, Flight>();
  /** Its timers (`setTimeout` & co.): waits on the virtual clock, frozen and thawed with it. */
  private readonly timers: EnvironmentTimers;
  private pumpTimer: TimerId | undefined;
  private startTimer: TimerId | undefined;
  /** Set while the environment serves an invocation (or runs its init, without one). */
  current: ActiveInvocation | undefined;
  /** Deadline for calls during init (the init cap), when no invocation is running. */
  initDeadline = Number.POSITIVE_INFINITY;
  /** The request a cold start's init runs for (its calls are attributed to it), and when the init started. */
  initRequestId: string | undefined;
  initStartedAt = 0;
  /** Many requests at once: those being served, requests waiting for the thread to start, and whose code the current entry runs. */
  private readonly serving = new Map<string, ActiveInvocation>();
  private readonly starts: Array<{ inv: ActiveInvocation; run: () => Finished[]; readyAt: number }> = [];
  private entryOwner: string | undefined;

  constructor(
    readonly fnName: string,
    readonly envId: string,
    private readonly host: SessionHost,
    seed: number,
    /** Serve many requests at once (the executor's `invokeConcurrent` / `resumeConcurrent`). */
    readonly many = false,
  ) {
    this.port = {
      seed,
      now: () => epochMs(this.host.ctx.clock.now + this.workMs),
      begin: (call, args) => this.begin(call, args),
      setTimer: (ms) => this.setTimer(ms),
      clearTimer: (id) => this.timers.clear(id),
      work: (ms) => this.work(ms),
      log: (args) => this.host.ctx.output.log(this.fnName, this.attribution() ?? this.envId, this.envId, args),
      remaining: () => this.remaining(),
      lab: host.instantLab,
    };
    this.timers = new EnvironmentTimers(host.ctx.clock, () => this.pump());
  }

  /** Work declared in the current entry so far (the platform's timeout guard for instant calls reads it). */
  get workSoFar(): number {
    return this.workMs;
  }

  /** Virtual time the environment's code has reached. */
  get reached(): number {
    return this.inside ? this.host.ctx.clock.now + this.workMs : Math.max(this.busyUntil, this.host.ctx.clock.now);
  }

  /** Milliseconds the current invocation may still run before its timeout (context.getRemainingTimeInMillis). */
  remaining(): number {
    const inv = this.current;
    if (!inv) return 0;
    return Math.max(0, inv.deadline - (this.host.ctx.clock.now + this.workMs));
  }

  /**
   * Run code of the environment (init, invoke or an answer): time is the clock's, plus the work it
   * declares (after `afterMs`); afterwards the environment is busy until then.
   */
  enter<T>(fn: () => T, afterMs = 0): T {
    const clock = this.host.ctx.clock;
    this.entryAt = clock.now;
    // `afterMs`: time the environment spends before this code starts (the runtime's own start,
    // before a module's top-level code): the code's clock and its calls start that much later.
    this.workMs = afterMs;
    this.inside = true;
    try {
      return this.host.within(this.attribution(), fn);
    } finally {
      this.inside = false;
      this.busyUntil = this.entryAt + this.workMs;
    }
  }

  /**
   * A call may start only before the invocation's deadline (or the init cap): one the code makes
   * after its declared work used up the time left never happens — a real function is frozen at its
   * timeout, so what it would have done afterwards must not reach a queue or a table. Throws
   * `Sandbox.Timedout` then; returns the call's target otherwise.
   */
  assertInTime(call: ServiceCall, args: readonly unknown[]): { resource: string; key?: string } {
    const target = callTarget(call, args);
    const startedAt = this.host.ctx.clock.now + this.workMs;
    const deadline = this.current ? this.current.deadline : this.initDeadline;
    if (startedAt > deadline) {
      const what = describeLabCall(call, target.resource, target.key);
      const inv = this.current;
      const why = inv ? `it had run ${round(startedAt - inv.startedAt)} ms of its ${inv.timeoutMs} ms timeout` : `the init phase had run past its ${round(deadline - this.initStartedAt)} ms`;
      throw Object.assign(new Error(`${what} never happened: the function had already run out of time (${why})`), { name: 'Sandbox.Timedout' });
    }
    return target;
  }

  /** Whose calls the code makes now: the invocation's, or during init the request it runs for. */
  private attribution(): string | undefined {
    if (this.many) return this.entryOwner ?? this.initRequestId;
    return this.current ? this.current.requestId : (this.frozenAfter ?? this.initRequestId);
  }

  private work(ms: number): void {
    if (!(typeof ms === 'number' && ms >= 0 && Number.isFinite(ms))) throw new RangeError(`work(ms): ms must be a finite number ≥ 0, got ${JSON.stringify(ms) ?? String(ms)}`);
    this.workMs += ms;
  }

  /** The code armed a timer for `ms` from the instant it reached: returns its id (calls and timers share the counter). */
  private setTimer(ms: number): number {
    const id = this.nextCall + 1;
    this.timers.arm(id, this.attribution(), this.host.ctx.clock.now + this.workMs, ms, this.frozen);
    this.nextCall = id;
    return id;
  }

  /** The code started a service call. */
  private begin(call: ServiceCall, args: unknown[]): number {
    const ctx = this.host.ctx;
    const startedAt = ctx.clock.now + this.workMs;
    const target = this.assertInTime(call, args);
    const id = ++this.nextCall;
    const latencyMs = this.host.latency(call);
    const flight: Flight = {
      id,
      call,
      args,
      requestId: this.attribution(),
      resource: target.resource,
      ...(target.key !== undefined ? { key: target.key } : {}),
      startedAt,
      latencyMs,
      completesAt: startedAt + latencyMs,
      remainingMs: latencyMs,
      timer: undefined,
      state: 'in-flight',
    };
    this.flights.set(id, flight);
    if (ctx.trace.wants('call')) {
      const detail: Record<string, unknown> = { env: this.envId, call, target: target.resource, callId: id, latencyMs };
      if (target.key !== undefined) detail.key = target.key;
      if (this.workMs > 0) detail.startMs = startedAt;
      ctx.trace.emit('call', this.fnName, flight.requestId ?? this.envId, undefined, detail);
    } else ctx.trace.emit('call', this.fnName);
    if (this.frozen) {
      flight.state = 'frozen';
    } else {
      flight.timer = ctx.clock.at(flight.completesAt, () => this.complete(flight));
    }
    return id;
  }

  /** A call reaches its service and comes back: its effect happens now. */
  private complete(flight: Flight): void {
    flight.timer = undefined;
    if (this.gone) return;
    const ctx = this.host.ctx;
    let reply: CallReply;
    try {
      reply = { ok: true, value: this.host.perform(flight.call, flight.args, flight.requestId) };
    } catch (thrown) {
      reply = { ok: false, error: errorReply(thrown) };
    }
    if (ctx.trace.wants('call-done')) {
      const detail: Record<string, unknown> = { env: this.envId, call: flight.call, target: flight.resource, callId: flight.id, ms: round(ctx.clock.now - flight.startedAt) };
      if (!reply.ok) detail.error = `${reply.error.name}: ${reply.error.message}`;
      ctx.trace.emit('call-done', this.fnName, flight.requestId ?? this.envId, undefined, detail);
    } else ctx.trace.emit('call-done', this.fnName);
    flight.state = 'arrived';
    flight.reply = reply;
    this.pump();
  }

  /**
   * Deliver answers that arrived, one at a time, whenever the environment is thawed and free (and,
   * frozen, the timers already due when it froze).
   */
  private pump(): void {
    if (this.many) return this.pumpMany();
    if (this.gone || this.inside) return;
    const clock = this.host.ctx.clock;
    for (;;) {
      const next = this.nextArrived();
      if (!next) return;
      if (clock.now < this.busyUntil) {
        // The code is still working: the answer waits for it.
        if (this.pumpTimer === undefined) {
          this.pumpTimer = clock.at(this.busyUntil, () => {
            this.pumpTimer = undefined;
            this.pump();
          });
        }
        return;
      }
      const [id, reply] = this.take(next);
      const step = this.enter(() => this.host.executor.resume(this.envId, id, reply));
      this.afterStep(step);
      if (this.gone) return;
    }
  }

  /**
   * What the code gets next: the call answer that arrived first, or the timer that came due first
   * (a timer due at the instant an answer arrives runs first, as Node runs its timers before it
   * polls for I/O).
   */
  private nextArrived(): Flight | PendingTimer | undefined {
    const timer = this.timers.next;
    if (this.frozen) return timer && timer.due <= this.frozenAt ? timer : undefined;
    let next: Flight | undefined;
    for (const f of this.flights.values()) {
      if (f.state === 'arrived' && (next === undefined || f.completesAt < next.completesAt)) next = f;
    }
    return timer && (!next || timer.due <= next.completesAt) ? timer : next;
  }

  /** Hand over an answer or a due timer: its id, and what the code is told (a timer: that it fired). */
  private take(next: Flight | PendingTimer): [number, CallReply, string | undefined] {
    if ('call' in next) {
      this.flights.delete(next.id);
      return [next.id, next.reply!, next.requestId];
    }
    this.timers.take();
    return [next.id, TIMER_FIRED, next.requestId];
  }

  /**
   * Many requests at once: run whatever is ready next — a request that arrived, or an answer that
   * came back — one entry at a time, earliest first (an arrival before an answer of the same instant).
   */
  private pumpMany(): void {
    if (this.gone || this.frozen || this.inside) return;
    const clock = this.host.ctx.clock;
    for (;;) {
      const next = this.nextArrived();
      const start = this.starts[0];
      if (!next && !start) return;
      if (clock.now < this.busyUntil) {
        if (this.pumpTimer === undefined) {
          this.pumpTimer = clock.at(this.busyUntil, () => {
            this.pumpTimer = undefined;
            this.pump();
          });
        }
        return;
      }
      if (start && (!next || start.readyAt <= ('call' in next ? next.completesAt : next.due))) {
        this.starts.shift();
        // A request that timed out before its code could start never runs.
        if (this.serving.get(start.inv.requestId) !== start.inv) continue;
        this.afterFinished(this.entryOf(start.inv.requestId, start.run));
      } else if (next) {
        const [id, reply, owner] = this.take(next);
        // A timer's callback runs for the request that armed it while that one is still served.
        const by = owner !== undefined && ('call' in next || this.serving.has(owner)) ? owner : undefined;
        this.afterFinished(this.entryOf(by, () => this.host.executor.resumeConcurrent!(this.envId, id, reply)));
      }
      if (this.gone || this.frozen) return;
    }
  }

  /** One entry running the code of request `owner` (its calls are its own; its deadline applies). */
  private entryOf(owner: string | undefined, fn: () => Finished[]): Finished[] {
    this.entryOwner = owner;
    this.current = owner === undefined ? undefined : this.serving.get(owner);
    try {
      return this.enter(fn);
    } finally {
      this.entryOwner = undefined;
      this.current = undefined;
    }
  }

  /** Requests that finished in an entry: the calls each left in flight, then the platform ends it. */
  private afterFinished(list: Finished[]): void {
    for (const f of list) {
      const inv = this.serving.get(f.requestId);
      if (!inv) continue;
      this.serving.delete(f.requestId);
      this.reportPending(inv, f.pending);
      inv.settled(f.outcome, this.busyUntil);
    }
  }

  /** Start one more request on an environment that serves many at once (it runs when the thread is free). */
  serve(inv: ActiveInvocation, run: () => Finished[]): void {
    this.serving.set(inv.requestId, inv);
    this.timers.newInvocation();
    this.thaw();
    this.starts.push({ inv, run, readyAt: this.host.ctx.clock.now });
    this.pump();
  }

  /** The platform stopped waiting for a request (its timeout): whatever its code does later is not its answer. */
  drop(requestId: string): void {
    this.serving.delete(requestId);
  }

  /** Requests being served now (many at once). */
  get servingCount(): number {
    return this.serving.size;
  }

  /** Milliseconds request `requestId` may still run before its timeout. */
  remainingFor(requestId: string): number {
    const inv = this.serving.get(requestId);
    if (!inv) return 0;
    return Math.max(0, inv.startedAt + inv.timeoutMs - this.reached);
  }

  /** Run the handler for `inv` (the platform calls this when the invocation starts on this environment). */
  invoke(inv: ActiveInvocation, run: () => Step): void {
    this.current = inv;
    this.timers.newInvocation();
    this.thaw();
    const go = (): void => {
      this.startTimer = undefined;
      if (this.gone || this.current !== inv) return;
      const step = this.enter(run);
      this.afterStep(step);
      this.pump();
    };
    // Code still running from before (work after an await of the init phase) holds the thread.
    const clock = this.host.ctx.clock;
    if (clock.now < this.busyUntil) this.startTimer = clock.at(this.busyUntil, go);
    else go();
  }

  private afterStep(step: Step): void {
    const inv = this.current;
    if (step.state === 'done' && !inv && !step.outcome.ok && (step.outcome.error as { fatal?: boolean }).fatal === true) {
      this.lostOutside = true;
      this.host.lost?.();
      return;
    }
    if (step.state !== 'done' || !inv) return;
    this.current = undefined;
    this.reportPending(inv, step.pending);
    // The handler's promise settled: Lambda freezes the environment as soon as the code it ran is
    // done (its declared work included), not when the platform's own overhead is over — a call left
    // in flight makes no progress from then on, whatever the invocation's billed duration.
    const settledAt = this.busyUntil;
    this.freezeAt(settledAt, inv.requestId);
    inv.settled(step.outcome, settledAt);
  }

  /** Calls of this invocation that the code never saw finish: they stay with the environment. */
  private reportPending(inv: ActiveInvocation, pending: Array<{ id: number; site?: SourceSite }> | undefined): void {
    const ctx = this.host.ctx;
    for (const p of pending ?? []) {
      const f = this.flights.get(p.id);
      if (!f || f.requestId !== inv.requestId) continue;
      const detail: Record<string, unknown> = { env: this.envId, call: f.call, target: f.resource, callId: f.id };
      if (f.key !== undefined) detail.key = f.key;
      if (p.site) detail.location = siteOf(p.site);
      ctx.trace.emit('call-pending', this.fnName, inv.requestId, undefined, detail);
    }
  }

  /**
   * The environment is frozen from virtual time `at` (now, or when the work its code declared ends):
   * calls still in flight then stop where they are (a call whose answer already came back keeps it
   * until the environment thaws; one that completes before `at`, while the code still works, does).
   */
  freeze(at = this.host.ctx.clock.now): void {
    if (this.gone || this.frozen) return;
    this.freezeAt(at, undefined);
    this.pump();
  }

  /** Freeze from `at` (timers due by then still run), after invocation `after` settled. */
  private freezeAt(at: number, after: string | undefined): void {
    if (this.gone || this.frozen) return;
    this.frozen = true;
    const clock = this.host.ctx.clock;
    const from = Math.max(at, clock.now);
    this.frozenAt = from;
    this.frozenAfter = after;
    clock.cancel(this.pumpTimer);
    this.pumpTimer = undefined;
    for (const f of this.flights.values()) {
      if (f.state !== 'in-flight' || f.completesAt <= from) continue;
      clock.cancel(f.timer);
      f.timer = undefined;
      f.remainingMs = f.completesAt - from;
      f.state = 'frozen';
    }
    this.timers.freeze(from);
  }

  /** The environment serves an invocation again: frozen calls go on from where they stopped. */
  private thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.frozenAfter = undefined;
    const clock = this.host.ctx.clock;
    this.busyUntil = Math.min(this.busyUntil, clock.now);
    for (const f of this.flights.values()) {
      if (f.state !== 'frozen') continue;
      f.state = 'in-flight';
      f.completesAt = clock.now + f.remainingMs;
      f.timer = clock.at(f.completesAt, () => this.complete(f));
    }
    this.timers.thaw();
  }

  /**
   * The environment is gone (recycled, crashed, timed out): calls that had not completed never
   * will. Returns how many were abandoned.
   */
  end(reason: string): number {
    if (this.gone) return 0;
    this.gone = true;
    this.current = undefined;
    this.serving.clear();
    this.starts.length = 0;
    const ctx = this.host.ctx;
    ctx.clock.cancel(this.pumpTimer);
    ctx.clock.cancel(this.startTimer);
    this.pumpTimer = this.startTimer = undefined;
    let abandoned = 0;
    for (const f of this.flights.values()) {
      ctx.clock.cancel(f.timer);
      f.timer = undefined;
      if (f.state === 'arrived') continue; // it happened; only its answer is lost
      abandoned++;
      const detail: Record<string, unknown> = { env: this.envId, call: f.call, target: f.resource, callId: f.id, reason };
      if (f.key !== undefined) detail.key = f.key;
      ctx.trace.emit('call-abandoned', this.fnName, f.requestId ?? this.envId, undefined, detail);
    }
    this.flights.clear();
    this.timers.end();
    return abandoned;
  }

  /** Code run outside any invocation ended the environment (see `SessionHost.lost`). */
  get lost(): boolean {
    return this.lostOutside;
  }

  /** Timers armed and not yet run (frozen ones included), for inspection. */
  get timersPending(): number {
    return this.timers.size;
  }

  /** Calls not yet completed (in flight or frozen), for inspection. */
  get callsInFlight(): number {
    let n = 0;
    for (const f of this.flights.values()) if (f.state !== 'arrived') n++;
    return n;
  }
}

/**
 * The cloud for registered synchronous modules: each call takes effect at once. A call made after
 * the declared work has used up the time left never happens — a real function is frozen at its
 * timeout, so what it would have done afterwards must not reach a queue or a table. The call
 * throws instead (the invocation is timed out either way).
 */
export function instantLab(base: LabApi, session: () => EnvironmentSession): LabApi {
  const lab = { ...base } as LabApi;
  for (const call of SERVICE_CALLS) {
    (lab as unknown as Record<ServiceCall, (...args: unknown[]) => unknown>)[call] = (...args: unknown[]) => {
      session().assertInTime(call, args);
      return performCall(base, call, args);
    };
  }
  return lab;
}

/** What the code is told when one of its timers comes due (the bootstrap runs the timer's callback). */
const TIMER_FIRED: CallReply = { ok: true, value: null };

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function siteOf(site: SourceSite): SourceSite {
  return { file: site.file, line: site.line, column: site.column };
}

/** A service error as it crosses into the handler: name, message and the service's code. */
function errorReply(thrown: unknown): ErrorInfo & { code?: string } {
  if (thrown instanceof Error) {
    const code = (thrown as { code?: unknown }).code;
    return { name: thrown.name || 'Error', message: thrown.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(thrown) };
}
