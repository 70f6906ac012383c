// A small driver for testing an executor without the platform (no describe blocks here): every
// service call a handler makes completes at once, in the order made, answered by a recording lab.
import { SIMULATION_EPOCH_MS } from '../../src/engine/events';
import { performCall, type EnvironmentPort, type Executor, type FunctionInfo, type HandlerContext, type InitOutcome, type InvokeOutcome, type LabApi, type ServiceCall, type SourceSite } from '../../src/engine/executor';

/** The clock and seed a test gives an environment (virtual time stands still unless the test moves it). */
export interface TestRuntime {
  seed: number;
  now(): number;
}

interface Driven {
  port: EnvironmentPort;
  lab: LabApi;
  /** Calls begun and not yet answered, oldest first; timers armed and not yet run, in the order armed. */
  queue: Array<{ id: number; call: ServiceCall; args: unknown[] }>;
  timers: number[];
  work: number;
}

/** What the driver adds to an outcome: the work the code declared, the calls it left pending. */
export type DrivenOutcome<T> = T & { workMs: number; pending?: Array<{ id: number; site?: SourceSite }> };

/**
 * An executor as tests drive it: `createEnvironment(fn, envId, lab, runtime?)` and `invoke` return
 * when the handler is done (every call it awaits answered at once, in order). A handler still waiting
 * when nothing is left to answer comes back as `Driver.StillWaiting`.
 */
export class Driver {
  private readonly envs = new Map<string, Driven>();

  constructor(readonly executor: Executor) {}

  createEnvironment(fn: FunctionInfo, envId: string, lab: LabApi, runtime?: TestRuntime): DrivenOutcome<InitOutcome> {
    let h = 0x811c9dc5;
    for (let i = 0; i < envId.length; i++) h = Math.imul(h ^ envId.charCodeAt(i), 0x01000193);
    const d: Driven = { lab, queue: [], timers: [], work: 0, port: undefined as unknown as EnvironmentPort };
    let next = 0;
    d.port = {
      seed: runtime ? runtime.seed >>> 0 : h >>> 0,
      now: () => (runtime ? runtime.now() : SIMULATION_EPOCH_MS) + d.work,
      begin: (call, args) => {
        const id = ++next;
        d.queue.push({ id, call, args });
        return id;
      },
      // Timers take no time here: each runs, in the order armed, once no call is left to answer.
      setTimer: () => {
        const id = ++next;
        d.timers.push(id);
        return id;
      },
      clearTimer: (id) => {
        const i = d.timers.indexOf(id);
        if (i >= 0) d.timers.splice(i, 1);
      },
      work: (ms) => {
        if (!(typeof ms === 'number' && ms >= 0 && Number.isFinite(ms))) throw new RangeError(`work(ms): ms must be a finite number ≥ 0, got ${JSON.stringify(ms) ?? String(ms)}`);
        d.work += ms;
        lab.work(ms);
      },
      log: (args) => lab.log(...args),
      remaining: () => 0,
      lab,
    };
    this.envs.set(envId, d);
    d.work = 0;
    const out = this.executor.createEnvironment(fn, envId, d.port);
    return { ...out, workMs: d.work };
  }

  invoke(envId: string, event: unknown, context: HandlerContext): DrivenOutcome<InvokeOutcome> {
    const d = this.envs.get(envId);
    if (d) d.work = 0;
    let step = this.executor.invoke(envId, event, context);
    while (step.state === 'waiting' && d && (d.queue.length || d.timers.length)) {
      if (!d.queue.length) {
        step = this.executor.resume(envId, d.timers.shift()!, { ok: true, value: null });
        continue;
      }
      const next = d.queue.shift()!;
      let value: unknown;
      let reply: Parameters<Executor['resume']>[2];
      try {
        value = performCall(d.lab, next.call, next.args);
        reply = { ok: true, value };
      } catch (err) {
        const e = err as Error & { code?: string };
        reply = { ok: false, error: { name: e.name, message: e.message, ...(typeof e.code === 'string' ? { code: e.code } : {}) } };
      }
      step = this.executor.resume(envId, next.id, reply);
    }
    const workMs = d ? d.work : 0;
    if (step.state === 'waiting') return { ok: false, error: { name: 'Driver.StillWaiting', message: 'the handler is waiting on a promise that nothing can settle' }, workMs };
    return { ...step.outcome, workMs, ...(step.pending ? { pending: step.pending } : {}) } as DrivenOutcome<InvokeOutcome>;
  }

  /** Calls begun by the environment's code and not answered (e.g. left pending by a handler that returned). */
  unanswered(envId: string): Array<{ id: number; call: ServiceCall; args: unknown[] }> {
    return [...(this.envs.get(envId)?.queue ?? [])];
  }

  destroyEnvironment(envId: string): void {
    this.envs.delete(envId);
    this.executor.destroyEnvironment(envId);
  }

  get size(): number {
    return (this.executor as unknown as { size: number }).size;
  }
}

/** `executor` driven by a `Driver`: its other members (size, dispose, resolveHandler, …) pass through. */
export function driven<E extends Executor>(executor: E): Driver & Omit<E, 'createEnvironment' | 'invoke' | 'resume' | 'destroyEnvironment'> {
  const driver = new Driver(executor);
  return new Proxy(driver, {
    get(target, key, receiver) {
      if (key in target) return Reflect.get(target, key, receiver);
      const value = Reflect.get(executor, key, executor);
      return typeof value === 'function' ? value.bind(executor) : value;
    },
  }) as Driver & Omit<E, 'createEnvironment' | 'invoke' | 'resume' | 'destroyEnvironment'>;
}
