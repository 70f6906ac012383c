// One attack of test/unit/sandboxLimitAttacks.ts in a process of its own (bench/sandbox-limits.bench.mjs):
// prints {name, outcome, entries, worstEntryMs, worstRunnableMs, budgetMs, labCallMs, rssPeakMb,
// isolateHeapPeakMb} as one JSON line. Each entry (the init phase, every invocation) is timed on its
// own, compiling excluded (it has its own limit): wall time, and wall time minus the time the
// process waited for a CPU (test/unit/runnableTime.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type ivm from 'isolated-vm';
import { InvocationBudget } from '../src/sandbox/budget';
import { compileHandler } from '../src/sandbox/compile';
import { IsolateExecutor } from '../src/sandbox/isolateExecutor';
import type { ScriptEnv } from '../src/sandbox/scriptExecutor';
import { driven } from '../test/unit/driver';
import { recordingLab } from '../test/unit/helpers';
import { stopwatch, type Lap } from '../test/unit/runnableTime';
import { context, limitAttacks } from '../test/unit/sandboxLimitAttacks';

const attack = limitAttacks[Number(process.argv[2])];
if (!attack) {
  console.log(JSON.stringify({ end: true, attacks: limitAttacks.length }));
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'limits-bench-'));
type Box = { isolate?: ivm.Isolate; reserveBytes?: number };
// The isolate's heap + external memory (the reserve, isolateExecutor.ts, is accounting, not memory
// the handler used), sampled at every lab call, after every entry and before an isolate is disposed
// of (a pure loop is seen only then; an isolate isolated-vm killed at its limit is gone already).
let heapPeak = 0;
const sampleBox = (box: Box | undefined) => {
  const i = box?.isolate;
  if (!i || i.isDisposed) return;
  try {
    const h = i.getHeapStatisticsSync();
    heapPeak = Math.max(heapPeak, h.used_heap_size + h.externally_allocated_size - (box?.reserveBytes ?? 0));
  } catch {
    // disposing
  }
};
class Sampled extends IsolateExecutor {
  sample(): void {
    for (const env of this.envs.values()) sampleBox(env.container as unknown as Box);
  }
  protected override disposeContainer(env: ScriptEnv<never>): void {
    sampleBox(env.container as unknown as Box);
    super.disposeContainer(env);
  }
}
try {
  writeFileSync(join(dir, 'attack.ts'), attack.code);
  compileHandler(join(dir, 'attack.ts'), { root: dir });
  const raw = new Sampled({ rootDir: dir });
  const recorded = recordingLab();
  const extra = attack.lab?.() ?? {};
  const lab = Object.fromEntries(Object.entries({ ...recorded.lab, ...extra }).map(([k, f]) => [k, (...a: unknown[]) => (raw.sample(), (f as (...x: unknown[]) => unknown)(...a))])) as unknown as typeof recorded.lab;
  const ex = driven(raw);
  const timeoutMs = attack.timeoutMs ?? 300;
  const outs = [];
  const laps: Lap[] = [];
  const clock = stopwatch();
  const init = ex.createEnvironment({ name: 'attack', handler: 'attack.ts', memoryMb: attack.memoryMb ?? 64, timeoutMs }, 'victim', lab);
  laps.push(clock.lap());
  raw.sample();
  if (attack.phase === 'init' || !init.ok) outs.push(init);
  else
    for (let n = 0; n < (attack.invocations ?? 1) && (n === 0 || ex.size === 1); n++) {
      clock.lap();
      outs.push(ex.invoke('victim', {}, context('victim')));
      laps.push(clock.lap());
      raw.sample();
    }
  const last = outs[outs.length - 1];
  ex.dispose();
  const budget = new InvocationBudget(Math.min(timeoutMs, 2000));
  console.log(
    JSON.stringify({
      name: attack.name,
      outcome: last.ok ? 'ok' : last.error.name,
      entries: laps.length,
      worstEntryMs: Math.round(Math.max(...laps.map((l) => l.wallMs))),
      worstRunnableMs: Math.round(Math.max(...laps.map((l) => l.runnableMs))),
      waitedMs: Math.round(laps.reduce((n, l) => n + l.waitedMs, 0)),
      budgetMs: budget.realMs,
      labCallMs: budget.labCallMs,
      rssPeakMb: Math.round(process.resourceUsage().maxRSS / 1024),
      isolateHeapPeakMb: Math.round(heapPeak / 1048576),
      limitMb: Math.max(8, Math.min(attack.memoryMb ?? 64, 256)),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
