// Entry point VS Code loads as extensionTestsPath when the extension was installed from its VSIX
// (test/harness/vsix.mjs): mocha inside the real extension host, over installed.test.ts only.
import Mocha from 'mocha';
import * as path from 'node:path';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'installed.test.js'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
