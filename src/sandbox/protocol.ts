/**
 * The typed protocol between the extension host and the runtime process (engine + isolates).
 * Requests carry an id and get exactly one response; the runtime also pushes trace batches and
 * logs. Everything is plain JSON (it crosses a process boundary).
 */
import type { Topology } from '../engine/topology';
import type { TraceRecord } from '../engine/trace';
import type { PlaygroundCommand, PlaygroundQuery, PlaygroundSnapshot } from '../playground/types';

export type Request =
  | { type: 'ping' }
  | { type: 'load'; scenarioFile: string; seed?: number; handlerDir?: string }
  /** Run a scenario once to its end on its own (src/engine/survey.ts), for the diagram; changes no state. */
  | { type: 'survey'; scenarioFile: string; seed?: number; handlerDir?: string }
  | { type: 'run'; untilMs?: number }
  | { type: 'step'; events?: number }
  | { type: 'summary' }
  | { type: 'topology' }
  /** Broker playground: a command (journaled) or a query; answers a PlaygroundResponse. */
  | { type: 'playground'; command: PlaygroundCommand | PlaygroundQuery }
  | { type: 'check'; lessonDir: string; handlerDir: string; seed?: number }
  | { type: 'stop' }
  /** Test hook: makes the runtime hang (busy loop) or exit, to prove recovery. */
  | { type: 'fault'; kind: 'hang' | 'exit' };

export type RequestType = Request['type'];

export interface RequestEnvelope {
  id: number;
  request: Request;
}

export type ResponseEnvelope =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; path?: string; problems?: Array<{ path: string; message: string }> } };

/** Pushed by the runtime, not in answer to a request. */
export type Push =
  /** `source`: which engine the records come from (a loaded scenario or the playground). */
  | { push: 'trace'; source: 'scenario' | 'playground'; records: TraceRecord[]; dropped: number; now: number }
  /** After every playground command that changed something (the tree and the diagram refresh). */
  | { push: 'playground'; snapshot: PlaygroundSnapshot; topology: Topology }
  | { push: 'log'; level: 'info' | 'warn' | 'error'; message: string; fn?: string }
  | { push: 'ready'; pid: number; node: string; modules: string };

export type FromRuntime = ResponseEnvelope | Push;

export function isPush(message: FromRuntime): message is Push {
  return (message as Push).push !== undefined;
}
