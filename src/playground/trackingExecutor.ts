/**
 * An executor that remembers which execution environments are alive, so the playground can throw
 * them all away when it starts over (reset, restore): every engine numbers its environments from
 * `env-1`, and an isolate left behind by the previous engine would otherwise leak.
 */
import type { CallReply, EnvironmentPort, Executor, Finished, FunctionInfo, HandlerContext, InitOutcome, Step } from '../engine/executor';

export class TrackingExecutor implements Executor {
  private readonly live = new Set<string>();

  constructor(readonly inner: Executor) {}

  createEnvironment(fn: FunctionInfo, envId: string, port: EnvironmentPort): InitOutcome {
    this.live.add(envId);
    return this.inner.createEnvironment(fn, envId, port);
  }

  invoke(envId: string, event: unknown, context: HandlerContext): Step {
    return this.inner.invoke(envId, event, context);
  }

  resume(envId: string, callId: number, reply: CallReply): Step {
    return this.inner.resume(envId, callId, reply);
  }

  invokeConcurrent(envId: string, event: unknown, context: HandlerContext): Finished[] {
    return this.inner.invokeConcurrent!(envId, event, context);
  }

  resumeConcurrent(envId: string, callId: number, reply: CallReply): Finished[] {
    return this.inner.resumeConcurrent!(envId, callId, reply);
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
