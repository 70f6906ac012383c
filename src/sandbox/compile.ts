/**
 * Turns a learner's handler file into one script the sandbox can run.
 *
 * Learner code is TypeScript or JavaScript written as ES modules; it may import its own files with
 * relative paths and the handler API as `import { send, work } from 'serverless-lab'`. Everything
 * is bundled by esbuild into a single IIFE script (plus a source map, so errors point back at the
 * learner's `.ts` lines). Nothing else can be imported: a handler runs in an isolate that has no
 * Node built-ins and no packages, so `import fs from 'fs'` is a compile error at the import line
 * ("Node built-in 'fs' is not available in a handler") rather than a confusing failure at run time.
 *
 * Running the script only defines the global function `__labInit`; the sandbox bootstrap calls it
 * inside its own try/catch (that call runs the module's top level, the init phase) and gets the
 * module's exports back. Imports of `serverless-lab` become `require('serverless-lab')`, answered by
 * the sandbox bootstrap.
 *
 * Results are cached per entry file and reused while none of the bundled files changed (mtime and
 * size): a warm transpile takes ~2 ms, a cache hit a few stat calls.
 */
import { buildSync, type Message } from 'esbuild';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** A source map as esbuild emits it (version 3). */
export interface RawSourceMap {
  version: number;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  file?: string;
  sourceRoot?: string;
}

export interface CompiledHandler {
  /** The bundle: a script defining `globalThis.__labInit()`, which runs the module and returns its exports. */
  code: string;
  /** Source map of `code`; `sources` are absolute paths of the learner's files. */
  map: RawSourceMap;
  /** Absolute paths of every learner file in the bundle (the entry first). */
  files: string[];
}

/** One problem found while compiling: `line` and `column` are 1-based (as editors show them). */
export interface CompileDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** The handler could not be compiled; `diagnostics` has one entry per esbuild error. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(readonly diagnostics: CompileDiagnostic[]) {
    super(diagnostics.map((d) => (d.file ? `${d.file}:${d.line}:${d.column}: ${d.message}` : d.message)).join('\n') || 'compile failed');
  }
  /** The first diagnostic's position. */
  get file(): string {
    return this.diagnostics[0]?.file ?? '';
  }
  get line(): number {
    return this.diagnostics[0]?.line ?? 0;
  }
  get column(): number {
    return this.diagnostics[0]?.column ?? 0;
  }
}

/** Name of the module learner code imports the handler API from. */
export const API_MODULE = 'serverless-lab';
/** Name esbuild gives the module's exports inside the bundle. */
const MODULE_VAR = '__labModule';
/** Global function the bundle defines: it runs the module's top level and returns its exports. */
export const INIT_GLOBAL = '__labInit';
/** Every name the `serverless-lab` module exports. */
export const API_NAMES = ['send', 'publish', 'produce', 'putEvents', 'putObject', 'getObject', 'tablePut', 'tableGet', 'work', 'log'] as const;

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Why an import other than `serverless-lab` and the learner's own files is refused. */
function forbiddenImport(specifier: string): string | undefined {
  if (specifier === API_MODULE) return undefined;
  if (specifier.startsWith('node:') || builtins.has(specifier) || builtins.has(specifier.split('/')[0])) {
    const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    return `Node built-in '${name}' is not available in a handler: handlers run in a sandbox that offers only the 'serverless-lab' API`;
  }
  if (isAbsolute(specifier) || /^[a-zA-Z]:[\\/]/.test(specifier) || specifier.startsWith('file:')) {
    return `absolute import '${specifier}' is not allowed in a handler: import your own files with a relative path ('./…')`;
  }
  return `package '${specifier}' cannot be imported in a handler: only 'serverless-lab' and your own files (relative imports such as './util') are available`;
}

/** Where `specifier` first appears as a quoted string in `file` (1-based), for error positions. */
function findSpecifier(file: string, specifier: string): { line: number; column: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { line: 0, column: 0 };
  }
  let at = -1;
  for (const q of ["'", '"', '`']) {
    const i = text.indexOf(q + specifier + q);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (at < 0) return { line: 0, column: 0 };
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - before.lastIndexOf('\n') };
}

interface CacheEntry {
  compiled: CompiledHandler;
  /** `mtimeMs:size` of each file, in the order of `compiled.files`. */
  stamps: string[];
}

const cache = new Map<string, CacheEntry>();

function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

/** Forget every cached compilation (for tests). */
export function clearCompileCache(): void {
  cache.clear();
}

/**
 * Bundle `entryFile` (absolute, or relative to the current directory) for the sandbox.
 * Throws `CompileError` for syntax errors, missing files and forbidden imports.
 */
export function compileHandler(entryFile: string): CompiledHandler {
  const entry = resolve(entryFile);
  if (!existsSync(entry)) throw new CompileError([{ file: entry, line: 0, column: 0, message: `handler file not found: ${entry}` }]);
  const hit = cache.get(entry);
  if (hit && hit.compiled.files.every((f, i) => stamp(f) === hit.stamps[i])) return hit.compiled;

  const dir = dirname(entry);
  const outfile = join(dir, '__lab_bundle__.js');
  let result;
  try {
    result = buildSync({
      entryPoints: [entry],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      outfile,
      platform: 'neutral',
      format: 'iife',
      globalName: MODULE_VAR,
      target: 'es2024',
      // `import(x)` becomes a `require(x)` in a promise, answered by the sandbox's `require`
      // (with a clear error) instead of V8's bare "Not supported".
      supported: { 'dynamic-import': false },
      sourcemap: 'external',
      sourcesContent: false,
      // Every non-relative import stays external; the metafile check below refuses all but
      // `serverless-lab`, which the sandbox's `require` provides.
      packages: 'external',
      mainFields: [],
      conditions: [],
      resolveExtensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'],
      loader: { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' },
      logLevel: 'silent',
      metafile: true,
      charset: 'utf8',
    });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) throw new CompileError(errors.map((m) => toDiagnostic(m, dir)));
    throw new CompileError([{ file: entry, line: 0, column: 0, message: err instanceof Error ? err.message : String(err) }]);
  }

  const problems: CompileDiagnostic[] = [];
  for (const [input, info] of Object.entries(result.metafile?.inputs ?? {})) {
    for (const imp of info.imports) {
      if (imp.path === '<runtime>') continue; // esbuild's own helpers
      const written = imp.original ?? imp.path;
      const reason = imp.external ? forbiddenImport(imp.path) : written.startsWith('.') ? undefined : forbiddenImport(written);
      if (!reason) continue;
      const file = resolve(dir, input);
      problems.push({ file, ...findSpecifier(file, written), message: reason });
    }
  }
  if (problems.length > 0) throw new CompileError(problems);

  let code = '';
  let map: RawSourceMap | undefined;
  for (const out of result.outputFiles ?? []) {
    if (out.path.endsWith('.map')) map = JSON.parse(out.text) as RawSourceMap;
    else code = out.text;
  }
  if (!map) throw new CompileError([{ file: entry, line: 0, column: 0, message: 'esbuild produced no source map' }]);
  // Drop the `//# sourceMappingURL=` comment: the bundle's name inside the sandbox is synthetic.
  code = code.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  // Wrap the module in a function. The prefix goes on line 1 (bundler glue, no learner code), so
  // the source map's lines stay valid; the script's own completion value is a plain 0. ES modules
  // are strict mode code, so the wrapper is too.
  code = `globalThis.${INIT_GLOBAL} = function () {'use strict';${code}\nreturn ${MODULE_VAR};\n};\n0;\n`;
  map.sources = map.sources.map((s) => resolve(dir, s));
  delete map.sourceRoot;

  const files = Object.keys(result.metafile?.inputs ?? {})
    .map((f) => resolve(dir, f));
  files.sort((a, b) => (a === entry ? -1 : b === entry ? 1 : 0));
  if (!files.includes(entry)) files.unshift(entry);

  const compiled: CompiledHandler = { code, map, files };
  cache.set(entry, { compiled, stamps: files.map(stamp) });
  return compiled;
}

function toDiagnostic(m: Message, dir: string): CompileDiagnostic {
  const loc = m.location;
  if (!loc) return { file: '', line: 0, column: 0, message: m.text };
  return { file: resolve(dir, loc.file), line: loc.line, column: loc.column + 1, message: m.text };
}

/**
 * The problems of compiling `entryFile` (none when it compiles): what a check runs before the
 * scenario, so code that does not compile is reported once and never run. Non-compile failures
 * (a file that cannot be read) come back as one problem at line 1.
 */
export function compileProblems(entryFile: string): CompileDiagnostic[] {
  try {
    compileHandler(entryFile);
    return [];
  } catch (err) {
    if (err instanceof CompileError) return err.diagnostics.map((d) => ({ ...d, file: d.file || resolve(entryFile), line: Math.max(1, d.line), column: Math.max(1, d.column) }));
    return [{ file: resolve(entryFile), line: 1, column: 1, message: err instanceof Error ? err.message : String(err) }];
  }
}
