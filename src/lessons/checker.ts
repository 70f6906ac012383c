/**
 * Runs a lesson's exercise: the learner's handlers in the lesson's scenario, then every check
 * against the run. Used by the editor (through the runtime process, with the sandbox executor) and
 * by `serverless-lab check` — the same code, so a verdict is the same everywhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Executor } from '../engine/executor';
import { ScenarioError, validateScenario } from '../engine/scenario';
import { Simulation, type HandlerResolver, type Summary } from '../engine/simulation';
import { RunLimitError } from '../engine/runBounds';
import type { Lesson } from './model';
import { RunView, Verdict } from './checks';
import { loadChecks } from './checkList';
import { exerciseFilesProblem, retargetHandlers } from './exerciseFiles';


export interface CheckOutcome extends Verdict {
  id: string;
  title: string;
  hint: string;
  message: string;
  /** Anchor of the page section that explains the rule (see LessonCheck.section). */
  section: string;
  /** The check did not judge anything (the exercise could not run). */
  notRun?: boolean;
}

export interface HandlerError {
  file: string;
  line: number;
  column: number;
  message: string;
  /** How many invocations failed here. */
  count: number;
}

/** A line whose service call was still in flight when its handler returned (it froze with the environment). */
export interface UnawaitedCall {
  file: string;
  line: number;
  column: number;
  message: string;
  /** How many invocations left it pending, how many of those calls completed later (in another invocation), how many never did. */
  count: number;
  completedLater: number;
  neverCompleted: number;
}

export interface LessonRunResult {
  lessonId: string;
  outcomes: CheckOutcome[];
  /**
   * Set when the exercise could not run at all (a handler that does not compile, a bad scenario).
   * `kind: 'compile'`: the learner's code did not compile — `message` is the compiler's own words
   * (no path) and `file` (absolute) / `line` / `column` (1-based) say where; no check ran.
   */
  error?: { message: string; file?: string; line?: number; column?: number; kind?: 'compile' | 'run' | 'setup' };
  summary?: Summary;
  /** Errors the learner's handlers threw during the run, by source location (for editor diagnostics). */
  handlerErrors: HandlerError[];
  /** Calls the learner's handlers returned without awaiting, by source location (editor warnings). */
  unawaitedCalls?: UnawaitedCall[];
  /** Wall time of the whole check, ms. */
  wallMs: number;
  /** What the learner's handlers logged (`log()` / `console.*`), in order; at most `MAX_LOG_LINES`. */
  logs?: LogLine[];
  /** Log lines past `MAX_LOG_LINES` (counted, not kept). */
  logsDropped?: number;
  /** The seed of this run (unset when the exercise could not be set up). */
  seed?: number;
  /** Over several seeds (`checkOverSeeds`): every seed run, in order; the last is this result's. */
  seedsRun?: number[];
  /** Over several seeds: the first seed whose run failed a check (the one this result reports). */
  failedSeed?: number;
}

/** One line a handler logged: virtual time (ms), the function, the invocation (request) id, the text. */
export interface LogLine {
  t: number;
  fn: string;
  id: string;
  text: string;
}

/** Log lines a result keeps (a handler that logs in a loop must not make the result huge). */
export const MAX_LOG_LINES = 1000;

/** The log records of a run as lines: arguments joined with spaces, non-strings as JSON. */
export function logLines(records: readonly { t: number; kind: string; resource: string; id?: string; detail?: Record<string, unknown> }[], max = MAX_LOG_LINES): { lines: LogLine[]; dropped: number } {
  const lines: LogLine[] = [];
  let dropped = 0;
  for (const r of records) {
    if (r.kind !== 'log' && r.kind !== 'output-truncated') continue;
    if (lines.length >= max) {
      dropped++;
      continue;
    }
    if (r.kind === 'output-truncated') {
      lines.push({ t: r.t, fn: r.resource, id: r.id ?? '', text: `[${String(r.detail?.message ?? 'output truncated')}]` });
      continue;
    }
    const args = (r.detail?.args as unknown[] | undefined) ?? [];
    lines.push({ t: r.t, fn: r.resource, id: r.id ?? '', text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') });
  }
  return { lines, dropped };
}

/** One compile problem of the learner's code: `file` absolute, `line`/`column` 1-based. */
export interface CompileProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * How handlers are run: the sandbox executor in the editor, in-process in the CLI and tests.
 * `compile`, when given, compiles one handler setting (`handler.ts#handler`) before the run and
 * returns its problems: code that does not compile is reported once, and no check runs on it.
 */
export type ExecutorFactory = (handlerDir: string) => { executor?: Executor; handlers?: HandlerResolver; compile?: (handler: string) => CompileProblem[] };

/**
 * Run the lesson's exercise from `handlerDir` and judge it. When the checks are done (they may still
 * drive the simulation: lesson 14 probes its gateways) every executor the factory made is disposed of,
 * so the environments still warm free their isolates: the editor's runtime process runs check after
 * check, and each kept isolate costs memory and address-space mappings until the process aborts.
 */
export function checkLesson(lesson: Lesson, handlerDir: string, factory: ExecutorFactory, options: { seed?: number } = {}): LessonRunResult {
  const made: Executor[] = [];
  try {
    return runAndJudge(lesson, handlerDir, (dir) => {
      const m = factory(dir);
      if (m.executor) made.push(m.executor);
      return m;
    }, options);
  } finally {
    for (const executor of made) executor.dispose?.();
  }
}

function runAndJudge(lesson: Lesson, handlerDir: string, factory: ExecutorFactory, options: { seed?: number }): LessonRunResult {
  const started = Date.now();
  if (!lesson.exercise) return { lessonId: lesson.id, outcomes: [], handlerErrors: [], wallMs: 0 };
  const checks = loadChecks(lesson);
  const failAll = (message: string, extra: Partial<NonNullable<LessonRunResult['error']>> = {}): LessonRunResult => ({
    lessonId: lesson.id,
    error: { message, kind: 'setup', ...extra },
    // A run that did not happen judges nothing: every check is "not run", none claims a behaviour.
    outcomes: checks.map((c) => ({ id: c.id, title: c.title, hint: c.hint, section: c.section, pass: false, expected: c.title, actual: 'not run: the exercise did not run', message, notRun: true })),
    handlerErrors: extra.file ? [{ file: extra.file, line: extra.line ?? 1, column: extra.column ?? 1, message, count: 1 }] : [],
    wallMs: Date.now() - started,
  });

  // Each exercise file may be the lesson's TypeScript file or its JavaScript twin (handler.js).
  const filesProblem = exerciseFilesProblem(handlerDir, lesson.exercise.files);
  if (filesProblem) return failAll(filesProblem);

  const scenarioFile = path.join(lesson.dir, lesson.exercise.scenario);
  const { scenario: declared, problems } = validateScenario(JSON.parse(fs.readFileSync(scenarioFile, 'utf8')));
  if (!declared) return failAll(`lesson scenario ${scenarioFile} is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  const scenario = { ...declared, functions: retargetHandlers(declared.functions, handlerDir, lesson.exercise.files) };

  let sim: Simulation;
  let seed: number | undefined;
  try {
    const { executor, handlers, compile } = factory(handlerDir);
    if (compile) {
      const seen = new Set<string>();
      for (const fn of scenario.functions ?? []) {
        if (seen.has(fn.handler)) continue;
        seen.add(fn.handler);
        const [first] = compile(fn.handler);
        if (first) return failAll(first.message, { kind: 'compile', file: first.file, line: first.line, column: first.column });
      }
    }
    sim = new Simulation(scenario, { seed: options.seed ?? lesson.exercise.seed, executor, handlers, records: { mode: 'all' } });
    seed = sim.seed;
    sim.run();
  } catch (err) {
    if (err instanceof ScenarioError) return failAll(err.message);
    if (err instanceof RunLimitError) return { ...failAll(`the run did not finish: ${err.message}`, { kind: 'run' }), seed };
    const e = err as Error & { file?: string; line?: number; column?: number; location?: { file: string; line: number; column: number } };
    const loc = e.location ?? (e.file ? { file: e.file, line: e.line ?? 1, column: e.column ?? 1 } : undefined);
    return { ...failAll(`your handler could not run: ${e.message}`, loc ? { kind: 'run', file: loc.file, line: loc.line, column: loc.column } : { kind: 'run' }), seed };
  }

  const view = new RunView(sim);
  const outcomes: CheckOutcome[] = checks.map((check) => {
    try {
      const v = check.run(view);
      return { id: check.id, title: check.title, hint: check.hint, section: check.section, pass: Boolean(v.pass), expected: String(v.expected), actual: String(v.actual), message: v.message ?? check.title };
    } catch (err) {
      return { id: check.id, title: check.title, hint: check.hint, section: check.section, pass: false, expected: check.title, actual: `the check could not judge this run: ${(err as Error).message}`, message: `check error: ${(err as Error).message}` };
    }
  });
  const logs = logLines(view.records);
  const unawaited = unawaitedCalls(view);
  return { lessonId: lesson.id, outcomes, summary: view.summary, handlerErrors: handlerErrors(view), ...(unawaited.length ? { unawaitedCalls: unawaited } : {}), wallMs: Date.now() - started, logs: logs.lines, logsDropped: logs.dropped, seed: sim.seed };
}

/**
 * Calls a handler returned without awaiting (`call-pending` records), grouped by the line that made
 * them, with what became of them: completed in a later invocation, or never (abandoned, or still
 * frozen when the run ended).
 */
export function unawaitedCalls(view: { where(kind: 'call-pending' | 'call-done'): readonly { id?: string; detail?: Record<string, unknown> }[] }): UnawaitedCall[] {
  const done = new Set<string>();
  for (const r of view.where('call-done')) done.add(`${String(r.detail?.env)}#${String(r.detail?.callId)}`);
  const byPlace = new Map<string, UnawaitedCall>();
  for (const r of view.where('call-pending')) {
    const loc = r.detail?.location as { file: string; line: number; column: number } | undefined;
    if (!loc) continue;
    const key = `${loc.file}:${loc.line}:${loc.column}`;
    const completed = done.has(`${String(r.detail?.env)}#${String(r.detail?.callId)}`);
    let entry = byPlace.get(key);
    if (!entry) {
      const what = `${String(r.detail?.call)}(${JSON.stringify(r.detail?.target)})`;
      entry = {
        ...loc,
        message: `${what} is not awaited: the handler returned while the call was in flight, so it froze with the execution environment — it goes on only if a later invocation thaws the environment, or never. Write \`await ${String(r.detail?.call)}(…)\`.`,
        count: 0,
        completedLater: 0,
        neverCompleted: 0,
      };
      byPlace.set(key, entry);
    }
    entry.count++;
    if (completed) entry.completedLater++;
    else entry.neverCompleted++;
  }
  return [...byPlace.values()];
}

/** Failed invocations grouped by the source location the sandbox mapped them to. */
function handlerErrors(view: RunView): HandlerError[] {
  const byPlace = new Map<string, HandlerError>();
  for (const r of view.where('failed')) {
    const loc = r.detail?.location as { file: string; line: number; column: number } | undefined;
    if (!loc) continue;
    const key = `${loc.file}:${loc.line}:${loc.column}`;
    const existing = byPlace.get(key);
    if (existing) existing.count++;
    else byPlace.set(key, { ...loc, message: String(r.detail?.error ?? 'error'), count: 1 });
  }
  return [...byPlace.values()];
}
