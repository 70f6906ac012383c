import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearCompileCache, CompileError, compileHandler } from '../../src/sandbox/compile';
import { compilerStarts } from '../../src/sandbox/compileService';
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
    const entry = write('handler.ts', "import { twice } from './util';\nimport { send } from 'serverless-lab';\nexport const handler = async (e: { n: number }) => { await send('q', 'x'); return twice(e.n); };\n");
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
    ['os', 'os'],
    ['node:child_process', 'child_process'],
    ['net', 'net'],
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
    const js = write('a.js', "const cp = require('child_process');\nexports.handler = () => cp;\n");
    assert.match(compileError(js).diagnostics[0].message, /Node built-in 'child_process'/);
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
    const entry = write('handler.ts', "import os from 'os';\nimport net from 'net';\nexport const handler = () => [os, net];\n");
    const err = compileError(entry);
    assert.deepEqual(
      err.diagnostics.map((d) => d.line),
      [1, 2],
    );
    assert.equal(err.line, 1);
    assert.equal(err.file, entry);
  });

  it("lets fs, node:fs and fs/promises through: they are the environment's /tmp (virtualFs.ts)", () => {
    const entry = write('handler.ts', "import { writeFileSync } from 'fs';\nimport * as nfs from 'node:fs';\nimport { readFile } from 'fs/promises';\nimport p from 'node:fs/promises';\nexport const handler = () => [writeFileSync, nfs, readFile, p];\n");
    assert.doesNotThrow(() => compileHandler(entry));
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

describe('sandbox compile containment', () => {
  let top: string;
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const refused = (file: string, options: Parameters<typeof compileHandler>[1] = {}): CompileError => {
    try {
      compileHandler(file, options);
    } catch (err) {
      assert.ok(err instanceof CompileError, `expected a CompileError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the compile to be refused');
  };
  /** The import is refused at its own line with a message naming it, and nothing of the host leaks. */
  const refusedAt = (file: string, specifier: string, line: number, message: RegExp): void => {
    const err = refused(file);
    const d = err.diagnostics[0];
    assert.equal(d.file, file);
    assert.equal(d.line, line, d.message);
    assert.ok(d.message.includes(`'${specifier}'`), `names the import: ${d.message}`);
    assert.match(d.message, message);
    for (const leak of [process.env.HOME ?? '/root', '/work/', 'PATH=', process.cwd()]) assert.ok(!err.message.includes(leak), `leaked ${leak}: ${err.message}`);
  };

  beforeEach(() => {
    top = mkdtempSync(join(tmpdir(), 'sandbox-contain-'));
    dir = join(top, 'exercise');
    mkdirSync(dir);
    writeFileSync(join(top, 'outside.ts'), 'export const secret = "outside";\n');
    clearCompileCache();
  });
  afterEach(() => rmSync(top, { recursive: true, force: true }));

  const up = '../'.repeat(12);
  for (const [what, spec, attr] of [
    ['/proc/self/environ as text', `${up}proc/self/environ`, " with { type: 'text' }"],
    ['/dev/zero as text', `${up}dev/zero`, " with { type: 'text' }"],
    ['/etc/passwd as json', `${up}etc/passwd`, " with { type: 'json' }"],
    ['a sibling file of the exercise', '../outside', ''],
    ['a sibling file as text', '../outside.ts', " with { type: 'text' }"],
  ] as const) {
    it(`refuses a relative import of ${what}, naming it`, () => {
      const entry = write('handler.ts', `// probe\nimport t from '${spec}'${attr};\nexport const handler = () => t;\n`);
      refusedAt(entry, spec, 2, /is outside the exercise folder/);
    });
  }

  it('refuses absolute paths, file: URLs, data: URLs and Windows drive paths', () => {
    for (const spec of ['/proc/self/environ', 'file:///etc/passwd', 'data:text/javascript,export default 1', 'C:/Windows/win.ini', 'lab:handler.ts']) {
      const entry = write('handler.ts', `import t from '${spec}' with { type: 'text' };\nexport const handler = () => t;\n`);
      clearCompileCache();
      refusedAt(entry, spec, 1, /absolute import .* is not allowed in a handler/);
    }
  });

  it("refuses require() and import() of files outside, in JavaScript and TypeScript", () => {
    const js = write('a.js', `const s = require('../outside.ts');\nexports.handler = () => s;\n`);
    refusedAt(js, '../outside.ts', 1, /outside the exercise folder/);
    const dyn = write('b.ts', `export const handler = async () => {\n  return (await import('${up}proc/self/environ')).default;\n};\n`);
    refusedAt(dyn, `${up}proc/self/environ`, 2, /outside the exercise folder/);
  });

  it('refuses symbolic links that lead outside the exercise folder (file and folder links)', () => {
    symlinkSync(join(top, 'outside.ts'), join(dir, 'link.ts'));
    symlinkSync('/proc/self', join(dir, 'self'));
    const a = write('a.ts', "import { secret } from './link';\nexport const handler = () => secret;\n");
    refusedAt(a, './link', 1, /leads outside the exercise folder \(through a symbolic link\)/);
    const b = write('b.ts', "import env from './self/environ' with { type: 'text' };\nexport const handler = () => env;\n");
    refusedAt(b, './self/environ', 1, /leads outside the exercise folder/);
  });

  it('follows symbolic links that stay inside the folder, and folder imports with an index file', () => {
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'index.ts'), 'export const v = 7;\n');
    symlinkSync(join(dir, 'lib', 'index.ts'), join(dir, 'alias.ts'));
    const entry = write('handler.ts', "import { v } from './lib';\nimport { v as w } from './alias';\nexport const handler = () => v + w;\n");
    const out = compileHandler(entry);
    // A module is known by its real path: the link and the folder import are one module.
    assert.deepEqual(out.files, [entry, join(dir, 'lib', 'index.ts')]);
  });

  it("accepts the folder's own files as text or json, refuses other import types and unknown extensions", () => {
    write('note.txt', 'hello');
    write('data.json', '{"a": 1}');
    const ok = write('ok.ts', "import t from './note.txt' with { type: 'text' };\nimport d from './data.json' with { type: 'json' };\nexport const handler = () => [t, d];\n");
    assert.match(compileHandler(ok).code, /hello/);
    const file = write('file.ts', "import t from './note.txt' with { type: 'file' };\nexport const handler = () => t;\n");
    refusedAt(file, './note.txt', 1, /with \{ type: 'file' \} is not supported in a handler/);
    const plain = write('plain.ts', "import t from './note.txt';\nexport const handler = () => t;\n");
    refusedAt(plain, './note.txt', 1, /can import \.ts, \.js and \.json files/);
  });

  it('confines imports to the given root: a parent folder is allowed only when it is the root', () => {
    mkdirSync(join(dir, 'handlers'));
    writeFileSync(join(dir, 'shared.ts'), 'export const s = 1;\n');
    const entry = write('handlers/h.ts', "import { s } from '../shared';\nexport const handler = () => s;\n");
    assert.doesNotThrow(() => compileHandler(entry, { root: dir }));
    clearCompileCache();
    refusedAt(entry, '../shared', 1, /outside the exercise folder/);
  });

  it('reads no tsconfig.json: one that extends a host file changes nothing', () => {
    write('tsconfig.json', JSON.stringify({ extends: '/proc/self/environ', compilerOptions: { paths: { '*': ['/etc/*'] } } }));
    const entry = write('handler.ts', 'export const handler = (): number => 1;\n');
    assert.doesNotThrow(() => compileHandler(entry));
  });

  it('limits the size of one file, of all files and their number', () => {
    const big = write('big.ts', `export const handler = () => '${'x'.repeat(2000)}';\n`);
    assert.match(refused(big, { limits: { maxFileBytes: 1000 } }).message, /big\.ts is \d+ bytes, more than the limit of 1000 bytes for one file/);
    write('a.ts', `export const a = '${'a'.repeat(600)}';\n`);
    const two = write('two.ts', `import { a } from './a';\nexport const handler = () => a + '${'b'.repeat(600)}';\n`);
    assert.match(refused(two, { limits: { maxTotalBytes: 1000 } }).message, /files add up to more than the limit of 1000 bytes/);
    assert.match(refused(two, { limits: { maxFiles: 1 } }).message, /imports more than 1 files/);
  });

  it('stops a compile that overruns its time limit and compiles normally afterwards', () => {
    const entry = write('handler.ts', 'export const handler = () => 1;\n');
    const started = Date.now();
    const err = refused(entry, { limits: { timeoutMs: 300 }, hooks: { stall: true } });
    assert.ok(Date.now() - started < 2000, 'stopped at its limit');
    assert.equal(err.failure, 'timeout');
    assert.match(err.message, /compiling this handler took longer than 300 ms, the limit for one compile/);
    assert.match(compileHandler(entry).code, /__labInit/);
  });

  it('a crashed compiler is restarted: retried once on a fresh esbuild, and reported when it crashes again', () => {
    const entry = write('handler.ts', 'export const handler = () => 1;\n');
    const before = compilerStarts;
    assert.match(compileHandler(entry, { hooks: { crash: 'once' } }).code, /__labInit/);
    assert.ok(compilerStarts > before, 'a new compiler was started');
    clearCompileCache();
    const err = refused(entry, { hooks: { crash: 'always' } });
    assert.equal(err.failure, 'crash');
    assert.match(err.message, /the compiler \(esbuild\) crashed while compiling this handler .*it has been restarted/);
    clearCompileCache();
    assert.match(compileHandler(entry).code, /__labInit/, 'the next compile works');
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
