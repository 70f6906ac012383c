// Runs the extension-host suite (mocha inside a real VS Code extension host) and the UI test
// (the workbench driven like a person), both in code-server + headless Chromium.
// Exit code: 0 only when both pass. Artifacts (screenshots) go to test-artifacts/.
// Then the VSIX phase: the packaged extension installed into a fresh code-server (test/harness/vsix.mjs).
//   node test/harness/run.mjs [--suite-only | --ui-only | --vsix-only]
import { mkdirSync } from 'node:fs';
import { format } from 'node:util';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startCodeServer } from './workbench.mjs';
import { runUiTest } from '../ui/workbench.ui.mjs';
import { runInstalledVsix } from './vsix.mjs';

const args = new Set(process.argv.slice(2));
const artifacts = join(repoRoot, 'test-artifacts');
mkdirSync(artifacts, { recursive: true });

// Workbench chatter that is expected here (no internet, web-only lifecycle): not worth printing.
const NOISE = [/ENOTFOUND open-vsx\.org/, /^\s+at .*\/static\/out\//, /^\[(lifecycle|AccountPolicyGate|AgentHost|reconnection-grace-time|Service Worker)/, /^Creating a socket/, /^Updating additional builtin/];

function printLog(text) {
  const lines = text.split('\n').filter((l) => !NOISE.some((re) => re.test(l)));
  if (lines.length && lines.some((l) => l.trim())) process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Loads the workbench with the suite as extensionTestsPath and resolves with mocha's exit code.
 * `suite` + `afterPass(page)`: one entry file, then (when it passed) a look at the workbench itself.
 * Then, when the first phase passed, reloads the window in the same browser profile (a new extension
 * host over the same stored state, as when a learner reloads) and runs the `@after-reload` phase.
 */
export async function runExtensionHostSuite(server, browser, { timeoutMs = 300_000, suiteDir = join(repoRoot, 'out', 'test', 'suite'), suite, extensionDevelopmentPath, onLog, afterPass } = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  let finish = () => {};
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = format(...(Array.isArray(args) ? args : [args]));
    (onLog ?? printLog)(line, type);
  });
  await page.exposeFunction('codeAutomationExit', (code) => finish(code));
  const phase = async (name, entry) => {
    const exited = new Promise((res) => (finish = res));
    // The first load of a fresh code-server serves the whole workbench: on a busy 2-core machine it took over 30 s.
    await page.goto(server.url({ extensionTestsPath: entry, extensionDevelopmentPath }), { timeout: 180_000 });
    const timer = new Promise((res) => setTimeout(() => res('timeout'), timeoutMs));
    const code = await Promise.race([exited, timer]);
    if (code !== 'timeout') return code;
    await page.screenshot({ path: join(artifacts, `suite-timeout-${name}.png`) }).catch(() => {});
    console.error(`extension-host suite (${name}) did not finish within ${timeoutMs / 1000} s`);
    return 1;
  };
  try {
    // `suite`: one entry file, one phase (benchmarks).
    if (suite) {
      const code = await phase('single', suite);
      if (code !== 0 || !afterPass) return code;
      // What only the workbench shows (the suite passed): `afterPass(page)` throws when it is wrong.
      try {
        await afterPass(page);
        return 0;
      } catch (err) {
        await page.screenshot({ path: join(artifacts, 'suite-after-pass-failure.png') }).catch(() => {});
        console.error(`after the suite: ${err.stack ?? err}`);
        return 1;
      }
    }
    const first = await phase('first', join(suiteDir, 'index.js'));
    if (first !== 0) return first;
    console.log('── window reloaded: the @after-reload phase ──');
    return await phase('after-reload', join(suiteDir, 'afterReload.js'));
  } finally {
    await context.close();
  }
}

async function main() {
  const started = Date.now();
  const only = ['--suite-only', '--ui-only', '--vsix-only'].find((a) => args.has(a));
  const wants = (phase) => !only || only === `--${phase}-only`;
  const browser = await launchBrowser();
  let failed = 0;
  try {
    if (wants('suite')) {
      const server = await startCodeServer();
      try {
        console.log('── extension-host suite (mocha inside the real VS Code extension host) ──');
        const code = await runExtensionHostSuite(server, browser);
        console.log(`extension-host suite exit code: ${code}`);
        if (code !== 0) failed++;
      } finally {
        await server.stop();
      }
    }
    if (wants('ui')) {
      // Its own code-server (fresh settings, progress and workspace): the UI test walks lesson 1 as a
      // new learner, so nothing the suite started or passed may be there.
      const server = await startCodeServer();
      try {
        console.log('── UI test (workbench driven through the command palette) ──');
        try {
          await runUiTest(server, browser, { artifacts });
          console.log('UI test passed');
        } catch (err) {
          failed++;
          console.error(`UI test failed: ${err.stack ?? err}`);
        }
      } finally {
        await server.stop();
      }
    }
    if (wants('vsix')) {
      // Last: it leaves production bundles in dist/ (the next build replaces them).
      console.log('── the VSIX installed as a learner installs it ──');
      const code = await runInstalledVsix(browser, { runSuite: runExtensionHostSuite });
      console.log(`installed-VSIX suite exit code: ${code}`);
      if (code !== 0) failed++;
    }
  } finally {
    await browser.close().catch(() => {});
  }
  console.log(`real VS Code tests: ${failed ? 'FAILED' : 'passed'} in ${Math.round((Date.now() - started) / 1000)} s; artifacts in ${artifacts}`);
  process.exit(failed ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
