/**
 * What the two executors of learner code share: the `IsolateExecutor` (the sandbox: a V8 isolate
 * per execution environment) and the `VmExecutor` (no isolation: a `node:vm` context per
 * environment, for fast CLI runs and tests). Both compile the learner's files the one way
 * (`compile.ts`), run the same bootstrap inside the container (`bootstrap.ts`), and speak the same
 * protocol with it, so a handler behaves the same in both, byte for byte in the trace:
 *
 * - `createEnvironment` is a real cold start: a new container, the bootstrap, the learner's compiled
 *   module, and its top level run once (the init phase). The real time it took is `measuredMs`.
 * - `invoke` runs the handler up to its first `await` of a call in flight (or its end); `resume`
 *   delivers a call's answer and runs it on. Calls the code makes leave through one host function,
 *   answered at once with an id (`port.begin`); the platform completes them in virtual time.
 * - `destroyEnvironment` disposes of the container.
 *
 * Safety rules of the host side (they matter for the isolate; the vm context is not a sandbox):
 * the container holds exactly one host function, which takes and returns JSON strings; host errors
 * cross as `{name, message, code}` only (no host stack); results and errors are turned into JSON
 * strings inside the container within the timed call, size-capped, and parsed here into fresh
 * objects (`__proto__` keys dropped). Nothing returned is merged into host objects.
 *
 * Error outcomes carry two extra fields besides `ErrorInfo`: `location: { file, line, column }`
 * (1-based, in the learner's original file, via the source map) where the error was thrown, and for
 * environments that can no longer be used `fatal: true`. Compile errors also carry `diagnostics`.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isServiceCall, type CallReply, type EnvironmentPort, type ErrorInfo, type Executor, type Finished, type FunctionInfo, type HandlerContext, type InitOutcome, type InvokeOutcome, type SourceSite, type Step } from '../engine/executor';
import type { DispatchOp } from './bootstrap';
import { InvocationBudget } from './budget';
import { CompileError, compileHandler, compileProblems, type CompileDiagnostic, type CompiledHandler } from './compile';
import { TIMER_LIMIT } from '../engine/timers';
import { LOG_CHARS_PER_INVOCATION, LOG_LINE_CHARS, LOG_LINES_PER_INVOCATION } from '../engine/outputBounds';
import { mapStack, SourceMapper, type SourcePosition } from './sourceMaps';
import { runtimeEnvironment } from '../engine/environmentVariables';

export interface ScriptExecutorOptions {
  /**
   * Directory relative handler paths are resolved against (default: the current directory). When
   * given, it is also the exercise folder a handler's imports are confined to (default: the
   * handler file's own folder).
   */
  rootDir?: string;
  /** Other folders a handler's imports may reach (the folders of handler files named on the command line). */
  allowDirs?: string[];
  /**
   * Turn a function's `handler` setting into a file and an export name. Default: `path/file.ts`
   * (export `handler`), `path/file.ts#name`, or Lambda style `path/file.name` (export `name` of
   * `path/file.ts|.mts|.js|.mjs|.cjs`).
   */
  resolveHandler?: (handler: string) => { file: string; exportName: string };
  /** Cap on the real CPU time of one entry into an environment's code, ms (default 2000). */
  maxRealTimeoutMs?: number;
  /** Largest result, in characters of JSON (default 1 MiB). */
  maxResponseBytes?: number;
  /** Largest arguments of one lab API call, in characters of JSON (default 1 MiB). */
  maxArgumentBytes?: number;
}

/** Extra fields the executors add to `ErrorInfo`. */
export interface SandboxErrorInfo extends ErrorInfo {
  /** Where in the learner's source the error was thrown (1-based line and column). */
  location?: SourcePosition;
  /** The environment is gone (killed for memory, timed out, crashed): the next invoke needs a new one. */
  fatal?: boolean;
  /** Compile errors: every problem esbuild found. */
  diagnostics?: CompileError['diagnostics'];
  /** The learner's own error, thrown by a timer's or process.nextTick's callback (Node's uncaught exception): fatal, but no verdict of the sandbox's. */
  uncaught?: boolean;
}

/** One execution environment: its container (isolate or vm context) and the state of its current entry. */
export interface ScriptEnv<C> {
  id: string;
  container: C;
  port: EnvironmentPort;
  fn: FunctionInfo;
  realTimeoutMs: number;
  bundleUrl: string;
  mapper: SourceMapper;
  /** The host context of the invocation in progress (answers `getRemainingTimeInMillis`). */
  current: HandlerContext | undefined;
  /** The outcome the code reported during this entry (`hostCall('done')`), and the calls it left pending. */
  reported: string | undefined;
  pending: Array<[number, string]> | undefined;
  /** Serving several requests at once (`invokeConcurrent`): each one's context, and what finished during this entry. */
  contexts?: Map<string, HandlerContext>;
  finished?: Array<{ requestId: string; encoded: string; pending: Array<[number, string]> | undefined }>;
  /** An entry into the container is in progress. */
  busy: boolean;
  /** Set once the container is gone: why. */
  dead: string | undefined;
  destroyRequested: boolean;
  /** The real-time budget of the invocation in progress (or of the init phase), and its lab calls' bound. */
  budget: InvocationBudget;
  /** The host ended the current entry (time or memory spent): what the learner is told. */
  aborted: SandboxErrorInfo | undefined;
  /** The code queued `process.nextTick` callbacks that have not run yet. */
  ticks?: boolean;
}

/** Name of the bootstrap script inside containers: its frames are hidden from learners' stacks. */
export const BOOTSTRAP_URL = 'file:///serverless-lab/runtime.js';
export const ERROR_CHARS = 16_384;
const DEFAULTS = { maxRealTimeoutMs: 2000, maxResponseBytes: 1 << 20, maxArgumentBytes: 1 << 20 };

export abstract class ScriptExecutor<C> implements Executor {
  protected readonly envs = new Map<string, ScriptEnv<C>>();
  /** Environments that died on their own (memory, timeout, crash), until the platform destroys them. */
  private readonly gone = new Map<string, string>();
  protected readonly base: Required<Omit<ScriptExecutorOptions, 'resolveHandler' | 'allowDirs'>> & Pick<ScriptExecutorOptions, 'resolveHandler' | 'allowDirs'>;
  /** The folder handlers' imports are confined to, when the executor was given one. */
  private readonly exerciseRoot: string | undefined;

  constructor(options: ScriptExecutorOptions = {}) {
    this.exerciseRoot = options.rootDir === undefined ? undefined : resolve(options.rootDir);
    const o = { ...DEFAULTS, rootDir: process.cwd(), ...options };
    for (const key of ['maxRealTimeoutMs', 'maxResponseBytes', 'maxArgumentBytes'] as const) {
      if (!(typeof o[key] === 'number' && Number.isFinite(o[key]) && o[key] >= 1)) throw new RangeError(`${key} must be a number ≥ 1, got ${String(o[key])}`);
    }
    this.base = o;
  }

  // ---- what a container kind provides ----

  /** Create the container, run the bootstrap in it and return it (the bootstrap's `dispatch` is kept inside). */
  protected abstract createContainer(env: ScriptEnv<C>, hostCall: (op: unknown, argsJson: unknown) => string, configJson: string): C;
  /** Run the learner's compiled bundle (it only defines `__labInit`). */
  protected abstract runBundle(env: ScriptEnv<C>, code: string, timeoutMs: number): void;
  /** One timed call of the bootstrap's `dispatch`; the container's microtasks have run when it returns. */
  protected abstract dispatch(env: ScriptEnv<C>, op: DispatchOp, now: number, a: string | undefined, b: string | undefined, timeoutMs: number): unknown;
  protected abstract disposeContainer(env: ScriptEnv<C>): void;
  /** What a failed entry means for the learner, when the container kind knows better (memory, CPU time); undefined otherwise. */
  protected abstract containerFailure(env: ScriptEnv<C>, err: unknown, phase: 'init' | 'invoke'): SandboxErrorInfo | undefined;
  /**
   * Stop the code running in the container now, from inside one of its lab calls (the budget is
   * spent, or memory). The entry then fails with `env.aborted`. Default: nothing can be stopped
   * (the entry ends when the code returns, and its outcome is replaced by `env.aborted`).
   */
  protected abort(_env: ScriptEnv<C>): void {}
  /** The environment's memory cap, MB (what the memory guard clamps and charges against). */
  protected memoryLimitMb(env: ScriptEnv<C>): number {
    return Math.max(8, Math.floor(env.fn.memoryMb) || 8);
  }
  /**
   * After an entry returned: the memory its container holds beyond the environment's limit, bytes,
   * or 0. A single builtin (`new Array(3e7).fill(0)`) can grow the heap past the limit without a
   * garbage collection in between, which is when the container kind's own limit is checked; such
   * an entry must not end as a success holding that memory. Default: nothing is known (0).
   */
  protected memoryOverLimit(_env: ScriptEnv<C>): number {
    return 0;
  }

  private checkMemory(env: ScriptEnv<C>): void {
    if (env.aborted) return;
    const over = this.memoryOverLimit(env);
    if (over <= 0) return;
    const limit = this.memoryLimitMb(env);
    env.aborted = {
      name: 'Runtime.OutOfMemory',
      message: `the <part> ran out of memory: it held ${Math.round(limit + over / 1_048_576)} MB when it returned, past the environment's memory limit of ${limit} MB${limit < env.fn.memoryMb ? ` (the sandbox's cap; the function has ${env.fn.memoryMb} MB)` : ''}, and it was killed`,
      fatal: true,
    };
  }

  /** Real CPU time the container has used, ns (0 when unknown). */
  protected cpuTime(_env: ScriptEnv<C>): bigint {
    return 0n;
  }

  // ---- the executor ----

  /** Number of live environments. */
  get size(): number {
    return this.envs.size;
  }

  /** Which file and export a `handler` setting names. */
  resolveHandler(handler: string): { file: string; exportName: string } {
    if (this.base.resolveHandler) return this.base.resolveHandler(handler);
    const root = this.base.rootDir;
    const hash = handler.lastIndexOf('#');
    if (hash > 0) return { file: resolve(root, handler.slice(0, hash)), exportName: handler.slice(hash + 1) || 'handler' };
    const direct = resolve(root, handler);
    if (isFile(direct)) return { file: direct, exportName: 'handler' };
    const dot = handler.lastIndexOf('.');
    if (dot > 0 && !handler.slice(dot).includes('/')) {
      const stem = resolve(root, handler.slice(0, dot));
      for (const ext of ['.ts', '.mts', '.js', '.mjs', '.cjs', '']) {
        if (isFile(stem + ext)) return { file: stem + ext, exportName: handler.slice(dot + 1) };
      }
    }
    return { file: direct, exportName: 'handler' };
  }

  /** What stops a handler setting from compiling here (same folder and allowed folders as its runs), or []. */
  compileProblems(handler: string): CompileDiagnostic[] {
    return compileProblems(this.resolveHandler(handler).file, { root: this.exerciseRoot, allow: this.base.allowDirs });
  }

  createEnvironment(fn: FunctionInfo, envId: string, port: EnvironmentPort): InitOutcome {
    const started = performance.now();
    if (this.envs.has(envId)) this.destroyEnvironment(envId);
    const measured = () => performance.now() - started;

    let target: { file: string; exportName: string };
    let compiled: CompiledHandler;
    try {
      target = this.resolveHandler(fn.handler);
      compiled = compileHandler(target.file, { root: this.exerciseRoot, allow: this.base.allowDirs });
    } catch (err) {
      return { ok: false, error: compileErrorInfo(err), measuredMs: measured() };
    }

    const realTimeoutMs = Math.max(1, Math.min(Math.floor(fn.timeoutMs) || 1, this.base.maxRealTimeoutMs));
    const env: ScriptEnv<C> = {
      id: envId,
      container: undefined as unknown as C,
      port,
      fn: { name: fn.name, handler: fn.handler, memoryMb: fn.memoryMb, timeoutMs: fn.timeoutMs },
      realTimeoutMs,
      bundleUrl: `file:///serverless-lab/bundle/${basename(target.file).replace(/[^\w.-]/g, '_')}.js`,
      mapper: new SourceMapper(compiled.map),
      current: undefined,
      reported: undefined,
      pending: undefined,
      busy: false,
      dead: undefined,
      destroyRequested: false,
      budget: new InvocationBudget(realTimeoutMs),
      aborted: undefined,
    };
    const config = JSON.stringify({
      exportName: target.exportName,
      maxResponseBytes: this.base.maxResponseBytes,
      maxArgumentBytes: this.base.maxArgumentBytes,
      maxErrorChars: ERROR_CHARS,
      memoryLimitBytes: this.memoryLimitMb(env) * 1_048_576,
      // The engine keeps fewer (outputBounds.ts) and says so; past these the container stops passing lines at all.
      maxLogLines: LOG_LINES_PER_INVOCATION + 1,
      maxLogChars: LOG_CHARS_PER_INVOCATION + LOG_LINE_CHARS,
      maxLogLineChars: LOG_LINE_CHARS,
      seed: port.seed >>> 0,
      originMs: port.now(),
      // process.env: built here from the function's settings, never from this process's environment.
      env: runtimeEnvironment(fn, envId),
    });
    let encoded: unknown;
    env.busy = true;
    try {
      env.container = this.createContainer(env, (op, argsJson) => this.hostCall(env, op, argsJson), config);
      // The init phase has one budget: defining the bundle and running its top level.
      env.budget.reset();
      try {
        this.runBundle(env, compiled.code, env.budget.enter());
      } finally {
        env.budget.leave();
      }
      try {
        encoded = this.dispatch(env, 'init', port.now(), undefined, undefined, env.budget.enter());
      } finally {
        env.budget.leave();
      }
      this.runTicks(env);
      this.checkMemory(env);
      if (env.aborted) throw new Error('aborted by the host');
    } catch (err) {
      env.busy = false;
      const error = this.failure(env, err, 'init');
      this.disposeEnv(env);
      return { ok: false, error, measuredMs: measured() };
    }
    env.busy = false;
    const outcome = this.decode(env, encoded);
    if (!outcome.ok || env.destroyRequested) {
      this.disposeEnv(env);
      const error = outcome.ok ? { name: 'Runtime.ExitError', message: 'the environment was destroyed during its init phase' } : outcome.error;
      return { ok: false, error, measuredMs: measured() };
    }
    this.envs.set(envId, env);
    return { ok: true, measuredMs: measured() };
  }

  invoke(envId: string, event: unknown, context: HandlerContext): Step {
    const env = this.usable(envId);
    if (!('id' in env)) return env;
    let eventJson: string | undefined;
    let contextJson: string;
    try {
      eventJson = JSON.stringify(event);
      contextJson = JSON.stringify({
        awsRequestId: String(context.awsRequestId),
        functionName: String(context.functionName),
        memoryLimitInMB: Number(context.memoryLimitInMB),
        coldStart: Boolean(context.coldStart),
        environmentId: String(context.environmentId),
      });
    } catch (err) {
      return done({ ok: false, error: { name: 'Runtime.InvalidEvent', message: `the event cannot be passed to a handler as JSON: ${messageOf(err)}` } });
    }
    env.current = context;
    env.budget.reset();
    return this.enter(env, 'invoke', eventJson ?? 'null', contextJson);
  }

  resume(envId: string, callId: number, reply: CallReply): Step {
    const env = this.usable(envId);
    if (!('id' in env)) return env;
    return this.enter(env, 'resume', String(callId), replyJsonOf(reply));
  }

  invokeConcurrent(envId: string, event: unknown, context: HandlerContext): Finished[] {
    const env = this.usable(envId);
    const requestId = String(context.awsRequestId);
    if (!('id' in env)) return [{ requestId, outcome: (env as Extract<Step, { state: 'done' }>).outcome }];
    let eventJson: string | undefined;
    let contextJson: string;
    try {
      eventJson = JSON.stringify(event);
      contextJson = JSON.stringify({ awsRequestId: requestId, functionName: String(context.functionName), memoryLimitInMB: Number(context.memoryLimitInMB), coldStart: Boolean(context.coldStart), environmentId: String(context.environmentId) });
    } catch (err) {
      return [{ requestId, outcome: { ok: false, error: { name: 'Runtime.InvalidEvent', message: `the event cannot be passed to a handler as JSON: ${messageOf(err)}` } } }];
    }
    (env.contexts ??= new Map()).set(requestId, context);
    return this.enterMany(env, 'serve', eventJson ?? 'null', contextJson);
  }

  resumeConcurrent(envId: string, callId: number, reply: CallReply): Finished[] {
    const env = this.usable(envId);
    if (!('id' in env)) return [];
    return this.enterMany(env, 'resume', String(callId), replyJsonOf(reply));
  }

  destroyEnvironment(envId: string): void {
    this.gone.delete(envId);
    const env = this.envs.get(envId);
    if (!env) return;
    if (env.busy) {
      // A lab call from inside this container is on the stack: dispose once the entry returns.
      env.destroyRequested = true;
      return;
    }
    this.disposeEnv(env);
  }

  /** Destroy every environment. */
  dispose(): void {
    for (const env of [...this.envs.values()]) this.destroyEnvironment(env.id);
    this.gone.clear();
  }

  // ---- internals ----

  /** The environment, or the step to answer when it cannot run code. */
  private usable(envId: string): ScriptEnv<C> | Step {
    const env = this.envs.get(envId);
    const died = this.gone.get(envId);
    if (!env && died) return done({ ok: false, error: { name: 'Runtime.ExitError', message: `the execution environment is gone: it was ${died}`, fatal: true } as SandboxErrorInfo });
    if (!env) return done({ ok: false, error: { name: 'Runtime.UnknownEnvironment', message: `environment ${envId} does not exist` } });
    if (env.dead) return done({ ok: false, error: { name: 'Runtime.ExitError', message: `the execution environment is gone: ${env.dead}`, fatal: true } as SandboxErrorInfo });
    if (env.busy) return done({ ok: false, error: { name: 'Runtime.Reentrancy', message: `environment ${envId} is already running code` } });
    return env;
  }

  /** One entry into the environment's code: run it, then say whether the invocation finished. */
  private enter(env: ScriptEnv<C>, op: 'invoke' | 'resume', a: string, b: string): Step {
    env.reported = undefined;
    env.pending = undefined;
    env.busy = true;
    const cpuBefore = this.cpuTime(env);
    let returned: unknown;
    try {
      try {
        returned = this.dispatch(env, op, env.port.now(), a, b, env.budget.enter());
      } finally {
        env.budget.leave();
      }
      this.runTicks(env);
      // The host stopped the entry (budget or memory) but the code returned before it could be stopped.
      this.checkMemory(env);
      if (env.aborted) throw new Error('aborted by the host');
    } catch (err) {
      const cpuMs = cpuSince(this.cpuTime(env), cpuBefore);
      const timedOut = env.aborted ? env.aborted.name === 'Sandbox.Timedout' : isTimeout(err);
      const error = this.failure(env, err, 'invoke');
      this.finishEntry(env);
      this.disposeEnv(env);
      return done({ ok: false, error, ...(cpuMs > 0 ? { cpuMs } : {}), ...(timedOut ? { timedOut: true } : {}) });
    }
    const cpuMs = cpuSince(this.cpuTime(env), cpuBefore);
    this.finishEntry(env);
    const encoded = typeof returned === 'string' && returned !== '' ? returned : env.reported;
    if (encoded === undefined) {
      if (typeof returned !== 'string') return done({ ok: false, error: { name: 'Runtime.ExitError', message: 'the sandbox returned something other than a string', fatal: true } as SandboxErrorInfo });
      return { state: 'waiting' };
    }
    const decoded = this.decode(env, encoded);
    const outcome: InvokeOutcome = decoded.ok ? { ok: true, result: decoded.result } : { ok: false, error: decoded.error };
    if (cpuMs > 0) outcome.cpuMs = cpuMs;
    env.current = undefined;
    // Set by `hostCall('pending')` during the entry (TypeScript cannot see that).
    const reportedPending = env.pending as Array<[number, string]> | undefined;
    const pending = (reportedPending ?? []).map(([id, stack]) => ({ id, ...siteOf(this.site(env, stack)) }));
    env.pending = undefined;
    return pending.length ? { state: 'done', outcome, pending } : { state: 'done', outcome };
  }

  /** One entry into an environment serving several requests: every request that finished in it. */
  private enterMany(env: ScriptEnv<C>, op: 'serve' | 'resume', a: string, b: string): Finished[] {
    env.finished = [];
    env.pending = undefined;
    env.busy = true;
    // Requests overlap in such an environment: each entry has the whole real-time budget.
    env.budget.reset();
    try {
      try {
        this.dispatch(env, op, env.port.now(), a, b, env.budget.enter());
      } finally {
        env.budget.leave();
      }
      this.runTicks(env);
      this.checkMemory(env);
      if (env.aborted) throw new Error('aborted by the host');
    } catch (err) {
      // The container is gone: every request it was serving fails with it.
      const error = this.failure(env, err, 'invoke');
      this.finishEntry(env);
      this.disposeEnv(env);
      const timedOut = env.aborted ? env.aborted.name === 'Sandbox.Timedout' : isTimeout(err);
      const out: Finished[] = [...(env.contexts?.keys() ?? [])].map((requestId) => ({ requestId, outcome: { ok: false, error, ...(timedOut ? { timedOut: true } : {}) } }));
      env.contexts?.clear();
      env.finished = undefined;
      return out;
    }
    this.finishEntry(env);
    const out: Finished[] = [];
    for (const f of env.finished ?? []) {
      const decoded = this.decode(env, f.encoded);
      const outcome: InvokeOutcome = decoded.ok ? { ok: true, result: decoded.result } : { ok: false, error: decoded.error };
      const pending = (f.pending ?? []).map(([id, stack]) => ({ id, ...siteOf(this.site(env, stack)) }));
      env.contexts?.delete(f.requestId);
      out.push(pending.length ? { requestId: f.requestId, outcome, pending } : { requestId: f.requestId, outcome });
    }
    env.finished = undefined;
    return out;
  }

  /**
   * Node's tick queue: once an entry's code and its promise callbacks have run (the container's
   * microtasks are drained when a dispatch returns), the `process.nextTick` callbacks it queued run,
   * then the promise callbacks they queued, and so on until both are empty. On Lambda the runtime
   * calls the handler from a promise continuation, so this is the order a handler's ticks run in
   * there too. Same budget as the entry.
   */
  private runTicks(env: ScriptEnv<C>): void {
    while (env.ticks && !env.aborted) {
      env.ticks = false;
      try {
        this.dispatch(env, 'ticks', env.port.now(), undefined, undefined, env.budget.enter());
      } finally {
        env.budget.leave();
      }
    }
  }

  private site(env: ScriptEnv<C>, stack: string): SourceSite | undefined {
    if (!stack) return undefined;
    return mapStack(stack, env.bundleUrl, env.mapper, [BOOTSTRAP_URL]).location;
  }

  private finishEntry(env: ScriptEnv<C>): void {
    env.busy = false;
    if (env.destroyRequested) this.disposeEnv(env);
  }

  private disposeEnv(env: ScriptEnv<C>): void {
    if (this.envs.get(env.id) === env) {
      this.envs.delete(env.id);
      if (env.dead) this.gone.set(env.id, env.dead);
    }
    env.dead ??= 'destroyed';
    if (env.container !== undefined) this.disposeContainer(env);
  }

  /** Decode what the bootstrap reported; errors get their stack mapped to the learner's files. */
  private decode(env: ScriptEnv<C>, encoded: unknown): { ok: true; result: unknown } | { ok: false; error: SandboxErrorInfo } {
    if (typeof encoded !== 'string') return { ok: false, error: { name: 'Runtime.ExitError', message: 'the sandbox returned something other than a string' } };
    const kind = encoded.charCodeAt(0);
    if (encoded === 'U') return { ok: true, result: undefined };
    if (kind === 82 /* R */) {
      if (encoded.length - 1 > this.base.maxResponseBytes) return { ok: false, error: tooLarge(encoded.length - 1, this.base.maxResponseBytes) };
      try {
        return { ok: true, result: parseJson(encoded.slice(1)) };
      } catch {
        return { ok: false, error: { name: 'Runtime.ResultNotSerializable', message: "the handler's result could not be read as JSON" } };
      }
    }
    if (kind === 69 /* E */ && encoded.length < 4 * ERROR_CHARS + 1024) {
      let raw: unknown;
      try {
        raw = JSON.parse(encoded.slice(1));
      } catch {
        raw = undefined;
      }
      const r = (raw ?? {}) as Record<string, unknown>;
      const error: SandboxErrorInfo = {
        name: typeof r.name === 'string' && r.name ? r.name.slice(0, 200) : 'Error',
        message: typeof r.message === 'string' ? r.message.slice(0, ERROR_CHARS) : '',
      };
      if (typeof r.stack === 'string') {
        const mapped = mapStack(r.stack.slice(0, ERROR_CHARS), env.bundleUrl, env.mapper, [BOOTSTRAP_URL]);
        error.stack = mapped.stack;
        if (mapped.location) error.location = mapped.location;
      }
      return { ok: false, error };
    }
    return { ok: false, error: { name: 'Runtime.ExitError', message: 'the sandbox returned an unreadable outcome' } };
  }

  /** What a failed entry means for the learner (and the environment, which is now dead). */
  private failure(env: ScriptEnv<C>, err: unknown, phase: 'init' | 'invoke'): SandboxErrorInfo {
    if (env.aborted) {
      env.dead = env.aborted.name === 'Runtime.OutOfMemory' ? 'killed after exceeding its memory limit' : env.aborted.name === 'Sandbox.Timedout' ? 'timed out' : env.aborted.name === TIMER_LIMIT ? 'stopped (too many timers)' : 'exited (its runtime process ended)';
      const part = phase === 'init' ? "module's top level" : 'handler';
      return { ...env.aborted, message: env.aborted.message.replace('<part>', part) };
    }
    const known = this.containerFailure(env, err, phase);
    if (known) return known;
    if (isTimeout(err)) {
      env.dead = 'timed out';
      const capped = env.realTimeoutMs < env.fn.timeoutMs;
      return {
        name: 'Sandbox.Timedout',
        message: `Task timed out: the ${phase === 'init' ? "module's top level" : 'handler'} ran for more than ${env.realTimeoutMs} ms of real time${capped ? ` (the sandbox stops runaway code after ${env.realTimeoutMs} ms; the function's timeout is ${env.fn.timeoutMs} ms of virtual time)` : ''} — look for an endless loop, or a getter that never returns`,
        fatal: true,
      };
    }
    env.dead = 'crashed';
    // The container's own errors (compiling, disposing): message only, never a host stack.
    return { name: 'Runtime.ExitError', message: `the execution environment failed: ${messageOf(err).slice(0, 500)}`, fatal: true };
  }

  /** The host side of every lab API call made inside a container: JSON in, JSON out, never throws. */
  private hostCall(env: ScriptEnv<C>, op: unknown, argsJson: unknown): string {
    // Stopped already: answer at once, doing nothing (the container is being torn down).
    if (env.aborted) return ABORTED_REPLY;
    if (typeof op !== 'string' || typeof argsJson !== 'string') return JSON.stringify({ e: { name: 'Error', message: 'bad sandbox call' } });
    // The budget is checked before anything is done with the arguments (not even parsed).
    const verdict = env.budget.beginCall(op === 'done' || op === 'finished' || op === 'pending' || op === 'oom' || op === 'exit' || op === 'tick' ? 0 : argsJson.length);
    if (!verdict.ok && verdict.why !== 'bytes') {
      env.aborted = {
        name: 'Sandbox.Timedout',
        message: `Task timed out: the <part> ran for more than ${verdict.why === 'time' ? env.budget.realMs : env.budget.labCallMs} ms of real time: ${verdict.message}${verdict.why === 'labCalls' ? `; the sandbox allows half the real-time budget (at most 1 s) in lab calls, so an invocation always ends within its budget + 1 s` : ''} — look for a loop of lab calls or logs`,
        fatal: true,
      };
      this.abort(env);
      return ABORTED_REPLY;
    }
    try {
      if (!verdict.ok) throw new RangeError(`${op}(): ${verdict.message}`);
      if (op === 'oom') {
        const what = typeof argsJson === 'string' && argsJson.length < 2000 ? (parseJson(argsJson) as unknown[])[0] : undefined;
        const limit = this.memoryLimitMb(env);
        env.aborted = {
          name: 'Runtime.OutOfMemory',
          message: `the <part> ran out of memory: ${typeof what === 'string' ? what.slice(0, 300) : 'an allocation'} would take the environment past its memory limit of ${limit} MB${limit < env.fn.memoryMb ? ` (the sandbox's cap; the function has ${env.fn.memoryMb} MB)` : ''}, and it was killed`,
          fatal: true,
        };
        this.abort(env);
        return ABORTED_REPLY;
      }
      if (op === 'tick') {
        env.ticks = true;
        return '{}';
      }
      if (op === 'exit') {
        // process.exit / kill / abort, or an uncaught exception: the runtime exits, and Lambda ends the environment.
        env.aborted = exitError(env, argsJson);
        this.abort(env);
        return ABORTED_REPLY;
      }
      if (op === 'done') {
        // The handler's promise settled: its encoded outcome (size-checked when decoded).
        if (env.reported === undefined && argsJson.length <= this.base.maxResponseBytes + 1) env.reported = argsJson;
        else if (env.reported === undefined) env.reported = 'E' + JSON.stringify({ name: 'Runtime.ResponseTooLarge', message: `the handler's result is more than the limit of ${this.base.maxResponseBytes} characters as JSON` });
        return '{}';
      }
      if (op === 'finished') {
        // One of several concurrent requests settled: `<request id as JSON>\n<encoded outcome>`.
        const cut = argsJson.indexOf('\n');
        const requestId = cut > 0 ? JSON.parse(argsJson.slice(0, cut)) : undefined;
        if (typeof requestId !== 'string' || !env.finished) throw new Error('bad sandbox call');
        const encoded = argsJson.slice(cut + 1);
        const fits = encoded.length <= this.base.maxResponseBytes + 1;
        env.finished.push({ requestId, encoded: fits ? encoded : 'E' + JSON.stringify({ name: 'Runtime.ResponseTooLarge', message: `the handler's result is more than the limit of ${this.base.maxResponseBytes} characters as JSON` }), pending: env.pending });
        env.pending = undefined;
        return '{}';
      }
      if (argsJson.length > this.base.maxArgumentBytes) {
        throw new RangeError(`${op}(): arguments are ${argsJson.length} characters as JSON, more than the limit of ${this.base.maxArgumentBytes}`);
      }
      const parsed = parseJson(argsJson);
      if (!Array.isArray(parsed)) throw new Error('bad sandbox call');
      if (isServiceCall(op)) {
        const args = parsed.map((a) => (a === null ? undefined : a));
        return JSON.stringify({ c: env.port.begin(op, args) });
      }
      let value: unknown;
      switch (op) {
        case 'work':
          env.port.work(parsed[0] as number);
          break;
        case 'setTimer':
          try {
            value = env.port.setTimer(parsed[0] as number);
          } catch (err) {
            if (!(err instanceof Error && err.name === TIMER_LIMIT)) throw err;
            // Past the lab's bound on timers: the sandbox stops the invocation (catching the error would not end the loop).
            env.aborted = { name: TIMER_LIMIT, message: err.message, fatal: true };
            this.abort(env);
            return ABORTED_REPLY;
          }
          break;
        case 'clearTimer':
          if (typeof parsed[0] === 'number') env.port.clearTimer(parsed[0]);
          break;
        case 'log':
          env.port.log(parsed);
          break;
        case 'remaining': {
          // With several requests at once, each asks for its own (by request id).
          const own = typeof parsed[0] === 'string' ? env.contexts?.get(parsed[0]) : undefined;
          const context = own ?? env.current;
          if (!context) throw new Error('getRemainingTimeInMillis() is only available while the handler runs');
          value = context.getRemainingTimeInMillis();
          break;
        }
        case 'pending':
          env.pending = (parsed as unknown[]).filter((p): p is [number, string] => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'string').slice(0, 1000);
          break;
        default:
          throw new Error(`unknown lab operation '${op}'`);
      }
      if (value === undefined) return '{}';
      return JSON.stringify({ v: value });
    } catch (err) {
      // Message only: a host stack would show host paths.
      const name = err instanceof Error && typeof err.name === 'string' ? err.name : 'Error';
      // The service's error code travels too, so a handler can tell "already written" from a real failure, as with the AWS SDK.
      const code = (err as { code?: unknown } | null)?.code;
      return JSON.stringify({ e: { name, message: messageOf(err).slice(0, ERROR_CHARS), ...(typeof code === 'string' ? { code: code.slice(0, 100) } : {}) } });
    } finally {
      env.budget.endCall();
    }
  }
}

/**
 * What an invocation (or the init phase) that ended its runtime process fails with, as Lambda
 * reports it: `Runtime.ExitError` for process.exit / kill / abort, the error itself for an
 * uncaught exception (Lambda's Node runtime reports it, then exits). The environment is gone.
 */
function exitError(env: ScriptEnv<unknown>, argsJson: string): SandboxErrorInfo {
  let how: unknown;
  let detail: unknown;
  let where: unknown;
  try {
    [how, detail, where] = argsJson.length < 4 * ERROR_CHARS ? (parseJson(argsJson) as unknown[]) : [];
  } catch {
    how = undefined;
  }
  const request = env.current ? `RequestId: ${String(env.current.awsRequestId)} ` : '';
  const next = 'the execution environment ended; the next invocation starts a new one (a cold start)';
  if (how === 'uncaught' && detail !== null && typeof detail === 'object') {
    const d = detail as { name?: unknown; message?: unknown; stack?: unknown };
    const name = typeof d.name === 'string' && d.name ? d.name.slice(0, 200) : 'Error';
    const message = typeof d.message === 'string' ? d.message.slice(0, ERROR_CHARS) : '';
    const source = where === 'timer' ? 'a timer callback' : 'a process.nextTick callback';
    // The learner's error (not a verdict of the sandbox's, whatever its name), and where it was thrown.
    const error: SandboxErrorInfo = { name, message: `${message} (an uncaught exception in ${source}: Lambda's Node.js runtime reports it and exits with status 129; ${next})`, fatal: true, uncaught: true };
    if (typeof d.stack === 'string') {
      const mapped = mapStack(d.stack.slice(0, ERROR_CHARS), env.bundleUrl, env.mapper, [BOOTSTRAP_URL]);
      error.stack = mapped.stack;
      if (mapped.location) error.location = mapped.location;
    }
    return error;
  }
  if (how === 'signal') {
    const words: Record<string, string> = { SIGABRT: 'aborted', SIGKILL: 'killed', SIGTERM: 'terminated', SIGINT: 'interrupt', SIGHUP: 'hangup', SIGQUIT: 'quit', SIGUSR1: 'user defined signal 1', SIGUSR2: 'user defined signal 2', SIGSEGV: 'segmentation fault', SIGPIPE: 'broken pipe', SIGALRM: 'alarm clock' };
    const word = typeof detail === 'string' && Object.hasOwn(words, detail) ? words[detail] : 'killed';
    return { name: 'Runtime.ExitError', message: `${request}Error: Runtime exited with error: signal: ${word} (${next})`, fatal: true };
  }
  const code = typeof detail === 'number' && Number.isInteger(detail) ? detail : 1;
  const what = code === 0 ? 'Runtime exited without providing a reason' : `Runtime exited with error: exit status ${code}`;
  return { name: 'Runtime.ExitError', message: `${request}Error: ${what} (process.exit(${code}) ends the runtime process: ${next})`, fatal: true };
}

/** The answer to every lab call of a container the host is stopping. */
const ABORTED_REPLY = JSON.stringify({ e: { name: 'Sandbox.Stopped', message: 'the execution environment is being stopped' } });

function done(outcome: InvokeOutcome): Step {
  return { state: 'done', outcome };
}

/** A service's answer as the bootstrap reads it. */
function replyJsonOf(reply: CallReply): string {
  try {
    return JSON.stringify(reply.ok ? { ok: true, value: reply.value } : { ok: false, error: { name: reply.error.name, message: reply.error.message, ...(reply.error.code !== undefined ? { code: reply.error.code } : {}) } });
  } catch (err) {
    return JSON.stringify({ ok: false, error: { name: 'Runtime.InvalidReply', message: `the service's answer cannot be passed to the handler as JSON: ${messageOf(err)}` } });
  }
}

function siteOf(site: SourceSite | undefined): { site?: SourceSite } {
  return site ? { site: { file: site.file, line: site.line, column: site.column } } : {};
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

export function isTimeout(err: unknown): boolean {
  return /Script execution timed out/.test(messageOf(err));
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return typeof err.message === 'string' ? err.message : 'unknown error';
  return typeof err === 'string' ? err : 'unknown error';
}

function cpuSince(now: bigint, before: bigint): number {
  return Number(now - before) / 1e6;
}

function tooLarge(size: number, limit: number): SandboxErrorInfo {
  return { name: 'Runtime.ResponseTooLarge', message: `the handler's result is ${size} characters as JSON, more than the limit of ${limit}` };
}

/** JSON.parse into fresh objects, dropping `__proto__` keys so nothing can reach a prototype later. */
function parseJson(text: string): unknown {
  return text.includes('"__proto__"') ? JSON.parse(text, (key, value) => (key === '__proto__' ? undefined : value)) : JSON.parse(text);
}

function compileErrorInfo(err: unknown): SandboxErrorInfo {
  if (err instanceof CompileError && err.failure) {
    // The compiler failed, not the learner's code.
    return { name: err.failure === 'timeout' ? 'Sandbox.CompileTimeout' : 'Sandbox.CompilerCrashed', message: err.message };
  }
  if (err instanceof CompileError) {
    const first = err.diagnostics[0];
    const info: SandboxErrorInfo = { name: 'Runtime.UserCodeSyntaxError', message: err.message, diagnostics: err.diagnostics };
    if (first && first.file && first.line > 0) info.location = { file: first.file, line: first.line, column: first.column };
    return info;
  }
  return { name: 'Runtime.ImportModuleError', message: messageOf(err) };
}
