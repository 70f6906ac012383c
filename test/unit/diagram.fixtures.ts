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
