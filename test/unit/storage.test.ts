import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonFileStore } from '../../src/vscode/storage';

describe('learner state file (JsonFileStore)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slab-store-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const legacy = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });

  it('writes at once: a new store on the same file (a reloaded window) sees every update', async () => {
    const file = path.join(dir, 'nested', 'state.json');
    const a = new JsonFileStore(file);
    await a.update('progress', { done: { q: 1 } });
    await a.update('hints', { q: 2 });
    const b = new JsonFileStore(file);
    assert.deepEqual(b.get('progress'), { done: { q: 1 } });
    assert.deepEqual(b.get('hints'), { q: 2 });
  });

  it('reads keys it does not have from the legacy Memento, and a deletion does not resurrect them', async () => {
    const file = path.join(dir, 'state.json');
    const store = new JsonFileStore(file, legacy({ journal: ['old'], progress: { v: 1 } }));
    assert.deepEqual(store.get('journal'), ['old']);
    await store.update('journal', undefined);
    assert.equal(store.get('journal'), undefined);
    assert.equal(new JsonFileStore(file, legacy({ journal: ['old'] })).get('journal'), undefined);
    assert.deepEqual(store.get('progress'), { v: 1 });
  });

  it('two windows on one file do not overwrite each other\'s keys', async () => {
    const file = path.join(dir, 'state.json');
    const one = new JsonFileStore(file);
    const two = new JsonFileStore(file);
    await one.update('a', 1);
    await two.update('b', 2);
    assert.equal(one.get('b'), 2);
    assert.equal(two.get('a'), 1);
  });

  it('a corrupt file is kept aside, reported, and the state starts afresh', () => {
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, '{"progress": ');
    const problems: string[] = [];
    const store = new JsonFileStore(file, undefined, (m) => problems.push(m));
    assert.equal(store.get('progress'), undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /not valid JSON/);
    const aside = fs.readdirSync(dir).find((f) => f.includes('.corrupt-'));
    assert.ok(aside, 'the bad file is kept');
    assert.equal(fs.readFileSync(path.join(dir, aside), 'utf8'), '{"progress": ');
  });
});
