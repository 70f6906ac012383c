/**
 * Runaway handlers: code the sandbox has to stop. A handler that loops without yielding, or that
 * allocates past its environment's memory, is stopped by the sandbox — after up to its real-time cap
 * (2 s) of real time, or after filling its heap. On Lambda each such invocation just fails, and the
 * lab models that faithfully; but a run of a thousand requests would then cost the learner half an
 * hour of real time to say the same thing a thousand times. And a handler that is merely heavy (a
 * megabyte logged 800 times per invocation) is slow in real time however the run is bounded in
 * virtual time.
 *
 * So every call into the executor goes through a `RunawayGuard`, which counts what a run costs in
 * the real world:
 * - `maxStoppedInvocations` (default 3): entries the sandbox stopped — past its real-time cap
 *   (`Sandbox.Timedout`), its memory limit (`Runtime.OutOfMemory`) or its bound on timers armed in
 *   one invocation (`Sandbox.TimerLimit`, `timers.ts`), at init or in the handler;
 * - `maxHandlerSeconds` (default 20): real seconds spent running handler code (init, invoke,
 *   resume) in the whole run. The only limit that depends on the machine: a lesson's run takes
 *   about a second, so it is reached only by code far heavier than any exercise needs.
 * Past either, the guard asks the clock for a check before the next event (`RunBounds` then stops
 * the run with `RunLimitError`, naming the function, what stopped it and where), and answers every
 * later entry at once with a failure instead of running learner code again.
 */
import { TIMER_LIMIT } from './timers';
import type { CallReply, EnvironmentPort, ErrorInfo, Executor, Finished, FunctionInfo, HandlerContext, InitOutcome, InvokeOutcome, Step } from './executor';

export interface RunawayLimits {
  maxStoppedInvocations: number;
  maxHandlerSeconds: number;
}

/** Why the guard stopped the run, for `RunBounds` to report. */
export interface RunawayTrip {
  limit: 'maxStoppedInvocations' | 'maxHandlerSeconds';
  value: number;
  max: number;
  /** The function responsible (the one that was stopped, or that used the most real time). */
  resource: string;
  /** What happened, for the learner. */
  message: string;
}

const STOPPED_NAMES = new Set(['Sandbox.Timedout', 'Runtime.OutOfMemory', TIMER_LIMIT]);

/** Did the sandbox have to stop this code (its real-time cap or its memory limit)? */
export function stoppedBySandbox(outcome: InvokeOutcome | InitOutcome): ErrorInfo | undefined {
  if (outcome.ok) return undefined;
  // Only the executor's own verdicts (fatal: the environment is gone), never an error the learner's
  // code threw with the same name.
  const error = outcome.error as ErrorInfo & { fatal?: boolean; uncaught?: boolean };
  if ((outcome as { timedOut?: boolean }).timedOut === true || (error.fatal === true && error.uncaught !== true && STOPPED_NAMES.has(error.name))) return error;
  return undefined;
}

/** The answer to an entry once the run is being stopped: no learner code runs any more. */
const STOPPING: ErrorInfo = { name: 'Sandbox.Stopped', message: 'the run is being stopped: its handlers had to be stopped by the sandbox too often, or took too long in real time' };

function where(error: ErrorInfo): string {
  const loc = (error as { location?: { file?: string; line?: number } }).location;
  return loc?.file ? ` (${loc.file.split(/[\\/]/).pop()}${loc.line ? `:${loc.line}` : ''})` : '';
}

export class RunawayGuard implements Executor {
  private readonly fnOf = new Map<string, string>();
  private readonly realMs = new Map<string, number>();
  private totalMs = 0;
  private stopped = 0;
  private first: { fn: string; error: ErrorInfo } | undefined;
  private trip: RunawayTrip | undefined;
  readonly invokeConcurrent?: Executor['invokeConcurrent'];
  readonly resumeConcurrent?: Executor['resumeConcurrent'];

  constructor(
    private readonly inner: Executor,
    private readonly limits: RunawayLimits,
    /** Called once, when a limit is passed: the run should stop before its next event. */
    private readonly onTrip: () => void,
  ) {
    const concurrent = inner.invokeConcurrent?.bind(inner);
    const resumeConcurrent = inner.resumeConcurrent?.bind(inner);
    if (concurrent) {
      this.invokeConcurrent = (envId, event, context) => (this.trip ? [{ requestId: context.awsRequestId, outcome: { ok: false, error: STOPPING } }] : this.finished(envId, () => concurrent(envId, event, context)));
    }
    if (resumeConcurrent) this.resumeConcurrent = (envId, callId, reply) => (this.trip ? [] : this.finished(envId, () => resumeConcurrent(envId, callId, reply)));
  }

  /** Set once a limit was passed. */
  get tripped(): RunawayTrip | undefined {
    return this.trip;
  }

  createEnvironment(fn: FunctionInfo, envId: string, port: EnvironmentPort): InitOutcome {
    this.fnOf.set(envId, fn.name);
    if (this.trip) return { ok: false, error: STOPPING };
    const outcome = this.timed(envId, () => this.inner.createEnvironment(fn, envId, port));
    this.judge(envId, outcome);
    return outcome;
  }

  invoke(envId: string, event: unknown, context: HandlerContext): Step {
    if (this.trip) return { state: 'done', outcome: { ok: false, error: STOPPING } };
    return this.step(envId, () => this.inner.invoke(envId, event, context));
  }

  resume(envId: string, callId: number, reply: CallReply): Step {
    if (this.trip) return { state: 'done', outcome: { ok: false, error: STOPPING } };
    return this.step(envId, () => this.inner.resume(envId, callId, reply));
  }

  destroyEnvironment(envId: string): void {
    this.inner.destroyEnvironment(envId);
  }

  dispose(): void {
    this.inner.dispose?.();
  }

  private step(envId: string, run: () => Step): Step {
    const step = this.timed(envId, run);
    if (step.state === 'done') this.judge(envId, step.outcome);
    return step;
  }

  private finished(envId: string, run: () => Finished[]): Finished[] {
    const out = this.timed(envId, run);
    for (const f of out) this.judge(envId, f.outcome);
    return out;
  }

  private timed<T>(envId: string, run: () => T): T {
    const started = performance.now();
    try {
      return run();
    } finally {
      const ms = performance.now() - started;
      const fn = this.fnOf.get(envId) ?? envId;
      this.realMs.set(fn, (this.realMs.get(fn) ?? 0) + ms);
      this.totalMs += ms;
      if (!this.trip && this.totalMs > this.limits.maxHandlerSeconds * 1000) this.tripOnTime();
    }
  }

  private judge(envId: string, outcome: InvokeOutcome | InitOutcome): void {
    const error = stoppedBySandbox(outcome);
    if (!error) return;
    const fn = this.fnOf.get(envId) ?? envId;
    this.stopped++;
    this.first ??= { fn, error };
    if (this.trip || this.stopped < this.limits.maxStoppedInvocations) return;
    const { fn: who, error: e } = this.first;
    const what = e.name === 'Runtime.OutOfMemory' ? 'ran out of memory' : e.name === TIMER_LIMIT ? 'armed timers without end' : 'ran past the real-time cap without yielding';
    this.stop({
      limit: 'maxStoppedInvocations',
      value: this.stopped,
      max: this.limits.maxStoppedInvocations,
      resource: who,
      message: `the sandbox had to stop ${this.stopped} invocations (limits.maxStoppedInvocations is ${this.limits.maxStoppedInvocations}): ${who} ${what}${where(e)} — ${e.name}: ${e.message}. Each request would fail the same way, so the run stopped instead of repeating it`,
    });
  }

  private tripOnTime(): void {
    let who = '';
    let most = -1;
    for (const [fn, ms] of this.realMs) if (ms > most) [who, most] = [fn, ms];
    const secs = (ms: number) => +(ms / 1000).toFixed(1);
    this.stop({
      limit: 'maxHandlerSeconds',
      value: Math.ceil(this.totalMs / 1000),
      max: this.limits.maxHandlerSeconds,
      resource: who,
      message: `handler code took ${secs(this.totalMs)} s of real time (limits.maxHandlerSeconds is ${this.limits.maxHandlerSeconds}), ${secs(most)} s of it in ${who}: a lesson's run takes about a second, so the handler does far more work per request than it needs (a loop, or a log line of megabytes on every request?)`,
    });
  }

  private stop(trip: RunawayTrip): void {
    this.trip = trip;
    this.onTrip();
  }
}
