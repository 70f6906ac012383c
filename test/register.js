// Lets mocha (and the CLI in development) load TypeScript directly: each .ts file is transpiled by
// esbuild on require, with an inline source map so stack traces point at the .ts lines.
// Type checking is separate (`npm run typecheck`).
const { transformSync } = require('esbuild');
const fs = require('node:fs');

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    loader: 'ts',
    format: 'cjs',
    target: 'node24',
    sourcemap: 'inline',
    sourcefile: filename,
  });
  module._compile(code, filename);
};
process.setSourceMapsEnabled(true);
