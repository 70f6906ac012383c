// Sandbox limits (docs/sandbox-limits.md): every attack of test/unit/sandboxLimitAttacks.ts in a
// runtime-like process of its own, with that process's peak RSS, the isolate's peak heap (+ external)
// as sampled, and each entry's time (the init phase, every invocation; compiling excluded) against
// the goal of budget + 1 s: wall time, and wall time minus the time spent waiting for a CPU.
// Run: PATH=$PWD/node_modules/.bin:$PATH node --no-node-snapshot bench/run.mjs sandbox-limits
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export default async function* sandboxLimits() {
  let worstOver = -Infinity;
  let worstRunnableOver = -Infinity;
  let worstRss = 0;
  let worstHeapRatio = 0;
  let count = 0;
  let died = 0;
  for (let i = 0; ; i++) {
    let line;
    try {
      line = execFileSync(process.execPath, ['--no-node-snapshot', '-r', join(root, 'test/register.js'), join(root, 'bench/sandbox-limits.child.ts'), String(i)], { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      died++;
      yield { bench: `sandbox limit attack ${i + 1}: the process died`, value: 1, unit: 'failure', error: String(err.stderr ?? err.message).slice(-400) };
      continue;
    }
    const r = JSON.parse(line.trim().split('\n').pop());
    if (r.end) {
      count = r.attacks;
      break;
    }
    const goalMs = r.budgetMs + 1000;
    worstOver = Math.max(worstOver, r.worstEntryMs - goalMs);
    worstRunnableOver = Math.max(worstRunnableOver, r.worstRunnableMs - goalMs);
    worstRss = Math.max(worstRss, r.rssPeakMb);
    worstHeapRatio = Math.max(worstHeapRatio, r.isolateHeapPeakMb / r.limitMb);
    yield { bench: `sandbox limit attack ${i + 1}: ${r.name}`, value: r.worstEntryMs, unit: 'ms wall (worst entry)', goal: `<= ${goalMs}`, runnableMs: r.worstRunnableMs, waitedMs: r.waitedMs, entries: r.entries, outcome: r.outcome, isolatePeakMb: r.isolateHeapPeakMb, runtimeRssPeakMb: r.rssPeakMb, limitMb: r.limitMb };
  }
  yield { bench: 'sandbox limit attacks: count (test/unit/sandboxLimitAttacks.ts)', value: count, unit: 'attacks', goal: '>= 55', processesDied: died };
  yield { bench: 'sandbox limit attacks: worst entry wall time past budget + 1 s', value: worstOver, unit: 'ms', goal: '<= 0' };
  yield { bench: 'sandbox limit attacks: worst entry time past budget + 1 s, not counting waits for a CPU', value: worstRunnableOver, unit: 'ms', goal: '<= 0' };
  yield { bench: 'sandbox limit attacks: worst runtime-process peak RSS', value: worstRss, unit: 'MB' };
  yield { bench: 'sandbox limit attacks: worst sampled isolate peak (heap + ArrayBuffers) / its limit', value: Math.round(worstHeapRatio * 100) / 100, unit: 'x' };
}
