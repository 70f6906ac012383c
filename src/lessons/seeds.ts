/**
 * A lesson's checks over several seeds. Invocations that interleave (or a handler's seeded random
 * numbers) make a verdict depend on the seed: a race may show on seed 3 and not on 1 or 2. The
 * checks pass when they pass on every seed; a failure is reported with the first seed that showed
 * it, and `--seed` replays exactly that run. Used by `serverless-lab check` and by the editor (one
 * runtime request per seed); no engine code here, so the extension host can import it.
 */
import type { LessonRunResult } from './checker';

/** Seeds a lesson's checks run on when nothing says otherwise (the CLI's `--seeds`, the editor's `serverlessLab.checks.seeds`). */
export const DEFAULT_CHECK_SEEDS = 5;
/** Most seeds one check may run on. */
export const MAX_CHECK_SEEDS = 100;

/**
 * A lesson's checks over `count` seeds, as a generator the caller drives (the CLI synchronously, the
 * editor one runtime request per seed): it yields the seed to run next (`undefined` first when no
 * `first` seed is given: the lesson's own), is sent that run's result, and returns the result to
 * report. Seeds go up from the first run's seed; the sweep stops at the first run that fails (or
 * could not run), so a race is found on the first seed that shows it and replayed with `--seed`.
 */
export function* seedSweep(count: number, first?: number): Generator<number | undefined, LessonRunResult, LessonRunResult> {
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_CHECK_SEEDS)) throw new RangeError(`seeds must be an integer from 1 to ${MAX_CHECK_SEEDS}, got ${String(count)}`);
  const ran: number[] = [];
  let seed = first;
  for (;;) {
    const result = yield seed;
    if (result.seed !== undefined) ran.push(result.seed);
    const failed = Boolean(result.error) || result.outcomes.length === 0 || result.outcomes.some((o) => !o.pass);
    // A run that did not happen (compile or setup error) depends on no seed: report it as it is.
    if (result.seed === undefined || result.error?.kind === 'compile' || result.error?.kind === 'setup') return { ...result, seedsRun: ran };
    if (failed) return { ...result, seedsRun: ran, failedSeed: result.seed };
    if (ran.length >= count) return { ...result, seedsRun: ran };
    seed = (result.seed + 1) >>> 0;
  }
}

/** Drive `seedSweep` synchronously. */
export function checkOverSeeds(count: number, first: number | undefined, runOnce: (seed: number | undefined) => LessonRunResult): LessonRunResult {
  const sweep = seedSweep(count, first);
  let step = sweep.next();
  let wallMs = 0;
  while (!step.done) {
    const result = runOnce(step.value);
    wallMs += result.wallMs;
    step = sweep.next(result);
  }
  return { ...step.value, wallMs };
}

/** Drive `seedSweep` with an asynchronous run (the editor asks the runtime process once per seed). */
export async function checkOverSeedsAsync(count: number, first: number | undefined, runOnce: (seed: number | undefined) => Promise<LessonRunResult>): Promise<LessonRunResult> {
  const sweep = seedSweep(count, first);
  let step = sweep.next();
  let wallMs = 0;
  while (!step.done) {
    const result = await runOnce(step.value);
    wallMs += result.wallMs;
    step = sweep.next(result);
  }
  return { ...step.value, wallMs };
}

/**
 * What a result says about its seeds, in one line: "fails on seed 3 — replay with --seed 3 (passed
 * on seeds 1–2)", "passes on 5 seeds (1–5)"; undefined when the run did not happen.
 */
export function seedVerdict(result: LessonRunResult): string | undefined {
  const ran = result.seedsRun ?? (result.seed !== undefined ? [result.seed] : []);
  if (result.failedSeed !== undefined) {
    const before = ran.slice(0, -1);
    return `fails on seed ${result.failedSeed} — replay with --seed ${result.failedSeed}${before.length ? ` (passed on ${seedList(before)})` : ''}`;
  }
  if (!ran.length || result.error) return undefined;
  return ran.length === 1 ? `passes on seed ${ran[0]}` : `passes on ${ran.length} seeds (${seedRange(ran)})`;
}

function seedRange(seeds: number[]): string {
  const contiguous = seeds.every((s, i) => i === 0 || s === seeds[i - 1] + 1);
  return contiguous && seeds.length > 1 ? `${seeds[0]}–${seeds[seeds.length - 1]}` : seeds.join(', ');
}

function seedList(seeds: number[]): string {
  return seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seedRange(seeds)}`;
}
