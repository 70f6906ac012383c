import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RenderedMessage } from '../../diagram/protocol';
import type { PlaygroundResponse } from '../../playground/types';
import type { ExercisesFeature } from '../exercises';
import type { LessonsFeature } from '../lessons';
import type { RuntimeFeature } from '../runtime';
import { ScenarioPlayer, type PlayerApi, type ScenarioSource } from './player';
import { PlaygroundDiagram, type PlaygroundDiagramApi } from './playground';

/**
 * The live diagrams: a lesson's (or any scenario file's) topology rendered once with Mermaid, with
 * the run's trace animated on top, and the same for the broker playground. Data flows one way:
 * runtime trace pushes → OverlayFeed (batched, ≤ ~60 updates/s) → webview; clicks in the webview
 * ask the host, which answers from its trace window. Pieces: view.ts (one panel + its pipeline),
 * player.ts (scenario: play, pause, step, speed, seek), playground.ts (no player: commands move time).
 */
export interface DiagramFeature {
  open(target: string): Promise<void>;
  openPlayground(): Promise<void>;
  /** The scenario diagram rendered a topology. */
  readonly onDidRender: vscode.Event<RenderedMessage>;
  /** Updates posted to the scenario diagram so far (tests read this). */
  readonly posted: { updates: number; records: number };
  readonly scenario: PlayerApi;
  readonly playground: PlaygroundDiagramApi;
  /** The playground diagram asks for snapshots through the playground's session (which restores a saved playground first). */
  usePlaygroundSession(session: { query(q: { op: 'snapshot' }): Promise<PlaygroundResponse> }): void;
}

export function registerDiagram(context: vscode.ExtensionContext, lessons: LessonsFeature, exercises: ExercisesFeature, runtime: RuntimeFeature, output: vscode.LogOutputChannel): DiagramFeature {
  // The diagram opens beside the lesson page (in the column of the learner's handler), never in a third column.
  const besidePage = () => {
    const page = lessons.panel.column;
    return page === undefined ? undefined : ((page + 1) as vscode.ViewColumn);
  };
  const player = new ScenarioPlayer(context, output, runtime, besidePage);
  const playground = new PlaygroundDiagram(context, output, runtime);

  const resolveTarget = (target: string): ScenarioSource | undefined => {
    const lesson = lessons.catalog().lessons.find((l) => l.id === target);
    if (lesson?.exercise) {
      const mine = exercises.learnerDir(lesson);
      return { scenarioFile: path.join(lesson.dir, lesson.exercise.scenario), handlerDir: fs.existsSync(mine) ? mine : path.join(lesson.dir, 'solution'), title: lesson.title };
    }
    if (target.endsWith('.json') && fs.existsSync(target)) return { scenarioFile: target, handlerDir: path.dirname(target), title: path.basename(target) };
    return undefined;
  };

  const open = async (target: string) => {
    const resolved = resolveTarget(target);
    if (!resolved) {
      void vscode.window.showErrorMessage(`Serverless Lab: "${target}" is neither a lesson with an exercise nor a scenario file.`);
      return;
    }
    await player.open(resolved);
    await lessons.progress.reach('openedDiagram');
  };

  const reportFailure = (what: string) => (err: unknown) => void vscode.window.showErrorMessage(`Serverless Lab: cannot open the ${what}: ${(err as Error).message}`);

  context.subscriptions.push(
    vscode.commands.registerCommand('serverlessLab.openDiagram', async (arg?: unknown) => {
      let target = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
      target ??= lessons.panel.current?.id;
      const active = vscode.window.activeTextEditor?.document.uri.fsPath;
      if (!target && active?.endsWith('.scenario.json')) target = active;
      if (!target) {
        const pick = await vscode.window.showQuickPick(lessons.catalog().lessons.filter((l) => l.exercise).map((l) => ({ label: l.title, id: l.id })), { placeHolder: 'Open the diagram of which lesson?' });
        target = pick?.id;
      }
      if (target) await open(target).catch(reportFailure('diagram'));
    }),
    vscode.commands.registerCommand('serverlessLab.openPlaygroundDiagram', () =>
      playground
        .open()
        .then(() => lessons.progress.reach('openedDiagram'))
        .catch(reportFailure('playground diagram')),
    ),
  );
  return {
    open,
    openPlayground: () => playground.open(),
    onDidRender: player.view.onDidRender,
    posted: player.view.posted,
    scenario: player,
    playground,
    usePlaygroundSession: (session) => playground.useSession(session),
  };
}
