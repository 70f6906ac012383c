import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerlessLabApi } from '../../src/extension';
import type { ExportResult } from '../../src/export/project';

const EXTENSION_ID = 'serverless-lab.serverless-lab';
const LESSON_ID = 'queues';

describe('Export to AWS SAM in a real VS Code', function () {
  this.timeout(120_000);
  let api: ServerlessLabApi;

  before(async () => {
    api = await vscode.extensions.getExtension<ServerlessLabApi>(EXTENSION_ID)!.activate();
  });

  it('is a command of the palette', async () => {
    assert.ok((await vscode.commands.getCommands(true)).includes('serverlessLab.exportSam'));
  });

  it('exports the open lesson with the learner\'s files and opens template.yaml and LAB-ONLY.md', async () => {
    await vscode.commands.executeCommand('serverlessLab.startLesson', LESSON_ID);
    const lesson = api.lessons.catalog().lessons.find((l) => l.id === LESSON_ID)!;
    const dir = api.exercises.learnerDir(lesson);
    // The learner's version of the exercise: the reference solution with a comment of their own.
    for (const f of lesson.exercise!.files) fs.writeFileSync(path.join(dir, f), `// my version\n${fs.readFileSync(path.join(lesson.dir, 'solution', f), 'utf8')}`);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slab-suite-export-')), 'queues-sam');
    const result = await vscode.commands.executeCommand<ExportResult | undefined>('serverlessLab.exportSam', { source: 'lesson', out });
    assert.ok(result, 'the export was written');
    assert.equal(api.export.last()?.outDir, out);
    for (const f of ['template.yaml', 'LAB-ONLY.md', 'README.md', 'src/serverless-lab/index.ts', 'src/fn-payment-worker.mjs']) assert.ok(fs.existsSync(path.join(out, f)), f);
    for (const f of lesson.exercise!.files) assert.match(fs.readFileSync(path.join(out, 'src', 'handlers', f), 'utf8'), /^\/\/ my version\n/, 'the learner\'s own file, unchanged');
    assert.match(fs.readFileSync(path.join(out, 'template.yaml'), 'utf8'), /FunctionResponseTypes:\n\s+- ReportBatchItemFailures/);
    const open = vscode.window.visibleTextEditors.map((e) => e.document.uri.fsPath);
    assert.ok(open.includes(path.join(out, 'template.yaml')), `template.yaml is open (open: ${open.join(', ')})`);
    assert.ok(open.includes(path.join(out, 'LAB-ONLY.md')), 'LAB-ONLY.md is open beside it');
  });

  it('refuses a scenario AWS would refuse and writes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slab-suite-bad-'));
    fs.writeFileSync(path.join(dir, 'h.js'), 'export async function handler() {}\n');
    const file = path.join(dir, 'bad.scenario.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'bad', queues: [{ name: 'jobs', visibilityTimeoutS: 5 }], functions: [{ name: 'f', handler: 'h.js', timeoutS: 30, events: [{ queue: 'jobs' }] }] }));
    const out = path.join(dir, 'out');
    const result = await vscode.commands.executeCommand<ExportResult | undefined>('serverlessLab.exportSam', { source: 'scenario', file, out });
    assert.equal(result, undefined);
    assert.equal(fs.existsSync(out), false);
  });
});
