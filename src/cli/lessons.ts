/**
 * `serverless-lab lessons` and `serverless-lab check`: the lessons shipped with the extension, and
 * the editor's checks run from a terminal. `check` uses the same checker (src/lessons/checker.ts)
 * and the same sandbox executor as the editor, so a verdict is the same everywhere.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Executor } from '../engine/executor';
import { checkLesson, type LessonRunResult } from '../lessons/checker';
import { checkOverSeeds, seedVerdict } from '../lessons/seeds';
import { loadChecks } from '../lessons/checkList';
import { exerciseFileFor, fileVariants } from '../lessons/exerciseFiles';
import { formatTime } from '../lessons/checks';
import { loadCatalog } from '../lessons/loader';
import type { Catalog, Lesson } from '../lessons/model';
import { compileProblems } from '../sandbox/compile';
import type { IsolateExecutor } from '../sandbox/isolateExecutor';
import { UsageError } from './io';

/** One row of `serverless-lab lessons --json`. */
export interface LessonRow {
  /** The number in the lesson's folder name (`07-queues` → 7). */
  number: number | null;
  id: string;
  title: string;
  section: string;
  sectionTitle: string;
  exercise: boolean;
  checks: number;
}

/** The lesson catalog under `dir`; a folder without lessons is a usage error. */
export function readCatalog(dir: string): Catalog {
  if (!fs.existsSync(path.join(dir, 'sections.json'))) throw new UsageError(`--lessons: no sections.json in ${dir} (expected a lessons folder)`);
  const { catalog } = loadCatalog(dir);
  return catalog;
}

function lessonNumber(lesson: Lesson): number | null {
  const m = /^(\d+)-/.exec(path.basename(lesson.dir));
  return m ? Number(m[1]) : null;
}

export function lessonRows(catalog: Catalog): LessonRow[] {
  const sectionTitle = new Map(catalog.sections.map((s) => [s.id, s.title]));
  return catalog.lessons.map((l) => ({
    number: lessonNumber(l),
    id: l.id,
    title: l.title,
    section: l.section,
    sectionTitle: sectionTitle.get(l.section) ?? l.section,
    exercise: Boolean(l.exercise),
    checks: loadChecks(l).length,
  }));
}

/** The human-readable table: one block per section, a line per lesson. */
export function formatLessons(rows: LessonRow[]): string {
  const idWidth = Math.max(...rows.map((r) => r.id.length));
  const titleWidth = Math.max(...rows.map((r) => r.title.length));
  const lines: string[] = [];
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      if (section) lines.push('');
      section = r.section;
      lines.push(r.sectionTitle);
    }
    const what = r.exercise ? `exercise, ${r.checks} check${r.checks === 1 ? '' : 's'}` : 'reading';
    lines.push(`  ${String(r.number ?? '').padStart(2)}  ${r.id.padEnd(idWidth)}  ${r.title.padEnd(titleWidth)}  ${what}`);
  }
  const exercises = rows.filter((r) => r.exercise).length;
  lines.push('', `${rows.length} lessons, ${exercises} with an exercise. Run one's checks: serverless-lab check <id or number>`);
  return lines.join('\n') + '\n';
}

/** Edit distance (insert, delete, substitute), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/** A lesson by id or by the number of its folder (`7`, `07`); otherwise a usage error with the known ids. */
export function findLesson(catalog: Catalog, query: string): Lesson {
  const byId = catalog.lessons.find((l) => l.id === query);
  if (byId) return byId;
  if (/^\d+$/.test(query)) {
    const byNumber = catalog.lessons.find((l) => lessonNumber(l) === Number(query));
    if (byNumber) return byNumber;
  }
  const q = query.toLowerCase();
  const near = catalog.lessons
    .map((l) => ({ l, d: l.id.includes(q) && q.length >= 3 ? 0 : distance(q, l.id) }))
    .filter(({ l, d }) => d <= Math.max(2, Math.floor(l.id.length / 3)))
    .sort((a, b) => a.d - b.d)
    .map(({ l }) => `"${l.id}"`);
  const known = catalog.lessons.map((l) => `${lessonNumber(l) ?? '-'} ${l.id}`).join(', ');
  throw new UsageError(`unknown lesson ${JSON.stringify(query)}${near.length ? ` — did you mean ${near.slice(0, 3).join(' or ')}?` : ''} (known: ${known})`);
}

/** Where the learner's files for `lesson` are, when no --handler names them. */
function defaultHandlerDir(lesson: Lesson, cwd: string): string | undefined {
  const files = lesson.exercise?.files ?? [];
  const learnerDir = path.join(cwd, 'serverless-lab', lesson.id); // where the editor's Start Exercise puts them
  if (fs.existsSync(learnerDir)) return learnerDir;
  if (files.some((f) => fileVariants(f).some((v) => fs.existsSync(path.join(cwd, v))))) return cwd; // payments.js stands for payments.ts
  return undefined;
}

/**
 * A folder holding every exercise file: the learner's folder (or the current directory) with each
 * `--handler` file in place of the exercise file of the same basename. Without `--handler` it is the
 * learner's folder itself; otherwise a temporary folder of links (copies where links fail), so the
 * learner's files are never touched. Missing files are usage errors naming what was expected.
 */
export function prepareHandlerDir(lesson: Lesson, handlers: string[], cwd: string): { dir: string; allow: string[]; cleanup: () => void } {
  const files = lesson.exercise!.files;
  const base = defaultHandlerDir(lesson, cwd);
  const expected = `lesson ${lesson.id} expects ${files.join(', ')}`;
  const replace = new Map<string, string>();
  for (const h of handlers) {
    const abs = path.resolve(cwd, h);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) throw new UsageError(`--handler ${h}: no such file`);
    // handler.js stands for handler.ts: a learner may write any exercise file in JavaScript.
    const target = exerciseFileFor(files, abs);
    if (!target) throw new UsageError(`--handler ${h}: ${path.basename(abs)} is not a file of this exercise (${expected}); in JavaScript: ${files.map((f) => fileVariants(f).slice(1).join(' / ')).join(', ')}`);
    if (replace.has(target)) throw new UsageError(`--handler ${h}: ${target} is already given as ${replace.get(target)}`);
    replace.set(target, abs);
  }
  const missing = files.filter((f) => !replace.has(f) && !(base && fileVariants(f).some((v) => fs.existsSync(path.join(base, v)))));
  if (missing.length) {
    const where = base ? `in ${base}` : `in ${path.join(cwd, 'serverless-lab', lesson.id)} or ${cwd}`;
    throw new UsageError(`missing ${missing.map((f) => fileVariants(f).join(' or ')).join(', ')}: ${expected}; none found ${where} (pass --handler <file> for each)`);
  }
  if (!replace.size) return { dir: base!, allow: [], cleanup: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `serverless-lab-${lesson.id}-`));
  const place = (from: string, to: string): void => {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.rmSync(to, { recursive: true, force: true });
    try {
      fs.symlinkSync(from, to); // esbuild follows links: relative imports and error positions use the real file
    } catch {
      fs.cpSync(from, to, { recursive: true });
    }
  };
  // The learner's folder, minus every variant of a replaced file (handler.ts and handler.js would both be there).
  const replaced = new Set([...replace.keys()].flatMap((f) => fileVariants(f).map((v) => path.normalize(v))));
  if (base) for (const entry of fs.readdirSync(base)) if (!replaced.has(path.normalize(entry))) place(path.join(base, entry), path.join(dir, entry));
  for (const [file, from] of replace) place(from, path.join(dir, path.dirname(file), path.basename(from))); // keeps its own .ts / .js
  // The links lead to the learner's folders: the sandbox lets handlers import from those too.
  const allow = [...new Set([...(base ? [base] : []), ...[...replace.values()].map((f) => path.dirname(f))])];
  return { dir, allow, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Run a lesson's checks on the learner's files, with the sandbox executor, over `seeds` seeds from
 * `seed` (default: the lesson's own) on, stopping at the first seed that fails.
 */
export function runLessonChecks(lesson: Lesson, handlerDir: string, sandbox: (rootDir: string) => Executor & { dispose(): void }, options: { seed?: number; seeds?: number } = {}): LessonRunResult {
  return checkOverSeeds(options.seeds ?? 1, options.seed, (seed) => {
    const executors: Array<{ dispose(): void }> = [];
    try {
      return checkLesson(
        lesson,
        handlerDir,
        (dir) => {
          const executor = sandbox(dir);
          executors.push(executor);
          // Compiled as the runs will be: in this folder, with the folders the executor allows.
          const sandboxed = executor as Partial<Pick<IsolateExecutor, 'compileProblems'>>;
          const compile = (handler: string) => sandboxed.compileProblems?.(handler) ?? compileProblems(path.resolve(dir, handler.split('#')[0]!));
          return { executor, compile };
        },
        { seed },
      );
    } finally {
      for (const e of executors) e.dispose();
    }
  });
}

/** ✓/✗ per check, expected/actual/hint under each failure, then a summary line. */
export function formatCheckResult(lesson: Lesson, result: LessonRunResult): string {
  const lines = [`${lesson.title} (${lesson.id})`, ''];
  if (result.error) {
    const e = result.error;
    const at = e.file ? `${path.relative(process.cwd(), e.file) || e.file}:${e.line ?? 1}:${e.column ?? 1}` : '';
    if (e.kind === 'compile') lines.push(`Your code does not compile: ${at}: ${e.message}`, 'No check ran.', '');
    else lines.push(`The exercise could not run: ${e.message}${at ? ` (${at})` : ''}`, '');
    return lines.join('\n') + '\n';
  }
  const seeds = seedVerdict(result);
  if (result.failedSeed !== undefined && seeds) lines.push(`${seeds[0].toUpperCase()}${seeds.slice(1)}.`, '');
  for (const o of result.outcomes) {
    lines.push(`  ${o.pass ? '✓' : '✗'} ${o.id}: ${o.title}`);
    if (o.pass || result.error) continue;
    lines.push(`      ${o.message}`, `      expected: ${o.expected}`, `      actual:   ${o.actual}`, `      hint:     ${o.hint}`, `      read:     ${lesson.pagePath}#${o.section}`);
  }
  if (result.logs?.length) {
    lines.push('', `Your handlers logged ${result.logs.length + (result.logsDropped ?? 0)} line(s)${result.logs.length > 20 ? ', the first 20' : ''}:`);
    for (const l of result.logs.slice(0, 20)) lines.push(`  [${formatTime(l.t)}] ${l.fn} ${l.id}: ${l.text}`);
  }
  if (result.handlerErrors.length) {
    lines.push('', 'Errors thrown by your handlers:');
    for (const e of result.handlerErrors) lines.push(`  ${e.file}:${e.line}:${e.column}: ${e.message}${e.count > 1 ? ` (×${e.count})` : ''}`);
  }
  if (result.unawaitedCalls?.length) {
    lines.push('', 'Calls your handlers did not await:');
    for (const u of result.unawaitedCalls) lines.push(`  ${u.file}:${u.line}:${u.column}: ${u.message} (${u.count} invocation${u.count === 1 ? '' : 's'}: ${u.completedLater} completed later, ${u.neverCompleted} never)`);
  }
  const passed = result.outcomes.filter((o) => o.pass).length;
  const total = result.outcomes.length;
  const onSeeds = result.failedSeed !== undefined ? ` on seed ${result.failedSeed} — replay with --seed ${result.failedSeed}` : seeds ? ` — ${seeds}` : '';
  lines.push('', `${passed === total ? 'All' : `${passed} of`} ${total} checks passed${onSeeds} (${(result.wallMs / 1000).toFixed(1)} s)`);
  return lines.join('\n') + '\n';
}

/** Exit code of a check: 0 when every check passed, 1 otherwise. */
export function checkExitCode(result: LessonRunResult): number {
  return !result.error && result.outcomes.length > 0 && result.outcomes.every((o) => o.pass) ? 0 : 1;
}
