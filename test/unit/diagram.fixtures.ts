import type { TraceRecord } from '../../src/engine/trace';

/** Trace records for the diagram tests: `r(t, kind, resource, id?, cause?, detail?)`, numbered in order. */
export function recorder(): (t: number, kind: TraceRecord['kind'], resource: string, id?: string, cause?: string, detail?: Record<string, unknown>) => TraceRecord {
  let seq = 0;
  return (t, kind, resource, id, cause, detail) => {
    const rec: TraceRecord = { seq: ++seq, t, kind, resource };
    if (id !== undefined) rec.id = id;
    if (cause !== undefined) rec.cause = cause;
    if (detail !== undefined) rec.detail = detail;
    return rec;
  };
}

/**
 * Every `function → resource` pair a run's handlers called, read from the run's own `call` records
 * (each names its function and its target): what the diagram must connect, found independently of
 * the survey that draws it.
 */
export function calledInRun(records: readonly TraceRecord[]): Array<[from: string, to: string, call: string]> {
  const pairs = new Map<string, [string, string, string]>();
  for (const r of records) {
    if (r.kind !== 'call' || typeof r.detail?.target !== 'string' || r.detail.target === r.resource) continue;
    const key = `${r.resource}→${r.detail.target}`;
    if (!pairs.has(key)) pairs.set(key, [r.resource, r.detail.target, String(r.detail.call)]);
  }
  return [...pairs.values()];
}
