import assert from 'node:assert/strict';
import { KeyValueStore, Progress } from '../../src/lessons/progress';

class MemoryStore implements KeyValueStore {
  data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.data.set(key, JSON.parse(JSON.stringify(value)));
  }
}

describe('lesson progress', () => {
  it('marks lessons done and not done, and counts them', async () => {
    const progress = new Progress(new MemoryStore());
    await progress.setDone('a', true);
    await progress.setDone('b', true);
    await progress.setDone('b', false);
    assert.equal(progress.isDone('a'), true);
    assert.equal(progress.isDone('b'), false);
    assert.equal(progress.doneCount(['a', 'b', 'c']), 1);
  });

  it('persists through the store: a new Progress on the same store sees it (a reload)', async () => {
    const store = new MemoryStore();
    await new Progress(store).setDone('a', true);
    await new Progress(store).visit('a');
    const reloaded = new Progress(store);
    assert.equal(reloaded.isDone('a'), true);
    assert.equal(reloaded.lastLesson, 'a');
  });

  it('reset clears everything and notifies listeners', async () => {
    const progress = new Progress(new MemoryStore());
    let changes = 0;
    progress.onDidChange(() => changes++);
    await progress.setDone('a', true);
    await progress.reset();
    assert.equal(progress.isDone('a'), false);
    assert.equal(changes, 2);
  });

  it('ignores corrupt stored state instead of failing', () => {
    const store = new MemoryStore();
    store.data.set('serverlessLab.progress', { version: 7, done: 'nope' });
    assert.equal(new Progress(store).isDone('a'), false);
  });

  it('does not treat inherited keys such as "constructor" as done lessons', () => {
    assert.equal(new Progress(new MemoryStore()).isDone('constructor'), false);
  });
});
