import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerlessLabApi } from '../../src/extension';

const EXTENSION_ID = 'serverless-lab.serverless-lab';
/** Passed in the first phase, must still be done after the reload. */
const KEPT = 'statelessness';
/** Passed, then reset: must be back to the starter with no results, before and after the reload. */
const RESET = 'faas-lifecycle';

const activate = () => vscode.extensions.getExtension<ServerlessLabApi>(EXTENSION_ID)!.activate();
const lessonOf = (api: ServerlessLabApi, id: string) => {
  const lesson = api.lessons.catalog().lessons.find((l) => l.id === id);
  assert.ok(lesson?.exercise, `lesson ${id} has an exercise`);
  return lesson;
};
const copyFolder = (api: ServerlessLabApi, id: string, from: 'solution' | 'starter') => {
  const lesson = lessonOf(api, id);
  for (const f of lesson.exercise!.files) fs.copyFileSync(path.join(lesson.dir, from, f), path.join(api.exercises.learnerDir(lesson), f));
};
const sameAs = (api: ServerlessLabApi, id: string, from: 'solution' | 'starter') => {
  const lesson = lessonOf(api, id);
  return lesson.exercise!.files.every((f) => fs.readFileSync(path.join(api.exercises.learnerDir(lesson), f), 'utf8') === fs.readFileSync(path.join(lesson.dir, from, f), 'utf8'));
};
const pidFile = () => path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.extension-host-pid');
const row = (api: ServerlessLabApi, id: string) => api.lessons.treeRows().flatMap((s) => s.children).find((r) => r.id === `lesson:${id}`);

describe('Progress, hints and reset in a real VS Code', function () {
  this.timeout(120_000);
  let api: ServerlessLabApi;

  before(async () => {
    api = await activate();
    await api.lessons.progress.reset();
    fs.writeFileSync(pidFile(), String(process.pid));
  });

  it('runs a lesson\'s checks through the Test Explorer run profile and records each check\'s result', async () => {
    await vscode.commands.executeCommand('serverlessLab.startLesson', KEPT);
    assert.equal(api.lessons.progress.state(KEPT), 'in-progress');
    assert.equal(row(api, KEPT)?.description, 'started');

    await vscode.commands.executeCommand('serverlessLab.runChecks', KEPT);
    const first = api.lessons.progress.checkResults(KEPT);
    assert.ok(Object.keys(first).length >= 1, 'the run recorded the checks');
    assert.ok(Object.values(first).includes(false), 'the starter fails a check');
    const passing = Object.values(first).filter(Boolean).length;
    assert.equal(row(api, KEPT)?.description, `${passing}/${Object.keys(first).length} checks`, 'the Lessons view shows the last run');

    await vscode.commands.executeCommand('serverlessLab.showHint', KEPT);
    assert.equal(api.lessons.panel.host.hintsShown(KEPT).length, 1, 'the hint is kept for the page');

    copyFolder(api, KEPT, 'solution');
    await vscode.commands.executeCommand('serverlessLab.runChecks', KEPT);
    assert.ok(Object.values(api.lessons.progress.checkResults(KEPT)).every(Boolean), 'the fixed handler passes every check');
    assert.equal(api.lessons.progress.isDone(KEPT), true);
    assert.equal(row(api, KEPT)?.description, 'done');
  });

  it('reset restores the starter files, keeps a backup of the learner\'s and forgets the results', async () => {
    await api.exercises.start(RESET);
    copyFolder(api, RESET, 'solution');
    await api.exercises.check(RESET);
    assert.equal(api.lessons.progress.isDone(RESET), true);

    const backup = await api.exercises.reset(RESET);
    assert.ok(sameAs(api, RESET, 'starter'), 'the starter files are back');
    assert.ok(backup && fs.existsSync(backup), 'a backup folder was made');
    const lesson = lessonOf(api, RESET);
    for (const f of lesson.exercise!.files) assert.equal(fs.readFileSync(path.join(backup, f), 'utf8'), fs.readFileSync(path.join(lesson.dir, 'solution', f), 'utf8'), `${f} is in the backup`);
    assert.equal(api.lessons.progress.isDone(RESET), false);
    assert.deepEqual(api.lessons.progress.checkResults(RESET), {});
    assert.equal(api.lessons.progress.state(RESET), 'in-progress', 'the starter is there: started, not done');
  });

  it('the walkthrough\'s progress steps complete on context keys the extension sets', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'package.json'), 'utf8'));
    const events: string[] = pkg.contributes.walkthroughs[0].steps.flatMap((s: { completionEvents?: string[] }) => s.completionEvents ?? []);
    for (const key of ['startedExercise', 'ranChecks', 'passedExercise']) assert.ok(events.includes(`onContext:serverlessLab.progress.${key}`), key);
  });
});

describe('Progress survives a window reload @after-reload', function () {
  this.timeout(60_000);
  let api: ServerlessLabApi;

  before(async () => {
    api = await activate();
  });

  it('is a new extension host (the window really reloaded)', () => {
    assert.notEqual(fs.readFileSync(pidFile(), 'utf8'), String(process.pid));
  });

  it('keeps the done lesson, its check results and the hints shown', () => {
    assert.equal(api.lessons.progress.isDone(KEPT), true);
    const results = api.lessons.progress.checkResults(KEPT);
    assert.ok(Object.keys(results).length >= 1 && Object.values(results).every(Boolean), JSON.stringify(results));
    assert.equal(row(api, KEPT)?.description, 'done', 'the Lessons view shows it');
    assert.equal(api.lessons.panel.host.hintsShown(KEPT).length, 1, 'the hint shown before the reload');
  });

  it('keeps the reset lesson reset, and the learner\'s files where they were', () => {
    assert.equal(api.lessons.progress.state(RESET), 'in-progress');
    assert.deepEqual(api.lessons.progress.checkResults(RESET), {});
    assert.ok(sameAs(api, RESET, 'starter'));
    assert.ok(sameAs(api, KEPT, 'solution'));
  });

  it('"Continue where I left off" opens the next lesson not done', async () => {
    await vscode.commands.executeCommand('serverlessLab.resumeLesson');
    const current = api.lessons.panel.current;
    assert.ok(current && !api.lessons.progress.isDone(current.id), `resumed at ${current?.id}`);
  });
});
