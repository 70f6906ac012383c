/**
 * The compiler behind `compileHandler`: esbuild, driven from a worker thread so that
 *
 * - every import is resolved by **our** plugin, never by esbuild: a learner's file may import only
 *   files inside its exercise folder (after following symlinks), only regular files, only within
 *   the size limits, and esbuild never opens a file itself (the files are handed to it as contents
 *   of a `lab:` namespace, so it does not even look for tsconfig.json or package.json);
 * - the compile has a real-time limit: the calling thread waits on an `Atomics.wait` with a
 *   timeout, and a compile that overruns it has its worker terminated;
 * - a crashed compiler (esbuild's service process gone, the worker dead) is replaced by a fresh
 *   worker with a fresh esbuild, so one bad compile never leaves the runtime unable to compile.
 *
 * esbuild's plugins need its asynchronous API; the sandbox compiles synchronously (creating an
 * environment is synchronous), hence the worker and the blocking wait.
 *
 * `compileWorker` below never runs in the calling thread: its source text is the worker's code.
 * Like the sandbox bootstrap it must be self-contained (only `require` of Node built-ins and of the
 * esbuild path it is given).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { scrubHost } from './scrub';

/** Limits on one compile (defaults in `COMPILE_LIMITS`). */
export interface CompileLimits {
  /** Largest single input file, bytes. */
  maxFileBytes: number;
  /** Largest sum of every input file, bytes. */
  maxTotalBytes: number;
  /** Most files in one bundle. */
  maxFiles: number;
  /** Real time one compile may take, ms (worker start included). */
  timeoutMs: number;
}

export const COMPILE_LIMITS: CompileLimits = { maxFileBytes: 1 << 20, maxTotalBytes: 4 << 20, maxFiles: 256, timeoutMs: 10_000 };

export interface WorkerRequest {
  id: number;
  /** Absolute path of the entry file (its logical path: symlinks not followed). */
  entry: string;
  /** Absolute path of the exercise folder every input must lie in. */
  root: string;
  /** Other folders whose files may be imported (the folders of files named on the command line). */
  allow: string[];
  limits: CompileLimits;
  /** Test hook: the worker's esbuild service dies before building. */
  crash?: boolean;
  /** Test hook: the compile never finishes. */
  stall?: boolean;
}

/** A problem esbuild (or our plugin) reported; `file` is relative to the root (`lab:` namespace). */
export interface WorkerMessage {
  text: string;
  file?: string;
  line?: number;
  column?: number;
}

export type WorkerReply =
  | { id: number; ok: true; code: string; map: string; files: string[] }
  | { id: number; ok: false; errors: WorkerMessage[] }
  /** esbuild itself failed (its service stopped, an internal error): not the learner's fault. */
  | { id: number; ok: false; crashed: string };

/** Runs inside the worker thread only (its source is the worker's code). */
function compileWorker(): void {
  const { parentPort, workerData } = require('node:worker_threads');
  const fs = require('node:fs');
  const path = require('node:path');
  const { builtinModules } = require('node:module');
  const esbuild = require(workerData.esbuildPath);
  const port = workerData.port;
  const flag: Int32Array = workerData.flag;
  const builtins = new Set<string>();
  for (const m of builtinModules as string[]) {
    builtins.add(m);
    builtins.add('node:' + m);
  }
  const LOADERS: Record<string, string> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };
  const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];
  const ATTRIBUTE_LOADERS: Record<string, string> = { json: 'json', text: 'text' };
  const API_MODULE = 'serverless-lab';

  const inside = (root: string, p: string): boolean => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
  const toPosix = (p: string): string => p.split(path.sep).join('/');

  const isFile = (p: string): boolean => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };

  /** The Node modules the bootstrap answers: the file system, the environment's /tmp (virtualFs.ts), buffer, crypto and process (runtimeGlobals.ts), timers (timers.ts). */
  const RUNTIME_MODULES = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'buffer', 'node:buffer', 'crypto', 'node:crypto', 'process', 'node:process', 'timers', 'node:timers', 'timers/promises', 'node:timers/promises']);
  const refuse = (specifier: string): string | undefined => {
    if (specifier === API_MODULE || RUNTIME_MODULES.has(specifier)) return undefined;
    const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    if (specifier.startsWith('node:') || builtins.has(specifier) || builtins.has(specifier.split('/')[0])) {
      return `Node built-in '${bare}' is not available in a handler: handlers run in a sandbox that offers only the 'serverless-lab' API, 'fs' for /tmp, 'buffer', 'crypto', 'process' and 'timers'`;
    }
    if (path.isAbsolute(specifier) || /^[a-zA-Z]:[\\/]/.test(specifier) || /^[a-zA-Z][\w+.-]*:/.test(specifier) || specifier.startsWith('\\')) {
      return `absolute import '${specifier}' is not allowed in a handler: import your own files with a relative path ('./…')`;
    }
    if (specifier !== '.' && specifier !== '..' && !specifier.startsWith('./') && !specifier.startsWith('../')) {
      return `package '${specifier}' cannot be imported in a handler: only 'serverless-lab' and your own files (relative imports such as './util') are available`;
    }
    return undefined;
  };

  const build = async (req: WorkerRequest): Promise<WorkerReply> => {
    const root = path.resolve(req.root);
    const roots: string[] = [];
    const realRoots: string[] = [];
    for (const r of [root, ...req.allow.map((a) => path.resolve(a))]) {
      roots.push(r);
      try {
        realRoots.push(fs.realpathSync(r));
      } catch {
        if (r === root) return { id: req.id, ok: false, errors: [{ text: `the exercise folder ${path.basename(root)} cannot be read` }] };
      }
    }
    const inRoots = (list: string[], p: string): boolean => list.some((r) => inside(r, p));
    const limits = req.limits;
    const files: string[] = [];
    let total = 0;
    /** `lab:` paths are relative to the root, POSIX style; this maps them back. */
    const absolute = new Map<string, { abs: string; real: string; loader: string }>();

    /** Checks a candidate path; returns why it is refused, or the entry for it. */
    const admit = (abs: string, written: string, loader: string | undefined): { error: string } | { path: string } => {
      if (!inRoots(roots, abs) && !inRoots(realRoots, abs)) return { error: `import '${written}' is outside the exercise folder: a handler can import only files of its own folder` };
      let real: string;
      try {
        real = fs.realpathSync(abs);
      } catch {
        return { error: `Could not resolve "${written}"` };
      }
      if (!inRoots(realRoots, real)) return { error: `import '${written}' leads outside the exercise folder (through a symbolic link): a handler can import only files of its own folder` };
      if (!isFile(real)) return { error: `import '${written}' is not a regular file` };
      const chosen = loader ?? LOADERS[path.extname(abs).toLowerCase()];
      if (!chosen) {
        return {
          error: `cannot import '${written}': a handler can import .ts, .js and .json files of its folder (other files as text with \`with { type: 'text' }\`)`,
        };
      }
      // The module is known by its real path (imports inside it resolve from where it really is,
      // and errors point at the real file), named relative to the root in the `lab:` namespace.
      const rel = toPosix(path.relative(root, real));
      absolute.set(rel, { abs: real, real, loader: chosen });
      return { path: rel };
    };

    const lab = {
      name: 'serverless-lab-imports',
      setup(b: any): void {
        b.onResolve({ filter: /.*/ }, (args: any) => {
          if (args.kind === 'entry-point') {
            const r = admit(req.entry, path.basename(req.entry), undefined);
            return 'error' in r ? { errors: [{ text: r.error }] } : { path: r.path, namespace: 'lab' };
          }
          const written: string = args.path;
          const reason = refuse(written);
          if (reason) return { errors: [{ text: reason }] };
          if (written === API_MODULE || RUNTIME_MODULES.has(written)) return { path: written, external: true };
          const type = args.with && typeof args.with.type === 'string' ? args.with.type : undefined;
          let loader: string | undefined;
          if (type !== undefined) {
            loader = ATTRIBUTE_LOADERS[type];
            if (!loader) return { errors: [{ text: `import '${written}' with { type: '${type}' } is not supported in a handler: only type 'json' and 'text' are` }] };
          }
          if (args.kind !== 'import-statement' && args.kind !== 'require-call' && args.kind !== 'dynamic-import') {
            return { errors: [{ text: `'${written}' cannot be used in a handler (${args.kind})` }] };
          }
          const base = args.resolveDir ? path.resolve(args.resolveDir) : root;
          const target = path.resolve(base, written);
          if (!inRoots(roots, target) && !inRoots(realRoots, target)) {
            const r = admit(target, written, loader);
            return { errors: [{ text: 'error' in r ? r.error : `import '${written}' is outside the exercise folder` }] };
          }
          const candidates = [target];
          if (!loader) {
            for (const ext of EXTENSIONS) candidates.push(target + ext);
            for (const ext of EXTENSIONS) candidates.push(path.join(target, 'index' + ext));
          }
          const found = candidates.find((c) => isFile(c)) ?? target;
          const r = admit(found, written, loader);
          return 'error' in r ? { errors: [{ text: r.error }] } : { path: r.path, namespace: 'lab' };
        });
        b.onLoad({ filter: /.*/, namespace: 'lab' }, (args: any) => {
          const file = absolute.get(args.path);
          if (!file) return { errors: [{ text: `unknown module ${args.path}` }] };
          if (files.length >= limits.maxFiles) return { errors: [{ text: `the handler imports more than ${limits.maxFiles} files, the limit for one handler` }] };
          let fd: number | undefined;
          try {
            fd = fs.openSync(file.real, 'r');
            const st = fs.fstatSync(fd);
            if (!st.isFile()) return { errors: [{ text: `${args.path} is not a regular file` }] };
            if (st.size > limits.maxFileBytes) return { errors: [{ text: `${args.path} is ${st.size} bytes, more than the limit of ${limits.maxFileBytes} bytes for one file of a handler` }] };
            const buf = Buffer.alloc(Math.min(st.size, limits.maxFileBytes) + 1);
            const n = fs.readSync(fd, buf, 0, buf.length, 0);
            if (n > limits.maxFileBytes) return { errors: [{ text: `${args.path} is more than the limit of ${limits.maxFileBytes} bytes for one file of a handler` }] };
            total += n;
            if (total > limits.maxTotalBytes) return { errors: [{ text: `the handler's files add up to more than the limit of ${limits.maxTotalBytes} bytes` }] };
            files.push(file.abs);
            return { contents: buf.subarray(0, n), loader: file.loader, resolveDir: path.dirname(file.abs) };
          } catch (err) {
            return { errors: [{ text: `cannot read ${args.path}: ${(err as { code?: string }).code ?? 'error'}` }] };
          } finally {
            if (fd !== undefined) fs.closeSync(fd);
          }
        });
      },
    };

    try {
      if (req.stall) await new Promise(() => undefined);
      if (req.crash) {
        // Test hook: what happens when esbuild's service dies (killed for memory, say).
        await esbuild.stop();
        throw new Error('The service was stopped (test hook)');
      }
      const result = await esbuild.build({
        entryPoints: [req.entry],
        bundle: true,
        write: false,
        outfile: '/serverless-lab/bundle.js',
        platform: 'neutral',
        format: 'iife',
        globalName: '__labModule',
        target: 'es2024',
        // `import(x)` becomes a `require(x)` in a promise, answered by the sandbox's `require`.
        supported: { 'dynamic-import': false },
        sourcemap: 'external',
        sourcesContent: false,
        mainFields: [],
        conditions: [],
        tsconfigRaw: {},
        logLevel: 'silent',
        charset: 'utf8',
        plugins: [lab],
      });
      let code = '';
      let map = '';
      for (const out of result.outputFiles ?? []) {
        if (out.path.endsWith('.map')) map = out.text;
        else code = out.text;
      }
      return { id: req.id, ok: true, code, map, files };
    } catch (err) {
      const errors = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors;
      if (Array.isArray(errors) && errors.length > 0) {
        return {
          id: req.id,
          ok: false,
          errors: errors.map((e) => (e.location ? { text: e.text, file: e.location.file, line: e.location.line, column: e.location.column + 1 } : { text: e.text })),
        };
      }
      return { id: req.id, ok: false, crashed: err instanceof Error ? err.message : String(err) };
    }
  };

  port.on('message', (req: WorkerRequest) => {
    void build(req)
      .catch((err: unknown): WorkerReply => ({ id: req.id, ok: false, crashed: err instanceof Error ? err.message : String(err) }))
      .then((reply) => {
        port.postMessage(reply);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      });
  });
  void parentPort;
}

const WORKER_SOURCE = `(${compileWorker.toString()})();`;

interface Running {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

/** Why a compile did not produce a bundle for reasons other than the learner's code. */
export class CompilerFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'crash',
    message: string,
  ) {
    super(message);
    this.name = 'CompilerFailure';
  }
}

let running: Running | undefined;
let nextId = 1;
/** How many compiler workers were started in this process (tests read it). */
export let compilerStarts = 0;

function start(): Running {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const esbuildPath = createRequire(__filename).resolve('esbuild');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { esbuildPath, port: port2, flag },
    transferList: [port2],
    // The plugin reads at most maxTotalBytes of learner files; anything beyond this is a bug.
    resourceLimits: { maxOldGenerationSizeMb: 256 },
    stdout: true,
    stderr: true,
  });
  worker.unref();
  port1.unref();
  // A worker that dies leaves `running` pointing at it until the next compile times out or fails;
  // forget it at once when the event loop gets to run.
  worker.on('error', () => {
    if (running?.worker === worker) running = undefined;
  });
  worker.on('exit', () => {
    if (running?.worker === worker) running = undefined;
  });
  compilerStarts++;
  return { worker, port: port1, flag };
}

/** Stop the compiler worker (it is started again on the next compile). */
export function stopCompiler(): void {
  const r = running;
  running = undefined;
  if (r) {
    r.port.close();
    void r.worker.terminate();
  }
}

/**
 * One compile, synchronously. Throws `CompilerFailure` when the compiler overran its time limit
 * or crashed (the worker is then replaced; a crash is retried once on a fresh compiler).
 */
export function runCompile(entry: string, root: string, allow: string[], limits: CompileLimits, hooks: CompileHooks = {}): Exclude<WorkerReply, { crashed: string }> {
  const started = performance.now();
  let reply = attempt(entry, root, allow, limits, limits.timeoutMs, { crash: hooks.crash !== undefined, stall: hooks.stall });
  if ('crashed' in reply) {
    stopCompiler();
    const left = limits.timeoutMs - (performance.now() - started);
    const first = reply.crashed;
    reply = left > 0 ? attempt(entry, root, allow, limits, left, { crash: hooks.crash === 'always' }) : reply;
    if ('crashed' in reply) {
      stopCompiler();
      throw new CompilerFailure('crash', `the compiler (esbuild) crashed while compiling this handler (${scrubHost(first)}); it has been restarted, so compiling again may work`);
    }
  }
  return reply;
}

/** Test hooks: the compiler crashes (once, or on the retry too) or never finishes. */
export interface CompileHooks {
  crash?: 'once' | 'always';
  stall?: boolean;
}

function attempt(entry: string, root: string, allow: string[], limits: CompileLimits, timeoutMs: number, hooks: { crash?: boolean; stall?: boolean }): WorkerReply {
  running ??= start();
  const r = running;
  const id = nextId++;
  Atomics.store(r.flag, 0, 0);
  r.port.postMessage({ id, entry, root, allow, limits, ...(hooks.crash ? { crash: true } : {}), ...(hooks.stall ? { stall: true } : {}) } satisfies WorkerRequest);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(r.flag, 0, 0, left) === 'timed-out') {
      stopCompiler();
      throw new CompilerFailure('timeout', `compiling this handler took longer than ${Math.round(timeoutMs)} ms, the limit for one compile; it was stopped`);
    }
    for (let m = receiveMessageOnPort(r.port); m; m = receiveMessageOnPort(r.port)) {
      const reply = m.message as WorkerReply;
      if (reply.id === id) return reply;
    }
    // A stale reply (from a compile that timed out earlier): wait again.
    Atomics.store(r.flag, 0, 0);
  }
}
