// The extension as a learner installs it: packages the VSIX (production bundles, only what
// .vscodeignore lets through), installs it into a fresh code-server like `code --install-extension`,
// and runs test/vsix/installed.test.ts inside that extension host — no development folder loaded.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startCodeServer } from './workbench.mjs';

/** Builds the production bundles and writes the VSIX to `outFile`; returns its size in bytes. */
export function packageVsix(outFile) {
  execFileSync(process.execPath, ['scripts/build.mjs', '--production'], { cwd: repoRoot, stdio: 'pipe' });
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'vsce'), ['package', '--out', outFile], { cwd: repoRoot, stdio: 'pipe' });
  return statSync(outFile).size;
}

/** Resolves with the installed suite's exit code (0 = every test passed). */
export async function runInstalledVsix(browser, { runSuite }) {
  const dir = mkdtempSync(join(tmpdir(), 'serverless-lab-vsix-'));
  try {
    const vsix = join(dir, 'serverless-lab.vsix');
    const t0 = Date.now();
    const size = packageVsix(vsix);
    console.log(`packaged ${(size / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s; installing it into a fresh code-server`);
    const server = await startCodeServer({ installVsix: vsix });
    try {
      // VS Code runs an extensionTestsPath only in an extension-development window: point that at an
      // empty folder, so the extension that runs is the installed one.
      const empty = join(dir, 'no-extension');
      mkdirSync(empty);
      return await runSuite(server, browser, { suite: join(repoRoot, 'out', 'test', 'vsix', 'index.js'), extensionDevelopmentPath: empty, timeoutMs: 180_000 });
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
