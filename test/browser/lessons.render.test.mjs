/* global document, CSS */
// Every lesson's topology (as the engine builds it for the runtime's `load`) and a one-node topology
// per node kind, rendered through the real webview bundle under the CSP: each must produce an SVG
// with one element per topology node and no Mermaid error. Imported by diagram.render.test.mjs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { lessonTopologies, openDiagramPage, renderTopology } from './diagramPage.mjs';

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
    test(`lesson ${name}: ${topology.nodes.length} nodes, ${topology.edges.length} edges`, () => assertDrawn(page, topology));
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
