/**
 * How the function platform runs a handler. The platform decides *when* (virtual time) and *where*
 * (which execution environment); an executor does the running. The interface is synchronous: a
 * handler runs to completion at the virtual instant its invocation starts, its side effects (sends,
 * publishes, table writes through the lab API) happen at that instant, and its *modelled* duration
 * (a base duration plus whatever it declared with `lab.work(ms)`) decides when the invocation ends.
 *
 * Two executors exist: `InProcessExecutor` below (plain functions registered by tests and the CLI,
 * no isolation at all) and the sandbox executor (isolated-vm), which makes async handlers
 * synchronous from the host's side by draining the isolate's microtasks inside one `applySync`.
 *
 * Time and randomness inside a handler are the environment's, not the machine's: the platform hands
 * every environment an `EnvironmentRuntime` (its seed and a reading of its virtual instant), and both
 * executors give handler code a `Date`, `performance`, `Math.random` and `crypto` built on it
 * (`src/sandbox/virtualTime.ts`). The executor reads `now()` at every entry into the environment
 * (init, invoke, and any later re-entry) and `work(ms)` moves the handler's clock on from there.
 */
import { SIMULATION_EPOCH_MS } from './events';

/** What a handler may call: the simulated cloud, as seen from inside a function. */
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
  tablePut(table: string, item: Record<string, unknown>, options?: { ifNotExists?: boolean }): void;
  tableGet(table: string, key: string | number): Record<string, unknown> | undefined;
  /**
   * "This invocation spends `ms` of (virtual) time working": adds to the modelled duration of the
   * current invocation (during init: to the init duration). Executors count it and report the total
   * as `workMs`, and forward each call to the lab they were given (the platform uses it to answer
   * `getRemainingTimeInMillis`).
   */
  work(ms: number): void;
  log(...args: unknown[]): void;
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

/** Result of running a handler once. `workMs` is the total declared with `lab.work` during the call. */
export type InvokeOutcome =
  | { ok: true; result: unknown; workMs: number; cpuMs?: number }
  | { ok: false; error: ErrorInfo; workMs: number; timedOut?: boolean; cpuMs?: number };

/** Result of running a module's top level (the init phase of a cold start). */
export type InitOutcome = { ok: true; workMs: number; measuredMs?: number } | { ok: false; error: ErrorInfo; workMs: number; measuredMs?: number };

/** Virtual time and seeded randomness of one execution environment; the platform supplies it. */
export interface EnvironmentRuntime {
  /** Seed (uint32) of the environment's own random stream (`Math.random`, `crypto`), derived from the scenario seed. */
  seed: number;
  /**
   * The environment's current virtual instant, Unix epoch ms (`SIMULATION_EPOCH_MS` + virtual time),
   * including the work the current call has declared so far. Read at every entry into the environment.
   */
  now(): number;
}

/**
 * For executors used without a platform (tests): virtual time stands still at the epoch, and the
 * seed is a hash of the environment id (so two environments still draw different numbers).
 */
export function stillRuntime(envId: string): EnvironmentRuntime {
  let h = 0x811c9dc5;
  for (let i = 0; i < envId.length; i++) h = Math.imul(h ^ envId.charCodeAt(i), 0x01000193);
  return { seed: h >>> 0, now: () => SIMULATION_EPOCH_MS };
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

export interface Executor {
  /**
   * Create an execution environment and run the module's top level in it (the init phase).
   * `runtime` (default `stillRuntime(envId)`) is the environment's clock and random seed.
   */
  createEnvironment(fn: { name: string; handler: string; memoryMb: number; timeoutMs: number }, envId: string, lab: LabApi, runtime?: EnvironmentRuntime): InitOutcome;
  /** Run the handler once in an existing environment. Module-level state persists between calls. */
  invoke(envId: string, event: unknown, context: HandlerContext): InvokeOutcome;
  /** Throw the environment away (its module-level state is lost). Unknown ids are ignored. */
  destroyEnvironment(envId: string): void;
}

/**
 * A module as a factory: calling it is "loading the module", i.e. running its top level. Whatever
 * the factory keeps in its closure is module-level state, which lives exactly as long as one
 * execution environment.
 */
export type ModuleFactory = (lab: LabApi, clock: ModuleClock) => { handler: (event: any, context: HandlerContext) => unknown };

/**
 * A lab that forwards every service call to `base` but does its own `work` and `log` (the platform
 * and executors wrap the lab this way to count declared work and route console output).
 */
export function labWith(base: LabApi, own: Pick<LabApi, 'work' | 'log'>, before: LabGuard = () => undefined): LabApi {
  return {
    send: (queue, body, options) => (before('send', queue), base.send(queue, body, options)),
    publish: (topic, body, options) => (before('publish', topic), base.publish(topic, body, options)),
    produce: (stream, value, options) => (before('produce', stream), base.produce(stream, value, options)),
    putEvents: (bus, entries) => (before('putEvents', bus), base.putEvents(bus, entries)),
    putObject: (bucket, key, body) => (before('putObject', bucket, key), base.putObject(bucket, key, body)),
    getObject: (bucket, key) => (before('getObject', bucket, key), base.getObject(bucket, key)),
    tablePut: (table, item, options) => (before('tablePut', table), base.tablePut(table, item, options)),
    tableGet: (table, key) => (before('tableGet', table), base.tableGet(table, key)),
    work: own.work,
    log: own.log,
  };
}

/** Called before every service call of the lab (with the resource and, for objects, the key); may throw to refuse it. */
export type LabGuard = (call: Exclude<keyof LabApi, 'work' | 'log'>, resource: string, key?: string) => void;

/** How a service call reads in a message: `send to queue "orders"`, `putObject uploads/a.jpg`. */
export function describeLabCall(call: Parameters<LabGuard>[0], resource: string, key?: string): string {
  const noun = { send: 'send to queue', publish: 'publish to topic', produce: 'produce to stream', putEvents: 'putEvents on bus', tablePut: 'tablePut on table', tableGet: 'tableGet on table' } as const;
  return call === 'putObject' || call === 'getObject' ? `${call} ${resource}/${key}` : `${noun[call]} "${resource}"`;
}

/** Turn anything thrown into the plain error shape that crosses the executor boundary. */
export function toErrorInfo(thrown: unknown): ErrorInfo {
  if (thrown instanceof Error) {
    const info: ErrorInfo = { name: thrown.name || 'Error', message: thrown.message };
    if (typeof thrown.stack === 'string') info.stack = thrown.stack;
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
  /** Work declared during the current call (init or invoke). */
  work: { ms: number };
  time: EntryClock;
}

/** An environment's clock as its code reads it: set at each entry, moved on by `work(ms)`. */
class EntryClock implements ModuleClock {
  private base: number;
  private offset = 0;
  readonly originMs: number;

  constructor(
    private readonly runtime: EnvironmentRuntime,
    readonly seed = runtime.seed >>> 0,
  ) {
    this.base = this.originMs = runtime.now();
  }

  /** The host enters the environment: its clock is the runtime's instant again. */
  enter(): void {
    this.base = this.runtime.now();
    this.offset = 0;
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  now(): number {
    return this.base + this.offset;
  }
}

/**
 * Runs registered plain functions in this process. NOT a sandbox: handlers share the host's
 * globals and can do anything the host can. It exists for unit tests and the CLI.
 *
 * Handlers must be synchronous: a handler that returns a Promise fails with `AsyncHandlerError`
 * (only the sandbox executor can drain an async handler within one virtual instant).
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

  createEnvironment(fn: { name: string; handler: string; memoryMb: number; timeoutMs: number }, envId: string, lab: LabApi, runtime: EnvironmentRuntime = stillRuntime(envId)): InitOutcome {
    const work = { ms: 0 };
    const time = new EntryClock(runtime);
    const factory = this.factories.get(fn.handler);
    if (!factory) {
      return { ok: false, error: { name: 'Runtime.HandlerNotFound', message: `no handler registered as '${fn.handler}'` }, workMs: 0 };
    }
    // The lab the module sees counts its declared work before forwarding it.
    const envLab = labWith(lab, {
      work: (ms) => {
        if (!(typeof ms === 'number' && ms >= 0 && Number.isFinite(ms))) throw new RangeError(`work(ms): ms must be a finite number ≥ 0, got ${ms}`);
        work.ms += ms;
        lab.work(ms);
        time.advance(ms);
      },
      log: (...args) => lab.log(...args),
    });
    let mod: ReturnType<ModuleFactory>;
    try {
      mod = factory(envLab, time);
    } catch (thrown) {
      return { ok: false, error: toErrorInfo(thrown), workMs: work.ms };
    }
    if (!mod || typeof mod.handler !== 'function') {
      return { ok: false, error: { name: 'Runtime.HandlerNotFound', message: `module '${fn.handler}' does not export a handler function` }, workMs: work.ms };
    }
    this.envs.set(envId, { handler: mod.handler, work, time });
    return { ok: true, workMs: work.ms };
  }

  invoke(envId: string, event: unknown, context: HandlerContext): InvokeOutcome {
    const env = this.envs.get(envId);
    if (!env) return { ok: false, error: { name: 'Runtime.UnknownEnvironment', message: `environment ${envId} does not exist` }, workMs: 0 };
    env.work.ms = 0;
    env.time.enter();
    let result: unknown;
    try {
      result = env.handler(event, context);
    } catch (thrown) {
      return { ok: false, error: toErrorInfo(thrown), workMs: env.work.ms };
    }
    if (isThenable(result)) {
      // Swallow a later rejection so it does not surface as an unhandled rejection in the host.
      result.then(undefined, () => undefined);
      return {
        ok: false,
        error: {
          name: 'AsyncHandlerError',
          message: 'the handler returned a Promise: async handlers need the sandbox executor (the in-process executor runs synchronous handlers only)',
        },
        workMs: env.work.ms,
      };
    }
    return { ok: true, result, workMs: env.work.ms };
  }

  destroyEnvironment(envId: string): void {
    this.envs.delete(envId);
  }

  /** Number of live environments (for tests). */
  get size(): number {
    return this.envs.size;
  }
}
