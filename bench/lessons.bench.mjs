// Time to check each lesson (reference solution, handlers in the isolated-vm sandbox). Goal ≤ 2 s each.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../test/harness/workbench.mjs';

const require = createRequire(import.meta.url);
require('../test/register.js');

export default async function* lessons() {
  const { loadCatalog } = require('../src/lessons/loader.ts');
  const { checkLesson } = require('../src/lessons/checker.ts');
  const { IsolateExecutor } = require('../src/sandbox/isolateExecutor.ts');
  const { catalog } = loadCatalog(join(repoRoot, 'lessons'));
  for (const lesson of catalog.lessons.filter((l) => l.exercise)) {
    const started = performance.now();
    const result = checkLesson(lesson, join(lesson.dir, 'solution'), (dir) => ({ executor: new IsolateExecutor({ rootDir: dir }) }));
    const ms = performance.now() - started;
    yield { bench: `lesson check time (${lesson.id})`, value: +ms.toFixed(1), unit: 'ms', goal: '<= 2000', passed: result.outcomes.every((o) => o.pass) };
  }
}
