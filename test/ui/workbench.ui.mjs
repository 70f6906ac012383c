/* global document -- the functions passed to page.waitForFunction run in the page */
// UI test: drives the real workbench like a person — command palette → Lessons view → the lesson —
// reads the lesson page back out of its webview and saves a screenshot as a test artifact.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness/workbench.mjs';

const LESSON = 'What serverless means';
const LESSON_ID = 'what-serverless-means';
const lessonDir = join(repoRoot, 'lessons', '01-what-serverless-means');
const NEXT_LESSON = 'The FaaS lifecycle: init, invoke, freeze';

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

/** A webview's content frame holding `selector` (webviews' iframes come and go in creation order). */
export async function frameWith(page, selector, { timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await page.locator('iframe.webview.ready').count();
    for (let i = 0; i < n; i++) {
      const frame = page.frameLocator(`iframe.webview.ready >> nth=${i}`).frameLocator('iframe#active-frame');
      if ((await frame.locator(selector).count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
    await page.waitForTimeout(500);
  }
}

/**
 * Opens Serverless Lab's walkthrough from the palette (Welcome: Open Walkthrough…) and returns
 * whether VS Code shows each step ticked, by the step's id in package.json. The page ticks steps as
 * they complete: with `until`, it is read again until `until(steps)` holds or `timeoutMs` passes.
 */
export async function walkthroughSteps(page, { title = 'Get started with Serverless Lab', until = () => true, timeoutMs = 15_000 } = {}) {
  await runCommand(page, 'Welcome: Open Walkthrough...');
  const prompt = page.locator('.quick-input-widget');
  await prompt.locator('.monaco-list-row', { hasText: title }).first().click({ timeout: 30_000 });
  const boxes = page.locator('.gettingStartedContainer [data-done-step-id]');
  await boxes.first().waitFor({ state: 'attached', timeout: 30_000 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const steps = {};
    for (const box of await boxes.all()) {
      const id = (await box.getAttribute('data-done-step-id')).split('#').at(-1);
      steps[id] = (await box.getAttribute('aria-checked')) === 'true';
    }
    if (until(steps) || Date.now() > deadline) return steps;
    await page.waitForTimeout(500);
  }
}

export function lessonFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

export async function openWorkbench(server, browser) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(server.url(), { timeout: 180_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  return page;
}

export async function runUiTest(server, browser, { artifacts }) {
  const page = await openWorkbench(server, browser);
  const handlerFile = join(server.workspace, 'serverless-lab', LESSON_ID, 'handler.ts');
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

    // 3. Before the start, Run Checks waits and says why; Start Exercise is the next step. Start it:
    //    the starter opens beside the page.
    const action = (id) => frame.locator(`#action-${id}`);
    await frame.locator('#action-startLesson[data-primary]').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await action('runChecks').getAttribute('aria-disabled'), 'true', 'Run Checks waits for the start');
    assert.match(await action('runChecks').getAttribute('title'), /Start the exercise first/);
    await action('startLesson').click();
    await page.locator('.tab', { hasText: 'handler.ts' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await frame.locator('#action-runChecks[data-primary]').waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(existsSync(handlerFile), `the starter is in the workspace: ${handlerFile}`);

    // The learner's edits, saved (the checks read the saved files). A run and its result on the page:
    const runChecks = async () => {
      // The page counts the runs it has shown (#results[data-run]): wait for the next one.
      const before = Number((await frame.locator('#results').getAttribute('data-run')) ?? 0);
      await action('runChecks').click();
      await frame.locator(`#results[data-run="${before + 1}"]`).waitFor({ state: 'visible', timeout: 120_000 });
    };

    // 4. A syntax error: one message at the file, line and column as the workspace names them (no
    //    host path), and no behaviour check runs on code that did not compile.
    const starter = readFileSync(join(lessonDir, 'starter', 'handler.ts'), 'utf8');
    const broken = starter.replace("return { statusCode: 501, body: 'Not implemented yet' };", "return { statusCode: 501, body: 'Not implemented yet' ;");
    assert.notEqual(broken, starter, 'the test breaks the starter on purpose');
    const brokenLine = broken.split('\n').findIndex((l) => l.includes("'Not implemented yet' ;")) + 1;
    writeFileSync(handlerFile, broken);
    await runChecks();
    const compile = frame.locator('#results .headline.compile-error');
    await compile.waitFor({ state: 'visible', timeout: 120_000 });
    const compileText = await compile.innerText();
    const at = new RegExp(`serverless-lab/${LESSON_ID}/handler\\.ts:${brokenLine}:\\d+`);
    assert.match(compileText, new RegExp(`^Your code does not compile: ${at.source}: .+No check ran`), `one message at the workspace-relative file:line:col: ${compileText}`);
    assert.equal(await compile.locator('a.error-location').innerText(), at.exec(compileText)[0], 'its file:line:col opens the file there');
    const resultsText = await frame.locator('#results').innerText();
    for (const host of [server.workspace, server.root, '/tmp/', '/root/']) assert.ok(!resultsText.includes(host), `no host path (${host}) on the page: ${resultsText}`);
    assert.equal(resultsText.match(new RegExp(at.source, 'g')).length, 1, `the error is said once: ${resultsText}`);
    assert.equal(await frame.locator('#results li.check').count(), 0, 'no check is judged on code that did not compile');
    assert.ok(!/GB-s|budget|cost/i.test(resultsText), `no behaviour check reports on it: ${resultsText}`);
    await compile.locator('a.error-location').click();
    await page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${brokenLine}, Col \\d+`) }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'lesson-compile-error.png') });

    // 5. The starter, with a line the learner logs: each check's verdict; a failing one's expected,
    //    actual and explanation with a link to the section that explains it; the log line.
    const logLine = (text, code) => code.replace(/(export const handler[^\n]*\n)/, `$1  console.log(\`${text} \${event.pathParameters?.name ?? '(no name)'}\`);\n`);
    writeFileSync(handlerFile, logLine('ui-test: greeting', starter));
    await runChecks();
    await frame.locator('#results .headline.failed').waitFor({ state: 'visible', timeout: 120_000 });
    const failed = frame.locator('#results li.check.fail').first();
    await failed.waitFor({ state: 'visible' });
    for (const part of ['.verdict', '.check-title', '.message', '.versus', '.explain']) assert.ok((await failed.locator(part).innerText()).trim(), `a failing check shows its ${part}`);
    assert.match(await failed.locator('.versus').innerText(), /Expected[\s\S]+Your run/);
    assert.ok((await frame.locator('#results li.check .section-link').count()) > 0, 'failures link to the section that explains the rule');
    const logs = await frame.locator('#results .log-lines').innerText();
    assert.match(logs, /\d+(\.\d+)? s\s+\S+\s+\S+\s+ui-test: greeting \S+/, `the learner's log line with its time, function and invocation: ${logs.slice(0, 400)}`);
    await frame.locator('#results .log-lines').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'lesson-checks-failed.png') });

    // 6. The fix: every check passes, the lesson is done, Next Lesson is the next step.
    writeFileSync(handlerFile, logLine('ui-test: fixed', readFileSync(join(lessonDir, 'solution', 'handler.ts'), 'utf8')));
    await runChecks();
    await frame.locator('#results .headline.passed').waitFor({ state: 'visible', timeout: 120_000 });
    assert.equal(await frame.locator('#results li.check.fail').count(), 0);
    assert.match(await frame.locator('#results .log-lines').innerText(), /ui-test: fixed/);
    await frame.locator('#status', { hasText: 'Lesson done' }).waitFor({ state: 'visible', timeout: 10_000 });
    await frame.locator('#action-nextLesson[data-primary]').waitFor({ state: 'visible', timeout: 10_000 });
    await tree.locator('.monaco-list-row', { hasText: LESSON }).filter({ hasText: 'done' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'lesson-passed.png') });

    // 7. The lesson's live diagram from the palette: Mermaid draws it, Play animates it, a click on a
    //    node shows its recent events.
    await runCommand(page, 'Serverless Lab: Open Diagram');
    const diagram = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('iframe#active-frame');
    await diagram.locator('#sl-diagram svg .sl-node').first().waitFor({ state: 'visible', timeout: 30_000 });
    await diagram.locator('#sl-play').click();
    // The counters drawn on the nodes move as the run plays (traffic starts a few virtual seconds in).
    await diagram.locator('#sl-diagram', { hasText: /requests [1-9]/ }).waitFor({ state: 'visible', timeout: 60_000 });
    await page.screenshot({ path: join(artifacts, 'diagram.png') });
    await diagram.locator('#sl-diagram .sl-node').first().click();
    await diagram.locator('#sl-detail:not([hidden])').waitFor({ state: 'visible', timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'diagram-detail.png') });

    // 8. Next Lesson on the page opens lesson 2 in the same page; its Mark Lesson Done toggle works
    //    both ways and the tree follows.
    const lessonPage = await frameWith(page, 'body[data-lesson]');
    await lessonPage.locator('#action-nextLesson').click();
    await lessonPage.locator('h1', { hasText: NEXT_LESSON }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await lessonPage.locator('body').getAttribute('data-lesson'), 'faas-lifecycle');
    await lessonPage.locator('#action-startLesson[data-primary]').waitFor({ state: 'visible', timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'lesson-2.png') });
    const nextRow = tree.locator('.monaco-list-row', { hasText: 'The FaaS lifecycle' });
    await lessonPage.locator('#toggle-done[aria-pressed="false"]').click();
    await lessonPage.locator('#status', { hasText: 'Lesson done' }).waitFor({ state: 'visible', timeout: 10_000 });
    await nextRow.filter({ hasText: 'done' }).waitFor({ state: 'visible', timeout: 10_000 });
    await lessonPage.locator('#toggle-done[aria-pressed="true"]', { hasText: 'Mark Lesson Not Done' }).click();
    await lessonPage.locator('#toggle-done[aria-pressed="false"]').waitFor({ state: 'visible', timeout: 10_000 });
    await nextRow.filter({ hasText: 'done' }).waitFor({ state: 'hidden', timeout: 10_000 });

    // 9. The broker playground through the palette's prompts: create a queue, send to it, see the
    //    Broker Explorer follow; a bad name is refused as it is typed and nothing is created.
    const prompt = page.locator('.quick-input-widget');
    const input = prompt.locator('input');
    // Each step of a flow is the same box with a new title ("Create Queue (3/4)"). A person waits
    // until it is there with the caret in it — and, in a list, the row they want highlighted —
    // before pressing Enter; so does this.
    const step = async (n, total) => {
      await prompt.locator('.quick-input-title', { hasText: `(${n}/${total})` }).waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForFunction(() => document.activeElement?.closest('.quick-input-widget') != null, null, { timeout: 10_000 });
    };
    const enter = async (n, total, { text, value, row } = {}) => {
      await step(n, total);
      if (text !== undefined) await input.fill(text);
      if (value !== undefined) await page.waitForFunction((v) => document.querySelector('.quick-input-widget input')?.value === v, value, { timeout: 10_000 });
      if (row !== undefined) await prompt.locator('.monaco-list-row.focused', { hasText: row }).waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.press('Enter');
      // The step is answered when its box is replaced by the next one (or closes).
      const answered = () => prompt.locator('.quick-input-title', { hasText: `(${n}/${total})` }).waitFor({ state: 'hidden', timeout: 5_000 });
      try {
        await answered();
      } catch {
        // A person whose Enter did nothing presses it again; say so, so a pattern shows in the logs.
        console.warn(`UI test: Enter on step ${n}/${total} did not advance in 5 s; pressing it again`);
        await page.keyboard.press('Enter');
        await answered();
      }
    };
    await runCommand(page, 'Serverless Lab: Playground: Create Queue…');
    await enter(1, 4, { row: 'Standard' });
    await step(2, 4);
    await input.fill('bad name!');
    await prompt.locator('.quick-input-message', { hasText: /letters|digits|name/i }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Enter'); // refused: the box stays open on step 2
    await step(2, 4);
    await prompt.locator('.quick-input-message', { hasText: /letters|digits|name/i }).waitFor({ state: 'visible' });
    await enter(2, 4, { text: 'ui-orders' });
    await enter(3, 4, { value: '30' }); // visibility timeout: the proposed 30 s
    await enter(4, 4, { row: 'No dead-letter queue' });
    const broker = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Broker Explorer' }) });
    await broker.locator('.monaco-list-row', { hasText: 'ui-orders' }).waitFor({ state: 'visible', timeout: 30_000 });
    await runCommand(page, 'Serverless Lab: Playground: Send Message…');
    await enter(1, 2, { row: 'ui-orders' });
    await enter(2, 2, { text: '{"orderId": 1}' });
    await broker.locator('.monaco-list-row', { hasText: 'ui-orders' }).filter({ hasText: '1 visible' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await broker.locator('.monaco-list-row', { hasText: 'bad name' }).count(), 0, 'the refused name created nothing');
    await page.screenshot({ path: join(artifacts, 'broker-explorer.png') });

    // 10. The walkthrough, opened for the first time only now, as a learner opens it: the steps this
    //     walk did are ticked (VS Code heard none of it: its walkthrough service starts with the
    //     walkthrough; the extension told it), the one it did not do is not.
    const done = ['welcome', 'lessons', 'firstLesson', 'runtime', 'startExercise', 'runChecks', 'passExercise', 'diagram', 'playground'];
    const steps = await walkthroughSteps(page, { until: (s) => done.every((id) => s[id]) });
    // (The runtime step: the checks found a Node to run the handlers on.)
    for (const id of done) assert.equal(steps[id], true, `walkthrough step "${id}" is ticked (${JSON.stringify(steps)})`);
    assert.equal(steps.resume, false, `"Continue where you left off" waits for every lesson done (${JSON.stringify(steps)})`);
    await page.screenshot({ path: join(artifacts, 'walkthrough.png') });
  } catch (err) {
    await page.screenshot({ path: join(artifacts, 'workbench-lesson-failure.png') }).catch(() => {});
    throw err;
  } finally {
    await page.close();
  }
}
