// One esbuild build per bundle, as in bierner's markdown-mermaid:
//   dist/extension.js       extension host (Node, CommonJS, `vscode` external)
//   dist/webview/*.js       browser code for webviews (IIFE), one per surface
//   dist/cli.js             the `serverless-lab` command-line tool (Node)
//   dist/runtime.js         the runtime child process (engine + isolated-vm), when present
//   out/test/suite/index.js the extension-host test suite (mocha inside VS Code)
//   out/test/vsix/index.js  the smoke suite for the extension installed from its VSIX
//   out/test/bench/*.js     benchmarks that run inside the extension host
// Flags: --production (minify, no source maps), --watch.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const common = { bundle: true, logLevel: 'warning', sourcemap: production ? false : 'linked', minify: production, legalComments: 'none' };
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20' };

const builds = [
  // esbuild stays external: its API runs the binary of its own package (the export command compiles handlers with it).
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', 'isolated-vm', 'esbuild'] },
  ...readdirSync('src/webview', { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`src/webview/${d.name}/main.ts`))
    .map((d) => ({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: [`src/webview/${d.name}/main.ts`], outfile: `dist/webview/${d.name}.js` })),
  ...(existsSync('src/cli/main.ts') ? [{ ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: ['isolated-vm', 'esbuild'], banner: { js: '#!/usr/bin/env node' } }] : []),
  ...(existsSync('src/sandbox/runtime.ts') ? [{ ...node, entryPoints: ['src/sandbox/runtime.ts'], outfile: 'dist/runtime.js', external: ['isolated-vm', 'esbuild'] }] : []),
  // Suite: index.js (the runner code-server loads) requires each *.test.js; @vscode/test-cli loads the *.test.js files itself.
  { ...node, sourcemap: 'inline', minify: false, entryPoints: readdirSync('test/suite').filter((f) => f.endsWith('.ts')).map((f) => `test/suite/${f}`), outdir: 'out/test/suite', external: ['vscode', 'mocha', 'isolated-vm', './*.test'] },
  // The same extension installed from its VSIX (test/harness/vsix.mjs): index.js runs installed.test.js.
  { ...node, sourcemap: 'inline', minify: false, entryPoints: ['test/vsix/index.ts', 'test/vsix/installed.test.ts'], outdir: 'out/test/vsix', external: ['vscode', 'mocha'] },
  { ...node, sourcemap: false, minify: false, entryPoints: ['test/bench/activation.ts'], outfile: 'out/test/bench/activation.js', external: ['vscode'] },
];

mkdirSync('dist/webview', { recursive: true });
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('watching for changes…');
} else {
  const started = Date.now();
  await Promise.all(builds.map((options) => esbuild.build(options)));
  console.log(`built ${builds.length} bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
