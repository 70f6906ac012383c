/**
 * Learner handler files, for the command line. There is ONE way of compiling learner code: the
 * sandbox's `compileHandler` (src/sandbox/compile.ts) bundles a TS or JS file and its relative
 * imports into a script that defines `__labInit()`; imports of anything but `serverless-lab` and
 * the learner's own files are compile errors. Two executors run that script with the same
 * bootstrap: the sandbox (`IsolateExecutor`, the default) and `--executor inprocess` (`VmExecutor`:
 * a `node:vm` context per environment, no isolation, fast).
 */
import { compileHandler } from '../sandbox/compile';
import type { FunctionSpec, ScenarioProblem } from '../engine/scenario';

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
