// UI test: drives the real workbench like a person — command palette → Lessons view → the lesson —
// reads the lesson page back out of its webview and saves a screenshot as a test artifact.
import assert from 'node:assert/strict';
import { join } from 'node:path';

const LESSON = 'What serverless means';

/** F1 → type → pick. Retries: the palette may not list a contributed command until the extension host is up. */
export async function runCommand(page, title, { attempts = 20 } = {}) {
  for (let i = 0; i < attempts; i++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 3_000 });
      await page.keyboard.press('Enter');
      return;
    } catch {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1_000);
    }
  }
  throw new Error(`command "${title}" never appeared in the command palette`);
}

export function lessonFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

export async function openWorkbench(server, browser) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(server.url());
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  return page;
}

export async function runUiTest(server, browser, { artifacts }) {
  const page = await openWorkbench(server, browser);
  try {
    // 1. Command palette → Show Lessons: the Lessons view opens with the lesson under its section.
    await runCommand(page, 'Serverless Lab: Show Lessons');
    const tree = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Lessons' }) });
    const lessonRow = tree.locator('.monaco-list-row', { hasText: LESSON });
    await lessonRow.waitFor({ state: 'visible', timeout: 30_000 });
    await tree.locator('.monaco-list-row', { hasText: 'Serverless concepts' }).waitFor({ state: 'visible' });

    // 2. Open the lesson from the view: its page renders in a webview.
    await lessonRow.click();
    const frame = lessonFrame(page);
    await frame.locator('h1', { hasText: LESSON }).waitFor({ state: 'visible', timeout: 30_000 });
    const text = await frame.locator('#page').innerText();
    for (const phrase of ['No server management', 'Auto-scaling, down to zero', 'GB-seconds', 'Event-driven', 'The serverless spectrum', 'Containers']) {
      assert.ok(text.includes(phrase), `lesson page should contain "${phrase}"`);
    }

    // 3. Mark it done from the page: the tree shows the new state.
    await frame.locator('#toggle-done').click();
    await frame.locator('#status', { hasText: 'Lesson done' }).waitFor({ state: 'visible', timeout: 10_000 });
    await tree.locator('.monaco-list-row', { hasText: LESSON }).filter({ hasText: 'done' }).waitFor({ state: 'visible', timeout: 10_000 });

    await page.screenshot({ path: join(artifacts, 'workbench-lesson.png') });
  } catch (err) {
    await page.screenshot({ path: join(artifacts, 'workbench-lesson-failure.png') }).catch(() => {});
    throw err;
  } finally {
    await page.close();
  }
}
