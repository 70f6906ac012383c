import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadChecks } from '../../lessons/checkList';
import { fileVariants } from '../../lessons/exerciseFiles';
import type { LessonRunResult } from '../../lessons/checker';
import type { Lesson } from '../../lessons/model';
import type { LessonsFeature } from '../lessons';
import type { RuntimeFeature } from '../runtime';
import { userStore } from '../storage';

/**
 * Exercises in the editor: "Start Lesson" puts the starter files in the workspace, the lesson's
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

  // ---- Test Explorer items: one per lesson with an exercise, one child per check. A lesson's checks
  // (its checks.js) are read only when the Test Explorer expands it or a run needs them: reading all
  // fifteen at activation would cost more than the rest of activation together.
  const resolveChecks = (item: vscode.TestItem) => {
    const lesson = byId(item.id);
    if (!lesson || item.id.includes('/')) return;
    item.canResolveChildren = false;
    try {
      item.children.replace(loadChecks(lesson).map((check) => controller.createTestItem(`${lesson.id}/${check.id}`, check.title)));
      item.error = undefined;
    } catch (err) {
      item.error = `cannot read checks: ${(err as Error).message}`;
    }
  };
  const refreshItems = () => {
    const items: vscode.TestItem[] = [];
    for (const lesson of lessons.catalog().lessons.filter((l) => l.exercise)) {
      const item = controller.createTestItem(lesson.id, lesson.title);
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
  lessons.panel.hintsFor = (id) => byId(id)?.exercise?.hints.slice(0, hintsShown()[id] ?? 0) ?? [];

  const report = (run: vscode.TestRun, lesson: Lesson, result: LessonRunResult) => {
    const lessonItem = controller.items.get(lesson.id);
    if (!lessonItem) return;
    if (lessonItem.canResolveChildren) resolveChecks(lessonItem);
    for (const outcome of result.outcomes) {
      const item = lessonItem.children.get(`${lesson.id}/${outcome.id}`);
      if (!item) continue;
      if (outcome.pass) run.passed(item, result.wallMs);
      else {
        const text = new vscode.MarkdownString(
          `**${outcome.message}**\n\nExpected: ${outcome.expected}\n\nActual: ${outcome.actual}\n\nHint: ${outcome.hint}\n\n[Show another hint](command:serverlessLab.showHint?${encodeURIComponent(JSON.stringify([lesson.id]))})`,
        );
        text.isTrusted = { enabledCommands: ['serverlessLab.showHint'] };
        const message = new vscode.TestMessage(text);
        message.expectedOutput = outcome.expected;
        message.actualOutput = outcome.actual;
        const err = result.handlerErrors[0];
        if (err) message.location = new vscode.Location(vscode.Uri.file(err.file), new vscode.Position(Math.max(0, err.line - 1), Math.max(0, err.column - 1)));
        run.failed(item, message, result.wallMs);
      }
    }
    const allPass = !result.error && result.outcomes.length > 0 && result.outcomes.every((o) => o.pass);
    if (allPass) run.passed(lessonItem, result.wallMs);
    else run.failed(lessonItem, new vscode.TestMessage(result.error?.message ?? `${result.outcomes.filter((o) => !o.pass).length} of ${result.outcomes.length} checks failed`), result.wallMs);
  };

  const updateDiagnostics = (lesson: Lesson, result: LessonRunResult) => {
    const dir = learnerDir(lesson);
    for (const f of lesson.exercise?.files ?? []) for (const v of fileVariants(f)) diagnostics.delete(vscode.Uri.file(path.join(dir, v)));
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const e of result.handlerErrors) {
      const line = Math.max(0, e.line - 1);
      const d = new vscode.Diagnostic(new vscode.Range(line, Math.max(0, e.column - 1), line, Number.MAX_SAFE_INTEGER), `${e.message}${e.count > 1 ? ` (${e.count} invocations)` : ''}`, vscode.DiagnosticSeverity.Error);
      d.source = 'Serverless Lab';
      byFile.set(e.file, [...(byFile.get(e.file) ?? []), d]);
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
      const item = controller.items.get(lesson.id);
      if (run && item) run.errored(item, new vscode.TestMessage('Start the lesson first: "Serverless Lab: Start Lesson" puts its files in your workspace.'));
      return undefined;
    }
    const rt = await runtime.get();
    const result = await rt.request<LessonRunResult>({ type: 'check', lessonDir: lesson.dir, handlerDir: dir });
    updateDiagnostics(lesson, result);
    if (run) report(run, lesson, result);
    output.info(`checks for ${lesson.id}: ${result.outcomes.filter((o) => o.pass).length}/${result.outcomes.length} passed in ${result.wallMs} ms`);
    const wasDone = lessons.progress.isDone(lesson.id);
    await lessons.progress.recordChecks(lesson.id, result.error ? [] : result.outcomes);
    if (!wasDone && lessons.progress.isDone(lesson.id)) {
      void vscode.window.showInformationMessage(`Serverless Lab: every check of "${lesson.title}" passes. Lesson done!`);
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
    const first = vscode.Uri.file(path.join(dir, lesson.exercise.files[0]));
    await vscode.window.showTextDocument(first, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  };

  const reset = async (lessonId: string): Promise<string | undefined> => {
    const lesson = byId(lessonId);
    if (!lesson?.exercise) throw new Error(`lesson "${lessonId}" has no exercise`);
    const backup = copyStarter(context, lesson, learnerDir(lesson), true);
    await lessons.progress.resetLesson(lesson.id);
    const item = controller.items.get(lesson.id);
    if (item) controller.invalidateTestResults(item);
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
      void vscode.window.showInformationMessage(`Hint ${n}/${lesson.exercise.hints.length}: ${list[n - 1]}`, { modal: false });
      lessons.panel.setHints(lesson.id, list);
    }),
    vscode.commands.registerCommand('serverlessLab.resetLesson', async (arg?: unknown) => {
      const id = await pickExercise(arg, 'Reset which lesson?');
      const lesson = id ? byId(id) : undefined;
      if (!lesson?.exercise) return;
      const ok = await vscode.window.showWarningMessage(
        `Reset "${lesson.title}"? Your files are moved to a backup folder and the starter files restored.`,
        { modal: true },
        'Reset Lesson',
      );
      if (ok !== 'Reset Lesson') return;
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
    fs.writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', strict: true, noEmit: true, lib: ['ES2022'], types: [] }, include: ['**/*.ts', 'serverless-lab.d.ts'] }, null, 2));
  }
  return backup;
}
