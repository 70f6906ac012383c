/**
 * `exportProject`: a scenario (from a lesson, a scenario file or the playground) and its handler
 * files → a SAM project folder:
 *
 *   template.yaml            the stack (see template.ts)
 *   LAB-ONLY.md              every setting of the scenario that has no AWS equivalent, and what differs
 *   README.md                build, deploy, cost, delete
 *   serverless-lab.scenario.json   the scenario exported (for reference)
 *   src/                     the functions' code (CodeUri)
 *     package.json, tsconfig.json   `serverless-lab` resolves to the local package below
 *     serverless-lab/index.ts       the runtime module: the lab's API on the AWS SDK v3
 *     handlers/…                    the learner's files, unchanged
 *     fn-<function>.mjs             one generated Lambda entry per function
 *
 * Everything is checked before anything is written — the lab's own validation, AWS's limits
 * (awsRules.ts), the handler files (each must compile and have its export) — and a refused export
 * throws `ExportError` naming every problem. Files are written to a temporary folder first and
 * moved into place, so a failure leaves the output folder as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem, parseHandlerRef, validateScenario, type FunctionSpec, type Scenario, type ScenarioProblem } from '../engine/scenario';
import { awsProblems, exportedEnvironmentProblems } from './awsRules';
import { labOnlyMarkdown } from './docs';
import { readmeMarkdown } from './readme';
import { buildTemplate, entryFile } from './template';
import { toYaml } from './yaml';

export class ExportError extends Error {
  constructor(readonly problems: ScenarioProblem[]) {
    super(`cannot export: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ExportError';
  }
}

export interface ExportSource {
  /** The parsed scenario (validated here). */
  scenario: unknown;
  /** The folder the scenario's handler paths are relative to (for a lesson: the learner's files). */
  baseDir: string;
  /** What is exported, for the README: `lesson 07-queues`, `scenario orders.scenario.json`, `the playground`. */
  label: string;
  /** More files to write beside the template (path relative to the output folder → text), e.g. the playground's journal. */
  extraFiles?: Record<string, string>;
}

export interface ExportOptions {
  /** Folder holding the runtime module source (`serverless-lab.ts`); default: next to this module's source. */
  runtimeFile?: string;
  /** Replace the files of an output folder that is not empty (default: refuse). */
  force?: boolean;
}

export interface ExportResult {
  outDir: string;
  /** Every file written, relative to `outDir`, sorted. */
  files: string[];
  /** Paths of the lab-only settings listed in LAB-ONLY.md. */
  labOnly: string[];
  scenario: Scenario;
}

export const CODE_DIR = 'src';
const HANDLERS_DIR = 'handlers';

/** Check a source without writing anything: the scenario, AWS's rules and the handler files. */
export function planExport(source: ExportSource): { scenario: Scenario; files: Map<string, string> } {
  const { scenario, problems } = validateScenario(source.scenario);
  if (!scenario) throw new ExportError(problems);
  const aws = awsProblems(scenario);
  const handlers = scenario.functions.map((f, i) => inspectHandler(f, i, source.baseDir));
  const handlerProblems = handlers.flatMap((h) => h.problems);
  if (aws.length || handlerProblems.length) throw new ExportError([...aws, ...handlerProblems]);

  // The learner's files keep their layout under src/handlers/, relative to their common folder.
  const inputs = [...new Set(handlers.flatMap((h) => h.inputs))].sort();
  const root = commonDir([source.baseDir, ...inputs.map((f) => path.dirname(f))]);
  const rel = (abs: string): string => path.relative(root, abs).split(path.sep).join('/');
  const files = new Map<string, string>();
  for (const abs of inputs) files.set(`${CODE_DIR}/${HANDLERS_DIR}/${rel(abs)}`, fs.readFileSync(abs, 'utf8'));
  const handlerPath = (f: FunctionSpec): string => `./${HANDLERS_DIR}/${rel(handlers[scenario.functions.indexOf(f)].file)}`;

  const { template, entries } = buildTemplate(scenario, { codeUri: `${CODE_DIR}/`, handlerPath });
  const sizes = exportedEnvironmentProblems(scenario, ((template.Globals as { Function: { Environment: { Variables: Record<string, unknown> } } }).Function.Environment.Variables));
  if (sizes.length) throw new ExportError(sizes);
  files.set('template.yaml', toYaml(template, `# AWS SAM template written by serverless-lab export (${source.label}).\n# Build and deploy: sam build && sam deploy --guided   (see README.md; what the lab had that AWS has not: LAB-ONLY.md)\n`));
  for (const e of entries) {
    const f = scenario.functions.find((fn) => fn.name === e.function)!;
    const exportName = parseHandlerRef(f.handler).exportName;
    files.set(
      `${CODE_DIR}/${e.entry}`,
      `// Generated by serverless-lab export: the Lambda entry of the function "${f.name}".\n` +
        `// It runs ${exportName} from ${e.handler.slice(2)} unchanged, with the lab's context (coldStart, environmentId)${e.source === 'kinesis' ? ' and the lab\'s stream records' : ''}.\n` +
        `import { lambdaHandler } from 'serverless-lab';\n` +
        `import * as mod from ${JSON.stringify(e.handler)};\n\n` +
        `export const handler = lambdaHandler(mod[${JSON.stringify(exportName)}], ${JSON.stringify(e.source)});\n`,
    );
  }
  files.set(`${CODE_DIR}/serverless-lab/index.ts`, fs.readFileSync(runtimeSource(), 'utf8'));
  files.set(`${CODE_DIR}/serverless-lab/package.json`, json({ name: 'serverless-lab', version: '0.0.0', private: true, description: 'The Serverless Lab handler API on the AWS SDK v3', main: 'index.ts', types: 'index.ts' }));
  files.set(
    `${CODE_DIR}/package.json`,
    json({
      name: packageName(scenario.name),
      version: '0.0.0',
      private: true,
      description: `AWS SAM export of the serverless-lab scenario "${scenario.name}"`,
      dependencies: { 'serverless-lab': 'file:./serverless-lab' },
      devDependencies: { esbuild: `^${esbuildVersion()}`, typescript: '^5.9.0', '@types/node': '^22.0.0' },
    }),
  );
  files.set(
    `${CODE_DIR}/tsconfig.json`,
    json({
      compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: false, noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true, baseUrl: '.', paths: { 'serverless-lab': ['./serverless-lab/index.ts'] } },
      include: ['**/*.ts', '**/*.mjs'],
    }),
  );
  const labOnly = labOnlyMarkdown(scenario, source.label);
  files.set('LAB-ONLY.md', labOnly.text);
  files.set('README.md', readmeMarkdown(scenario, source.label, entries.map((e) => e.function)));
  files.set('serverless-lab.scenario.json', json(source.scenario));
  for (const [file, text] of Object.entries(source.extraFiles ?? {})) files.set(file, text);
  return { scenario, files };
}

/** Validate, then write the project into `outDir`. Throws ExportError (nothing written) on bad input. */
export function exportProject(source: ExportSource, outDir: string, options: ExportOptions = {}): ExportResult {
  const out = path.resolve(outDir);
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new ExportError([{ path: '--out', message: `${outDir} is a file, not a folder` }]);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !options.force) {
    throw new ExportError([{ path: '--out', message: `${outDir} is not empty (choose an empty folder, or replace its files with --force)` }]);
  }
  if (options.runtimeFile) runtimeOverride = options.runtimeFile;
  const { scenario, files } = planExport(source);
  const labOnly = labOnlyMarkdown(scenario, source.label).paths;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(out), `.${path.basename(out)}.export-`));
  try {
    for (const [file, text] of files) {
      const abs = path.join(staging, file);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, text);
    }
    fs.mkdirSync(out, { recursive: true });
    for (const top of fs.readdirSync(staging)) {
      fs.rmSync(path.join(out, top), { recursive: true, force: true });
      fs.renameSync(path.join(staging, top), path.join(out, top));
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return { outDir: out, files: [...files.keys()].sort(), labOnly, scenario };
}

// ------------------------------------------------------------------------------------------------

let runtimeOverride: string | undefined;

/** The runtime module's source: beside this file in the repository, or under the extension's root when bundled. */
function runtimeSource(): string {
  if (runtimeOverride) return runtimeOverride;
  const candidates = [path.join(__dirname, 'runtime', 'serverless-lab.ts')];
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) candidates.push(path.join(dir, 'src', 'export', 'runtime', 'serverless-lab.ts'));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`serverless-lab export: cannot find the runtime module (looked in ${candidates.slice(0, 3).join(', ')}, …)`);
  return found;
}

function esbuildVersion(): string {
  try {
    return (require('esbuild') as { version: string }).version;
  } catch {
    return '0.25.0';
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function packageName(name: string): string {
  return `${name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'scenario'}-sam`;
}

function commonDir(dirs: string[]): string {
  let common = path.resolve(dirs[0]);
  for (const d of dirs.slice(1)) {
    const abs = path.resolve(d);
    while (abs !== common && !abs.startsWith(common.endsWith(path.sep) ? common : common + path.sep)) common = path.dirname(common);
  }
  return common;
}

/** A function's handler file: it must exist, compile, and export the named function. */
function inspectHandler(f: FunctionSpec, i: number, baseDir: string): { file: string; inputs: string[]; problems: ScenarioProblem[] } {
  const p = `functions[${i}].handler`;
  const { file, exportName } = parseHandlerRef(f.handler);
  const abs = path.resolve(baseDir, file);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) return { file: abs, inputs: [], problems: [{ path: p, message: `no such file: ${abs}` }] };
  const esbuild = require('esbuild') as typeof import('esbuild');
  try {
    const result = esbuild.buildSync({
      entryPoints: [abs],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      target: 'es2022',
      logLevel: 'silent',
      external: ['serverless-lab', '@aws-sdk/*'],
      outdir: path.join(path.dirname(abs), '.serverless-lab-export-check'),
    });
    const meta = result.metafile!;
    const inputs = Object.keys(meta.inputs)
      .filter((k) => !k.startsWith('<') && !k.includes('node_modules'))
      .map((k) => path.resolve(k));
    const exports = Object.values(meta.outputs).find((o) => o.entryPoint !== undefined)?.exports ?? [];
    if (!exports.includes(exportName)) {
      return { file: abs, inputs, problems: [{ path: p, message: `${file} has no export "${exportName}" (exports: ${exports.length ? exports.join(', ') : 'none'})` }] };
    }
    return { file: abs, inputs, problems: [] };
  } catch (err) {
    const errors = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors ?? [];
    const first = errors[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
    return { file: abs, inputs: [], problems: [{ path: p, message: `${file} does not compile: ${where}${first?.text ?? (err as Error).message}` }] };
  }
}

export { entryFile };
