/**
 * The lesson format. A lesson is a folder `lessons/<folder>/` holding `lesson.json` (this metadata)
 * and a markdown page. Sections (the curriculum's chapters) are listed in `lessons/sections.json`.
 * Pure data: nothing here imports `vscode`.
 */
export interface Section {
  id: string;
  title: string;
}

export interface LessonMeta {
  /** Stable id, kebab-case; progress is stored under it. */
  id: string;
  title: string;
  /** Id of a section in sections.json. */
  section: string;
  /** Position within the section (1, 2, …). */
  order: number;
  /** One or two sentences shown in the Lessons view tooltip. */
  summary: string;
  /** Markdown page, relative to the lesson folder. */
  page: string;
  /** Estimated minutes to complete. */
  minutes?: number;
  /** The hands-on part: the learner's handlers run in a scenario and checks judge the behaviour. */
  exercise?: ExerciseMeta;
  /** Plausible wrong solutions, each with the check it must fail (the lesson's own test). */
  wrongSolutions?: WrongSolutionMeta[];
  /** Other correct solutions (other layouts and styles, JavaScript too): each must pass every check. */
  correctSolutions?: CorrectSolutionMeta[];
}

export interface CorrectSolutionMeta {
  name: string;
  /** Folder (relative to the lesson) overriding some of the learner files; the rest come from solution/. */
  dir: string;
}

export interface ExerciseMeta {
  /** Scenario file (relative to the lesson folder); its handler references are relative to the learner's folder. */
  scenario: string;
  /** Learner files (relative paths); `starter/<file>` and `solution/<file>` must exist for each. */
  files: string[];
  /** CommonJS module exporting the checks (`LessonCheck[]`). */
  checks: string;
  /** General hints, shown one at a time. */
  hints: string[];
  /** Seed for the check run (default: the scenario's). */
  seed?: number;
}

export interface WrongSolutionMeta {
  name: string;
  /** Folder (relative to the lesson) overriding some of the learner files; the rest come from solution/. */
  dir: string;
  /** Id of the check that must fail. */
  fails: string;
  /** Regular expression the failure's message must match. */
  message: string;
}

export interface Lesson extends LessonMeta {
  /** Absolute path of the lesson folder. */
  dir: string;
  /** Absolute path of the markdown page. */
  pagePath: string;
}

export interface Catalog {
  sections: Section[];
  /** Lessons in curriculum order: by section (as listed), then by `order`. */
  lessons: Lesson[];
}

/** A problem found while loading lessons: which file, which field, what is wrong. */
export interface LessonProblem {
  file: string;
  path: string;
  message: string;
}
