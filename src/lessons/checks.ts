/**
 * What a lesson's checks see. Checks judge BEHAVIOUR, from the trace and the final state of the
 * simulated resources — never the learner's source text. Every verdict says what was expected, what
 * happened, and (on failure) a hint.
 *
 * A lesson's `checks.js` is a CommonJS module: `module.exports = [{ id, title, hint, run(r) }]`.
 */
import type { Simulation, Summary } from '../engine/simulation';
import type { TraceKind, TraceRecord } from '../engine/trace';

export interface Verdict {
  pass: boolean;
  /** What the check wanted, in words and numbers ("≤ 10 writes/s"). */
  expected: string;
  /** What the run did ("peaked at 37 writes/s at 00:12"). */
  actual: string;
  /** One sentence explaining the failure (defaults to the check's title). */
  message?: string;
}

export interface LessonCheck {
  id: string;
  title: string;
  /** Shown with a failure: the nudge, not the answer. */
  hint: string;
  /**
   * Anchor of the page section that explains the rule this check judges (the heading's slug, as
   * `headingAnchor` makes it: "## Deduplication: exactly-once sending" → "deduplication-exactly-once-sending").
   * A failure links there, in the editor and in the CLI.
   */
  section: string;
  run(r: RunView): Verdict;
}

/** The anchor of a markdown heading: lower case, letters/digits/spaces/hyphens kept, spaces → '-'. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_~]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s+/g, '-');
}

/** Every heading anchor of a markdown page (duplicates get -1, -2, … as renderers do). */
export function pageAnchors(markdown: string): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = headingAnchor(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** A message accepted by a queue (or a topic publish), with its body as sent and parsed when JSON. */
export interface SentMessage {
  id: string;
  t: number;
  /** What caused the send: usually the id of the invocation that made it. */
  cause?: string;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  value: unknown;
  groupId?: string;
  /** FIFO queues: the deduplication id the send carried (or the body's hash with content-based deduplication). */
  deduplicationId?: string;
  attributes?: Record<string, string | number>;
}

/** A send a FIFO queue dropped because its deduplication id was seen in the last 5 minutes. */
export interface DroppedSend {
  t: number;
  /** The invocation (or other cause) that made the dropped send. */
  cause?: string;
  /** The message that was kept, whose id the producer got back. */
  firstMessageId: string;
  deduplicationId: string;
  groupId?: string;
  body: string;
  value: unknown;
}

/** One invocation of a function, from the trace. */
export interface Invocation {
  id: string;
  t: number;
  /** What caused it (a request id, a comma-separated list of message ids, a publish id, …). */
  cause?: string;
  env: string;
  coldStart: boolean;
  outcome: 'succeeded' | 'failed' | 'timed-out' | 'running';
  end?: number;
  /** What the handler returned (succeeded invocations). */
  returned?: unknown;
  error?: string;
  /** Why the platform could not use the answer (e.g. a malformed batchItemFailures), when it could not. */
  rejected?: string;
}

/** One request a traffic generator made, with the payload it rendered. */
export interface TrafficRequest {
  id: string;
  t: number;
  seq: number;
  /** The payload as the generator rendered it (its JSON cut at 2,048 characters when longer). */
  payload: unknown;
}

/** Calls a handler did not await (see RunView.unawaited). */
export interface UnawaitedCalls {
  count: number;
  /** Of those, how many never completed. */
  neverDone: number;
  /** The source line of the first one, when known. */
  line?: number;
}

/** One HTTP request through a gateway and its answer. */
export interface Exchange {
  id: string;
  t: number;
  method: string;
  path: string;
  /** The request's body, as the client sent it (cut at 2,048 characters). */
  requestBody?: string;
  status?: number;
  /** Response headers, names lower-cased (HTTP header names are case-insensitive). */
  headers: Record<string, string>;
  body?: string;
  /** Which function or backend served it, when a route matched. */
  target?: string;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Read-only view of one finished run, handed to every check. */
export class RunView {
  readonly summary: Summary;
  readonly records: TraceRecord[];

  constructor(readonly sim: Simulation) {
    this.summary = sim.summary();
    this.records = sim.records();
  }

  /** Records of a kind (and resource, when given). */
  where(kind: TraceKind, resource?: string): TraceRecord[] {
    return this.records.filter((r) => r.kind === kind && (resource === undefined || r.resource === resource));
  }

  count(kind: TraceKind, resource?: string): number {
    return this.sim.ctx.trace.count(kind, resource);
  }

  /** Everything handlers logged (console.log / log()), optionally for one function, as strings. */
  logs(fn?: string): string[] {
    return this.where('log', fn).map((r) => {
      const args = (r.detail?.args as unknown[] | undefined) ?? [];
      return args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    });
  }

  /** Messages `queue` accepted, in order, with their bodies (redriven copies included, marked by their cause). */
  sent(queue: string): SentMessage[] {
    return this.where('sent', queue).map((r) => {
      const body = String(r.detail?.body ?? '');
      const m: SentMessage = { id: String(r.id), t: r.t, body, value: parseJson(body) };
      if (r.cause !== undefined) m.cause = r.cause;
      if (typeof r.detail?.groupId === 'string') m.groupId = r.detail.groupId;
      if (typeof r.detail?.deduplicationId === 'string') m.deduplicationId = r.detail.deduplicationId;
      return m;
    });
  }

  /** Sends `queue` dropped as duplicates, each with the first message's id. */
  dropped(queue: string): DroppedSend[] {
    return this.where('deduplicated', queue).map((r) => {
      const body = String(r.detail?.body ?? '');
      const d: DroppedSend = { t: r.t, firstMessageId: String(r.detail?.firstMessageId ?? r.id), deduplicationId: String(r.detail?.deduplicationId ?? ''), body, value: parseJson(body) };
      if (r.cause !== undefined) d.cause = r.cause;
      if (typeof r.detail?.groupId === 'string') d.groupId = r.detail.groupId;
      return d;
    });
  }

  /** Messages published to a topic, with their bodies and attributes. */
  published(topic: string): SentMessage[] {
    return this.where('published', topic).map((r) => {
      const body = String(r.detail?.body ?? '');
      const m: SentMessage = { id: String(r.id), t: r.t, body, value: parseJson(body) };
      if (r.cause !== undefined) m.cause = r.cause;
      if (r.detail?.attributes && typeof r.detail.attributes === 'object') m.attributes = r.detail.attributes as Record<string, string | number>;
      return m;
    });
  }

  /** The requests a traffic generator made, in order, each with its payload. */
  requests(generator: string): TrafficRequest[] {
    return this.where('request', generator).map((r) => ({ id: String(r.id), t: r.t, seq: Number(r.detail?.seq ?? 0), payload: r.detail?.payload }));
  }

  /** Every invocation of a function, with how it ended, what it returned and whether its answer was rejected. */
  invocations(fn: string): Invocation[] {
    const byId = new Map<string, Invocation>();
    const out: Invocation[] = [];
    for (const r of this.records) {
      if (r.resource !== fn || r.id === undefined) continue;
      if (r.kind === 'invoked') {
        const inv: Invocation = { id: r.id, t: r.t, env: String(r.detail?.env ?? ''), coldStart: r.detail?.coldStart === true, outcome: 'running' };
        if (r.cause !== undefined) inv.cause = r.cause;
        byId.set(r.id, inv);
        out.push(inv);
        continue;
      }
      const inv = byId.get(r.id);
      if (!inv) continue;
      if (r.kind === 'succeeded' || r.kind === 'failed' || r.kind === 'timed-out') {
        inv.outcome = r.kind;
        inv.end = r.t;
        if (r.kind === 'succeeded' && r.detail && 'returned' in r.detail) inv.returned = r.detail.returned;
        if (r.kind !== 'succeeded') inv.error = String(r.detail?.error ?? r.cause ?? r.kind);
      } else if (r.kind === 'response-rejected') inv.rejected = String(r.detail?.reason ?? 'the answer could not be used');
    }
    return out;
  }

  /**
   * The calls a function's handlers did not await (optionally one kind of call, or one target): how
   * many, the first one's source line, and how many never completed (frozen until the run ended, or
   * abandoned with their environment).
   */
  unawaited(fn: string, filter: { call?: string; target?: string } = {}): UnawaitedCalls {
    const pending = this.where('call-pending', fn).filter((c) => (filter.call === undefined || c.detail?.call === filter.call) && (filter.target === undefined || c.detail?.target === filter.target));
    const done = new Set(this.where('call-done', fn).map((c) => `${String(c.detail?.env)}#${String(c.detail?.callId)}`));
    const out: UnawaitedCalls = { count: pending.length, neverDone: pending.filter((c) => !done.has(`${String(c.detail?.env)}#${String(c.detail?.callId)}`)).length };
    const line = (pending[0]?.detail?.location as { line?: unknown } | undefined)?.line;
    if (typeof line === 'number') out.line = line;
    return out;
  }

  /** Every request through a gateway with its answer (headers lower-cased). */
  exchanges(gateway: string): Exchange[] {
    const answers = new Map<string, TraceRecord>();
    const routes = new Map<string, string>();
    for (const r of this.records) {
      if (r.resource !== gateway || r.id === undefined) continue;
      if (r.kind === 'responded') answers.set(r.id, r);
      else if (r.kind === 'routed') routes.set(r.id, String(r.detail?.target ?? ''));
    }
    return this.where('request', gateway).map((r) => {
      const a = answers.get(String(r.id));
      const x: Exchange = { id: String(r.id), t: r.t, method: String(r.detail?.method ?? ''), path: String(r.detail?.path ?? ''), headers: lowerCaseHeaders(a?.detail?.headers) };
      if (typeof r.detail?.body === 'string') x.requestBody = r.detail.body;
      if (a) x.status = Number(a.detail?.statusCode);
      if (typeof a?.detail?.body === 'string') x.body = a.detail.body;
      const target = routes.get(String(r.id));
      if (target) x.target = target;
      return x;
    });
  }

  /** A header of a response, whatever the case of its name (HTTP header names are case-insensitive). */
  header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
    return lowerCaseHeaders(headers)[name.toLowerCase()];
  }

  /** All items of a table. */
  table(name: string): Record<string, unknown>[] {
    const t = this.sim.tables.get(name);
    if (!t) throw new Error(`check error: no table "${name}" in the scenario`);
    return t.scan();
  }
}

/** `1h 02m 03.004s`-style virtual time for messages. */
export function formatTime(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${+s.toFixed(3)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${+(s - m * 60).toFixed(1)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === null || typeof headers !== 'object') return out;
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) out[k.toLowerCase()] = String(v);
  return out;
}
