// Broker playground figures: commands per second through `apply` (validation, the engine, the
// clock settling and the snapshot + topology every answer carries), and how long `restore` takes to
// replay a 1,000-command journal (what a reload or a runtime restart costs).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
require(join(root, 'test', 'register.js'));
const { Playground } = require(join(root, 'src', 'playground', 'playground.ts'));

/** A mixed journal of `n` commands: a few resources, then sends, receives, publishes, events and stream traffic. */
function journal(n) {
  const out = [
    { op: 'createQueue', name: 'dlq' },
    { op: 'createQueue', name: 'orders', visibilityTimeoutS: 5, deadLetter: { queue: 'dlq', maxReceiveCount: 3 } },
    { op: 'createTopic', name: 'news' },
    { op: 'subscribe', topic: 'news', queue: 'orders', filterPolicy: { kind: ['a'] }, rawDelivery: true },
    { op: 'createStream', name: 'clicks', partitions: 4 },
    { op: 'createBus', name: 'events' },
    { op: 'putRule', bus: 'events', rule: 'paid', pattern: { 'detail-type': ['Paid'] }, targets: [{ queue: 'orders' }] },
  ];
  for (let i = 0; out.length < n; i++) {
    const step = [
      { op: 'send', queue: 'orders', body: `order ${i}`, attributes: { n: i } },
      { op: 'receive', queue: 'orders', max: 2 },
      { op: 'publish', topic: 'news', body: `news ${i}`, attributes: { kind: i % 2 ? 'a' : 'b' } },
      { op: 'putEvent', bus: 'events', source: 'shop', detailType: i % 3 ? 'Paid' : 'Other', detail: { i } },
      { op: 'produce', stream: 'clicks', key: `user-${i % 7}`, value: `click ${i}` },
      { op: 'consume', stream: 'clicks', group: 'g', max: 5 },
      { op: 'advance', seconds: 3 },
    ][i % 7];
    out.push(step);
  }
  return out;
}

export default async function* playground() {
  const commands = journal(1_000);
  let best = Infinity;
  let live;
  for (let run = 0; run < 3; run++) {
    live = new Playground();
    const t0 = performance.now();
    for (const c of commands) live.apply(c);
    best = Math.min(best, performance.now() - t0);
  }
  yield { bench: 'playground apply (1,000 mixed commands, each answered with snapshot + topology)', value: Math.round((commands.length / best) * 1000), unit: 'commands/s' };

  let restore = Infinity;
  for (let run = 0; run < 3; run++) {
    const copy = new Playground();
    const t0 = performance.now();
    const r = copy.restore(live.journal());
    restore = Math.min(restore, performance.now() - t0);
    if (r.skipped.length) throw new Error(`restore skipped ${r.skipped.length} commands`);
  }
  yield { bench: 'playground restore of a 1,000-command journal', value: Math.round(restore), unit: 'ms', goal: '< 1000' };
}
