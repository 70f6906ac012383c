// Runs inside a real VS Code extension host where Serverless Lab was installed from the packaged VSIX
// (test/harness/vsix.mjs), as a learner gets it from the marketplace: no sources, no dev
// dependencies, only what .vscodeignore lets through. Each test uses a part that would break if the
// VSIX missed a file: the lessons folder, the runtime bundle, isolated-vm's prebuild, esbuild's
// binary (TypeScript handlers), the webview bundles and the walkthrough media.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerlessLabApi } from '../../src/extension';
import type { PlaygroundResponse } from '../../src/playground/types';

const EXTENSION_ID = 'serverless-lab.serverless-lab';
const LESSON_ID = 'what-serverless-means';

describe('Serverless Lab installed from its VSIX', function () {
  this.timeout(60_000);
  let ext: vscode.Extension<ServerlessLabApi>;
  let api: ServerlessLabApi;

  before(async () => {
    ext = vscode.extensions.getExtension<ServerlessLabApi>(EXTENSION_ID)!;
    assert.ok(ext, 'the extension is installed');
    api = await ext.activate();
  });

  it('is the installed package, not a development folder', () => {
    const root = ext.extensionPath;
    assert.ok(fs.existsSync(path.join(root, 'dist', 'extension.js')));
    for (const absent of ['src', 'test', 'bench', 'tsconfig.json', 'node_modules/typescript', 'node_modules/mocha']) {
      assert.ok(!fs.existsSync(path.join(root, absent)), `${absent} is not shipped`);
    }
    assert.ok(!fs.readFileSync(path.join(root, 'dist', 'extension.js'), 'utf8').includes('sourceMappingURL'), 'the production bundle, without source maps');
  });

  it("carries exactly this platform's native files (the linux-x64 VSIX here), none twice", () => {
    const root = ext.extensionPath;
    const prebuilds = path.join(root, 'node_modules', 'isolated-vm', 'prebuilds');
    assert.deepEqual(fs.readdirSync(prebuilds), [`${process.platform}-${process.arch}`]);
    const libc = process.report?.getReport() && (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime ? 'glibc' : 'musl';
    for (const f of fs.readdirSync(path.join(prebuilds, `${process.platform}-${process.arch}`))) assert.ok(f.includes(`.${libc}.`) || process.platform !== 'linux', f);
    assert.deepEqual(fs.readdirSync(path.join(root, 'node_modules', '@esbuild')), [`${process.platform}-${process.arch}`]);
    assert.ok(!fs.existsSync(path.join(root, 'node_modules', 'esbuild', 'bin')), "esbuild's own copy of the binary is not shipped");
  });

  it("says which Node runs the handlers (Show the Lab's Runtime)", async () => {
    const node = await vscode.commands.executeCommand<{ path: string; version: string; source: string } | undefined>('serverlessLab.runtime.show');
    assert.ok(node, 'a Node was found');
    assert.match(node.version, /^v(24|26)\./);
    assert.ok(fs.existsSync(node.path), node.path);
  });

  it('lists every lesson from the shipped lessons folder', () => {
    const catalog = api.lessons.catalog();
    assert.equal(catalog.lessons.length, 17, 'a lesson with a missing file would be left out');
    for (const lesson of catalog.lessons) assert.ok(lesson.dir.startsWith(ext.extensionPath), `${lesson.id} is read from the installed extension`);
  });

  it("runs a lesson's checks on a TypeScript handler in the shipped sandbox: the starter fails, the solution passes", async () => {
    await vscode.commands.executeCommand('serverlessLab.startLesson', LESSON_ID);
    const lesson = api.lessons.catalog().lessons.find((l) => l.id === LESSON_ID)!;
    assert.ok(lesson.exercise!.files.some((f) => f.endsWith('.ts')), 'the handler is TypeScript: esbuild from the VSIX compiles it');
    const failing = await api.exercises.check(LESSON_ID);
    assert.ok(failing, 'checks ran (the runtime process started with the shipped isolated-vm)');
    assert.ok(failing.outcomes.some((o) => !o.pass), 'the starter fails a check');

    const dir = api.exercises.learnerDir(lesson);
    for (const f of lesson.exercise!.files) fs.copyFileSync(path.join(lesson.dir, 'solution', f), path.join(dir, f));
    const passing = await api.exercises.check(LESSON_ID);
    assert.ok(passing && passing.outcomes.every((o) => o.pass), JSON.stringify(passing?.outcomes.filter((o) => !o.pass)));
    assert.equal(api.lessons.progress.isDone(LESSON_ID), true);
  });

  it('renders the lesson diagram with the shipped webview bundle', async () => {
    const rendered = new Promise<{ ok: boolean; nodes: number; error?: string }>((resolve) => {
      const sub = api.diagram.onDidRender((m) => (sub.dispose(), resolve(m)));
    });
    await vscode.commands.executeCommand('serverlessLab.openDiagram', LESSON_ID);
    const r = await rendered;
    assert.equal(r.ok, true, r.error);
    assert.ok(r.nodes >= 3, `the diagram has the lesson's nodes (${r.nodes})`);
    api.diagram.scenario.view.close();
  });

  it('drives the broker playground: create a queue, send, receive', async () => {
    const run = (command: string, args: object) => vscode.commands.executeCommand<PlaygroundResponse | undefined>(`serverlessLab.playground.${command}`, args);
    assert.ok(await run('reset', {}));
    assert.ok(await run('createQueue', { name: 'vsix-orders' }));
    assert.ok(await run('sendMessage', { queue: 'vsix-orders', body: '{"orderId": 1}' }));
    const received = await run('receiveMessages', { queue: 'vsix-orders', max: 1 });
    assert.ok(received, api.playground.notices.at(-1)?.message);
    const queue = received.snapshot.queues.find((q) => q.name === 'vsix-orders')!;
    assert.equal(queue.messages.length, 1);
    assert.ok(queue.messages[0].receiptHandle, 'the message is in flight after the receive');
  });

  it('the walkthrough steps tick from what the learner did: every step\'s context key is now set', async () => {
    // The tests above started lesson 1, ran its checks, passed it, opened its diagram and used the
    // playground — as a learner would; a learner also opens the Lessons view. Each walkthrough step
    // completes on one of its keys (the harness then opens the walkthrough and reads VS Code's ticks).
    const shown = new Promise<void>((resolve) => {
      const sub = api.lessons.progress.onDidChange(() => api.lessons.walkthroughKeys()['serverlessLab.progress.openedLessons'] && (sub.dispose(), resolve()));
    });
    await vscode.commands.executeCommand('serverlessLab.showLessons');
    if (!api.lessons.walkthroughKeys()['serverlessLab.progress.openedLessons']) await shown;
    const keys = api.lessons.walkthroughKeys();
    const steps: Array<{ id: string; completionEvents?: string[] }> = ext.packageJSON.contributes.walkthroughs[0].steps;
    const wanted = steps.filter((s) => s.id !== 'resume').map((s) => [s.id, (s.completionEvents ?? []).filter((e) => e.startsWith('onContext:')).map((e) => e.slice('onContext:'.length))] as const);
    assert.ok(wanted.length >= 8, `${wanted.length} steps complete on context keys`);
    for (const [step, on] of wanted) assert.ok(on.some((k) => keys[k] === true), `walkthrough step "${step}" waits on ${on.join(' or ')}: ${JSON.stringify(keys)}`);
    assert.equal(keys['serverlessLab.progress.allDone'], false, 'one lesson done of 17 is not all done');
  });
});
