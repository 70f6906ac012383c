/* global document, CSS */
// Every lesson's topology (as the engine builds it for the runtime's `load`) and a one-node topology
// per node kind, rendered through the real webview bundle under the CSP: each must produce an SVG
// with one element per topology node and no Mermaid error. Imported by diagram.render.test.mjs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { exampleTopologies, lessonTopologies, openDiagramPage, renderTopology } from './diagramPage.mjs';

const require = createRequire(import.meta.url);
const { NODE_KINDS } = require('../../src/diagram/types.ts');

async function assertDrawn(page, topology) {
  const rendered = await renderTopology(page, topology);
  assert.equal(rendered.ok, true, rendered.error);
  assert.equal(rendered.nodes, topology.nodes.length, 'one drawn element per topology node');
  const found = await page.page.evaluate((ids) => {
    const svg = document.querySelector('#sl-diagram svg');
    return { svg: Boolean(svg), missing: ids.filter((id) => !svg?.querySelector(`[data-resource="${CSS.escape(id)}"]`)), errors: document.querySelectorAll('#sl-diagram .sl-error').length };
  }, topology.nodes.map((n) => n.id));
  assert.ok(found.svg, 'an SVG was drawn');
  assert.deepEqual(found.missing, [], 'every node has its element');
  assert.equal(found.errors, 0);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.violations, []);
}

/** Counters of a busy run, per kind: the widest badges a lesson shows. */
const BUSY = {
  queue: { depth: 1200, inFlight: 40, deadLettered: 12 }, 'fifo-queue': { depth: 300, inFlight: 10, deadLettered: 2 }, dlq: { depth: 120 },
  function: { concurrency: 20, warm: 30, coldStarts: 40, throttles: 9, errors: 12 }, topic: { published: 12000, failed: 3 }, bus: { published: 4000, failed: 2 },
  stream: { produced: 30000, lag: 120 }, bucket: { stored: 900 }, table: { writes: 23300, overloaded: 4 }, gateway: { requests: 12000, inFlight: 30, errors: 5 },
  legacy: { requests: 8000, inFlight: 10, errors: 2 }, traffic: { requests: 12000 },
  exchange: { published: 12000, routed: 24000, dropped: 30 }, 'rabbit-queue': { depth: 900, inFlight: 10, requeued: 40, deadLettered: 3, dropped: 1 },
  'pubsub-topic': { published: 12000, dropped: 5 }, 'pubsub-subscription': { depth: 700, inFlight: 20, redelivered: 30, deadLettered: 2 },
  'kinesis-stream': { produced: 30000, consumed: 29000, throttles: 120 },
};

/** Every node's badge with a busy run's counters: none covers another badge or a node, none is cut off. */
async function assertBadgesClear(page, topology) {
  const nodes = topology.nodes.map((n) => ({ id: n.id, kind: n.kind, status: 'active', counters: BUSY[n.kind], ...(n.kind === 'stream' ? { partitions: [{ partition: 0, end: 10, committed: 7, lag: 3 }] } : {}) }));
  await page.send({ type: 'updates', batch: [{ t: 1000, seq: 1, nodes, edges: [], sampledAway: 0, points: [] }] });
  await page.page.waitForFunction((n) => document.querySelectorAll('#sl-diagram .sl-badge:not(.sl-badge-small) rect[width]').length >= n, nodes.length, { timeout: 5000 });
  const found = await page.page.evaluate(() => {
    const svg = document.querySelector('#sl-diagram svg');
    const r = (el) => el.getBoundingClientRect();
    const area = r(svg);
    const badges = [...svg.querySelectorAll('.sl-badge:not(.sl-badge-small)')].filter((g) => g.style.display !== 'none').map((g) => ({ id: g.dataset.node, box: r(g.querySelector('rect')) }));
    const nodeBoxes = [...svg.querySelectorAll('.sl-node')].map((g) => ({ id: g.dataset.resource, box: r(g) }));
    const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const problems = [];
    for (const [i, a] of badges.entries()) {
      if (a.box.left < area.left - 0.5 || a.box.right > area.right + 0.5 || a.box.top < area.top - 0.5 || a.box.bottom > area.bottom + 0.5) problems.push(`${a.id}'s badge is cut off`);
      for (const b of badges.slice(i + 1)) if (hit(a.box, b.box)) problems.push(`badges of ${a.id} and ${b.id} overlap`);
      for (const n of nodeBoxes) if (n.id !== a.id && hit(a.box, n.box)) problems.push(`${a.id}'s badge covers node ${n.id}`);
    }
    return { count: badges.length, problems };
  });
  assert.equal(found.count, topology.nodes.length, 'a badge per node');
  assert.deepEqual(found.problems, []);
}

describe('every lesson topology and every node kind render in a real browser', () => {
  let page;
  before(async () => {
    page = await openDiagramPage();
  });
  after(async () => {
    await page?.browser.close();
  });

  const lessons = lessonTopologies();
  test('there are lesson scenarios to render', () => assert.ok(lessons.length >= 10, `${lessons.length} lessons with a scenario`));
  for (const { name, topology } of lessons) {
    test(`lesson ${name}: ${topology.nodes.length} nodes, ${topology.edges.length} edges`, async () => {
      await assertDrawn(page, topology);
      await assertBadgesClear(page, topology);
    });
  }
  for (const { name, topology } of exampleTopologies()) {
    test(`example ${name}: ${topology.nodes.length} nodes, ${topology.edges.length} edges`, async () => {
      await assertDrawn(page, topology);
      await assertBadgesClear(page, topology);
    });
  }
  for (const kind of NODE_KINDS) {
    test(`a lone ${kind} node`, () =>
      assertDrawn(page, {
        nodes: [
          { id: `lone-${kind}`, kind, label: `a ${kind}`, detail: kind === 'stream' ? '2 partitions' : kind === 'function' ? '128 MB, timeout 3 s' : '' },
          ...(kind === 'traffic' ? [] : [{ id: 'lone-traffic', kind: 'traffic', label: 'users', detail: '1/s' }]),
        ],
        edges: kind === 'traffic' ? [] : [{ from: 'lone-traffic', to: `lone-${kind}`, kind: 'traffic', label: '1/s' }],
      }));
  }
});
