/**
 * The checks of a lesson, as data (id, title, hint) — without running anything. The editor lists
 * them in the Test Explorer; the checker (checker.ts) runs them. A lesson's `checks.js` is a
 * CommonJS module exporting `[{ id, title, hint, run(r) }]`; it is read afresh on every call so edits
 * are seen without a restart.
 */
import * as path from 'node:path';
import type { Lesson } from './model';
import type { LessonCheck } from './checks';

export function loadChecks(lesson: Lesson): LessonCheck[] {
  if (!lesson.exercise) return [];
  const file = path.join(lesson.dir, lesson.exercise.checks);
  delete require.cache[require.resolve(file)];
  const checks = require(file) as unknown;
  if (!Array.isArray(checks)) throw new Error(`${file}: must export an array of checks`);
  const seen = new Set<string>();
  checks.forEach((c: Partial<LessonCheck>, i) => {
    for (const field of ['id', 'title', 'hint'] as const) if (typeof c[field] !== 'string' || !c[field]) throw new Error(`${file}: checks[${i}].${field} must be a non-empty string`);
    if (typeof c.run !== 'function') throw new Error(`${file}: checks[${i}].run must be a function`);
    if (seen.has(c.id!)) throw new Error(`${file}: checks[${i}].id "${c.id}" is used twice`);
    seen.add(c.id!);
  });
  return checks as LessonCheck[];
}
