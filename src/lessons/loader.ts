import * as fs from 'node:fs';
import * as path from 'node:path';
import { Catalog, ExerciseMeta, Lesson, LessonMeta, LessonProblem, Section, WrongSolutionMeta, CorrectSolutionMeta } from './model';

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Reads `sections.json` and every `<folder>/lesson.json` under `root`. A lesson with a bad field is
 * left out and reported (file, field path, reason); the other lessons still load.
 */
export function loadCatalog(root: string): { catalog: Catalog; problems: LessonProblem[] } {
  const problems: LessonProblem[] = [];
  const sectionsFile = path.join(root, 'sections.json');
  const sections = readSections(sectionsFile, problems);
  const sectionIds = new Set(sections.map((s) => s.id));

  const lessons: Lesson[] = [];
  const seen = new Map<string, string>();
  const folders = fs.existsSync(root)
    ? fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  for (const folder of folders) {
    const dir = path.join(root, folder);
    const file = path.join(dir, 'lesson.json');
    if (!fs.existsSync(file)) continue;
    const lesson = readLesson(file, dir, sectionIds, problems);
    if (!lesson) continue;
    const other = seen.get(lesson.id);
    if (other) {
      problems.push({ file, path: 'id', message: `duplicate lesson id "${lesson.id}" (also in ${other})` });
      continue;
    }
    seen.set(lesson.id, file);
    lessons.push(lesson);
  }
  const sectionIndex = new Map(sections.map((s, i) => [s.id, i]));
  lessons.sort((a, b) => sectionIndex.get(a.section)! - sectionIndex.get(b.section)! || a.order - b.order || a.id.localeCompare(b.id));
  return { catalog: { sections, lessons }, problems };
}

function readJson(file: string, problems: LessonProblem[]): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push({ file, path: '', message: err instanceof SyntaxError ? `invalid JSON: ${err.message}` : `cannot read: ${(err as Error).message}` });
    return undefined;
  }
}

function readSections(file: string, problems: LessonProblem[]): Section[] {
  const data = readJson(file, problems);
  if (data === undefined) return [];
  if (!Array.isArray(data)) {
    problems.push({ file, path: '', message: 'must be an array of {id, title}' });
    return [];
  }
  const out: Section[] = [];
  data.forEach((entry, i) => {
    const where = `[${i}]`;
    if (typeof entry !== 'object' || entry === null) return problems.push({ file, path: where, message: 'must be an object {id, title}' });
    const { id, title } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || !ID.test(id)) return problems.push({ file, path: `${where}.id`, message: 'must be a kebab-case string' });
    if (typeof title !== 'string' || !title.trim()) return problems.push({ file, path: `${where}.title`, message: 'must be a non-empty string' });
    if (out.some((s) => s.id === id)) return problems.push({ file, path: `${where}.id`, message: `duplicate section id "${id}"` });
    out.push({ id, title });
  });
  return out;
}

/** Validates one lesson.json; returns undefined (and records why) when a field is wrong. */
export function readLesson(file: string, dir: string, sectionIds: ReadonlySet<string>, problems: LessonProblem[]): Lesson | undefined {
  const data = readJson(file, problems);
  if (data === undefined) return undefined;
  const before = problems.length;
  const fail = (field: string, message: string) => problems.push({ file, path: field, message });
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    fail('', 'must be a JSON object');
    return undefined;
  }
  const m = data as Record<string, unknown>;
  if (typeof m.id !== 'string' || !ID.test(m.id)) fail('id', 'must be a kebab-case string such as "what-serverless-means"');
  if (typeof m.title !== 'string' || !m.title.trim()) fail('title', 'must be a non-empty string');
  if (typeof m.section !== 'string') fail('section', 'must be a string naming a section in sections.json');
  else if (!sectionIds.has(m.section)) fail('section', `unknown section "${m.section}" (known: ${[...sectionIds].join(', ') || 'none'})`);
  if (typeof m.order !== 'number' || !Number.isInteger(m.order) || m.order < 1) fail('order', 'must be an integer ≥ 1');
  if (typeof m.summary !== 'string' || !m.summary.trim()) fail('summary', 'must be a non-empty string');
  if (m.minutes !== undefined && (typeof m.minutes !== 'number' || !(m.minutes > 0))) fail('minutes', 'must be a number > 0 when given');
  let pagePath = '';
  if (typeof m.page !== 'string' || !m.page.endsWith('.md')) fail('page', 'must be the relative path of a .md file');
  else {
    pagePath = path.resolve(dir, m.page);
    if (!pagePath.startsWith(path.resolve(dir) + path.sep)) fail('page', 'must stay inside the lesson folder');
    else if (!fs.existsSync(pagePath)) fail('page', `file not found: ${m.page}`);
  }
  const exercise = m.exercise === undefined ? undefined : readExercise(m.exercise, dir, fail);
  const wrong = m.wrongSolutions === undefined ? undefined : readWrongSolutions(m.wrongSolutions, dir, fail);
  const correct = m.correctSolutions === undefined ? undefined : readCorrectSolutions(m.correctSolutions, dir, fail);
  if (problems.length > before) return undefined;
  const meta = m as unknown as LessonMeta;
  return {
    id: meta.id,
    title: meta.title,
    section: meta.section,
    order: meta.order,
    summary: meta.summary,
    page: meta.page,
    ...(meta.minutes !== undefined ? { minutes: meta.minutes } : {}),
    ...(exercise ? { exercise } : {}),
    ...(wrong ? { wrongSolutions: wrong } : {}),
    ...(correct ? { correctSolutions: correct } : {}),
    dir,
    pagePath,
  };
}

function inside(dir: string, rel: string): string | undefined {
  const abs = path.resolve(dir, rel);
  return abs.startsWith(path.resolve(dir) + path.sep) ? abs : undefined;
}

function readExercise(value: unknown, dir: string, fail: (field: string, message: string) => void): ExerciseMeta | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('exercise', 'must be an object {scenario, files, checks, hints}');
    return undefined;
  }
  const e = value as Record<string, unknown>;
  const fileField = (field: string, v: unknown): string | undefined => {
    if (typeof v !== 'string' || !v) return void fail(`exercise.${field}`, 'must be a relative file path');
    const abs = inside(dir, v);
    if (!abs) return void fail(`exercise.${field}`, 'must stay inside the lesson folder');
    if (!fs.existsSync(abs)) return void fail(`exercise.${field}`, `file not found: ${v}`);
    return v;
  };
  const scenario = fileField('scenario', e.scenario);
  const checks = fileField('checks', e.checks);
  if (!Array.isArray(e.files) || e.files.length === 0) fail('exercise.files', 'must list at least one learner file');
  else
    e.files.forEach((f, i) => {
      if (typeof f !== 'string' || !/^[\w./-]+\.(ts|js|mjs)$/.test(f) || f.includes('..')) return fail(`exercise.files[${i}]`, 'must be a relative .ts or .js path');
      for (const variant of ['starter', 'solution']) {
        if (!fs.existsSync(path.join(dir, variant, f))) fail(`exercise.files[${i}]`, `${variant}/${f} not found`);
      }
    });
  if (!Array.isArray(e.hints) || e.hints.some((h) => typeof h !== 'string' || !h.trim())) fail('exercise.hints', 'must be a list of non-empty strings');
  if (e.seed !== undefined && !Number.isInteger(e.seed)) fail('exercise.seed', 'must be an integer');
  for (const key of Object.keys(e)) if (!['scenario', 'files', 'checks', 'hints', 'seed'].includes(key)) fail(`exercise.${key}`, 'unknown field');
  if (!scenario || !checks || !Array.isArray(e.files) || !Array.isArray(e.hints)) return undefined;
  return { scenario, checks, files: e.files as string[], hints: e.hints as string[], ...(e.seed !== undefined ? { seed: e.seed as number } : {}) };
}

function readCorrectSolutions(value: unknown, dir: string, fail: (field: string, message: string) => void): CorrectSolutionMeta[] | undefined {
  if (!Array.isArray(value)) {
    fail('correctSolutions', 'must be a list');
    return undefined;
  }
  const out: CorrectSolutionMeta[] = [];
  value.forEach((c, i) => {
    const at = `correctSolutions[${i}]`;
    if (typeof c !== 'object' || c === null) return fail(at, 'must be an object {name, dir}');
    const { name, dir: d } = c as Record<string, unknown>;
    if (typeof name !== 'string' || !name) return fail(`${at}.name`, 'must be a non-empty string');
    if (typeof d !== 'string' || !inside(dir, d) || !fs.existsSync(path.join(dir, d))) return fail(`${at}.dir`, `folder not found: ${String(d)}`);
    out.push({ name, dir: d });
  });
  return out;
}

function readWrongSolutions(value: unknown, dir: string, fail: (field: string, message: string) => void): WrongSolutionMeta[] | undefined {
  if (!Array.isArray(value)) {
    fail('wrongSolutions', 'must be a list');
    return undefined;
  }
  const out: WrongSolutionMeta[] = [];
  value.forEach((w, i) => {
    const at = `wrongSolutions[${i}]`;
    if (typeof w !== 'object' || w === null) return fail(at, 'must be an object {name, dir, fails, message}');
    const { name, dir: d, fails, message } = w as Record<string, unknown>;
    if (typeof name !== 'string' || !name) return fail(`${at}.name`, 'must be a non-empty string');
    if (typeof d !== 'string' || !inside(dir, d) || !fs.existsSync(path.join(dir, d))) return fail(`${at}.dir`, `folder not found: ${String(d)}`);
    if (typeof fails !== 'string' || !fails) return fail(`${at}.fails`, 'must name a check id');
    if (typeof message !== 'string') return fail(`${at}.message`, 'must be a regular expression string');
    try {
      new RegExp(message);
    } catch (err) {
      return fail(`${at}.message`, `invalid regular expression: ${(err as Error).message}`);
    }
    out.push({ name, dir: d, fails, message });
  });
  return out;
}
