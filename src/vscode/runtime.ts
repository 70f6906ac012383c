import * as vscode from 'vscode';
import { RuntimeClient } from '../sandbox/client';
import { findRuntimeNode, NoMatchingNodeError } from '../sandbox/node';

/**
 * The runtime process, started on first use. Learner code never runs in the extension host: it runs
 * in isolates inside this child process. If the process hangs or dies it is restarted and its state
 * restored; the learner is told what happened.
 */
export interface RuntimeFeature {
  get(): Promise<RuntimeClient>;
}

export function registerRuntime(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): RuntimeFeature {
  let client: RuntimeClient | undefined;
  let starting: Promise<RuntimeClient> | undefined;

  const start = async (): Promise<RuntimeClient> => {
    const setting = vscode.workspace.getConfiguration('serverlessLab').get<string>('runtime.nodePath') || undefined;
    let node;
    try {
      node = findRuntimeNode(vscode.Uri.joinPath(context.extensionUri, 'node_modules', 'isolated-vm').fsPath, { setting, projectRoot: context.extensionUri.fsPath });
    } catch (err) {
      if (err instanceof NoMatchingNodeError) {
        output.error(err.message);
        void vscode.window.showErrorMessage(err.message, 'Open Settings').then((pick) => pick && vscode.commands.executeCommand('workbench.action.openSettings', 'serverlessLab.runtime.nodePath'));
      }
      throw err;
    }
    output.info(`runtime: Node ${node.version} (ABI ${node.abi}) from ${node.source}: ${node.path}`);
    const c = new RuntimeClient({ runtimePath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'runtime.js').fsPath, nodePath: node.path });
    c.on('stderr', (text) => output.warn(`runtime: ${text.trimEnd()}`));
    c.on('restart', ({ reason, replayed }) => {
      output.warn(`runtime restarted: ${reason}; replayed ${replayed} request(s)`);
      void vscode.window.showWarningMessage(`Serverless Lab: ${reason}. The runtime was restarted and your scenario state restored.`);
    });
    await c.start();
    client = c;
    return c;
  };

  context.subscriptions.push({ dispose: () => void client?.dispose() });
  return {
    get: () => {
      if (client) return Promise.resolve(client);
      starting ??= start().finally(() => (starting = undefined));
      return starting;
    },
  };
}
