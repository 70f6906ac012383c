/**
 * The checks of a lesson, as data (id, title, hint) — without running anything. The editor lists
 * them in the Test Explorer; the checker (checker.ts) runs them. A lesson's `checks.js` is a
 * CommonJS module exporting `[{ id, title, hint, section, run(r) }]` (`section`: the anchor of
 * the page heading that explains the rule); it is read afresh on every call so edits
 * are seen without a restart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lesson } from './model';
import { pageAnchors, type LessonCheck } from './checks';

export function loadChecks(lesson: Lesson): LessonCheck[] {
  if (!lesson.exercise) return [];
  const file = path.join(lesson.dir, lesson.exercise.checks);
  delete require.cache[require.resolve(file)];
  const checks = require(file) as unknown;
  if (!Array.isArray(checks)) throw new Error(`${file}: must export an array of checks`);
  const seen = new Set<string>();
  const anchors = new Set(fs.existsSync(lesson.pagePath) ? pageAnchors(fs.readFileSync(lesson.pagePath, 'utf8')) : []);
  checks.forEach((c: Partial<LessonCheck>, i) => {
    for (const field of ['id', 'title', 'hint', 'section'] as const) if (typeof c[field] !== 'string' || !c[field]) throw new Error(`${file}: checks[${i}].${field} must be a non-empty string`);
    if (typeof c.run !== 'function') throw new Error(`${file}: checks[${i}].run must be a function`);
    if (!anchors.has(c.section!)) throw new Error(`${file}: checks[${i}].section "${c.section}" is not a heading of ${path.basename(lesson.pagePath)} (headings: ${[...anchors].join(', ')})`);
    if (seen.has(c.id!)) throw new Error(`${file}: checks[${i}].id "${c.id}" is used twice`);
    seen.add(c.id!);
  });
  return checks as LessonCheck[];
}
