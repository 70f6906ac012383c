// The playground's functions serving many requests per instance (src/engine/instanceConcurrency.ts):
// attach with a platform, the snapshot and Broker Explorer rows, refusals naming the field, replay.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessExecutor } from '../../src/engine/executor';
import { Playground } from '../../src/playground/playground';
import type { PlaygroundCommand } from '../../src/playground/types';
import { childrenOf, rowOf } from '../../src/vscode/playground/model';

describe('playground: functions with many requests per instance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'playground-instances-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function setup(): { p: Playground; file: string; executor: InProcessExecutor; seen: string[] } {
    const executor = new InProcessExecutor();
    const file = join(dir, 'api.ts');
    writeFileSync(file, 'export const handler = () => undefined;\n');
    const seen: string[] = [];
    executor.register(`${file}#handler`, () => ({ handler: (event: { Records: Array<{ Sns: { Message: string } }> }) => void seen.push(event.Records[0].Sns.Message) }));
    return { p: new Playground({ executor }), file, executor, seen };
  }

  it('attaches a handler on Cloud Run: one instance with its concurrency, shown in the snapshot and the Broker Explorer', () => {
    const { p, file, seen } = setup();
    for (const c of [
      { op: 'createTopic', name: 'news' },
      { op: 'attachHandler', function: 'api', file, topic: 'news', platform: 'cloud-run', minInstances: 1 },
      { op: 'publish', topic: 'news', body: 'a' },
      { op: 'publish', topic: 'news', body: 'b' },
    ] as PlaygroundCommand[])
      p.apply(c);
    assert.deepEqual(seen, ['a', 'b']);
    const s = p.snapshot();
    const fn = s.functions[0];
    assert.deepEqual(fn.instances, { platform: 'cloud-run', label: 'Cloud Run', concurrency: 80, minInstances: 1, running: 1, serving: 0 });
    assert.equal(fn.coldStarts, 0, 'the minimum instance was started ahead of the publishes');
    assert.equal(fn.invocations, 2);
    const row = rowOf(s, { node: 'function', fn });
    assert.match(String(row.description), /Cloud Run$/);
    const rows = childrenOf(s, { node: 'function', fn }).map((n) => rowOf(s, n));
    const instances = rows.find((r) => r.id === 'fn-instances:api');
    assert.ok(instances, `an instances row among ${rows.map((r) => r.label).join(', ')}`);
    assert.equal(instances.label, '1 instance · 0 requests in flight');
    assert.equal(instances.description, 'Cloud Run · 80 per instance · min 1');
    // Replaying the journal gives the same state.
    const { p: again, executor } = setup();
    void executor;
    again.restore(p.journal());
    assert.deepEqual(again.snapshot().functions, s.functions);
  });

  it('a Lambda function has no instances row; bad settings are refused naming the field, with nothing defined', () => {
    const { p, file } = setup();
    p.apply({ op: 'createTopic', name: 'news' });
    p.apply({ op: 'attachHandler', function: 'plain', file, topic: 'news' });
    const s = p.snapshot();
    assert.equal(s.functions[0].instances, undefined);
    assert.ok(!childrenOf(s, { node: 'function', fn: s.functions[0] }).some((n) => rowOf(s, n).id.startsWith('fn-instances:')));
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ concurrency: 0 }, /^concurrency: must be an integer between 1 and 1000, got 0/],
      [{ platform: 'lambda' }, /^platform: must be one of cloud-run, cloud-functions, azure-flex/],
      [{ concurrency: 2.5 }, /^concurrency: /],
      [{ minInstances: 101 }, /^minInstances: 101 exceeds maxInstances 100/],
    ];
    for (const [extra, pattern] of cases) {
      const journal = JSON.stringify(p.journal());
      assert.throws(() => p.request({ op: 'attachHandler', function: 'api', file, topic: 'news', ...extra } as PlaygroundCommand), (err: Error) => {
        assert.match(err.message, pattern);
        return true;
      });
      assert.equal(JSON.stringify(p.journal()), journal);
      assert.deepEqual(p.snapshot().functions.map((f) => f.name), ['plain']);
    }
  });
});
