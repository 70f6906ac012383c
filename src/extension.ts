import * as vscode from 'vscode';
import { registerLessons } from './vscode/lessons';

/** What activate() returns: used by the extension-host tests and by other extensions. */
export interface ServerlessLabApi {
  /** How long activate() took, in ms. */
  activationMs: number;
  lessons: ReturnType<typeof registerLessons>;
}

// activate() only wires features together: each feature registers its own views and commands.
export function activate(context: vscode.ExtensionContext): ServerlessLabApi {
  const started = performance.now();
  const output = vscode.window.createOutputChannel('Serverless Lab', { log: true });
  context.subscriptions.push(output);

  const lessons = registerLessons(context, output);

  const activationMs = performance.now() - started;
  output.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, lessons };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
