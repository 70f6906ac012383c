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
}

export interface HandlerError {
  file: string;
  line: number;
  column: number;
  message: string;
  /** How many invocations failed here. */
  count: number;
}

export interface LessonRunResult {
  lessonId: string;
  outcomes: CheckOutcome[];
  /** Set when the exercise could not run at all (a handler that does not compile, a bad scenario). */
  error?: { message: string; file?: string; line?: number; column?: number };
  summary?: Summary;
  /** Errors the learner's handlers threw during the run, by source location (for editor diagnostics). */
  handlerErrors: HandlerError[];
  /** Wall time of the whole check, ms. */
  wallMs: number;
}

/** How handlers are run: the sandbox executor in the editor, in-process in the CLI and tests. */
export type ExecutorFactory = (handlerDir: string) => { executor?: Executor; handlers?: HandlerResolver };

export function checkLesson(lesson: Lesson, handlerDir: string, factory: ExecutorFactory, options: { seed?: number } = {}): LessonRunResult {
  const started = Date.now();
  if (!lesson.exercise) return { lessonId: lesson.id, outcomes: [], handlerErrors: [], wallMs: 0 };
  const checks = loadChecks(lesson);
  const failAll = (message: string, extra: Partial<NonNullable<LessonRunResult['error']>> = {}): LessonRunResult => ({
    lessonId: lesson.id,
    error: { message, ...extra },
    outcomes: checks.map((c) => ({ id: c.id, title: c.title, hint: c.hint, section: c.section, pass: false, expected: c.title, actual: 'the exercise did not run', message })),
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
  try {
    const { executor, handlers } = factory(handlerDir);
    sim = new Simulation(scenario, { seed: options.seed ?? lesson.exercise.seed, executor, handlers, records: { mode: 'all' } });
    sim.run();
  } catch (err) {
    if (err instanceof ScenarioError) return failAll(err.message);
    const e = err as Error & { file?: string; line?: number; column?: number; location?: { file: string; line: number; column: number } };
    const loc = e.location ?? (e.file ? { file: e.file, line: e.line ?? 1, column: e.column ?? 1 } : undefined);
    return failAll(`your handler could not run: ${e.message}`, loc ? { file: loc.file, line: loc.line, column: loc.column } : {});
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
  return { lessonId: lesson.id, outcomes, summary: view.summary, handlerErrors: handlerErrors(view), wallMs: Date.now() - started };
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
