// Desktop VS Code (for contributors with internet): `npm run test:desktop` downloads VS Code into
// .vscode-test/ and runs the same extension-host suite as the code-server harness.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/suite/*.test.js',
  version: '1.100.0',
  workspaceFolder: 'test/fixtures/workspace',
  mocha: { ui: 'bdd', timeout: 60000 },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
});
