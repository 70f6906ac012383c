/**
 * The lesson page's message types (no imports: the webview bundle type-checks against them too).
 * What goes in them is decided by `pageState.ts`.
 */

/**
 * The page's actions, in toolbar order. Each id is the command `serverlessLab.<id>` the button runs
 * (test/unit/manifest.test.ts checks that package.json contributes it); one name per action, the
 * same as the command's title.
 */
export const PAGE_ACTIONS = [
  { id: 'startLesson', label: 'Start Exercise' },
  { id: 'runChecks', label: 'Run Checks' },
  { id: 'showHint', label: 'Show Hint' },
  { id: 'openDiagram', label: 'Open Diagram' },
  { id: 'showReferenceSolution', label: 'Show Reference Solution' },
  { id: 'skipLesson', label: 'Skip Lesson' },
  { id: 'nextLesson', label: 'Next Lesson' },
] as const;
export type PageAction = (typeof PAGE_ACTIONS)[number]['id'];

export interface ToolbarButton {
  id: PageAction;
  label: string;
  enabled: boolean;
  /** The one next step (drawn as the primary button). */
  primary: boolean;
  /** Why it is disabled, or what it does now. */
  title: string;
}

export interface PageCheck {
  id: string;
  title: string;
  /** `pass`, `fail`, or `not-run` (the exercise could not run, so nothing was judged). */
  verdict: 'pass' | 'fail' | 'not-run';
  message: string;
  expected: string;
  actual: string;
  hint: string;
  /** Anchor (heading id) of the page section that explains the rule, when the check names one. */
  section?: string;
}

export interface PageLogLine {
  /** Virtual time, formatted (`61.25 s`). */
  at: string;
  /** The function that logged. */
  fn: string;
  /** The invocation (request) id. */
  invocation: string;
  text: string;
}

export interface PageResult {
  status: 'passed' | 'failed' | 'compile-error' | 'error';
  /** One sentence for the top of the results. */
  headline: string;
  passed: number;
  total: number;
  checks: PageCheck[];
  /** Where the code does not compile / the run failed: `file` workspace-relative. */
  error?: { message: string; file?: string; line?: number; column?: number };
  logs: PageLogLine[];
  /** Log lines left out (the page shows the first ones). */
  logsDropped: number;
}
