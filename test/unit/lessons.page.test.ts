// The lesson page's loop: a check run's result as the page shows it (verdicts, expected vs actual,
// the learner's own log lines, one message for code that does not compile) and the toolbar's
// next step. Handlers run in the isolated-vm sandbox, as in the editor.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkLesson, logLines, type ExecutorFactory } from '../../src/lessons/checker';
import { loadCatalog } from '../../src/lessons/loader';
import { pageResult, toolbar, type PageFacts } from '../../src/lessons/pageState';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';

const root = path.resolve(__dirname, '..', '..', 'lessons');
const { catalog } = loadCatalog(root);
const lesson = catalog.lessons.find((l) => l.id === 'what-serverless-means')!;
const sandbox: ExecutorFactory = (dir) => {
  const executor = new IsolateExecutor({ rootDir: dir });
  return { executor, compile: (handler) => executor.compileProblems(handler) };
};

function workspace(handler: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-'));
  fs.writeFileSync(path.join(dir, 'handler.ts'), handler);
  return dir;
}
const solution = fs.readFileSync(path.join(lesson.dir, 'solution', 'handler.ts'), 'utf8');

describe('lesson page: a check run as the learner sees it', function () {
  this.timeout(60_000);

  it('code that does not compile is one message with its line and column, and no check runs', () => {
    // line 3, column 24: the missing closing parenthesis
    const dir = workspace(`import { work } from 'serverless-lab';\nexport const handler = async () => {\n  work(20; return { statusCode: 200 };\n};\n`);
    const result = checkLesson(lesson, dir, sandbox);
    assert.equal(result.error?.kind, 'compile');
    assert.equal(result.error?.file, path.join(dir, 'handler.ts'));
    assert.equal(result.error?.line, 3);
    assert.ok((result.error?.column ?? 0) >= 9, `column ${result.error?.column}`);
    assert.doesNotMatch(result.error!.message, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the compiler message names no host path');
    assert.equal(result.summary, undefined, 'the scenario did not run');
    assert.ok(result.outcomes.length > 0 && result.outcomes.every((o) => o.notRun && !o.pass), 'every check is "not run"');
    const view = pageResult(result, (f) => path.relative(path.dirname(dir), f));
    assert.equal(view.status, 'compile-error');
    assert.match(view.headline, new RegExp(`^Your code does not compile: ${path.basename(dir)}/handler\\.ts:3:\\d+: .+ No check ran`));
    assert.ok(view.checks.every((c) => c.verdict === 'not-run'));
  });

  it('the learner\'s log lines come back with their function, invocation id and virtual time', () => {
    const dir = workspace(solution.replace('export const handler', 'let n = 0;\nexport const handler').replace(/(async \(event\)[^{]*\{)/, "$1\n  if (n++ < 3) console.log('saw', event.rawPath, { n });"));
    const result = checkLesson(lesson, dir, sandbox);
    assert.equal(result.error, undefined, result.error?.message);
    const logs = result.logs ?? [];
    assert.ok(logs.length >= 3, `${logs.length} log lines`);
    const first = logs[0]!;
    assert.equal(first.fn, 'hello');
    assert.match(first.text, /^saw \/hello(\/\w+)? \{"n":1\}$/);
    assert.ok(first.t >= 30_000, 'traffic starts at 30 s of virtual time');
    assert.ok(first.id.length > 0, 'the invocation id');
    const view = pageResult(result);
    assert.equal(view.status, 'passed');
    assert.equal(view.logs[0]?.invocation, first.id);
    assert.match(view.logs[0]!.at, /s$/);
  });

  it('a failing run shows each check\'s verdict, expected and actual', () => {
    const result = checkLesson(lesson, workspace(fs.readFileSync(path.join(lesson.dir, 'starter', 'handler.ts'), 'utf8')), sandbox);
    const view = pageResult(result);
    assert.equal(view.status, 'failed');
    const failed = view.checks.filter((c) => c.verdict === 'fail');
    assert.ok(failed.length > 0);
    for (const c of failed) assert.ok(c.expected && c.actual && c.message && c.hint, JSON.stringify(c));
    assert.match(view.headline, new RegExp(`^${view.passed} of ${view.total} checks pass`));
  });

  it('keeps at most the given number of log lines and counts the rest', () => {
    const records = Array.from({ length: 7 }, (_, i) => ({ t: i, kind: 'log', resource: 'f', id: `req-${i}`, detail: { args: ['x', i] } }));
    const { lines, dropped } = logLines([...records, { t: 9, kind: 'invoked', resource: 'f' }], 5);
    assert.equal(lines.length, 5);
    assert.equal(dropped, 2);
    assert.equal(lines[4]?.text, 'x 4');
  });
});

describe('lesson page: the toolbar\'s next step', () => {
  const base: PageFacts = { exercise: true, started: false, running: false, done: false, hintsLeft: 2, next: 'Lesson two', firstFile: 'handler.ts' };
  const primary = (f: PageFacts) => toolbar(f).filter((b) => b.primary).map((b) => b.id);
  const button = (f: PageFacts, id: string) => toolbar(f).find((b) => b.id === id);

  it('before Start: Start Exercise is the next step and Run Checks says to start first', () => {
    assert.deepEqual(primary(base), ['startLesson']);
    assert.equal(button(base, 'runChecks')?.enabled, false);
    assert.match(button(base, 'runChecks')!.title, /Start the exercise first/);
  });
  it('once started: Run Checks is the next step, Start Exercise is no longer primary', () => {
    const f = { ...base, started: true };
    assert.deepEqual(primary(f), ['runChecks']);
    assert.equal(button(f, 'startLesson')?.primary, false);
  });
  it('while running: Run Checks and Next Lesson wait', () => {
    const f = { ...base, started: true, running: true };
    assert.equal(button(f, 'runChecks')?.enabled, false);
    assert.equal(button(f, 'nextLesson')?.enabled, false);
  });
  it('on pass: Next Lesson is the next step', () => assert.deepEqual(primary({ ...base, started: true, done: true }), ['nextLesson']));
  it('the last lesson has no Next Lesson; no hints left disables Show Hint', () => {
    const f = { ...base, started: true, done: true, next: undefined, hintsLeft: 0 };
    assert.equal(button(f, 'nextLesson'), undefined);
    assert.equal(button(f, 'showHint')?.enabled, false);
  });
  it('a reading lesson shows Next Lesson only', () => {
    const f = { ...base, exercise: false };
    assert.deepEqual(toolbar(f).map((b) => b.id), ['nextLesson']);
    assert.deepEqual(primary(f), ['nextLesson']);
  });
  it('Show Reference Solution and Skip Lesson appear once their commands exist: the solution after the start, Skip until done', () => {
    const available = new Set(['serverlessLab.showReferenceSolution', 'serverlessLab.skipLesson']);
    const ids = (f: PageFacts) => toolbar({ ...f, available }).map((b) => b.id);
    assert.ok(!ids(base).includes('showReferenceSolution'), 'not before the start');
    assert.ok(ids(base).includes('skipLesson'));
    assert.ok(ids({ ...base, started: true }).includes('showReferenceSolution'));
    assert.ok(!ids({ ...base, started: true, done: true }).includes('skipLesson'), 'a lesson done is not skipped');
    assert.ok(ids({ ...base, started: true, done: true }).includes('showReferenceSolution'));
    assert.ok(!toolbar({ ...base, started: true }).some((b) => b.id === 'showReferenceSolution'), 'a build without the command has no button');
  });
  it('buttons keep toolbar order: Start → Run Checks → Hint → Diagram → Next', () => {
    assert.deepEqual(toolbar({ ...base, started: true }).map((b) => b.label), ['Start Exercise', 'Run Checks', 'Show Hint', 'Open Diagram', 'Next Lesson']);
  });
});
