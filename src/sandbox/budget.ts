/**
 * The real-time budget of one invocation (or of an environment's init phase) in a container, and
 * the bound on the host work its lab calls can cause (docs/sandbox-limits.md).
 *
 * isolated-vm's `timeout` counts only time inside the isolate: its timer is paused while a
 * synchronous host callback runs (measured: 30 callbacks of 100 ms under a 1 s timeout ran 3 s;
 * callbacks in an endless loop never time out). So the executor counts wall time itself:
 * - every entry into the container (the invoke, each answer it awaited) gets the invocation's
 *   *remaining* wall budget as isolated-vm's timeout, and the wall time it took is spent from it;
 * - every lab call checks on entry, before doing anything with its arguments, that the budget is
 *   not spent — wall time inside the container so far, host calls included — and that the time
 *   spent in lab calls is under `labCallMs` (half the budget, at most 1 s). Either one ends the
 *   invocation with the timeout.
 * Why the second bound: isolated-vm's timer cannot be shortened once an entry started, so after
 * lab calls took H ms the code can still run up to the full budget inside the isolate. Capping H
 * keeps every invocation under its budget + `labCallMs` of wall time.
 * - the bytes of arguments one invocation passes to lab calls are capped too (`maxCallBytes`), so
 *   the host work and the memory a handler can cause in the engine stay bounded.
 */
import { performance } from 'node:perf_hooks';

/** Most wall time an invocation may spend in lab calls, ms (or half its budget, when smaller). */
export const LAB_CALL_MS = 1000;
/** Most characters of JSON arguments one invocation may pass to lab calls in all. */
export const MAX_CALL_BYTES_PER_INVOCATION = 32 * 1_048_576;

export type BudgetVerdict = { ok: true } | { ok: false; why: 'time' | 'labCalls' | 'bytes'; message: string };

export class InvocationBudget {
  /** Wall time spent in earlier entries of this invocation, ms. */
  private spentMs = 0;
  /** Wall time spent in lab calls during this invocation, ms. */
  private labMs = 0;
  private bytes = 0;
  private calls = 0;
  /** When the current entry started (performance.now()), or undefined between entries. */
  private entryStart: number | undefined;
  private callStart: number | undefined;
  readonly labCallMs: number;

  constructor(
    readonly realMs: number,
    readonly maxCallBytes: number = MAX_CALL_BYTES_PER_INVOCATION,
  ) {
    this.labCallMs = Math.max(1, Math.min(LAB_CALL_MS, Math.floor(realMs / 2)));
  }

  /** A new invocation (or the init phase): the whole budget again. */
  reset(): void {
    this.spentMs = 0;
    this.labMs = 0;
    this.bytes = 0;
    this.calls = 0;
  }

  /** An entry starts: the timeout to give isolated-vm (the remaining budget, ≥ 1 ms). */
  enter(): number {
    this.entryStart = performance.now();
    return Math.max(1, Math.ceil(this.realMs - this.spentMs));
  }

  leave(): void {
    if (this.entryStart !== undefined) this.spentMs += performance.now() - this.entryStart;
    this.entryStart = undefined;
  }

  /** Wall time of this invocation inside the container so far, ms. */
  elapsedMs(): number {
    return this.spentMs + (this.entryStart !== undefined ? performance.now() - this.entryStart : 0);
  }

  get labCallTimeMs(): number {
    return this.labMs;
  }

  get labCalls(): number {
    return this.calls;
  }

  /** A lab call starts with `chars` characters of arguments: may it run? (Nothing is copied or parsed before this.) */
  beginCall(chars: number): BudgetVerdict {
    this.calls++;
    const elapsed = this.elapsedMs();
    if (elapsed >= this.realMs) return { ok: false, why: 'time', message: `its real-time budget of ${this.realMs} ms was spent (${Math.round(elapsed)} ms, ${Math.round(this.labMs)} ms of it in ${this.calls - 1} lab calls)` };
    if (this.labMs >= this.labCallMs) return { ok: false, why: 'labCalls', message: `it spent more than ${this.labCallMs} ms of real time in lab calls (${this.calls - 1} calls)` };
    if (this.bytes + chars > this.maxCallBytes) {
      return { ok: false, why: 'bytes', message: `its lab calls passed more than ${Math.round(this.maxCallBytes / 1_048_576)} MB of arguments (the lab bounds what one invocation can hand to services)` };
    }
    this.bytes += chars;
    this.callStart = performance.now();
    return { ok: true };
  }

  endCall(): void {
    if (this.callStart !== undefined) this.labMs += performance.now() - this.callStart;
    this.callStart = undefined;
  }
}
