import assert from 'node:assert/strict';
import type { LessonRunResult } from '../../src/lessons/checker';
import { pageResult } from '../../src/lessons/pageState';
import { checkOverSeeds, checkOverSeedsAsync, seedSweep, seedVerdict } from '../../src/lessons/seeds';

/** A fake run: the lesson's own seed is 7; `failing` seeds fail their one check. */
function fakeRun(failing: ReadonlySet<number>, asked: Array<number | undefined>) {
  return (seed: number | undefined): LessonRunResult => {
    asked.push(seed);
    const s = seed ?? 7;
    const pass = !failing.has(s);
    return {
      lessonId: 'queues',
      outcomes: [{ id: 'c', title: 'C', hint: 'h', section: 's', message: pass ? 'ok' : 'lost one', pass, expected: 'e', actual: pass ? 'e' : 'a' }],
      handlerErrors: [],
      wallMs: 10,
      seed: s,
    };
  };
}

describe('lesson checks over several seeds', () => {
  it('runs the lesson seed first, then the next ones, and stops at the first that fails', () => {
    const asked: Array<number | undefined> = [];
    const result = checkOverSeeds(5, undefined, fakeRun(new Set([9, 10]), asked));
    assert.deepEqual(asked, [undefined, 8, 9]);
    assert.equal(result.failedSeed, 9);
    assert.equal(result.seed, 9);
    assert.deepEqual(result.seedsRun, [7, 8, 9]);
    assert.equal(result.wallMs, 30, 'the wall time of every run');
    assert.equal(seedVerdict(result), 'fails on seed 9 — replay with --seed 9 (passed on seeds 7–8)');
  });

  it('passes when every seed passes; --seed starts the sweep there', async () => {
    const asked: Array<number | undefined> = [];
    const result = await checkOverSeedsAsync(3, 20, async (seed) => fakeRun(new Set(), asked)(seed));
    assert.deepEqual(asked, [20, 21, 22]);
    assert.equal(result.failedSeed, undefined);
    assert.deepEqual(result.seedsRun, [20, 21, 22]);
    assert.equal(seedVerdict(result), 'passes on 3 seeds (20–22)');
    assert.equal(seedVerdict(checkOverSeeds(1, 4, fakeRun(new Set(), []))), 'passes on seed 4');
    assert.equal(seedVerdict(checkOverSeeds(1, 4, fakeRun(new Set([4]), []))), 'fails on seed 4 — replay with --seed 4');
  });

  it('code that does not compile (or a setup problem) is reported once, on no seed', () => {
    const asked: Array<number | undefined> = [];
    const compileError = (seed: number | undefined): LessonRunResult => {
      asked.push(seed);
      return { lessonId: 'queues', outcomes: [], handlerErrors: [], wallMs: 1, error: { message: 'Expected ";"', kind: 'compile', file: '/w/h.ts', line: 1, column: 2 } };
    };
    const result = checkOverSeeds(5, undefined, compileError);
    assert.deepEqual(asked, [undefined]);
    assert.equal(result.failedSeed, undefined);
    assert.equal(seedVerdict(result), undefined);
  });

  it('a handler that cannot run on one seed is that seed failing', () => {
    const result = checkOverSeeds(5, 1, (seed) =>
      seed === 2 ? { lessonId: 'q', outcomes: [], handlerErrors: [], wallMs: 1, seed, error: { message: 'your handler could not run: boom', kind: 'run' } } : fakeRun(new Set(), [])(seed),
    );
    assert.equal(result.failedSeed, 2);
    assert.deepEqual(result.seedsRun, [1, 2]);
  });

  it('refuses a seed count outside 1…100, naming it', () => {
    for (const bad of [0, -1, 1.5, 101, Number.NaN]) assert.throws(() => seedSweep(bad).next(), /seeds must be an integer from 1 to 100, got /);
  });

  it("the lesson page's headline says which seed failed and how to replay it", () => {
    const failed = pageResult(checkOverSeeds(5, 1, fakeRun(new Set([3]), [])));
    assert.equal(failed.status, 'failed');
    assert.match(failed.headline, /^0 of 1 checks pass\. One fails: .* This is seed 3, after 2 that passed: replay exactly this run with serverless-lab check queues --seed 3\.$/);
    const passed = pageResult(checkOverSeeds(5, 1, fakeRun(new Set(), [])));
    assert.equal(passed.headline, 'Every check passes (1/1) on 5 seeds. Lesson done!');
  });
});
