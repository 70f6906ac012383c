/**
 * The words a learner reads in the diagram (badge tooltips, detail panels, the journey): counter
 * names as a page would say them, values with their units (seconds, GB-s, dollars), never the
 * code's own names (`coldStarts`, `costMicroUsd`) or raw milliseconds (`t=89500ms`). Pure.
 */
const NAMES: Record<string, string> = {
  depth: 'waiting',
  inFlight: 'in flight',
  delayed: 'delayed',
  sent: 'sent',
  deleted: 'deleted',
  deduplicated: 'deduplicated',
  deadLettered: 'dead-lettered',
  expired: 'expired',
  concurrency: 'running now',
  envs: 'environments',
  warm: 'warm and idle',
  callsInFlight: 'calls in flight',
  unawaited: 'calls not awaited',
  coldStarts: 'cold starts',
  invocations: 'invocations',
  errors: 'errors',
  throttles: 'throttled',
  retries: 'retries',
  gbSeconds: 'compute billed',
  costMicroUsd: 'cost',
  published: 'published',
  delivered: 'delivered',
  retrying: 'retrying',
  failed: 'failed',
  produced: 'records',
  consumed: 'consumed',
  lag: 'consumer lag',
  stored: 'objects stored',
  reads: 'reads',
  writes: 'writes',
  overloaded: 'writes refused (over capacity)',
  requests: 'requests',
  routed: 'copies routed',
  dropped: 'dropped',
  requeued: 'requeued',
  redelivered: 'redelivered',
  filtered: 'filtered out',
};

/** A counter's learner-facing name (`coldStarts` → `cold starts`). */
export function counterName(key: string): string {
  return NAMES[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** A counter's value with its unit: `0.84 GB-s`, `$0.000012`, `3`. */
export function counterValue(key: string, value: number): string {
  if (key === 'costMicroUsd') return dollars(value / 1e6);
  if (key === 'gbSeconds') return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} GB-s`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** `name value` pairs for a tooltip or a detail line. */
export function describeCounters(counters: Record<string, number>, separator = ' · '): string {
  return Object.entries(counters)
    .map(([k, v]) => `${counterName(k)} ${counterValue(k, v)}`)
    .join(separator);
}

export function dollars(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

/** Virtual time as a learner reads it: `89.5 s`, `2 min 03.2 s`. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${+s.toFixed(3)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${(s - m * 60).toFixed(1).padStart(4, '0')} s`;
}
