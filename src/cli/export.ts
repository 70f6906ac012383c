/**
 * `serverless-lab export <lesson|scenario.json|playground> --out <dir>`: the source resolved to a
 * scenario and the folder its handlers are in, then `exportProject` (src/export). A refused export
 * prints every problem (the setting's path and the AWS rule) and exits 2 without writing anything.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatProblem } from '../engine/scenario';
import { ExportError, exportProject, type ExportSource } from '../export/project';
import { journalOf, playgroundScenario } from '../export/playground';
import { UsageError, type Io } from './io';
import { findLesson, prepareHandlerDir, readCatalog } from './lessons';

interface ExportArgs {
  positionals: string[];
  out?: string;
  journal?: string;
  solution: boolean;
  force: boolean;
  handlers: string[];
}

function readJson(file: string, label: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(e.code === 'ENOENT' ? `no such file: ${label}` : `cannot read ${label}: ${e.message}`);
  }
}

export function exportCommand(args: ExportArgs, io: Io, lessonsDir: string): number {
  const what = args.positionals[0];
  if (args.out === undefined) throw new UsageError('export: --out <dir> is required (the folder to write the SAM project to)');
  let cleanup = (): void => undefined;
  let source: ExportSource;
  if (what === 'playground') {
    if (args.journal === undefined) throw new UsageError('export playground: --journal <file> is required (a saved playground journal: the editor\'s "Export to AWS SAM…" writes one as playground.journal.json)');
    let journal;
    try {
      journal = journalOf(readJson(resolve(args.journal), args.journal));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${args.journal}: ${(err as Error).message}`);
    }
    const p = playgroundScenario(journal);
    source = { scenario: p.scenario, baseDir: p.baseDir, label: 'the playground' };
  } else if (what.endsWith('.json') || (existsSync(what) && statSync(what).isFile())) {
    if (args.solution || args.handlers.length) throw new UsageError('export: --solution and --handler apply to a lesson, not to a scenario file');
    const file = resolve(what);
    source = { scenario: readJson(file, what), baseDir: dirname(file), label: `scenario ${what}` };
  } else {
    const lesson = findLesson(readCatalog(lessonsDir), what);
    if (!lesson.exercise) throw new UsageError(`lesson ${lesson.id} has no exercise to export (it is a reading lesson)`);
    const scenario = readJson(join(lesson.dir, lesson.exercise.scenario), `${lesson.id}/scenario.json`);
    if (args.solution) {
      if (args.handlers.length) throw new UsageError('export: give --solution or --handler, not both');
      source = { scenario, baseDir: join(lesson.dir, 'solution'), label: `lesson ${lesson.id} (reference solution)` };
    } else {
      const prepared = prepareHandlerDir(lesson, args.handlers, process.cwd());
      cleanup = prepared.cleanup;
      source = { scenario, baseDir: prepared.dir, label: `lesson ${lesson.id}` };
    }
  }
  try {
    const result = exportProject(source, args.out, { force: args.force });
    io.out(`Wrote ${source.label} as an AWS SAM application to ${result.outDir} (${result.files.length} files):\n`);
    io.out(`  template.yaml   ${result.scenario.functions.length} function${result.scenario.functions.length === 1 ? '' : 's'}, the stack's resources and event sources\n`);
    io.out(`  LAB-ONLY.md     ${result.labOnly.length} lab-only setting${result.labOnly.length === 1 ? '' : 's'} AWS has no equivalent for\n`);
    io.out(`Next: cd ${args.out} && sam build && sam deploy --guided   (README.md: cost, and how to delete it)\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ExportError)) throw err;
    io.err(`serverless-lab: cannot export ${source.label}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} (nothing written)\n`);
    for (const p of err.problems) io.err(`  ${formatProblem(p)}\n`);
    return 2;
  } finally {
    cleanup();
  }
}
