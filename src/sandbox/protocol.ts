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
  /**
   * Test hook: makes the runtime hang (busy loop), exit, throw an uncaught error (its message naming
   * host paths and a planted environment value), or write such text straight to stderr.
   */
  | { type: 'fault'; kind: 'hang' | 'exit' | 'throw' | 'stderr' };

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

/**
 * IPC messages from the runtime stay under `MAX_IPC_BYTES`: a message whose JSON text is longer
 * than `FRAME_CHARS` characters is sent as frames, consecutive slices of that text (the runtime
 * sends a message's frames one after another, never interleaved), which `FrameReader` joins and
 * parses on the host. A frame's text is at most `FRAME_CHARS` UTF-16 code units, each at most 3
 * bytes of UTF-8 (the text is JSON.stringify output, so it has no raw control characters and no
 * lone surrogates, and a slice never splits a surrogate pair), plus its escaping for IPC.
 */
export const MAX_IPC_BYTES = 1_048_576;
export const FRAME_CHARS = 256 * 1024;

/** One slice of a long message's JSON text. */
export interface Frame {
  frame: number;
  last: boolean;
  text: string;
}

export function isFrame(message: unknown): message is Frame {
  return typeof (message as Frame | null)?.frame === 'number' && typeof (message as Frame).text === 'string';
}

/** Slices of `json`, each at most `size` code units, never splitting a surrogate pair. */
export function sliceText(json: string, size = FRAME_CHARS): string[] {
  const out: string[] = [];
  for (let at = 0; at < json.length; ) {
    let end = Math.min(json.length, at + size);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && end - at > 1 && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(json.slice(at, end));
    at = end;
  }
  return out;
}

/** Joins the frames of one message at a time (host side). */
export class FrameReader {
  private parts: string[] = [];
  private current: number | undefined;

  /** The whole message once its last frame arrived, else undefined. Throws on a broken sequence. */
  push(frame: Frame): FromRuntime | undefined {
    if (this.current !== undefined && frame.frame !== this.current) {
      const unfinished = this.current;
      this.parts = [];
      this.current = undefined;
      throw new Error(`runtime message ${frame.frame} began before message ${unfinished} ended`);
    }
    this.current = frame.frame;
    this.parts.push(frame.text);
    if (!frame.last) return undefined;
    const text = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    this.parts = [];
    this.current = undefined;
    return JSON.parse(text) as FromRuntime;
  }
}
