/**
 * `serverless-lab`: the lab from a terminal.
 *
 *   serverless-lab simulate <scenario.json> [--seed N] [--until 15m] [--json] [--trace out.jsonl] [--executor sandbox|inprocess]
 *   serverless-lab lessons [--json] [--lessons <dir>]
 *   serverless-lab check <lesson> [--handler <file>]… [--json] [--seed N] [--seeds N] [--lessons <dir>]
 *   serverless-lab export <lesson|scenario.json|playground> --out <dir> [--solution] [--handler <file>]… [--journal <file>] [--force]
 *
 * Exit codes: 0 success (simulate: it ran, whatever was lost — the summary says so; check: every
 * check passed), 1 a check failed, a run stopped at one of its limits (the summary so far, then the
 * error naming the limit), or an unexpected failure, 2 bad usage or input (each problem
 * printed with what was expected), or no Node that can run the sandbox.
 *
 * Learner code runs in the isolated-vm sandbox (src/sandbox), as in the editor. isolated-vm is
 * loaded only by the commands that need it, so `--help` and `lessons` run on any Node.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Executor } from '../engine/executor';
import { formatProblem, validateScenario, type ScenarioProblem } from '../engine/scenario';
import { Simulation } from '../engine/simulation';
import { RunLimitError } from '../engine/runBounds';
import { toJsonLine, type TraceRecord } from '../engine/trace';
import { DEFAULT_CHECK_SEEDS, MAX_CHECK_SEEDS } from '../lessons/seeds';
import type { IsolateExecutor } from '../sandbox/isolateExecutor';
import type { VmExecutor } from '../sandbox/vmExecutor';
import { checkHandlers } from './handlers';
import { UsageError, type Io } from './io';
import { checkExitCode, findLesson, formatCheckResult, formatLessons, lessonRows, prepareHandlerDir, readCatalog, runLessonChecks } from './lessons';
import { extensionRoot, NODE_ENV, reexecForSandbox } from './sandboxNode';
import { exportCommand } from './export';
import { formatSummary } from './summary';

export { UsageError, type Io } from './io';
export { formatSummary } from './summary';

type CommandName = 'simulate' | 'lessons' | 'check' | 'export';
/** How a flag is read: a switch, one value, or a value that may be given several times. */
type FlagKind = 'switch' | 'value' | 'list';

interface CommandSpec {
  /** Positional arguments, by name (each required). */
  positionals: string[];
  flags: Record<string, FlagKind>;
  help: string;
}

const SEED_HELP = '  --seed <N>           random seed, an integer 0…4294967295';
const LESSONS_HELP = '  --lessons <dir>      lessons folder (default: the one shipped with serverless-lab)';
const JSON_HELP = '  --json               machine-readable output (JSON)';
/** The largest trace file `simulate --trace` writes, MB (`--trace-max-mb`). */
const DEFAULT_TRACE_MAX_MB = 512;

const COMMANDS: Record<CommandName, CommandSpec> = {
  simulate: {
    positionals: ['scenario.json'],
    flags: { '--seed': 'value', '--until': 'value', '--json': 'switch', '--trace': 'value', '--trace-max-mb': 'value', '--executor': 'value' },
    help: `Usage: serverless-lab simulate <scenario.json> [options]

Run a scenario (resources, handlers, traffic, faults) on the virtual clock and print a summary.
Handler paths in the scenario are relative to the scenario file.

Options:
${SEED_HELP} (default: the scenario's seed, else 1)
  --until <duration>   virtual time to run, e.g. 90s, 15m, 1h, 500ms (default: the scenario's durationS)
  --json               print the summary as JSON
  --trace <file>       write every trace record to <file> as JSON lines
  --trace-max-mb <n>   stop writing the trace file at n MB (default ${DEFAULT_TRACE_MAX_MB}); its last line
                       says it was truncated (the run goes on)
  --executor <kind>    how handlers run: sandbox (default: isolated-vm, async handlers work) or
                       inprocess (the same model without isolation or time limits; fast)
`,
  },
  lessons: {
    positionals: [],
    flags: { '--json': 'switch', '--lessons': 'value' },
    help: `Usage: serverless-lab lessons [options]

List the lessons by section: number, id, title, and whether it has an exercise (with how many checks).

Options:
${JSON_HELP}
${LESSONS_HELP}
`,
  },
  check: {
    positionals: ['lesson'],
    flags: { '--handler': 'list', '--json': 'switch', '--seed': 'value', '--seeds': 'value', '--lessons': 'value' },
    help: `Usage: serverless-lab check <lesson> [options]

Run a lesson's checks — the same as "Run Checks" in the editor — on your handler files.
<lesson> is a lesson id (streams) or number (10, 07). The files are taken from
./serverless-lab/<lesson-id>/ (where the editor's Start Exercise puts them), else from the current
directory; each --handler file replaces the exercise file with the same name.

Options:
  --handler <file>     one of your files (repeat for several); e.g. --handler producer.ts
${JSON_HELP} (the whole check result)
${SEED_HELP}: run on this seed only (replay a failure),
                       or the first of --seeds
  --seeds <N>          run on N seeds, 1…${MAX_CHECK_SEEDS}, from the lesson's seed (or --seed) on, and
                       report the first seed that fails (default: ${DEFAULT_CHECK_SEEDS}; with --seed alone: 1)
${LESSONS_HELP}

A race between invocations shows up on some seeds only: the checks pass when they pass on every
seed, and a failure names its seed ("fails on seed 3 — replay with --seed 3").

Exit code: 0 every check passed, 1 a check failed, 2 bad usage or missing files.
`,
  },
  export: {
    positionals: ['source'],
    flags: { '--out': 'value', '--solution': 'switch', '--handler': 'list', '--journal': 'value', '--force': 'switch', '--lessons': 'value' },
    help: `Usage: serverless-lab export <lesson|scenario.json|playground> --out <dir> [options]

Write an AWS SAM application to <dir>: template.yaml (every queue, topic, stream, bus, bucket, table,
gateway and function with its event sources), your handler files unchanged, the runtime module that
does the lab's calls with the AWS SDK, LAB-ONLY.md (every setting AWS has no equivalent for) and a
README (sam build && sam deploy --guided; what it costs; how to delete it).
The scenario is checked against AWS's limits first; nothing is written when a setting breaks one.

<source> is one of:
  a lesson id or number   your files, as for "check" (./serverless-lab/<lesson-id>/, else the current
                          directory; --handler replaces one); --solution exports the reference solution
  a scenario file         handler paths are relative to it
  playground              the playground saved in a journal file: --journal <file> (a JSON array of
                          playground commands, or { "journal": [...] }, as the editor's export writes)

Options:
  --out <dir>          the folder to write (created; must be empty unless --force)
  --solution           a lesson's reference solution instead of your files
  --handler <file>     one of your files for a lesson (repeat for several)
  --journal <file>     the playground journal to export
  --force              replace the files of a folder that is not empty
${LESSONS_HELP}

Exit code: 0 written, 2 bad usage or a scenario AWS would refuse (each setting named; nothing written).
`,
  },
};

export const USAGE = `Usage: serverless-lab <command> [options]

Learn serverless and event-driven architecture: run scenarios and lesson checks from a terminal.

Commands:
  simulate <scenario.json>   run a scenario on the virtual clock and print a summary
  lessons                    list the lessons
  check <lesson>             run a lesson's checks on your handler files
  export <source> --out <d>  write a lesson, scenario or the playground as an AWS SAM application

Run "serverless-lab <command> --help" for a command's options.
Handlers run in the isolated-vm sandbox, which needs Node 24 or 26 (22 too, installed from a VSIX): when this Node cannot load it,
serverless-lab runs itself again with one found on PATH (or set ${NODE_ENV}).
`;

export type ExecutorKind = 'inprocess' | 'sandbox';

export interface Args {
  command: CommandName | 'help';
  /** `help`: the command whose help to show (all commands when undefined). */
  topic?: CommandName;
  positionals: string[];
  seed?: number;
  /** `check`: how many seeds to run the checks on. */
  seeds?: number;
  untilMs?: number;
  json: boolean;
  trace?: string;
  traceMaxMb?: number;
  executor: ExecutorKind;
  handlers: string[];
  lessons?: string;
  out?: string;
  journal?: string;
  solution: boolean;
  force: boolean;
}

/** '90s', '15m', '1h', '500ms', '2.5h' or a bare number of seconds → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--until: expected a duration like 90s, 15m or 1h, got ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  if (!(ms > 0)) throw new UsageError(`--until: must be more than 0, got ${JSON.stringify(text)}`);
  return ms;
}

function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { command: 'help', positionals: [], json: false, executor: 'sandbox', handlers: [], solution: false, force: false };
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') return args;
  if (command === 'help') {
    if (rest[0] !== undefined && !isCommand(rest[0])) throw new UsageError(`help: unknown command ${JSON.stringify(rest[0])} (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return { ...args, topic: rest[0] as CommandName | undefined };
  }
  if (!isCommand(command)) throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: ${Object.keys(COMMANDS).join(', ')}; see --help)`);
  if (rest.includes('--help') || rest.includes('-h')) return { ...args, topic: command };
  const spec = COMMANDS[command];
  args.command = command;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('-') || a === '-') {
      if (args.positionals.length >= spec.positionals.length) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(a)} (expected ${spec.positionals.map((p) => `<${p}>`).join(' ') || 'no arguments'})`);
      args.positionals.push(a);
      continue;
    }
    const kind = spec.flags[a];
    if (!kind) throw new UsageError(`${command}: unknown option ${a} (options: ${Object.keys(spec.flags).join(', ')}; see serverless-lab ${command} --help)`);
    if (kind === 'switch') {
      if (a === '--json') args.json = true;
      if (a === '--solution') args.solution = true;
      if (a === '--force') args.force = true;
      continue;
    }
    const v = rest[++i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
    applyValue(args, a, v);
  }
  if (args.positionals.length < spec.positionals.length) throw new UsageError(`${command}: missing <${spec.positionals[args.positionals.length]}>`);
  return args;
}

function applyValue(args: Args, flag: string, v: string): void {
  switch (flag) {
    case '--seed':
      if (!/^\d+$/.test(v) || Number(v) > 4294967295) throw new UsageError(`--seed: expected an integer between 0 and 4294967295, got ${JSON.stringify(v)}`);
      args.seed = Number(v);
      return;
    case '--seeds':
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_CHECK_SEEDS) throw new UsageError(`--seeds: expected an integer between 1 and ${MAX_CHECK_SEEDS}, got ${JSON.stringify(v)}`);
      args.seeds = Number(v);
      return;
    case '--until':
      args.untilMs = parseDuration(v);
      return;
    case '--trace':
      args.trace = v;
      return;
    case '--trace-max-mb':
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1_000_000) throw new UsageError(`--trace-max-mb: expected an integer between 1 and 1000000, got ${JSON.stringify(v)}`);
      args.traceMaxMb = Number(v);
      return;
    case '--executor':
      if (v !== 'inprocess' && v !== 'sandbox') throw new UsageError(`--executor: expected sandbox or inprocess, got ${JSON.stringify(v)}`);
      args.executor = v;
      return;
    case '--handler':
      args.handlers.push(v);
      return;
    case '--lessons':
      args.lessons = v;
      return;
    case '--out':
      args.out = v;
      return;
    case '--journal':
      args.journal = v;
      return;
  }
}

/** Whether the command runs learner code in isolated-vm (and so needs a suitable Node). */
export function needsSandbox(args: Args): boolean {
  return args.command === 'check' || (args.command === 'simulate' && args.executor === 'sandbox');
}

/** The sandbox executor, loaded on first use: isolated-vm only loads in Node 24/26. */
function createSandbox(rootDir: string, allowDirs?: string[]): IsolateExecutor {
  const { IsolateExecutor: Sandbox } = require('../sandbox/isolateExecutor') as typeof import('../sandbox/isolateExecutor');
  return new Sandbox({ rootDir, allowDirs });
}

function createInProcess(rootDir: string): VmExecutor {
  const { VmExecutor: InProcess } = require('../sandbox/vmExecutor') as typeof import('../sandbox/vmExecutor');
  return new InProcess({ rootDir });
}

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Run the CLI; returns the exit code (tests call this directly). */
export function main(argv: string[], io: Io = stdio): number {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case 'help':
        io.out(args.topic ? COMMANDS[args.topic].help : USAGE);
        return 0;
      case 'lessons':
        return lessons(args, io);
      case 'check':
        return check(args, io);
      case 'simulate':
        return simulate(args, io);
      case 'export':
        return exportCommand(args, io, lessonsDir(args));
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`serverless-lab: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function lessonsDir(args: Args): string {
  return args.lessons !== undefined ? resolve(args.lessons) : join(extensionRoot(), 'lessons');
}

function lessons(args: Args, io: Io): number {
  const rows = lessonRows(readCatalog(lessonsDir(args)));
  io.out(args.json ? JSON.stringify(rows, null, 2) + '\n' : formatLessons(rows));
  return 0;
}

function check(args: Args, io: Io): number {
  const lesson = findLesson(readCatalog(lessonsDir(args)), args.positionals[0]);
  if (!lesson.exercise) throw new UsageError(`lesson ${lesson.id} has no exercise to check (it is a reading lesson)`);
  const { dir, allow, cleanup } = prepareHandlerDir(lesson, args.handlers, process.cwd());
  try {
    // --seed alone replays one run; otherwise the checks run on several seeds.
    const seeds = args.seeds ?? (args.seed !== undefined ? 1 : DEFAULT_CHECK_SEEDS);
    const result = runLessonChecks(lesson, dir, (root) => createSandbox(root, allow), { seed: args.seed, seeds });
    io.out(args.json ? JSON.stringify(result, null, 2) + '\n' : formatCheckResult(lesson, result));
    return checkExitCode(result);
  } finally {
    cleanup();
  }
}

function reportProblems(file: string, problems: ScenarioProblem[], io: Io): number {
  io.err(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
  for (const p of problems) io.err(`  ${formatProblem(p)}\n`);
  return 2;
}

function simulate(args: Args, io: Io): number {
  const name = args.positionals[0];
  const file = resolve(name);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(e.code === 'ENOENT' ? `no such file: ${name}` : `cannot read ${name}: ${e.message}`);
  }
  const { scenario, problems } = validateScenario(json);
  if (!scenario) return reportProblems(name, problems, io);
  const baseDir = dirname(file);
  const runner = args.executor === 'sandbox' ? createSandbox(baseDir) : createInProcess(baseDir);
  const executor: Executor = runner;
  const fileOf = (h: string): string => runner.resolveHandler(h).file;
  try {
    const handlerProblems = checkHandlers(scenario.functions, baseDir, fileOf);
    if (handlerProblems.length) return reportProblems(name, handlerProblems, io);
    const untilMs = args.untilMs ?? (scenario.durationS !== undefined ? scenario.durationS * 1000 : undefined);
    if (untilMs === undefined && scenario.traffic.some((t) => t.durationS === undefined)) {
      throw new UsageError('the scenario has endless traffic and no durationS: pass --until (e.g. --until 15m)');
    }
    const sim = new Simulation(scenario, { seed: args.seed, executor, records: { mode: 'none' } });
    let stopped: RunLimitError | undefined;
    try {
      if (args.trace !== undefined) runWithTrace(sim, args.trace, untilMs, (args.traceMaxMb ?? DEFAULT_TRACE_MAX_MB) * 1_048_576, io);
      else sim.run(untilMs);
    } catch (err) {
      if (!(err instanceof RunLimitError)) throw err;
      stopped = err;
    }
    const summary = sim.summary();
    io.out(args.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
    if (stopped) {
      io.err(`${name}: ${stopped.message}\n`);
      return 1;
    }
    return 0;
  } finally {
    runner.dispose();
  }
}

/**
 * Run, writing every trace record to `traceFile` as buffered JSON lines (one write per ~1 MB), up to
 * `maxBytes`: the line that would pass it is replaced by an `output-truncated` record, and nothing
 * more is written (the run goes on; stderr says so).
 */
function runWithTrace(sim: Simulation, traceFile: string, untilMs: number | undefined, maxBytes: number, io: Io): void {
  let fd: number;
  try {
    fd = openSync(resolve(traceFile), 'w');
  } catch (err) {
    throw new UsageError(`cannot write ${traceFile}: ${(err as Error).message}`);
  }
  let buffer = '';
  let written = 0;
  let records = 0;
  const unsubscribe = sim.ctx.trace.subscribe((r: TraceRecord) => {
    const line = toJsonLine(r) + '\n';
    const bytes = Buffer.byteLength(line);
    if (written + bytes > maxBytes) {
      const mb = +(maxBytes / 1_048_576).toFixed(1);
      const message = `trace file truncated after ${records.toLocaleString('en-US')} records (${mb} MB, --trace-max-mb): later records are not written`;
      buffer += toJsonLine({ seq: r.seq, t: r.t, kind: 'output-truncated', resource: 'trace-file', detail: { records, maxBytes, message } }) + '\n';
      unsubscribe();
      io.err(`${traceFile}: ${message}\n`);
      return;
    }
    buffer += line;
    written += bytes;
    records++;
    if (buffer.length > 1 << 20) {
      writeSync(fd, buffer);
      buffer = '';
    }
  });
  try {
    sim.run(untilMs);
  } finally {
    if (buffer) writeSync(fd, buffer);
    closeSync(fd);
  }
}

/** The program: re-run under a Node that can load the sandbox when the command needs one. */
function program(argv: string[]): number {
  let args: Args | undefined;
  try {
    args = parseArgs(argv);
  } catch {
    // main() reports it
  }
  if (args && needsSandbox(args)) {
    const code = reexecForSandbox(argv, stdio.err);
    if (code !== undefined) return code;
  }
  return main(argv);
}

if (require.main === module) {
  // Lambda runs functions in UTC (TZ=:UTC): a handler's local-time Date methods (getHours,
  // toString, toLocaleString…) read UTC here too, whatever this machine's zone — so a seed gives the
  // same trace on every machine. Set before any Date is formatted.
  process.env.TZ = 'UTC';
  try {
    process.exitCode = program(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`serverless-lab: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
