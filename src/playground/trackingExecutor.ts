/**
 * An executor that remembers which execution environments are alive, so the playground can throw
 * them all away when it starts over (reset, restore): every engine numbers its environments from
 * `env-1`, and an isolate left behind by the previous engine would otherwise leak.
 */
import type { EnvironmentRuntime, Executor, HandlerContext, InitOutcome, InvokeOutcome, LabApi } from '../engine/executor';

export class TrackingExecutor implements Executor {
  private readonly live = new Set<string>();

  constructor(readonly inner: Executor) {}

  createEnvironment(fn: { name: string; handler: string; memoryMb: number; timeoutMs: number }, envId: string, lab: LabApi, runtime?: EnvironmentRuntime): InitOutcome {
    this.live.add(envId);
    return this.inner.createEnvironment(fn, envId, lab, runtime);
  }

  invoke(envId: string, event: unknown, context: HandlerContext): InvokeOutcome {
    return this.inner.invoke(envId, event, context);
  }

  destroyEnvironment(envId: string): void {
    this.live.delete(envId);
    this.inner.destroyEnvironment(envId);
  }

  /** Dispose of every environment still alive. */
  destroyAll(): void {
    for (const envId of [...this.live]) this.destroyEnvironment(envId);
  }
}
