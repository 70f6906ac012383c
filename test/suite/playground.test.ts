import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerlessLabApi } from '../../src/extension';
import type { PlaygroundResponse, PlaygroundSnapshot, QueueMessageView } from '../../src/playground/types';
import type { BrokerNode } from '../../src/vscode/playground/model';
import type { TreeRow } from '../../src/vscode/playground/tree';

const EXTENSION_ID = 'serverless-lab.serverless-lab';
const P = 'serverlessLab.playground.';
const ORDERS = 'pg-orders';
const DLQ = 'pg-dlq';

type Prompt = vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem>;

/** What phase one leaves behind for the @after-reload phase to find again (in the test workspace). */
function expectedFile(): string {
  return path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.playground-expected.json');
}

async function activate(): Promise<ServerlessLabApi> {
  return vscode.extensions.getExtension<ServerlessLabApi>(EXTENSION_ID)!.activate();
}

function run(command: string, args?: object): Thenable<PlaygroundResponse | undefined> {
  return vscode.commands.executeCommand<PlaygroundResponse | undefined>(P + command, args);
}

/** The tree as the view shows it, and one row in it by id. */
async function rows(api: ServerlessLabApi): Promise<TreeRow[]> {
  return api.playground.tree.rows();
}

function find(tree: TreeRow[], id: string): TreeRow | undefined {
  for (const row of tree) {
    if (row.id === id) return row;
    const inner = find(row.children, id);
    if (inner) return inner;
  }
  return undefined;
}

/** The prompt the command opened next (a new QuickPick or InputBox). */
async function nextPrompt(api: ServerlessLabApi, previous?: Prompt): Promise<Prompt> {
  for (let i = 0; i < 500; i++) {
    const current = api.playground.prompts.current;
    if (current && current !== previous) return current;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no prompt opened');
}

/** Presses Enter in the open prompt, through the workbench's own quick-input command. */
async function pressEnter(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  await new Promise((r) => setTimeout(r, 50));
}

/** Moves the highlight to the item labelled `label` (as the arrow keys would), then waits for the workbench to show it. */
async function highlight(pick: vscode.QuickPick<vscode.QuickPickItem>, label: string): Promise<void> {
  const item = pick.items.find((i) => i.label === label);
  assert.ok(item, `"${label}" is in the list: ${pick.items.map((i) => i.label).join(', ')}`);
  const shown = new Promise<void>((resolve) => {
    const timer = setTimeout(() => (sub.dispose(), resolve()), 2_000);
    const sub = pick.onDidChangeActive((active) => {
      if (active[0]?.label !== label) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
  pick.activeItems = [item];
  await shown;
}

/** The step count the box's title shows ("2/4"), or "none". */
function steps(p: Prompt): string {
  return p.step === undefined ? 'none' : `${p.step}/${p.totalSteps}`;
}

function snapshot(api: ServerlessLabApi): PlaygroundSnapshot {
  return api.playground.session.snapshot!;
}

describe('Broker playground in a real VS Code', function () {
  this.timeout(120_000);
  let api: ServerlessLabApi;

  before(async () => {
    api = await activate();
    const reset = await run('reset', {});
    assert.ok(reset, 'the playground starts (and resets) through the runtime');
  });

  it('contributes every playground command to the palette under "Serverless Lab", and registers it', async () => {
    const contributed: Array<{ command: string; title: string; category: string }> = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands;
    const mine = contributed.filter((c) => c.command.startsWith(P));
    assert.ok(mine.length >= 24, `${mine.length} playground commands`);
    for (const c of mine) {
      assert.equal(c.category, 'Serverless Lab');
      assert.match(c.title, /^Playground: /);
    }
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(mine.map((c) => c.command).filter((c) => !registered.has(c)), []);
  });

  it('creates a queue with a dead-letter queue from argument objects; the tree lists both', async () => {
    assert.deepEqual(await rows(api), [], 'an empty playground shows no rows (the welcome view)');
    const dlq = await run('createQueue', { name: DLQ });
    assert.ok(dlq?.message);
    const orders = await run('createQueue', { name: ORDERS, visibilityTimeoutS: 30, deadLetter: { queue: DLQ, maxReceiveCount: 2 } });
    assert.ok(orders, api.playground.notices.at(-1)?.message);
    const tree = await rows(api);
    assert.equal(find(tree, 'group:queues')?.description, '2');
    assert.match(find(tree, `queue:${DLQ}`)!.description!, /^DLQ · 0 visible/);
    assert.equal(find(tree, `queue:${DLQ}`)!.contextValue, 'playground.queue.dlq');
    assert.equal(find(tree, `dlq-link:${ORDERS}`)?.label, `dead letters → ${DLQ}`);
    assert.deepEqual(api.playground.session.savedJournal.map((c) => c.op), ['createQueue', 'createQueue'], 'the journal is saved');
  });

  it('send and receive: the counts and message rows change in the tree', async () => {
    await run('sendMessage', { queue: ORDERS, body: 'order 1' });
    await run('sendMessage', { queue: ORDERS, body: 'order 2' });
    let tree = await rows(api);
    assert.equal(find(tree, `queue:${ORDERS}`)?.description, '2 visible · 0 in flight · 0 delayed');
    const received = await run('receiveMessages', { queue: ORDERS, max: 1 });
    const messages = received?.result as QueueMessageView[];
    assert.equal(messages.length, 1);
    assert.ok(messages[0].receiptHandle);
    tree = await rows(api);
    assert.equal(find(tree, `queue:${ORDERS}`)?.description, '1 visible · 1 in flight · 0 delayed');
    const row = find(tree, `msg:${ORDERS}:${messages[0].messageId}`);
    assert.equal(row?.contextValue, 'playground.message.inFlight');
    assert.match(row!.description!, /in-flight · 1× received/);
  });

  it('bad input names the field in an error; the tree and the saved journal do not change', async () => {
    const journal = JSON.stringify(api.playground.session.savedJournal);
    const before = JSON.stringify(await rows(api));
    assert.equal(await run('createQueue', { name: 'pg-slow', visibilityTimeoutS: 99_999 }), undefined);
    assert.match(api.playground.notices.at(-1)!.message, /visibilityTimeoutS/);
    assert.equal(api.playground.notices.at(-1)!.level, 'error');
    assert.equal(await run('sendMessage', { queue: 'pg-nope', body: 'x' }), undefined);
    assert.match(api.playground.notices.at(-1)!.message, /pg-nope/);
    assert.equal(await run('delete', { kind: 'queue', name: DLQ }), undefined, 'a DLQ in use cannot be deleted');
    assert.match(api.playground.notices.at(-1)!.message, new RegExp(ORDERS));
    assert.equal(JSON.stringify(api.playground.session.savedJournal), journal);
    assert.equal(JSON.stringify(await rows(api)), before);
  });

  it('the palette path: each step validates as you type, Esc cancels with no side effects', async () => {
    const journal = JSON.stringify(api.playground.session.savedJournal);
    const pending = run('createQueue');
    const kind = await nextPrompt(api);
    assert.equal(kind.title, 'Create Queue');
    await pressEnter(); // Standard
    const name = (await nextPrompt(api, kind)) as vscode.InputBox;
    name.value = 'pg palette';
    await pressEnter();
    assert.equal(api.playground.prompts.current, name, 'Enter is refused while the name is wrong');
    assert.match(String(name.validationMessage), /a space/);
    name.value = ORDERS;
    await pressEnter();
    assert.match(String(name.validationMessage), /already exists/);
    name.value = 'pg-cancelled';
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await pending, undefined, 'Esc: the command ends without running anything');
    assert.equal(JSON.stringify(api.playground.session.savedJournal), journal);
    assert.ok(!snapshot(api).queues.some((q) => q.name === 'pg-cancelled'));
  });

  it('the palette path: a FIFO queue with a DLQ picked from a list, created on the last Enter', async () => {
    await run('createQueue', { name: 'pg-dlq.fifo', fifo: true });
    const pending = run('createQueue');
    const kind = (await nextPrompt(api)) as vscode.QuickPick<vscode.QuickPickItem>;
    assert.equal(steps(kind), '1/4', 'type, name, visibility timeout, dead-letter queue');
    await highlight(kind, 'FIFO');
    await pressEnter();
    const name = (await nextPrompt(api, kind)) as vscode.InputBox;
    assert.equal(name.value, '.fifo', 'FIFO names start with the suffix');
    name.value = 'pg-palette';
    await pressEnter();
    assert.match(String(name.validationMessage), /must end in "\.fifo"/);
    name.value = 'pg-palette.fifo';
    await pressEnter();
    const timeout = (await nextPrompt(api, name)) as vscode.InputBox;
    assert.equal(timeout.value, '30');
    assert.equal(steps(timeout), '3/4');
    timeout.value = '99999';
    await pressEnter();
    assert.match(String(timeout.validationMessage), /between 0 and 43200 seconds/);
    timeout.value = '12';
    await pressEnter();
    const dlq = (await nextPrompt(api, timeout)) as vscode.QuickPick<vscode.QuickPickItem>;
    assert.deepEqual(dlq.items.map((i) => i.label), ['No dead-letter queue', 'pg-dlq.fifo'], 'only FIFO queues can be the DLQ of a FIFO queue');
    await highlight(dlq, 'pg-dlq.fifo');
    await pressEnter();
    assert.equal(steps(dlq), '4/4');
    const receives = (await nextPrompt(api, dlq)) as vscode.InputBox;
    assert.equal(steps(receives), '5/5', 'picking a DLQ adds the max-receives step');
    receives.value = '0';
    await pressEnter();
    assert.match(String(receives.validationMessage), /between 1 and 1000/);
    receives.value = '4';
    await pressEnter();
    const response = await pending;
    assert.ok(response, api.playground.notices.at(-1)?.message);
    const created = snapshot(api).queues.find((q) => q.name === 'pg-palette.fifo');
    assert.deepEqual([created?.fifo, created?.visibilityTimeoutS, created?.deadLetter], [true, 12, { queue: 'pg-dlq.fifo', maxReceiveCount: 4 }]);
    assert.ok(find(await rows(api), 'queue:pg-palette.fifo'));
  });

  it('the title counts the steps of the path taken: FIFO adds steps, a tree row skips one, a one-step flow shows none', async () => {
    const journal = JSON.stringify(api.playground.session.savedJournal);
    let pending = run('sendMessage');
    const queue = (await nextPrompt(api)) as vscode.QuickPick<vscode.QuickPickItem>;
    assert.equal(steps(queue), '1/2', 'queue, body');
    await highlight(queue, 'pg-palette.fifo');
    await pressEnter();
    const body = await nextPrompt(api, queue);
    assert.equal(steps(body), '2/4', 'a FIFO queue also asks for a group id and a deduplication id');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await pending, undefined);

    const row = snapshot(api).queues.find((q) => q.name === ORDERS)!;
    pending = run('sendMessage', { node: 'queue', queue: row });
    const fromRow = await nextPrompt(api, body);
    assert.equal(steps(fromRow), 'none', 'the row answered "which queue?": one step left');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await pending, undefined);

    pending = run('createBus');
    const bus = await nextPrompt(api, fromRow);
    assert.equal(bus.title, 'Create Event Bus');
    assert.equal(steps(bus), 'none');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await pending, undefined);
    assert.equal(JSON.stringify(api.playground.session.savedJournal), journal, 'cancelled flows ran nothing');
  });

  it('a tree row is the argument of its context-menu command (delete the in-flight message)', async () => {
    const ordersNode = (await api.playground.tree.getChildren({ node: 'group', group: 'queues' })).find((n) => n.node === 'queue' && n.queue.name === ORDERS)!;
    const held = (await api.playground.tree.getChildren(ordersNode)).find((n): n is Extract<BrokerNode, { node: 'message' }> => n.node === 'message' && n.message.state === 'in-flight');
    assert.ok(held, 'the in-flight message is a row under its queue');
    const response = await vscode.commands.executeCommand<PlaygroundResponse>(P + 'deleteMessage', held);
    assert.ok(response, api.playground.notices.at(-1)?.message);
    assert.equal(find(await rows(api), `queue:${ORDERS}`)?.description, '1 visible · 0 in flight · 0 delayed');
  });

  it('advancing time past the visibility timeout twice moves a message to the DLQ, listed under it', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await run('receiveMessages', { queue: ORDERS, max: 1 });
      assert.equal((r?.result as unknown[]).length, 1, `receive ${i + 1}`);
      await run('advanceTime', { seconds: 31 });
    }
    await run('receiveMessages', { queue: ORDERS, max: 1 });
    const tree = await rows(api);
    assert.equal(find(tree, `queue:${ORDERS}`)?.description, '0 visible · 0 in flight · 0 delayed');
    const dlq = find(tree, `queue:${DLQ}`)!;
    assert.match(dlq.description!, /^DLQ · 1 visible/);
    assert.equal(dlq.children.filter((c) => c.contextValue?.startsWith('playground.message')).length, 1);
    assert.match(find(tree, 'time')!.label, /^Virtual time 1 min/);
  });

  it('inspects a message by id', async () => {
    const message = snapshot(api).queues.find((q) => q.name === DLQ)!.messages[0];
    const inspected = await run('inspectMessage', { queue: DLQ, messageId: message.messageId });
    assert.match(JSON.stringify(inspected?.result), /order \d/);
  });

  it('attaches a handler file from the workspace to a queue: it runs sandboxed on each message; its error shows in the tree', async () => {
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'pg-shout.ts');
    fs.writeFileSync(
      file,
      [
        "import { send } from 'serverless-lab';",
        'export async function handler(event: { Records: Array<{ body: string }> }) {',
        "  for (const r of event.Records) {",
        "    if (r.body === 'boom') throw new Error('cannot shout boom');",
        "    await send('pg-shouted', r.body.toUpperCase());",
        '  }',
        '}',
      ].join('\n'),
    );
    await run('createQueue', { name: 'pg-words', visibilityTimeoutS: 30 });
    await run('createQueue', { name: 'pg-shouted' });
    await run('attachHandler', { function: 'pg-shout', file, queue: 'pg-words' });
    await run('sendMessage', { queue: 'pg-words', body: 'hello' });
    let s = snapshot(api);
    const shouted = s.queues.find((q) => q.name === 'pg-shouted')!;
    assert.deepEqual(shouted.messages.map((m) => m.body), ['HELLO'], 'the async handler ran in the sandbox and sent');
    assert.equal(s.functions.find((f) => f.name === 'pg-shout')?.invocations, 1);

    await run('sendMessage', { queue: 'pg-words', body: 'boom' });
    s = snapshot(api);
    const fn = s.functions.find((f) => f.name === 'pg-shout')!;
    assert.ok(fn.errors >= 1 && /cannot shout boom/.test(fn.lastError ?? ''), JSON.stringify(fn));
    const tree = await rows(api);
    assert.ok(find(tree, 'function:pg-shout'), 'the function is in the Broker Explorer');
    assert.match(find(tree, 'fn-error:pg-shout')?.label ?? '', /cannot shout boom/);

    // Clean up so the state left for the reload is only what the next test leaves.
    await run('detachHandler', { function: 'pg-shout' });
    await run('delete', { kind: 'queue', name: 'pg-words' });
    await run('delete', { kind: 'queue', name: 'pg-shouted' });
    assert.equal(snapshot(api).functions.length, 0);
  });

  it('leaves a known state behind for the reload', async () => {
    await run('sendMessage', { queue: ORDERS, body: 'kept across the reload' });
    const s = snapshot(api);
    assert.deepEqual(api.playground.session.savedJournal.length, s.commands);
    fs.writeFileSync(expectedFile(), JSON.stringify({ pid: process.pid, snapshot: s }));
    // No waiting before the reload: the journal is in a file written at once (the web workbench's
    // own storage is flushed only every few seconds).
  });
});

describe('Broker playground survives a window reload @after-reload', function () {
  this.timeout(120_000);
  let api: ServerlessLabApi;
  let expected: { pid: number; snapshot: PlaygroundSnapshot };

  before(async () => {
    api = await activate();
    expected = JSON.parse(fs.readFileSync(expectedFile(), 'utf8'));
  });

  it('is a new extension host', () => {
    assert.notEqual(expected.pid, process.pid);
  });

  it('restores the saved journal on first look at the Broker Explorer: same queues, messages and virtual time', async () => {
    const tree = await rows(api); // the first look starts the runtime and restores
    const s = snapshot(api);
    assert.equal(s.commands, expected.snapshot.commands, `restored ${api.playground.session.savedJournal.map((c) => c.op).join(' ')}; ${JSON.stringify(api.playground.notices)}`);
    assert.deepEqual(s.queues, expected.snapshot.queues);
    assert.equal(s.now, expected.snapshot.now);
    assert.equal(find(tree, `queue:${ORDERS}`)?.description, '1 visible · 0 in flight · 0 delayed');
    assert.match(find(tree, `queue:${DLQ}`)!.description!, /^DLQ · 1 visible/);
  });

  it('reset empties the playground and forgets the saved journal', async () => {
    await run('reset', {});
    assert.deepEqual(api.playground.session.savedJournal, []);
    assert.deepEqual(await rows(api), []);
  });
});
