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
 * Containment (compileService.ts): every import, whatever its syntax (`import … with { type }`,
 * `require('…')`, `import('…')`), is resolved by the lab, not by esbuild, and must be a regular file
 * inside the exercise folder after symbolic links are followed; `.ts`/`.js`/`.json` files, or any
 * file of the folder as text with `with { type: 'text' }`. Inputs are size-limited, the compile is
 * time-limited, and a crashed compiler is restarted (see `COMPILE_LIMITS`).
 *
 * Running the script only defines the global function `__labInit`; the sandbox bootstrap calls it
 * inside its own try/catch (that call runs the module's top level, the init phase) and gets the
 * module's exports back. Imports of `serverless-lab` become `require('serverless-lab')`, answered by
 * the sandbox bootstrap.
 *
 * Results are cached per entry file and reused while none of the bundled files changed (mtime and
 * size): a warm transpile takes ~2 ms, a cache hit a few stat calls.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { COMPILE_LIMITS, CompilerFailure, runCompile, type CompileHooks, type CompileLimits } from './compileService';

export { CompilerFailure, type CompileLimits } from './compileService';

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
  /**
   * @param failure set when the compiler, not the learner's code, failed: it overran its time limit
   *   or crashed (and was restarted).
   */
  constructor(
    readonly diagnostics: CompileDiagnostic[],
    readonly failure?: 'timeout' | 'crash',
  ) {
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
export const API_NAMES = ['send', 'publish', 'produce', 'putEvents', 'putObject', 'getObject', 'tablePut', 'tableGet', 'tableUpdate', 'tableDelete', 'work', 'log'] as const;

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

export interface CompileOptions {
  /**
   * The exercise folder: every file the handler imports must lie in it (after following symbolic
   * links). Default: the entry file's own folder.
   */
  root?: string;
  /**
   * Other folders whose files may be imported too: the folders of handler files the learner named
   * on the command line (the CLI links them into a temporary exercise folder).
   */
  allow?: string[];
  /** Limits on inputs and compile time (defaults: `COMPILE_LIMITS`). */
  limits?: Partial<CompileLimits>;
  /** Test hooks: the compiler's esbuild service dies before this compile (and before its retry), or the compile never ends. */
  hooks?: CompileHooks;
}

/** The folder `entry`'s imports are confined to: `root` when it holds the entry, else the entry's folder. */
export function exerciseRoot(entry: string, root: string | undefined): string {
  const dir = dirname(entry);
  if (root === undefined) return dir;
  const r = resolve(root);
  return entry.startsWith(r.endsWith(sep) ? r : r + sep) ? r : dir;
}

/**
 * Bundle `entryFile` (absolute, or relative to the current directory) for the sandbox.
 * Throws `CompileError` for syntax errors, missing files, forbidden imports and inputs over the
 * limits, and `CompilerFailure` (a `CompileError` too) when the compiler overran its time limit or
 * crashed.
 */
export function compileHandler(entryFile: string, options: CompileOptions = {}): CompiledHandler {
  const entry = resolve(entryFile);
  if (!existsSync(entry)) throw new CompileError([{ file: entry, line: 0, column: 0, message: `handler file not found: ${entry}` }]);
  const root = exerciseRoot(entry, options.root);
  const allow = options.allow ?? [];
  const key = `${root}\0${allow.join('\0')}\0${entry}`;
  const hit = cache.get(key);
  if (hit && !options.hooks && hit.compiled.files.every((f, i) => stamp(f) === hit.stamps[i])) return hit.compiled;

  const limits: CompileLimits = { ...COMPILE_LIMITS, ...options.limits };
  let reply;
  try {
    reply = runCompile(entry, root, allow, limits, options.hooks);
  } catch (err) {
    if (err instanceof CompilerFailure) throw new CompileError([{ file: entry, line: 0, column: 0, message: err.message }], err.kind);
    throw err;
  }
  if (!reply.ok) {
    throw new CompileError(reply.errors.map((m) => ({ file: m.file ? fromLab(root, m.file) : entry, line: m.line ?? 0, column: m.column ?? 0, message: m.text })));
  }

  let map: RawSourceMap;
  try {
    map = JSON.parse(reply.map) as RawSourceMap;
  } catch {
    throw new CompileError([{ file: entry, line: 0, column: 0, message: 'esbuild produced no source map' }]);
  }
  // Drop the `//# sourceMappingURL=` comment: the bundle's name inside the sandbox is synthetic.
  let code = reply.code.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  // Wrap the module in a function. The prefix goes on line 1 (bundler glue, no learner code), so
  // the source map's lines stay valid; the script's own completion value is a plain 0. ES modules
  // are strict mode code, so the wrapper is too.
  code = `globalThis.${INIT_GLOBAL} = function () {'use strict';${code}\nreturn ${MODULE_VAR};\n};\n0;\n`;
  map.sources = map.sources.map((s) => fromLab(root, s));
  delete map.sourceRoot;

  const files = [...new Set(reply.files)];
  files.sort((a, b) => (a === entry ? -1 : b === entry ? 1 : 0));
  if (!files.includes(entry)) files.unshift(entry);

  const compiled: CompiledHandler = { code, map, files };
  cache.set(key, { compiled, stamps: files.map(stamp) });
  return compiled;
}

/** `lab:handlers/a.ts` (a path in the compiler's namespace, relative to the root) → the absolute path. */
function fromLab(root: string, file: string): string {
  const rel = file.startsWith('lab:') ? file.slice(4) : file;
  return resolve(root, rel);
}

/**
 * The problems of compiling `entryFile` (none when it compiles): what a check runs before the
 * scenario, so code that does not compile is reported once and never run. Non-compile failures
 * (a file that cannot be read) come back as one problem at line 1.
 */
export function compileProblems(entryFile: string, options: CompileOptions = {}): CompileDiagnostic[] {
  try {
    compileHandler(entryFile, options);
    return [];
  } catch (err) {
    if (err instanceof CompileError) return err.diagnostics.map((d) => ({ ...d, file: d.file || resolve(entryFile), line: Math.max(1, d.line), column: Math.max(1, d.column) }));
    return [{ file: resolve(entryFile), line: 1, column: 1, message: err instanceof Error ? err.message : String(err) }];
  }
}
