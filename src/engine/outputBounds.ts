/**
 * Bounds on what handlers log: the engine keeps a handler's log lines as trace records, and a
 * handler that logs in a loop (or logs megabytes at a time) must not fill the run's memory, the
 * editor's views or a `--trace` file. Like CloudWatch Logs cutting an event past 256 KB, the lab
 * keeps:
 * - at most `LOG_LINE_CHARS` characters of one line (the rest is cut, the record says how long it was);
 * - per invocation, at most `LOG_LINES_PER_INVOCATION` lines and `LOG_CHARS_PER_INVOCATION` characters;
 * - per run, at most `LOG_LINES_PER_RUN` lines and `LOG_CHARS_PER_RUN` characters.
 * The first line past a bound is replaced by one `output-truncated` record saying which bound and
 * after how many lines / MB; later lines of that invocation (or of the run) are not recorded at all
 * (`dropped` counts them).
 * The counts stay deterministic: they depend on what the handlers logged, never on the machine.
 */
import type { Trace } from './trace';

export const LOG_LINE_CHARS = 262_144;
export const LOG_LINES_PER_INVOCATION = 10_000;
export const LOG_CHARS_PER_INVOCATION = 4 * 1_048_576;
export const LOG_LINES_PER_RUN = 1_000_000;
export const LOG_CHARS_PER_RUN = 128 * 1_048_576;

/** Characters a logged value takes as text (strings by length, other values estimated, nested ones a few levels deep). */
export function textSize(value: unknown, depth = 4): number {
  switch (typeof value) {
    case 'string':
      return value.length;
    case 'object': {
      if (value === null) return 4;
      if (depth === 0) return 16;
      let n = 2;
      if (Array.isArray(value)) {
        for (const v of value) n += 1 + textSize(v, depth - 1);
        return n;
      }
      for (const key in value) n += key.length + 4 + textSize((value as Record<string, unknown>)[key], depth - 1);
      return n;
    }
    default:
      return 8;
  }
}

/** A line cut to `max` characters: the arguments as one string (non-strings as JSON), its start. */
function cutLine(args: readonly unknown[], max: number): string {
  let text = '';
  for (const a of args) {
    if (text.length >= max) break;
    let part: string;
    if (typeof a === 'string') part = a;
    else {
      try {
        part = JSON.stringify(a) ?? String(a);
      } catch {
        part = String(a);
      }
    }
    text += (text ? ' ' : '') + part;
  }
  return text.slice(0, max);
}

interface Budget {
  id: string | undefined;
  lines: number;
  chars: number;
  truncated: boolean;
}

function mb(chars: number): string {
  return `${+(chars / 1_048_576).toFixed(1)} MB`;
}

export class OutputBounds {
  /** The invocation each environment (or function, for logs outside one) logs for now, and what it logged. */
  private readonly budgets = new Map<string, Budget>();
  private runLines = 0;
  private runChars = 0;
  private runTruncated = false;
  /** Lines not kept because a bound was reached. */
  dropped = 0;

  constructor(private readonly trace: Trace) {}

  /**
   * A handler of `fn` logged `args` for invocation `id` (on environment `env`): record it, cut, or
   * not at all once a bound is reached (the first time, an `output-truncated` record says so).
   */
  log(fn: string, id: string | undefined, env: string | undefined, args: unknown[]): void {
    const trace = this.trace;
    if (this.runTruncated) {
      this.dropped++;
      return;
    }
    const key = env ?? fn;
    let b = this.budgets.get(key);
    if (b === undefined || b.id !== id) this.budgets.set(key, (b = { id, lines: 0, chars: 0, truncated: false }));
    if (b.truncated) {
      this.dropped++;
      return;
    }
    // The line: its arguments joined with spaces.
    let size = args.length > 1 ? args.length - 1 : 0;
    for (const a of args) size += textSize(a);
    let kept: unknown[] = args;
    let cut: number | undefined;
    if (size > LOG_LINE_CHARS) {
      const line = cutLine(args, LOG_LINE_CHARS);
      cut = size;
      kept = [line];
      size = line.length;
    }
    const over =
      b.lines + 1 > LOG_LINES_PER_INVOCATION
        ? { scope: 'invocation', after: `${b.lines.toLocaleString('en-US')} lines` }
        : b.chars + size > LOG_CHARS_PER_INVOCATION
          ? { scope: 'invocation', after: mb(b.chars) }
          : this.runLines + 1 > LOG_LINES_PER_RUN
            ? { scope: 'run', after: `${this.runLines.toLocaleString('en-US')} lines` }
            : this.runChars + size > LOG_CHARS_PER_RUN
              ? { scope: 'run', after: mb(this.runChars) }
              : undefined;
    if (over !== undefined) {
      if (over.scope === 'run') this.runTruncated = true;
      else b.truncated = true;
      this.dropped++;
      const message =
        over.scope === 'run'
          ? `output truncated after ${over.after} of logs in this run: later log lines of every function are not kept`
          : `output truncated after ${over.after} of logs in this invocation: its later log lines are not kept`;
      trace.emit('output-truncated', fn, id, undefined, { ...(env !== undefined ? { env } : {}), scope: over.scope, lines: over.scope === 'run' ? this.runLines : b.lines, chars: over.scope === 'run' ? this.runChars : b.chars, message });
      return;
    }
    b.lines++;
    b.chars += size;
    this.runLines++;
    this.runChars += size;
    const detail: Record<string, unknown> = env !== undefined ? { env, args: kept } : { args: kept };
    if (cut !== undefined) detail.truncated = { chars: cut, kept: LOG_LINE_CHARS };
    trace.emit('log', fn, id, undefined, detail);
  }

  /** Forget an environment's budget (it is gone). */
  forget(env: string): void {
    this.budgets.delete(env);
  }
}
