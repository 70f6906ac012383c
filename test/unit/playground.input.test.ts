import assert from 'node:assert/strict';
import {
  checkAttributes,
  checkTopicAttributes,
  checkHandlerFile,
  checkInteger,
  checkJsonObject,
  checkName,
  checkToken,
  functionNameFor,
  isArgumentObject,
  LIMITS,
  parseAttributes,
  parseInteger,
  parseJsonObject,
  parseOptionalObject,
} from '../../src/playground/input';
import { Playground } from '../../src/playground/playground';
import type { PlaygroundCommand, PlaygroundSnapshot } from '../../src/playground/types';
import { BrokerNode, childrenOf, formatTime, isEmpty, preview, rowOf } from '../../src/vscode/playground/model';
import { journalIn, JournalStore, PlaygroundRuntime, PlaygroundSession } from '../../src/vscode/playground/session';

describe('playground input: names', () => {
  it('accepts letters, digits, - and _ and names what else is wrong', () => {
    assert.equal(checkName('queue', 'orders-2_b'), undefined);
    assert.match(checkName('queue', '')!, /required/);
    assert.match(checkName('queue', 'my queue')!, /a space/);
    assert.match(checkName('stream', 'clicks!')!, /"!"/);
    assert.match(checkName('bus', 'x'.repeat(81))!, /at most 80/);
  });

  it('.fifo is required for FIFO queues and topics and refused elsewhere', () => {
    assert.equal(checkName('queue', 'orders.fifo', { fifo: true }), undefined);
    assert.match(checkName('queue', 'orders', { fifo: true })!, /must end in "\.fifo".*orders\.fifo/);
    assert.match(checkName('topic', 'news.fifo')!, /Only FIFO topics/);
    assert.match(checkName('stream', 'clicks.fifo')!, /only for FIFO queues and topics/);
    assert.match(checkName('queue', 'a.b.fifo', { fifo: true })!, /"\."/);
  });

  it('refuses a name that is already taken', () => {
    assert.match(checkName('queue', 'orders', { taken: ['orders', 'dlq'] })!, /already exists/);
    assert.equal(checkName('queue', 'billing', { taken: ['orders'] }), undefined);
  });
});

describe('playground input: numbers, JSON, ids', () => {
  it('integers must be whole and within the range, named with the unit', () => {
    assert.equal(checkInteger('30', LIMITS.visibilityTimeoutS), undefined);
    assert.equal(checkInteger('0', LIMITS.visibilityTimeoutS), undefined);
    assert.match(checkInteger('99999', LIMITS.visibilityTimeoutS)!, /between 0 and 43200 seconds \(got 99999\)/);
    assert.match(checkInteger('1.5', LIMITS.partitions)!, /not a whole number/);
    assert.match(checkInteger('abc', LIMITS.partitions)!, /not a whole number/);
    assert.match(checkInteger('', LIMITS.partitions)!, /required/);
    assert.equal(checkInteger('', LIMITS.partitions, { optional: true }), undefined);
    assert.match(checkInteger('-1', LIMITS.offset)!, /0 or more/);
    assert.equal(checkInteger('123456', LIMITS.offset), undefined);
    assert.equal(parseInteger(' 42 '), 42);
    assert.equal(parseInteger(''), undefined);
  });

  it('JSON must parse and be an object', () => {
    assert.deepEqual(parseJsonObject('{"a": [1]}'), { value: { a: [1] } });
    assert.match((parseJsonObject('{"a": ') as { error: string }).error, /Not valid JSON/);
    assert.match((parseJsonObject('[1]') as { error: string }).error, /not an array/);
    assert.match((parseJsonObject('null') as { error: string }).error, /not null/);
    assert.match((parseJsonObject('"x"') as { error: string }).error, /not a string/);
    assert.match(checkJsonObject()('')!, /required/);
    assert.equal(checkJsonObject({ optional: true })(''), undefined);
    assert.equal(parseOptionalObject('  '), undefined);
    assert.deepEqual(parseOptionalObject('{"type": ["order"]}'), { type: ['order'] });
  });

  it('attributes are strings or numbers with valid names', () => {
    assert.equal(checkAttributes(''), undefined);
    assert.equal(checkAttributes('{"type": "order", "amount": 42}'), undefined);
    assert.match(checkAttributes('{"nested": {"a": 1}}')!, /"nested" must be a string or a number/);
    assert.match(checkAttributes('{"bad name": 1}')!, /Attribute name "bad name"/);
    assert.match(checkAttributes(JSON.stringify(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, i]))))!, /At most 10/);
    assert.match(checkAttributes('{"tags": ["a"]}')!, /SQS has no String.Array/);
    assert.equal(checkTopicAttributes('{"tags": ["a", 1, true, null], "n": 2}'), undefined);
    assert.match(checkTopicAttributes('{"tags": ["a", {"b": 1}]}')!, /"tags" is a String.Array/);
    assert.match(checkTopicAttributes('{"nested": {"a": 1}}')!, /string, a number or an array/);
    assert.deepEqual(parseAttributes('{"type": "order"}'), { type: 'order' });
    assert.equal(parseAttributes(''), undefined);
  });

  it('group ids are printable ASCII without spaces', () => {
    assert.equal(checkToken('A group id')('group-1'), undefined);
    assert.match(checkToken('A group id')('')!, /required/);
    assert.match(checkToken('A group id')('a b')!, /printable ASCII/);
    assert.equal(checkToken('A deduplication id', { optional: true })(''), undefined);
  });

  it('handler files and the function names suggested for them', () => {
    assert.equal(checkHandlerFile('/w/src/handler.ts'), undefined);
    assert.match(checkHandlerFile('/w/types.d.ts')!, /declaration/);
    assert.match(checkHandlerFile('/w/readme.md')!, /\.ts or \.js/);
    assert.equal(functionNameFor('/w/src/order handler.ts'), 'order-handler');
    assert.equal(functionNameFor('C:\\w\\process.js'), 'process');
  });

  it('tells argument objects from tree rows and other values', () => {
    assert.equal(isArgumentObject({ name: 'orders' }), true);
    assert.equal(isArgumentObject({ node: 'queue', queue: {} }), false);
    assert.equal(isArgumentObject([]), false);
    assert.equal(isArgumentObject(undefined), false);
    assert.equal(isArgumentObject(new Date()), false);
  });
});

/** The real playground engine, in-process, behind the runtime interface the session uses. */
function fakeRuntime(pg = new Playground()): PlaygroundRuntime & { requests: number } {
  const rt = {
    requests: 0,
    async request<T>(r: { type: string; command?: unknown }): Promise<T> {
      rt.requests++;
      if (r.type !== 'playground') throw new Error(`unexpected ${r.type}`);
      return pg.request(r.command as PlaygroundCommand).response as T;
    },
    on: () => rt,
  };
  return rt as PlaygroundRuntime & { requests: number };
}

function memoryStore(initial?: PlaygroundCommand[]): JournalStore & { saved: PlaygroundCommand[] | undefined; writes: number } {
  const store = {
    saved: initial,
    writes: 0,
    get: () => store.saved,
    set: async (journal: PlaygroundCommand[] | undefined) => {
      store.writes++;
      store.saved = journal ? JSON.parse(JSON.stringify(journal)) : undefined;
    },
  };
  return store;
}

describe('playground session: journal persistence', () => {
  const quiet = { changed: () => undefined, warn: () => undefined };

  it('does not start the runtime until first used', async () => {
    let started = 0;
    const session = new PlaygroundSession(async () => (started++, fakeRuntime()), memoryStore(), quiet);
    assert.equal(started, 0);
    const snapshot = () => session.snapshot;
    assert.equal(snapshot(), undefined, 'no snapshot before first use');
    await Promise.all([session.ready(), session.ready()]);
    assert.equal(started, 1, 'one start for concurrent first uses');
    assert.deepEqual(snapshot()?.queues, []);
  });

  it('saves the journal after each successful command and nothing after a failed one', async () => {
    const store = memoryStore();
    const session = new PlaygroundSession(async () => fakeRuntime(), store, quiet);
    await session.run({ op: 'createQueue', name: 'dlq' });
    await session.run({ op: 'createQueue', name: 'orders', visibilityTimeoutS: 5, deadLetter: { queue: 'dlq', maxReceiveCount: 2 } });
    await session.run({ op: 'send', queue: 'orders', body: 'hello' });
    assert.deepEqual(store.saved?.map((c) => c.op), ['createQueue', 'createQueue', 'send']);
    const writes = store.writes;
    const before = JSON.stringify(session.snapshot);
    await assert.rejects(session.run({ op: 'createQueue', name: 'slow', visibilityTimeoutS: 99_999 }), /visibilityTimeoutS/);
    await assert.rejects(session.run({ op: 'send', queue: 'nope', body: 'x' }), /nope/);
    assert.equal(store.writes, writes, 'nothing saved after a failure');
    assert.equal(store.saved?.length, 3);
    assert.equal(JSON.stringify(session.snapshot), before, 'the snapshot is unchanged');
  });

  it('restores the saved journal in a new session (a window reload) and reset clears it', async () => {
    const store = memoryStore();
    const first = new PlaygroundSession(async () => fakeRuntime(), store, quiet);
    await first.run({ op: 'createQueue', name: 'orders' });
    await first.run({ op: 'send', queue: 'orders', body: 'one' });
    await first.run({ op: 'send', queue: 'orders', body: 'two' });
    await first.run({ op: 'receive', queue: 'orders', max: 1 });

    const second = new PlaygroundSession(async () => fakeRuntime(), store, quiet);
    await second.ready();
    const orders = second.snapshot!.queues.find((q) => q.name === 'orders')!;
    assert.deepEqual(orders.depth, first.snapshot!.queues[0].depth);
    assert.deepEqual(orders.depth, { visible: 1, inFlight: 1, delayed: 0 });
    assert.equal(second.snapshot!.now, first.snapshot!.now, 'virtual time is restored too');

    await second.run({ op: 'reset' });
    assert.equal(store.saved, undefined);
    assert.equal(isEmpty(second.snapshot), true);
  });

  it('warns (and keeps going) when saved entries no longer apply', async () => {
    const warnings: string[] = [];
    const store = memoryStore([{ op: 'createQueue', name: 'orders' }, { op: 'send', queue: 'gone', body: 'x' }]);
    const session = new PlaygroundSession(async () => fakeRuntime(), store, { changed: () => undefined, warn: (m) => warnings.push(m) });
    await session.ready();
    assert.deepEqual(session.snapshot!.queues.map((q) => q.name), ['orders']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /send/);
  });

  it('a runtime that cannot start is retried on the next use', async () => {
    let attempts = 0;
    const session = new PlaygroundSession(
      async () => {
        if (++attempts === 1) throw new Error('no Node 24');
        return fakeRuntime();
      },
      memoryStore(),
      quiet,
    );
    await assert.rejects(session.ready(), /no Node 24/);
    await session.ready();
    assert.equal(attempts, 2);
  });

  it('reads the journal out of a query result', () => {
    assert.deepEqual(journalIn([{ op: 'reset' }]), [{ op: 'reset' }]);
    assert.deepEqual(journalIn({ journal: [] }), []);
    assert.throws(() => journalIn({}), /without a journal/);
  });
});

describe('Broker Explorer rows', () => {
  async function build(): Promise<PlaygroundSnapshot> {
    const pg = new Playground();
    const run = (c: PlaygroundCommand) => pg.request(c).response;
    run({ op: 'createQueue', name: 'dlq' });
    run({ op: 'createQueue', name: 'orders', visibilityTimeoutS: 60, deadLetter: { queue: 'dlq', maxReceiveCount: 1 } });
    run({ op: 'send', queue: 'orders', body: 'first message with a rather long body that will be cut' });
    run({ op: 'send', queue: 'orders', body: 'second' });
    run({ op: 'receive', queue: 'orders', max: 1 });
    run({ op: 'createTopic', name: 'news' });
    run({ op: 'subscribe', topic: 'news', queue: 'orders', filterPolicy: { type: ['order'] } });
    run({ op: 'createStream', name: 'clicks', partitions: 2 });
    run({ op: 'produce', stream: 'clicks', key: 'u1', value: 'home' });
    run({ op: 'consume', stream: 'clicks', group: 'g1' });
    run({ op: 'produce', stream: 'clicks', key: 'u1', value: 'cart' });
    run({ op: 'createBus', name: 'shop' });
    run({ op: 'putRule', bus: 'shop', rule: 'to-orders', pattern: { source: ['shop'] }, targets: [{ queue: 'orders' }] });
    return pg.request({ op: 'snapshot' }).response.snapshot;
  }

  const labels = (s: PlaygroundSnapshot, node?: BrokerNode) => childrenOf(s, node).map((n) => rowOf(s, n));

  it('an empty playground has no rows (the welcome text shows)', () => {
    const empty = new Playground().request({ op: 'snapshot' }).response.snapshot;
    assert.deepEqual(childrenOf(empty), []);
    assert.deepEqual(childrenOf(undefined), []);
  });

  it('roots: virtual time, then one group per kind with its count', async () => {
    const s = await build();
    const roots = labels(s);
    assert.match(roots[0].label, /^Virtual time \d/);
    assert.equal(roots[0].description, `${s.commands} commands`);
    assert.deepEqual(roots.slice(1).map((r) => [r.label, r.description]), [
      ['Queues', '2'],
      ['Topics', '1'],
      ['Streams', '1'],
      ['Event buses', '1'],
      ['Functions', 'none'],
      ['RabbitMQ', 'none'],
      ['Google Pub/Sub', 'none'],
      ['Kinesis', 'none'],
    ]);
  });

  it('queues show counts, the DLQ mark, the dead-letter link and their messages', async () => {
    const s = await build();
    const [queues] = childrenOf(s).filter((n) => n.node === 'group');
    const rows = labels(s, queues);
    const dlq = rows.find((r) => r.label === 'dlq')!;
    const orders = rows.find((r) => r.label === 'orders')!;
    assert.match(dlq.description!, /^DLQ · 0 visible/);
    assert.equal(dlq.contextValue, 'playground.queue.dlq');
    assert.equal(orders.description, '1 visible · 1 in flight · 0 delayed');
    assert.equal(orders.contextValue, 'playground.queue');
    const ordersNode = childrenOf(s, queues).find((n) => n.node === 'queue' && n.queue.name === 'orders')!;
    const children = labels(s, ordersNode);
    assert.equal(children[0].label, 'dead letters → dlq');
    const inFlight = children.find((r) => r.contextValue === 'playground.message.inFlight')!;
    assert.equal(inFlight.label, preview('first message with a rather long body that will be cut'));
    assert.ok(inFlight.label.endsWith('…') && inFlight.label.length === 40);
    assert.match(inFlight.description!, /in-flight · 1× received/);
    assert.match(inFlight.tooltip!, /rather long body that will be cut/);
    assert.match(inFlight.accessible, /Message msg-\d+, in-flight, received 1 time/);
    assert.ok(children.some((r) => r.contextValue === 'playground.message.visible' && r.label === 'second'));
  });

  it('streams show partitions with offsets and groups with their lag; buses their rules', async () => {
    const s = await build();
    const streamNode = childrenOf(s, { node: 'group', group: 'streams' })[0];
    const rows = labels(s, streamNode);
    const written = rows.filter((r) => r.label.startsWith('partition')).find((r) => r.description === 'offsets [0..2)');
    assert.ok(written, `one partition holds both u1 records: ${rows.map((r) => r.description).join(', ')}`);
    const group = rows.find((r) => r.label === 'group g1')!;
    assert.equal(group.description, 'lag 1');
    const ruleRows = labels(s, childrenOf(s, { node: 'group', group: 'buses' })[0]);
    assert.deepEqual([ruleRows[0].label, ruleRows[0].description, ruleRows[0].contextValue], ['to-orders', '→ orders', 'playground.rule']);
    const subRows = labels(s, childrenOf(s, { node: 'group', group: 'topics' })[0]);
    assert.equal(subRows[0].description, 'filtered');
    assert.match(subRows[0].tooltip!, /"type"/);
  });

  it('formats virtual time and previews', () => {
    assert.equal(formatTime(0), '0 s');
    assert.equal(formatTime(12_500), '12.5 s');
    assert.equal(formatTime(185_000), '3 min 05 s');
    assert.equal(formatTime(7_260_000), '2 h 01 min');
    assert.equal(preview('a\n  b'), 'a b');
  });
});
