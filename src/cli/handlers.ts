/**
 * Handler modules for the in-process executor: a JS or TS file is bundled once with esbuild (relative
 * imports inlined, `serverless-lab` left external) and then EVALUATED ONCE PER EXECUTION ENVIRONMENT,
 * so the module's top level is the init phase of each cold start and module-level variables live
 * exactly as long as one environment — as in Lambda.
 *
 * Inside the module, `require('serverless-lab')` (or `import … from 'serverless-lab'`) gives that
 * environment's lab API (send, publish, produce, putEvents, putObject, getObject, tablePut, tableGet,
 * work, log); `console.log` goes to `lab.log` (the trace). Node built-ins and packages are NOT
 * available: requiring anything else throws a clear error. This is not a security sandbox (the
 * sandbox executor is); it only keeps handlers honest about what a function can reach.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { HandlerContext, LabApi, ModuleFactory } from '../engine/executor';
import type { HandlerResolver } from '../engine/simulation';
import { parseHandlerRef, type FunctionSpec, type ScenarioProblem } from '../engine/scenario';

type ModuleBody = (module: { exports: Record<string, unknown> }, exports: Record<string, unknown>, require: (name: string) => unknown, console: unknown, ...shadowed: unknown[]) => void;

/** Globals a handler must not reach for (timers do not exist in virtual time; process/Buffer are Node's). */
const SHADOWED = ['process', 'Buffer', 'global', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'];

export class HandlerLoadError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'HandlerLoadError';
  }
}

/** Bundle a handler file to CommonJS source (throws HandlerLoadError with esbuild's first message). */
export function bundleHandler(file: string): string {
  if (!existsSync(file) || !statSync(file).isFile()) throw new HandlerLoadError(file, `handler file not found: ${file}`);
  // esbuild is loaded lazily: only the CLI needs it, and it stays external to the bundle.
  const esbuild = require('esbuild') as typeof import('esbuild');
  try {
    const result = esbuild.buildSync({
      entryPoints: [file],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      write: false,
      external: ['serverless-lab'],
      logLevel: 'silent',
      sourcemap: false,
    });
    return result.outputFiles[0].text;
  } catch (err) {
    const first = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line}:${first.location.column})` : '';
    throw new HandlerLoadError(file, `cannot compile ${file}: ${first?.text ?? String(err)}${where}`);
  }
}

function labExports(lab: LabApi): Record<string, unknown> {
  return Object.freeze({
    send: lab.send,
    publish: lab.publish,
    produce: lab.produce,
    putEvents: lab.putEvents,
    putObject: lab.putObject,
    getObject: lab.getObject,
    tablePut: lab.tablePut,
    tableGet: lab.tableGet,
    work: lab.work,
    log: lab.log,
  });
}

function consoleFor(lab: LabApi): Record<string, (...args: unknown[]) => void> {
  const log = (...args: unknown[]): void => lab.log(...args);
  return { log, info: log, warn: log, error: log, debug: log, trace: log };
}

/**
 * Resolve handler references (`handlers/worker.js#handler`) relative to `baseDir`. Each file is
 * bundled once; each call of the returned factory (one per environment) evaluates it afresh.
 */
export function createHandlerResolver(baseDir: string): HandlerResolver {
  const compiled = new Map<string, ModuleBody>();
  return (handler: string, _fn: FunctionSpec): ModuleFactory => {
    const { file, exportName } = parseHandlerRef(handler);
    const abs = resolve(baseDir, file);
    let body = compiled.get(abs);
    if (!body) {
      const code = bundleHandler(abs);
      body = new Function('module', 'exports', 'require', 'console', ...SHADOWED, `"use strict";\n${code}`) as ModuleBody;
      compiled.set(abs, body);
    }
    const run = body;
    return (lab: LabApi) => {
      const exportsObj: Record<string, unknown> = {};
      const module = { exports: exportsObj };
      const api = labExports(lab);
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
      run(module, exportsObj, requireFn, consoleFor(lab), ...unavailable);
      const exported = (module.exports as Record<string, unknown>)[exportName];
      if (typeof exported !== 'function') {
        const names = Object.keys(module.exports).filter((k) => typeof (module.exports as Record<string, unknown>)[k] === 'function');
        throw new Error(`${file} does not export a function named '${exportName}' (exported functions: ${names.length ? names.join(', ') : 'none'})`);
      }
      return { handler: exported as (event: unknown, context: HandlerContext) => unknown };
    };
  };
}

/** Check that every function's handler file exists and compiles; problems name `functions[i].handler`. */
export function checkHandlers(functions: FunctionSpec[], baseDir: string, resolver: HandlerResolver): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  functions.forEach((fn, i) => {
    try {
      resolver(fn.handler, fn);
    } catch (err) {
      problems.push({ path: `functions[${i}].handler`, message: err instanceof Error ? err.message.replace(baseDir + '/', '') : String(err) });
    }
  });
  return problems;
}
