/**
 * The runtime process: the engine and the isolates, forked from the extension host with
 * `--no-node-snapshot` (see client.ts). It answers the typed requests of protocol.ts and pushes trace
 * records in batches — at most about 60 a second, never one message per event. No IPC message is
 * larger than `MAX_IPC_BYTES`: a long one goes as frames (protocol.ts), and a trace batch is cut
 * into messages of at most `BATCH_CHARS` of JSON.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
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
import { scrubHost } from './scrub';
import { FRAME_CHARS, sliceText, type Frame, type FromRuntime, type Request, type RequestEnvelope } from './protocol';

// Lambda runs functions in UTC (TZ=:UTC): handlers' local-time Date methods read UTC in this
// process too, whatever the learner's zone, so a seed gives the same trace on every machine.
process.env.TZ = 'UTC';

const FLUSH_MS = 16; // ≤ ~60 batches per second
const MAX_BATCH = 5_000; // records per flush; the rest are counted as dropped (aggregates stay exact)
/** Characters of JSON records per trace message (several messages when a flush holds more). */
const BATCH_CHARS = FRAME_CHARS * 2;
/** Characters of JSON records per flush; the records past it are counted as dropped. */
const MAX_FLUSH_CHARS = 32 * 1_048_576;

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

  /**
   * Pushes what is pending: each record is serialised once, into messages of at most
   * `BATCH_CHARS` of records (a longer record goes alone, as frames); past `MAX_FLUSH_CHARS` the
   * rest are counted as dropped. The last message carries the count of dropped records.
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length && !this.dropped) return;
    const pending = this.pending;
    let dropped = this.dropped;
    this.pending = [];
    this.dropped = 0;
    const head = `{"push":"trace","source":${JSON.stringify(this.source)},"now":${JSON.stringify(this.now())},"records":[`;
    let batch: string[] = [];
    let chars = 0;
    let total = 0;
    const send = (last: boolean) => {
      postJson(`${head}${batch.join(',')}],"dropped":${last ? dropped : 0}}`);
      batch = [];
      chars = 0;
    };
    for (let i = 0; i < pending.length; i++) {
      let json: string;
      try {
        json = JSON.stringify(pending[i]);
      } catch {
        dropped++;
        continue;
      }
      if (total + json.length > MAX_FLUSH_CHARS) {
        dropped += pending.length - i;
        break;
      }
      if (batch.length && chars + json.length > BATCH_CHARS) send(false);
      batch.push(json);
      chars += json.length + 1;
      total += json.length + 1;
    }
    send(true);
  }
}

const scenarioTrace = new TraceBatch('scenario', () => sim?.now ?? 0);
const playgroundTrace = new TraceBatch('playground', () => playground?.now ?? 0);

let nextFrame = 1;

/** Sends a message's JSON text: as it is when short, else as consecutive frames. */
function postJson(json: string): void {
  if (json.length <= FRAME_CHARS) {
    process.send?.({ frame: nextFrame++, last: true, text: json } satisfies Frame);
    return;
  }
  const id = nextFrame++;
  const parts = sliceText(json);
  parts.forEach((text, i) => process.send?.({ frame: id, last: i === parts.length - 1, text } satisfies Frame));
}

/** Sends a message: as an object when its JSON is short, else as frames (protocol.ts). */
function post(message: FromRuntime): void {
  const json = JSON.stringify(message);
  if (json.length <= FRAME_CHARS) process.send?.(message);
  else postJson(json);
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
      if (request.kind === 'throw' || request.kind === 'stderr') {
        const text = `planted ${process.env.SERVERLESS_LAB_PLANTED ?? ''} in ${__filename}, ${path.join(os.tmpdir(), 'x.json')}, ${path.join(os.homedir(), '.config')} (file://${__dirname}/x.js:1:2)`;
        if (request.kind === 'stderr') {
          // What native code (V8, isolated-vm) writes bypasses every handler here: the client scrubs it.
          process.stderr.write(`${text}\n`);
          return { written: true };
        }
        setImmediate(() => {
          throw new Error(text);
        });
        return { throwing: true };
      }
      for (;;) {
        // hang on purpose: the host's deadline must catch this
      }
    case 'stop':
      setImmediate(() => process.exit(0));
      return { stopping: true };
  }
}

process.on('message', (envelope: RequestEnvelope) => {
  let answer: FromRuntime;
  try {
    const value = handle(envelope.request);
    answer = { id: envelope.id, ok: true, value: value === undefined ? null : value };
  } catch (err) {
    const e = err as Error & { problems?: Array<{ path: string; message: string }>; path?: string };
    answer = { id: envelope.id, ok: false, error: { name: e.name || 'Error', message: e.message, ...(e.path ? { path: e.path } : {}), ...(e.problems ? { problems: e.problems } : {}) } };
  }
  flush();
  try {
    post(answer);
  } catch (err) {
    // An answer too large to serialise (Invalid string length) fails the request, not the process.
    post({ id: envelope.id, ok: false, error: { name: 'ResponseTooLarge', message: `the runtime's answer to "${envelope.request.type}" could not be sent: ${(err as Error).message}` } });
  }
});

/**
 * Whatever escapes every handler: one short report on stderr, scrubbed of host paths and
 * environment values (the client relays stderr to the output channel), then exit 70 — the client
 * restarts the process and replays its journal.
 */
function crash(kind: string, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const frames = (e.stack ?? '').split('\n').slice(1, 6).join('\n');
  try {
    process.stderr.write(scrubHost(`the runtime process crashed (${kind}): ${e.name}: ${e.message}\n${frames}\n`));
  } finally {
    process.exit(70);
  }
}
process.on('uncaughtException', (err) => crash('uncaught exception', err));
process.on('unhandledRejection', (err) => crash('unhandled rejection', err));

process.on('disconnect', () => process.exit(0));
post({ push: 'ready', pid: process.pid, node: process.version, modules: process.versions.modules });
