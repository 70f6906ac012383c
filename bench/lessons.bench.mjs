// Time to check each lesson (reference solution, handlers in the isolated-vm sandbox) on each of the
// seeds the editor and `check` run by default: the slowest seed's time is printed. Goal ≤ 2 s per seed.
// Then the same check as a user runs it: `node dist/cli.js check <lesson>` as a process (Node start,
// re-start with --no-node-snapshot, lessons, compile, run, checks). Needs a build (`npm run bench` does it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../test/harness/workbench.mjs';

const require = createRequire(import.meta.url);
require('../test/register.js');

export default async function* lessons() {
  const { loadCatalog } = require('../src/lessons/loader.ts');
  const { checkLesson } = require('../src/lessons/checker.ts');
  const { IsolateExecutor } = require('../src/sandbox/isolateExecutor.ts');
  const { checkOverSeeds, DEFAULT_CHECK_SEEDS } = require('../src/lessons/seeds.ts');
  const { catalog } = loadCatalog(join(repoRoot, 'lessons'));
  const exercises = catalog.lessons.filter((l) => l.exercise);
  for (const lesson of exercises) {
    const perSeed = [];
    const result = checkOverSeeds(DEFAULT_CHECK_SEEDS, undefined, (seed) => {
      const started = performance.now();
      const run = checkLesson(lesson, join(lesson.dir, 'solution'), (dir) => ({ executor: new IsolateExecutor({ rootDir: dir }) }), seed === undefined ? {} : { seed });
      perSeed.push(performance.now() - started);
      return run;
    });
    const slowest = Math.max(...perSeed);
    yield {
      bench: `lesson check time per seed (${lesson.id}, slowest of ${perSeed.length} seeds)`,
      value: +slowest.toFixed(1),
      unit: 'ms',
      goal: '<= 2000',
      passed: !result.error && result.failedSeed === undefined && result.outcomes.every((o) => o.pass),
    };
  }

  const cli = join(repoRoot, 'dist', 'cli.js');
  if (!existsSync(cli)) return;
  for (const lesson of [exercises[0], exercises.find((l) => l.id === 'streams') ?? exercises[exercises.length - 1]]) {
    const solution = join(lesson.dir, 'solution');
    const args = lesson.exercise.files.flatMap((f) => ['--handler', join(solution, f)]);
    const started = performance.now();
    const r = spawnSync(process.execPath, [cli, 'check', lesson.id, ...args], { encoding: 'utf8' });
    const ms = performance.now() - started;
    yield { bench: `serverless-lab check ${lesson.id} (a process, as a user runs it)`, value: Math.round(ms), unit: 'ms', goal: '<= 3000', passed: r.status === 0 };
  }
}
