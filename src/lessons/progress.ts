/**
 * Learner progress: which lessons are done, which exercises were started, the last result of each
 * check, and the lesson to resume. Stored through a tiny key-value interface so the same code runs on
 * VS Code's `globalState` and in plain Node tests.
 */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

interface Thenable<T> {
  then<R>(onfulfilled?: (value: T) => R): Thenable<R>;
}

export interface ProgressState {
  version: 1;
  done: Record<string, { at: string }>;
  /** Exercises whose starter files were put in the workspace. */
  started?: Record<string, { at: string }>;
  /** Lessons the learner skipped (stuck, or not interested): recorded apart from done. */
  skipped?: Record<string, { at: string }>;
  /** The last result of every check of a lesson: check id → passed. */
  checks?: Record<string, { at: string; results: Record<string, boolean> }>;
  lastLesson?: string;
  /** Lessons whose page was opened. */
  visited?: Record<string, { at: string }>;
  /** Things the learner did once (opened a diagram, used the playground): the walkthrough ticks on them. */
  milestones?: Record<string, { at: string }>;
}

/** Where a lesson stands, for views and the walkthrough. */
export type LessonState = 'done' | 'skipped' | 'in-progress' | 'not-started';

const KEY = 'serverlessLab.progress';

export class Progress {
  private listeners = new Set<() => void>();

  constructor(private readonly store: KeyValueStore) {}

  private read(): ProgressState {
    const raw = this.store.get<ProgressState>(KEY);
    if (!raw || raw.version !== 1 || typeof raw.done !== 'object' || raw.done === null) return { version: 1, done: {} };
    const record = <T>(value: unknown): Record<string, T> => (typeof value === 'object' && value !== null ? { ...(value as Record<string, T>) } : {});
    return {
      version: 1,
      done: { ...raw.done },
      started: record(raw.started),
      skipped: record(raw.skipped),
      checks: record(raw.checks),
      visited: record(raw.visited),
      milestones: record(raw.milestones),
      ...(raw.lastLesson ? { lastLesson: raw.lastLesson } : {}),
    };
  }

  isDone(lessonId: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.read().done, lessonId);
  }

  doneCount(lessonIds: readonly string[]): number {
    return lessonIds.filter((id) => this.isDone(id)).length;
  }

  /** Skipped, and not done since. */
  isSkipped(lessonId: string): boolean {
    return !this.isDone(lessonId) && Object.prototype.hasOwnProperty.call(this.read().skipped ?? {}, lessonId);
  }

  isStarted(lessonId: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.read().started ?? {}, lessonId);
  }

  /** The last result of each check of a lesson (check id → passed), empty when never checked. */
  checkResults(lessonId: string): Record<string, boolean> {
    return { ...(this.read().checks?.[lessonId]?.results ?? {}) };
  }

  state(lessonId: string): LessonState {
    if (this.isDone(lessonId)) return 'done';
    if (this.isSkipped(lessonId)) return 'skipped';
    return this.isStarted(lessonId) || Object.keys(this.checkResults(lessonId)).length ? 'in-progress' : 'not-started';
  }

  /** What the walkthrough and welcome views react to. */
  summary(lessonIds: readonly string[]): { started: number; checked: number; done: number; skipped: number; total: number } {
    const s = this.read();
    const has = (r: Record<string, unknown> | undefined, id: string) => Object.prototype.hasOwnProperty.call(r ?? {}, id);
    return {
      started: lessonIds.filter((id) => has(s.started, id)).length,
      checked: lessonIds.filter((id) => has(s.checks, id)).length,
      done: lessonIds.filter((id) => has(s.done, id)).length,
      skipped: lessonIds.filter((id) => has(s.skipped, id) && !has(s.done, id)).length,
      total: lessonIds.length,
    };
  }

  isVisited(lessonId: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.read().visited ?? {}, lessonId);
  }

  /** Whether the learner did this once (`openedDiagram`, `usedPlayground`, `checkedRuntime`). */
  reached(milestone: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.read().milestones ?? {}, milestone);
  }

  /** Records a milestone the first time (later calls change nothing and notify no one). */
  async reach(milestone: string, now: Date = new Date()): Promise<void> {
    if (this.reached(milestone)) return;
    const state = this.read();
    state.milestones = { ...state.milestones, [milestone]: { at: now.toISOString() } };
    await this.write(state);
  }

  get lastLesson(): string | undefined {
    return this.read().lastLesson;
  }

  async setDone(lessonId: string, done: boolean, now: Date = new Date()): Promise<void> {
    const state = this.read();
    if (done) state.done[lessonId] = { at: now.toISOString() };
    else delete state.done[lessonId];
    await this.write(state);
  }

  /**
   * "Skip Lesson": the learner moves on without passing. Recorded as skipped — never as done — so
   * views show it apart and the lesson can be taken up again; passing it later makes it done.
   */
  async skip(lessonId: string, now: Date = new Date()): Promise<void> {
    const state = this.read();
    if (Object.prototype.hasOwnProperty.call(state.done, lessonId)) return; // done stays done
    state.skipped = { ...state.skipped, [lessonId]: { at: now.toISOString() } };
    await this.write(state);
  }

  /** Takes a skipped lesson up again (it is then in progress or not started, as before). */
  async unskip(lessonId: string): Promise<void> {
    const state = this.read();
    if (!state.skipped?.[lessonId]) return;
    delete state.skipped[lessonId];
    await this.write(state);
  }

  async visit(lessonId: string, now: Date = new Date()): Promise<void> {
    const state = this.read();
    state.lastLesson = lessonId;
    if (!state.visited?.[lessonId]) state.visited = { ...state.visited, [lessonId]: { at: now.toISOString() } };
    await this.write(state);
  }

  async start(lessonId: string, now: Date = new Date()): Promise<void> {
    const state = this.read();
    state.started = { ...state.started, [lessonId]: { at: now.toISOString() } };
    state.lastLesson = lessonId;
    await this.write(state);
  }

  /** Records a check run; the lesson is done when every check passed (never undone by a later failure). */
  async recordChecks(lessonId: string, results: ReadonlyArray<{ id: string; pass: boolean }>, now: Date = new Date()): Promise<void> {
    const state = this.read();
    state.checks = { ...state.checks, [lessonId]: { at: now.toISOString(), results: Object.fromEntries(results.map((r) => [r.id, r.pass])) } };
    if (results.length && results.every((r) => r.pass)) state.done[lessonId] = state.done[lessonId] ?? { at: now.toISOString() };
    await this.write(state);
  }

  /** "Reset lesson": forgets whether it was done and its check results (the starter files are back, so it stays started). */
  async resetLesson(lessonId: string): Promise<void> {
    const state = this.read();
    delete state.done[lessonId];
    delete state.checks?.[lessonId];
    delete state.skipped?.[lessonId];
    await this.write(state);
  }

  async reset(): Promise<void> {
    const { milestones } = this.read();
    // Lessons start over; what the learner has seen of the tool (diagram, playground) stays seen.
    await this.write({ version: 1, done: {}, ...(milestones && Object.keys(milestones).length ? { milestones } : {}) });
  }

  /** Called after every change. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private async write(state: ProgressState): Promise<void> {
    await this.store.update(KEY, state);
    for (const listener of this.listeners) listener();
  }
}
