/* global window, document, getComputedStyle, CSS, SVGElement */
// The diagram tells the lesson's story, in a real browser: every resource a function calls in a
// lesson's run is drawn connected to it (the survey's topology, as the runtime sends it), and
// every badge — plain, retrying, failing — reads at ≥ 4.5:1 in light, dark and high-contrast
// themes (WCAG AA for text). Imported by diagram.render.test.mjs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readdirSync, existsSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDiagramPage, renderTopology } from './diagramPage.mjs';
import { repoRoot } from '../harness/workbench.mjs';

const require = createRequire(import.meta.url);
const { validateScenario } = require('../../src/engine/scenario.ts');
const { surveyScenario, labelledTopology } = require('../../src/engine/survey.ts');
const { IsolateExecutor } = require('../../src/sandbox/isolateExecutor.ts');
const { Simulation } = require('../../src/engine/simulation.ts');
const { OverlayModel } = require('../../src/diagram/overlay.ts');
const { calledInRun } = require('../unit/diagram.fixtures.ts');

/**
 * What a lesson's page tells the learner to watch, and the chart that shows it. A page that says
 * it needs that chart on its diagram, with something in it.
 */
const PAGE_CHARTS = [
  [/GB-s/, 'Compute billed'],
  [/\bp9[59]\b/, 'Response time'],
  [/cold start/i, 'Cold starts'],
  [/\blag\b/, 'Consumer lag'],
  [/write rate|write requests[^.]*in any second|writes\/s/i, 'Table writes'],
  [/queue's depth|queue depth/i, 'Queue depth'],
  [/per-shard limit|no shard refused/i, 'Puts per shard'],
  [/\bconcurrency\b/i, 'Concurrency'],
];

/** A lesson's run with its reference solution, reduced by the overlay: the state a finished playback shows. */
function finishedRun(name, topology) {
  const dir = join(repoRoot, 'lessons', name);
  const { scenario } = validateScenario(JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')));
  const executor = new IsolateExecutor({ rootDir: join(dir, 'solution') });
  try {
    const sim = new Simulation(scenario, { executor, records: { mode: 'none' } });
    const model = new OverlayModel(topology);
    sim.ctx.trace.subscribe((r) => model.apply([r]));
    sim.run();
    return model.snapshot();
  } finally {
    executor.dispose();
  }
}

/** Each lesson's topology after the survey run of its reference solution (what the player draws). */
function surveyedLessons() {
  const dir = join(repoRoot, 'lessons');
  return readdirSync(dir)
    .sort()
    .filter((name) => existsSync(join(dir, name, 'scenario.json')))
    .map((name) => {
      const { scenario } = validateScenario(JSON.parse(readFileSync(join(dir, name, 'scenario.json'), 'utf8')));
      const executor = new IsolateExecutor({ rootDir: join(dir, name, 'solution') });
      try {
        const survey = surveyScenario(scenario, { executor });
        // What the handlers called, from a run of its own with every record kept (not the survey's own counts).
        const sim = new Simulation(scenario, { executor, records: { mode: 'all' } });
        sim.run();
        return { name, topology: labelledTopology(scenario, survey), calls: calledInRun(sim.records()).map(([from, to]) => [from, to]) };
      } finally {
        executor.dispose();
      }
    });
}

let surveyed;
function surveyedLessonsOnce() {
  return (surveyed ??= surveyedLessons());
}

/** The charts a lesson's page calls for, by its words. */
function pageCharts(name) {
  const page = readFileSync(join(repoRoot, 'lessons', name, 'page.md'), 'utf8');
  return PAGE_CHARTS.filter(([words]) => words.test(page)).map(([, chart]) => chart);
}

/** WCAG relative-luminance contrast of two rgb()/rgba() colours (alpha ignored: badges are opaque). */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** VS Code's default themes' values of the variables badges use. */
const THEMES = {
  light: { cls: 'vscode-light', vars: { '--vscode-descriptionForeground': '#717171', '--vscode-editor-background': '#ffffff', '--vscode-editor-foreground': '#000000', '--vscode-foreground': '#616161', '--vscode-badge-background': '#c4c4c4', '--vscode-badge-foreground': '#333333', '--vscode-editorWarning-foreground': '#bf8803', '--vscode-editorError-foreground': '#e51400', '--vscode-inputValidation-errorBackground': '#f2dede', '--vscode-editorWidget-background': '#f3f3f3' , '--vscode-sideBar-background': '#f3f3f3' } },
  dark: { cls: 'vscode-dark', vars: { '--vscode-descriptionForeground': '#9d9d9d', '--vscode-editor-background': '#1e1e1e', '--vscode-editor-foreground': '#d4d4d4', '--vscode-foreground': '#cccccc', '--vscode-badge-background': '#4d4d4d', '--vscode-badge-foreground': '#ffffff', '--vscode-editorWarning-foreground': '#cca700', '--vscode-editorError-foreground': '#f14c4c', '--vscode-inputValidation-errorBackground': '#5a1d1d', '--vscode-editorWidget-background': '#252526' , '--vscode-sideBar-background': '#252526' } },
  'high-contrast-light': { cls: 'vscode-high-contrast-light', vars: { '--vscode-descriptionForeground': '#292929', '--vscode-editor-background': '#ffffff', '--vscode-editor-foreground': '#292929', '--vscode-foreground': '#292929', '--vscode-badge-background': '#0f4a85', '--vscode-badge-foreground': '#ffffff', '--vscode-editorWarning-foreground': '#895503', '--vscode-editorError-foreground': '#b5200d', '--vscode-contrastBorder': '#0f4a85', '--vscode-inputValidation-errorBackground': '#ffffff', '--vscode-editorWidget-background': '#ffffff' , '--vscode-sideBar-background': '#ffffff' } },
  'high-contrast': { cls: 'vscode-high-contrast', vars: { '--vscode-descriptionForeground': '#ffffff', '--vscode-editor-background': '#000000', '--vscode-editor-foreground': '#ffffff', '--vscode-foreground': '#ffffff', '--vscode-badge-background': '#000000', '--vscode-badge-foreground': '#ffffff', '--vscode-editorWarning-foreground': '#ffd370', '--vscode-editorError-foreground': '#f48771', '--vscode-contrastBorder': '#6fc3df', '--vscode-inputValidation-errorBackground': '#5a1d1d', '--vscode-editorWidget-background': '#0c141f' , '--vscode-sideBar-background': '#000000' } },
};

describe('the diagram tells the lesson\'s story', () => {
  const lessons = surveyedLessonsOnce();
  let page;
  before(async () => {
    page = await openDiagramPage();
  });
  after(async () => {
    await page?.browser.close();
  });

  test('lessons 7 and 13: their functions call the queue and table they are about (so the next tests draw those edges)', () => {
    const called = (name) => lessons.find((l) => l.name === name).calls.map(([from, to]) => `${from}→${to}`);
    assert.deepEqual(called('07-queues').sort(), ['payment-worker→card-gateway', 'payment-worker→payments']);
    assert.ok(called('13-load-leveling').includes('order-writer→order-batches'), called('13-load-leveling').join(', '));
  });

  for (const { name, topology, calls } of lessons) {
    test(`lesson ${name}: every resource a function calls is drawn connected to it (${calls.length} calls)`, async () => {
      const rendered = await renderTopology(page, topology);
      assert.equal(rendered.ok, true, rendered.error);
      const wanted = calls.map(([from, to]) => ({ from, to, index: topology.edges.findIndex((e) => e.kind === 'calls' && e.from === from && e.to === to) }));
      for (const w of wanted) assert.ok(w.index >= 0, `${w.from} → ${w.to} is in the topology`);
      const problems = await page.page.evaluate((edges) => {
        const svg = document.querySelector('#sl-diagram svg');
        const out = [];
        const node = (id) => svg.querySelector(`[data-resource="${CSS.escape(id)}"]`);
        for (const e of edges) {
          const path = svg.querySelector(`path[id$="-e${e.index}"]`);
          if (!path) {
            out.push(`${e.from} → ${e.to}: no edge drawn`);
            continue;
          }
          const len = path.getTotalLength();
          const toScreen = (p) => {
            const m = path.getScreenCTM();
            return { x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f };
          };
          const near = (pt, el) => {
            const r = el.getBoundingClientRect();
            return pt.x >= r.left - 12 && pt.x <= r.right + 12 && pt.y >= r.top - 12 && pt.y <= r.bottom + 12;
          };
          const a = toScreen(path.getPointAtLength(0));
          const b = toScreen(path.getPointAtLength(len));
          if (!near(a, node(e.from)) || !near(b, node(e.to))) out.push(`${e.from} → ${e.to}: the edge does not run between the two nodes`);
        }
        return out;
      }, wanted);
      assert.deepEqual(problems, []);
    });
  }

  test('the pages\' own words call for the charts the issue names (the rules below do match)', () => {
    const wants = Object.fromEntries(lessons.map(({ name }) => [name, pageCharts(name)]));
    assert.ok(wants['01-what-serverless-means'].includes('Compute billed'), 'lesson 1 judges GB-s');
    assert.ok(wants['02-faas-lifecycle'].includes('Response time'), 'lesson 2 judges p95');
    assert.ok(wants['04-cold-starts'].includes('Response time'), 'lesson 4 judges p99');
    assert.ok(wants['10-streams'].includes('Consumer lag'));
    assert.ok(wants['13-load-leveling'].includes('Table writes') && wants['13-load-leveling'].includes('Queue depth'));
    assert.ok(wants['17-kinesis-shards'].includes('Puts per shard'));
  });

  for (const { name, topology } of lessons) {
    const wanted = pageCharts(name);
    if (!wanted.length) continue;
    test(`lesson ${name}: the diagram charts what its page tells the learner to watch (${wanted.join(', ')})`, async () => {
      const rendered = await renderTopology(page, topology);
      assert.equal(rendered.ok, true, rendered.error);
      // Charts redraw a moment after an update: wait for the reset to be drawn (no data, no caption
      // after the title), then for each chart shown to have a caption with data.
      await page.send({ type: 'reset' });
      await page.page.waitForFunction(() => [...document.querySelectorAll('.sl-chart figcaption')].every((c) => !c.textContent.includes(' — ')), null, { timeout: 5000 });
      await page.send({ type: 'updates', batch: [finishedRun(name, topology)] });
      await page.page.waitForFunction(() => [...document.querySelectorAll('.sl-chart')].filter((f) => !f.hidden).every((f) => f.querySelector('figcaption').textContent.includes(' — ')), null, { timeout: 5000 });
      const charts = await page.page.evaluate(() =>
        Object.fromEntries([...document.querySelectorAll('.sl-chart')].filter((f) => !f.hidden).map((f) => [f.querySelector('svg').getAttribute('aria-label').split(' over ')[0], { max: f.querySelector('.sl-chart-max')?.textContent, caption: f.querySelector('figcaption').textContent }])),
      );
      mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
      await page.page.locator('#sl-charts').screenshot({ path: join(repoRoot, 'test-artifacts', `diagram-charts-${name}.png`) });
      for (const title of wanted) {
        assert.ok(charts[title], `${title} is shown (shown: ${Object.keys(charts).join(', ')})`);
        assert.notEqual(Number.parseFloat(charts[title].max), 0, `${title} has something in it: ${charts[title].caption}`);
      }
    });
  }

  /** The drawing's direction, and the size its node labels are shown at (font size × the SVG's scale). */
  const labelPx = () =>
    page.page.evaluate(() => {
      const svg = document.querySelector('#sl-diagram svg');
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      const sizes = [...svg.querySelectorAll('g.node .nodeLabel')].map((l) => parseFloat(getComputedStyle(l).fontSize) * scale);
      return { smallest: Math.min(...sizes), labels: sizes.length };
    });

  test('a narrow panel (a third of 1,400 px) draws lesson 7 top-down with text ≥ 11 px, and a wide one left to right; a resize swaps them', async () => {
    const queues = lessons.find((l) => l.name === '07-queues').topology;
    await page.page.setViewportSize({ width: 1400, height: 1000 });
    const wide = await renderTopology(page, queues);
    assert.equal(wide.direction, 'LR');
    assert.equal(wide.scale, 1, 'at its natural size');
    const before = (await page.posted()).filter((m) => m.type === 'rendered').length;
    await page.page.setViewportSize({ width: 460, height: 1000 });
    const [narrow] = (await page.waitPosted((m, i, all) => all.filter((x) => x.type === 'rendered').length > before, 'rendered after the resize')).filter((m) => m.type === 'rendered').slice(-1);
    assert.equal(narrow.ok, true, narrow.error);
    assert.equal(narrow.direction, 'TB', 'top-down is narrower for this topology');
    const { smallest, labels } = await labelPx();
    assert.ok(labels > 0);
    assert.ok(smallest >= 11, `labels at ${smallest.toFixed(1)} px`);
    await page.page.setViewportSize({ width: 1400, height: 1000 });
    const [back] = (await page.waitPosted((m, i, all) => all.filter((x) => x.type === 'rendered').length > before + 1, 'rendered after widening')).filter((m) => m.type === 'rendered').slice(-1);
    assert.equal(back.direction, 'LR');
  });

  test('every lesson in a narrow panel: node labels ≥ 11 px (the panel scrolls sideways rather than shrink them)', async () => {
    await page.page.setViewportSize({ width: 460, height: 1000 });
    try {
      const small = [];
      for (const { name, topology } of lessons) {
        const rendered = await renderTopology(page, topology);
        assert.equal(rendered.ok, true, rendered.error);
        const { smallest } = await labelPx();
        if (!(smallest >= 11)) small.push(`${name}: ${smallest.toFixed(1)} px (${rendered.direction}, scale ${rendered.scale})`);
      }
      assert.deepEqual(small, []);
    } finally {
      await page.page.setViewportSize({ width: 1400, height: 1000 });
    }
  });

  for (const width of [1400, 460]) {
    test(`the toolbar does not move when Play becomes Pause, the time grows or hops are sampled (${width} px)`, async () => {
      await page.page.setViewportSize({ width, height: 1000 });
      try {
        await renderTopology(page, lessons.find((l) => l.name === '13-load-leveling').topology);
        await page.send({ type: 'reset' });
        await page.send({ type: 'player', playing: false, speed: 'fit', t: 0, end: 19_000 });
        const boxes = () =>
          page.page.evaluate(() =>
            Object.fromEntries(
              ['sl-play', 'sl-step', 'sl-speed', 'sl-seek', 'sl-time', 'sl-diagram'].map((id) => {
                const r = document.getElementById(id).getBoundingClientRect();
                return [id, [r.left, r.top, r.width].map((v) => Math.round(v * 2) / 2)];
              }),
            ),
          );
        await page.page.waitForFunction(() => document.getElementById('sl-play').textContent === 'Play');
        const before = await boxes();
        await page.send({ type: 'player', playing: true, speed: 'fit', t: 18_765.4, end: 19_000 });
        await page.send({ type: 'updates', batch: [{ t: 18_765, seq: 1, nodes: [], edges: [], sampledAway: 12_345, points: [] }] });
        await page.page.waitForFunction(() => document.getElementById('sl-play').textContent === 'Pause' && /sampled/.test(document.getElementById('sl-sampled').textContent));
        assert.deepEqual(await boxes(), before);
      } finally {
        await page.page.setViewportSize({ width: 1400, height: 1000 });
      }
    });
  }

  test('without a player (the playground) the time shown is the source\'s clock, or the last record\'s if later', async () => {
    const shown = () => page.page.evaluate(() => document.getElementById('sl-time').value);
    try {
      await page.send({ type: 'mode', player: false });
      await renderTopology(page, { nodes: [{ id: 'pg-q', kind: 'queue', label: 'pg-q' }], edges: [] });
      await page.send({ type: 'reset' });
      const queue = (t, depth, inFlight) => ({ type: 'updates', batch: [{ t, seq: t, nodes: [{ id: 'pg-q', kind: 'queue', status: 'active', counters: { depth, inFlight } }], edges: [], sampledAway: 0, points: [] }] });
      await page.send(queue(2_000, 3, 2));
      await page.send({ type: 'clock', t: 7_000 }); // `advance 5 s`: no record, the clock moved
      await page.page.waitForFunction(() => document.getElementById('sl-time').value === '7.00 s', null, { timeout: 5000 });
      await page.page.waitForFunction(() => /in flight 2/.test(window.__slDiagram.badge('pg-q') ?? ''), null, { timeout: 5000 });
      await page.send(queue(7_500, 3, 1)); // a record later than the clock said
      await page.page.waitForFunction(() => document.getElementById('sl-time').value === '7.50 s', null, { timeout: 5000 });
      assert.equal(await shown(), '7.50 s');
    } finally {
      await page.send({ type: 'clock', t: 0 });
      await page.send({ type: 'mode', player: true });
    }
  });

  for (const [theme, { cls, vars }] of Object.entries(THEMES)) {
    test(`badges, partition badges, node names, edge labels and counters read at ≥ 4.5:1 in the ${theme} theme, whatever their status`, async () => {
      await page.page.evaluate(({ cls, vars }) => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
        document.body.classList.add(cls);
      }, { cls, vars });
      // Node names per theme: a new topology is drawn afresh in the theme now set. Every status a node
      // can show, a stream with a lagging and a caught-up partition, and a labelled calls edge.
      const kinds = { ok: 'function', slow: 'function', dead: 'queue', busy: 'function', broken: 'function', quiet: 'function', log: 'stream' };
      const topology = {
        nodes: Object.entries(kinds).map(([id, kind]) => ({ id: `${id}-${theme}`, kind, label: id, ...(kind === 'stream' ? { detail: { partitions: 2 } } : {}) })),
        edges: [{ from: `ok-${theme}`, to: `dead-${theme}`, kind: 'calls', label: 'send, up to 4/s' }, { from: `log-${theme}`, to: `broken-${theme}`, kind: 'event-source', label: 'batch 100' }],
      };
      const rendered = await renderTopology(page, topology);
      assert.equal(rendered.ok, true, rendered.error);
      const status = { ok: 'active', slow: 'retrying', dead: 'dead-lettered', busy: 'throttled', broken: 'error', quiet: 'idle', log: 'active' };
      const counters = { queue: { depth: 3, inFlight: 1, deadLettered: 2 }, function: { concurrency: 2, warm: 1, errors: 4, unawaited: 3 }, stream: { records: 12 } };
      const nodes = topology.nodes.map((n) => ({ id: n.id, kind: n.kind, status: status[n.label], counters: counters[n.kind], ...(n.kind === 'stream' ? { partitions: [{ partition: 0, lag: 3, end: 10, committed: 7 }, { partition: 1, lag: 0, end: 5, committed: 5 }] } : {}) }));
      await page.send({ type: 'updates', batch: [{ t: 1000, seq: 1, nodes, edges: [], sampledAway: 42, points: [] }] });
      const badgeCount = nodes.length + 2; // one per node, one per partition
      await page.page.waitForFunction((n) => [...document.querySelectorAll('#sl-diagram .sl-badge')].filter((g) => g.style.display !== 'none' && Number(g.querySelector('rect').getAttribute('width')) > 0).length >= n, badgeCount, { timeout: 5000 });
      const colours = await page.page.evaluate(() =>
        [...document.querySelectorAll('#sl-diagram .sl-badge')].filter((g) => Number(g.querySelector('rect').getAttribute('width')) > 0).map((g) => ({ id: g.dataset.node, small: g.classList.contains('sl-badge-small'), status: g.dataset.status, label: g.querySelector('text').textContent, text: getComputedStyle(g.querySelector('text')).fill, back: getComputedStyle(g.querySelector('rect')).fill, opacity: getComputedStyle(g.querySelector('rect')).opacity })),
      );
      assert.equal(colours.length, badgeCount, JSON.stringify(colours));
      assert.deepEqual([...new Set(colours.map((c) => c.status))].sort(), ['active', 'dead-lettered', 'error', 'idle', 'retrying', 'throttled'], 'every status is measured');
      assert.equal(colours.filter((c) => c.small).length, 2, 'both partition badges are measured');
      for (const c of colours) {
        assert.equal(c.opacity, '1', `${c.id}'s badge is opaque`);
        const ratio = contrast(c.text, c.back);
        assert.ok(ratio >= 4.5, `${theme}: ${c.id} (${c.status}${c.small ? ', partition' : ''}) badge "${c.label}": ${c.text} on ${c.back} is ${ratio.toFixed(2)}:1`);
      }
      // Node names on their (failing) nodes, and edge labels on their background.
      const labels = await page.page.evaluate(() => {
        const opaque = (el) => {
          for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
            const c = getComputedStyle(e).backgroundColor;
            if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) return c;
          }
          return getComputedStyle(document.body).backgroundColor;
        };
        const out = [];
        for (const g of document.querySelectorAll('#sl-diagram :is(g.node, g.cluster)')) {
          // The node's outline: a shape of its own, or the paths of a drawn group (`g.label-container`).
          const shape = g.querySelector(':scope > :is(rect, polygon, path, circle), :scope > g.label-container > :is(rect, polygon, path, circle)');
          const label = g.querySelector('.nodeLabel p') ?? g.querySelector('.nodeLabel');
          if (shape && label) out.push({ what: `node ${g.dataset.resource ?? label.textContent} (${g.dataset.status ?? 'no status'})`, colour: getComputedStyle(label).color, back: getComputedStyle(shape).fill });
        }
        for (const l of document.querySelectorAll('#sl-diagram span.edgeLabel')) {
          if (!l.textContent.trim()) continue;
          const text = l.querySelector('p') ?? l;
          out.push({ what: `edge label "${l.textContent}"`, colour: getComputedStyle(text).color, back: opaque(text) });
        }
        const note = document.getElementById('sl-sampled');
        out.push({ what: `sampled note "${note.textContent}"`, colour: getComputedStyle(note).color, back: opaque(note) });
        return out;
      });
      // Every node, the stream's frame and its two partitions.
      assert.equal(labels.filter((l) => l.what.startsWith('node')).length, nodes.length + 2, JSON.stringify(labels));
      assert.ok(labels.some((l) => l.what === 'edge label "send, up to 4/s"'), JSON.stringify(labels));
      assert.ok(labels.some((l) => /sampled note "\d+ hops/.test(l.what)), JSON.stringify(labels));
      for (const l of labels) {
        const ratio = contrast(l.colour, l.back);
        assert.ok(ratio >= 4.5, `${theme}: ${l.what}: ${l.colour} on ${l.back} is ${ratio.toFixed(2)}:1`);
      }
      // The other counters: chart captions and their scale, and the time, on the panel's background.
      const texts = await page.page.evaluate(() => {
        const back = getComputedStyle(document.body).backgroundColor;
        const shown = [...document.querySelectorAll('.sl-chart:not([hidden])')];
        const els = [...shown.map((f) => f.querySelector('figcaption')), ...shown.map((f) => f.querySelector('.sl-chart-max')).filter(Boolean), document.getElementById('sl-time')];
        return els.map((el) => ({ what: el.id || el.className.baseVal || el.className || el.tagName, colour: el instanceof SVGElement ? getComputedStyle(el).fill : getComputedStyle(el).color, back }));
      });
      assert.ok(texts.length >= 3, JSON.stringify(texts));
      for (const t of texts) {
        const ratio = contrast(t.colour, t.back);
        assert.ok(ratio >= 4.5, `${theme}: ${t.what}: ${t.colour} on ${t.back} is ${ratio.toFixed(2)}:1`);
      }
    });
  }
});
