// One attack of test/unit/sandboxLimitAttacks.ts in a process of its own (bench/sandbox-limits.bench.mjs):
// prints {name, outcome, wallMs, budgetMs, rssPeakMb, isolateHeapPeakMb} as one JSON line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ivm from 'isolated-vm';
import { IsolateExecutor } from '../src/sandbox/isolateExecutor';
import { driven } from '../test/unit/driver';
import { recordingLab } from '../test/unit/helpers';
import { context, limitAttacks } from '../test/unit/sandboxLimitAttacks';

const attack = limitAttacks[Number(process.argv[2])];
if (!attack) {
  console.log(JSON.stringify({ end: true }));
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'limits-bench-'));
// The isolate's heap + external memory, sampled at every lab call and after every entry.
let heapPeak = 0;
let raw: IsolateExecutor | undefined;
const sample = () => {
  const envs = (raw as unknown as { envs: Map<string, { container?: { isolate?: ivm.Isolate; reserveBytes?: number } }> } | undefined)?.envs;
  for (const env of envs?.values() ?? []) {
    const i = env.container?.isolate;
    // The reserve (isolateExecutor.ts) is accounting, not memory the handler used.
    const reserve = env.container?.reserveBytes ?? 0;
    if (!i || i.isDisposed) continue;
    try {
      const h = i.getHeapStatisticsSync();
      heapPeak = Math.max(heapPeak, h.used_heap_size + h.externally_allocated_size - reserve);
    } catch {
      // disposing
    }
  }
};
try {
  writeFileSync(join(dir, 'attack.ts'), attack.code);
  const recorded = recordingLab();
  const extra = attack.lab?.() ?? {};
  // Every lab call samples the isolate's heap (a pure loop is seen only after its entry ends).
  const lab = Object.fromEntries(Object.entries({ ...recorded.lab, ...extra }).map(([k, f]) => [k, (...a: unknown[]) => (sample(), (f as (...x: unknown[]) => unknown)(...a))])) as unknown as typeof recorded.lab;
  raw = new IsolateExecutor({ rootDir: dir });
  const ex = driven(raw);
  const timeoutMs = attack.timeoutMs ?? 300;
  const t0 = performance.now();
  const outs = [];
  const init = ex.createEnvironment({ name: 'attack', handler: 'attack.ts', memoryMb: attack.memoryMb ?? 64, timeoutMs }, 'victim', lab);
  sample();
  if (attack.phase === 'init' || !init.ok) outs.push(init);
  else
    for (let n = 0; n < (attack.invocations ?? 1) && (n === 0 || ex.size === 1); n++) {
      outs.push(ex.invoke('victim', {}, context('victim')));
      sample();
    }
  const wallMs = performance.now() - t0;
  const last = outs[outs.length - 1];
  ex.dispose();
  console.log(
    JSON.stringify({
      name: attack.name,
      outcome: last.ok ? 'ok' : last.error.name,
      invocations: outs.length,
      wallMs: Math.round(wallMs),
      budgetMs: Math.min(timeoutMs, 2000),
      rssPeakMb: Math.round(process.resourceUsage().maxRSS / 1024),
      isolateHeapPeakMb: Math.round(heapPeak / 1048576),
      limitMb: Math.min(attack.memoryMb ?? 64, 256),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
