/**
 * The in-process executor for learner code: every execution environment is a `node:vm` context in
 * this process. It runs the same compiled bundle and the same bootstrap as the sandbox
 * (`scriptExecutor.ts`), so a handler behaves the same — awaited calls, virtual clock, seeded
 * randomness, the same trace bytes for a seed — only without isolation and faster to create. It
 * exists for the CLI's `--executor inprocess`, the engine benchmark and tests.
 *
 * NOT a sandbox: code in a vm context can reach the host (`this.constructor.constructor('return
 * process')()`). Use it only for code you trust; learners' code in the editor runs in isolates.
 *
 * Contexts are created with `microtaskMode: 'afterEvaluate'`: each context has its own microtask
 * queue, drained before `runInContext` returns, which is what lets one synchronous entry run a
 * handler up to its next `await`.
 *
 * Only the module's top level runs under a real-time limit: Node starts a watchdog thread for every
 * `runInContext` with a `timeout` (measured: ~200 µs a call against ~4 µs without), which would make
 * this executor slower than the sandbox. A handler that loops forever therefore hangs an in-process
 * run; the sandbox stops it.
 */
import * as vm from 'node:vm';
import type { Dispatch, DispatchOp } from './bootstrap';
import { BOOTSTRAP_SOURCE } from './bootstrap';
import { BOOTSTRAP_URL, ScriptExecutor, type SandboxErrorInfo, type ScriptEnv, type ScriptExecutorOptions } from './scriptExecutor';

interface Context {
  context: vm.Context;
}

/** Where the host leaves a dispatch's arguments for the script that calls it (inside the context). */
const ARGS = '__labDispatchArgs';
const DISPATCH = '__labDispatch';

let bootScript: vm.Script | undefined;
let callScript: vm.Script | undefined;

export class VmExecutor extends ScriptExecutor<Context> {
  constructor(options: ScriptExecutorOptions = {}) {
    super(options);
  }

  protected createContainer(env: ScriptEnv<Context>, hostCall: (op: unknown, argsJson: unknown) => string, configJson: string): Context {
    const context = vm.createContext({}, { name: env.id, microtaskMode: 'afterEvaluate', codeGeneration: { strings: true, wasm: false } });
    const box: Context = { context };
    env.container = box;
    bootScript ??= new vm.Script(BOOTSTRAP_SOURCE, { filename: BOOTSTRAP_URL });
    const boot = bootScript.runInContext(context, { timeout: this.base.maxRealTimeoutMs }) as (hostCall: unknown, configJson: string) => Dispatch;
    const dispatch = boot(hostCall, configJson);
    Object.defineProperty(context, DISPATCH, { value: dispatch, enumerable: false, writable: false, configurable: false });
    return box;
  }

  protected runBundle(env: ScriptEnv<Context>, code: string, timeoutMs: number): void {
    new vm.Script(code, { filename: env.bundleUrl }).runInContext(env.container.context, { timeout: timeoutMs });
  }

  protected dispatch(env: ScriptEnv<Context>, op: DispatchOp, now: number, a: string | undefined, b: string | undefined, timeoutMs: number): unknown {
    const context = env.container.context;
    context[ARGS] = [op, now, a, b];
    callScript ??= new vm.Script(`${DISPATCH}(${ARGS}[0], ${ARGS}[1], ${ARGS}[2], ${ARGS}[3])`, { filename: BOOTSTRAP_URL });
    try {
      return op === 'init' ? callScript.runInContext(context, { timeout: timeoutMs }) : callScript.runInContext(context);
    } finally {
      context[ARGS] = undefined;
    }
  }

  protected disposeContainer(): void {
    // A vm context is garbage once nothing refers to it.
  }

  protected containerFailure(): SandboxErrorInfo | undefined {
    return undefined;
  }
}
