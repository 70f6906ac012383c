/**
 * Learner handler files, for the command line. There is ONE way of compiling learner code: the
 * sandbox's `compileHandler` (src/sandbox/compile.ts) bundles a TS or JS file and its relative
 * imports into a script that defines `__labInit()`; imports of anything but `serverless-lab` and
 * the learner's own files are compile errors.
 *
 * Two ways of running that script:
 * - the sandbox executor (`IsolateExecutor`, the default): one V8 isolate per execution environment,
 *   async handlers supported;
 * - the in-process resolver below (`--executor inprocess`, tests and the engine benchmark): the same
 *   script evaluated in this process, once per execution environment, so the module's top level is
 *   the init phase of each cold start and module-level variables live exactly as long as one
 *   environment — as in Lambda. It is NOT a sandbox and runs synchronous handlers only; it exists
 *   because it is fast (an hour of virtual traffic in well under a second). Like the sandbox, it
 *   gives the module a virtual `Date`, `performance`, `Intl.DateTimeFormat` and a seeded
 *   `Math.random` and `crypto` (`src/sandbox/virtualTime.ts`, shadowing the host's, which stay untouched).
 */
import { resolve } from 'node:path';
import type { HandlerContext, LabApi, ModuleClock, ModuleFactory } from '../engine/executor';
import type { HandlerResolver } from '../engine/simulation';
import { parseHandlerRef, type FunctionSpec, type ScenarioProblem } from '../engine/scenario';
import { API_NAMES, compileHandler, INIT_GLOBAL } from '../sandbox/compile';
import { virtualGlobals } from '../sandbox/virtualTime';

/** Runs the compiled script with the given globals; returns the `__labInit` it defined. */
type ScriptBody = (globalObject: Record<string, unknown>, require: (name: string) => unknown, console: unknown, ...shadowed: unknown[]) => () => Record<string, unknown>;

/** Globals the module gets virtual versions of (time and randomness are the environment's). */
const VIRTUAL = ['Date', 'Math', 'performance', 'crypto', 'Intl'] as const;

/** Globals a handler must not reach for (timers do not exist in virtual time; process/Buffer are Node's). */
const SHADOWED = ['process', 'Buffer', 'global', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'];

/** The `serverless-lab` module one environment sees: its own lab API. */
function labExports(lab: LabApi): Record<string, unknown> {
  return Object.freeze(Object.fromEntries(API_NAMES.map((name) => [name, lab[name]])));
}

function consoleFor(lab: LabApi): Record<string, (...args: unknown[]) => void> {
  const log = (...args: unknown[]): void => lab.log(...args);
  return { log, info: log, warn: log, error: log, debug: log, trace: log };
}

/**
 * Resolve handler references (`handlers/worker.js#handler`) relative to `baseDir`, for the
 * in-process executor. Each file is compiled once; each call of the returned factory (one per
 * environment) evaluates it afresh. Throws the sandbox's `CompileError` for a file that cannot be
 * compiled.
 */
export function createHandlerResolver(baseDir: string): HandlerResolver {
  const compiled = new Map<string, ScriptBody>();
  return (handler: string, _fn: FunctionSpec): ModuleFactory => {
    const { file, exportName } = parseHandlerRef(handler);
    const abs = resolve(baseDir, file);
    let body = compiled.get(abs);
    if (!body) {
      const { code } = compileHandler(abs, { root: baseDir });
      body = new Function('globalThis', 'require', 'console', ...SHADOWED, ...VIRTUAL, `${code}\nreturn globalThis.${INIT_GLOBAL};`) as ScriptBody;
      compiled.set(abs, body);
    }
    const run = body;
    return (lab: LabApi, clock: ModuleClock) => {
      const api = labExports(lab);
      const time = virtualGlobals(globalThis, { now: () => clock.now(), originMs: clock.originMs, seed: clock.seed }, 'shadow');
      const requireFn = (name: string): unknown => {
        if (name === 'serverless-lab') return api;
        throw new Error(`require('${name}') is not available in a handler module: only 'serverless-lab' (the lab API) and relative imports can be used`);
      };
      const unavailable = SHADOWED.map((g) =>
        g.startsWith('set') || g.startsWith('clear')
          ? () => {
              throw new Error(`${g} is not available in a handler: time is virtual (use work(ms) to model time spent)`);
            }
          : undefined,
      );
      const moduleExports = run({}, requireFn, consoleFor(lab), ...unavailable, ...VIRTUAL.map((name) => time[name]))();
      const exported = moduleExports[exportName];
      if (typeof exported !== 'function') {
        const names = Object.keys(moduleExports).filter((k) => typeof moduleExports[k] === 'function');
        throw new Error(`${file} does not export a function named '${exportName}' (exported functions: ${names.length ? names.join(', ') : 'none'})`);
      }
      return { handler: exported as (event: unknown, context: HandlerContext) => unknown };
    };
  };
}

/**
 * Check that every function's handler file exists and compiles, before a run; problems name
 * `functions[i].handler`. `fileOf` turns a handler setting into the file it names (each executor
 * has its own reading of the setting).
 */
export function checkHandlers(functions: FunctionSpec[], baseDir: string, fileOf: (handler: string) => string): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  functions.forEach((fn, i) => {
    try {
      compileHandler(fileOf(fn.handler), { root: baseDir });
    } catch (err) {
      problems.push({ path: `functions[${i}].handler`, message: err instanceof Error ? err.message.split(baseDir + '/').join('') : String(err) });
    }
  });
  return problems;
}
