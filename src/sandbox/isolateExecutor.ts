/**
 * The sandbox executor: every execution environment of a function is its own V8 isolate
 * (isolated-vm), as every Lambda execution environment is its own micro-VM. What it shares with the
 * unisolated `VmExecutor` — compiling, the bootstrap protocol, invocations that wait on calls in
 * flight — is in `scriptExecutor.ts`; this file is the isolate itself.
 *
 * Safety rules (see notes/isolated-vm.md for the attacks behind them):
 * - The isolate is handed exactly one host function, an `ivm.Callback` (arguments and results are
 *   copied, never referenced), which takes and returns JSON strings. The isolate never receives a
 *   `Reference`.
 * - Every isolated-vm call passes explicit transfer options, so a polluted `Object.prototype` in the
 *   isolate can never turn a copy into a reference.
 *
 * Limits, per environment:
 * - Heap: `min(memoryMb, maxMemoryMb)` MB (at least 8, the isolated-vm minimum). Exceeding it kills
 *   the isolate: `Runtime.OutOfMemory`, and the environment is gone.
 * - Real CPU time per entry (the invoke, and each answer it awaited): `min(timeoutMs,
 *   maxRealTimeoutMs)` (2000 ms by default). The function's timeout is *virtual* time that the
 *   platform models; the real cap only stops runaway code (`while (true) {}`) so the host is never
 *   blocked for long. A real timeout is reported as `{ ok: false, timedOut: true }` and, as in
 *   Lambda, the environment is thrown away.
 */
import ivm from 'isolated-vm';
import type { Dispatch as BootstrapDispatch, DispatchOp } from './bootstrap';
import { BOOTSTRAP_SOURCE } from './bootstrap';
import { BOOTSTRAP_URL, messageOf, ScriptExecutor, type SandboxErrorInfo, type ScriptEnv, type ScriptExecutorOptions } from './scriptExecutor';

export type { SandboxErrorInfo } from './scriptExecutor';

export interface IsolateExecutorOptions extends ScriptExecutorOptions {
  /** Cap on an isolate's heap, MB (default 256). */
  maxMemoryMb?: number;
}

interface Isolate {
  isolate: ivm.Isolate;
  context: ivm.Context;
  dispatch: ivm.Reference<BootstrapDispatch>;
}

/** Compiled-code cache for the bootstrap, shared by every isolate of the process. */
let bootstrapCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

export class IsolateExecutor extends ScriptExecutor<Isolate> {
  private readonly maxMemoryMb: number;

  constructor(options: IsolateExecutorOptions = {}) {
    super(options);
    const maxMemoryMb = options.maxMemoryMb ?? 256;
    if (!(typeof maxMemoryMb === 'number' && Number.isFinite(maxMemoryMb) && maxMemoryMb >= 1)) throw new RangeError(`maxMemoryMb must be a number ≥ 1, got ${String(maxMemoryMb)}`);
    if (maxMemoryMb < 8) throw new RangeError(`maxMemoryMb must be at least 8 (the isolated-vm minimum), got ${maxMemoryMb}`);
    this.maxMemoryMb = maxMemoryMb;
  }

  private memoryLimit(env: ScriptEnv<Isolate>): number {
    return Math.max(8, Math.min(Math.floor(env.fn.memoryMb) || 8, this.maxMemoryMb));
  }

  protected override memoryLimitMb(env: ScriptEnv<Isolate>): number {
    return this.memoryLimit(env);
  }

  /**
   * Called from inside one of the isolate's lab calls: disposing of the isolate terminates its code
   * as soon as the call returns (every later lab call is answered at once, see `hostCall`), and the
   * entry's `applySync` throws.
   */
  protected override abort(env: ScriptEnv<Isolate>): void {
    const isolate = env.container?.isolate;
    if (isolate && !isolate.isDisposed) {
      try {
        isolate.dispose();
      } catch {
        // already going
      }
    }
  }

  protected createContainer(env: ScriptEnv<Isolate>, hostCall: (op: unknown, argsJson: unknown) => string, configJson: string): Isolate {
    const isolate = new ivm.Isolate({ memoryLimit: this.memoryLimit(env) });
    // Kept on the env at once, so a failure below still disposes of the isolate.
    const box: Isolate = { isolate, context: undefined as unknown as ivm.Context, dispatch: undefined as unknown as ivm.Reference<BootstrapDispatch> };
    env.container = box;
    box.context = isolate.createContextSync({ inspector: false });
    // isolated-vm puts produced cached data on the options object (and on the script).
    const scriptInfo: ivm.ScriptInfo & ivm.CachedDataResult = bootstrapCache ? { filename: BOOTSTRAP_URL, cachedData: bootstrapCache } : { filename: BOOTSTRAP_URL, produceCachedData: true };
    const bootScript = isolate.compileScriptSync(BOOTSTRAP_SOURCE, scriptInfo) as ivm.Script & ivm.CachedDataResult;
    if (!bootstrapCache) bootstrapCache = scriptInfo.cachedData ?? bootScript.cachedData;
    const boot = bootScript.runSync(box.context, { reference: true, release: true, timeout: this.base.maxRealTimeoutMs }) as ivm.Reference<(hostCall: ivm.Callback, configJson: string) => unknown>;
    const callback = new ivm.Callback(hostCall, { sync: true });
    box.dispatch = boot.applySync(undefined, [callback, configJson], {
      arguments: { copy: true },
      result: { reference: true },
      timeout: this.base.maxRealTimeoutMs,
    }) as unknown as ivm.Reference<BootstrapDispatch>;
    boot.release();
    return box;
  }

  protected runBundle(env: ScriptEnv<Isolate>, code: string, timeoutMs: number): void {
    // Defining `__labInit` runs no learner code; `dispatch('init')` (timed) runs the top level.
    const { isolate, context } = env.container;
    isolate.compileScriptSync(code, { filename: env.bundleUrl }).runSync(context, { copy: true, release: true, timeout: timeoutMs });
  }

  protected dispatch(env: ScriptEnv<Isolate>, op: DispatchOp, now: number, a: string | undefined, b: string | undefined, timeoutMs: number): unknown {
    const args = b !== undefined ? [op, now, a, b] : a !== undefined ? [op, now, a] : [op, now];
    return env.container.dispatch.applySync(undefined, args as [DispatchOp, number, string?, string?], { arguments: { copy: true }, result: { copy: true }, timeout: timeoutMs });
  }

  protected disposeContainer(env: ScriptEnv<Isolate>): void {
    const box = env.container;
    try {
      box.dispatch?.release();
    } catch {
      // already gone with the isolate
    }
    if (!box.isolate.isDisposed) {
      try {
        box.isolate.dispose();
      } catch {
        // disposing twice or while dying
      }
    }
  }

  protected containerFailure(env: ScriptEnv<Isolate>, err: unknown, phase: 'init' | 'invoke'): SandboxErrorInfo | undefined {
    const isolate = env.container?.isolate;
    if (isolate && isolate.isDisposed && /memory limit/i.test(messageOf(err))) {
      env.dead = 'killed after exceeding its memory limit';
      const limit = this.memoryLimit(env);
      return {
        name: 'Runtime.OutOfMemory',
        message: `the ${phase === 'init' ? "module's top level" : 'handler'} ran out of memory: the environment's heap is limited to ${limit} MB${limit < env.fn.memoryMb ? ` (the sandbox's cap; the function has ${env.fn.memoryMb} MB)` : ''}, and it was killed`,
        fatal: true,
      };
    }
    return undefined;
  }

  protected override cpuTime(env: ScriptEnv<Isolate>): bigint {
    try {
      return env.container.isolate.cpuTime;
    } catch {
      return 0n;
    }
  }
}
