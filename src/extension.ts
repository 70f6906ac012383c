import * as vscode from 'vscode';
import { registerDiagram } from './vscode/diagram';
import { registerExercises } from './vscode/exercises';
import { registerExport } from './vscode/export';
import { registerLessons } from './vscode/lessons';
import { registerPlayground } from './vscode/playground';
import { registerRuntime } from './vscode/runtime';

/** What activate() returns: used by the extension-host tests and by other extensions. */
export interface ServerlessLabApi {
  /** How long activate() took, in ms, and each feature's share. */
  activationMs: number;
  activationSteps: Record<string, number>;
  lessons: ReturnType<typeof registerLessons>;
  exercises: ReturnType<typeof registerExercises>;
  runtime: ReturnType<typeof registerRuntime>;
  diagram: ReturnType<typeof registerDiagram>;
  playground: ReturnType<typeof registerPlayground>;
  export: ReturnType<typeof registerExport>;
}

// activate() only wires features together: each feature registers its own views and commands.
export function activate(context: vscode.ExtensionContext): ServerlessLabApi {
  const started = performance.now();
  const steps: Record<string, number> = {};
  const timed = <T>(name: string, register: () => T): T => {
    const t0 = performance.now();
    const feature = register();
    steps[name] = +(performance.now() - t0).toFixed(2);
    return feature;
  };
  const output = vscode.window.createOutputChannel('Serverless Lab', { log: true });
  context.subscriptions.push(output);

  const lessons = timed('lessons', () => registerLessons(context, output));
  const runtime = timed('runtime', () => registerRuntime(context, output, () => void lessons.progress.reach('checkedRuntime')));
  const exercises = timed('exercises', () => registerExercises(context, lessons, runtime, output));
  const diagram = timed('diagram', () => registerDiagram(context, lessons, exercises, runtime, output));
  const playground = timed('playground', () => registerPlayground(context, runtime, output, () => void lessons.progress.reach('usedPlayground')));
  diagram.usePlaygroundSession(playground.session);
  const exported = timed('export', () => registerExport(context, lessons, exercises, playground, output));

  const activationMs = performance.now() - started;
  output.info(`activated in ${activationMs.toFixed(1)} ms (${Object.entries(steps).map(([k, v]) => `${k} ${v} ms`).join(', ')})`);
  return { activationMs, activationSteps: steps, lessons, exercises, runtime, diagram, playground, export: exported };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
