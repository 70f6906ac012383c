// Entry point VS Code loads as extensionTestsPath: runs mocha inside the real extension host.
// Works the same under code-server (test/harness/run.mjs) and desktop VS Code (@vscode/test-cli).
import Mocha from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'suite', mocha);
  // Each *.test.js beside this file (bundled separately) registers its describe() blocks when required.
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) require(path.join(__dirname, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
