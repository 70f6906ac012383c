// Sandbox limits (docs/sandbox-limits.md): every attack of test/unit/sandboxLimitAttacks.ts in a
// runtime-like process of its own, with that process's peak RSS, the isolate's peak heap (+ external)
// as sampled, and the wall time against the goal of budget + 1 s per invocation.
// Run: PATH=$PWD/node_modules/.bin:$PATH node --no-node-snapshot bench/run.mjs sandbox-limits
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export default async function* sandboxLimits() {
  let worstOver = -Infinity;
  let worstRss = 0;
  for (let i = 0; ; i++) {
    let line;
    try {
      line = execFileSync(process.execPath, ['--no-node-snapshot', '-r', join(root, 'test/register.js'), join(root, 'bench/sandbox-limits.child.ts'), String(i)], { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      yield { bench: `sandbox limit attack ${i + 1}: the process died`, value: 1, unit: 'failure', error: String(err.stderr ?? err.message).slice(-400) };
      continue;
    }
    const r = JSON.parse(line.trim().split('\n').pop());
    if (r.end) break;
    const goalMs = r.invocations * (r.budgetMs + 1000);
    worstOver = Math.max(worstOver, r.wallMs - goalMs);
    worstRss = Math.max(worstRss, r.rssPeakMb);
    yield { bench: `sandbox limit attack ${i + 1}: ${r.name}`, value: r.wallMs, unit: 'ms wall', goal: `<= ${goalMs}`, outcome: r.outcome, isolatePeakMb: r.isolateHeapPeakMb, runtimeRssPeakMb: r.rssPeakMb, limitMb: r.limitMb };
  }
  yield { bench: 'sandbox limit attacks: worst wall time past budget + 1 s', value: worstOver, unit: 'ms', goal: '<= 0' };
  yield { bench: 'sandbox limit attacks: worst runtime-process peak RSS', value: worstRss, unit: 'MB' };
}
