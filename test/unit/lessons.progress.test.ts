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

describe('lesson progress: exercises and checks', () => {
  it('records check results per check; all passing marks the lesson done, a later failure does not undo it', async () => {
    const progress = new Progress(new MemoryStore());
    assert.equal(progress.state('q'), 'not-started');
    await progress.start('q');
    assert.equal(progress.state('q'), 'in-progress');
    assert.equal(progress.lastLesson, 'q', 'starting a lesson is where to resume');
    await progress.recordChecks('q', [
      { id: 'no-loss', pass: true },
      { id: 'idempotent', pass: false },
    ]);
    assert.deepEqual(progress.checkResults('q'), { 'no-loss': true, idempotent: false });
    assert.equal(progress.isDone('q'), false);
    await progress.recordChecks('q', [
      { id: 'no-loss', pass: true },
      { id: 'idempotent', pass: true },
    ]);
    assert.equal(progress.state('q'), 'done');
    await progress.recordChecks('q', [{ id: 'no-loss', pass: false }]);
    assert.equal(progress.isDone('q'), true, 'done stays done');
    assert.deepEqual(progress.checkResults('q'), { 'no-loss': false });
  });

  it('an empty check run never marks a lesson done', async () => {
    const progress = new Progress(new MemoryStore());
    await progress.recordChecks('q', []);
    assert.equal(progress.isDone('q'), false);
  });

  it('resetLesson forgets done and check results of that lesson only; it stays started', async () => {
    const store = new MemoryStore();
    const progress = new Progress(store);
    await progress.start('a');
    await progress.recordChecks('a', [{ id: 'x', pass: true }]);
    await progress.recordChecks('b', [{ id: 'y', pass: true }]);
    await progress.resetLesson('a');
    const reloaded = new Progress(store);
    assert.equal(reloaded.state('a'), 'in-progress');
    assert.deepEqual(reloaded.checkResults('a'), {});
    assert.equal(reloaded.isDone('b'), true);
    assert.deepEqual(reloaded.summary(['a', 'b', 'c']), { started: 1, checked: 1, done: 1, skipped: 0, total: 3 });
  });

  it('reads state written by older versions (no started/checks fields) and ignores garbage', async () => {
    const store = new MemoryStore();
    store.data.set('serverlessLab.progress', { version: 1, done: { a: { at: 'x' } }, started: 'nonsense' });
    const progress = new Progress(store);
    assert.equal(progress.isDone('a'), true);
    assert.equal(progress.isStarted('a'), false);
    await progress.start('b');
    assert.equal(progress.isStarted('b'), true);
  });
});

describe('lesson progress: skipping a lesson', () => {
  it('a skipped lesson is recorded as skipped, not done, survives a reload, and counts apart', async () => {
    const store = new MemoryStore();
    const progress = new Progress(store);
    await progress.start('queues');
    await progress.skip('queues', new Date('2026-01-02T03:04:05Z'));
    const reloaded = new Progress(store);
    assert.equal(reloaded.isSkipped('queues'), true);
    assert.equal(reloaded.isDone('queues'), false);
    assert.equal(reloaded.state('queues'), 'skipped');
    assert.deepEqual(reloaded.summary(['queues', 'topics']), { started: 1, checked: 0, done: 0, skipped: 1, total: 2 });
  });

  it('passing a skipped lesson makes it done (no longer skipped); a done lesson cannot be skipped', async () => {
    const progress = new Progress(new MemoryStore());
    await progress.skip('queues');
    await progress.recordChecks('queues', [{ id: 'a', pass: true }]);
    assert.equal(progress.state('queues'), 'done');
    assert.equal(progress.isSkipped('queues'), false);
    assert.equal(progress.summary(['queues']).skipped, 0);
    await progress.skip('queues');
    assert.equal(progress.state('queues'), 'done');
  });

  it('unskip and Reset Lesson take a skipped lesson up again', async () => {
    const progress = new Progress(new MemoryStore());
    await progress.skip('a');
    await progress.unskip('a');
    assert.equal(progress.state('a'), 'not-started');
    await progress.start('b');
    await progress.skip('b');
    await progress.resetLesson('b');
    assert.equal(progress.state('b'), 'in-progress', 'started, no longer skipped');
  });
});
