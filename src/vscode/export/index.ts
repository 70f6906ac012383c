/**
 * **Serverless Lab: Export to AWS SAM…**: the open lesson (with the learner's files), a scenario
 * file or the playground, written as an AWS SAM application by `src/export` (the same code as
 * `serverless-lab export`). Asks what to export (what is open is offered first) and where, then opens
 * template.yaml and LAB-ONLY.md. A refused export lists every problem (the setting and the AWS rule)
 * in the output channel and writes nothing.
 *
 * Tests (and keybindings) may pass the choices: `{ source: 'lesson', lessonId, out, force }`,
 * `{ source: 'scenario', file, out }` or `{ source: 'playground', out }`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatProblem } from '../../engine/scenario';
import { ExportError, exportProject, type ExportResult, type ExportSource } from '../../export/project';
import { playgroundScenario } from '../../export/playground';
import type { Lesson } from '../../lessons/model';
import type { ExercisesFeature } from '../exercises';
import type { LessonsFeature } from '../lessons';
import type { PlaygroundFeature } from '../playground';

export const EXPORT_COMMAND = 'serverlessLab.exportSam';

export interface ExportArgs {
  source?: 'lesson' | 'scenario' | 'playground';
  lessonId?: string;
  file?: string;
  out?: string;
  force?: boolean;
}

export interface ExportFeature {
  /** The last export written (tests read it). */
  last(): ExportResult | undefined;
  /** The error message the last refused export showed (tests read it). */
  lastRefusal(): string | undefined;
}

interface Choice extends vscode.QuickPickItem {
  resolve: () => ExportSource;
  defaultName: string;
}

export function registerExport(context: vscode.ExtensionContext, lessons: LessonsFeature, exercises: ExercisesFeature, playground: PlaygroundFeature, output: vscode.LogOutputChannel): ExportFeature {
  let last: ExportResult | undefined;
  let refusal: string | undefined;

  const lessonSource = (lesson: Lesson): ExportSource => {
    const dir = exercises.learnerDir(lesson);
    const missing = (lesson.exercise?.files ?? []).filter((f) => !fs.existsSync(path.join(dir, f)));
    if (missing.length) throw new Error(`lesson ${lesson.id}: your files are not there yet (${missing.join(', ')} in ${dir}): run "Start Exercise" first`);
    const scenario = JSON.parse(fs.readFileSync(path.join(lesson.dir, lesson.exercise!.scenario), 'utf8')) as unknown;
    return { scenario, baseDir: dir, label: `lesson ${lesson.id}` };
  };
  const scenarioSource = (file: string): ExportSource => ({ scenario: JSON.parse(fs.readFileSync(file, 'utf8')) as unknown, baseDir: path.dirname(file), label: `scenario ${path.basename(file)}` });
  const playgroundSource = (): ExportSource => {
    const journal = playground.session.savedJournal;
    const p = playgroundScenario(journal);
    // The journal goes along, so `serverless-lab export playground --journal playground.journal.json` can export it again.
    return { scenario: p.scenario, baseDir: p.baseDir, label: 'the playground', extraFiles: { 'playground.journal.json': `${JSON.stringify(journal, null, 2)}\n` } };
  };

  /** The lesson whose page is open, or whose files the active editor shows. */
  const openLesson = (): Lesson | undefined => {
    const current = lessons.panel.current;
    if (current?.exercise) return current;
    const file = vscode.window.activeTextEditor?.document.uri.fsPath;
    if (!file) return undefined;
    return lessons.catalog().lessons.find((l) => l.exercise && file.startsWith(exercises.learnerDir(l) + path.sep));
  };

  const choices = (): Choice[] => {
    const out: Choice[] = [];
    const lesson = openLesson();
    if (lesson) out.push({ label: `$(book) Lesson: ${lesson.title}`, description: 'your files', resolve: () => lessonSource(lesson), defaultName: `${lesson.id}-sam` });
    const active = vscode.window.activeTextEditor?.document.uri.fsPath;
    if (active?.endsWith('.scenario.json') || (active?.endsWith('.json') && /"functions"\s*:/.test(vscode.window.activeTextEditor!.document.getText()))) {
      out.push({ label: `$(file) Scenario: ${path.basename(active)}`, description: path.dirname(active), resolve: () => scenarioSource(active), defaultName: `${path.basename(active).replace(/(\.scenario)?\.json$/, '')}-sam` });
    }
    if (playground.session.savedJournal.length) out.push({ label: '$(symbol-event) The playground', description: `${playground.session.savedJournal.length} commands`, resolve: playgroundSource, defaultName: 'playground-sam' });
    out.push({
      label: '$(folder-opened) A scenario file…',
      resolve: () => {
        throw new Error('pick');
      },
      defaultName: 'scenario-sam',
    });
    return out;
  };

  const run = async (args: ExportArgs = {}): Promise<ExportResult | undefined> => {
    let source: ExportSource;
    let defaultName = 'serverless-lab-sam';
    try {
      if (args.source === 'lesson') {
        const lesson = args.lessonId ? lessons.catalog().lessons.find((l) => l.id === args.lessonId) : openLesson();
        if (!lesson) throw new Error(args.lessonId ? `no lesson "${args.lessonId}"` : 'no lesson is open');
        source = lessonSource(lesson);
        defaultName = `${lesson.id}-sam`;
      } else if (args.source === 'scenario') {
        if (!args.file) throw new Error('a scenario file is needed');
        source = scenarioSource(args.file);
      } else if (args.source === 'playground') {
        source = playgroundSource();
        defaultName = 'playground-sam';
      } else {
        const pick = await vscode.window.showQuickPick(choices(), { title: 'Export to AWS SAM', placeHolder: 'What to export as an AWS SAM application' });
        if (!pick) return undefined;
        defaultName = pick.defaultName;
        if (pick.label.startsWith('$(folder-opened)')) {
          const files = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Scenario files': ['json'] }, title: 'Scenario to export' });
          if (!files?.length) return undefined;
          source = scenarioSource(files[0].fsPath);
          defaultName = `${path.basename(files[0].fsPath).replace(/(\.scenario)?\.json$/, '')}-sam`;
        } else source = pick.resolve();
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`Serverless Lab: cannot export: ${(err as Error).message}`);
      return undefined;
    }

    let out = args.out;
    if (!out) {
      const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(context.globalStorageUri.fsPath);
      const picked = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(base, defaultName), title: 'Folder for the SAM application', saveLabel: 'Export here' });
      if (!picked) return undefined;
      out = picked.fsPath;
    }
    let force = args.force ?? false;
    // Asked only when the folder was picked here; a caller that passes `out` passes `force` too.
    if (!force && !args.out && fs.existsSync(out) && fs.statSync(out).isDirectory() && fs.readdirSync(out).length > 0) {
      const answer = await vscode.window.showWarningMessage(`${out} is not empty. Replace the files the export writes?`, { modal: true }, 'Replace');
      if (answer !== 'Replace') return undefined;
      force = true;
    }
    try {
      const result = exportProject(source, out, { force });
      last = result;
      output.info(`export: ${source.label} → ${result.outDir} (${result.files.length} files, ${result.labOnly.length} lab-only settings)`);
      const template = await vscode.workspace.openTextDocument(path.join(result.outDir, 'template.yaml'));
      await vscode.window.showTextDocument(template, { preview: false });
      const labOnly = await vscode.workspace.openTextDocument(path.join(result.outDir, 'LAB-ONLY.md'));
      await vscode.window.showTextDocument(labOnly, { preview: false, viewColumn: vscode.ViewColumn.Beside });
      void vscode.window.showInformationMessage(`Serverless Lab: exported ${source.label} to ${result.outDir}. Deploy with: sam build && sam deploy --guided`);
      return result;
    } catch (err) {
      if (!(err instanceof ExportError)) throw err;
      output.error(`export: cannot export ${source.label}: ${err.problems.length} problem(s), nothing written`);
      for (const p of err.problems) output.error(`  ${formatProblem(p)}`);
      refusal = `Serverless Lab: cannot export ${source.label} to AWS (nothing written): ${err.problems
        .slice(0, 3)
        .map((p) => formatProblem(p))
        .join('; ')}${err.problems.length > 3 ? `; and ${err.problems.length - 3} more (see the output)` : ''}`;
      void vscode.window.showErrorMessage(refusal);
      return undefined;
    }
  };

  context.subscriptions.push(vscode.commands.registerCommand(EXPORT_COMMAND, (args?: ExportArgs) => run(args)));
  return { last: () => last, lastRefusal: () => refusal };
}
