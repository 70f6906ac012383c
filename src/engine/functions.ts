/**
 * A Lambda-like function platform on the virtual clock.
 *
 * The model, as in the real service:
 * - A function runs in **execution environments**. An invoke that finds no idle environment creates
 *   one: that is a **cold start**: the module's top level runs (the *init* phase: modelled `initMs`
 *   plus any `lab.work` done at top level), then the handler. Warm environments are reused, most
 *   recently used first, and keep their module-level state until they are recycled (idle too long,
 *   timed out, crashed). Each environment runs **one invocation at a time**, so N overlapping
 *   invocations need N environments.
 * - **Concurrency** = environments that are busy or initialising. The account has a limit (1,000 by
 *   default) shared by every function without a reservation; **reserved concurrency** both
 *   guarantees and caps a function (and at least 100 must stay unreserved). Over the limit a
 *   synchronous invoke is **throttled** at once (HTTP 429); an asynchronous event is retried.
 * - **Provisioned concurrency** keeps N environments initialised ahead of time: no cold start up to N.
 * - **Timeout** (3 s default, 900 s max): the invocation fails at the timeout and its environment is
 *   thrown away, so the next invoke is cold.
 * - **Async invocation** goes through an internal event queue: function errors are retried twice
 *   (about 1 min, then 2 min later), throttles are retried with backoff, events older than the
 *   maximum event age are given up; then the on-failure destination gets the event, or it is dropped.
 * - **Billing**: requests plus GB-seconds (memory × duration rounded up to 1 ms). The init phase is
 *   billed too (as AWS does for on-demand environments since August 2025); `billInit: false` turns it off.
 *
 * Time passes inside an invocation (`invocation.ts`): a handler's service calls take their modelled
 * latency, their effects happen when they complete, and other invocations run meanwhile. The
 * invocation ends when the handler has returned, plus the function's fixed overhead (`durationMs` and
 * any injected latency: billed, the environment frozen); it times out when that is after its timeout.
 */
import type { EngineContext } from './context';
import type { TimerId } from './clock';
import { EngineError, fail } from './errors';
import { performCall, type Executor, type HandlerContext, type InitOutcome, type InvokeOutcome, type LabApi } from './executor';
import { InstancePools, type InstanceSettings } from './instanceConcurrency';
import { EnvironmentSession, instantLab, type SessionHost } from './invocation';
import { drawLatency, resolveLatency, serviceOf, validateLatency, type LatencyService, type LatencySettings, type ServiceLatency } from './latency';
import type { Random } from './random';
import { tracedValue } from './trace';
import { isStop, RECURSIVE_LOOP_MODES, RecursionGuard, type Lineage, type Origin, type RecursiveLoop } from './recursion';
import { validateEnvironment } from './environmentVariables';

export type Runtime = 'nodejs' | 'python' | 'java' | 'go';

export interface AsyncConfig {
  /** Retries after a function error: 0..2, default 2. */
  maxRetries?: number;
  /** Give up on an event older than this: 60..21600 s, default 21600 (6 h). */
  maxEventAgeS?: number;
  /** On-failure destination: receives the event and what happened once it is given up. */
  onFailure?: (event: unknown, error: string, outcome: AsyncOutcome) => void;
  /** On-success destination: receives the event and the function's result. */
  onSuccess?: (event: unknown, outcome: AsyncOutcome) => void;
}

/** How an asynchronous event ended, for a destination's invocation record. */
export interface AsyncOutcome {
  requestId: string;
  /** `Success`, `RetriesExhausted`, or `EventAgeExceeded` (the event waited longer than maxEventAgeS). */
  condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';
  /** How many times the function ran the event (throttled attempts do not count). */
  invokeCount: number;
  /** The function's result (success) or its last error (failure; absent when it never ran). */
  result?: unknown;
  error?: string;
}

export interface FunctionConfig {
  name: string;
  handler: string;
  /** 128..10240 MB, default 128. */
  memoryMb?: number;
  /** 1..900 s, default 3. */
  timeoutS?: number;
  runtime?: Runtime;
  /** Modelled init time of a cold start; default by runtime: nodejs 150, python 200, go 80, java 900. */
  initMs?: number;
  /** Fixed modelled overhead of every invoke, after the handler returns (its own time is its work and awaited calls), default 5 ms. */
  durationMs?: number;
  /** Latency of this function's service calls, per service, over the platform's (see `latency.ts`). */
  latency?: LatencySettings;
  reservedConcurrency?: number;
  provisionedConcurrency?: number;
  /** An idle environment is recycled after this long, default 600 s. */
  idleTimeoutS?: number;
  async?: AsyncConfig;
  /** Recursive loop detection (recursion.ts): `Terminate` (default) stops a chain's 17th invocation; `Allow` lets it loop. */
  recursiveLoop?: RecursiveLoop;
  /** Many requests per instance (Cloud Run, Cloud Run functions, Azure Flex): see `instanceConcurrency.ts`. */
  instances?: InstanceSettings;
  /** Environment variables (`process.env`), by Lambda's rules (environmentVariables.ts). */
  environment?: Record<string, string>;
}

/** What the caller of a synchronous invoke gets back when the invocation ends. */
export interface InvokeResult {
  ok: boolean;
  result?: unknown;
  /** `Name: message` of the error, for failed, timed-out, crashed and throttled invocations. */
  error?: string;
  throttled?: boolean;
  /** Duration of the invocation itself (not counting a cold start's init). */
  durationMs: number;
  coldStart: boolean;
  requestId: string;
  /** Init duration when this was a cold start. */
  initMs?: number;
  /** Lambda stopped the invocation: a recursive loop (recursion.ts). */
  recursive?: boolean;
}

export interface EnvironmentInfo {
  id: string;
  state: 'initializing' | 'busy' | 'idle';
  invocations: number;
  createdAt: number;
  provisioned: boolean;
  /** Requests it serves now (instances serving many at once). */
  serving?: number;
}

export interface BillingReport {
  requests: number;
  gbSeconds: number;
  cost: number;
  /** `durationMs`: billed time (for instances serving many requests, billed instance time); `idleInstanceSeconds`: minimum instances idle. */
  perFunction: Record<string, { requests: number; gbSeconds: number; durationMs: number; idleInstanceSeconds?: number }>;
}

export interface FunctionPlatformOptions {
  executor: Executor;
  lab: LabApi | ((fnName: string) => LabApi);
  /** Account concurrency limit, default 1000. */
  accountConcurrency?: number;
  /** USD per request, default 0.20 per million. */
  pricePerRequest?: number;
  /** USD per GB-second, default 0.0000166667. */
  pricePerGbSecond?: number;
  /** Bill the init phase of cold starts (default true). */
  billInit?: boolean;
  /** Latency of service calls for every function, per service, over the defaults (see `latency.ts`). */
  latency?: LatencySettings;
}

/**
 * The init phase of an on-demand environment may take 10 s; past that Lambda runs it again inside
 * the first invocation, under the function's timeout (see `rerunInit`).
 */
const INIT_CAP_MS = 10_000;
const DEFAULT_INIT_MS: Record<Runtime, number> = { nodejs: 150, python: 200, go: 80, java: 900 };
const RUNTIMES: readonly Runtime[] = ['nodejs', 'python', 'java', 'go'];
/** Async retry delays after function errors: about 1 minute, then 2 minutes. */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];
/** Throttled async events: exponential backoff from 1 s, capped at 5 min. */
const THROTTLE_BACKOFF_START_MS = 1_000;
const THROTTLE_BACKOFF_CAP_MS = 300_000;

interface FnState {
  name: string;
  handler: string;
  memoryMb: number;
  timeoutMs: number;
  environment: Record<string, string> | undefined;
  runtime: Runtime;
  initMs: number;
  durationMs: number;
  reserved: number | undefined;
  provisioned: number;
  idleTimeoutMs: number;
  maxRetries: number;
  maxEventAgeMs: number;
  onFailure: AsyncConfig['onFailure'];
  onSuccess: AsyncConfig['onSuccess'];
  lab: LabApi;
  /** Latency of each service for this function's calls, and the seeded stream its jitter comes from. */
  latency: Record<LatencyService, ServiceLatency>;
  jitter: Random;
  /** Every live environment, in creation order. */
  envs: Map<string, Env>;
  /** Idle environments; the last is the most recently used (picked first). */
  idle: Env[];
  /** Busy + initialising environments. */
  active: number;
  /** Cap set by a throttle fault (undefined = none). */
  limit: number | undefined;
  latencyMs: number;
  requests: number;
  billedMs: number;
}

interface Request {
  id: string;
  event: unknown;
  cause: string | undefined;
  done: (r: InvokeResult) => void;
  /** Where the event came from and its chain (recursive loop detection). */
  origin?: Origin;
  /** The chain the invocation runs in (stopped: the one it reached); set when it starts. */
  lineage?: Lineage;
}

interface Env {
  id: string;
  fn: FnState;
  state: 'initializing' | 'busy' | 'idle';
  invocations: number;
  createdAt: number;
  provisioned: boolean;
  idleTimer: TimerId | undefined;
  /** The invocation running (or waiting for init) on this environment. */
  running: Running | undefined;
  /** Its code as the platform drives it: entries, calls in flight, freezing (`invocation.ts`). */
  session: EnvironmentSession;
  /** The chain of each invocation whose calls may still complete here, by request id. */
  chains: Map<string, Lineage>;
}

interface Running {
  req: Request;
  coldStart: boolean;
  initMs: number;
  /** When the billed phase started (init start for cold starts). */
  billedFrom: number;
  timer: TimerId | undefined;
}

function checkNumber(path: string, value: unknown, min: number, max: number, unit: string, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    fail(path, `must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}${unit}, got ${String(value)}`);
  }
  return value;
}

export class FunctionPlatform {
  private readonly fns = new Map<string, FnState>();
  private readonly executor: Executor;
  private readonly labFor: (fnName: string) => LabApi;
  private readonly accountConcurrency: number;
  private readonly pricePerRequest: number;
  private readonly pricePerGbSecond: number;
  private readonly billInit: boolean;
  /** Busy + initialising environments across the account, and among unreserved functions. */
  private active = 0;
  private unreservedActive = 0;
  private reservedTotal = 0;
  private currentCall: { functionName: string; requestId: string | undefined; envId: string } | undefined;
  private readonly latency: LatencySettings | undefined;
  /** Recursive loop detection: the chain each invocation runs in, and the stops. */
  readonly recursion: RecursionGuard;
  /** Functions serving many requests per instance (`instanceConcurrency.ts`); every function's name, in definition order. */
  readonly instances: InstancePools;
  private readonly names = new Set<string>();

  constructor(
    private readonly ctx: EngineContext,
    options: FunctionPlatformOptions,
  ) {
    if (!options || typeof options.executor !== 'object' || options.executor === null) fail('executor', 'an executor is required');
    if (typeof options.lab !== 'function' && (typeof options.lab !== 'object' || options.lab === null)) fail('lab', 'a lab API (or a function returning one) is required');
    this.accountConcurrency = options.accountConcurrency === undefined ? 1000 : checkNumber('accountConcurrency', options.accountConcurrency, 1, 1_000_000, '', true);
    this.pricePerRequest = options.pricePerRequest === undefined ? 0.2 / 1_000_000 : checkNumber('pricePerRequest', options.pricePerRequest, 0, 1_000_000, ' USD');
    this.pricePerGbSecond = options.pricePerGbSecond === undefined ? 0.0000166667 : checkNumber('pricePerGbSecond', options.pricePerGbSecond, 0, 1_000_000, ' USD');
    this.billInit = options.billInit ?? true;
    this.latency = options.latency === undefined ? undefined : validateLatency(options.latency, 'latency');
    this.executor = options.executor;
    this.recursion = new RecursionGuard(ctx.trace);
    const lab = options.lab;
    this.labFor = typeof lab === 'function' ? lab : () => lab;
    this.instances = new InstancePools({
      ctx,
      executor: this.executor,
      latency: this.latency,
      labFor: this.labFor,
      within: (functionName, requestId, envId, run) => this.attributed({ functionName, requestId, envId }, run),
    });
  }

  /** Run `run` as the code of one invocation (the wiring layer attributes sends by `current()`). */
  private attributed<T>(call: { functionName: string; requestId: string | undefined; envId: string }, run: () => T): T {
    const previous = this.currentCall;
    this.currentCall = call;
    try {
      return run();
    } finally {
      this.currentCall = previous;
    }
  }

  /** Unreserved concurrency that must always remain: 100, scaled down for small accounts. */
  private get minUnreserved(): number {
    return Math.min(100, Math.floor(this.accountConcurrency / 10));
  }

  /** Create a function. Validates everything first: a rejected config changes nothing. */
  define(config: FunctionConfig): void {
    if (!config || typeof config !== 'object') fail('config', 'must be an object');
    const name = config.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) fail('name', `must be 1-64 letters, digits, '-' or '_', got ${JSON.stringify(name)}`);
    if (this.names.has(name)) fail('name', `a function named '${name}' already exists`);
    if (typeof config.handler !== 'string' || config.handler === '') fail('handler', 'must be a non-empty string');
    if (config.instances !== undefined) {
      const a = config.async;
      const asyncSet = a !== undefined && (a.maxRetries !== undefined || a.maxEventAgeS !== undefined || a.onFailure !== undefined || a.onSuccess !== undefined) ? a : undefined;
      this.instances.define({ ...config, instances: config.instances }, [
        ['reservedConcurrency', config.reservedConcurrency, 'instances.maxInstances'],
        ['provisionedConcurrency', config.provisionedConcurrency, 'instances.minInstances'],
        ['recursiveLoop', config.recursiveLoop, 'nothing of the kind (recursive loop detection is Lambda\'s)'],
        ['async', asyncSet, 'no asynchronous invocation settings'],
      ]);
      this.names.add(name);
      return;
    }
    const memoryMb = config.memoryMb === undefined ? 128 : checkNumber('memoryMb', config.memoryMb, 128, 10240, ' MB', true);
    const timeoutS = config.timeoutS === undefined ? 3 : checkNumber('timeoutS', config.timeoutS, 1, 900, ' seconds');
    const runtime = config.runtime ?? 'nodejs';
    if (!RUNTIMES.includes(runtime)) fail('runtime', `must be one of ${RUNTIMES.join(', ')}, got ${JSON.stringify(runtime)}`);
    const initMs = config.initMs === undefined ? DEFAULT_INIT_MS[runtime] : checkNumber('initMs', config.initMs, 0, 3_600_000, ' ms');
    const durationMs = config.durationMs === undefined ? 5 : checkNumber('durationMs', config.durationMs, 0, 3_600_000, ' ms');
    const idleTimeoutS = config.idleTimeoutS === undefined ? 600 : checkNumber('idleTimeoutS', config.idleTimeoutS, 1, 86_400, ' seconds');
    const maxReservable = this.accountConcurrency - this.minUnreserved - this.reservedTotal;
    let reserved: number | undefined;
    if (config.reservedConcurrency !== undefined) {
      reserved = checkNumber('reservedConcurrency', config.reservedConcurrency, 0, this.accountConcurrency, '', true);
      if (reserved > maxReservable) {
        fail('reservedConcurrency', `${reserved} would leave less than ${this.minUnreserved} unreserved concurrency (at most ${Math.max(0, maxReservable)} can still be reserved)`);
      }
    }
    let provisioned = 0;
    if (config.provisionedConcurrency !== undefined) {
      provisioned = checkNumber('provisionedConcurrency', config.provisionedConcurrency, 0, this.accountConcurrency - this.minUnreserved, '', true);
      if (reserved !== undefined && provisioned > reserved) fail('provisionedConcurrency', `${provisioned} exceeds reservedConcurrency ${reserved}`);
    }
    const asyncCfg = config.async ?? {};
    if (typeof asyncCfg !== 'object' || asyncCfg === null) fail('async', 'must be an object');
    const maxRetries = asyncCfg.maxRetries === undefined ? 2 : checkNumber('async.maxRetries', asyncCfg.maxRetries, 0, 2, '', true);
    const maxEventAgeS = asyncCfg.maxEventAgeS === undefined ? 21600 : checkNumber('async.maxEventAgeS', asyncCfg.maxEventAgeS, 60, 21600, ' seconds');
    if (asyncCfg.onFailure !== undefined && typeof asyncCfg.onFailure !== 'function') fail('async.onFailure', 'must be a function');
    if (asyncCfg.onSuccess !== undefined && typeof asyncCfg.onSuccess !== 'function') fail('async.onSuccess', 'must be a function');
    const latency = resolveLatency(this.latency, config.latency === undefined ? undefined : validateLatency(config.latency, 'latency'));
    if (config.recursiveLoop !== undefined && !RECURSIVE_LOOP_MODES.includes(config.recursiveLoop)) fail('recursiveLoop', `must be one of ${RECURSIVE_LOOP_MODES.join(', ')}, got ${JSON.stringify(config.recursiveLoop)}`);

    const environment = validateEnvironment(config.environment);
    const fn: FnState = {
      name,
      handler: config.handler,
      memoryMb,
      timeoutMs: timeoutS * 1000,
      environment,
      runtime,
      initMs,
      durationMs,
      reserved,
      provisioned,
      idleTimeoutMs: idleTimeoutS * 1000,
      maxRetries,
      maxEventAgeMs: maxEventAgeS * 1000,
      onFailure: asyncCfg.onFailure,
      onSuccess: asyncCfg.onSuccess,
      lab: this.labFor(name),
      latency,
      jitter: this.ctx.stream(`latency:${name}`),
      envs: new Map(),
      idle: [],
      active: 0,
      limit: undefined,
      latencyMs: 0,
      requests: 0,
      billedMs: 0,
    };
    this.fns.set(name, fn);
    this.names.add(name);
    this.recursion.configure(name, config.recursiveLoop);
    if (reserved !== undefined) this.reservedTotal += reserved;
    for (let i = 0; i < provisioned; i++) this.provision(fn);
  }

  /**
   * Delete a function (the playground's "detach"). Idle environments are thrown away at once; a
   * running invocation finishes and its environment is recycled later; asynchronous events still
   * queued for it are given up silently. A new function may then take the same name.
   */
  remove(name: string): void {
    this.names.delete(name);
    if (this.instances.has(name)) return this.instances.remove(name);
    const fn = this.fn(name);
    this.fns.delete(name);
    for (const env of [...fn.idle]) this.destroy(env, 'deleted');
    if (fn.reserved !== undefined) this.reservedTotal -= fn.reserved;
  }

  /** Names of the defined functions, in definition order. */
  functionNames(): string[] {
    return [...this.names];
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** The function (and invocation) whose code is running right now, if any: lets the wiring layer attribute sends. */
  current(): { functionName: string; requestId: string | undefined; envId: string } | undefined {
    return this.currentCall;
  }

  private fn(name: string): FnState {
    const fn = this.fns.get(name);
    if (!fn) throw new EngineError('ResourceNotFoundException', `Function not found: ${name}`);
    return fn;
  }

  // ---------------------------------------------------------------- synchronous invocation

  /**
   * Invoke synchronously (RequestResponse). `done` is called when the invocation ends in virtual
   * time, or at once (with `throttled: true`) when there is no concurrency for it.
   * Returns the request id.
   */
  invoke(name: string, event: unknown, done: (r: InvokeResult) => void, cause?: string, origin?: Origin): string {
    if (this.instances.has(name)) return this.instances.invoke(name, event, done, cause);
    const fn = this.fn(name);
    if (typeof done !== 'function') fail('done', 'must be a function');
    const id = this.ctx.id('req');
    this.start(fn, { id, event, cause, done, ...(origin !== undefined ? { origin } : {}) });
    return id;
  }

  /** Why `fn` cannot take one more concurrent invocation, or undefined when it can. */
  private throttleReason(fn: FnState): string | undefined {
    if (fn.limit !== undefined && fn.active >= fn.limit) return 'function concurrency limit';
    if (fn.reserved !== undefined) return fn.active >= fn.reserved ? 'reserved concurrency' : undefined;
    if (this.unreservedActive >= this.accountConcurrency - this.reservedTotal) return 'account concurrency';
    return undefined;
  }

  private start(fn: FnState, req: Request, stopAction = 'the caller gets the error'): void {
    const lineage = this.recursion.enter(fn.name, req.id, req.cause, req.origin, req.origin?.stopAction ?? stopAction);
    if (isStop(lineage)) {
      req.lineage = lineage.lineage;
      req.done({ ok: false, recursive: true, error: lineage.error, durationMs: 0, coldStart: false, requestId: req.id });
      return;
    }
    req.lineage = lineage;
    const reason = this.throttleReason(fn);
    if (reason !== undefined) {
      this.ctx.trace.emit('throttled', fn.name, req.id, req.cause, { reason, concurrency: fn.active });
      req.done({ ok: false, throttled: true, error: `TooManyRequestsException: Rate exceeded (${reason})`, durationMs: 0, coldStart: false, requestId: req.id });
      return;
    }
    this.addActive(fn, 1);
    fn.requests++;
    const warm = fn.idle.pop();
    if (warm) {
      this.ctx.clock.cancel(warm.idleTimer);
      warm.idleTimer = undefined;
      warm.state = 'busy';
      warm.running = { req, coldStart: false, initMs: 0, billedFrom: this.ctx.clock.now, timer: undefined };
      warm.chains.set(req.id, lineage);
      this.ctx.trace.emit('invoked', fn.name, req.id, req.cause, { env: warm.id, coldStart: false });
      this.runHandler(warm);
      return;
    }
    // Cold start: a new environment, whose init runs now.
    const env = this.newEnv(fn, false);
    env.state = 'initializing';
    env.running = { req, coldStart: true, initMs: 0, billedFrom: this.ctx.clock.now, timer: undefined };
    env.chains.set(req.id, lineage);
    this.ctx.trace.emit('invoked', fn.name, req.id, req.cause, { env: env.id, coldStart: true });
    const init = this.runInit(env, req.id);
    const initMs = init.initMs;
    env.running.initMs = initMs;
    // Only virtual time goes in the trace (the executor's real `measuredMs` would make runs differ).
    this.ctx.trace.emit('cold-start', fn.name, req.id, req.cause, { env: env.id, initMs });
    const outcome = init.outcome;
    const initTimedOut = initMs > INIT_CAP_MS;
    env.running.timer = this.ctx.clock.schedule(Math.min(initMs, INIT_CAP_MS), () => {
      const running = env.running!;
      running.timer = undefined;
      if (outcome.ok && initTimedOut) {
        this.rerunInit(env);
        return;
      }
      if (!outcome.ok) {
        const error = `${outcome.error.name}: ${outcome.error.message}`;
        this.bill(fn, this.billInit ? this.ctx.clock.now - running.billedFrom : 0);
        this.ctx.trace.emit('failed', fn.name, req.id, req.cause, { env: env.id, error, phase: 'init', ...(!outcome.ok ? errorLocation(outcome.error) : {}) });
        env.running = undefined;
        this.destroy(env, 'init-error');
        req.done({ ok: false, error, durationMs: 0, coldStart: true, requestId: req.id, initMs: running.initMs });
        return;
      }
      env.state = 'busy';
      if (!this.billInit) running.billedFrom = this.ctx.clock.now;
      this.runHandler(env);
    });
  }

  /**
   * The init phase ran past its 10 s: as Lambda does for on-demand environments, the module's top
   * level runs again inside the first invocation, under the function's timeout (the invocation's
   * duration includes it). Past the timeout, the invocation times out.
   */
  private rerunInit(env: Env): void {
    const fn = env.fn;
    const running = env.running!;
    const req = running.req;
    const clock = this.ctx.clock;
    // The first attempt is thrown away: its module state and calls in flight are gone.
    env.session.end('init-rerun');
    this.executor.destroyEnvironment(env.id);
    env.session = new EnvironmentSession(fn.name, env.id, this.sessionHost(env), this.ctx.stream(`environment:${env.id}:rerun`).int(4294967296));
    const startedAt = clock.now;
    const timeoutAt = startedAt + fn.timeoutMs;
    const init = this.runInit(env, req.id, timeoutAt);
    const initMs = init.initMs;
    running.initMs = INIT_CAP_MS + initMs;
    this.ctx.trace.emit('cold-start', fn.name, req.id, req.cause, { env: env.id, initMs, rerun: true, reason: `init exceeded ${INIT_CAP_MS / 1000} s: re-run inside the invocation, under its ${fn.timeoutMs / 1000} s timeout` });
    const outcome = init.outcome;
    if (initMs >= fn.timeoutMs) {
      running.timer = clock.at(timeoutAt, () => this.timeOut(env, running, startedAt));
      return;
    }
    running.timer = clock.schedule(initMs, () => {
      running.timer = undefined;
      if (!outcome.ok) {
        const error = `${outcome.error.name}: ${outcome.error.message}`;
        this.bill(fn, clock.now - running.billedFrom);
        this.ctx.trace.emit('failed', fn.name, req.id, req.cause, { env: env.id, error, phase: 'init', ...errorLocation(outcome.error) });
        env.running = undefined;
        this.destroy(env, 'init-error');
        req.done({ ok: false, error, durationMs: clock.now - startedAt, coldStart: true, requestId: req.id, initMs: running.initMs });
        return;
      }
      env.state = 'busy';
      this.runHandler(env, { startedAt, timeoutAt });
    });
  }

  private newEnv(fn: FnState, provisioned: boolean): Env {
    const id = this.ctx.id('env');
    // Its random seed comes from a stream of its own (derived from the scenario seed without drawing
    // from the shared one), so what a handler reads cannot shift jitter, duplicates or traffic.
    const seed = this.ctx.stream(`environment:${id}`).int(4294967296);
    const env: Env = {
      id,
      fn,
      state: 'initializing',
      invocations: 0,
      createdAt: this.ctx.clock.now,
      provisioned,
      idleTimer: undefined,
      running: undefined,
      session: undefined as unknown as EnvironmentSession,
      chains: new Map(),
    };
    env.session = new EnvironmentSession(fn.name, id, this.sessionHost(env), seed);
    fn.envs.set(env.id, env);
    return env;
  }

  /** How an environment's calls are timed and performed, and who they are attributed to. */
  private sessionHost(env: Env): SessionHost {
    const fn = env.fn;
    const within = <T>(requestId: string | undefined, run: () => T): T =>
      this.attributed({ functionName: fn.name, requestId, envId: env.id }, () => this.recursion.carrying(requestId === undefined ? undefined : env.chains.get(requestId), run));
    return {
      ctx: this.ctx,
      executor: this.executor,
      latency: (call) => drawLatency(fn.latency[serviceOf(call)], fn.jitter),
      perform: (call, args, requestId) => within(requestId, () => performCall(fn.lab, call, args)),
      within,
      instantLab: instantLab(fn.lab, () => env.session),
      // Frozen and idle: thrown away now; still finishing its invocation: when it ends (`release`).
      lost: () => {
        if (env.state === 'idle') this.destroy(env, 'crash');
      },
    };
  }

  /**
   * The init phase: the runtime starts (the function's `initMs`), then the module's top-level code
   * runs — its clock and its calls start after the runtime's start, as on Lambda, where the static
   * code runs once the runtime is up. Init ends when that code returns plus the work it declared;
   * a call it started and did not wait for is still in flight when the first invocation begins.
   */
  private runInit(env: Env, requestId: string | undefined, deadline = this.ctx.clock.now + INIT_CAP_MS): { outcome: InitOutcome; initMs: number } {
    const fn = env.fn;
    const session = env.session;
    session.initRequestId = requestId;
    session.initStartedAt = this.ctx.clock.now;
    session.initDeadline = deadline;
    let outcome: InitOutcome;
    try {
      outcome = session.enter(() => this.executor.createEnvironment({ name: fn.name, handler: fn.handler, memoryMb: fn.memoryMb, timeoutMs: fn.timeoutMs, environment: fn.environment, provisioned: env.provisioned }, env.id, session.port), fn.initMs);
    } catch (thrown) {
      const e = thrown instanceof Error ? thrown : new Error(String(thrown));
      outcome = { ok: false, error: { name: e.name, message: e.message } };
    }
    const initMs = session.workSoFar;
    session.initRequestId = undefined;
    session.initDeadline = Number.POSITIVE_INFINITY;
    return { outcome, initMs };
  }

  /**
   * Run the handler on `env` now. It ends when its code has returned plus the function's fixed
   * overhead, or at its timeout, whichever comes first; meanwhile its calls take their time.
   */
  private runHandler(env: Env, window?: { startedAt: number; timeoutAt: number }): void {
    const fn = env.fn;
    const running = env.running!;
    const req = running.req;
    const clock = this.ctx.clock;
    env.invocations++;
    // Normally the invocation starts now; after an init re-run it started with the re-run.
    const startedAt = window?.startedAt ?? clock.now;
    const overheadMs = fn.durationMs + fn.latencyMs;
    const timeoutAt = window?.timeoutAt ?? startedAt + fn.timeoutMs;
    const session = env.session;
    const context: HandlerContext = {
      awsRequestId: req.id,
      functionName: fn.name,
      memoryLimitInMB: fn.memoryMb,
      getRemainingTimeInMillis: () => session.remaining(),
      coldStart: running.coldStart,
      environmentId: env.id,
    };
    running.timer = clock.at(timeoutAt, () => this.timeOut(env, running, startedAt));
    session.invoke(
      {
        requestId: req.id,
        startedAt,
        timeoutMs: fn.timeoutMs,
        // A call may start until the time left is only the fixed overhead.
        deadline: timeoutAt - overheadMs,
        overheadMs,
        settled: (outcome, at) => {
          // A handler stopped by the sandbox's real-time cap, or one that ends after its timeout,
          // times out at the timeout (the timer already set).
          if (!outcome.ok && outcome.timedOut === true) return;
          const endAt = at + overheadMs;
          if (endAt > timeoutAt) return;
          clock.cancel(running.timer);
          running.timer = clock.at(endAt, () => this.finish(env, running, outcome, startedAt));
        },
      },
      () => {
        try {
          return this.executor.invoke(env.id, req.event, context);
        } catch (thrown) {
          const e = thrown instanceof Error ? thrown : new Error(String(thrown));
          return { state: 'done', outcome: { ok: false, error: { name: e.name, message: e.message } } };
        }
      },
    );
  }

  /** The invocation ends: bill it, record how, and free (or throw away) its environment. */
  private finish(env: Env, running: Running, outcome: InvokeOutcome, startedAt: number): void {
    const fn = env.fn;
    const req = running.req;
    const clock = this.ctx.clock;
    running.timer = undefined;
    env.running = undefined;
    this.bill(fn, clock.now - running.billedFrom);
    const durationMs = round3(clock.now - startedAt);
    const base = { coldStart: running.coldStart, requestId: req.id, ...(running.coldStart ? { initMs: running.initMs } : {}) };
    if (outcome.ok) {
      if (this.ctx.trace.wants('succeeded')) {
        // What the handler returned (its start, when long): checks and learners see the answer.
        const detail: Record<string, unknown> = { env: env.id, durationMs, billedMs: Math.ceil(durationMs) };
        const returned = tracedValue(outcome.result);
        if (returned !== undefined) detail.returned = returned;
        this.ctx.trace.emit('succeeded', fn.name, req.id, req.cause, detail);
      } else this.ctx.trace.emit('succeeded', fn.name, req.id, req.cause);
      this.release(env);
      req.done({ ok: true, result: outcome.result, durationMs, ...base });
      return;
    }
    const error = `${outcome.error.name}: ${outcome.error.message}`;
    this.ctx.trace.emit('failed', fn.name, req.id, req.cause, { env: env.id, error, durationMs, ...errorLocation(outcome.error) });
    // An executor marks an error fatal when the environment itself is gone (killed for memory,
    // crashed): like Lambda, the platform throws it away and the next invoke is a cold start.
    if ((outcome.error as { fatal?: boolean }).fatal) this.destroy(env, 'crash');
    else this.release(env);
    req.done({ ok: false, error, durationMs, ...base });
  }

  /** The invocation reached its timeout: it fails, and its environment (with its calls in flight) is thrown away. */
  private timeOut(env: Env, running: Running, startedAt: number): void {
    const fn = env.fn;
    const req = running.req;
    const clock = this.ctx.clock;
    running.timer = undefined;
    env.running = undefined;
    this.bill(fn, clock.now - running.billedFrom);
    const error = `Sandbox.Timedout: Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`;
    this.ctx.trace.emit('timed-out', fn.name, req.id, req.cause, { env: env.id, timeoutMs: fn.timeoutMs, error });
    this.destroy(env, 'timeout');
    req.done({ ok: false, error, durationMs: clock.now - startedAt, coldStart: running.coldStart, requestId: req.id, ...(running.coldStart ? { initMs: running.initMs } : {}) });
  }

  private bill(fn: FnState, ms: number): void {
    fn.billedMs += Math.ceil(ms);
  }

  private addActive(fn: FnState, delta: number): void {
    fn.active += delta;
    this.active += delta;
    if (fn.reserved === undefined) this.unreservedActive += delta;
  }

  /** The invocation ended normally: the environment is frozen until the next invoke or recycling. */
  private release(env: Env): void {
    if (env.session.lost) return this.destroy(env, 'crash');
    const fn = env.fn;
    this.addActive(fn, -1);
    env.state = 'idle';
    env.session.freeze();
    // No call of an earlier invocation can complete any more: their chains are done with.
    if (env.session.callsInFlight === 0) env.chains.clear();
    fn.idle.push(env);
    if (!env.provisioned) env.idleTimer = this.ctx.clock.schedule(fn.idleTimeoutMs, () => this.destroy(env, 'idle'));
  }

  /** Throw an environment away (module state and calls in flight lost). A lost provisioned environment is replaced. */
  private destroy(env: Env, cause: string): void {
    const fn = env.fn;
    if (!fn.envs.delete(env.id)) return;
    if (env.state === 'idle') {
      const i = fn.idle.indexOf(env);
      if (i >= 0) fn.idle.splice(i, 1);
      this.ctx.clock.cancel(env.idleTimer);
      env.idleTimer = undefined;
    } else {
      this.addActive(fn, -1);
    }
    env.session.end(cause);
    this.executor.destroyEnvironment(env.id);
    this.ctx.output.forget(env.id);
    this.ctx.trace.emit('env-destroyed', fn.name, env.id, cause, { invocations: env.invocations, lifetimeMs: this.ctx.clock.now - env.createdAt });
    if (env.provisioned && this.fns.get(fn.name) === fn) {
      // The platform keeps the provisioned count: a replacement is initialised in the background.
      this.ctx.clock.schedule(fn.initMs, () => this.provision(fn));
    }
  }

  /** Create one provisioned environment, initialised ahead of any invoke (no cold start for callers). */
  private provision(fn: FnState): void {
    const env = this.newEnv(fn, true);
    const { outcome } = this.runInit(env, undefined);
    if (!outcome.ok) {
      fn.envs.delete(env.id);
      env.session.end('init-error');
      this.executor.destroyEnvironment(env.id);
      this.ctx.trace.emit('failed', fn.name, env.id, 'provisioning', { env: env.id, error: `${outcome.error.name}: ${outcome.error.message}`, phase: 'init' });
      return;
    }
    env.state = 'idle';
    env.session.freeze();
    fn.idle.push(env);
  }

  // ---------------------------------------------------------------- asynchronous invocation

  /**
   * Invoke asynchronously (Event): the event joins the function's internal queue and the caller
   * gets the request id at once. Function errors are retried `maxRetries` times (≈1 min, then
   * ≈2 min later); throttles are retried with backoff without using up retries; an event that runs
   * out of retries or exceeds the maximum event age goes to `onFailure` ('dead-lettered') or is
   * 'dropped'. The request id stays the same across retries.
   */
  invokeAsync(name: string, event: unknown, cause?: string, origin?: Origin): string {
    if (this.instances.has(name)) return this.instances.invokeAsync(name, event, cause);
    const fn = this.fn(name);
    const id = this.ctx.id('req');
    const createdAt = this.ctx.clock.now;
    let retries = 0;
    let throttles = 0;
    let invokeCount = 0;
    let lastError: string | undefined;
    /** The event's chain: as it came, then as the function's invocations carried it on (recursion.ts). */
    let lineage = origin?.lineage;
    const giveUp = (error: string, reason: string, condition: 'RetriesExhausted' | 'EventAgeExceeded'): void => {
      if (fn.onFailure) {
        this.ctx.trace.emit('dead-lettered', fn.name, id, cause, { error, reason, retries });
        const onFailure = fn.onFailure;
        this.recursion.carrying(lineage, () => onFailure(event, error, { requestId: id, condition, invokeCount, ...(lastError !== undefined ? { error: lastError } : {}) }));
      } else {
        this.ctx.trace.emit('dropped', fn.name, id, cause, { error, reason, retries });
      }
    };
    const retryLater = (delayMs: number, error: string, reason: 'error' | 'throttled'): void => {
      if (this.ctx.clock.now + delayMs - createdAt > fn.maxEventAgeMs) {
        giveUp(error, 'maximum event age exceeded', 'EventAgeExceeded');
        return;
      }
      this.ctx.trace.emit('retried', fn.name, id, cause, { reason, attempt: retries + throttles, delayMs, error });
      this.ctx.clock.schedule(delayMs, attempt);
    };
    const attempt = (): void => {
      if (this.fns.get(name) !== fn) return;
      const req: Request = {
        id,
        event,
        cause,
        ...(origin !== undefined ? { origin } : {}),
        done: (r) => {
          if (req.lineage !== undefined) lineage = req.lineage;
          if (!r.throttled && !r.recursive) invokeCount++;
          if (r.ok) {
            const onSuccess = fn.onSuccess;
            if (onSuccess) this.recursion.carrying(lineage, () => onSuccess(event, { requestId: id, condition: 'Success', invokeCount, result: r.result }));
            return;
          }
          const error = r.error ?? 'Unknown error';
          if (!r.throttled) lastError = error;
          if (r.recursive) {
            // Lambda stopped a recursive loop: the event goes to the on-failure destination (or is dropped), never retried.
            giveUp(error, 'recursive loop detected', 'RetriesExhausted');
          } else if (r.throttled && fn.reserved === 0) {
            // Reserved concurrency 0 stops the function: Lambda sends new events straight to the
            // dead-letter queue / on-failure destination, without retries.
            giveUp(error, 'reserved concurrency is 0', 'RetriesExhausted');
          } else if (r.throttled) {
            const delay = Math.min(THROTTLE_BACKOFF_START_MS * 2 ** throttles, THROTTLE_BACKOFF_CAP_MS);
            throttles++;
            retryLater(delay, error, 'throttled');
          } else if (retries < fn.maxRetries) {
            const delay = ASYNC_RETRY_DELAYS_MS[Math.min(retries, ASYNC_RETRY_DELAYS_MS.length - 1)];
            retries++;
            retryLater(delay, error, 'error');
          } else {
            giveUp(error, 'retries exhausted', 'RetriesExhausted');
          }
        },
      };
      this.start(fn, req, fn.onFailure ? 'the event goes to the on-failure destination, without retries' : 'the event is dropped (no on-failure destination), without retries');
    };
    // The internal queue hands the event to the function later in this instant.
    this.ctx.clock.schedule(0, attempt);
    return id;
  }

  // ---------------------------------------------------------------- inspection

  environments(name: string): EnvironmentInfo[] {
    if (this.instances.has(name)) return this.instances.environments(name);
    const fn = this.fn(name);
    const out: EnvironmentInfo[] = [];
    for (const env of fn.envs.values()) out.push({ id: env.id, state: env.state, invocations: env.invocations, createdAt: env.createdAt, provisioned: env.provisioned });
    return out;
  }

  /** Concurrent executions now (busy + initialising environments), for one function or the account. */
  concurrency(name?: string): number {
    if (name !== undefined && this.instances.has(name)) return this.instances.concurrency(name);
    return name === undefined ? this.active : this.fn(name).active;
  }

  billing(): BillingReport {
    const perFunction: BillingReport['perFunction'] = {};
    let requests = 0;
    let gbSeconds = 0;
    const pooled = new Map(this.instances.billing().map((b) => [b.name, b]));
    for (const name of this.names) {
      const fn = this.fns.get(name);
      const b = pooled.get(name);
      const row = fn ? { requests: fn.requests, gbSeconds: (fn.memoryMb / 1024) * (fn.billedMs / 1000), durationMs: fn.billedMs } : b && { requests: b.requests, gbSeconds: b.gbSeconds, durationMs: b.billedMs, idleInstanceSeconds: b.idleInstanceSeconds };
      if (!row) continue;
      perFunction[name] = row;
      requests += row.requests;
      gbSeconds += row.gbSeconds;
    }
    return { requests, gbSeconds, cost: requests * this.pricePerRequest + gbSeconds * this.pricePerGbSecond, perFunction };
  }

  // ---------------------------------------------------------------- faults

  /** Cap a function's concurrency (a throttling fault); undefined lifts the cap. Running invocations continue. */
  setConcurrencyLimit(name: string, limit: number | undefined): void {
    if (this.instances.has(name)) return this.instances.setConcurrencyLimit(name, limit);
    const fn = this.fn(name);
    if (limit !== undefined) checkNumber('limit', limit, 0, this.accountConcurrency, '', true);
    fn.limit = limit;
  }

  /**
   * An environment dies: the oldest running invocation fails (cause 'crash') and its environment
   * is destroyed. With nothing running, the most recently used idle environment dies (its module
   * state is lost). Returns the id of the environment that died, if any.
   */
  crash(name: string): string | undefined {
    if (this.instances.has(name)) return this.instances.crash(name);
    const fn = this.fn(name);
    for (const env of fn.envs.values()) {
      if (env.state === 'idle' || !env.running) continue;
      const running = env.running;
      this.ctx.clock.cancel(running.timer);
      env.running = undefined;
      const now = this.ctx.clock.now;
      this.bill(fn, env.state === 'initializing' && !this.billInit ? 0 : now - running.billedFrom);
      const error = 'Runtime.ExitError: the execution environment crashed';
      this.ctx.trace.emit('failed', fn.name, running.req.id, 'crash', { env: env.id, error });
      this.destroy(env, 'crash');
      running.req.done({ ok: false, error, durationMs: 0, coldStart: running.coldStart, requestId: running.req.id });
      return env.id;
    }
    const idle = fn.idle[fn.idle.length - 1];
    if (idle) {
      this.destroy(idle, 'crash');
      return idle.id;
    }
    return undefined;
  }

  /** Add (or with a negative value remove) latency to every later invocation of a function. */
  addLatency(name: string, ms: number): void {
    if (this.instances.has(name)) return this.instances.addLatency(name, ms);
    const fn = this.fn(name);
    if (typeof ms !== 'number' || !Number.isFinite(ms) || fn.latencyMs + ms < 0) fail('ms', `must be a finite number keeping the added latency ≥ 0, got ${String(ms)}`);
    fn.latencyMs += ms;
  }
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Where in the learner's source an error was thrown, when the executor knows (the sandbox does). */
function errorLocation(error: unknown): { location?: { file: string; line: number; column: number } } {
  const loc = (error as { location?: { file?: unknown; line?: unknown; column?: unknown } }).location;
  if (loc && typeof loc.file === 'string' && typeof loc.line === 'number' && typeof loc.column === 'number') return { location: { file: loc.file, line: loc.line, column: loc.column } };
  return {};
}
