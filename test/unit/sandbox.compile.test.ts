import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearCompileCache, CompileError, compileHandler } from '../../src/sandbox/compile';
import { mapStack, SourceMapper } from '../../src/sandbox/sourceMaps';

describe('sandbox compileHandler', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const compileError = (file: string): CompileError => {
    try {
      compileHandler(file);
    } catch (err) {
      assert.ok(err instanceof CompileError, `expected a CompileError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the compile to fail');
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-compile-'));
    clearCompileCache();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('bundles a TypeScript entry with its relative imports into one script and lists every file', () => {
    const util = write('util.ts', 'export const twice = (n: number): number => n * 2;\n');
    const entry = write('handler.ts', "import { twice } from './util';\nimport { send } from 'serverless-lab';\nexport const handler = (e: { n: number }) => { send('q', 'x'); return twice(e.n); };\n");
    const out = compileHandler(entry);
    assert.deepEqual(out.files, [entry, util]);
    assert.match(out.code, /__labInit/);
    assert.ok(!out.code.includes(': number'), 'types are stripped');
    assert.deepEqual([...out.map.sources].sort(), [entry, util].sort());
    assert.equal(out.map.version, 3);
  });

  it('accepts JavaScript ES modules and JSON imports', () => {
    write('data.json', '{"rate": 3}\n');
    const entry = write('index.mjs', "import data from './data.json';\nexport function handler() { return data.rate; }\n");
    assert.ok(compileHandler(entry).code.includes('rate'));
  });

  for (const [specifier, name] of [
    ['fs', 'fs'],
    ['node:child_process', 'child_process'],
    ['fs/promises', 'fs/promises'],
  ] as const) {
    it(`refuses the Node built-in '${specifier}' with its position`, () => {
      const entry = write('handler.ts', `// a comment\nimport * as x from '${specifier}';\nexport const handler = () => x;\n`);
      const err = compileError(entry);
      assert.equal(err.diagnostics.length, 1);
      const d = err.diagnostics[0];
      assert.equal(d.file, entry);
      assert.equal(d.line, 2);
      assert.equal(d.column, 20);
      assert.ok(d.message.includes(`Node built-in '${name}' is not available in a handler`), d.message);
    });
  }

  it('refuses require() of a built-in in a JavaScript file and dynamic import() of one', () => {
    const js = write('a.js', "const fs = require('fs');\nexports.handler = () => fs;\n");
    assert.match(compileError(js).diagnostics[0].message, /Node built-in 'fs'/);
    const dyn = write('b.ts', "export const handler = async () => (await import('node:os')).hostname();\n");
    const d = compileError(dyn).diagnostics[0];
    assert.match(d.message, /Node built-in 'os'/);
    assert.equal(d.line, 1);
  });

  it('refuses bare package imports, naming the package', () => {
    const entry = write('handler.ts', "import _ from 'lodash';\nexport const handler = () => _;\n");
    const d = compileError(entry).diagnostics[0];
    assert.match(d.message, /package 'lodash' cannot be imported in a handler/);
    assert.deepEqual([d.line, d.column], [1, 15]);
  });

  it('reports one diagnostic per forbidden import', () => {
    const entry = write('handler.ts', "import fs from 'fs';\nimport net from 'net';\nexport const handler = () => [fs, net];\n");
    const err = compileError(entry);
    assert.deepEqual(
      err.diagnostics.map((d) => d.line),
      [1, 2],
    );
    assert.equal(err.line, 1);
    assert.equal(err.file, entry);
  });

  it('lets a type-only import of a built-in through (it is erased)', () => {
    const entry = write('handler.ts', "import type { Stats } from 'fs';\nexport const handler = (s: Stats | undefined) => s;\n");
    assert.doesNotThrow(() => compileHandler(entry));
  });

  it('reports syntax errors with file, 1-based line and column', () => {
    const entry = write('handler.ts', 'export const handler = () => {\n  const x: number = ;\n};\n');
    const d = compileError(entry).diagnostics[0];
    assert.deepEqual({ file: d.file, line: d.line, column: d.column }, { file: entry, line: 2, column: 21 });
    assert.match(d.message, /Unexpected/);
  });

  it('reports a missing relative import and a missing entry file', () => {
    const entry = write('handler.ts', "import { x } from './nope';\nexport const handler = () => x;\n");
    const d = compileError(entry).diagnostics[0];
    assert.equal(d.line, 1);
    assert.match(d.message, /nope/);
    assert.match(compileError(join(dir, 'missing.ts')).message, /handler file not found/);
  });

  it('caches by file mtimes: unchanged files give the cached bundle, a changed import recompiles', () => {
    const util = write('util.ts', 'export const v = 1;\n');
    const entry = write('handler.ts', "import { v } from './util';\nexport const handler = () => v;\n");
    const first = compileHandler(entry);
    assert.equal(compileHandler(entry), first, 'same object from the cache');
    writeFileSync(util, 'export const v = 22222;\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(util, later, later);
    const second = compileHandler(entry);
    assert.notEqual(second, first);
    assert.ok(second.code.includes('22222'));
  });

  it('a failed compile is not cached: fixing the file compiles', () => {
    const entry = write('handler.ts', 'export const handler = (;\n');
    compileError(entry);
    writeFileSync(entry, 'export const handler = () => 1;\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(entry, later, later);
    assert.doesNotThrow(() => compileHandler(entry));
  });
});

describe('sandbox source maps', () => {
  it('maps bundle positions back to the original TypeScript line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-map-'));
    try {
      const entry = join(dir, 'h.ts');
      writeFileSync(entry, "interface A { a: number }\n\ntype B = A;\nexport const handler = (x: B) => {\n  return missing.call(x);\n};\n");
      const out = compileHandler(entry);
      const lines = out.code.split('\n');
      const line = lines.findIndex((l) => l.includes('missing.call')) + 1;
      const column = lines[line - 1].indexOf('missing') + 1;
      const mapper = new SourceMapper(out.map);
      assert.deepEqual(mapper.lookup(line, column), { file: entry, line: 5, column: 10 });
      const stack = `ReferenceError: missing is not defined\n    at handler (file:///b.js:${line}:${column})\n    at file:///runtime.js:1:2\n    at Array.map (<anonymous>)`;
      const mapped = mapStack(stack, 'file:///b.js', mapper, ['file:///runtime.js']);
      assert.equal(mapped.stack, `ReferenceError: missing is not defined\n    at handler (${entry}:5:10)\n    at Array.map (<anonymous>)`);
      assert.deepEqual(mapped.location, { file: entry, line: 5, column: 10 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes VLQ segments with negative deltas and multi-digit values', () => {
    // Two generated lines: "AAAA" → (0,0,0,0); "gBAAkBAAK" → col 16, source 0, line 18 delta... built by hand:
    // line 2 segment: genCol 16 ("gB"), source +0 ("A"), origLine +18 ("kB"), origCol +0 ("A"); then genCol +2 ("E"), src 0, line -1 ("D"), col +5 ("K").
    const mapper = new SourceMapper({ version: 3, sources: ['/a.ts'], names: [], mappings: 'AAAA;gBAkBA,EADK' });
    assert.deepEqual(mapper.lookup(1, 1), { file: '/a.ts', line: 1, column: 1 });
    assert.deepEqual(mapper.lookup(2, 17), { file: '/a.ts', line: 19, column: 1 });
    assert.deepEqual(mapper.lookup(2, 19), { file: '/a.ts', line: 18, column: 6 });
    assert.deepEqual(mapper.lookup(2, 40), { file: '/a.ts', line: 18, column: 6 });
    assert.equal(mapper.lookup(3, 1), undefined);
  });
});
