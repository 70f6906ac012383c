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
