// Every lesson's exercise, judged by its own checks: the reference solution passes, the starter
// fails, and each plausible wrong solution fails the check it names with the intended message.
// Handlers run in the isolated-vm sandbox, as in the editor.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkLesson, type ExecutorFactory, type LessonRunResult } from '../../src/lessons/checker';
import { loadCatalog } from '../../src/lessons/loader';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';

const root = path.resolve(__dirname, '..', '..', 'lessons');
const { catalog } = loadCatalog(root);
const sandbox: ExecutorFactory = (handlerDir) => ({ executor: new IsolateExecutor({ rootDir: handlerDir }) });

/** A folder with the solution's files, overridden by `overlay`'s (for wrong solutions). */
function workspace(lessonDir: string, variant: string, overlay?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lesson-'));
  fs.cpSync(path.join(lessonDir, variant), dir, { recursive: true });
  if (overlay) fs.cpSync(path.join(lessonDir, overlay), dir, { recursive: true });
  return dir;
}

function describeFailures(result: LessonRunResult): string {
  if (result.error) return `error: ${result.error.message}`;
  return result.outcomes.filter((o) => !o.pass).map((o) => `${o.id}: expected ${o.expected}, got ${o.actual}`).join('\n') || 'all passed';
}

describe('lesson exercises', function () {
  this.timeout(60_000);
  for (const lesson of catalog.lessons.filter((l) => l.exercise)) {
    describe(`${lesson.id}`, () => {
      it('the reference solution passes every check', () => {
        const result = checkLesson(lesson, workspace(lesson.dir, 'solution'), sandbox);
        assert.ok(result.outcomes.length > 0, 'the lesson has checks');
        assert.ok(!result.error && result.outcomes.every((o) => o.pass), describeFailures(result));
      });

      it('the starter files fail at least one check', () => {
        const result = checkLesson(lesson, workspace(lesson.dir, 'starter'), sandbox);
        assert.ok(result.error || result.outcomes.some((o) => !o.pass), 'starter should not pass');
      });

      for (const wrong of lesson.wrongSolutions ?? []) {
        it(`a wrong solution ("${wrong.name}") fails "${wrong.fails}" for the right reason`, () => {
          const result = checkLesson(lesson, workspace(lesson.dir, 'solution', wrong.dir), sandbox);
          const outcome = result.outcomes.find((o) => o.id === wrong.fails);
          assert.ok(outcome, `check "${wrong.fails}" exists`);
          assert.equal(outcome.pass, false, `"${wrong.name}" should fail ${wrong.fails}; results:\n${describeFailures(result)}`);
          assert.match(`${outcome.message} ${outcome.actual}`, new RegExp(wrong.message));
        });
      }
    });
  }

  it('at least two wrong solutions per lesson with an exercise', () => {
    for (const lesson of catalog.lessons.filter((l) => l.exercise)) assert.ok((lesson.wrongSolutions ?? []).length >= 2, `${lesson.id} has ${lesson.wrongSolutions?.length ?? 0}`);
  });
});
