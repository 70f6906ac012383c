import * as vscode from 'vscode';
import { RuntimeClient } from '../sandbox/client';
import { acceptedMajors, findRuntimeNode, localMachine, NodeCandidate, NoMatchingNodeError, nodeLines, shippedAbis, unsupportedPlatformMessage } from '../sandbox/node';

/**
 * The runtime process, started on first use. Learner code never runs in the extension host: it runs
 * in isolates inside this child process. If the process hangs or dies it is restarted and its state
 * restored; the learner is told what happened.
 *
 * Which Node runs it is found by src/sandbox/node.ts. When none fits, one message says exactly what
 * to install, with a button to pick a Node executable (saved to `serverlessLab.runtime.nodePath`).
 * "Show the Lab's Runtime" (also a walkthrough step) says which Node the lab uses.
 */
export interface RuntimeFeature {
  get(): Promise<RuntimeClient>;
  /** The Node the runtime uses (or would use), without starting it; throws NoMatchingNodeError. */
  resolveNode(): NodeCandidate;
  /** Call `listener` once the runtime process is up (at once if it already is), before any request of it. */
  onStart(listener: (client: RuntimeClient) => void): void;
}

const SETTING = 'runtime.nodePath';
const PICK = 'Select Node.js Executable…';
const SETTINGS = 'Open Settings';
/** How the editor's message tells the learner to name a Node by hand. */
const EDITOR_PICK = { pick: `or pick its executable with "${PICK}" (saved to serverlessLab.${SETTING})` };

/** `onNodeFound`: a Node was resolved or picked (the walkthrough step "Check the lab's runtime" ticks on it). */
export function registerRuntime(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, onNodeFound: () => void = () => undefined): RuntimeFeature {
  let client: RuntimeClient | undefined;
  let starting: Promise<RuntimeClient> | undefined;
  const isolatedVmDir = vscode.Uri.joinPath(context.extensionUri, 'node_modules', 'isolated-vm').fsPath;
  const abis = shippedAbis(isolatedVmDir);

  const resolveNode = (): NodeCandidate => {
    const setting = vscode.workspace.getConfiguration('serverlessLab').get<string>(SETTING) || undefined;
    const node = findRuntimeNode(isolatedVmDir, { setting, projectRoot: context.extensionUri.fsPath, abis });
    onNodeFound();
    return node;
  };

  /** Tells the learner why no Node fits, with the ways out. */
  const explain = async (err: NoMatchingNodeError): Promise<void> => {
    const text = err.describe(EDITOR_PICK);
    output.error(text);
    if (err.unsupportedPlatform) {
      await vscode.window.showErrorMessage(text);
      return;
    }
    const pick = await vscode.window.showErrorMessage(text, PICK, SETTINGS);
    if (pick === PICK) await selectNode();
    else if (pick === SETTINGS) await vscode.commands.executeCommand('workbench.action.openSettings', `serverlessLab.${SETTING}`);
  };

  /** Asks for a Node executable, checks it can load isolated-vm, and saves it to the setting. */
  const selectNode = async (): Promise<NodeCandidate | undefined> => {
    const picked = await vscode.window.showOpenDialog({
      title: `Node.js ${nodeLines(acceptedMajors(abis))} executable for Serverless Lab`,
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      openLabel: 'Use This Node.js',
      ...(process.platform === 'win32' ? { filters: { 'Node.js': ['exe'] } } : {}),
    });
    if (!picked?.[0]) return undefined;
    const file = picked[0].fsPath;
    const info = localMachine().probe(file);
    if (!info || !abis.includes(info.abi)) {
      const what = info ? `Node ${info.version}` : 'not a Node.js executable';
      void vscode.window.showErrorMessage(`${file} is ${what}; Serverless Lab needs Node ${nodeLines(acceptedMajors(abis))}. The setting was not changed.`, PICK).then((again) => again && selectNode());
      return undefined;
    }
    await vscode.workspace.getConfiguration('serverlessLab').update(SETTING, file, vscode.ConfigurationTarget.Global);
    onNodeFound();
    const node: NodeCandidate = { path: file, ...info, source: 'setting' };
    output.info(`runtime: serverlessLab.${SETTING} set to ${file} (Node ${info.version})`);
    void vscode.window.showInformationMessage(`Serverless Lab runs your handlers with Node ${info.version}: ${file}.`);
    return node;
  };
  const startListeners: Array<(c: RuntimeClient) => void> = [];

  const start = async (): Promise<RuntimeClient> => {
    let node;
    try {
      node = resolveNode();
    } catch (err) {
      if (err instanceof NoMatchingNodeError) void explain(err);
      throw err;
    }
    output.info(`runtime: Node ${node.version} (ABI ${node.abi}) from ${node.source}: ${node.path}`);
    // Host paths (the extension, the workspace) and environment values are scrubbed from what the runtime says.
    const c = new RuntimeClient({
      runtimePath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'runtime.js').fsPath,
      nodePath: node.path,
      hostDirs: { extensionDir: context.extensionUri.fsPath, workspaceDirs: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath) },
    });
    c.on('stderr', (text) => output.warn(`runtime: ${text.trimEnd()}`));
    for (const l of startListeners) l(c);
    c.on('restart', ({ reason, replayed }) => {
      output.warn(`runtime restarted: ${c.scrub(reason)}; replayed ${replayed} request(s)`);
      void vscode.window.showWarningMessage(`Serverless Lab: ${reason}. The runtime was restarted and your scenario state restored.`);
    });
    await c.start();
    client = c;
    return c;
  };

  context.subscriptions.push(
    { dispose: () => void client?.dispose() },
    vscode.commands.registerCommand('serverlessLab.runtime.selectNode', selectNode),
    // Returns the Node in use (or undefined when none fits) so tests and other extensions can ask.
    vscode.commands.registerCommand('serverlessLab.runtime.show', async (): Promise<NodeCandidate | undefined> => {
      let node;
      try {
        node = resolveNode();
      } catch (err) {
        if (!(err instanceof NoMatchingNodeError)) throw err;
        void explain(err);
        return undefined;
      }
      const running = client ? ' (running)' : '';
      output.info(`runtime: Node ${node.version} (ABI ${node.abi}) from ${node.source}: ${node.path}${running}`);
      void vscode.window.showInformationMessage(`Serverless Lab runs your handlers with Node ${node.version}${running}, found in ${node.source}: ${node.path}`, PICK).then((pick) => pick && selectNode());
      return node;
    }),
  );

  // A platform isolated-vm publishes no build for (darwin-x64, win32-arm64): say so at once.
  if (abis.length === 0) {
    const text = unsupportedPlatformMessage(process.platform, process.arch);
    output.warn(text);
    void vscode.window.showWarningMessage(text);
  }

  return {
    onStart: (listener) => {
      startListeners.push(listener);
      if (client) listener(client);
    },
    get: () => {
      if (client) return Promise.resolve(client);
      starting ??= start().finally(() => (starting = undefined));
      return starting;
    },
    resolveNode,
  };
}
