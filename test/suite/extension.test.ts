import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ServerlessLabApi } from '../../src/extension';

const EXTENSION_ID = 'serverless-lab.serverless-lab';
const LESSON_ID = 'what-serverless-means';

function waitFor<T>(event: vscode.Event<T>, matches: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`event not seen within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = event((value) => {
      if (!matches(value)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    });
  });
}

describe('Serverless Lab in a real VS Code extension host', () => {
  let api: ServerlessLabApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<ServerlessLabApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
    api = await ext.activate();
  });

  it('activates and reports its activation time', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    assert.equal(typeof api.activationMs, 'number');
    assert.ok(api.activationMs >= 0);
  });

  it('registers every command the manifest contributes', async () => {
    const contributed: string[] = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    assert.ok(contributed.length >= 5);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
  });

  it('lists the first lesson in the Lessons view, under its section', async () => {
    await vscode.commands.executeCommand('serverlessLab.showLessons');
    const rows = api.lessons.treeRows();
    const section = rows.find((r) => r.id === 'section:concepts');
    assert.ok(section, 'section "Serverless concepts" is a root of the tree');
    assert.equal(section.label, 'Serverless concepts');
    const lesson = section.children.find((r) => r.id === `lesson:${LESSON_ID}`);
    assert.ok(lesson, 'the lesson is listed under its section');
    assert.equal(lesson.label, 'What serverless means');
  });

  it('opens the lesson page in a webview and renders its text', async () => {
    const rendered = waitFor(api.lessons.panel.onDidRender, (id) => id === LESSON_ID);
    await vscode.commands.executeCommand('serverlessLab.openLesson', LESSON_ID);
    await rendered;
    const text = api.lessons.panel.renderedText.get(LESSON_ID) ?? '';
    assert.match(text, /What serverless means/);
    assert.match(text, /GB-seconds/);
    assert.match(text, /The serverless spectrum/);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.equal(tab?.label, 'What serverless means');
    assert.ok(tab?.input instanceof vscode.TabInputWebview);
  });

  it('marks the lesson done and not done, and the tree follows', async () => {
    await vscode.commands.executeCommand('serverlessLab.markLessonDone', LESSON_ID);
    assert.equal(api.lessons.progress.isDone(LESSON_ID), true);
    let row = api.lessons.treeRows().flatMap((s) => s.children).find((r) => r.id === `lesson:${LESSON_ID}`);
    assert.equal(row?.description, 'done');
    await vscode.commands.executeCommand('serverlessLab.markLessonNotDone', LESSON_ID);
    assert.equal(api.lessons.progress.isDone(LESSON_ID), false);
    row = api.lessons.treeRows().flatMap((s) => s.children).find((r) => r.id === `lesson:${LESSON_ID}`);
    assert.notEqual(row?.description, 'done');
  });

  it('resumes the lesson the learner was on', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('serverlessLab.resumeLesson');
    assert.equal(api.lessons.panel.current?.id, LESSON_ID);
  });

  it('an unknown lesson id opens nothing and changes no progress', async () => {
    const before = api.lessons.progress.lastLesson;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('serverlessLab.openLesson', 'no-such-lesson');
    assert.equal(api.lessons.panel.current, undefined);
    assert.equal(api.lessons.progress.lastLesson, before);
  });
});
