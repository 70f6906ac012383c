// Entry point VS Code loads as extensionTestsPath: runs mocha inside the real extension host.
// Works the same under code-server (test/harness/run.mjs) and desktop VS Code (@vscode/test-cli).
//
// Two phases: `run()` (this file) runs every describe block except those tagged `@after-reload`;
// the harness then reloads the window and loads afterReload.js, which runs only the tagged ones.
import Mocha from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const AFTER_RELOAD = '@after-reload';

export function runPhase(phase: 'first' | 'after-reload'): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.grep(AFTER_RELOAD);
  if (phase === 'first') mocha.invert();
  mocha.suite.emit('pre-require', globalThis, 'suite', mocha);
  // Each *.test.js beside this file (bundled separately) registers its describe() blocks when required.
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) require(path.join(__dirname, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}

export function run(): Promise<void> {
  return runPhase('first');
}
