// Starts a real VS Code (code-server) on loopback and opens it in headless Debian Chromium.
// Shared by the test runner (test/harness/run.mjs), `npm start` and the activation benchmark.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerEntry, ensureCodeServer, node24 } from './codeServer.mjs';
import { chromiumPath, ensurePrerequisites } from './prerequisites.mjs';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/**
 * Starts code-server with temporary user data, extensions and XDG folders.
 * Returns { url(payload?), port, workspace, stop() }.
 */
export async function startCodeServer({ port, dataDir, workspaceFrom = join(repoRoot, 'test', 'fixtures', 'workspace'), installVsix, log = () => {} } = {}) {
  const dir = await ensureCodeServer();
  // dataDir (npm start) keeps settings, progress and the workspace between runs; tests use a fresh temp folder.
  const keepData = Boolean(dataDir);
  const root = dataDir ? resolve(dataDir) : mkdtempSync(join(tmpdir(), 'serverless-lab-vscode-'));
  const userData = join(root, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  if (!keepData || !existsSync(join(userData, 'User', 'settings.json'))) writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  const workspace = join(root, 'workspace');
  if (!existsSync(workspace)) cpSync(workspaceFrom, workspace, { recursive: true });
  for (const d of ['ext', 'xdg-config', 'xdg-data', 'xdg-cache']) mkdirSync(join(root, d), { recursive: true });
  port ??= await freePort();
  const env = { ...process.env, XDG_CONFIG_HOME: join(root, 'xdg-config'), XDG_DATA_HOME: join(root, 'xdg-data'), XDG_CACHE_HOME: join(root, 'xdg-cache') };
  // installVsix: the extension as a learner gets it, installed the way `code --install-extension` does.
  if (installVsix) execFileSync(node24(), [codeServerEntry(dir), '--install-extension', installVsix, '--user-data-dir', userData, '--extensions-dir', join(root, 'ext')], { env, stdio: 'pipe' });

  const child = spawn(node24(), [
    codeServerEntry(dir),
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--user-data-dir', userData,
    '--extensions-dir', join(root, 'ext'),
    '--vscode-option', 'enable-smoke-test-driver',
  ], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  const collect = (chunk) => {
    output = (output + chunk).slice(-20000);
    log(chunk.toString());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${base} within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  return {
    port,
    base,
    workspace,
    root,
    output: () => output,
    /** Workbench URL with the extension under development loaded (and, optionally, a test entry). */
    url({ extensionTestsPath, folder = workspace, extensionDevelopmentPath = repoRoot } = {}) {
      const payload = [['extensionDevelopmentPath', remote(extensionDevelopmentPath)]];
      if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
      return `${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    },
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 300));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      if (!keepData) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium; installs the Debian package first when it is missing (and allowed). */
export async function launchBrowser() {
  ensurePrerequisites(['browser']);
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
