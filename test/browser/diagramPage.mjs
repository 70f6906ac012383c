/* global window, document, MutationObserver */
// Shared by the diagram browser test and bench/diagram.bench.mjs: builds the diagram webview bundle,
// serves the page from src/diagram/html.ts under the real webview CSP (via request interception, so
// nothing touches the network) and loads it in headless Debian Chromium.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, repoRoot } from '../harness/workbench.mjs';

const require = createRequire(import.meta.url);
require('../register.js'); // lets us require the TypeScript sources
export const { toMermaid } = require('../../src/diagram/mermaid.ts');
export const { OverlayModel } = require('../../src/diagram/overlay.ts');
export const { OverlayFeed } = require('../../src/diagram/feed.ts');
const { diagramHtml } = require('../../src/diagram/html.ts');
const { validateScenario } = require('../../src/engine/scenario.ts');
const { Simulation } = require('../../src/engine/simulation.ts');

/** Every lessons/<name>/scenario.json → the topology the runtime sends when it loads that scenario. */
export function lessonTopologies() {
  const dir = join(repoRoot, 'lessons');
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, 'scenario.json');
    if (!existsSync(file)) continue;
    const { scenario, problems } = validateScenario(JSON.parse(readFileSync(file, 'utf8')));
    if (!scenario) throw new Error(`${file}: ${JSON.stringify(problems)}`);
    out.push({ name, file, topology: new Simulation(scenario, { records: { mode: 'none' } }).topology() });
  }
  return out;
}

/** Every examples/*.scenario.json → its topology (the other systems' shapes among them). */
export function exampleTopologies() {
  const dir = join(repoRoot, 'examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.scenario.json'))
    .sort()
    .map((name) => {
      const { scenario, problems } = validateScenario(JSON.parse(readFileSync(join(dir, name), 'utf8')));
      if (!scenario) throw new Error(`${name}: ${JSON.stringify(problems)}`);
      return { name, topology: new Simulation(scenario, { records: { mode: 'none' } }).topology() };
    });
}

export const ORIGIN = 'https://webview.test';
export const NONCE = 'dGVzdC1ub25jZS0xMjM0NQ==';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** dist/webview/diagram.js, rebuilt (same options as scripts/build.mjs) when older than its sources. */
export async function ensureBundle({ production = false } = {}) {
  const out = join(repoRoot, 'dist', 'webview', 'diagram.js');
  const srcTime = Math.max(newest(join(repoRoot, 'src', 'webview', 'diagram')), newest(join(repoRoot, 'src', 'diagram')));
  if (!existsSync(out) || statSync(out).mtimeMs < srcTime) {
    const esbuild = require('esbuild');
    await esbuild.build({ bundle: true, logLevel: 'warning', sourcemap: production ? false : 'linked', minify: production, legalComments: 'none', platform: 'browser', format: 'iife', target: 'es2022', entryPoints: [join(repoRoot, 'src/webview/diagram/main.ts')], outfile: out });
  }
  return out;
}

const DARK = {
  '--vscode-foreground': '#cccccc', '--vscode-editor-foreground': '#d4d4d4', '--vscode-editor-background': '#1e1e1e',
  '--vscode-editorWidget-background': '#252526', '--vscode-focusBorder': '#007fd4', '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-badge-background': '#4d4d4d', '--vscode-badge-foreground': '#ffffff', '--vscode-font-family': 'sans-serif',
  '--vscode-editorWarning-foreground': '#cca700', '--vscode-editorError-foreground': '#f14c4c', '--vscode-errorForeground': '#f48771',
  '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-yellow': '#cca700', '--vscode-charts-red': '#f14c4c', '--vscode-sideBar-background': '#252526',
};

/**
 * Opens the diagram page. Returns { browser, page, errors, violations, requests, posted(), send(msg), waitPosted(pred) }.
 * `errors` collects console errors and page errors; `violations` CSP violations; `requests` any URL outside the origin.
 */
export async function openDiagramPage({ reducedMotion = 'no-preference', browser: given } = {}) {
  const bundle = await ensureBundle();
  const browser = given ?? (await launchBrowser());
  const context = await browser.newContext({ reducedMotion, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  const violations = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e?.message ?? e)));
  await page.exposeFunction('__slViolation', (v) => violations.push(v));
  await page.addInitScript((vars) => {
    document.addEventListener('securitypolicyviolation', (e) => window.__slViolation(`${e.violatedDirective} ${e.blockedURI}`));
    // Like VS Code's webview host: theme variables on <html>, a theme class on <body>.
    new MutationObserver((_, obs) => {
      if (!document.body) return;
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      document.body.classList.add('vscode-dark');
      obs.disconnect();
    }).observe(document, { childList: true, subtree: true });
  }, DARK);
  const html = diagramHtml(ORIGIN, NONCE, `${ORIGIN}/dist/webview/diagram.js`, `${ORIGIN}/media/diagram.css`);
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) {
      requests.push(url.href);
      return route.abort();
    }
    if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (url.pathname === '/dist/webview/diagram.js') return route.fulfill({ contentType: 'text/javascript', body: readFileSync(bundle) });
    if (url.pathname === '/media/diagram.css') return route.fulfill({ contentType: 'text/css', body: readFileSync(join(repoRoot, 'media', 'diagram.css')) });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${ORIGIN}/index.html`);
  const posted = () => page.evaluate(() => window.__slPosted ?? []);
  const send = (msg) => page.evaluate((m) => window.postMessage(m, '*'), msg);
  const waitPosted = async (pred, what = 'message', timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = (await posted()).filter(pred);
      if (hit.length) return hit;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; posted: ${JSON.stringify(await posted()).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitPosted((m) => m.type === 'ready', 'ready');
  return { browser, context, page, errors, violations, requests, posted, send, waitPosted };
}

/** The topology message for a topology (what the VS Code adapter will send). */
export function topologyMessage(topology, theme) {
  const { source, ids, edgeIds, partitions } = toMermaid(topology);
  const kinds = Object.fromEntries(topology.nodes.map((n) => [n.id, n.kind]));
  const msg = { type: 'topology', source, narrowSource: toMermaid(topology, { direction: 'TB' }).source, ids, edgeIds, partitions, kinds };
  if (theme) msg.theme = theme;
  return msg;
}

/** Send a topology and wait for the webview's next `rendered` report (returns it). */
export async function renderTopology(page, topology, timeoutMs = 60_000) {
  const before = (await page.posted()).filter((m) => m.type === 'rendered').length;
  await page.send(topologyMessage(topology));
  const all = await page.waitPosted((m, i, arr) => arr.filter((x) => x.type === 'rendered').length > before, 'rendered', timeoutMs);
  return all.filter((m) => m.type === 'rendered').at(-1);
}

/** A fan-out: traffic → gateway → function → topic → N queues (→ N functions when `workers`). */
export function fanOut(n, prefix = 'fan', workers = true) {
  const nodes = [
    { id: `${prefix}-traffic`, kind: 'traffic', label: 'users' },
    { id: `${prefix}-api`, kind: 'gateway', label: 'api' },
    { id: `${prefix}-ingest`, kind: 'function', label: 'ingest' },
    { id: `${prefix}-topic`, kind: 'topic', label: 'orders' },
  ];
  const edges = [
    { from: `${prefix}-traffic`, to: `${prefix}-api` },
    { from: `${prefix}-api`, to: `${prefix}-ingest`, kind: 'route' },
    { from: `${prefix}-ingest`, to: `${prefix}-topic` },
  ];
  for (let i = 0; i < n; i++) {
    nodes.push({ id: `${prefix}-q${i}`, kind: 'queue', label: `queue ${i}` });
    edges.push({ from: `${prefix}-topic`, to: `${prefix}-q${i}`, kind: 'subscription' });
    if (!workers) continue;
    nodes.push({ id: `${prefix}-w${i}`, kind: 'function', label: `worker ${i}` });
    edges.push({ from: `${prefix}-q${i}`, to: `${prefix}-w${i}`, kind: 'event-source' });
  }
  return { nodes, edges };
}

/**
 * A real race: two messages 1 ms apart on a queue whose handler reads a counter, writes it back +1
 * and forgets to await a send, run by the node:vm executor (the sandbox's bootstrap and awaited
 * model). Returns the run's topology, its trace records and the first message's id.
 */
export function raceRun() {
  const { mkdtempSync, writeFileSync, rmSync } = require('node:fs');
  const { tmpdir } = require('node:os');
  const { VmExecutor } = require('../../src/sandbox/vmExecutor.ts');
  const dir = mkdtempSync(join(tmpdir(), 'race-'));
  writeFileSync(
    join(dir, 'counter.ts'),
    [
      "import { tableGet, tablePut, send } from 'serverless-lab';",
      'export const handler = async () => {',
      "  const item = await tableGet('counters', 'c');",
      "  await tablePut('counters', { id: 'c', n: (item?.n ?? 0) + 1 });",
      "  send('done', 'counted');",
      '};',
      '',
    ].join('\n'),
  );
  const executor = new VmExecutor({ rootDir: dir });
  try {
    const sim = new Simulation(
      {
        name: 'race',
        durationS: 2,
        latency: { table: { baseMs: 10, jitterMs: 0 }, queue: { baseMs: 20, jitterMs: 0 } },
        tables: [{ name: 'counters', key: 'id' }],
        queues: [{ name: 'in' }, { name: 'done' }],
        functions: [{ name: 'counter', handler: 'counter.ts', initMs: 100, events: [{ queue: 'in', batchSize: 1 }] }],
        traffic: [{ name: 'load', target: { queue: 'in' }, ratePerSecond: 1000, durationS: 0.002 }],
      },
      { seed: 1, executor },
    );
    sim.run();
    const records = sim.ctx.trace.records();
    return { topology: sim.topology(), records, first: records.find((r) => r.kind === 'sent' && r.resource === 'in').id, final: sim.tables.get('counters').get('c').n };
  } finally {
    executor.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
