/* global window, document, MouseEvent */
// Browser test of the live diagram webview: the built bundle in headless Debian Chromium under the
// real webview CSP. Run: `node --test test/browser/diagram.render.test.mjs` (exits non-zero on failure;
// not picked up by `npm run test:unit`, whose spec is test/unit/**/*.test.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { openDiagramPage, topologyMessage, renderTopology, fanOut, OverlayModel, OverlayFeed, raceRun } from './diagramPage.mjs';
import './lessons.render.test.mjs';
import './diagram.story.test.mjs';
import './lesson.toolbar.test.mjs';

const KINDS = ['gateway', 'function', 'queue', 'fifo-queue', 'dlq', 'topic', 'stream', 'bus', 'bucket', 'table', 'legacy', 'traffic', 'exchange', 'rabbit-queue', 'pubsub-topic', 'pubsub-subscription', 'kinesis-stream'];
const NASTY = 'orders "v2" [eu] <img src=x onerror=alert(1)> end';

function everyKind() {
  const nodes = KINDS.map((kind) => ({ id: kind === 'queue' ? NASTY : `the-${kind}`, kind, label: kind === 'queue' ? NASTY : `the ${kind}`, detail: kind === 'stream' ? { partitions: 3 } : kind === 'function' ? { memoryMB: 512 } : undefined }));
  const id = (k) => (k === 'queue' ? NASTY : `the-${k}`);
  const edges = [
    { from: id('traffic'), to: id('gateway') },
    { from: id('gateway'), to: id('function'), kind: 'route' },
    { from: id('function'), to: id('queue') },
    { from: id('queue'), to: id('dlq'), kind: 'dead-letter' },
    { from: id('function'), to: id('fifo-queue') },
    { from: id('function'), to: id('topic') },
    { from: id('function'), to: id('stream') },
    { from: id('function'), to: id('bus') },
    { from: id('function'), to: id('bucket') },
    { from: id('function'), to: id('table') },
    { from: id('bus'), to: id('legacy'), kind: 'rule' },
    { from: id('function'), to: id('exchange'), kind: 'calls' },
    { from: id('exchange'), to: id('rabbit-queue'), kind: 'binding', label: 'order.*' },
    { from: id('rabbit-queue'), to: id('exchange'), kind: 'dead-letter' },
    { from: id('pubsub-topic'), to: id('pubsub-subscription'), kind: 'subscription' },
    { from: id('pubsub-subscription'), to: id('function'), kind: 'push' },
    { from: id('kinesis-stream'), to: id('function'), kind: 'event-source' },
  ];
  const fan = fanOut(20, 'fan', false);
  return { nodes: [...nodes, ...fan.nodes], edges: [...edges, ...fan.edges] };
}

let page;
const topology = everyKind();
const message = topologyMessage(topology);

before(async () => {
  page = await openDiagramPage();
});
after(async () => {
  await page?.browser.close();
});

test('renders every node kind and a 20-way fan-out once, under the CSP, without errors', async () => {
  await page.send(message);
  const [rendered] = await page.waitPosted((m) => m.type === 'rendered', 'rendered');
  assert.equal(rendered.ok, true, rendered.error);
  assert.equal(rendered.nodes, topology.nodes.length);
  assert.equal(rendered.edges, topology.edges.length);
  const svg = await page.page.evaluate(() => {
    const root = document.querySelector('#sl-diagram svg');
    const nodes = [...root.querySelectorAll('.sl-node')].map((g) => ({ resource: g.dataset.resource, cls: g.getAttribute('class') }));
    return { nodes, partitions: root.querySelectorAll('g.node.k_partition').length, paths: root.querySelectorAll('path.flowchart-link').length, imgs: document.querySelectorAll('img').length, text: root.textContent };
  });
  for (const n of topology.nodes) {
    const g = svg.nodes.find((x) => x.resource === n.id);
    assert.ok(g, `node group for ${n.id}`);
    assert.match(g.cls, new RegExp(`\\bk_${n.kind.replace(/[^a-z]/g, '')}\\b`), `${n.id} has its kind class`);
  }
  assert.equal(svg.partitions, 3, 'one box per stream partition');
  assert.equal(svg.paths, topology.edges.length);
  assert.equal(svg.imgs, 0, 'a label with markup is shown as text, never as an element');
  assert.ok(svg.text.includes('<img src=x onerror=alert(1)>'), 'the nasty name is shown literally');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.violations, []);
  assert.deepEqual(page.requests, []);
});

test('updates change counter badges, status colours and animate dots; labels are untouched', async () => {
  const labelsBefore = await page.page.evaluate(() => [...document.querySelectorAll('#sl-diagram .sl-node .label')].map((l) => l.textContent));
  const model = new OverlayModel(topology);
  const fn = 'the-function';
  let seq = 0;
  const r = (t, kind, resource, id, cause, detail) => ({ seq: ++seq, t, kind, resource, id, cause, detail });
  const records = [
    r(0, 'request', 'the-traffic', 'req-1'),
    r(1, 'request', 'the-gateway', 'gw-1', 'req-1'),
    r(2, 'routed', 'the-gateway', 'gw-1', undefined, { target: fn }),
    r(3, 'invoked', fn, 'inv-1', 'gw-1', { env: 'env-1', coldStart: true }),
    r(3, 'cold-start', fn, 'inv-1', 'gw-1', { env: 'env-1' }),
    r(4, 'sent', NASTY, 'm-1', 'inv-1'),
    r(5, 'sent', NASTY, 'm-2', 'inv-1'),
    r(6, 'sent', NASTY, 'm-3', 'inv-1'),
    r(7, 'received', NASTY, 'm-1', undefined, { receiveCount: 1 }),
    r(8, 'received', NASTY, 'm-2', undefined, { receiveCount: 3 }),
    r(8, 'dead-lettered', NASTY, 'm-2', 'm-2', { deadLetterQueue: 'the-dlq', receiveCount: 3 }),
    r(8, 'sent', 'the-dlq', 'm-2', 'm-2', { from: NASTY }),
    r(9, 'produced', 'the-stream', 's-1', 'inv-1', { partition: 1, offset: 0 }),
    r(9, 'produced', 'the-stream', 's-2', 'inv-1', { partition: 1, offset: 1 }),
  ];
  const update = model.apply(records);
  assert.ok(update.edges.length >= 6, `edge events: ${JSON.stringify(update.edges)}`);
  await page.send({ type: 'updates', batch: [update] });
  await page.page.waitForFunction((id) => /depth 2 · in flight 1/.test(window.__slDiagram.badge(id) ?? ''), NASTY, { timeout: 5000 });
  const after = await page.page.evaluate((nasty) => ({
    queue: window.__slDiagram.badge(nasty),
    dlq: window.__slDiagram.badge('the-dlq'),
    fn: window.__slDiagram.badge('the-function'),
    part1: window.__slDiagram.badge('the-stream#1'),
    dlqClass: document.querySelector('[data-resource="the-dlq"]').getAttribute('class'),
    dots: document.querySelectorAll('circle.sl-dot').length,
    labels: [...document.querySelectorAll('#sl-diagram .sl-node .label')].map((l) => l.textContent),
  }), NASTY);
  assert.equal(after.queue, 'depth 2 · in flight 1 · DLQ 1');
  assert.equal(after.dlq, 'depth 1');
  assert.match(after.fn, /^running 1 · warm 0 · cold 1/);
  assert.equal(after.part1, 'lag 0');
  assert.match(after.dlqClass, /sl-status-dead-lettered/);
  assert.ok(after.dots > 0, 'dots travel along the edges');
  assert.deepEqual(after.labels, labelsBefore, 'node labels are never edited');
  mkdirSync('test-artifacts', { recursive: true });
  await page.page.screenshot({ path: 'test-artifacts/diagram-live.png', fullPage: true });

  // Clicking a node and a dot reports them to the host.
  await page.page.click('[data-resource="the-dlq"]');
  await page.waitPosted((m) => m.type === 'selectNode' && m.id === 'the-dlq', 'selectNode');
  await page.send({ type: 'updates', batch: [model.apply([r(10, 'sent', NASTY, 'm-9', 'inv-1')])] });
  const dotId = await page.page.evaluate(() => {
    const dot = document.querySelector('circle.sl-dot');
    dot?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    return dot?.dataset.id;
  });
  assert.ok(dotId);
  await page.waitPosted((m) => m.type === 'selectMessage' && m.id === dotId, 'selectMessage');

  // The accessible summary catches up (throttled).
  await page.page.waitForFunction(() => /depth|messages waiting/.test(document.getElementById('sl-summary').textContent), null, { timeout: 5000 });
  const summary = await page.page.evaluate(() => document.getElementById('sl-summary').textContent);
  assert.match(summary, /3 messages waiting or in flight/);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.violations, []);
});

test('controls post control messages', async () => {
  await page.page.click('#sl-play');
  await page.page.click('#sl-step');
  await page.page.evaluate(() => {
    const s = document.getElementById('sl-seek');
    s.max = '5000';
    s.value = '1200';
    s.dispatchEvent(new Event('change'));
  });
  const controls = await page.waitPosted((m) => m.type === 'control' && m.action === 'seek', 'seek');
  assert.equal(controls[0].value, 1200);
  const all = (await page.posted()).filter((m) => m.type === 'control').map((m) => m.action);
  assert.deepEqual(all.slice(0, 2), ['play', 'step']);
});

test('click-through: Enter on a node lists its recent events; a message id shows its journey as a sequence diagram; Escape closes and focus returns', async () => {
  // The host side is the real OverlayFeed: the page's selections are answered by feed.select().
  const feed = new OverlayFeed(topology, () => undefined, { schedule: () => () => undefined });
  let seq = 0;
  const r = (t, kind, resource, id, cause, detail) => ({ seq: ++seq, t, kind, resource, id, cause, detail });
  feed.push([
    r(0, 'request', 'the-gateway', 'gw-7'),
    r(1, 'routed', 'the-gateway', 'gw-7', undefined, { target: 'the-function' }),
    r(2, 'invoked', 'the-function', 'inv-7', 'gw-7', { env: 'env-1', coldStart: true }),
    r(3, 'sent', NASTY, 'm-7', 'inv-7'),
    r(4, 'received', NASTY, 'm-7', undefined, { receiveCount: 1 }),
    r(5, 'succeeded', 'the-function', 'inv-7', 'gw-7', { durationMs: 3 }),
  ]);
  const answer = async (pred, what) => {
    const [m] = await page.waitPosted(pred, what);
    await page.send(feed.select(m));
  };
  await page.page.focus('[data-resource="the-function"]');
  await page.page.keyboard.press('Enter');
  await answer((m) => m.type === 'selectNode' && m.id === 'the-function', 'selectNode by keyboard');
  await page.waitPosted((m) => m.type === 'detailShown' && m.what === 'node' && m.id === 'the-function', 'node events shown');
  const table = await page.page.evaluate(() => ({
    hidden: document.getElementById('sl-detail').hidden,
    title: document.getElementById('sl-detail-title').textContent,
    rows: [...document.querySelectorAll('#sl-detail-body tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)),
  }));
  assert.equal(table.hidden, false);
  assert.match(table.title, /function the-function/);
  assert.deepEqual(table.rows.map((row) => row[1]), ['succeeded', 'invoked', 'routed (at the-gateway)'], 'newest first, including the hop towards it');
  assert.equal(table.rows[1][2], 'inv-7');

  await page.page.click('#sl-detail-body button[data-message="inv-7"]');
  await answer((m) => m.type === 'selectMessage' && m.id === 'inv-7', 'selectMessage from the list');
  const [shown] = await page.waitPosted((m) => m.type === 'detailShown' && m.what === 'journey' && m.id === 'inv-7', 'journey shown');
  assert.equal(shown.ok, true, shown.error);
  const journey = await page.page.evaluate(() => {
    const svg = document.querySelector('#sl-detail-body svg');
    return { svg: Boolean(svg), aria: svg?.getAttribute('aria-label'), text: svg?.textContent ?? '', title: document.getElementById('sl-detail-title').textContent };
  });
  assert.ok(journey.svg, 'the sequence diagram is drawn');
  assert.equal(journey.title, 'Journey of inv-7');
  assert.ok(journey.text.includes('the-function') && journey.text.includes(NASTY), 'participants are the resources it passed');
  assert.match(journey.text, /sent/);
  await page.page.screenshot({ path: 'test-artifacts/diagram-journey.png', fullPage: true });

  await page.page.keyboard.press('Escape');
  const closed = await page.page.evaluate(() => ({ hidden: document.getElementById('sl-detail').hidden, focus: document.activeElement?.dataset?.resource }));
  assert.deepEqual(closed, { hidden: true, focus: 'the-function' }, 'Escape closes and focus returns to the node');

  // A selection the host refuses is shown as an error (not thrown).
  await page.send(feed.select({ type: 'selectNode', id: 'ghost' }));
  const [refused] = await page.waitPosted((m) => m.type === 'detailShown' && m.what === 'error', 'error shown');
  assert.equal(refused.ok, false);
  assert.match(refused.error, /no resource "ghost"/);
  await page.page.keyboard.press('Escape');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.violations, []);
});

test('the webview reports the counters it applied; the playground mode hides the player', async () => {
  await page.send({ type: 'report', token: 41 });
  const [state] = await page.waitPosted((m) => m.type === 'state' && m.token === 41, 'state');
  assert.equal(state.counters[NASTY].depth, 3, 'the counters of the updates applied so far');
  assert.match(state.badges[NASTY], /^depth 3/);
  assert.ok(state.updatesApplied >= 2);
  assert.equal(state.player, true);
  const visible = () => page.page.evaluate(() => ['sl-play', 'sl-step', 'sl-seek', 'sl-time'].map((id) => document.getElementById(id).getBoundingClientRect().width > 0));
  assert.deepEqual(await visible(), [true, true, true, true]);
  await page.send({ type: 'mode', player: false });
  await page.send({ type: 'report', token: 42 });
  const [off] = await page.waitPosted((m) => m.type === 'state' && m.token === 42, 'state');
  assert.equal(off.player, false);
  assert.deepEqual(await visible(), [false, false, false, true], 'only the time stays');
  await page.send({ type: 'mode', player: true });
});

test('a theme change re-renders once and keeps the counters', async () => {
  const before = (await page.posted()).filter((m) => m.type === 'rendered').length;
  await page.page.evaluate(() => {
    document.body.classList.remove('vscode-dark');
    document.body.classList.add('vscode-light');
  });
  await page.waitPosted((m, i, all) => all.filter((x) => x.type === 'rendered').length > before, 're-render');
  // Sending the same topology again does not redraw it, but is answered (a host waiting for the
  // drawing of the topology it sent is never left waiting).
  await page.send(message);
  const [again] = await page.waitPosted((m) => m.type === 'rendered' && m.unchanged, 'the unchanged report');
  assert.equal(again.ok, true);
  assert.equal(again.nodes, topology.nodes.length, 'it reports the drawing shown');
  const renders = (await page.posted()).filter((m) => m.type === 'rendered' && !m.unchanged).length;
  assert.equal(renders, before + 1);
  const badge = await page.page.evaluate((n) => window.__slDiagram.badge(n), NASTY);
  assert.match(badge, /^depth 3 · in flight 1/);
  assert.deepEqual(page.errors, []);
});

test('prefers-reduced-motion: counters only, no dots', async () => {
  const reduced = await openDiagramPage({ reducedMotion: 'reduce', browser: page.browser });
  await reduced.send(message);
  await reduced.waitPosted((m) => m.type === 'rendered', 'rendered');
  const model = new OverlayModel(topology);
  const u = model.apply([
    { seq: 1, t: 0, kind: 'invoked', resource: 'the-function', id: 'inv-1', detail: { env: 'e1' } },
    { seq: 2, t: 1, kind: 'sent', resource: NASTY, id: 'm-1', cause: 'inv-1' },
  ]);
  assert.equal(u.edges.length, 1);
  await reduced.send({ type: 'updates', batch: [u] });
  await reduced.page.waitForFunction((n) => window.__slDiagram.badge(n) === 'depth 1 · in flight 0', NASTY, { timeout: 5000 });
  const dots = await reduced.page.evaluate(() => document.querySelectorAll('circle.sl-dot').length);
  assert.equal(dots, 0);
  assert.deepEqual(reduced.errors, []);
  await reduced.context.close();
});

test('charts: only those the diagram can fill are shown; captions name each line with its colour and give totals', async () => {
  const captions = () => page.page.evaluate(() => [...document.querySelectorAll('.sl-chart')].filter((f) => !f.hidden).map((f) => ({ text: f.querySelector('figcaption').textContent, keys: f.querySelectorAll('.sl-chart-key').length })));
  assert.deepEqual(await page.page.evaluate(() => window.__slDiagram.charts()), ['Queue depth', 'Response time', 'Concurrency', 'Cold starts', 'Compute billed', 'Table writes', 'Consumer lag', 'Puts per shard', 'Cost'], 'every kind: every chart');

  const noQueue = { nodes: [{ id: 'users', kind: 'traffic', label: 'users' }, { id: 'api', kind: 'function', label: 'api' }, { id: 'hits', kind: 'function', label: 'hits' }], edges: [{ from: 'users', to: 'api', kind: 'traffic' }] };
  await renderTopology(page, noQueue);
  assert.deepEqual(await page.page.evaluate(() => window.__slDiagram.charts()), ['Concurrency', 'Cold starts', 'Compute billed', 'Cost'], 'no queue, gateway, table or stream: none of their charts');

  await page.send({ type: 'reset' });
  const point = (t, cold, cost, api) => ({ t, queueDepth: {}, concurrency: { api, hits: 1 }, coldStarts: cold, throttles: 0, cost, gbSeconds: cost * 60000 });
  await page.send({ type: 'updates', batch: [{ t: 3000, seq: 1, nodes: [], edges: [], sampledAway: 0, points: [point(0, 2, 0.000001, 1), point(1000, 0, 0.000002, 3), point(2000, 1, 0.000004, 2)] }] });
  await page.page.waitForFunction(() => /in view/.test(document.getElementById('sl-charts').textContent), null, { timeout: 5000 });
  const shown = await captions();
  assert.deepEqual(shown, [
    { text: 'Concurrency — api 2, hits 1', keys: 2 },
    { text: 'Cold starts — 3 in view', keys: 0 },
    { text: 'Compute billed — 0.24 GB-s so far', keys: 0 },
    { text: 'Cost — $0.000004 so far', keys: 0 },
  ]);
  assert.deepEqual(page.errors, []);
});

test('a race on the awaited model: the journey draws both environments\' spans and calls, the reads before the writes, the unawaited send; the badge counts calls in flight', async () => {
  const race = raceRun();
  assert.equal(race.final, 1, 'the run lost an update');
  await renderTopology(page, race.topology);
  await page.send({ type: 'reset' });
  // Calls in flight while both reads are out (t = 105 ms), from the real overlay reducer.
  const model = new OverlayModel(race.topology);
  await page.send({ type: 'updates', batch: [model.apply(race.records.filter((r) => r.t <= 105))] });
  await page.page.waitForFunction(() => /calls 2/.test(window.__slDiagram.badge('counter') ?? ''), null, { timeout: 5000 });

  const feed = new OverlayFeed(race.topology, () => undefined, { schedule: () => () => undefined });
  feed.push(race.records);
  await page.send(feed.select({ type: 'selectMessage', id: race.first }));
  const [shown] = await page.waitPosted((m) => m.type === 'detailShown' && m.what === 'journey' && m.id === race.first, 'race journey shown');
  assert.equal(shown.ok, true, shown.error);
  const drawn = await page.page.evaluate(() => {
    const svg = document.querySelector('#sl-detail-body svg');
    const texts = [...svg.querySelectorAll('text')].map((t) => t.textContent);
    return { texts, activations: svg.querySelectorAll('rect[class^="activation"]').length, aria: svg.getAttribute('aria-label') };
  });
  assert.equal(drawn.activations, 2, 'one activation span per invocation');
  for (const lifeline of ['counter (env-1)', 'counter (env-2)', 'counters', 'done']) assert.ok(drawn.texts.includes(lifeline), `lifeline ${lifeline}`);
  const order = (re) => drawn.texts.flatMap((t, i) => (re.test(t) ? [i] : []));
  const reads = order(/read c \(not found\)/);
  const writes = order(/written c \(put\)/);
  assert.equal(reads.length, 2);
  assert.equal(writes.length, 2);
  assert.ok(Math.max(...reads) < Math.min(...writes), 'both reads are drawn above both writes');
  assert.ok(drawn.texts.some((t) => /another invocation/.test(t)));
  assert.ok(drawn.texts.some((t) => /send not awaited \(counter\.ts:5\)/.test(t)));
  assert.match(drawn.aria, /journey of msg-1/);
  await page.page.screenshot({ path: 'test-artifacts/diagram-race-journey.png', fullPage: true });
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.violations, []);
});
