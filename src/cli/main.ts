/**
 * `serverless-lab`: run a scenario file from the command line.
 *
 *   serverless-lab simulate <scenario.json> [--seed N] [--until 90s|15m|1h] [--json] [--trace out.jsonl]
 *
 * Exit codes: 0 ran (whatever was lost: the summary says so), 2 bad usage or a scenario with
 * problems (each printed with its path), 1 an unexpected failure.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InProcessExecutor, type Executor } from '../engine/executor';
import { formatProblem, validateScenario, type ScenarioProblem } from '../engine/scenario';
import { Simulation, type Summary } from '../engine/simulation';
import { toJsonLine, type TraceRecord } from '../engine/trace';
import { checkHandlers, createHandlerResolver } from './handlers';

export const USAGE = `Usage: serverless-lab simulate <scenario.json> [options]

Run a scenario (resources, handlers, traffic, faults) on the virtual clock and print a summary.

Options:
  --seed <N>           random seed (default: the scenario's seed, else 1)
  --until <duration>   virtual time to run, e.g. 90s, 15m, 1h, 500ms (default: the scenario's durationS)
  --json               print the summary as JSON
  --trace <file>       write every trace record to <file> as JSON lines
  --executor <kind>    how handlers run: inprocess (default)
  -h, --help           show this help
`;

/** Bad command line: exit code 2 with a one-line message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type ExecutorKind = 'inprocess' | 'sandbox';

/**
 * The one place the CLI builds an executor. `inprocess` runs handlers in this process (no isolation);
 * `sandbox` (isolated-vm) is provided by the sandbox module when it exists.
 */
export function createExecutor(kind: ExecutorKind, _options: { baseDir: string } = { baseDir: process.cwd() }): Executor {
  if (kind === 'inprocess') return new InProcessExecutor();
  throw new UsageError(`--executor ${kind}: not available in this build (available: inprocess)`);
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

interface Args {
  command: 'simulate' | 'help';
  file?: string;
  seed?: number;
  untilMs?: number;
  json: boolean;
  trace?: string;
  executor: ExecutorKind;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { command: 'help', json: false, executor: 'inprocess' };
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return args;
  const [command, ...rest] = argv;
  if (command !== 'simulate') throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: simulate; see --help)`);
  args.command = 'simulate';
  const value = (i: number, flag: string): string => {
    const v = rest[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    switch (a) {
      case '--seed': {
        const v = value(i++, a);
        if (!/^\d+$/.test(v) || Number(v) > 4294967295) throw new UsageError(`--seed: expected an integer between 0 and 4294967295, got ${JSON.stringify(v)}`);
        args.seed = Number(v);
        break;
      }
      case '--until':
        args.untilMs = parseDuration(value(i++, a));
        break;
      case '--json':
        args.json = true;
        break;
      case '--trace':
        args.trace = value(i++, a);
        break;
      case '--executor': {
        const v = value(i++, a);
        if (v !== 'inprocess' && v !== 'sandbox') throw new UsageError(`--executor: expected inprocess or sandbox, got ${JSON.stringify(v)}`);
        args.executor = v;
        break;
      }
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a} (see --help)`);
        if (args.file !== undefined) throw new UsageError(`one scenario file at a time (got ${args.file} and ${a})`);
        args.file = a;
    }
  }
  if (args.file === undefined) throw new UsageError('simulate: missing <scenario.json>');
  return args;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Run the CLI; returns the exit code (tests call this directly). */
export function main(argv: string[], io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): number {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`serverless-lab: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  const file = resolve(args.file!);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.err(`serverless-lab: ${e.code === 'ENOENT' ? `no such file: ${args.file}` : `cannot read ${args.file}: ${e.message}`}\n`);
    return 2;
  }
  const reportProblems = (problems: ScenarioProblem[]): number => {
    io.err(`${args.file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
    for (const p of problems) io.err(`  ${formatProblem(p)}\n`);
    return 2;
  };
  const { scenario, problems } = validateScenario(json);
  if (!scenario) return reportProblems(problems);
  const baseDir = dirname(file);
  let executor: Executor;
  try {
    executor = createExecutor(args.executor, { baseDir });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`serverless-lab: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const resolver = createHandlerResolver(baseDir);
  if (executor instanceof InProcessExecutor) {
    const handlerProblems = checkHandlers(scenario.functions, baseDir, resolver);
    if (handlerProblems.length) return reportProblems(handlerProblems);
  }
  const untilMs = args.untilMs ?? (scenario.durationS !== undefined ? scenario.durationS * 1000 : undefined);
  if (untilMs === undefined && scenario.traffic.some((t) => t.durationS === undefined)) {
    io.err('serverless-lab: the scenario has endless traffic and no durationS: pass --until (e.g. --until 15m)\n');
    return 2;
  }

  const sim = new Simulation(scenario, { seed: args.seed, executor, handlers: resolver, records: { mode: 'none' } });
  let traceFd: number | undefined;
  if (args.trace !== undefined) {
    try {
      traceFd = openSync(resolve(args.trace), 'w');
    } catch (err) {
      io.err(`serverless-lab: cannot write ${args.trace}: ${(err as Error).message}\n`);
      return 2;
    }
    // Buffered JSON lines: one write per ~1 MB, not per record.
    let buffer = '';
    const fd = traceFd;
    sim.ctx.trace.subscribe((r: TraceRecord) => {
      buffer += toJsonLine(r) + '\n';
      if (buffer.length > 1 << 20) {
        writeSync(fd, buffer);
        buffer = '';
      }
    });
    const flush = (): void => {
      if (buffer) writeSync(fd, buffer);
      buffer = '';
    };
    try {
      sim.run(untilMs);
    } finally {
      flush();
      closeSync(fd);
    }
  } else {
    sim.run(untilMs);
  }
  const summary = sim.summary();
  io.out(args.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
  return 0;
}

function fmtMs(ms: number): string {
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(2)} h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(2)} min`;
  if (ms >= 1000) return `${+(ms / 1000).toFixed(2)} s`;
  return `${+ms.toFixed(1)} ms`;
}

function counts(entries: Record<string, number>): string {
  return Object.entries(entries)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'nothing';
}

/** The human-readable summary. */
export function formatSummary(s: Summary): string {
  const lines: string[] = [];
  lines.push(`Scenario ${s.scenario} (seed ${s.seed}): ${fmtMs(s.virtualMs)} of virtual time, ${s.events} trace events`);
  const section = (title: string, rows: Array<[string, string]>): void => {
    if (!rows.length) return;
    lines.push('', title);
    const width = Math.max(...rows.map(([n]) => n.length));
    for (const [name, text] of rows) lines.push(`  ${name.padEnd(width)}  ${text}`);
  };
  section('Traffic', Object.entries(s.traffic).map(([n, t]) => [n, `${t.requests} requests`]));
  section(
    'Queues',
    Object.entries(s.queues).map(([n, q]) => [
      n,
      `${counts({ sent: q.sent, received: q.received, deleted: q.deleted, 'dead-lettered': q.deadLettered, expired: q.expired, duplicates: q.duplicates })}; held ${q.visible + q.inFlight + q.delayed} (visible ${q.visible}, in flight ${q.inFlight}, delayed ${q.delayed})`,
    ]),
  );
  section('Topics', Object.entries(s.topics).map(([n, t]) => [n, counts({ published: t.published, delivered: t.delivered, 'filtered out': t.filteredOut, 'dead-lettered': t.deadLettered, dropped: t.dropped })]));
  section('Streams', Object.entries(s.streams).map(([n, t]) => [n, `produced ${t.produced}`]));
  section('Buses', Object.entries(s.buses).map(([n, b]) => [n, counts({ published: b.published, delivered: b.delivered, 'filtered out': b.filteredOut, 'dead-lettered': b.deadLettered, dropped: b.dropped })]));
  section(
    'Functions',
    Object.entries(s.functions).map(([n, f]) => [
      n,
      `${counts({ invoked: f.invoked, succeeded: f.succeeded, failed: f.failed, 'timed out': f.timedOut, throttled: f.throttled, 'cold starts': f.coldStarts, 'dead-lettered': f.deadLettered, dropped: f.dropped })}; duration p50 ${fmtMs(f.latency.p50)}, p95 ${fmtMs(f.latency.p95)}, p99 ${fmtMs(f.latency.p99)}`,
    ]),
  );
  section('Gateways', Object.entries(s.gateways).map(([n, g]) => [n, `${g.requests} requests, responses ${counts(g.responses)}; latency p50 ${fmtMs(g.latency.p50)}, p95 ${fmtMs(g.latency.p95)}, p99 ${fmtMs(g.latency.p99)}`]));
  section('Buckets', Object.entries(s.buckets).map(([n, b]) => [n, `stored ${b.stored}, notifications ${b.notified}, objects ${b.objects}`]));
  section('Tables', Object.entries(s.tables).map(([n, t]) => [n, `written ${t.written}, peak ${t.peakWritesPerSecond} writes/s, overloaded ${t.overloaded}, items ${t.items}`]));
  lines.push('', `Cold starts: ${s.coldStarts}`);
  lines.push(`Cost: $${s.cost.cost.toFixed(6)} (${s.cost.requests} requests, ${+s.cost.gbSeconds.toFixed(3)} GB-s)`);
  if (s.lost === 0) lines.push('Lost: 0 (every accepted message was processed, dead-lettered or is still held)');
  else {
    lines.push(`Lost: ${s.lost}`);
    for (const d of s.lostDetails) lines.push(`  ${d.resource} (${d.kind}): ${d.count} ${d.reason}`);
  }
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`serverless-lab: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
