import * as vscode from 'vscode';
import type { PlaygroundCommand, PlaygroundSnapshot } from '../../playground/types';
import type { RuntimeFeature } from '../runtime';
import { workspaceStore } from '../storage';
import { Notice, registerPlaygroundCommands } from './commands';
import type { BrokerNode } from './model';
import { Prompts } from './prompts';
import { JournalStore, PlaygroundSession } from './session';
import { BrokerTree } from './tree';

/**
 * The broker playground in VS Code: palette commands (with validated, cancellable prompts) that
 * create queues, topics, streams and buses and move messages through them by hand; the Broker
 * Explorer tree that shows what is there; and the journal saved in the workspace so it all
 * survives a reload. The state lives in the runtime process (`src/playground`); this is the adapter.
 */
export interface PlaygroundFeature {
  session: PlaygroundSession;
  tree: BrokerTree;
  view: vscode.TreeView<BrokerNode>;
  prompts: Prompts;
  /** Messages shown to the learner, newest last (tests read them). */
  notices: Notice[];
  readonly onDidNotify: vscode.Event<Notice>;
}

const JOURNAL_KEY = 'serverlessLab.playground.journal';
const DOC_SCHEME = 'serverless-lab-playground';

export function registerPlayground(context: vscode.ExtensionContext, runtime: RuntimeFeature, output: vscode.LogOutputChannel, onUsed?: () => void): PlaygroundFeature {
  // A folder's playground belongs to the folder; with no folder open it is kept for the user.
  const file = () => workspaceStore(context, (m) => output.error(m));
  const store: JournalStore = {
    get: () => file().get<PlaygroundCommand[]>(JOURNAL_KEY),
    set: (journal) => file().update(JOURNAL_KEY, journal),
  };

  const notices: Notice[] = [];
  const notified = new vscode.EventEmitter<Notice>();
  const notify = (level: Notice['level'], message: string) => {
    const notice = { level, message };
    notices.push(notice);
    if (notices.length > 100) notices.shift();
    output[level === 'warn' ? 'warn' : level](`playground: ${message}`);
    if (level === 'error') void vscode.window.showErrorMessage(`Serverless Lab: ${message}`);
    else if (level === 'warn') void vscode.window.showWarningMessage(`Serverless Lab: ${message}`);
    else vscode.window.setStatusBarMessage(`$(check) ${message}`, 5_000);
    notified.fire(notice);
  };

  /** What the palette offers depends on what the playground has (package.json `menus.commandPalette`). */
  let lastKeys = '';
  const updateKeys = (snapshot: PlaygroundSnapshot) => {
    const keys: Record<string, boolean> = {
      'serverlessLab.playground.hasQueues': snapshot.queues.length > 0,
      'serverlessLab.playground.hasTopics': snapshot.topics.length > 0,
      'serverlessLab.playground.hasStreams': snapshot.streams.length > 0,
      'serverlessLab.playground.hasBuses': snapshot.buses.length > 0,
      'serverlessLab.playground.hasFunctions': snapshot.functions.length > 0,
      'serverlessLab.playground.hasRabbitMQ': (snapshot.rabbitmq?.exchanges.length ?? 0) + (snapshot.rabbitmq?.queues.length ?? 0) > 0,
      'serverlessLab.playground.hasPubSub': (snapshot.pubsub?.topics.length ?? 0) > 0,
      'serverlessLab.playground.hasKinesis': (snapshot.kinesis?.length ?? 0) > 0,
    };
    keys['serverlessLab.playground.hasResources'] = Object.values(keys).some(Boolean);
    const text = JSON.stringify(keys);
    if (text === lastKeys) return;
    lastKeys = text;
    for (const [key, value] of Object.entries(keys)) void vscode.commands.executeCommand('setContext', key, value);
    if (keys['serverlessLab.playground.hasResources']) onUsed?.();
  };
  // Before the playground is restored (lazily), a saved journal may hold any kind: offer everything.
  if ((store.get() ?? []).length > 0) {
    for (const kind of ['Queues', 'Topics', 'Streams', 'Buses', 'Functions', 'RabbitMQ', 'PubSub', 'Kinesis', 'Resources']) void vscode.commands.executeCommand('setContext', `serverlessLab.playground.has${kind}`, true);
  }
  const session = new PlaygroundSession(() => runtime.get(), store, {
    changed: (snapshot) => {
      tree.refresh();
      updateKeys(snapshot);
    },
    warn: (message) => notify('warn', message),
  });
  const tree = new BrokerTree(
    () => session.snapshot,
    () => session.ready().catch((err: unknown) => notify('error', `the playground cannot start: ${(err as Error).message}`)),
  );
  const view = vscode.window.createTreeView('serverlessLab.broker', { treeDataProvider: tree, showCollapseAll: true });

  // Results (consumed records, inspected messages) open as read-only documents.
  const documents = new Map<string, string>();
  const docChanged = new vscode.EventEmitter<vscode.Uri>();
  const showDocument = async (name: string, content: string) => {
    const uri = vscode.Uri.from({ scheme: DOC_SCHEME, path: `/${name.replace(/[\\/]/g, '-')}.json` });
    documents.set(uri.toString(), content);
    docChanged.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
  };

  const prompts = new Prompts();
  context.subscriptions.push(
    notified,
    tree,
    view,
    prompts,
    docChanged,
    vscode.workspace.registerTextDocumentContentProvider(DOC_SCHEME, { onDidChange: docChanged.event, provideTextDocumentContent: (uri) => documents.get(uri.toString()) ?? '' }),
    ...registerPlaygroundCommands({ session, prompts, notify, showDocument }),
  );
  return { session, tree, view, prompts, notices, onDidNotify: notified.event };
}
