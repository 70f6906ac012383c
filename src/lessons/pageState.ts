/**
 * What the lesson page shows around its text, decided in plain TypeScript (the webview only draws
 * it): the toolbar — which actions apply now and which one is the next step — and the result of the
 * last check run, with each check's verdict, expected vs actual, its explanation, the section of the
 * page that explains the rule, and the learner's own log lines.
 */
import type { CheckOutcome, LessonRunResult } from './checker';
import { formatTime } from './checks';
import { PAGE_ACTIONS, type PageAction, type PageCheck, type PageResult, type ToolbarButton } from './pageView';

export * from './pageView';



export interface PageFacts {
  /** The lesson has an exercise (else: reading only, then Next Lesson). */
  exercise: boolean;
  /** The learner's files exist (Start Exercise was used). */
  started: boolean;
  /** Checks are running now. */
  running: boolean;
  /** The lesson is done (every check passed, or marked done). */
  done: boolean;
  /** Hints left to show. */
  hintsLeft: number;
  /** The next lesson's title, when there is one. */
  next?: string;
  /** The first file of the exercise (what Start Exercise opens). */
  firstFile?: string;
  /** Commands that exist in this build (buttons for missing ones are left out). */
  available?: ReadonlySet<string>;
}

/** The toolbar: every applicable action, exactly one primary (the next step). */
export function toolbar(f: PageFacts): ToolbarButton[] {
  const file = f.firstFile ?? 'the starter files';
  // Buttons for commands this build may lack (another feature registers them) wait until it has them.
  const has = (id: PageAction) => f.available?.has(`serverlessLab.${id}`) ?? false;
  const want: Record<PageAction, { show: boolean; enabled: boolean; title: string }> = {
    startLesson: { show: f.exercise, enabled: !f.running, title: f.started ? `Opens your ${file} again (your changes are kept)` : `Puts ${file} in your workspace and opens it` },
    runChecks: { show: f.exercise, enabled: f.started && !f.running, title: !f.started ? 'Start the exercise first: Start Exercise puts its files in your workspace' : f.running ? 'The checks are running…' : 'Runs your handler in the lesson\'s scenario and judges the run' },
    showHint: { show: f.exercise, enabled: f.hintsLeft > 0, title: f.hintsLeft > 0 ? `${f.hintsLeft} hint${f.hintsLeft === 1 ? '' : 's'} left` : 'Every hint is shown below the results' },
    openDiagram: { show: f.exercise, enabled: true, title: f.started ? 'Your run, drawn live beside this page' : 'The reference solution\'s run, drawn live (yours once you start)' },
    // After the start, as in the Lessons tree and the palette (before it there is no file to compare with).
    showReferenceSolution: { show: f.exercise && f.started && has('showReferenceSolution'), enabled: !f.running, title: f.done ? 'Opens the reference solution beside your file' : 'Opens the reference solution beside your file (it asks first: you have not passed yet)' },
    skipLesson: { show: f.exercise && !f.done && has('skipLesson'), enabled: true, title: 'Marks this lesson skipped and opens the next one' },
    nextLesson: { show: f.next !== undefined, enabled: f.next !== undefined && !f.running, title: f.next ? `Opens "${f.next}"` : '' },
  };
  // The next step: start, then check until done, then the next lesson (a page without an exercise: next).
  const primary: PageAction = !f.exercise ? 'nextLesson' : !f.started ? 'startLesson' : f.done && f.next ? 'nextLesson' : 'runChecks';
  return PAGE_ACTIONS.filter((a) => want[a.id].show).map((a) => ({ id: a.id, label: a.label, enabled: want[a.id].enabled, primary: a.id === primary && want[a.id].enabled, title: want[a.id].title }));
}




/** Log lines a page shows (the rest are counted; the test run output has all of them). */
export const PAGE_LOG_LINES = 50;

/** `file:line:col` of a problem, with the file as the learner's workspace names it. */
export function where(file: string | undefined, line?: number, column?: number): string {
  if (!file) return '';
  return `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}`;
}

/** The page's view of a check run. `relative` turns an absolute path into the workspace's name for it. */
export function pageResult(result: LessonRunResult, relative: (file: string) => string = (f) => f, sections: (outcome: CheckOutcome) => string | undefined = () => undefined): PageResult {
  const checks: PageCheck[] = result.outcomes.map((o) => {
    const section = (o as CheckOutcome & { section?: string }).section ?? sections(o);
    return {
      id: o.id,
      title: o.title,
      verdict: o.notRun ? 'not-run' : o.pass ? 'pass' : 'fail',
      message: o.message,
      expected: o.expected,
      actual: o.actual,
      hint: o.hint,
      ...(section ? { section } : {}),
    };
  });
  const passed = checks.filter((c) => c.verdict === 'pass').length;
  const total = checks.length;
  const logs = (result.logs ?? []).slice(0, PAGE_LOG_LINES).map((l) => ({ at: formatTime(l.t), fn: l.fn, invocation: l.id, text: l.text }));
  const logsDropped = (result.logs?.length ?? 0) - logs.length + (result.logsDropped ?? 0);
  const e = result.error;
  if (e) {
    const file = e.file ? relative(e.file) : undefined;
    const error = { message: e.message, ...(file ? { file, line: e.line, column: e.column } : {}) };
    if (e.kind === 'compile') {
      return { status: 'compile-error', headline: `Your code does not compile: ${where(file, e.line, e.column)}${file ? ': ' : ''}${e.message}. No check ran — fix this first.`, passed: 0, total, checks, error, logs, logsDropped };
    }
    return { status: 'error', headline: `The exercise could not run: ${e.message}${file ? ` (${where(file, e.line, e.column)})` : ''}. No check ran.`, passed: 0, total, checks, error, logs, logsDropped };
  }
  const ran = result.seedsRun?.length ?? 0;
  if (total > 0 && passed === total) return { status: 'passed', headline: `Every check passes (${passed}/${total})${ran > 1 ? ` on ${ran} seeds` : ''}. Lesson done!`, passed, total, checks, logs, logsDropped };
  // Over several seeds, the run shown is the first that failed: say which, and how to replay it.
  const seed = result.failedSeed !== undefined && ran > 1 ? ` This is seed ${result.failedSeed}, after ${ran - 1} that passed: replay exactly this run with serverless-lab check ${result.lessonId} --seed ${result.failedSeed}.` : '';
  return { status: 'failed', headline: `${passed} of ${total} checks pass. ${total - passed === 1 ? 'One fails' : `${total - passed} fail`}: each says what was expected and what your run did.${seed}`, passed, total, checks, logs, logsDropped };
}
