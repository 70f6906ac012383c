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
 *   the isolate: `Runtime.OutOfMemory`, and the environment is gone. V8 itself is given
 *   `HEAP_HEADROOM` times that much heap, and the difference is held by a reserve (see
 *   `createIsolate`): a single allocation that does not fit in the heap V8 has left — a dictionary
 *   object, Map or array doubling its table near the limit — aborts the whole process instead of
 *   failing the isolate, so V8 must always have room for it, while isolated-vm's own accounting stops
 *   the isolate at the environment's limit.
 * - Real CPU time per entry (the invoke, and each answer it awaited): `min(timeoutMs,
 *   maxRealTimeoutMs)` (2000 ms by default). The function's timeout is *virtual* time that the
 *   platform models; the real cap only stops runaway code (`while (true) {}`) so the host is never
 *   blocked for long. A real timeout is reported as `{ ok: false, timedOut: true }` and, as in
 *   Lambda, the environment is thrown away.
 */
import ivm from 'isolated-vm';
import { setFlagsFromString } from 'node:v8';
import type { Dispatch as BootstrapDispatch, DispatchOp } from './bootstrap';
import { BOOTSTRAP_SOURCE } from './bootstrap';
import { BOOTSTRAP_URL, messageOf, ScriptExecutor, type SandboxErrorInfo, type ScriptEnv, type ScriptExecutorOptions } from './scriptExecutor';

/**
 * Optimised code of a loop unrolled by Turboshaft never stops for an interrupt in one case measured
 * (Node 24.21, isolated-vm 7.0.1, synchronous calls): `for (;;) keep.push(new Array(64))` (any
 * length from about 64) in a 128 MB isolate with a 2 s timeout was stopped by neither — 3 GB resident
 * after 9 s, 10 GB after 10 minutes of a lesson check — while the same loop run by the interpreter,
 * Sparkplug or Maglev, or without unrolling, ends at the memory limit in under 1 s. V8 flags are
 * per process: set before any isolate compiles code (the engine's own loops lose only the unrolling).
 */
setFlagsFromString('--no-turboshaft-loop-unrolling');

export type { SandboxErrorInfo } from './scriptExecutor';

export interface IsolateExecutorOptions extends ScriptExecutorOptions {
  /** Cap on an isolate's heap, MB (default 256). */
  maxMemoryMb?: number;
}

interface Isolate {
  isolate: ivm.Isolate;
  context: ivm.Context;
  dispatch: ivm.Reference<BootstrapDispatch>;
  /** The reserve (a buffer only the host references, see `reserveCopy`), and its size in bytes (0: none). */
  reserve: ivm.Reference<unknown> | undefined;
  reserveBytes: number;
}

/** Compiled-code cache for the bootstrap, shared by every isolate of the process. */
let bootstrapCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

/**
 * V8's heap is this many times the environment's limit. Measured (Node 24, isolated-vm 7.0.1): a
 * plain object used as a dictionary (`o['k' + i] = i`) aborted the process in 16, 32, 64 and 256 MB
 * isolates at 1x ("CALL_AND_RETRY_LAST": its doubled table did not fit in what was left of the
 * heap, 40 of 64 MB used), and ended as isolated-vm's memory-limit error at 3x in all of them.
 */
export const HEAP_HEADROOM = 3;

/**
 * What V8 adds to an isolate's heap limit beyond `memoryLimit` (its young generation), bytes, per
 * `memoryLimit`: isolated-vm counts it toward the limit too, so the reserve makes up the difference.
 */
const youngGeneration = new Map<number, number>();
function extraHeapBytes(memoryLimitMb: number, isolate?: ivm.Isolate): number {
  let bytes = youngGeneration.get(memoryLimitMb);
  if (bytes === undefined) {
    const probe = isolate ?? new ivm.Isolate({ memoryLimit: memoryLimitMb });
    try {
      bytes = Math.max(0, probe.getHeapStatisticsSync().heap_size_limit - memoryLimitMb * 1_048_576);
    } finally {
      if (!isolate) probe.dispose();
    }
    youngGeneration.set(memoryLimitMb, bytes);
  }
  return bytes;
}

/**
 * The reserve's memory, one per size, made once per process: a SharedArrayBuffer's backing store is
 * shared by every isolate it is copied into (isolated-vm counts its size toward each isolate's limit
 * all the same), and its pages are never touched, so it is address space, not resident memory. A
 * fresh `new ArrayBuffer(reserve)` in every isolate cost each cold start ~1-2 ms: calloc and free of
 * hundreds of MB, and a full collection V8 runs for the external memory (`Mark-Compact (reduce) …
 * external memory pressure`). Learner code never sees it: it is in no global, and
 * `SharedArrayBuffer` itself is not available in handlers (memoryGuard.ts).
 */
const reserves = new Map<number, ivm.ExternalCopy<SharedArrayBuffer>>();
function reserveCopy(bytes: number): ivm.ExternalCopy<SharedArrayBuffer> {
  let copy = reserves.get(bytes);
  if (!copy) {
    copy = new ivm.ExternalCopy(new SharedArrayBuffer(bytes));
    reserves.set(bytes, copy);
  }
  return copy;
}
const RESERVE_KEY = '__labReserve';

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

  /**
   * An isolate whose V8 heap is `HEAP_HEADROOM` times the environment's limit, with a reserve that
   * keeps isolated-vm's accounting at the limit: isolated-vm counts the heap in use plus every
   * ArrayBuffer made through its allocator against `memoryLimit` (when it checks after a full
   * garbage collection, and on every ArrayBuffer allocation), so an ArrayBuffer of the difference
   * made before any learner code runs — held by the host only, unreachable from inside — leaves the
   * learner exactly the environment's limit, while V8 has room for a doubling table. The reserve is
   * a shared buffer's zero pages (`reserveCopy`): address space, not resident memory. Where it cannot be
   * had (a system that refuses to overcommit), the isolate gets the plain limit.
   */
  private createIsolate(env: ScriptEnv<Isolate>): Isolate {
    const limitMb = this.memoryLimit(env);
    const heapMb = limitMb * HEAP_HEADROOM;
    const isolate = new ivm.Isolate({ memoryLimit: heapMb });
    const box: Isolate = { isolate, context: undefined as unknown as ivm.Context, dispatch: undefined as unknown as ivm.Reference<BootstrapDispatch>, reserve: undefined, reserveBytes: 0 };
    // Kept on the env at once, so a failure below still disposes of the isolate.
    env.container = box;
    box.context = isolate.createContextSync({ inspector: false });
    const reserveBytes = (heapMb - limitMb) * 1_048_576 + extraHeapBytes(heapMb, isolate) - extraHeapBytes(limitMb);
    try {
      // Put in the global and taken out at once, before any learner code: only the host holds it.
      const global = box.context.global;
      global.setSync(RESERVE_KEY, reserveCopy(reserveBytes).copyInto({ release: false }), { promise: false });
      box.reserve = global.getSync(RESERVE_KEY, { reference: true }) as ivm.Reference<unknown>;
      global.deleteSync(RESERVE_KEY);
      box.reserveBytes = reserveBytes;
      return box;
    } catch {
      this.disposeContainer(env);
    }
    const plain = new ivm.Isolate({ memoryLimit: limitMb });
    const fallback: Isolate = { isolate: plain, context: undefined as unknown as ivm.Context, dispatch: undefined as unknown as ivm.Reference<BootstrapDispatch>, reserve: undefined, reserveBytes: 0 };
    env.container = fallback;
    fallback.context = plain.createContextSync({ inspector: false });
    return fallback;
  }

  protected createContainer(env: ScriptEnv<Isolate>, hostCall: (op: unknown, argsJson: unknown) => string, configJson: string): Isolate {
    const box = this.createIsolate(env);
    const isolate = box.isolate;
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
    for (const ref of [box.dispatch, box.reserve]) {
      try {
        ref?.release();
      } catch {
        // already gone with the isolate
      }
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

  /**
   * The heap in use plus ArrayBuffers (the reserve not counted) against what isolated-vm allows the
   * environment: the limit plus V8's young generation for it. Only when that is over (cheap to
   * read: no collection) is garbage ruled out, by a full collection: an ArrayBuffer larger than the
   * whole allowance, asked for inside the isolate, is refused by isolated-vm's allocator only after
   * it ran V8's low-memory collection; then the heap is measured again. Measured: a handler
   * returning `new Array(3e7).fill(0).length` in a 64 MB environment succeeded holding 240 MB.
   */
  protected override memoryOverLimit(env: ScriptEnv<Isolate>): number {
    const box = env.container;
    if (!box || box.isolate.isDisposed) return 0;
    const limitMb = this.memoryLimit(env);
    const allowed = limitMb * 1_048_576 + extraHeapBytes(limitMb);
    let before = 0;
    const held = () => {
      const h = box.isolate.getHeapStatisticsSync();
      return h.used_heap_size + h.externally_allocated_size - box.reserveBytes;
    };
    try {
      before = held();
      if (before <= allowed) return 0;
      const everything = limitMb * HEAP_HEADROOM * 1_048_576 + extraHeapBytes(limitMb * HEAP_HEADROOM) + 1;
      // In a fresh context of the same isolate (same heap, same allocator): its ArrayBuffer is the
      // built-in one, whatever the learner's code did to its own globals.
      const clean = box.isolate.createContextSync({ inspector: false });
      try {
        box.isolate.compileScriptSync(`try { new ArrayBuffer(${everything}); } catch {}`).runSync(clean, { timeout: this.base.maxRealTimeoutMs });
      } finally {
        clean.release();
      }
      return Math.max(0, held() - allowed);
    } catch (err) {
      // isolated-vm's own check ran with that collection and killed the isolate: it was over.
      if (box.isolate.isDisposed && /memory limit/i.test(messageOf(err))) return Math.max(1, before - allowed);
      return 0;
    }
  }

  protected override cpuTime(env: ScriptEnv<Isolate>): bigint {
    try {
      return env.container.isolate.cpuTime;
    } catch {
      return 0n;
    }
  }
}
