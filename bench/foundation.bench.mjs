// Foundation figures: bundle and VSIX sizes, and activation time inside a real VS Code extension host.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageAll } from '../scripts/package.mjs';
import { launchBrowser, repoRoot, startCodeServer } from '../test/harness/workbench.mjs';
import { runExtensionHostSuite } from '../test/harness/run.mjs';

const kib = (file) => +(statSync(join(repoRoot, file)).size / 1024).toFixed(1);

export default async function* foundation() {
  yield { bench: 'extension bundle size (dist/extension.js, production)', value: kib('dist/extension.js'), unit: 'KiB', goal: '<= 1024' };
  for (const f of ['dist/webview/lesson.js', 'dist/cli.js', 'dist/runtime.js']) if (existsSync(join(repoRoot, f))) yield { bench: `bundle size (${f})`, value: kib(f), unit: 'KiB' };

  // One VSIX per target platform (scripts/package.mjs checks each one's native files).
  for (const r of await packageAll({ log: () => {} })) yield { bench: `VSIX size (${r.target})`, value: +(r.bytes / 1024 / 1024).toFixed(2), unit: 'MiB', goal: '<= 8' };

  const server = await startCodeServer();
  const browser = await launchBrowser();
  try {
    // Each workbench window gets a fresh extension host: activate in RUNS of them, report the median.
    const RUNS = 5;
    const samples = new Map();
    const collect = (line) => {
      const m = /^BENCH (\{.*\})$/.exec(line.trim());
      if (!m) return;
      const sample = JSON.parse(m[1]);
      if (!samples.has(sample.bench)) samples.set(sample.bench, { ...sample, values: [] });
      samples.get(sample.bench).values.push(sample.value);
    };
    for (let i = 0; i < RUNS; i++) {
      const code = await runExtensionHostSuite(server, browser, {
        suite: join(repoRoot, 'out', 'test', 'bench', 'activation.js'),
        onLog: collect,
      });
      if (code !== 0) throw new Error(`activation bench failed (exit ${code})`);
    }
    // The floor: an extension whose activate() does nothing, measured the same way on the same server.
    const baseline = mkdtempSync(join(tmpdir(), 'baseline-extension-'));
    writeFileSync(join(baseline, 'package.json'), JSON.stringify({ name: 'baseline', publisher: 'serverless-lab', version: '0.0.0', engines: { vscode: '^1.100.0' }, main: './extension.js', activationEvents: [] }));
    writeFileSync(join(baseline, 'extension.js'), 'exports.activate = () => ({ activationMs: 0, activationSteps: {} });\n');
    writeFileSync(
      join(baseline, 'suite.js'),
      `const vscode = require('vscode');
exports.run = async () => {
  const ext = vscode.extensions.getExtension('serverless-lab.baseline');
  const started = performance.now();
  await ext.activate();
  console.log('BENCH ' + JSON.stringify({ bench: 'empty extension activation (load + activate, same harness: the floor)', value: +(performance.now() - started).toFixed(2), unit: 'ms' }));
};
`,
    );
    try {
      for (let i = 0; i < RUNS; i++) {
        const code = await runExtensionHostSuite(server, browser, { suite: join(baseline, 'suite.js'), extensionDevelopmentPath: baseline, onLog: collect });
        if (code !== 0) throw new Error(`baseline activation bench failed (exit ${code})`);
      }
    } finally {
      rmSync(baseline, { recursive: true, force: true });
    }
    for (const { values, ...line } of samples.values()) {
      const sorted = [...values].sort((a, b) => a - b);
      yield { ...line, value: sorted[Math.floor(sorted.length / 2)], stat: `median of ${values.length}`, min: sorted[0], max: sorted.at(-1) };
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}
