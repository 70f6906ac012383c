/**
 * An exercise file in the language the learner chose. A lesson lists its files as TypeScript
 * (`handler.ts`); a learner may write the same file in JavaScript (`handler.js`) instead. These
 * helpers find which one is there, and point the scenario's handlers at it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The tsconfig.json Start Exercise writes beside the learner's files (once: theirs is never
 * replaced): the handler's world is ES2022 plus the lab's typings (serverless-lab.d.ts declares the
 * handler API, `console`, `/tmp` and the virtual clock) — no DOM, no Node types, as in the sandbox.
 */
export const LEARNER_TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', strict: true, noEmit: true, lib: ['ES2022'], types: [] as string[] },
  include: ['**/*.ts', 'serverless-lab.d.ts'],
};

/** The extensions one exercise file may have, the lesson's own first. */
const TWINS: Record<string, string[]> = { '.ts': ['.ts', '.js'], '.mts': ['.mts', '.mjs'], '.js': ['.js', '.ts'] };

/** `handler.ts` → [`handler.ts`, `handler.js`]: the names the learner's version of `file` may have. */
export function fileVariants(file: string): string[] {
  const ext = path.extname(file);
  const stem = file.slice(0, file.length - ext.length);
  return (TWINS[ext] ?? [ext]).map((e) => stem + e);
}

/** The exercise file (`lesson file` name) a learner's file stands for, by name: `handler.js` → `handler.ts`. */
export function exerciseFileFor(files: readonly string[], name: string): string | undefined {
  const base = path.basename(name);
  return files.find((f) => path.basename(f) === base) ?? files.find((f) => fileVariants(f).some((v) => path.basename(v) === base));
}

export type Located = { file: string; found: string } | { file: string; problem: 'missing' | 'both'; found?: undefined; variants: string[] };

/** Which variant of each exercise file is in `dir`: exactly one must be. */
export function locateExerciseFiles(dir: string, files: readonly string[]): Located[] {
  return files.map((file) => {
    const variants = fileVariants(file);
    const present = variants.filter((v) => {
      const p = path.join(dir, v);
      return fs.existsSync(p) && fs.statSync(p).isFile();
    });
    if (present.length === 1) return { file, found: present[0] };
    return { file, problem: present.length ? 'both' : 'missing', variants: present.length ? present : variants };
  });
}

/** What is wrong with the learner's folder, in one sentence, or undefined when every file is there once. */
export function exerciseFilesProblem(dir: string, files: readonly string[]): string | undefined {
  const located = locateExerciseFiles(dir, files);
  const missing = located.filter((l) => l.found === undefined && l.problem === 'missing').map((l) => l.file);
  const both = located.filter((l) => l.found === undefined && l.problem === 'both');
  if (missing.length) return `missing file(s) in ${dir}: ${missing.map((f) => fileVariants(f).join(' or ')).join(', ')} — use "Reset Exercise" to restore the starter files`;
  if (both.length) return `${both.map((l) => (l as { variants: string[] }).variants.join(' and ')).join('; ')} both exist in ${dir}: keep one of each (the checks would not know which to run)`;
  return undefined;
}

/**
 * A scenario's function `handler` settings pointed at the learner's variants: `handler.ts#handler`
 * becomes `handler.js#handler` when the learner wrote handler.js. Returns a new list of functions.
 */
export function retargetHandlers<F extends { handler: string }>(functions: readonly F[], dir: string, files: readonly string[]): F[] {
  const chosen = new Map<string, string>();
  for (const l of locateExerciseFiles(dir, files)) if (l.found !== undefined && l.found !== l.file) chosen.set(path.normalize(l.file), l.found);
  if (!chosen.size) return functions.slice();
  return functions.map((fn) => {
    const hash = fn.handler.lastIndexOf('#');
    const file = hash > 0 ? fn.handler.slice(0, hash) : fn.handler;
    const variant = chosen.get(path.normalize(file));
    return variant === undefined ? fn : { ...fn, handler: variant + (hash > 0 ? fn.handler.slice(hash) : '') };
  });
}
