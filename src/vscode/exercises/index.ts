import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadChecks } from '../../lessons/checkList';
import { fileVariants, LEARNER_TSCONFIG, locateExerciseFiles } from '../../lessons/exerciseFiles';
import type { LessonRunResult } from '../../lessons/checker';
import { checkOverSeedsAsync, DEFAULT_CHECK_SEEDS, MAX_CHECK_SEEDS, seedVerdict } from '../../lessons/seeds';
import type { Lesson } from '../../lessons/model';
import { formatTime } from '../../lessons/checks';
import { pageResult, where } from '../../lessons/pageState';
import type { LessonsFeature } from '../lessons';
import type { RuntimeFeature } from '../runtime';
import { userStore } from '../storage';

/**
 * Exercises in the editor: "Start Exercise" puts the starter files in the workspace, the lesson's
 * checks appear in the Test Explorer (Testing API), failures show expected/actual with a hint, and
 * errors thrown by the learner's handlers appear as diagnostics on their line. Checks run in the
 * runtime process (sandboxed handlers), never in the extension host.
 */
export interface ExercisesFeature {
  learnerDir(lesson: Lesson): string;
  start(lessonId: string): Promise<void>;
  check(lessonId: string): Promise<LessonRunResult | undefined>;
  /** Restores the starter files (yours go to a backup folder, returned) and forgets the lesson's progress. */
  reset(lessonId: string): Promise<string | undefined>;
  controller: vscode.TestController;
  diagnostics: vscode.DiagnosticCollection;
}

const HINTS_KEY = 'serverlessLab.hintsShown';

/** The `serverlessLab.checks.seeds` setting, kept within 1…MAX_CHECK_SEEDS (an invalid value means the default). */
function checkSeeds(): number {
  const value = vscode.workspace.getConfiguration('serverlessLab.checks').get<unknown>('seeds', DEFAULT_CHECK_SEEDS);
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? Math.min(value, MAX_CHECK_SEEDS) : DEFAULT_CHECK_SEEDS;
}

export function registerExercises(context: vscode.ExtensionContext, lessons: LessonsFeature, runtime: RuntimeFeature, output: vscode.LogOutputChannel): ExercisesFeature {
  const controller = vscode.tests.createTestController('serverlessLab.checks', 'Serverless Lab');
  const diagnostics = vscode.languages.createDiagnosticCollection('serverless-lab');
  context.subscriptions.push(controller, diagnostics);

  const labRoot = (): string => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? path.join(folder.uri.fsPath, 'serverless-lab') : path.join(context.globalStorageUri.fsPath, 'lab');
  };
  const learnerDir = (lesson: Lesson) => path.join(labRoot(), lesson.id);
  const byId = (id: string) => lessons.catalog().lessons.find((l) => l.id === id);
  /** The learner's copy of the exercise's first file, in TypeScript or JavaScript (undefined before Start Exercise). */
  const handlerUri = (lesson: Lesson): vscode.Uri | undefined => {
    const first = lesson.exercise?.files[0];
    if (!first) return undefined;
    const [located] = locateExerciseFiles(learnerDir(lesson), [first]);
    const file = path.join(learnerDir(lesson), located?.found ?? first);
    return fs.existsSync(file) ? vscode.Uri.file(file) : undefined;
  };
  /** The line that exports the handler (where a check's failure message is peeked), else the top. */
  const handlerRange = (uri: vscode.Uri): vscode.Range => {
    let line = 0;
    try {
      const lines = fs.readFileSync(uri.fsPath, 'utf8').split('\n');
      const at = lines.findIndex((l) => /export\s+(const|async\s+function|function)\s+handler\b/.test(l));
      if (at >= 0) line = at;
    } catch {
      // the file went away: the top of it
    }
    return new vscode.Range(line, 0, line, 0);
  };
  /** A path as the learner's workspace names it (`serverless-lab/<lesson>/handler.ts`). */
  const relative = (file: string): string => (vscode.workspace.workspaceFolders?.length ? vscode.workspace.asRelativePath(file, false) : path.basename(file));

  // ---- Test Explorer items: one per lesson with an exercise, one child per check. A lesson's checks
  // (its checks.js) are read only when the Test Explorer expands it or a run needs them: reading all
  // fifteen at activation would cost more than the rest of activation together.
  const resolveChecks = (item: vscode.TestItem) => {
    const lesson = byId(item.id);
    if (!lesson || item.id.includes('/')) return;
    item.canResolveChildren = false;
    try {
      const uri = handlerUri(lesson);
      item.children.replace(
        loadChecks(lesson).map((check, i) => {
          // The handler file is where a check's failure is fixed: the Test Explorer opens it and peeks the message there.
          const child = controller.createTestItem(`${lesson.id}/${check.id}`, check.title, uri);
          child.sortText = String(i).padStart(3, '0');
          if (uri) child.range = handlerRange(uri);
          return child;
        }),
      );
      item.error = undefined;
    } catch (err) {
      item.error = `cannot read checks: ${(err as Error).message}`;
    }
  };
  const refreshItems = () => {
    const items: vscode.TestItem[] = [];
    for (const [i, lesson] of lessons.catalog().lessons.entries()) {
      if (!lesson.exercise) continue;
      const item = controller.createTestItem(lesson.id, lesson.title, handlerUri(lesson));
      // Lesson order, not alphabetical (the Test Explorer sorts by sortText, then label).
      item.sortText = String(i).padStart(3, '0');
      item.description = lessons.catalog().sections.find((s) => s.id === lesson.section)?.title;
      item.canResolveChildren = true;
      items.push(item);
    }
    controller.items.replace(items);
  };
  refreshItems();
  controller.resolveHandler = (item) => {
    if (item) resolveChecks(item);
  };
  controller.refreshHandler = () => refreshItems();

  const store = userStore(context, (m) => output.error(m));
  const hintsShown = (): Record<string, number> => store.get<Record<string, number>>(HINTS_KEY) ?? {};
  const shownHints = (id: string) => byId(id)?.exercise?.hints.slice(0, hintsShown()[id] ?? 0) ?? [];
  const lastError = new Map<string, vscode.Location>();
  const openLocation = async (location: vscode.Location) => {
    const editor = await vscode.window.showTextDocument(location.uri, { viewColumn: besidePage(), preview: false, selection: location.range });
    editor.revealRange(location.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  };
  Object.assign(lessons.panel.host, {
    isStarted: (id: string) => {
      const lesson = byId(id);
      return Boolean(lesson?.exercise && fs.existsSync(learnerDir(lesson)));
    },
    hintsShown: shownHints,
    openFile: (id: string, file: string) => {
      const lesson = byId(id);
      if (lesson) void openLocation(new vscode.Location(vscode.Uri.file(path.join(learnerDir(lesson), file)), new vscode.Position(0, 0)));
      return undefined;
    },
    openError: (id: string) => {
      const at = lastError.get(id);
      if (at) void openLocation(at);
    },
  });
  /** The editor column beside the lesson page (files and diagrams open there, never a third column). */
  const besidePage = (): vscode.ViewColumn => {
    const page = lessons.panel.column;
    return page === undefined ? vscode.ViewColumn.Beside : ((page + 1) as vscode.ViewColumn);
  };

  const report = (run: vscode.TestRun, lesson: Lesson, result: LessonRunResult) => {
    const lessonItem = controller.items.get(lesson.id);
    if (!lessonItem) return;
    if (lessonItem.canResolveChildren) resolveChecks(lessonItem);
    // The learner's own output, with the invocation and the virtual time of each line.
    for (const line of result.logs ?? []) run.appendOutput(`[${formatTime(line.t)}] ${line.fn} ${line.id}: ${line.text}\r\n`, undefined, lessonItem);
    if (result.logsDropped) run.appendOutput(`… ${result.logsDropped} more log line(s) not kept\r\n`, undefined, lessonItem);
    if (result.error) {
      // Code that did not run was judged by no check: one message, where the problem is.
      const e = result.error;
      const at = e.file ? where(relative(e.file), e.line, e.column) : '';
      const text = e.kind === 'compile' ? `Your code does not compile: ${at}: ${e.message}` : `The exercise could not run: ${e.message}${at ? ` (${at})` : ''}`;
      const message = new vscode.TestMessage(text);
      if (e.file) message.location = new vscode.Location(vscode.Uri.file(e.file), new vscode.Position(Math.max(0, (e.line ?? 1) - 1), Math.max(0, (e.column ?? 1) - 1)));
      run.appendOutput(`${text}\r\n`, message.location, lessonItem);
      lessonItem.children.forEach((c) => run.skipped(c));
      run.errored(lessonItem, message, result.wallMs);
      return;
    }
    const uri = handlerUri(lesson);
    for (const outcome of result.outcomes) {
      const item = lessonItem.children.get(`${lesson.id}/${outcome.id}`);
      if (!item) continue;
      if (outcome.pass) run.passed(item, result.wallMs);
      else {
        const seed = result.failedSeed !== undefined ? `\n\nFails on seed ${result.failedSeed}: replay it with \`serverless-lab check ${lesson.id} --seed ${result.failedSeed}\`.` : '';
        const text = new vscode.MarkdownString(
          `**${outcome.message}**${seed}\n\nExpected: ${outcome.expected}\n\nActual: ${outcome.actual}\n\nHint: ${outcome.hint}\n\n[Read the rule: ${outcome.section}](command:serverlessLab.openLessonSection?${encodeURIComponent(JSON.stringify([lesson.id, outcome.section]))}) · [Show another hint](command:serverlessLab.showHint?${encodeURIComponent(JSON.stringify([lesson.id]))})`,
        );
        text.isTrusted = { enabledCommands: ['serverlessLab.showHint', 'serverlessLab.openLessonSection'] };
        const message = new vscode.TestMessage(text);
        message.expectedOutput = outcome.expected;
        message.actualOutput = outcome.actual;
        const err = result.handlerErrors[0];
        if (err) message.location = new vscode.Location(vscode.Uri.file(err.file), new vscode.Position(Math.max(0, err.line - 1), Math.max(0, err.column - 1)));
        else if (uri) message.location = new vscode.Location(uri, handlerRange(uri));
        run.failed(item, message, result.wallMs);
      }
    }
    const allPass = result.outcomes.length > 0 && result.outcomes.every((o) => o.pass);
    if (allPass) run.passed(lessonItem, result.wallMs);
    else {
      const onSeed = result.failedSeed !== undefined ? ` on seed ${result.failedSeed} (replay: serverless-lab check ${lesson.id} --seed ${result.failedSeed})` : '';
      run.failed(lessonItem, new vscode.TestMessage(`${result.outcomes.filter((o) => !o.pass).length} of ${result.outcomes.length} checks failed${onSeed}`), result.wallMs);
    }
  };

  const updateDiagnostics = (lesson: Lesson, result: LessonRunResult) => {
    const dir = learnerDir(lesson);
    for (const f of lesson.exercise?.files ?? []) for (const v of fileVariants(f)) diagnostics.delete(vscode.Uri.file(path.join(dir, v)));
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const e = result.error;
    if (e?.kind === 'compile' && e.file) {
      const line = Math.max(0, (e.line ?? 1) - 1);
      const d = new vscode.Diagnostic(new vscode.Range(line, Math.max(0, (e.column ?? 1) - 1), line, Number.MAX_SAFE_INTEGER), `Does not compile: ${e.message}`, vscode.DiagnosticSeverity.Error);
      d.source = 'Serverless Lab';
      diagnostics.set(vscode.Uri.file(e.file), [d]);
      return;
    }
    for (const h of result.handlerErrors) {
      const line = Math.max(0, h.line - 1);
      const d = new vscode.Diagnostic(new vscode.Range(line, Math.max(0, h.column - 1), line, Number.MAX_SAFE_INTEGER), `${h.message}${h.count > 1 ? ` (${h.count} invocations)` : ''}`, vscode.DiagnosticSeverity.Error);
      d.source = 'Serverless Lab';
      byFile.set(h.file, [...(byFile.get(h.file) ?? []), d]);
    }
    for (const u of result.unawaitedCalls ?? []) {
      const line = Math.max(0, u.line - 1);
      const fate = `${u.count} invocation${u.count === 1 ? '' : 's'} returned with it in flight: ${u.completedLater} completed in a later invocation, ${u.neverCompleted} never`;
      const d = new vscode.Diagnostic(new vscode.Range(line, Math.max(0, u.column - 1), line, Number.MAX_SAFE_INTEGER), `${u.message} (${fate})`, vscode.DiagnosticSeverity.Warning);
      d.source = 'Serverless Lab';
      d.code = 'unawaited-call';
      byFile.set(u.file, [...(byFile.get(u.file) ?? []), d]);
    }
    for (const [file, list] of byFile) diagnostics.set(vscode.Uri.file(file), list);
  };

  const check = async (lessonId: string, run?: vscode.TestRun): Promise<LessonRunResult | undefined> => {
    const lesson = byId(lessonId);
    if (!lesson?.exercise) {
      void vscode.window.showErrorMessage(`Serverless Lab: lesson "${lessonId}" has no exercise.`);
      return undefined;
    }
    const dir = learnerDir(lesson);
    if (!fs.existsSync(dir)) {
      const text = `Start the exercise first: Start Exercise puts ${lesson.exercise.files.join(', ')} in your workspace, then Run Checks judges it.`;
      const item = controller.items.get(lesson.id);
      if (run && item) run.errored(item, new vscode.TestMessage(text));
      lessons.panel.notify(lesson.id, text, 'warning');
      void vscode.window.showWarningMessage(`Serverless Lab: ${text}`, 'Start Exercise').then((pick) => pick && vscode.commands.executeCommand('serverlessLab.startLesson', lesson.id));
      return undefined;
    }
    lessons.panel.setRun(lesson.id, undefined);
    let result: LessonRunResult;
    try {
      const rt = await runtime.get();
      // One runtime request per seed (each within its deadline), stopping at the first that fails.
      result = await checkOverSeedsAsync(checkSeeds(), undefined, (seed) =>
        rt.request<LessonRunResult>({ type: 'check', lessonDir: lesson.dir, handlerDir: dir, ...(seed !== undefined ? { seed } : {}) }),
      );
    } catch (err) {
      lessons.panel.setRun(lesson.id, { status: 'error', headline: `The checks could not run: ${(err as Error).message}`, passed: 0, total: 0, checks: [], logs: [], logsDropped: 0 });
      throw err;
    }
    updateDiagnostics(lesson, result);
    if (result.error?.file) lastError.set(lesson.id, new vscode.Location(vscode.Uri.file(result.error.file), new vscode.Position(Math.max(0, (result.error.line ?? 1) - 1), Math.max(0, (result.error.column ?? 1) - 1))));
    else lastError.delete(lesson.id);
    if (run) report(run, lesson, result);
    const seeds = seedVerdict(result);
    output.info(`checks for ${lesson.id}: ${result.outcomes.filter((o) => o.pass).length}/${result.outcomes.length} passed in ${result.wallMs} ms${seeds ? ` (${seeds})` : ''}`);
    const wasDone = lessons.progress.isDone(lesson.id);
    await lessons.progress.recordChecks(lesson.id, result.error ? [] : result.outcomes);
    lessons.panel.setRun(lesson.id, pageResult(result, relative));
    if (!wasDone && lessons.progress.isDone(lesson.id)) {
      const next = lessons.catalog().lessons[lessons.catalog().lessons.findIndex((l) => l.id === lesson.id) + 1];
      void vscode.window
        .showInformationMessage(`Serverless Lab: every check of "${lesson.title}" passes. Lesson done!`, ...(next ? ['Next Lesson'] : []))
        .then((pick) => pick && vscode.commands.executeCommand('serverlessLab.nextLesson', lesson.id));
    }
    return result;
  };

  const runChecks = async (request: vscode.TestRunRequest, token: vscode.CancellationToken) => {
    const run = controller.createTestRun(request);
    const wanted = new Set<string>();
    const include = request.include ?? [...gather(controller.items)];
    for (const item of include) wanted.add(item.id.split('/')[0]);
    try {
      for (const id of wanted) {
        if (token.isCancellationRequested) break;
        const item = controller.items.get(id);
        if (item) {
          if (item.canResolveChildren) resolveChecks(item);
          run.started(item);
          item.children.forEach((c) => run.started(c));
        }
        try {
          await check(id, run);
        } catch (err) {
          if (item) run.errored(item, new vscode.TestMessage(`the checks could not run: ${(err as Error).message}`));
        }
      }
    } finally {
      run.end();
    }
  };
  controller.createRunProfile('Run Checks', vscode.TestRunProfileKind.Run, runChecks, true);

  const start = async (lessonId: string) => {
    const lesson = byId(lessonId);
    if (!lesson) return void vscode.window.showErrorMessage(`Serverless Lab: no lesson with id "${lessonId}".`);
    await lessons.open(lesson.id);
    if (!lesson.exercise) return;
    const dir = learnerDir(lesson);
    copyStarter(context, lesson, dir, false);
    await lessons.progress.start(lesson.id);
    refreshItems();
    lessons.panel.refresh();
    const first = vscode.Uri.file(path.join(dir, lesson.exercise.files[0]));
    const groups = vscode.window.tabGroups.all.length;
    await vscode.window.showTextDocument(first, { viewColumn: besidePage(), preview: false });
    // A new column beside the page gets most of the width: the starter's TODO comments are the
    // instructions and must not run off the edge; the page reads fine narrower.
    if (groups === 1 && vscode.window.tabGroups.all.length === 2) {
      await vscode.commands.executeCommand('vscode.setEditorLayout', { orientation: 0, groups: [{ size: 0.4 }, { size: 0.6 }] }).then(undefined, () => undefined);
    }
  };

  const reset = async (lessonId: string): Promise<string | undefined> => {
    const lesson = byId(lessonId);
    if (!lesson?.exercise) throw new Error(`lesson "${lessonId}" has no exercise`);
    const backup = copyStarter(context, lesson, learnerDir(lesson), true);
    await lessons.progress.resetLesson(lesson.id);
    const item = controller.items.get(lesson.id);
    if (item) controller.invalidateTestResults(item);
    lessons.panel.clearResult(lesson.id);
    return backup;
  };

  const pickExercise = async (arg: unknown, placeHolder: string): Promise<string | undefined> => {
    if (typeof arg === 'string') return arg;
    const current = lessons.panel.current;
    if (current?.exercise) return current.id;
    const pick = await vscode.window.showQuickPick(
      lessons.catalog().lessons.filter((l) => l.exercise).map((l) => ({ label: l.title, description: l.summary, id: l.id })),
      { placeHolder },
    );
    return pick?.id;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('serverlessLab.startLesson', async (arg?: unknown) => {
      const id = await pickExercise(arg, 'Start which lesson?');
      if (id) await start(id);
    }),
    vscode.commands.registerCommand('serverlessLab.runChecks', async (arg?: unknown) => {
      const id = await pickExercise(arg, 'Run the checks of which lesson?');
      const item = id ? controller.items.get(id) : undefined;
      if (!id || !item) return;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking "${byId(id)?.title}"…` }, () =>
        runChecks(new vscode.TestRunRequest([item]), new vscode.CancellationTokenSource().token),
      );
    }),
    vscode.commands.registerCommand('serverlessLab.showHint', async (arg?: unknown) => {
      const id = await pickExercise(arg, 'Show a hint for which lesson?');
      const lesson = id ? byId(id) : undefined;
      if (!lesson?.exercise) return;
      const shown = hintsShown();
      const n = Math.min((shown[lesson.id] ?? 0) + 1, lesson.exercise.hints.length);
      await store.update(HINTS_KEY, { ...shown, [lesson.id]: n });
      const list = lesson.exercise.hints.slice(0, n);
      // On the page when it is open (under the results, where the learner is looking); else a notification.
      if (lessons.panel.current?.id === lesson.id) lessons.panel.setHints(lesson.id, list);
      else void vscode.window.showInformationMessage(`Hint ${n}/${lesson.exercise.hints.length}: ${list[n - 1]}`, { modal: false });
    }),
    vscode.commands.registerCommand('serverlessLab.showReferenceSolution', async (arg?: unknown) => {
      const id = await pickExercise(arg, 'Show the reference solution of which lesson?');
      const lesson = id ? byId(id) : undefined;
      if (!lesson?.exercise) return;
      // After a pass it opens at once; before, it asks: seeing the answer first spoils the exercise.
      if (!lessons.progress.isDone(lesson.id)) {
        const ok = await vscode.window.showWarningMessage(
          `"${lesson.title}" has not passed yet. Show the reference solution anyway? Working it out yourself is most of the lesson.`,
          { modal: true },
          'Show Reference Solution',
        );
        if (ok !== 'Show Reference Solution') return;
      }
      const dir = learnerDir(lesson);
      const located = locateExerciseFiles(dir, lesson.exercise.files);
      const shown = [];
      for (const l of located) {
        const reference = vscode.Uri.file(path.join(lesson.dir, 'solution', l.file));
        // Beside the learner's file (its .ts or .js), as a diff: reference on the left, yours on the right.
        const mine = l.found !== undefined ? vscode.Uri.file(path.join(dir, l.found)) : undefined;
        if (mine) await vscode.commands.executeCommand('vscode.diff', reference, mine, `${path.basename(l.file)}: reference ↔ yours`, { viewColumn: vscode.ViewColumn.Beside, preview: false });
        else await vscode.window.showTextDocument(reference, { viewColumn: vscode.ViewColumn.Beside, preview: false });
        shown.push(l.file);
      }
      output.info(`reference solution of ${lesson.id} shown: ${shown.join(', ')}`);
    }),
    vscode.commands.registerCommand('serverlessLab.resetLesson', async (arg?: unknown) => {
      const id = await pickExercise(arg, 'Reset which lesson?');
      const lesson = id ? byId(id) : undefined;
      if (!lesson?.exercise) return;
      const ok = await vscode.window.showWarningMessage(
        `Reset "${lesson.title}"? Your files are moved to a backup folder and the starter files restored.`,
        { modal: true },
        'Reset Exercise',
      );
      if (ok !== 'Reset Exercise') return;
      const backup = await reset(lesson.id);
      void vscode.window.showInformationMessage(`Serverless Lab: "${lesson.title}" was reset${backup ? `; your files are in ${backup}` : ''}.`);
    }),
    vscode.workspace.onDidSaveTextDocument(async (doc) => {
      if (!vscode.workspace.getConfiguration('serverlessLab').get<boolean>('checks.runOnSave')) return;
      const lesson = lessons.catalog().lessons.find((l) => l.exercise && doc.uri.fsPath.startsWith(learnerDir(l) + path.sep));
      const item = lesson && controller.items.get(lesson.id);
      if (item) await runChecks(new vscode.TestRunRequest([item]), new vscode.CancellationTokenSource().token);
    }),
  );

  return { learnerDir, start, check: (id) => check(id), reset, controller, diagnostics };
}

function* gather(items: vscode.TestItemCollection): Iterable<vscode.TestItem> {
  const out: vscode.TestItem[] = [];
  items.forEach((i) => out.push(i));
  yield* out;
}

/**
 * Puts the starter files (and the handler API typings) in the learner's folder. Existing files are
 * kept unless `reset`, which first moves them to `.backup/<time>/` (returned).
 */
function copyStarter(context: vscode.ExtensionContext, lesson: Lesson, dir: string, reset: boolean): string | undefined {
  if (!lesson.exercise) return undefined;
  fs.mkdirSync(dir, { recursive: true });
  let backup: string | undefined;
  for (const file of lesson.exercise.files) {
    const target = path.join(dir, file);
    // The learner's version may be the JavaScript twin (handler.js for handler.ts).
    const present = fileVariants(file).filter((v) => fs.existsSync(path.join(dir, v)));
    if (present.length) {
      if (!reset) continue;
      backup ??= path.join(dir, '.backup', new Date().toISOString().replace(/[:.]/g, '-'));
      for (const v of present) {
        fs.mkdirSync(path.dirname(path.join(backup, v)), { recursive: true });
        fs.copyFileSync(path.join(dir, v), path.join(backup, v));
        fs.rmSync(path.join(dir, v));
      }
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(lesson.dir, 'starter', file), target);
  }
  // Completion for `import … from 'serverless-lab'` in the learner's files.
  const root = path.dirname(dir);
  fs.copyFileSync(vscode.Uri.joinPath(context.extensionUri, 'types', 'serverless-lab.d.ts').fsPath, path.join(root, 'serverless-lab.d.ts'));
  const tsconfig = path.join(root, 'tsconfig.json');
  if (!fs.existsSync(tsconfig)) {
    fs.writeFileSync(tsconfig, JSON.stringify(LEARNER_TSCONFIG, null, 2));
  }
  return backup;
}
