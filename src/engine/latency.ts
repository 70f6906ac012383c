/**
 * How long a service call takes, in virtual time: the round trip from a function to the service and
 * back. A handler's `await send(...)` resumes after this latency, and the effect (the message
 * accepted, the item written) happens when the call completes, so another invocation that reads in
 * the meantime does not see it yet.
 *
 * Each service has a base latency plus a seeded jitter drawn uniformly from `[0, jitterMs]` for every
 * call. The defaults are typical in-region figures from a Lambda function, from each service's
 * documentation (rounded, and on the low side — real tails are longer):
 *
 * | service | calls | base + jitter | source |
 * |---|---|---|---|
 * | table (DynamoDB) | tableGet/Put/Update/Delete | 4 + 4 ms | "single-digit millisecond performance at any scale" (DynamoDB product page) |
 * | queue (SQS) | send | 10 + 15 ms | "typical latencies for SendMessage, ReceiveMessage and DeleteMessage are in the tens or low hundreds of milliseconds" (SQS FAQ) |
 * | topic (SNS) | publish | 15 + 15 ms | Publish is a request to a regional endpoint, tens of milliseconds (SNS FAQ: delivery within milliseconds to seconds) |
 * | stream (Kafka / Kinesis) | produce | 10 + 10 ms | Kinesis PutRecord; a Kafka producer with acks=all to an in-region broker (tens of ms) |
 * | bus (EventBridge) | putEvents | 20 + 20 ms | PutEvents is an HTTPS request to the regional endpoint (tens of ms) |
 * | bucket (S3) | putObject/getObject | 25 + 25 ms | small-object requests (S3 performance guidelines: first-byte latency of tens of ms for small objects) |
 *
 * A scenario can override any service (`"latency": { "table": { "baseMs": 2, "jitterMs": 0 } }`) and
 * a function can override the scenario for its own calls (`functions[].latency`), e.g. to model a
 * function in another region. `{ "baseMs": 0, "jitterMs": 0 }` makes calls of that service complete
 * at the instant they are made (still after the handler awaits them).
 */
import { fail } from './errors';
import type { Random } from './random';
import type { ServiceCall } from './executor';

/** The services a handler calls, as the latency settings name them. */
export const LATENCY_SERVICES = ['table', 'queue', 'topic', 'stream', 'bus', 'bucket'] as const;
export type LatencyService = (typeof LATENCY_SERVICES)[number];

export interface ServiceLatency {
  /** Fixed part of every call's latency, ms (0..60000). */
  baseMs: number;
  /** Up to this much more, drawn per call from the scenario's seed, ms (0..60000). */
  jitterMs: number;
}

/** Overrides, per service: what a scenario or a function may set. */
export type LatencySettings = Partial<Record<LatencyService, Partial<ServiceLatency>>>;

export const DEFAULT_LATENCY: Readonly<Record<LatencyService, Readonly<ServiceLatency>>> = {
  table: { baseMs: 4, jitterMs: 4 },
  queue: { baseMs: 10, jitterMs: 15 },
  topic: { baseMs: 15, jitterMs: 15 },
  stream: { baseMs: 10, jitterMs: 10 },
  bus: { baseMs: 20, jitterMs: 20 },
  bucket: { baseMs: 25, jitterMs: 25 },
};

/** Which service a call goes to. */
export function serviceOf(call: ServiceCall): LatencyService {
  switch (call) {
    case 'send':
      return 'queue';
    case 'publish':
      return 'topic';
    case 'produce':
      return 'stream';
    case 'putEvents':
      return 'bus';
    case 'putObject':
    case 'getObject':
      return 'bucket';
    default:
      return 'table';
  }
}

const MAX_MS = 60_000;

/**
 * Check latency settings (a scenario's or a function's), naming the bad field under `path`.
 * Returns the settings as given (only known services, each with numbers in range).
 */
export function validateLatency(value: unknown, path: string): LatencySettings {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, `must be an object of services (${LATENCY_SERVICES.join(', ')}), got ${JSON.stringify(value)}`);
  const out: LatencySettings = {};
  for (const [service, spec] of Object.entries(value as Record<string, unknown>)) {
    if (!(LATENCY_SERVICES as readonly string[]).includes(service)) fail(`${path}.${service}`, `is not a service with a latency (one of ${LATENCY_SERVICES.join(', ')})`);
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) fail(`${path}.${service}`, `must be an object like { "baseMs": 4, "jitterMs": 4 }, got ${JSON.stringify(spec)}`);
    const entry: Partial<ServiceLatency> = {};
    for (const [field, ms] of Object.entries(spec as Record<string, unknown>)) {
      if (field !== 'baseMs' && field !== 'jitterMs') fail(`${path}.${service}.${field}`, `is not a latency setting (baseMs or jitterMs)`);
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_MS) fail(`${path}.${service}.${field}`, `must be a number of milliseconds between 0 and ${MAX_MS}, got ${JSON.stringify(ms)}`);
      entry[field] = ms;
    }
    out[service as LatencyService] = entry;
  }
  return out;
}

/** The latency of every service for one function: its own settings over the scenario's over the defaults. */
export function resolveLatency(scenario: LatencySettings | undefined, fn: LatencySettings | undefined): Record<LatencyService, ServiceLatency> {
  const out = {} as Record<LatencyService, ServiceLatency>;
  for (const service of LATENCY_SERVICES) out[service] = { ...DEFAULT_LATENCY[service], ...scenario?.[service], ...fn?.[service] };
  return out;
}

/**
 * One call's latency: the service's base plus a jitter from `random`, in whole milliseconds (as the
 * timestamps services put on messages are), so an event's time and the time a handler reads agree.
 */
export function drawLatency(latency: ServiceLatency, random: Random): number {
  if (latency.jitterMs <= 0) return Math.round(latency.baseMs);
  return Math.round(latency.baseMs + random.next() * latency.jitterMs);
}
