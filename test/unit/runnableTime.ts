// Wall time that does not count the time the machine kept this process off the CPU (no describe
// blocks here). The sandbox's budgets are wall time (isolated-vm's timer and budget.ts both read a
// steady clock), so on a busy machine a handler still stops at its budget; what a loaded machine
// stretches is the host's own work around it (creating and disposing of an isolate, decoding the
// outcome). A test asserting "ends within its budget + 1 s" therefore measures wall time minus the
// time the main thread — which runs the isolates: every call into one is synchronous — spent
// runnable but waiting for a CPU (Linux: /proc/self/schedstat, field 2). Elsewhere it is plain wall time.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Nanoseconds the main thread has waited on a run queue, or undefined where the kernel does not say. */
function waitedNs(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/schedstat', 'utf8').trim().split(/\s+/);
    const n = Number(fields[1]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

export interface Lap {
  /** Wall time, ms. */
  wallMs: number;
  /** Of it, time spent waiting for a CPU, ms (0 where unknown). */
  waitedMs: number;
  /** wallMs − waitedMs: what the code took with a CPU of its own. */
  runnableMs: number;
}

/** A stopwatch: every `lap()` is the time since the previous one (or since it started). */
export function stopwatch(): { lap: () => Lap } {
  let wall = performance.now();
  let waited = waitedNs();
  return {
    lap: () => {
      const nowWall = performance.now();
      const nowWaited = waitedNs();
      const waitedMs = waited !== undefined && nowWaited !== undefined ? (nowWaited - waited) / 1e6 : 0;
      const wallMs = nowWall - wall;
      wall = nowWall;
      waited = nowWaited;
      return { wallMs, waitedMs, runnableMs: Math.max(0, wallMs - waitedMs) };
    },
  };
}

export function describeLap(l: Lap): string {
  return `${Math.round(l.runnableMs)} ms (${Math.round(l.wallMs)} ms of wall time, ${Math.round(l.waitedMs)} ms of it waiting for a CPU)`;
}
