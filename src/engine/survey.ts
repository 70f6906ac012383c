/**
 * A survey of a scenario: run it once to the end and keep only what a diagram needs before it
 * plays — the topology with every resource each function's code called (a handler's sends and
 * writes are declared nowhere, so only a run shows them), how busy each virtual second was, and
 * when the last thing happened. The run is the same one the player will show: same seed, same
 * handlers, so the same trace.
 *
 * A call is counted when the handler makes it (its `call` record, at the second it starts), so a
 * function is connected to what it called even when the call never completed — left unawaited in
 * an environment that was recycled, cut by a crash or a timeout. Calls of code that reaches the
 * cloud at once (a registered in-process module: no `call` record) are counted by the record their
 * effect leaves on the service.
 */
import type { Executor } from './executor';
import type { Scenario } from './scenario';
import { Simulation, type HandlerResolver } from './simulation';
import type { Topology } from './topology';
import type { TraceKind } from './trace';

export interface Survey {
  /** The topology with `calls` edges for every resource a function called during the run. */
  topology: Topology;
  /** Trace records per virtual second (index = second). */
  activity: number[];
  /** Virtual time of the last record, ms (the run "ends" there, whatever its declared duration). */
  lastMs: number;
  /** The declared end, ms. */
  endMs: number;
  /** Per `calls` edge (`from→to`): calls in the busiest second. */
  peakPerSecond: Record<string, number>;
}

/** Records a handler's call to a service leaves on that service (cause = the invocation's request id). */
const CALL_KINDS: ReadonlySet<TraceKind> = new Set<TraceKind>(['sent', 'delayed', 'deduplicated', 'published', 'produced', 'stored', 'read', 'written', 'overloaded']);

export function surveyScenario(scenario: Scenario, options: { seed?: number; executor?: Executor; handlers?: HandlerResolver } = {}): Survey {
  const sim = new Simulation(scenario, { ...options, records: { mode: 'none' } });
  const activity: number[] = [];
  let lastMs = 0;
  /** request id → function, from `invoked` records. */
  const invocationOf = new Map<string, string>();
  /** Per edge (`from→to`): calls per second, from `call` records; and from service records, for instant calls. */
  const calls = new Map<string, Map<number, number>>();
  const effects = new Map<string, Map<number, number>>();
  /** The first call each edge saw (its label when the run's topology has no edge for it). */
  const firstCall = new Map<string, { from: string; to: string; call: string }>();
  const bump = (per: Map<string, Map<number, number>>, key: string, s: number): void => {
    let m = per.get(key);
    if (!m) per.set(key, (m = new Map()));
    m.set(s, (m.get(s) ?? 0) + 1);
  };
  sim.ctx.trace.subscribe((r) => {
    const s = Math.floor(r.t / 1000);
    activity[s] = (activity[s] ?? 0) + 1;
    if (r.t > lastMs) lastMs = r.t;
    if (r.kind === 'invoked' && r.id !== undefined) invocationOf.set(r.id, r.resource);
    else if (r.kind === 'call') {
      const to = r.detail?.target;
      if (typeof to !== 'string' || to === r.resource) return;
      const key = `${r.resource}→${to}`;
      bump(calls, key, s);
      if (!firstCall.has(key)) firstCall.set(key, { from: r.resource, to, call: String(r.detail?.call) });
    } else if (CALL_KINDS.has(r.kind) && r.cause !== undefined) {
      const fn = invocationOf.get(r.cause);
      if (fn === undefined || fn === r.resource) return;
      bump(effects, `${fn}→${r.resource}`, s);
    }
  });
  sim.run();
  for (let i = 0; i < activity.length; i++) activity[i] ??= 0;
  const peakPerSecond: Record<string, number> = {};
  for (const [key, m] of effects) peakPerSecond[key] = Math.max(...m.values());
  for (const [key, m] of calls) peakPerSecond[key] = Math.max(...m.values());
  const topology = sim.topology();
  // A call that never reached its service left no edge in the run's topology: it is still a call.
  const nodes = new Set(topology.nodes.map((n) => n.id));
  const edges = new Set(topology.edges.map((e) => `${e.from}→${e.to}`));
  for (const [key, c] of firstCall) {
    if (!edges.has(key) && nodes.has(c.from) && nodes.has(c.to)) topology.edges.push({ from: c.from, to: c.to, kind: 'calls', label: c.call });
  }
  return { topology, activity, lastMs, endMs: sim.endMs, peakPerSecond };
}

/** A traffic generator's rates (the topology labels its traffic edges with them). */
export { trafficRates } from './topology';

/**
 * The survey's topology with each `calls` edge labelled by what the function called and how often
 * in its busiest second ("tablePut, up to 10/s"); traffic already carries the rates the scenario
 * sends (`buildTopology`).
 */
export function labelledTopology(_scenario: Scenario, survey: Survey): Topology {
  const edges = survey.topology.edges.map((e) => {
    if (e.kind === 'calls') {
      const peak = survey.peakPerSecond[`${e.from}→${e.to}`];
      return peak ? { ...e, label: `${e.label}, up to ${peak}/s` } : e;
    }
    return e;
  });
  return { nodes: survey.topology.nodes, edges };
}
