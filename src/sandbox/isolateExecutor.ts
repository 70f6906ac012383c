/**
 * The sandbox executor: every execution environment of a function is its own V8 isolate
 * (isolated-vm), as every Lambda execution environment is its own micro-VM.
 *
 * - `createEnvironment` is a real cold start: a new isolate and context, the sandbox bootstrap, the
 *   learner's compiled module, and its top level run once (the init phase). The real time this took
 *   is reported as `measuredMs`; the *modelled* init time is the platform's business.
 * - `invoke` runs the handler in that isolate. Module-level state lives as long as the isolate, and
 *   is separate for every environment. Async handlers are made synchronous: one timed `applySync`
 *   calls the handler and, before returning, drains the isolate's microtask queue; a second call
 *   reads the settled outcome. A promise still pending then can never settle (the isolate has no
 *   timers and no async host APIs): `Runtime.UnresolvedPromise`.
 * - `destroyEnvironment` disposes the isolate.
 *
 * Safety rules (see notes/isolated-vm.md for the attacks behind them):
 * - The isolate is handed exactly one host function, an `ivm.Callback` (arguments and results are
 *   copied, never referenced), which takes and returns JSON strings. Host errors cross as
 *   `{name, message}` only (no host stack). The isolate never receives a `Reference`.
 * - Every isolated-vm call passes explicit transfer options, so a polluted `Object.prototype` in the
 *   isolate can never turn a copy into a reference.
 * - Results and errors are turned into JSON strings *inside* the timed call (a looping getter is
 *   stopped by the timeout), size-capped, and parsed on the host into fresh objects
 *   (`__proto__` keys dropped). Nothing returned is merged into host objects.
 *
 * Limits, per environment:
 * - Heap: `min(memoryMb, maxMemoryMb)` MB (at least 8, the isolated-vm minimum). Exceeding it kills
 *   the isolate: `Runtime.OutOfMemory`, and the environment is gone.
 * - Real CPU time per call: `min(timeoutMs, maxRealTimeoutMs)` (2000 ms by default). The function's
 *   timeout is *virtual* time that the platform models (base duration + `work(ms)`); the real cap only
 *   stops runaway code (`while (true) {}`) so the host is never blocked for long. A real timeout is
 *   reported as `{ ok: false, timedOut: true }` and, as in Lambda, the environment is thrown away.
 *
 * Error outcomes carry two extra fields besides `ErrorInfo` (which allows extras at run time):
 * `location: { file, line, column }` (1-based, in the learner's original file, via the source map)
 * where the error was thrown, and for environments that can no longer be used `fatal: true`.
 * Compile errors also carry `diagnostics: CompileDiagnostic[]`.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import ivm from 'isolated-vm';
import { stillRuntime, type EnvironmentRuntime, type ErrorInfo, type Executor, type HandlerContext, type InitOutcome, type InvokeOutcome, type LabApi } from '../engine/executor';
import { BOOTSTRAP_SOURCE, type Dispatch as BootstrapDispatch, type DispatchOp } from './bootstrap';
import { CompileError, compileHandler, compileProblems, type CompileDiagnostic, type CompiledHandler } from './compile';
import { mapStack, SourceMapper, type SourcePosition } from './sourceMaps';

export interface IsolateExecutorOptions {
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
  /** Cap on an isolate's heap, MB (default 256). */
  maxMemoryMb?: number;
  /** Cap on the real CPU time of one call into an isolate, ms (default 2000). */
  maxRealTimeoutMs?: number;
  /** Largest result, in characters of JSON (default 1 MiB). */
  maxResponseBytes?: number;
  /** Largest arguments of one lab API call, in characters of JSON (default 1 MiB). */
  maxArgumentBytes?: number;
}

/** Extra fields the sandbox adds to `ErrorInfo`. */
export interface SandboxErrorInfo extends ErrorInfo {
  /** Where in the learner's source the error was thrown (1-based line and column). */
  location?: SourcePosition;
  /** The environment is gone (killed for memory, timed out, crashed): the next invoke needs a new one. */
  fatal?: boolean;
  /** Compile errors: every problem esbuild found. */
  diagnostics?: CompileError['diagnostics'];
}

type Dispatch = ivm.Reference<BootstrapDispatch>;

interface SandboxEnv {
  id: string;
  isolate: ivm.Isolate;
  context: ivm.Context;
  dispatch: Dispatch;
  lab: LabApi;
  /** Its clock and seed: every call into the isolate passes `runtime.now()` in. */
  runtime: EnvironmentRuntime;
  fn: { name: string; memoryMb: number; timeoutMs: number };
  realTimeoutMs: number;
  bundleUrl: string;
  mapper: SourceMapper;
  /** Work declared during the current call (init or invoke). */
  workMs: number;
  /** The host context of the invocation in progress (answers `getRemainingTimeInMillis`). */
  current: HandlerContext | undefined;
  /** A call into the isolate is in progress (a lab call made from it is on the stack). */
  busy: boolean;
  /** Set once the isolate is gone: why. */
  dead: string | undefined;
  destroyRequested: boolean;
}

/** Name of the bootstrap script inside isolates: its frames are hidden from learners' stacks. */
const BOOTSTRAP_URL = 'file:///serverless-lab/runtime.js';
const ERROR_CHARS = 16_384;
const DEFAULTS = { maxMemoryMb: 256, maxRealTimeoutMs: 2000, maxResponseBytes: 1 << 20, maxArgumentBytes: 1 << 20 };

/** Compiled-code cache for the bootstrap, shared by every isolate of the process. */
let bootstrapCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

export class IsolateExecutor implements Executor {
  private readonly envs = new Map<string, SandboxEnv>();
  /** Environments that died on their own (memory, timeout, crash), until the platform destroys them. */
  private readonly gone = new Map<string, string>();
  private readonly options: Required<Omit<IsolateExecutorOptions, 'resolveHandler' | 'allowDirs'>> & Pick<IsolateExecutorOptions, 'resolveHandler' | 'allowDirs'>;

  /** The folder handlers' imports are confined to, when the executor was given one. */
  private readonly exerciseRoot: string | undefined;

  constructor(options: IsolateExecutorOptions = {}) {
    this.exerciseRoot = options.rootDir === undefined ? undefined : resolve(options.rootDir);
    const o = { ...DEFAULTS, rootDir: process.cwd(), ...options };
    for (const key of ['maxMemoryMb', 'maxRealTimeoutMs', 'maxResponseBytes', 'maxArgumentBytes'] as const) {
      if (!(typeof o[key] === 'number' && Number.isFinite(o[key]) && o[key] >= 1)) throw new RangeError(`${key} must be a number ≥ 1, got ${String(o[key])}`);
    }
    if (o.maxMemoryMb < 8) throw new RangeError(`maxMemoryMb must be at least 8 (the isolated-vm minimum), got ${o.maxMemoryMb}`);
    this.options = o;
  }

  /** Number of live environments. */
  get size(): number {
    return this.envs.size;
  }

  /** Which file and export a `handler` setting names. */
  resolveHandler(handler: string): { file: string; exportName: string } {
    if (this.options.resolveHandler) return this.options.resolveHandler(handler);
    const root = this.options.rootDir;
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
    return compileProblems(this.resolveHandler(handler).file, { root: this.exerciseRoot, allow: this.options.allowDirs });
  }

  createEnvironment(fn: { name: string; handler: string; memoryMb: number; timeoutMs: number }, envId: string, lab: LabApi, runtime: EnvironmentRuntime = stillRuntime(envId)): InitOutcome {
    const started = performance.now();
    if (this.envs.has(envId)) this.destroyEnvironment(envId);
    const measured = () => performance.now() - started;

    let target: { file: string; exportName: string };
    let compiled: CompiledHandler;
    try {
      target = this.resolveHandler(fn.handler);
      compiled = compileHandler(target.file, { root: this.exerciseRoot, allow: this.options.allowDirs });
    } catch (err) {
      return { ok: false, error: compileErrorInfo(err), workMs: 0, measuredMs: measured() };
    }

    const memoryLimit = Math.max(8, Math.min(Math.floor(fn.memoryMb) || 8, this.options.maxMemoryMb));
    const realTimeoutMs = Math.max(1, Math.min(Math.floor(fn.timeoutMs) || 1, this.options.maxRealTimeoutMs));
    const isolate = new ivm.Isolate({ memoryLimit });
    const env: SandboxEnv = {
      id: envId,
      isolate,
      context: undefined as unknown as ivm.Context,
      dispatch: undefined as unknown as Dispatch,
      lab,
      runtime,
      fn: { name: fn.name, memoryMb: fn.memoryMb, timeoutMs: fn.timeoutMs },
      realTimeoutMs,
      bundleUrl: `file:///serverless-lab/bundle/${basename(target.file).replace(/[^\w.-]/g, '_')}.js`,
      mapper: new SourceMapper(compiled.map),
      workMs: 0,
      current: undefined,
      busy: false,
      dead: undefined,
      destroyRequested: false,
    };
    let encoded: string;
    env.busy = true;
    try {
      env.context = isolate.createContextSync({ inspector: false });
      // isolated-vm puts produced cached data on the options object (and on the script).
      const scriptInfo: ivm.ScriptInfo & ivm.CachedDataResult = bootstrapCache
        ? { filename: BOOTSTRAP_URL, cachedData: bootstrapCache }
        : { filename: BOOTSTRAP_URL, produceCachedData: true };
      const bootScript = isolate.compileScriptSync(BOOTSTRAP_SOURCE, scriptInfo) as ivm.Script & ivm.CachedDataResult;
      if (!bootstrapCache) bootstrapCache = scriptInfo.cachedData ?? bootScript.cachedData;
      const boot = bootScript.runSync(env.context, { reference: true, release: true, timeout: this.options.maxRealTimeoutMs }) as ivm.Reference<
        (hostCall: ivm.Callback, configJson: string) => unknown
      >;
      const hostCall = new ivm.Callback((op: unknown, argsJson: unknown) => this.hostCall(env, op, argsJson), { sync: true });
      const config = JSON.stringify({
        exportName: target.exportName,
        maxResponseBytes: this.options.maxResponseBytes,
        maxArgumentBytes: this.options.maxArgumentBytes,
        maxErrorChars: ERROR_CHARS,
        seed: runtime.seed >>> 0,
        originMs: runtime.now(),
      });
      env.dispatch = boot.applySync(undefined, [hostCall, config], {
        arguments: { copy: true },
        result: { reference: true },
        timeout: this.options.maxRealTimeoutMs,
      }) as unknown as Dispatch;
      boot.release();
      // Defining `__labInit` runs no learner code; calling it (below, timed) runs the top level.
      isolate.compileScriptSync(compiled.code, { filename: env.bundleUrl }).runSync(env.context, { copy: true, release: true, timeout: realTimeoutMs });
      encoded = this.call(env, 'init', undefined, undefined, realTimeoutMs);
    } catch (err) {
      env.busy = false;
      const error = this.isolateFailure(env, err, 'init');
      this.disposeEnv(env);
      return { ok: false, error, workMs: env.workMs, measuredMs: measured() };
    }
    env.busy = false;
    const outcome = this.decode(env, encoded);
    if (!outcome.ok || env.destroyRequested) {
      this.disposeEnv(env);
      const error = outcome.ok ? { name: 'Runtime.ExitError', message: 'the environment was destroyed during its init phase' } : outcome.error;
      return { ok: false, error, workMs: env.workMs, measuredMs: measured() };
    }
    this.envs.set(envId, env);
    return { ok: true, workMs: env.workMs, measuredMs: measured() };
  }

  invoke(envId: string, event: unknown, context: HandlerContext): InvokeOutcome {
    const env = this.envs.get(envId);
    const died = this.gone.get(envId);
    if (!env && died) return { ok: false, error: { name: 'Runtime.ExitError', message: `the execution environment is gone: it was ${died}`, fatal: true } as SandboxErrorInfo, workMs: 0 };
    if (!env) return { ok: false, error: { name: 'Runtime.UnknownEnvironment', message: `environment ${envId} does not exist` }, workMs: 0 };
    if (env.dead) return { ok: false, error: { name: 'Runtime.ExitError', message: `the execution environment is gone: ${env.dead}`, fatal: true } as SandboxErrorInfo, workMs: 0 };
    if (env.busy) return { ok: false, error: { name: 'Runtime.Reentrancy', message: `environment ${envId} is already running an invocation` }, workMs: 0 };

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
      return { ok: false, error: { name: 'Runtime.InvalidEvent', message: `the event cannot be passed to a handler as JSON: ${messageOf(err)}` }, workMs: 0 };
    }

    env.workMs = 0;
    env.current = context;
    env.busy = true;
    const cpuBefore = env.isolate.cpuTime;
    const started = performance.now();
    let encoded: string;
    try {
      encoded = this.call(env, 'invoke', eventJson ?? 'null', contextJson, env.realTimeoutMs);
      if (encoded === 'P') {
        // The microtasks ran before the first call returned: the outcome is there, or never will be.
        encoded = this.call(env, 'collect', undefined, undefined, Math.max(1, Math.ceil(env.realTimeoutMs - (performance.now() - started))));
      }
    } catch (err) {
      const cpuMs = cpuSince(env, cpuBefore);
      const error = this.isolateFailure(env, err, 'invoke');
      this.finishCall(env);
      this.disposeEnv(env);
      return { ok: false, error, workMs: env.workMs, cpuMs, ...(isTimeout(err) ? { timedOut: true } : {}) };
    }
    const cpuMs = cpuSince(env, cpuBefore);
    this.finishCall(env);
    if (encoded === 'P') {
      return {
        ok: false,
        error: {
          name: 'Runtime.UnresolvedPromise',
          message:
            'the handler returned a promise that never settles: nothing in a handler can resolve it later (there are no timers or callbacks in the sandbox), so make sure every promise you await is resolved or rejected by your own code',
        },
        workMs: env.workMs,
        cpuMs,
      };
    }
    const outcome = this.decode(env, encoded);
    return outcome.ok ? { ok: true, result: outcome.result, workMs: env.workMs, cpuMs } : { ok: false, error: outcome.error, workMs: env.workMs, cpuMs };
  }

  destroyEnvironment(envId: string): void {
    this.gone.delete(envId);
    const env = this.envs.get(envId);
    if (!env) return;
    if (env.busy) {
      // A lab call from inside this isolate is on the stack: dispose once the call returns.
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

  private disposeEnv(env: SandboxEnv): void {
    if (this.envs.get(env.id) === env) {
      this.envs.delete(env.id);
      if (env.dead) this.gone.set(env.id, env.dead);
    }
    env.dead ??= 'destroyed';
    try {
      env.dispatch?.release();
    } catch {
      // already gone with the isolate
    }
    if (!env.isolate.isDisposed) {
      try {
        env.isolate.dispose();
      } catch {
        // disposing twice or while dying
      }
    }
  }

  /**
   * One timed call into the isolate's bootstrap, with explicit transfer options. It carries the
   * environment's virtual instant: the handler's clock is set to it at every entry.
   */
  private call(env: SandboxEnv, op: DispatchOp, a: string | undefined, b: string | undefined, timeout: number): string {
    const now = env.runtime.now();
    const args = b !== undefined ? [op, now, a, b] : a !== undefined ? [op, now, a] : [op, now];
    const out = env.dispatch.applySync(undefined, args as [DispatchOp, number, string?, string?], { arguments: { copy: true }, result: { copy: true }, timeout });
    if (typeof out !== 'string') throw new SandboxProtocolError('the sandbox returned something other than a string');
    return out;
  }

  private finishCall(env: SandboxEnv): void {
    env.busy = false;
    env.current = undefined;
    if (env.destroyRequested) this.disposeEnv(env);
  }

  /** Decode what `dispatch` returned; errors get their stack mapped to the learner's files. */
  private decode(env: SandboxEnv, encoded: string): { ok: true; result: unknown } | { ok: false; error: SandboxErrorInfo } {
    const kind = encoded.charCodeAt(0);
    if (encoded === 'U') return { ok: true, result: undefined };
    if (kind === 82 /* R */) {
      if (encoded.length - 1 > this.options.maxResponseBytes) return { ok: false, error: tooLarge(encoded.length - 1, this.options.maxResponseBytes) };
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

  /** What a failed isolated-vm call means for the learner (and the environment, which is now dead). */
  private isolateFailure(env: SandboxEnv, err: unknown, phase: 'init' | 'invoke'): SandboxErrorInfo {
    const message = messageOf(err);
    if (env.isolate.isDisposed && /memory limit/i.test(message)) {
      env.dead = 'killed after exceeding its memory limit';
      const limit = Math.max(8, Math.min(env.fn.memoryMb, this.options.maxMemoryMb));
      return {
        name: 'Runtime.OutOfMemory',
        message: `the ${phase === 'init' ? "module's top level" : 'handler'} ran out of memory: the environment's heap is limited to ${limit} MB${limit < env.fn.memoryMb ? ` (the sandbox's cap; the function has ${env.fn.memoryMb} MB)` : ''}, and it was killed`,
        fatal: true,
      };
    }
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
    if (err instanceof SandboxProtocolError) return { name: 'Runtime.ExitError', message: err.message, fatal: true };
    // isolated-vm's own errors (compiling, disposing): message only, never a host stack.
    return { name: 'Runtime.ExitError', message: `the execution environment failed: ${message.slice(0, 500)}`, fatal: true };
  }

  /** The host side of every lab API call made inside an isolate: JSON in, JSON out, never throws. */
  private hostCall(env: SandboxEnv, op: unknown, argsJson: unknown): string {
    try {
      if (typeof op !== 'string' || typeof argsJson !== 'string') throw new Error('bad sandbox call');
      if (argsJson.length > this.options.maxArgumentBytes) {
        throw new RangeError(`${op}(): arguments are ${argsJson.length} characters as JSON, more than the limit of ${this.options.maxArgumentBytes}`);
      }
      const parsed = parseJson(argsJson);
      if (!Array.isArray(parsed)) throw new Error('bad sandbox call');
      const args = parsed.map((a) => (a === null ? undefined : a));
      const lab = env.lab;
      let value: unknown;
      switch (op) {
        case 'send':
          value = lab.send(args[0] as string, args[1] as string | object, args[2] as Parameters<LabApi['send']>[2]);
          break;
        case 'publish':
          value = lab.publish(args[0] as string, args[1] as string | object, args[2] as Parameters<LabApi['publish']>[2]);
          break;
        case 'produce':
          value = lab.produce(args[0] as string, args[1] as string | object, args[2] as Parameters<LabApi['produce']>[2]);
          break;
        case 'putEvents':
          value = lab.putEvents(args[0] as string, args[1] as Parameters<LabApi['putEvents']>[1]);
          break;
        case 'putObject':
          value = lab.putObject(args[0] as string, args[1] as string, args[2] as string);
          break;
        case 'getObject':
          value = lab.getObject(args[0] as string, args[1] as string);
          break;
        case 'tablePut':
          value = lab.tablePut(args[0] as string, args[1] as Record<string, unknown>, args[2] as Parameters<LabApi['tablePut']>[2]);
          break;
        case 'tableGet':
          value = lab.tableGet(args[0] as string, args[1] as string | number);
          break;
        case 'work': {
          const ms = args[0];
          if (!(typeof ms === 'number' && ms >= 0 && Number.isFinite(ms))) throw new RangeError(`work(ms): ms must be a finite number ≥ 0, got ${JSON.stringify(ms) ?? 'undefined'}`);
          env.workMs += ms;
          lab.work(ms);
          break;
        }
        case 'log':
          lab.log(...parsed);
          break;
        case 'remaining':
          if (!env.current) throw new Error('getRemainingTimeInMillis() is only available while the handler runs');
          value = env.current.getRemainingTimeInMillis();
          break;
        default:
          throw new Error(`unknown lab operation '${op}'`);
      }
      if (value === undefined) return '{}';
      return JSON.stringify({ v: value });
    } catch (err) {
      // Message only: a host stack would show host paths.
      const name = err instanceof Error && typeof err.name === 'string' ? err.name : 'Error';
      // The service's error code (ConditionalCheckFailed, ReceiptHandleIsInvalid, …) travels too, so a
      // handler can tell "already written" from a real failure, as with the AWS SDK.
      const code = (err as { code?: unknown } | null)?.code;
      return JSON.stringify({ e: { name, message: messageOf(err).slice(0, ERROR_CHARS), ...(typeof code === 'string' ? { code: code.slice(0, 100) } : {}) } });
    }
  }
}

/** isolated-vm failed in a way that is not the learner's code (should not happen). */
class SandboxProtocolError extends Error {}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

function isTimeout(err: unknown): boolean {
  return /Script execution timed out/.test(messageOf(err));
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return typeof err.message === 'string' ? err.message : 'unknown error';
  return typeof err === 'string' ? err : 'unknown error';
}

function cpuSince(env: SandboxEnv, before: bigint): number {
  try {
    return Number(env.isolate.cpuTime - before) / 1e6;
  } catch {
    return 0;
  }
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
