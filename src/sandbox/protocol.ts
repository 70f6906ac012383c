/**
 * The typed protocol between the extension host and the runtime process (engine + isolates).
 * Requests carry an id and get exactly one response; the runtime also pushes trace batches and
 * logs. Everything is plain JSON (it crosses a process boundary).
 */
import type { TraceRecord } from '../engine/trace';

export type Request =
  | { type: 'ping' }
  | { type: 'load'; scenarioFile: string; seed?: number; handlerDir?: string }
  | { type: 'run'; untilMs?: number }
  | { type: 'step'; events?: number }
  | { type: 'summary' }
  | { type: 'topology' }
  | { type: 'playground'; op: string; args: Record<string, unknown> }
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
  | { push: 'trace'; records: TraceRecord[]; dropped: number; now: number }
  | { push: 'log'; level: 'info' | 'warn' | 'error'; message: string; fn?: string }
  | { push: 'ready'; pid: number; node: string; modules: string };

export type FromRuntime = ResponseEnvelope | Push;

export function isPush(message: FromRuntime): message is Push {
  return (message as Push).push !== undefined;
}
