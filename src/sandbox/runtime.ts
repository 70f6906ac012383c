/**
 * The runtime process: the engine and the isolates, forked from the extension host with
 * `--no-node-snapshot` (see client.ts). It answers the typed requests of protocol.ts and pushes trace
 * records in batches — at most about 60 a second, never one message per event.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateScenario, ScenarioError } from '../engine/scenario';
import { Simulation } from '../engine/simulation';
import { labelledTopology, surveyScenario, type Survey } from '../engine/survey';
import type { TraceRecord } from '../engine/trace';
import { checkLesson } from '../lessons/checker';
import { loadCatalog } from '../lessons/loader';
import { Playground } from '../playground/playground';
import type { PlaygroundCommand, PlaygroundQuery, PlaygroundResponse } from '../playground/types';
import { IsolateExecutor } from './isolateExecutor';
import type { FromRuntime, Request, RequestEnvelope } from './protocol';

// Lambda runs functions in UTC (TZ=:UTC): handlers' local-time Date methods read UTC in this
// process too, whatever the learner's zone, so a seed gives the same trace on every machine.
process.env.TZ = 'UTC';

const FLUSH_MS = 16; // ≤ ~60 batches per second
const MAX_BATCH = 5_000; // records per batch; the rest are counted as dropped (aggregates stay exact)

/**
 * Test hook (only with SERVERLESS_LAB_TEST_HOOKS=1): a lower cap on every environment's memory, MB,
 * so a test can fill an environment to its limit within the real-time budget on a busy machine.
 */
const testMemoryCap = process.env.SERVERLESS_LAB_TEST_HOOKS === '1' && process.env.SERVERLESS_LAB_TEST_MAX_MEMORY_MB ? Number(process.env.SERVERLESS_LAB_TEST_MAX_MEMORY_MB) : undefined;
const sandbox = (rootDir?: string): IsolateExecutor => new IsolateExecutor({ ...(rootDir !== undefined ? { rootDir } : {}), ...(testMemoryCap ? { maxMemoryMb: testMemoryCap } : {}) });

let sim: Simulation | undefined;
let executor: IsolateExecutor | undefined;
/** The broker playground: one per process, created on its first command. */
let playground: Playground | undefined;

/**
 * Trace records waiting to be pushed, per source: a batch carries the records of one engine only
 * (the loaded scenario or the playground), so a view never mixes the two.
 */
class TraceBatch {
  private pending: TraceRecord[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: 'scenario' | 'playground',
    private readonly now: () => number,
  ) {}

  readonly add = (record: TraceRecord): void => {
    if (this.pending.length < MAX_BATCH) this.pending.push(record);
    else this.dropped++;
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  };

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length && !this.dropped) return;
    post({ push: 'trace', source: this.source, records: this.pending, dropped: this.dropped, now: this.now() });
    this.pending = [];
    this.dropped = 0;
  }
}

const scenarioTrace = new TraceBatch('scenario', () => sim?.now ?? 0);
const playgroundTrace = new TraceBatch('playground', () => playground?.now ?? 0);

function post(message: FromRuntime): void {
  process.send?.(message);
}

function flush(): void {
  scenarioTrace.flush();
  playgroundTrace.flush();
}

function requireSim(): Simulation {
  if (!sim) throw Object.assign(new Error('no scenario is loaded'), { name: 'NoScenario' });
  return sim;
}

/**
 * The survey of a scenario (same seed, same handlers, its own isolates), for the diagram: the
 * topology with every resource the handlers call, labelled with rates, and the run's activity per
 * second and last event. `null` for a run without an end.
 */
function survey(scenarioFile: string, seed: number | undefined, handlerDir: string | undefined): unknown {
  const { scenario, problems } = validateScenario(JSON.parse(fs.readFileSync(scenarioFile, 'utf8')));
  if (!scenario) throw new ScenarioError(problems);
  const own = sandbox(handlerDir ?? path.dirname(scenarioFile));
  try {
    const probe = new Simulation(scenario, { seed, executor: own, records: { mode: 'none' } });
    if (!Number.isFinite(probe.endMs)) return null;
    const s: Survey = surveyScenario(scenario, { seed, executor: own });
    return { topology: labelledTopology(scenario, s), activity: s.activity, lastMs: s.lastMs };
  } finally {
    own.dispose();
  }
}

function load(scenarioFile: string, seed: number | undefined, handlerDir: string | undefined): unknown {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(scenarioFile, 'utf8'));
  } catch (err) {
    throw Object.assign(new Error(`cannot read ${scenarioFile}: ${(err as Error).message}`), { name: 'ScenarioError' });
  }
  const { scenario, problems } = validateScenario(json);
  if (!scenario) throw new ScenarioError(problems);
  executor?.dispose();
  const rootDir = handlerDir ?? path.dirname(scenarioFile);
  executor = sandbox(rootDir);
  const next = new Simulation(scenario, { seed, executor, records: { mode: 'window', size: 50_000 } });
  sim = next;
  next.ctx.trace.subscribe(scenarioTrace.add);
  return { name: scenario.name, endMs: Number.isFinite(next.endMs) ? next.endMs : null, topology: next.topology() };
}

/**
 * A playground command or query. The answer is the `PlaygroundResponse`; after a command that
 * changed something the tree and the diagram also get a `playground` push (after the trace batch).
 */
function playgroundRequest(command: PlaygroundCommand | PlaygroundQuery): PlaygroundResponse {
  if (!playground) {
    // Handler files are absolute paths, so the executor's root folder does not matter.
    playground = new Playground({ executor: sandbox() });
    playground.onTrace(playgroundTrace.add);
  }
  const { response, changed } = playground.request(command);
  if (changed) {
    playgroundTrace.flush();
    post({ push: 'playground', snapshot: response.snapshot, topology: response.topology });
  }
  return response;
}

function handle(request: Request): unknown {
  switch (request.type) {
    case 'ping':
      return { pid: process.pid, node: process.version, abi: process.versions.modules };
    case 'load':
      return load(request.scenarioFile, request.seed, request.handlerDir);
    case 'survey':
      return survey(request.scenarioFile, request.seed, request.handlerDir);
    case 'run': {
      const s = requireSim();
      s.run(request.untilMs ?? s.endMs);
      return { now: s.now, done: s.ctx.clock.peek() === undefined || s.now >= s.endMs };
    }
    case 'step': {
      const s = requireSim();
      let ran = 0;
      for (let i = 0; i < (request.events ?? 1) && s.step(); i++) ran++;
      return { now: s.now, ran };
    }
    case 'summary':
      return requireSim().summary();
    case 'topology':
      return requireSim().topology();
    case 'check': {
      const { catalog, problems } = loadCatalog(path.dirname(request.lessonDir));
      const lesson = catalog.lessons.find((l) => path.resolve(l.dir) === path.resolve(request.lessonDir));
      if (!lesson) throw new Error(`no valid lesson in ${request.lessonDir}${problems.length ? `: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` : ''}`);
      const result = checkLesson(
        lesson,
        request.handlerDir,
        (dir) => {
          const executor = sandbox(dir);
          return { executor, compile: (handler) => executor.compileProblems(handler) };
        },
        { seed: request.seed },
      );
      return result;
    }
    case 'playground':
      return playgroundRequest(request.command);
    case 'fault':
      if (process.env.SERVERLESS_LAB_TEST_HOOKS !== '1') throw new Error('fault hooks are only enabled in tests');
      if (request.kind === 'exit') process.exit(70);
      for (;;) {
        // hang on purpose: the host's deadline must catch this
      }
    case 'stop':
      setImmediate(() => process.exit(0));
      return { stopping: true };
  }
}

process.on('message', (envelope: RequestEnvelope) => {
  try {
    const value = handle(envelope.request);
    flush();
    post({ id: envelope.id, ok: true, value: value === undefined ? null : value });
  } catch (err) {
    flush();
    const e = err as Error & { problems?: Array<{ path: string; message: string }>; path?: string };
    post({ id: envelope.id, ok: false, error: { name: e.name || 'Error', message: e.message, ...(e.path ? { path: e.path } : {}), ...(e.problems ? { problems: e.problems } : {}) } });
  }
});

process.on('disconnect', () => process.exit(0));
post({ push: 'ready', pid: process.pid, node: process.version, modules: process.versions.modules });
