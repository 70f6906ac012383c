import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerlessLabApi } from '../../src/extension';

const EXTENSION_ID = 'serverless-lab.serverless-lab';
const LESSON_ID = 'what-serverless-means';

describe('Exercises and the live diagram in a real VS Code', function () {
  this.timeout(120_000);
  let api: ServerlessLabApi;

  before(async () => {
    api = await vscode.extensions.getExtension<ServerlessLabApi>(EXTENSION_ID)!.activate();
  });

  it('starts a lesson: starter files in the workspace, page and handler side by side', async () => {
    await vscode.commands.executeCommand('serverlessLab.startLesson', LESSON_ID);
    const lesson = api.lessons.catalog().lessons.find((l) => l.id === LESSON_ID)!;
    const dir = api.exercises.learnerDir(lesson);
    assert.ok(dir.startsWith(vscode.workspace.workspaceFolders![0].uri.fsPath), 'files go into the open workspace');
    for (const f of lesson.exercise!.files) {
      assert.equal(fs.readFileSync(path.join(dir, f), 'utf8'), fs.readFileSync(path.join(lesson.dir, 'starter', f), 'utf8'));
    }
    assert.ok(fs.existsSync(path.join(path.dirname(dir), 'serverless-lab.d.ts')), 'handler API typings are there for completion');
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, path.join(dir, lesson.exercise!.files[0]));
    assert.equal(api.lessons.panel.current?.id, LESSON_ID);
  });

  it('every test item carries the handler file: the lesson opens it, each check at the line that exports the handler (TypeScript or JavaScript)', async () => {
    const lesson = api.lessons.catalog().lessons.find((l) => l.id === LESSON_ID)!;
    const file = path.join(api.exercises.learnerDir(lesson), lesson.exercise!.files[0]);
    const controller = api.exercises.controller;
    const expectAt = async (handler: string) => {
      const item = controller.items.get(LESSON_ID);
      assert.ok(item, 'the lesson is a test item');
      assert.equal(item.uri?.fsPath, handler, 'the lesson item opens the handler file');
      await controller.resolveHandler?.(item);
      assert.ok(item.children.size >= 1);
      const line = fs.readFileSync(handler, 'utf8').split('\n').findIndex((l) => /export\s+(const|async\s+function|function)\s+handler\b/.test(l));
      assert.ok(line > 0, 'the starter exports its handler below its instructions');
      item.children.forEach((child) => {
        assert.equal(child.uri?.fsPath, handler, `${child.id} opens the handler file`);
        assert.equal(child.range?.start.line, line, `${child.id} points at the handler's line, where the failure is peeked`);
      });
    };
    await expectAt(file);
    // A learner who writes the handler in JavaScript: the items follow the file that is there.
    const js = file.replace(/\.ts$/, '.js');
    fs.renameSync(file, js);
    try {
      await controller.refreshHandler?.(new vscode.CancellationTokenSource().token);
      await expectAt(js);
    } finally {
      fs.renameSync(js, file);
      await controller.refreshHandler?.(new vscode.CancellationTokenSource().token);
    }
    // Back to TypeScript (left unexpanded, as the Test Explorer shows it before a look).
    assert.equal(controller.items.get(LESSON_ID)?.uri?.fsPath, file);
  });

  it('the checks are in the Test Explorer; the starter fails, the fixed handler passes and the lesson is done', async () => {
    const item = api.exercises.controller.items.get(LESSON_ID);
    assert.ok(item, 'the lesson is a test item');
    assert.equal(item.canResolveChildren, true, 'its checks are read when the Test Explorer expands it');
    await api.exercises.controller.resolveHandler?.(item); // what expanding it in the Test Explorer does
    assert.ok(item.children.size >= 1, 'each check is a child item');
    const lesson = api.lessons.catalog().lessons.find((l) => l.id === LESSON_ID)!;
    await api.lessons.progress.setDone(LESSON_ID, false);

    const failing = await api.exercises.check(LESSON_ID);
    assert.ok(failing, 'checks ran');
    assert.ok(failing.outcomes.some((o) => !o.pass), 'the starter fails a check');
    const failed = failing.outcomes.find((o) => !o.pass)!;
    assert.ok(failed.expected && failed.actual && failed.hint, 'a failure says what was expected, what happened, and a hint');
    assert.equal(api.lessons.progress.isDone(LESSON_ID), false);

    // The learner fixes the handler (here: the reference solution's files).
    const dir = api.exercises.learnerDir(lesson);
    for (const f of lesson.exercise!.files) fs.copyFileSync(path.join(lesson.dir, 'solution', f), path.join(dir, f));
    const passing = await api.exercises.check(LESSON_ID);
    assert.ok(passing && passing.outcomes.every((o) => o.pass), JSON.stringify(passing?.outcomes.filter((o) => !o.pass)));
    assert.equal(api.lessons.progress.isDone(LESSON_ID), true, 'all checks passing marks the lesson done');
  });

  it('a handler that throws shows a diagnostic on the line that threw', async () => {
    const lesson = api.lessons.catalog().lessons.find((l) => l.id === LESSON_ID)!;
    const file = path.join(api.exercises.learnerDir(lesson), lesson.exercise!.files[0]);
    const original = fs.readFileSync(file, 'utf8');
    const lines = original.split('\n');
    const at = lines.findIndex((l) => /export (async )?function handler|export const handler/.test(l));
    assert.ok(at >= 0, 'the solution has an exported handler function');
    lines.splice(at + 1, 0, "  throw new Error('boom from the learner');");
    fs.writeFileSync(file, lines.join('\n'));
    try {
      await api.exercises.check(LESSON_ID);
      const diags = vscode.languages.getDiagnostics(vscode.Uri.file(file));
      const boom = diags.find((d) => /boom from the learner/.test(d.message));
      assert.ok(boom, `a diagnostic for the thrown error (got: ${diags.map((d) => d.message).join('; ')})`);
      assert.equal(boom.range.start.line, at + 1, 'on the line that threw');
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it('opens the live diagram of a scenario: rendered by Mermaid, then updates flow while it plays', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const scenario = path.join(ext.extensionPath, 'examples', 'load-leveling.scenario.json');
    const view = api.diagram.scenario.view;
    const topologies = view.topologies;
    const rendered = new Promise<{ ok: boolean; nodes: number; error?: string }>((resolve) => {
      const sub = api.diagram.onDidRender((m) => {
        sub.dispose();
        resolve(m);
      });
    });
    await api.diagram.open(scenario);
    // A panel already showing this very topology keeps its drawing: nothing is rendered again.
    const r = view.topologies > topologies ? await rendered : view.lastRendered;
    assert.ok(r, 'the topology is drawn');
    assert.equal(r.ok, true, r.error);
    assert.ok(r.nodes >= 3, `the topology's nodes are drawn (${r.nodes})`);
    const before = api.diagram.posted.updates;
    // Run some virtual time through the same path the Play control uses.
    const rt = await api.runtime.get();
    await rt.request({ type: 'run', untilMs: 20_000 });
    await new Promise((res) => setTimeout(res, 300));
    assert.ok(api.diagram.posted.updates > before, 'overlay updates were posted to the webview');
    assert.ok(api.diagram.posted.records > 1000, `trace records reached the overlay (${api.diagram.posted.records})`);
  });
});
