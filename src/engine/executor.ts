/**
 * How the function platform runs a handler. The platform decides *when* (virtual time) and *where*
 * (which execution environment); an executor does the running.
 *
 * Time passes inside an invocation, as on Lambda. Every service call a handler makes (`send`,
 * `tableGet`, …) returns a promise; the executor hands the call to the platform (`port.begin`) and
 * the handler runs on until it awaits. The executor then returns (`{ state: 'waiting' }`), and the
 * platform runs other events of the simulation meanwhile. When a call completes — after its modelled
 * latency, in virtual time (`latency.ts`) — its effect happens (the message is sent, the item
 * written) and the platform delivers the answer with `resume`: the handler goes on from its `await`,
 * up to the next one or the end (`{ state: 'done' }`). So invocations in different environments
 * interleave, and a crash or a timeout can land between any two calls (`invocation.ts` schedules it).
 *
 * Two kinds of executor implement this contract with one bootstrap (`src/sandbox/bootstrap.ts`):
 * the sandbox (`IsolateExecutor`: one V8 isolate per environment) and the unisolated in-process
 * `VmExecutor` (a `node:vm` context per environment, for the CLI's fast runs and tests). The third,
 * `InProcessExecutor` below, runs plain synchronous JavaScript functions registered by engine tests:
 * their calls go through `port.lab` and take effect at once (no latency, nothing to await).
 *
 * Time and randomness inside a handler are the environment's, not the machine's: the port gives
 * every environment its seed and its virtual instant (`now()`, read at every entry into the
 * environment), and `work(ms)` moves the handler's clock on from there (`src/sandbox/virtualTime.ts`).
 */
import { SIMULATION_EPOCH_MS } from './events';
import type { TableChanges, TableCondition } from './services';

/** Options of `tablePut`: a plain put, a put only when no item has the key, or a put under a condition. */
export interface TablePutOptions {
  ifNotExists?: boolean;
  condition?: TableConditionSpec;
}

/**
 * A condition on an item's attributes, as DynamoDB's ConditionExpression: every test of every
 * attribute must hold (`{ version: { equals: 3 }, status: { exists: true } }`); and what
 * `tableUpdate` changes (DynamoDB UpdateItem's SET, ADD and REMOVE). See `services.ts`.
 */
export type TableConditionSpec = TableCondition;
export type { TableChanges };

/**
 * The simulated cloud as the engine applies it: each method *performs* one service call now, at
 * the current virtual instant (the platform calls it when a handler's call completes). Handlers
 * never see this object directly; they see promises (see `ServiceCall`).
 */
export interface LabApi {
  send(
    queue: string,
    body: string | object,
    options?: { delayS?: number; attributes?: Record<string, string | number>; groupId?: string; deduplicationId?: string },
  ): { messageId: string };
  publish(topic: string, body: string | object, options?: { attributes?: Record<string, string | number>; groupId?: string }): { messageId: string };
  produce(stream: string, value: string | object, options?: { key?: string }): { partition: number; offset: number };
  putEvents(bus: string, entries: Array<{ source: string; detailType: string; detail: unknown }>): { eventIds: string[] };
  putObject(bucket: string, key: string, body: string): { etag: string };
  getObject(bucket: string, key: string): string | undefined;
  tablePut(table: string, item: Record<string, unknown>, options?: TablePutOptions): void;
  tableGet(table: string, key: string | number): Record<string, unknown> | undefined;
  /** DynamoDB UpdateItem with ReturnValues ALL_NEW: the item as it is after the update. */
  tableUpdate(table: string, key: string | number, changes: TableChanges, options?: { condition?: TableConditionSpec }): Record<string, unknown>;
  /** DynamoDB DeleteItem with ReturnValues ALL_OLD: the deleted item, or undefined when there was none. */
  tableDelete(table: string, key: string | number, options?: { condition?: TableConditionSpec }): Record<string, unknown> | undefined;
  /**
   * "This invocation spends `ms` of (virtual) time working": the handler's clock moves on by `ms`
   * without yielding (CPU work: nothing else runs in this environment meanwhile).
   */
  work(ms: number): void;
  log(...args: unknown[]): void;
}

/** The service calls of the handler API: each returns a promise in a handler. */
export const SERVICE_CALLS = ['send', 'publish', 'produce', 'putEvents', 'putObject', 'getObject', 'tablePut', 'tableGet', 'tableUpdate', 'tableDelete'] as const;
export type ServiceCall = (typeof SERVICE_CALLS)[number];

export function isServiceCall(op: unknown): op is ServiceCall {
  return typeof op === 'string' && (SERVICE_CALLS as readonly string[]).includes(op);
}

/** Perform one service call on `lab` with the arguments a handler gave (the platform does this when the call completes). */
export function performCall(lab: LabApi, call: ServiceCall, args: readonly unknown[]): unknown {
  const a = args as any[];
  switch (call) {
    case 'send':
      return lab.send(a[0], a[1], a[2]);
    case 'publish':
      return lab.publish(a[0], a[1], a[2]);
    case 'produce':
      return lab.produce(a[0], a[1], a[2]);
    case 'putEvents':
      return lab.putEvents(a[0], a[1]);
    case 'putObject':
      return lab.putObject(a[0], a[1], a[2]);
    case 'getObject':
      return lab.getObject(a[0], a[1]);
    case 'tablePut':
      return lab.tablePut(a[0], a[1], a[2]);
    case 'tableGet':
      return lab.tableGet(a[0], a[1]);
    case 'tableUpdate':
      return lab.tableUpdate(a[0], a[1], a[2], a[3]);
    case 'tableDelete':
      return lab.tableDelete(a[0], a[1], a[2]);
  }
}

/** The resource a call addresses (its first argument), and the object key for bucket calls. */
export function callTarget(call: ServiceCall, args: readonly unknown[]): { resource: string; key?: string } {
  const resource = typeof args[0] === 'string' ? args[0] : String(args[0]);
  if (call === 'putObject' || call === 'getObject') return { resource, key: typeof args[1] === 'string' ? args[1] : String(args[1]) };
  return { resource };
}

/** How a service call reads in a message: `send to queue "orders"`, `putObject uploads/a.jpg`. */
export function describeLabCall(call: ServiceCall, resource: string, key?: string): string {
  const noun: Record<Exclude<ServiceCall, 'putObject' | 'getObject'>, string> = {
    send: 'send to queue',
    publish: 'publish to topic',
    produce: 'produce to stream',
    putEvents: 'putEvents on bus',
    tablePut: 'tablePut on table',
    tableGet: 'tableGet on table',
    tableUpdate: 'tableUpdate on table',
    tableDelete: 'tableDelete on table',
  };
  return call === 'putObject' || call === 'getObject' ? `${call} ${resource}/${key}` : `${noun[call]} "${resource}"`;
}

/** The `context` argument of a handler (the subset of Lambda's context object that matters here). */
export interface HandlerContext {
  awsRequestId: string;
  functionName: string;
  memoryLimitInMB: number;
  getRemainingTimeInMillis(): number;
  /** True when this invocation had to create (and initialise) its environment. */
  coldStart: boolean;
  environmentId: string;
}

export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

/** A place in the learner's source (1-based line and column). */
export interface SourceSite {
  file: string;
  line: number;
  column: number;
}

/** How a handler's run ended. `cpuMs` is real CPU time, when the executor measures it (never traced). */
export type InvokeOutcome = { ok: true; result: unknown; cpuMs?: number } | { ok: false; error: ErrorInfo; timedOut?: boolean; cpuMs?: number };

/** Result of running a module's top level (the init phase of a cold start). */
export type InitOutcome = { ok: true; measuredMs?: number } | { ok: false; error: ErrorInfo; measuredMs?: number };

/**
 * Where an invocation stands after the executor ran it (`invoke`) or went on with it (`resume`):
 * waiting on calls in flight (or on nothing it can ever get), or done. `pending` lists the calls the
 * code started and never saw finish when it returned (the environment freezes with them), with
 * where in the source each was made when the executor knows.
 */
export type Step = { state: 'waiting' } | { state: 'done'; outcome: InvokeOutcome; pending?: Array<{ id: number; site?: SourceSite }> };

/** The answer to a service call, delivered into the environment. */
export type CallReply = { ok: true; value: unknown } | { ok: false; error: ErrorInfo & { code?: string } };

/**
 * The platform's side of one execution environment, as its executor sees it. Every method may be
 * called only while the executor is running code of this environment (init, invoke or resume).
 */
export interface EnvironmentPort {
  /** Seed (uint32) of the environment's own random stream (`Math.random`, `crypto`), derived from the scenario seed. */
  readonly seed: number;
  /**
   * The environment's current virtual instant, Unix epoch ms (`SIMULATION_EPOCH_MS` + virtual time),
   * including the work declared since this entry.
   */
  now(): number;
  /** The code started a service call: returns its id. Throws (the call never happens) when the invocation is out of time. */
  begin(call: ServiceCall, args: unknown[]): number;
  /**
   * The code armed a timer for `ms` (≥ 0) from the instant it reached: returns its id, from the same
   * counter as the calls' ids. When it is due the platform runs the callback with `resume(envId, id,
   * { ok: true, value: null })`. Throws a RangeError past the lab's bounds on timers (`timers.ts`).
   */
  setTimer(ms: number): number;
  /** Cancel a timer (unknown or already run: nothing happens). */
  clearTimer(id: number): void;
  /** The code declares `ms` of work: its clock moves on. Throws a RangeError for a bad `ms`. */
  work(ms: number): void;
  log(args: unknown[]): void;
  /** `context.getRemainingTimeInMillis()`. */
  remaining(): number;
  /** For registered synchronous modules only (`InProcessExecutor`): the cloud, with effects at once. */
  readonly lab: LabApi;
}

export interface FunctionInfo {
  name: string;
  handler: string;
  memoryMb: number;
  timeoutMs: number;
  /** The function's own environment variables (`process.env` adds Lambda's: environmentVariables.ts). */
  environment?: Readonly<Record<string, string>>;
  /** The environment is started ahead of traffic (provisioned concurrency). */
  provisioned?: boolean;
}

/**
 * One request that finished during an entry into an environment serving several at once
 * (`instanceConcurrency.ts`): which, how, and the calls it left in flight.
 */
export interface Finished {
  requestId: string;
  outcome: InvokeOutcome;
  pending?: Array<{ id: number; site?: SourceSite }>;
}

export interface Executor {
  /** Create an execution environment and run the module's top level in it (the init phase). */
  createEnvironment(fn: FunctionInfo, envId: string, port: EnvironmentPort): InitOutcome;
  /** Run the handler in an existing environment, up to its first wait or its end. Module-level state persists between calls. */
  invoke(envId: string, event: unknown, context: HandlerContext): Step;
  /**
   * Deliver the answer of call `callId` (begun by this environment) — or run the callback of timer
   * `callId` that came due (`port.setTimer`) — and run on to the next wait or the end of the current invocation.
   */
  resume(envId: string, callId: number, reply: CallReply): Step;
  /** Throw the environment away (its module-level state and calls in flight are lost). Unknown ids are ignored. */
  destroyEnvironment(envId: string): void;
  /**
   * Throw every environment away: called when the run is over and nothing will invoke them again.
   * An executor whose environments hold real resources (isolates) must free them here, or every run
   * of a long-lived process (the editor's runtime, a test suite) leaks them.
   */
  dispose?(): void;
  /**
   * Many requests per environment (Cloud Run and the like, `instanceConcurrency.ts`): start one more
   * request in an environment that may be serving others — they share its module state — and run it
   * up to its first wait. Returns every request that finished during this entry (this one, or others
   * whose awaited promise this one settled). An executor without it serves one request at a time.
   */
  invokeConcurrent?(envId: string, event: unknown, context: HandlerContext): Finished[];
  /** Deliver a call's answer in such an environment and run on; returns the requests that finished meanwhile. */
  resumeConcurrent?(envId: string, callId: number, reply: CallReply): Finished[];
}

/**
 * A port for executors used without a platform (tests): virtual time stands still at the epoch, the
 * seed is a hash of the environment id, and every service call is refused.
 */
export function stillPort(envId: string, lab?: Partial<LabApi>): EnvironmentPort {
  let h = 0x811c9dc5;
  for (let i = 0; i < envId.length; i++) h = Math.imul(h ^ envId.charCodeAt(i), 0x01000193);
  return {
    seed: h >>> 0,
    now: () => SIMULATION_EPOCH_MS,
    begin: (call) => {
      throw new Error(`${call}: no platform is attached to this environment`);
    },
    setTimer: () => {
      throw new Error('setTimeout: no platform is attached to this environment');
    },
    clearTimer: () => undefined,
    work: () => undefined,
    log: () => undefined,
    remaining: () => 0,
    lab: lab as LabApi,
  };
}

/**
 * The clock a module's code reads (the in-process executor gives it to module factories): the
 * environment's instant as of the latest entry, moved on by the work declared since.
 */
export interface ModuleClock {
  /** Virtual instant, Unix epoch ms. */
  now(): number;
  /** `now()` when the environment was created (`performance.now()` counts from it). */
  readonly originMs: number;
  /** Seed of the environment's random stream. */
  readonly seed: number;
}

/**
 * A module as a factory: calling it is "loading the module", i.e. running its top level. Whatever
 * the factory keeps in its closure is module-level state, which lives exactly as long as one
 * execution environment.
 */
export type ModuleFactory = (lab: LabApi, clock: ModuleClock) => { handler: (event: any, context: HandlerContext) => unknown };

/** Turn anything thrown into the plain error shape that crosses the executor boundary. */
export function toErrorInfo(thrown: unknown): ErrorInfo & { code?: string } {
  if (thrown instanceof Error) {
    const info: ErrorInfo & { code?: string } = { name: thrown.name || 'Error', message: thrown.message };
    if (typeof thrown.stack === 'string') info.stack = thrown.stack;
    const code = (thrown as { code?: unknown }).code;
    if (typeof code === 'string') info.code = code;
    return info;
  }
  return { name: 'Error', message: typeof thrown === 'string' ? thrown : safeString(thrown) };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

interface InProcessEnv {
  handler: (event: unknown, context: HandlerContext) => unknown;
  clock: EntryClock;
}

/** An environment's clock as its code reads it: the port's instant at each entry, moved on by `work(ms)`. */
class EntryClock implements ModuleClock {
  readonly originMs: number;
  readonly seed: number;

  constructor(private readonly port: EnvironmentPort) {
    this.originMs = port.now();
    this.seed = port.seed >>> 0;
  }

  now(): number {
    return this.port.now();
  }
}

/**
 * Runs registered plain functions in this process, for engine tests. NOT a sandbox, and not the
 * awaited model: a registered module gets the cloud as a synchronous `LabApi` whose calls take effect
 * at once, and its handler must be synchronous (one that returns a promise fails with
 * `AsyncHandlerError`). Learner handlers run in the `IsolateExecutor` or the `VmExecutor`.
 */
export class InProcessExecutor implements Executor {
  private readonly factories = new Map<string, ModuleFactory>();
  private readonly envs = new Map<string, InProcessEnv>();

  /**
   * Make a module available under `handlerId` (the `handler` field of a function config). The
   * factory runs once per environment: every cold start runs the module's top level again.
   */
  register(handlerId: string, factory: ModuleFactory): void {
    if (typeof handlerId !== 'string' || handlerId === '') throw new TypeError('handlerId must be a non-empty string');
    if (typeof factory !== 'function') throw new TypeError('factory must be a function');
    this.factories.set(handlerId, factory);
  }

  createEnvironment(fn: FunctionInfo, envId: string, port: EnvironmentPort): InitOutcome {
    const factory = this.factories.get(fn.handler);
    if (!factory) return { ok: false, error: { name: 'Runtime.HandlerNotFound', message: `no handler registered as '${fn.handler}'` } };
    const clock = new EntryClock(port);
    // The module's lab: service calls at once through the port's lab; work and log through the port.
    const lab: LabApi = {
      ...port.lab,
      work: (ms) => port.work(ms),
      log: (...args) => port.log(args),
    };
    let mod: ReturnType<ModuleFactory>;
    try {
      mod = factory(lab, clock);
    } catch (thrown) {
      return { ok: false, error: toErrorInfo(thrown) };
    }
    if (!mod || typeof mod.handler !== 'function') {
      return { ok: false, error: { name: 'Runtime.HandlerNotFound', message: `module '${fn.handler}' does not export a handler function` } };
    }
    this.envs.set(envId, { handler: mod.handler, clock });
    return { ok: true };
  }

  invoke(envId: string, event: unknown, context: HandlerContext): Step {
    const env = this.envs.get(envId);
    if (!env) return done({ ok: false, error: { name: 'Runtime.UnknownEnvironment', message: `environment ${envId} does not exist` } });
    let result: unknown;
    try {
      result = env.handler(event, context);
    } catch (thrown) {
      return done({ ok: false, error: toErrorInfo(thrown) });
    }
    if (isThenable(result)) {
      // Swallow a later rejection so it does not surface as an unhandled rejection in the host.
      result.then(undefined, () => undefined);
      return done({
        ok: false,
        error: {
          name: 'AsyncHandlerError',
          message: 'the handler returned a Promise: registered in-process modules are synchronous (async handlers run in the sandbox or the VmExecutor)',
        },
      });
    }
    return done({ ok: true, result });
  }

  resume(envId: string, callId: number): Step {
    return done({ ok: false, error: { name: 'Runtime.UnknownCall', message: `environment ${envId} has no call ${callId} in flight (registered modules make no awaited calls)` } });
  }

  /** Registered modules are synchronous: a request finishes in the entry that starts it. */
  invokeConcurrent(envId: string, event: unknown, context: HandlerContext): Finished[] {
    const step = this.invoke(envId, event, context) as Extract<Step, { state: 'done' }>;
    return [{ requestId: context.awsRequestId, outcome: step.outcome }];
  }

  resumeConcurrent(): Finished[] {
    return [];
  }

  destroyEnvironment(envId: string): void {
    this.envs.delete(envId);
  }

  /** Number of live environments (for tests). */
  get size(): number {
    return this.envs.size;
  }
}

function done(outcome: InvokeOutcome): Step {
  return { state: 'done', outcome };
}
