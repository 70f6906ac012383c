// Every lesson's exercise, judged by its own checks: the reference solution passes, the starter
// fails, and each plausible wrong solution fails the check it names with the intended message.
// Handlers run in the isolated-vm sandbox, as in the editor, over the default number of seeds as the
// editor and `serverless-lab check` run them: a correct solution passes on every seed, a wrong one
// fails its check on some seed (a race may need another interleaving to show).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkLesson, type ExecutorFactory, type LessonRunResult } from '../../src/lessons/checker';
import { checkOverSeeds, DEFAULT_CHECK_SEEDS, seedVerdict } from '../../src/lessons/seeds';
import { pageAnchors } from '../../src/lessons/checks';
import { exerciseFileFor, fileVariants } from '../../src/lessons/exerciseFiles';
import { loadCatalog } from '../../src/lessons/loader';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';

const root = path.resolve(__dirname, '..', '..', 'lessons');
const { catalog } = loadCatalog(root);
const sandbox: ExecutorFactory = (handlerDir) => ({ executor: new IsolateExecutor({ rootDir: handlerDir }) });

/**
 * A folder with the solution's files, overridden by `overlay`'s (for wrong and other correct
 * solutions). An overlay file in the other language (consumers.js for consumers.ts) replaces it.
 */
function workspace(lessonDir: string, variant: string, overlay?: string, files: readonly string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lesson-'));
  fs.cpSync(path.join(lessonDir, variant), dir, { recursive: true });
  if (overlay) {
    for (const entry of fs.readdirSync(path.join(lessonDir, overlay), { recursive: true }) as string[]) {
      const file = exerciseFileFor(files, entry);
      if (file) for (const twin of fileVariants(file)) if (path.basename(twin) !== path.basename(entry)) fs.rmSync(path.join(dir, twin), { force: true });
    }
    fs.cpSync(path.join(lessonDir, overlay), dir, { recursive: true });
  }
  return dir;
}

/** The lesson's checks over the default seeds, stopping at the first seed that fails. */
function checkOnSeeds(lesson: (typeof catalog.lessons)[number], dir: string): LessonRunResult {
  return checkOverSeeds(DEFAULT_CHECK_SEEDS, undefined, (seed) => checkLesson(lesson, dir, sandbox, seed === undefined ? {} : { seed }));
}

function describeFailures(result: LessonRunResult): string {
  if (result.error) return `error: ${result.error.message}`;
  if (result.failedSeed !== undefined) return `${seedVerdict(result)}:\n${result.outcomes.filter((o) => !o.pass).map((o) => `${o.id}: expected ${o.expected}, got ${o.actual}`).join('\n')}`;
  return result.outcomes.filter((o) => !o.pass).map((o) => `${o.id}: expected ${o.expected}, got ${o.actual}`).join('\n') || 'all passed';
}

describe('lesson exercises', function () {
  this.timeout(60_000);
  for (const lesson of catalog.lessons.filter((l) => l.exercise)) {
    describe(`${lesson.id}`, () => {
      it(`the reference solution passes every check on ${DEFAULT_CHECK_SEEDS} seeds`, () => {
        const result = checkOnSeeds(lesson, workspace(lesson.dir, 'solution'));
        assert.ok(result.outcomes.length > 0, 'the lesson has checks');
        assert.ok(!result.error && result.outcomes.every((o) => o.pass), describeFailures(result));
        assert.equal(result.seedsRun?.length, DEFAULT_CHECK_SEEDS, 'every seed ran');
      });

      it('the starter files fail at least one check', () => {
        const result = checkLesson(lesson, workspace(lesson.dir, 'starter'), sandbox);
        assert.ok(result.error || result.outcomes.some((o) => !o.pass), 'starter should not pass');
      });

      it('every check names a section of the page, and every failure carries it', () => {
        const anchors = pageAnchors(fs.readFileSync(lesson.pagePath, 'utf8'));
        const result = checkLesson(lesson, workspace(lesson.dir, 'starter'), sandbox);
        for (const o of result.outcomes) assert.ok(anchors.includes(o.section), `${o.id}: section "${o.section}" is a heading of the page (${anchors.join(', ')})`);
      });

      for (const other of lesson.correctSolutions ?? []) {
        it(`another correct solution ("${other.name}") passes every check on ${DEFAULT_CHECK_SEEDS} seeds`, () => {
          const result = checkOnSeeds(lesson, workspace(lesson.dir, 'solution', other.dir, lesson.exercise!.files));
          assert.ok(!result.error && result.outcomes.every((o) => o.pass), describeFailures(result));
          assert.equal(result.seedsRun?.length, DEFAULT_CHECK_SEEDS, 'every seed ran');
        });
      }

      for (const wrong of lesson.wrongSolutions ?? []) {
        it(`a wrong solution ("${wrong.name}") fails "${wrong.fails}" for the right reason within ${DEFAULT_CHECK_SEEDS} seeds`, () => {
          const result = checkOnSeeds(lesson, workspace(lesson.dir, 'solution', wrong.dir, lesson.exercise!.files));
          assert.ok(result.failedSeed !== undefined, `"${wrong.name}" should fail on some seed; it ${seedVerdict(result) ?? 'did not run'}`);
          const outcome = result.outcomes.find((o) => o.id === wrong.fails);
          assert.ok(outcome, `check "${wrong.fails}" exists`);
          assert.equal(outcome.pass, false, `"${wrong.name}" should fail ${wrong.fails}; results:\n${describeFailures(result)}`);
          assert.match(`${outcome.message} ${outcome.actual}`, new RegExp(wrong.message));
        });
      }
    });
  }

  it('an exercise file written in JavaScript runs in place of the TypeScript one; both at once is refused, naming them', () => {
    const lesson = catalog.lessons.find((l) => l.id === 'statelessness')!;
    const dir = workspace(lesson.dir, 'solution');
    fs.writeFileSync(
      path.join(dir, 'handler.js'),
      [
        "import { tableUpdate } from 'serverless-lab';",
        'export async function handler(event) {',
        "  const page = event.pathParameters.page;",
        "  const item = await tableUpdate('visits', page, { add: { count: 1 } });",
        '  return { statusCode: 200, body: JSON.stringify({ page, visits: item.count }) };',
        '}',
        '',
      ].join('\n'),
    );
    const both = checkLesson(lesson, dir, sandbox);
    assert.match(String(both.error?.message), /handler\.ts and handler\.js both exist/);
    fs.rmSync(path.join(dir, 'handler.ts'));
    const js = checkLesson(lesson, dir, sandbox);
    assert.ok(!js.error && js.outcomes.every((o) => o.pass), describeFailures(js));
    fs.rmSync(path.join(dir, 'handler.js'));
    assert.match(String(checkLesson(lesson, dir, sandbox).error?.message), /missing file\(s\) in .*: handler\.ts or handler\.js/);
  });

  it('a check frees every execution environment when its run is over, passing or failing (the editor runs checks in one long-lived process)', () => {
    // Isolates kept warm after the run were never disposed: a process running checks leaked one heap
    // per environment until the kernel's map limit aborted it.
    class Counting extends IsolateExecutor {
      created = 0;
      get live(): number {
        return this.envs.size;
      }
      override createEnvironment(...args: Parameters<IsolateExecutor['createEnvironment']>): ReturnType<IsolateExecutor['createEnvironment']> {
        this.created++;
        return super.createEnvironment(...args);
      }
    }
    const lesson = catalog.lessons.find((l) => l.id === 'cold-starts')!;
    for (const variant of ['solution', 'starter']) {
      let made: Counting | undefined;
      const result = checkLesson(lesson, workspace(lesson.dir, variant), (dir) => ({ executor: (made = new Counting({ rootDir: dir })) }));
      assert.ok(result.outcomes.length > 0, `${variant}: the lesson ran its checks`);
      assert.ok(made!.created > 1, `${variant}: the run had several environments (${made!.created})`);
      assert.equal(made!.live, 0, `${variant}: none is left after the check`);
    }
  });

  it('a handler that never yields stops the run after three invocations, with the sandbox\'s reason, instead of failing every request for minutes', function () {
    this.timeout(120_000);
    const lesson = catalog.lessons.find((l) => l.id === 'statelessness')!;
    const dir = workspace(lesson.dir, 'solution');
    fs.writeFileSync(path.join(dir, 'handler.ts'), 'export const handler = async () => {\n  for (;;) {}\n};\n');
    const result = checkOnSeeds(lesson, dir);
    assert.equal(result.error?.kind, 'run');
    assert.match(String(result.error?.message), /^the run did not finish: the run stopped: the sandbox had to stop 3 invocations \(limits\.maxStoppedInvocations is 3\): count-visit ran past the real-time cap without yielding — Sandbox\.Timedout: .*endless loop/);
    assert.ok(result.outcomes.every((o) => o.notRun), 'no check claims a behaviour of a run that did not finish');
  });

  it('at least two wrong solutions per lesson with an exercise', () => {
    for (const lesson of catalog.lessons.filter((l) => l.exercise)) assert.ok((lesson.wrongSolutions ?? []).length >= 2, `${lesson.id} has ${lesson.wrongSolutions?.length ?? 0}`);
  });
});
