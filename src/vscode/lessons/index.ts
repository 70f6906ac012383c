import * as vscode from 'vscode';
import { loadChecks } from '../../lessons/checkList';
import { loadCatalog } from '../../lessons/loader';
import { Catalog, Lesson } from '../../lessons/model';
import { Progress } from '../../lessons/progress';
import { LessonPanel } from './lessonPanel';
import { LessonsView } from './lessonsView';
import { userStore } from '../storage';
import { stepsToTick, walkthroughSteps } from './walkthroughSteps';

/** What the lessons feature offers the rest of the extension (and tests, through the extension API). */
export interface LessonsFeature {
  catalog(): Catalog;
  progress: Progress;
  panel: LessonPanel;
  open(lessonId: string): Promise<Lesson | undefined>;
  /** The Lessons view as the tree provider renders it (for tests and accessibility checks). */
  treeRows(): TreeRow[];
  /** The context keys the walkthrough's steps complete on, as last set (tests read them). */
  walkthroughKeys(): Record<string, boolean>;
}

export interface TreeRow {
  id: string;
  label: string;
  description?: string;
  children: TreeRow[];
}

/** Lessons view, lesson page and lesson commands. */
export function registerLessons(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LessonsFeature {
  const root = vscode.Uri.joinPath(context.extensionUri, 'lessons').fsPath;
  let catalog: Catalog = { sections: [], lessons: [] };
  const reload = () => {
    const { catalog: loaded, problems } = loadCatalog(root);
    catalog = loaded;
    for (const p of problems) output.error(`Lesson problem in ${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.message}`);
    if (problems.length) {
      void vscode.window.showWarningMessage(`Serverless Lab: ${problems.length} lesson file problem(s); see the Serverless Lab output.`, 'Show Output').then((pick) => pick && output.show());
    }
  };
  reload();

  const progress = new Progress(userStore(context, (m) => output.error(m)));
  const titles = new Map<string, Map<string, string>>();
  const checkTitle = (lesson: Lesson, id: string): string => {
    let byId = titles.get(lesson.id);
    if (!byId) {
      byId = new Map();
      try {
        for (const c of loadChecks(lesson)) byId.set(c.id, c.title);
      } catch {
        // unreadable checks.js: the ids stand in (the Test Explorer reports the problem)
      }
      titles.set(lesson.id, byId);
    }
    return byId.get(id) ?? id;
  };
  const view = new LessonsView(() => catalog, progress, checkTitle);
  const tree = vscode.window.createTreeView('serverlessLab.lessons', { treeDataProvider: view, showCollapseAll: true });
  const nextOf = (id: string) => {
    const i = catalog.lessons.findIndex((l) => l.id === id);
    return i >= 0 ? catalog.lessons[i + 1] : undefined;
  };
  const panel = new LessonPanel(context.extensionUri, (id) => progress.isDone(id), (id, done) => progress.setDone(id, done), nextOf);
  let walkthroughKeys: Record<string, boolean> = {};
  const steps = walkthroughSteps(context.extension.id, context.extension.packageJSON);
  /** Steps told to VS Code as done in this session (see walkthroughSteps.ts for why). */
  const ticked = new Set<string>();
  let tickFailed = false;
  const tickSteps = () => {
    for (const id of stepsToTick(steps, walkthroughKeys, ticked)) {
      ticked.add(id);
      void Promise.resolve(vscode.commands.executeCommand('welcome.markStepComplete', id)).then(undefined, (err: unknown) => {
        // A host without the command: the steps tick only on the events VS Code sees itself.
        if (!tickFailed) output.warn(`walkthrough: could not tick ${id}: ${(err as Error)?.message ?? err}`);
        tickFailed = true;
      });
    }
  };
  const updateBadge = () => {
    const ids = catalog.lessons.map((l) => l.id);
    const summary = progress.summary(ids);
    tree.message = summary.total ? undefined : 'No lessons found.';
    tree.description = `${summary.done}/${summary.total}${summary.skipped ? ` (${summary.skipped} skipped)` : ''}`;
    // The walkthrough's steps complete on these (package.json `completionEvents: onContext:…`).
    const first = ids[0];
    const keys: Record<string, boolean> = {
      'serverlessLab.progress.readFirstLesson': first !== undefined && (progress.isDone(first) || progress.isVisited(first)),
      'serverlessLab.progress.startedExercise': summary.started > 0,
      'serverlessLab.progress.ranChecks': summary.checked > 0,
      'serverlessLab.progress.passedExercise': catalog.lessons.some((l) => l.exercise && progress.isDone(l.id)),
      'serverlessLab.progress.allDone': summary.total > 0 && summary.done === summary.total,
      'serverlessLab.progress.any': summary.started > 0 || summary.done > 0 || summary.checked > 0 || summary.skipped > 0,
      'serverlessLab.progress.openedDiagram': progress.reached('openedDiagram'),
      'serverlessLab.progress.usedPlayground': progress.reached('usedPlayground'),
      'serverlessLab.progress.checkedRuntime': progress.reached('checkedRuntime'),
      'serverlessLab.progress.openedLessons': progress.reached('openedLessons'),
    };
    walkthroughKeys = keys;
    for (const [key, value] of Object.entries(keys)) void vscode.commands.executeCommand('setContext', key, value);
    tickSteps();
  };
  updateBadge();
  // The Lessons view shown once (the walkthrough's "Open the Lessons view").
  const sawTree = () => {
    if (tree.visible) void progress.reach('openedLessons');
  };
  sawTree();
  context.subscriptions.push(tree.onDidChangeVisibility(sawTree));
  /** What the palette shows depends on the lesson page in front (package.json `menus.commandPalette`). */
  const updateLessonKeys = () => {
    const lesson = panel.current;
    const keys: Record<string, boolean> = {
      'serverlessLab.lessonOpen': lesson !== undefined,
      'serverlessLab.lessonHasExercise': Boolean(lesson?.exercise),
      'serverlessLab.lessonDone': lesson !== undefined && progress.isDone(lesson.id),
    };
    for (const [key, value] of Object.entries(keys)) void vscode.commands.executeCommand('setContext', key, value);
  };
  panel.onDidChangeLesson(updateLessonKeys);
  context.subscriptions.push(
    tree,
    panel,
    progress.onDidChange(updateLessonKeys),
    progress.onDidChange(() => {
      view.refresh();
      panel.refresh();
      updateBadge();
    }),
  );

  const byId = (id: string) => catalog.lessons.find((l) => l.id === id);
  const pickLesson = async (placeHolder: string): Promise<Lesson | undefined> => {
    const items = catalog.lessons.map((lesson) => ({
      label: `${progress.isDone(lesson.id) ? '$(pass-filled)' : '$(circle-large-outline)'} ${lesson.title}`,
      description: catalog.sections.find((s) => s.id === lesson.section)?.title,
      detail: lesson.summary,
      lesson,
    }));
    return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true }))?.lesson;
  };
  /** Accepts a lesson id (from the tree, a link or a test), or asks. */
  const resolve = async (arg: unknown, placeHolder: string): Promise<Lesson | undefined> => {
    const id = typeof arg === 'string' ? arg : (arg as { lesson?: Lesson } | undefined)?.lesson?.id;
    if (id === undefined) return panel.current ?? pickLesson(placeHolder);
    const lesson = byId(id);
    if (!lesson) void vscode.window.showErrorMessage(`Serverless Lab: no lesson with id "${id}".`);
    return lesson;
  };

  const open = async (lessonId: string) => {
    const lesson = byId(lessonId);
    if (!lesson) return undefined;
    panel.show(lesson);
    await progress.visit(lesson.id);
    return lesson;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('serverlessLab.openLesson', async (arg?: unknown) => {
      const lesson = typeof arg === 'string' || arg ? await resolve(arg, 'Open which lesson?') : await pickLesson('Open which lesson?');
      if (lesson) await open(lesson.id);
    }),
    vscode.commands.registerCommand('serverlessLab.resumeLesson', async () => {
      const last = progress.lastLesson && byId(progress.lastLesson);
      const next = last && !progress.isDone(last.id) ? last : catalog.lessons.find((l) => !progress.isDone(l.id)) ?? last ?? catalog.lessons[0];
      if (next) await open(next.id);
      else void vscode.window.showInformationMessage('Serverless Lab: no lessons found.');
    }),
    vscode.commands.registerCommand('serverlessLab.nextLesson', async (arg?: unknown) => {
      const from = typeof arg === 'string' ? byId(arg) : panel.current;
      const next = from ? nextOf(from.id) : catalog.lessons.find((l) => !progress.isDone(l.id));
      if (next) await open(next.id);
      else void vscode.window.showInformationMessage('Serverless Lab: that was the last lesson.');
    }),
    vscode.commands.registerCommand('serverlessLab.showLessons', () => vscode.commands.executeCommand('serverlessLab.lessons.focus')),
    vscode.commands.registerCommand('serverlessLab.skipLesson', async (arg?: unknown) => {
      const lesson = await resolve(arg, 'Skip which lesson?');
      if (!lesson || progress.isDone(lesson.id)) return;
      const ok = await vscode.window.showInformationMessage(
        `Skip "${lesson.title}"? It is recorded as skipped, not done: you can come back to it any time, and passing its checks later makes it done.`,
        { modal: true },
        'Skip Lesson',
      );
      if (ok !== 'Skip Lesson') return;
      await progress.skip(lesson.id);
      const at = catalog.lessons.findIndex((l) => l.id === lesson.id);
      const next = catalog.lessons.slice(at + 1).find((l) => !progress.isDone(l.id) && !progress.isSkipped(l.id));
      if (next) await open(next.id);
    }),
    vscode.commands.registerCommand('serverlessLab.openLessonSection', async (id?: unknown, section?: unknown) => {
      // From a failing check's link: the lesson page, scrolled to the section that explains the rule.
      const lesson = typeof id === 'string' ? byId(id) : undefined;
      if (!lesson) return;
      await open(lesson.id);
      if (typeof section === 'string' && section) panel.revealSection(section);
    }),
    vscode.commands.registerCommand('serverlessLab.markLessonDone', async (arg?: unknown) => {
      const lesson = await resolve(arg, 'Mark which lesson as done?');
      if (lesson) await progress.setDone(lesson.id, true);
    }),
    vscode.commands.registerCommand('serverlessLab.markLessonNotDone', async (arg?: unknown) => {
      const lesson = await resolve(arg, 'Mark which lesson as not done?');
      if (lesson) await progress.setDone(lesson.id, false);
    }),
    vscode.commands.registerCommand('serverlessLab.resetProgress', async () => {
      const ok = await vscode.window.showWarningMessage('Reset all Serverless Lab progress? Every lesson will be marked not done.', { modal: true }, 'Reset Progress');
      if (ok === 'Reset Progress') await progress.reset();
    }),
    vscode.commands.registerCommand('serverlessLab.refreshLessons', () => {
      reload();
      view.refresh();
      updateBadge();
    }),
  );

  const treeRows = (node?: Parameters<LessonsView['getChildren']>[0]): TreeRow[] =>
    view.getChildren(node).map((child) => {
      const item = view.getTreeItem(child);
      return {
        id: item.id ?? '',
        label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
        ...(typeof item.description === 'string' ? { description: item.description } : {}),
        children: treeRows(child),
      };
    });

  return { catalog: () => catalog, progress, panel, open, treeRows: () => treeRows(), walkthroughKeys: () => ({ ...walkthroughKeys }) };
}
