/* global document, window */
// The lesson page's toolbar in a real browser: the page's own HTML (src/lessons/pageHtml.ts), its
// bundle and stylesheet under its CSP. In a narrow panel (the page beside the starter at 1,400 px, or
// a third of it) the buttons wrap onto more rows instead of running off the edge or making the page
// scroll sideways. Imported by diagram.render.test.mjs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, repoRoot } from '../harness/workbench.mjs';

const require = createRequire(import.meta.url);
require('../register.js');
const { lessonPageHtml } = require('../../src/lessons/pageHtml.ts');
const { toolbar } = require('../../src/lessons/pageState.ts');

const ORIGIN = 'https://webview.test';
const NONCE = 'bGVzc29uLXRvb2xiYXItdGVzdA==';
const LIGHT = { '--vscode-foreground': '#616161', '--vscode-editor-background': '#ffffff', '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b' };

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) t = Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  return t;
}

async function lessonBundle() {
  const out = join(repoRoot, 'dist', 'webview', 'lesson.js');
  if (!existsSync(out) || statSync(out).mtimeMs < newest(join(repoRoot, 'src', 'webview', 'lesson'))) {
    await require('esbuild').build({ bundle: true, logLevel: 'warning', sourcemap: 'linked', platform: 'browser', format: 'iife', target: 'es2022', entryPoints: [join(repoRoot, 'src/webview/lesson/main.ts')], outfile: out });
  }
  return out;
}

describe('the lesson page\'s toolbar', () => {
  let browser;
  let page;
  const errors = [];
  before(async () => {
    const bundle = await lessonBundle();
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e?.message ?? e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.addInitScript((vars) => {
      window.acquireVsCodeApi = () => ({ postMessage: () => {} });
      document.addEventListener('DOMContentLoaded', () => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        document.body.classList.add('vscode-light');
      });
    }, LIGHT);
    // Every button the toolbar can show at once: started, not done, hints left, a next lesson.
    const state = { type: 'state', done: false, started: true, running: false, files: ['payments.ts'], toolbar: toolbar({ exercise: true, started: true, running: false, done: false, hintsLeft: 3, next: 'FIFO queues: order per group, deduplication', firstFile: 'payments.ts', available: new Set(['serverlessLab.showReferenceSolution', 'serverlessLab.skipLesson']) }), reveal: false };
    assert.equal(state.toolbar.length, 7, 'every action is on the toolbar');
    const html = lessonPageHtml({ cspSource: ORIGIN, nonce: NONCE, cssUri: `${ORIGIN}/media/lesson.css`, scriptUri: `${ORIGIN}/dist/webview/lesson.js`, lesson: { id: 'queues', title: 'Queues', exercise: true }, markdown: readFileSync(join(repoRoot, 'lessons', '07-queues', 'page.md'), 'utf8'), hints: [], state });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
      if (url.pathname === '/dist/webview/lesson.js') return route.fulfill({ contentType: 'text/javascript', body: readFileSync(bundle) });
      if (url.pathname === '/media/lesson.css') return route.fulfill({ contentType: 'text/css', body: readFileSync(join(repoRoot, 'media', 'lesson.css')) });
      return route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction(() => document.querySelectorAll('#toolbar vscode-button').length >= 7 && document.querySelector('#page h1, #page h2'));
  });
  after(async () => {
    await browser?.close();
  });

  /** Every toolbar item's box, and whether the page scrolls sideways. */
  const measure = () =>
    page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const items = [...document.getElementById('toolbar').children].filter((e) => e.getBoundingClientRect().width > 0).map((e) => {
        const r = e.getBoundingClientRect();
        return { id: e.id, text: e.textContent.trim(), left: r.left, right: r.right, top: Math.round(r.top), clipped: e.scrollWidth > e.clientWidth + 1 };
      });
      return { width, scrollWidth: document.documentElement.scrollWidth, items, rows: new Set(items.filter((i) => i.id !== 'status').map((i) => i.top)).size };
    });

  let wideRows;
  test('at 1,400 px the actions take at most two rows of the page\'s reading column', async () => {
    await page.setViewportSize({ width: 1400, height: 900 });
    const m = await measure();
    wideRows = m.rows;
    assert.ok(m.rows <= 2, JSON.stringify(m.items));
  });

  for (const width of [500, 460, 320]) {
    test(`at ${width} px the buttons wrap onto more rows: none runs off the edge, none is cut, the page does not scroll sideways`, async () => {
      await page.setViewportSize({ width, height: 900 });
      const m = await measure();
      assert.ok(m.rows >= 2 && m.rows >= wideRows, `the buttons wrapped (${m.rows} rows, ${wideRows} at 1,400 px): ${JSON.stringify(m.items)}`);
      for (const i of m.items) {
        assert.ok(i.left >= -0.5 && i.right <= m.width + 0.5, `${i.id} "${i.text}" spans ${i.left.toFixed(0)}–${i.right.toFixed(0)} px of ${m.width}`);
        assert.equal(i.clipped, false, `${i.id} "${i.text}" is cut off`);
      }
      assert.ok(m.scrollWidth <= m.width, `the page scrolls sideways: ${m.scrollWidth} px in ${m.width}`);
      assert.deepEqual(errors, []);
    });
  }
});
