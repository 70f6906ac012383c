/**
 * Learner progress: which lessons are done, and the lesson to resume. Stored through a tiny
 * key-value interface so the same code runs on VS Code's `globalState` and in plain Node tests.
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
  lastLesson?: string;
}

const KEY = 'serverlessLab.progress';

export class Progress {
  private listeners = new Set<() => void>();

  constructor(private readonly store: KeyValueStore) {}

  private read(): ProgressState {
    const raw = this.store.get<ProgressState>(KEY);
    if (!raw || raw.version !== 1 || typeof raw.done !== 'object' || raw.done === null) return { version: 1, done: {} };
    return { version: 1, done: { ...raw.done }, ...(raw.lastLesson ? { lastLesson: raw.lastLesson } : {}) };
  }

  isDone(lessonId: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.read().done, lessonId);
  }

  doneCount(lessonIds: readonly string[]): number {
    return lessonIds.filter((id) => this.isDone(id)).length;
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

  async visit(lessonId: string): Promise<void> {
    const state = this.read();
    state.lastLesson = lessonId;
    await this.write(state);
  }

  async reset(): Promise<void> {
    await this.write({ version: 1, done: {} });
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
