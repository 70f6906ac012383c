/**
 * Functions that serve **many requests per instance**: Google Cloud Run, Cloud Run functions
 * (Cloud Functions 2nd gen) and Azure Functions on the Flex Consumption plan. The counterpart of
 * Lambda's one-request-per-environment model in `functions.ts`, on the same virtual clock, trace and
 * awaited invocation model (`invocation.ts`).
 *
 * The model, as the platforms document it:
 * - An **instance** serves up to `concurrency` requests at once. They run in one JavaScript thread
 *   and share the module's state: a module-level variable one request writes is what another request
 *   reads after its next `await` — there is no isolation between concurrent requests on an instance
 *   (https://cloud.google.com/functions/docs/configuring/concurrency: "does not provide isolation
 *   between concurrent requests processed by the same function instance").
 * - A request goes to a running instance with room (the busiest one below its concurrency, so
 *   requests pack together); only when every instance is at its concurrency does a new instance
 *   start — and only a new instance has a **cold start**. Requests that arrive while it starts wait
 *   for it, up to its concurrency. At `maxInstances`, each at its concurrency, a request is refused
 *   with 429 ("no available instance").
 * - **Minimum instances** (Cloud Run `min-instances`, Azure's *always ready* instances) are started
 *   ahead of traffic and never scaled in: the counterpart of Lambda's provisioned concurrency.
 *   Other idle instances are scaled in after `idleTimeoutS` (default 900 s: Cloud Run keeps an idle
 *   instance up to 15 minutes).
 * - **Request timeout**: the request fails (HTTP 504) but the instance is *not* terminated — "the
 *   container or code might keep processing the terminated request"
 *   (https://cloud.google.com/run/docs/configuring/request-timeout) — so its later calls still take
 *   effect, and the other requests on the instance go on. (On Lambda the environment is thrown away.)
 * - **Billing** is per *instance time*, not per request: with request-based billing (the default)
 *   an instance is billed while it serves at least one request, so 80 overlapping one-second
 *   requests on one instance bill about one second, where Lambda bills 80 × 1 s of GB-seconds.
 *   Each busy period is rounded up to 100 ms (Azure Flex: at least 1,000 ms, then 100 ms). Outside
 *   requests the instance's CPU is throttled, so a call its code did not await waits, as on Lambda.
 *   With instance-based billing (`billing: 'instance'`) the instance is billed from start to scale-in
 *   and its CPU stays on: such calls go on between requests.
 *
 * What the lab leaves out: the autoscaler's CPU target (Cloud Run also adds instances to keep CPU
 * near 60 %; here only concurrency decides — CPU work declared with `work(ms)` queues on the
 * instance's one JavaScript thread instead), the idle-instance price of minimum instances (reported
 * as idle seconds, not priced), retries of event deliveries to these platforms and Azure's 230 s
 * limit on an HTTP answer. (Cloud Run functions' 540 s cap for event-driven functions is checked
 * with the scenario, in scenario.ts.)
 *
 * Documented defaults and limits, per platform (see `PLATFORMS`):
 * - Cloud Run (https://cloud.google.com/run/docs/about-concurrency): concurrency default 80, max
 *   1,000; request timeout default 300 s, max 3,600 s; max instances default 100; memory default 512 MiB.
 * - Cloud Run functions / Cloud Functions 2nd gen
 *   (https://cloud.google.com/functions/docs/configuring/concurrency): concurrency default 1, max
 *   1,000 (more than 1 needs at least 1 vCPU); timeout default 60 s, max 3,600 s for HTTP functions
 *   (540 s for event-driven ones); max instances default 100.
 * - Azure Functions Flex Consumption (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan,
 *   functions-concurrency#http-trigger-concurrency): instance memory 2,048 MB (default) or 4,096 MB;
 *   HTTP per-instance concurrency default by memory (16 for 2,048 MB, 32 for 4,096 MB); always ready
 *   instances default 0; up to 1,000 instances; functionTimeout default 30 min, unbounded (the lab
 *   caps it at 24 h); billed per instance execution time, at least 1,000 ms then per 100 ms.
 */
import type { TimerId } from './clock';
import type { EngineContext } from './context';
import { fail } from './errors';
import { performCall, type Executor, type HandlerContext, type InvokeOutcome, type LabApi } from './executor';
import { EnvironmentSession, instantLab, type SessionHost } from './invocation';
import { drawLatency, resolveLatency, serviceOf, validateLatency, type LatencyService, type LatencySettings, type ServiceLatency } from './latency';
import type { Random } from './random';
import { tracedValue } from './trace';
import { validateEnvironment } from './environmentVariables';

export const INSTANCE_PLATFORMS = ['cloud-run', 'cloud-functions', 'azure-flex'] as const;
export type InstancePlatform = (typeof INSTANCE_PLATFORMS)[number];
export const INSTANCE_BILLING = ['request', 'instance'] as const;
export type InstanceBilling = (typeof INSTANCE_BILLING)[number];

/** A function's `instances` settings: many requests per instance. */
export interface InstanceSettings {
  /** Which platform's defaults and limits apply (default `cloud-run`). */
  platform?: InstancePlatform;
  /** Requests one instance serves at once (1..1000; default by platform). */
  concurrency?: number;
  /** Instances kept started even with no traffic (default 0). */
  minInstances?: number;
  /** Instances at most (default 100). */
  maxInstances?: number;
  /** `request` (default): billed while serving, CPU throttled between requests; `instance`: billed for its lifetime, CPU always on. */
  billing?: InstanceBilling;
}

/** What a function of this kind is configured with (the subset of `FunctionConfig` that applies). */
export interface InstanceFunctionConfig {
  name: string;
  handler: string;
  memoryMb?: number;
  timeoutS?: number;
  runtime?: 'nodejs' | 'python' | 'java' | 'go';
  initMs?: number;
  durationMs?: number;
  latency?: LatencySettings;
  idleTimeoutS?: number;
  instances: InstanceSettings;
  environment?: Record<string, string>;
}

interface PlatformLimits {
  label: string;
  defaultConcurrency: (memoryMb: number) => number;
  timeoutS: { default: number; max: number };
  memoryMb: { default: number; min: number; max: number; allowed?: readonly number[] };
  /** Billing granularity of a busy period: at least `minMs`, then rounded up to `roundMs`. */
  roundMs: number;
  minMs: number;
  /** What the platform calls minimum instances (for messages). */
  minName: string;
}

/** Each platform's documented defaults (sources in the module comment). */
export const PLATFORMS: Readonly<Record<InstancePlatform, PlatformLimits>> = {
  'cloud-run': { label: 'Cloud Run', defaultConcurrency: () => 80, timeoutS: { default: 300, max: 3600 }, memoryMb: { default: 512, min: 128, max: 32768 }, roundMs: 100, minMs: 0, minName: 'min-instances' },
  'cloud-functions': { label: 'Cloud Run functions (2nd gen)', defaultConcurrency: () => 1, timeoutS: { default: 60, max: 3600 }, memoryMb: { default: 256, min: 128, max: 32768 }, roundMs: 100, minMs: 0, minName: 'min-instances' },
  'azure-flex': {
    label: 'Azure Functions Flex Consumption',
    defaultConcurrency: (memoryMb) => (memoryMb >= 4096 ? 32 : 16),
    timeoutS: { default: 1800, max: 86_400 },
    memoryMb: { default: 2048, min: 2048, max: 4096, allowed: [2048, 4096] },
    roundMs: 100,
    minMs: 1000,
    minName: 'always ready instances',
  },
};
export const MAX_INSTANCE_CONCURRENCY = 1000;
export const DEFAULT_MAX_INSTANCES = 100;
const MAX_MAX_INSTANCES = 1000;
const DEFAULT_IDLE_TIMEOUT_S = 900;
const DEFAULT_INIT_MS = { nodejs: 150, python: 200, go: 80, java: 900 } as const;

/** How the platform answers when no instance can take a request. */
export const NO_INSTANCE_ERROR = '429 Too Many Requests: the request was aborted because there was no available instance';

/** Validate `instances` settings (path-named errors); returns them complete. */
export function resolveInstanceSettings(settings: unknown, memoryMb: number | undefined, path = 'instances'): Required<InstanceSettings> & { memoryMb: number } {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) fail(path, 'must be an object');
  const s = settings as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!['platform', 'concurrency', 'minInstances', 'maxInstances', 'billing'].includes(key)) fail(`${path}.${key}`, 'is not a setting of instances (platform, concurrency, minInstances, maxInstances, billing)');
  }
  const platform = (s.platform ?? 'cloud-run') as InstancePlatform;
  if (!INSTANCE_PLATFORMS.includes(platform)) fail(`${path}.platform`, `must be one of ${INSTANCE_PLATFORMS.join(', ')}, got ${JSON.stringify(s.platform)}`);
  const limits = PLATFORMS[platform];
  const memory = memoryMb ?? limits.memoryMb.default;
  if (limits.memoryMb.allowed && !limits.memoryMb.allowed.includes(memory)) fail('memoryMb', `${limits.label} instances have ${limits.memoryMb.allowed.join(' or ')} MB, got ${String(memoryMb)}`);
  checkInt('memoryMb', memory, limits.memoryMb.min, limits.memoryMb.max);
  const concurrency = s.concurrency === undefined ? limits.defaultConcurrency(memory) : checkInt(`${path}.concurrency`, s.concurrency, 1, MAX_INSTANCE_CONCURRENCY);
  const maxInstances = s.maxInstances === undefined ? DEFAULT_MAX_INSTANCES : checkInt(`${path}.maxInstances`, s.maxInstances, 1, MAX_MAX_INSTANCES);
  const minInstances = s.minInstances === undefined ? 0 : checkInt(`${path}.minInstances`, s.minInstances, 0, MAX_MAX_INSTANCES);
  if (minInstances > maxInstances) fail(`${path}.minInstances`, `${minInstances} exceeds maxInstances ${maxInstances}`);
  const billing = (s.billing ?? 'request') as InstanceBilling;
  if (!INSTANCE_BILLING.includes(billing)) fail(`${path}.billing`, `must be one of ${INSTANCE_BILLING.join(', ')}, got ${JSON.stringify(s.billing)}`);
  return { platform, concurrency, minInstances, maxInstances, billing, memoryMb: memory };
}

function checkInt(path: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(path, `must be an integer between ${min} and ${max}, got ${String(value)}`);
  return value;
}

function checkNumber(path: string, value: unknown, min: number, max: number, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(path, `must be a number between ${min} and ${max}${unit}, got ${String(value)}`);
  return value;
}

/** What the pools need from the function platform. */
export interface PoolHost {
  ctx: EngineContext;
  executor: Executor;
  /** Latency settings for every function (the platform's). */
  latency: LatencySettings | undefined;
  labFor(fnName: string): LabApi;
  /** Run `fn` as the code of request `requestId` on instance `envId` (the platform's attribution of calls). */
  within<T>(fnName: string, requestId: string | undefined, envId: string, fn: () => T): T;
}

/** The caller's view of a request's end: as `InvokeResult` in `functions.ts`. */
export interface RequestResult {
  ok: boolean;
  result?: unknown;
  error?: string;
  throttled?: boolean;
  durationMs: number;
  coldStart: boolean;
  requestId: string;
  initMs?: number;
}

interface Pool {
  name: string;
  handler: string;
  environment: Record<string, string> | undefined;
  memoryMb: number;
  timeoutMs: number;
  initMs: number;
  durationMs: number;
  idleTimeoutMs: number;
  settings: Required<InstanceSettings>;
  limits: PlatformLimits;
  lab: LabApi;
  latency: Record<LatencyService, ServiceLatency>;
  jitter: Random;
  instances: Map<string, Instance>;
  /** Requests in flight across the instances (what a throttling fault caps). */
  inFlight: number;
  limit: number | undefined;
  latencyMs: number;
  requests: number;
  /** Billed instance time, ms; and time minimum instances spent idle (reported, not priced). */
  billedMs: number;
  idleMinMs: number;
}

interface Request {
  id: string;
  event: unknown;
  cause: string | undefined;
  done: (r: RequestResult) => void;
  coldStart: boolean;
  timer: TimerId | undefined;
}

interface Instance {
  id: string;
  pool: Pool;
  state: 'initializing' | 'ready';
  /** Requests it serves now, and requests waiting for its start. */
  active: Map<string, Request>;
  waiting: Request[];
  createdAt: number;
  /** Kept by minInstances: never scaled in, replaced when lost. */
  min: boolean;
  idleTimer: TimerId | undefined;
  /** Start of the current busy period (request billing), or of an idle period of a minimum instance. */
  busySince: number | undefined;
  idleSince: number | undefined;
  invocations: number;
  initMs: number;
  session: EnvironmentSession;
}

export interface InstanceInfo {
  id: string;
  state: 'initializing' | 'busy' | 'idle';
  invocations: number;
  createdAt: number;
  provisioned: boolean;
  /** Requests it serves now. */
  serving: number;
}

/** Every function of the account that serves many requests per instance. */
export class InstancePools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly host: PoolHost) {}

  has(name: string): boolean {
    return this.pools.has(name);
  }

  names(): string[] {
    return [...this.pools.keys()];
  }

  /** Create a function; validates everything first (a rejected config changes nothing). */
  define(config: InstanceFunctionConfig, lambdaOnly: Array<[string, unknown, string]> = []): void {
    const ctx = this.host.ctx;
    if (typeof this.host.executor.invokeConcurrent !== 'function' || typeof this.host.executor.resumeConcurrent !== 'function') {
      fail('instances', 'this executor runs one request per environment: it cannot host many requests per instance');
    }
    for (const [field, value, instead] of lambdaOnly) if (value !== undefined) fail(field, `is Lambda's; a function with instances uses ${instead}`);
    const settings = resolveInstanceSettings(config.instances, config.memoryMb);
    const limits = PLATFORMS[settings.platform];
    const timeoutS = config.timeoutS === undefined ? limits.timeoutS.default : checkNumber('timeoutS', config.timeoutS, 1, limits.timeoutS.max, ` seconds (${limits.label}'s request timeout)`);
    const runtime = config.runtime ?? 'nodejs';
    const initMs = config.initMs === undefined ? (DEFAULT_INIT_MS[runtime] ?? 150) : checkNumber('initMs', config.initMs, 0, 3_600_000, ' ms');
    const durationMs = config.durationMs === undefined ? 5 : checkNumber('durationMs', config.durationMs, 0, 3_600_000, ' ms');
    const idleTimeoutS = config.idleTimeoutS === undefined ? DEFAULT_IDLE_TIMEOUT_S : checkNumber('idleTimeoutS', config.idleTimeoutS, 1, 86_400, ' seconds');
    const latency = resolveLatency(this.host.latency, config.latency === undefined ? undefined : validateLatency(config.latency, 'latency'));
    const { memoryMb, ...rest } = settings;
    const environment = validateEnvironment(config.environment);
    const pool: Pool = {
      name: config.name,
      handler: config.handler,
      environment,
      memoryMb,
      timeoutMs: timeoutS * 1000,
      initMs,
      durationMs,
      idleTimeoutMs: idleTimeoutS * 1000,
      settings: rest,
      limits,
      lab: this.host.labFor(config.name),
      latency,
      jitter: ctx.stream(`latency:${config.name}`),
      instances: new Map(),
      inFlight: 0,
      limit: undefined,
      latencyMs: 0,
      requests: 0,
      billedMs: 0,
      idleMinMs: 0,
    };
    this.pools.set(pool.name, pool);
    for (let i = 0; i < settings.minInstances; i++) this.provision(pool);
  }

  /** Delete a function: idle instances go at once, busy ones when their requests end. */
  remove(name: string): void {
    const pool = this.pool(name);
    this.pools.delete(name);
    for (const inst of [...pool.instances.values()]) if (inst.active.size === 0 && inst.waiting.length === 0) this.destroy(inst, 'deleted');
  }

  private pool(name: string): Pool {
    const pool = this.pools.get(name);
    if (!pool) fail('name', `no function named ${JSON.stringify(name)}`);
    return pool;
  }

  /** What the platform is configured with, after defaults (for views and diagrams). */
  settingsOf(name: string): Required<InstanceSettings> & { memoryMb: number; timeoutS: number; label: string } {
    const pool = this.pool(name);
    return { ...pool.settings, memoryMb: pool.memoryMb, timeoutS: pool.timeoutMs / 1000, label: pool.limits.label };
  }

  // ---------------------------------------------------------------- requests

  /** Send a request; `done` runs when it ends in virtual time, or at once when refused (429). Returns its id. */
  invoke(name: string, event: unknown, done: (r: RequestResult) => void, cause?: string): string {
    const pool = this.pool(name);
    if (typeof done !== 'function') fail('done', 'must be a function');
    const ctx = this.host.ctx;
    const req: Request = { id: ctx.id('req'), event, cause, done, coldStart: false, timer: undefined };
    const refuse = (reason: string): string => {
      ctx.trace.emit('throttled', pool.name, req.id, cause, { reason, concurrency: pool.inFlight, instances: pool.instances.size });
      done({ ok: false, throttled: true, error: NO_INSTANCE_ERROR, durationMs: 0, coldStart: false, requestId: req.id });
      return req.id;
    };
    if (pool.limit !== undefined && pool.inFlight >= pool.limit) return refuse('function concurrency limit');
    const inst = this.placeFor(pool);
    if (!inst) return refuse(`every one of ${pool.settings.maxInstances} instances serves ${pool.settings.concurrency} requests`);
    pool.inFlight++;
    pool.requests++;
    if (inst.state === 'initializing') {
      req.coldStart = true;
      inst.waiting.push(req);
      ctx.trace.emit('invoked', pool.name, req.id, cause, { env: inst.id, coldStart: true, concurrent: inst.active.size + inst.waiting.length });
      return req.id;
    }
    this.start(inst, req);
    return req.id;
  }

  /**
   * An event delivered without a caller waiting (a subscription, a notification): the request runs
   * once; the lab models no retry policy for these platforms' event deliveries, so a failure drops it.
   */
  invokeAsync(name: string, event: unknown, cause?: string): string {
    const pool = this.pool(name);
    return this.invoke(name, event, (r) => {
      if (!r.ok) this.host.ctx.trace.emit('dropped', pool.name, r.requestId, cause, { error: r.error, reason: `${pool.limits.label}: the event's delivery failed and the lab models no retries for it` });
    }, cause);
  }

  /** The instance a new request goes to: the busiest running one with room, else a starting one with room, else a new one (or none). */
  private placeFor(pool: Pool): Instance | undefined {
    let best: Instance | undefined;
    let starting: Instance | undefined;
    for (const inst of pool.instances.values()) {
      const load = inst.active.size + inst.waiting.length;
      if (load >= pool.settings.concurrency) continue;
      if (inst.state === 'initializing') starting ??= inst;
      else if (!best || load > best.active.size + best.waiting.length) best = inst;
    }
    if (best || starting) return best ?? starting;
    if (pool.instances.size >= pool.settings.maxInstances) return undefined;
    return this.coldStart(pool);
  }

  /** A new instance: its init runs now; requests wait for it. */
  private coldStart(pool: Pool): Instance {
    const ctx = this.host.ctx;
    const inst = this.newInstance(pool, false);
    const { outcome, initMs } = this.runInit(inst);
    inst.initMs = initMs;
    ctx.trace.emit('cold-start', pool.name, inst.id, 'scale-out', { env: inst.id, initMs });
    ctx.clock.schedule(initMs, () => {
      if (!pool.instances.has(inst.id)) return;
      const waiting = inst.waiting.splice(0);
      if (!outcome.ok) {
        const error = `${outcome.error.name}: ${outcome.error.message}`;
        for (const req of waiting) {
          pool.inFlight--;
          ctx.trace.emit('failed', pool.name, req.id, req.cause, { env: inst.id, error, phase: 'init' });
          req.done({ ok: false, error, durationMs: 0, coldStart: true, requestId: req.id, initMs });
        }
        this.destroy(inst, 'init-error');
        return;
      }
      inst.state = 'ready';
      for (const req of waiting) this.start(inst, req);
      if (inst.active.size === 0) this.idle(inst);
    });
    return inst;
  }

  /** A minimum instance, started ahead of any request. */
  private provision(pool: Pool): void {
    const inst = this.newInstance(pool, true);
    const { outcome, initMs } = this.runInit(inst);
    inst.initMs = initMs;
    if (!outcome.ok) {
      pool.instances.delete(inst.id);
      inst.session.end('init-error');
      this.host.executor.destroyEnvironment(inst.id);
      this.host.ctx.trace.emit('failed', pool.name, inst.id, 'provisioning', { env: inst.id, error: `${outcome.error.name}: ${outcome.error.message}`, phase: 'init' });
      return;
    }
    inst.state = 'ready';
    this.idle(inst);
  }

  private newInstance(pool: Pool, min: boolean): Instance {
    const ctx = this.host.ctx;
    const id = ctx.id('env');
    const seed = ctx.stream(`environment:${id}`).int(4294967296);
    const inst: Instance = {
      id,
      pool,
      state: 'initializing',
      active: new Map(),
      waiting: [],
      createdAt: ctx.clock.now,
      min,
      idleTimer: undefined,
      busySince: undefined,
      idleSince: undefined,
      invocations: 0,
      initMs: 0,
      session: undefined as unknown as EnvironmentSession,
    };
    const sessionHost: SessionHost = {
      ctx,
      executor: this.host.executor,
      latency: (call) => drawLatency(pool.latency[serviceOf(call)], pool.jitter),
      perform: (call, args, requestId) => this.host.within(pool.name, requestId, id, () => performCall(pool.lab, call, args)),
      within: (requestId, fn) => this.host.within(pool.name, requestId, id, fn),
      instantLab: instantLab(pool.lab, () => inst.session),
    };
    inst.session = new EnvironmentSession(pool.name, id, sessionHost, seed, true);
    pool.instances.set(id, inst);
    if (pool.settings.billing === 'instance') inst.busySince = ctx.clock.now;
    return inst;
  }

  private runInit(inst: Instance): { outcome: ReturnType<Executor['createEnvironment']>; initMs: number } {
    const pool = inst.pool;
    const session = inst.session;
    session.initStartedAt = this.host.ctx.clock.now;
    let outcome: ReturnType<Executor['createEnvironment']>;
    try {
      outcome = session.enter(() => this.host.executor.createEnvironment({ name: pool.name, handler: pool.handler, memoryMb: pool.memoryMb, timeoutMs: pool.timeoutMs, environment: pool.environment }, inst.id, session.port), pool.initMs);
    } catch (thrown) {
      const e = thrown instanceof Error ? thrown : new Error(String(thrown));
      outcome = { ok: false, error: { name: e.name, message: e.message } };
    }
    return { outcome, initMs: session.workSoFar };
  }

  /** Start a request on a running instance, beside the others it serves. */
  private start(inst: Instance, req: Request): void {
    const pool = inst.pool;
    const ctx = this.host.ctx;
    const clock = ctx.clock;
    clock.cancel(inst.idleTimer);
    inst.idleTimer = undefined;
    if (inst.active.size === 0) this.busy(inst);
    inst.active.set(req.id, req);
    inst.invocations++;
    if (!req.coldStart) ctx.trace.emit('invoked', pool.name, req.id, req.cause, { env: inst.id, coldStart: false, concurrent: inst.active.size });
    const startedAt = clock.now;
    const timeoutAt = startedAt + pool.timeoutMs;
    const overheadMs = pool.durationMs + pool.latencyMs;
    const session = inst.session;
    const context: HandlerContext = {
      awsRequestId: req.id,
      functionName: pool.name,
      memoryLimitInMB: pool.memoryMb,
      getRemainingTimeInMillis: () => session.remainingFor(req.id),
      coldStart: req.coldStart,
      environmentId: inst.id,
    };
    req.timer = clock.at(timeoutAt, () => this.timeOut(inst, req, startedAt));
    session.serve(
      {
        requestId: req.id,
        startedAt,
        timeoutMs: pool.timeoutMs,
        // The platform does not stop the code at the timeout: its calls may start at any time.
        deadline: Number.POSITIVE_INFINITY,
        overheadMs,
        settled: (outcome, at) => {
          const endAt = at + overheadMs;
          if (endAt > timeoutAt) return;
          clock.cancel(req.timer);
          req.timer = clock.at(endAt, () => this.finish(inst, req, outcome, startedAt));
        },
      },
      () => {
        try {
          return this.host.executor.invokeConcurrent!(inst.id, req.event, context);
        } catch (thrown) {
          const e = thrown instanceof Error ? thrown : new Error(String(thrown));
          return [{ requestId: req.id, outcome: { ok: false, error: { name: e.name, message: e.message } } }];
        }
      },
    );
  }

  /** The request ends: record how; a fatal error takes the instance (and its other requests) with it. */
  private finish(inst: Instance, req: Request, outcome: InvokeOutcome, startedAt: number): void {
    const pool = inst.pool;
    const ctx = this.host.ctx;
    req.timer = undefined;
    if (!inst.active.delete(req.id)) return;
    pool.inFlight--;
    const durationMs = round3(ctx.clock.now - startedAt);
    const base = { coldStart: req.coldStart, requestId: req.id, ...(req.coldStart ? { initMs: inst.initMs } : {}) };
    // The request that leaves its instance idle carries the busy period's billed time (the others 0): summed, the trace bills what the platform does.
    const billed = this.closingBill(inst);
    if (outcome.ok) {
      const detail: Record<string, unknown> = { env: inst.id, durationMs, billedMs: billed };
      const returned = ctx.trace.wants('succeeded') ? tracedValue(outcome.result) : undefined;
      if (returned !== undefined) detail.returned = returned;
      ctx.trace.emit('succeeded', pool.name, req.id, req.cause, detail);
      if (inst.active.size === 0) this.idle(inst);
      req.done({ ok: true, result: outcome.result, durationMs, ...base });
      return;
    }
    const error = `${outcome.error.name}: ${outcome.error.message}`;
    ctx.trace.emit('failed', pool.name, req.id, req.cause, { env: inst.id, error, durationMs, billedMs: billed });
    if ((outcome.error as { fatal?: boolean }).fatal || outcome.timedOut === true) this.destroy(inst, 'crash');
    else if (inst.active.size === 0) this.idle(inst);
    req.done({ ok: false, error, durationMs, ...base });
  }

  /** The request timed out: the caller gets a 504, the instance keeps running (its code may go on). */
  private timeOut(inst: Instance, req: Request, startedAt: number): void {
    const pool = inst.pool;
    const ctx = this.host.ctx;
    req.timer = undefined;
    if (!inst.active.delete(req.id)) return;
    pool.inFlight--;
    inst.session.drop(req.id);
    const error = `Timeout: the request exceeded the ${pool.timeoutMs / 1000} s request timeout (HTTP 504); the instance was not stopped and may go on processing it`;
    ctx.trace.emit('timed-out', pool.name, req.id, req.cause, { env: inst.id, timeoutMs: pool.timeoutMs, error, instanceKept: true, billedMs: this.closingBill(inst) });
    if (inst.active.size === 0) this.idle(inst);
    req.done({ ok: false, error, durationMs: ctx.clock.now - startedAt, coldStart: req.coldStart, requestId: req.id });
  }

  /** The instance starts serving after being idle: a billed busy period begins. */
  private busy(inst: Instance): void {
    const now = this.host.ctx.clock.now;
    if (inst.idleSince !== undefined) inst.pool.idleMinMs += now - inst.idleSince;
    inst.idleSince = undefined;
    if (inst.pool.settings.billing === 'request') inst.busySince = now;
  }

  /** No request left: bill the busy period, throttle the CPU (request billing), scale in later unless kept. */
  private idle(inst: Instance): void {
    const pool = inst.pool;
    const clock = this.host.ctx.clock;
    if (pool.settings.billing === 'request') {
      this.billOpen(inst);
      inst.session.freeze();
    }
    if (inst.min) inst.idleSince = clock.now;
    // A function deleted meanwhile (even if another of its name was made since): its instances go once idle.
    const live = this.pools.get(pool.name) === pool;
    if (!inst.min || !live) {
      clock.cancel(inst.idleTimer);
      inst.idleTimer = clock.schedule(live ? pool.idleTimeoutMs : 0, () => this.destroy(inst, live ? 'idle' : 'deleted'));
    }
  }

  /** What the instance's busy period bills if no request is left on it now (request billing), else 0. */
  private closingBill(inst: Instance): number {
    if (inst.active.size > 0 || inst.pool.settings.billing !== 'request' || inst.busySince === undefined) return 0;
    return billedMs(inst.pool.limits, this.host.ctx.clock.now - inst.busySince);
  }

  /** Bill the open period (a busy one, or the instance's life so far with instance billing). */
  private billOpen(inst: Instance): void {
    if (inst.busySince === undefined) return;
    inst.pool.billedMs += billedMs(inst.pool.limits, this.host.ctx.clock.now - inst.busySince);
    inst.busySince = undefined;
  }

  /** Throw an instance away: its requests fail, its module state and calls in flight are lost; a minimum instance is replaced. */
  private destroy(inst: Instance, cause: string): void {
    const pool = inst.pool;
    const ctx = this.host.ctx;
    if (!pool.instances.delete(inst.id)) return;
    ctx.clock.cancel(inst.idleTimer);
    inst.idleTimer = undefined;
    if (inst.idleSince !== undefined) pool.idleMinMs += ctx.clock.now - inst.idleSince;
    inst.idleSince = undefined;
    this.billOpen(inst);
    const lost = [...inst.active.values(), ...inst.waiting.splice(0)];
    inst.active.clear();
    inst.session.end(cause);
    this.host.executor.destroyEnvironment(inst.id);
    ctx.output.forget(inst.id);
    ctx.trace.emit('env-destroyed', pool.name, inst.id, cause, { invocations: inst.invocations, lifetimeMs: ctx.clock.now - inst.createdAt });
    for (const req of lost) {
      ctx.clock.cancel(req.timer);
      pool.inFlight--;
      const error = 'Runtime.ExitError: the instance crashed';
      ctx.trace.emit('failed', pool.name, req.id, 'crash', { env: inst.id, error });
      req.done({ ok: false, error, durationMs: 0, coldStart: req.coldStart, requestId: req.id });
    }
    if (inst.min && this.pools.get(pool.name) === pool) ctx.clock.schedule(pool.initMs, () => this.provision(pool));
  }

  // ---------------------------------------------------------------- inspection and faults

  environments(name: string): InstanceInfo[] {
    const pool = this.pool(name);
    return [...pool.instances.values()].map((i) => ({
      id: i.id,
      state: i.state === 'initializing' ? 'initializing' : i.active.size > 0 ? 'busy' : 'idle',
      invocations: i.invocations,
      createdAt: i.createdAt,
      provisioned: i.min,
      serving: i.active.size,
    }));
  }

  /** Requests in flight now. */
  concurrency(name: string): number {
    return this.pool(name).inFlight;
  }

  /** Billed instance time per function (open periods counted up to now). */
  billing(): Array<{ name: string; requests: number; billedMs: number; gbSeconds: number; idleInstanceSeconds: number }> {
    const now = this.host.ctx.clock.now;
    return [...this.pools.values()].map((pool) => {
      let ms = pool.billedMs;
      let idle = pool.idleMinMs;
      for (const inst of pool.instances.values()) {
        if (inst.busySince !== undefined) ms += billedMs(pool.limits, now - inst.busySince);
        if (inst.idleSince !== undefined) idle += now - inst.idleSince;
      }
      return { name: pool.name, requests: pool.requests, billedMs: ms, gbSeconds: (pool.memoryMb / 1024) * (ms / 1000), idleInstanceSeconds: idle / 1000 };
    });
  }

  setConcurrencyLimit(name: string, limit: number | undefined): void {
    const pool = this.pool(name);
    if (limit !== undefined) checkInt('limit', limit, 0, 1_000_000);
    pool.limit = limit;
  }

  addLatency(name: string, ms: number): void {
    const pool = this.pool(name);
    if (typeof ms !== 'number' || !Number.isFinite(ms) || pool.latencyMs + ms < 0) fail('ms', `must be a finite number keeping the added latency ≥ 0, got ${String(ms)}`);
    pool.latencyMs += ms;
  }

  /** An instance dies: the busiest one (with every request it serves), else the most recently idle one. */
  crash(name: string): string | undefined {
    const pool = this.pool(name);
    let victim: Instance | undefined;
    for (const inst of pool.instances.values()) if (inst.active.size > 0 && (!victim || inst.active.size > victim.active.size)) victim = inst;
    victim ??= [...pool.instances.values()].pop();
    if (!victim) return undefined;
    this.destroy(victim, 'crash');
    return victim.id;
  }
}

/** A busy period as billed: at least the platform's minimum, rounded up to its granularity. */
export function billedMs(limits: Pick<PlatformLimits, 'roundMs' | 'minMs'>, ms: number): number {
  if (ms <= 0) return 0;
  return Math.max(limits.minMs, Math.ceil(ms / limits.roundMs) * limits.roundMs);
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
