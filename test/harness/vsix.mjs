// The extension as a learner installs it: packages every target's VSIX (production bundles, only
// what .vscodeignore lets through, each target's own native files — scripts/package.mjs checks each),
// installs this machine's one (linux-x64 here) into a fresh code-server like `code --install-extension`,
// and runs test/vsix/installed.test.ts inside that extension host — no development folder loaded.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostTarget, packageAll } from '../../scripts/package.mjs';
import assert from 'node:assert/strict';
import { walkthroughSteps } from '../ui/workbench.ui.mjs';
import { repoRoot, startCodeServer } from './workbench.mjs';

/** Builds the production bundles, packages every target, and copies this machine's VSIX to `outFile`; returns its size in bytes. */
export async function packageVsix(outFile) {
  execFileSync(process.execPath, ['scripts/build.mjs', '--production'], { cwd: repoRoot, stdio: 'pipe' });
  const results = await packageAll({ outDir: join(repoRoot, 'dist', 'vsix'), log: (line) => console.log(`  ${line}`) });
  copyFileSync(results.find((r) => r.target === hostTarget()).file, outFile);
  return statSync(outFile).size;
}

/**
 * After the installed suite (which did what a learner does: started lesson 1, ran and passed its
 * checks, opened the diagram and the Lessons view, used the playground), the workspace opened again
 * as a learner opens it — a plain window, the installed extension — and its walkthrough opened for
 * the first time: VS Code draws every step but "Continue where you left off" ticked.
 */
async function walkthroughTicked(server, page) {
  await page.goto(`${server.base}/?folder=${encodeURIComponent(server.workspace)}`, { timeout: 180_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  const done = ['welcome', 'lessons', 'firstLesson', 'runtime', 'startExercise', 'runChecks', 'passExercise', 'diagram', 'playground'];
  const steps = await walkthroughSteps(page, { until: (s) => done.every((id) => s[id]), timeoutMs: 60_000 });
  await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'vsix-walkthrough.png') });
  for (const id of done) assert.equal(steps[id], true, `installed VSIX: walkthrough step "${id}" is ticked (${JSON.stringify(steps)})`);
  assert.equal(steps.resume, false, `installed VSIX: "Continue where you left off" waits for every lesson (${JSON.stringify(steps)})`);
  console.log(`installed VSIX: the walkthrough shows ${done.length} steps ticked from the learner's progress`);
}

/** Resolves with the installed suite's exit code (0 = every test passed). */
export async function runInstalledVsix(browser, { runSuite }) {
  const dir = mkdtempSync(join(tmpdir(), 'serverless-lab-vsix-'));
  try {
    const vsix = join(dir, 'serverless-lab.vsix');
    const t0 = Date.now();
    const size = await packageVsix(vsix);
    console.log(`packaged ${(size / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s; installing it into a fresh code-server`);
    const server = await startCodeServer({ installVsix: vsix });
    try {
      // VS Code runs an extensionTestsPath only in an extension-development window: point that at an
      // empty folder, so the extension that runs is the installed one.
      const empty = join(dir, 'no-extension');
      mkdirSync(empty);
      return await runSuite(server, browser, { suite: join(repoRoot, 'out', 'test', 'vsix', 'index.js'), extensionDevelopmentPath: empty, timeoutMs: 180_000, afterPass: (page) => walkthroughTicked(server, page) });
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
