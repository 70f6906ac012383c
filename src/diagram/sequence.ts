/**
 * One message's journey → a Mermaid sequence diagram.
 *
 * Starting from one message id, the journey takes every record about that id and, following `cause`
 * links forward, every record about the messages and invocations it caused (a function invoked by
 * the message, the message that function sent, the invocation that message triggered, …). A record
 * that arrives at a resource because of a message last seen elsewhere is drawn as an arrow between
 * the two resources; everything else (received, deleted, retried, a cold start, …) is a note over the
 * resource where it happened.
 *
 * Time inside an invocation is drawn too. An invocation is an activation span on its function's
 * lifeline, from `invoked` to `succeeded` / `failed` / `timed-out`; each service call it made is a
 * request arrow at the instant it started (`call`) and an answer arrow at the instant it completed,
 * labelled with its effect (`read`, `written`, `sent`, …: the effect happens when the call completes).
 * A call the handler did not await is an open arrow, noted when the handler returned without it
 * (`call-pending`); a call that never completed is a note across both lifelines (`call-abandoned`).
 * So that a race shows, **other invocations** that touched the same table key, object or queue while
 * one of the journey's invocations was running are drawn with their calls to it: two reads before
 * two writes are visible as such. When one function has several environments in the picture, each
 * environment gets its own lifeline (calls of one environment never overlap in its code; those of
 * two do).
 *
 * The diagram is bounded: at most `maxSteps` records, `maxParticipants` lifelines and `maxOthers`
 * other invocations; what was left out is said in a final note.
 */
import type { TraceRecord } from '../engine/trace';
import { causeIds } from './overlay';
import { seconds } from './words';
import { escapeLabel } from './mermaid';

export interface SequenceOptions {
  /** Most records drawn; the rest are summarised in a final note. Default 150. */
  maxSteps?: number;
  /** Most lifelines; records needing more are left out (and counted). Default 12. */
  maxParticipants?: number;
  /** Most other invocations drawn because they touched what the journey's invocations touched. Default 4. */
  maxOthers?: number;
}

const ARRIVALS = new Set<string>(['sent', 'published', 'produced', 'invoked', 'throttled', 'stored', 'written', 'request']);
const CALL_KINDS = new Set<string>(['call', 'call-done', 'call-pending', 'call-abandoned']);
const ENDS = new Set<string>(['succeeded', 'failed', 'timed-out']);
/** Records about a table item or a read: their id is a key, not a message that goes anywhere. */
const KEY_RECORDS = new Set<string>(['read', 'written', 'overloaded']);

/** One service call of an invocation, as its records tell it. */
export interface TracedCall {
  fn: string;
  env: string;
  /** The invocation that made it (its request id; the environment id for a call of an init without one). */
  requestId: string;
  callId: number;
  call: string;
  target: string;
  /** The table key or object key it concerned, when the records say. */
  key?: string;
  start: TraceRecord;
  /** The service's record of the call's effect (`read`, `written`, `sent`, …), at completion. */
  effect?: TraceRecord;
  done?: TraceRecord;
  pending?: TraceRecord;
  abandoned?: TraceRecord;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Every service call in `records`, with the records of its start, effect, completion, and whether it
 * was left pending or abandoned. The effect is the record the service made for the calling
 * invocation, at the target, right before the call's `call-done` (a call's effect and its completion
 * happen at one virtual instant, one call at a time).
 */
export function tracedCalls(records: readonly TraceRecord[]): TracedCall[] {
  const out: TracedCall[] = [];
  const open = new Map<string, TracedCall>();
  const recent = new Map<string, TraceRecord>();
  for (const r of records) {
    const d = r.detail;
    if (CALL_KINDS.has(r.kind)) {
      const env = str(d?.env);
      const callId = d?.callId;
      if (env === undefined || typeof callId !== 'number') continue;
      const k = `${env}#${callId}`;
      if (r.kind === 'call') {
        const target = str(d?.target) ?? '?';
        const c: TracedCall = { fn: r.resource, env, requestId: r.id ?? env, callId, call: str(d?.call) ?? 'call', target, start: r };
        const key = str(d?.key);
        if (key !== undefined) c.key = key;
        open.set(k, c);
        out.push(c);
        continue;
      }
      const c = open.get(k);
      if (!c) continue;
      if (r.kind === 'call-pending') c.pending = r;
      else if (r.kind === 'call-abandoned') {
        c.abandoned = r;
        open.delete(k);
      } else {
        c.done = r;
        open.delete(k);
        const slot = `${c.requestId}\u0000${c.target}`;
        const e = recent.get(slot);
        if (e && e.seq > c.start.seq && e.t === r.t) {
          c.effect = e;
          if (c.key === undefined && c.call.startsWith('table') && e.id !== undefined) c.key = e.id;
        }
        recent.delete(slot);
      }
      continue;
    }
    if (r.cause !== undefined && !r.cause.includes(',')) recent.set(`${r.cause}\u0000${r.resource}`, r);
  }
  return out;
}

/** Resources that are tables: written to, or the target of a table call. */
function tableNames(records: readonly TraceRecord[]): Set<string> {
  const out = new Set<string>();
  for (const r of records) {
    if (r.kind === 'written' || r.kind === 'overloaded') out.add(r.resource);
    else if (r.kind === 'call' && str(r.detail?.call)?.startsWith('table')) {
      const t = str(r.detail?.target);
      if (t !== undefined) out.add(t);
    }
  }
  return out;
}

/** Records that begin a synchronous request: a client's or a gateway's request, an invocation. */
const REQUEST_STARTS = new Set<string>(['request', 'invoked']);

/**
 * The request a journey belongs to. A gateway's request, the function invocation it routed to and
 * the client request that sent it have ids of their own (`req-35` at the gateway, `req-36` at the
 * function); clicking any of them is the same request, so the journey starts at the first of them:
 * from an invocation or a request back through the requests that caused it, one cause at a time.
 * It never goes back through a message (an invocation for a queue's batch, a topic's delivery): those
 * are journeys of their own.
 */
export function journeyRoot(records: readonly TraceRecord[], id: string): string {
  /** Each id's first request-start record: the one cause it had, and whether it is a request. */
  const start = new Map<string, { cause: string | undefined; request: boolean }>();
  for (const r of records) {
    if (r.id === undefined || !REQUEST_STARTS.has(r.kind) || start.has(r.id)) continue;
    const single = r.cause !== undefined && !r.cause.includes(',') && !r.cause.includes('..');
    start.set(r.id, { cause: single ? r.cause : undefined, request: r.kind === 'request' });
  }
  let current = id;
  const seen = new Set<string>([id]);
  for (;;) {
    const up = start.get(current)?.cause;
    // Only a cause that is itself a request joins the journey (not a message, an object, or the
    // invocation before an async destination).
    if (up === undefined || seen.has(up) || start.get(up)?.request !== true) return current;
    seen.add(up);
    current = up;
  }
}

/**
 * The records of one message's journey, in trace order: its own records and those of everything it
 * caused. A table item's key is not followed (another invocation's later write of the same key is
 * not part of this message's journey).
 */
export function journeyRecords(records: readonly TraceRecord[], messageId: string): TraceRecord[] {
  const tables = tableNames(records);
  const family = new Set<string>([journeyRoot(records, messageId)]);
  const out: TraceRecord[] = [];
  for (const r of records) {
    const mine = r.id !== undefined && family.has(r.id);
    const caused = r.cause !== undefined && causeIds(r.cause).some((c) => family.has(c));
    if (!mine && !caused) continue;
    if (caused && r.id !== undefined && r.kind !== 'env-destroyed' && !KEY_RECORDS.has(r.kind) && !tables.has(r.resource)) family.add(r.id);
    out.push(r);
  }
  return out;
}

/** The details a journey's notes say, in the learner's words (never the record's field names). */
const DETAIL_WORDS: ReadonlyArray<readonly [string, (v: string | number | boolean) => string]> = [
  ['partition', (v) => `partition ${v}`],
  ['offset', (v) => `offset ${v}`],
  ['receiveCount', (v) => `receive count ${v}`],
  ['attempt', (v) => `attempt ${v}`],
  ['found', (v) => (v === false ? 'not found' : 'found')],
  ['op', (v) => String(v)],
  ['durationMs', (v) => (typeof v === 'number' ? `took ${seconds(v)}` : `took ${v}`)],
  ['statusCode', (v) => `status ${v}`],
  ['error', (v) => String(v)],
  ['reason', (v) => String(v)],
  ['endpoint', (v) => `to ${v}`],
  ['deadLetterQueue', (v) => `to ${v}`],
];

/** `received m1 (receive count 1)`: a record's kind, its id, then its details in words. */
function describe(r: TraceRecord): string {
  const d = r.detail ?? {};
  const name = r.id !== undefined ? `${r.kind} ${r.id}` : r.kind;
  if (r.kind === 'log' && Array.isArray(d.args)) return `log: ${d.args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`;
  const bits: string[] = [];
  for (const [key, say] of DETAIL_WORDS) {
    const v = d[key];
    if (v !== undefined && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) bits.push(say(v));
  }
  if (d.coldStart === true) bits.push('cold start');
  return bits.length ? `${name} (${bits.join(', ')})` : name;
}

/** A call's effect as its answer arrow says it: `read c (not found)`, `written c (put)`, `sent m-7`. */
function effectText(r: TraceRecord): string {
  const d = r.detail ?? {};
  const id = r.id ?? '';
  if (r.kind === 'read') return `read ${id}${d.found === false ? ' (not found)' : ''}`.replace('  ', ' ');
  if (r.kind === 'written') return `written ${id}${typeof d.op === 'string' ? ` (${d.op})` : ''}`;
  if (r.kind === 'failed') return `failed ${id}${typeof d.reason === 'string' ? ` (${d.reason})` : ''}`;
  return describe(r);
}

/** `tableGet c`, `send`, `putObject a.jpg`: a call as an arrow's label names it. */
function callName(c: TracedCall): string {
  return c.key !== undefined ? `${c.call} ${c.key}` : c.call;
}

function where(loc: unknown): string {
  if (typeof loc !== 'object' || loc === null) return '';
  const { file, line } = loc as { file?: unknown; line?: unknown };
  if (typeof file !== 'string') return '';
  return ` (${file.split(/[\\/]/).pop()}${typeof line === 'number' ? `:${line}` : ''})`;
}

/** An invocation drawn in the diagram: when it ran. */
interface Span {
  start: number;
  end: number;
}

/** What a call touched, for finding the other invocations that touched it too. */
function touchKey(c: TracedCall, tables: ReadonlySet<string>): string | undefined {
  if (c.key !== undefined) return `${c.target}\u0000${c.key}`;
  // A table call whose key the records do not tell (it never completed) matches nothing.
  if (tables.has(c.target) || c.call.startsWith('table') || c.call === 'getObject' || c.call === 'putObject') return undefined;
  return `${c.target}\u0000`;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function callEnd(c: TracedCall): number {
  return (c.done ?? c.abandoned)?.t ?? Number.POSITIVE_INFINITY;
}

/** A Mermaid `sequenceDiagram` of one message's hops, its invocations' calls and the calls that raced them (ids and names escaped). */
export function journeyToSequence(records: readonly TraceRecord[], messageId: string, options: SequenceOptions = {}): string {
  const maxSteps = options.maxSteps ?? 150;
  const maxParticipants = options.maxParticipants ?? 12;
  const maxOthers = options.maxOthers ?? 4;
  for (const [name, v, min] of [['maxSteps', maxSteps, 1], ['maxParticipants', maxParticipants, 2], ['maxOthers', maxOthers, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  const journey = journeyRecords(records, messageId);
  const head: string[] = ['sequenceDiagram', '  autonumber'];
  if (journey.length === 0) {
    head.push(`  participant P0 as ${escapeLabel(messageId)}`);
    head.push(`  Note over P0: no records for this id`);
    return head.join('\n') + '\n';
  }

  // The journey's invocations and when they ran.
  const inJourney = new Set<TraceRecord>(journey);
  const spans = new Map<string, Span>();
  for (const r of journey) {
    if (r.kind === 'invoked' && r.id !== undefined) spans.set(r.id, { start: r.t, end: Number.POSITIVE_INFINITY });
    else if (ENDS.has(r.kind) && r.id !== undefined) {
      const s = spans.get(r.id);
      if (s && s.end === Number.POSITIVE_INFINITY) s.end = r.t;
    }
  }

  // Other invocations' calls to what the journey's invocations touched, while they ran.
  const tables = tableNames(records);
  const calls = tracedCalls(records);
  const callOf = new Map<TraceRecord, TracedCall>();
  for (const c of calls) for (const r of [c.start, c.effect, c.done, c.pending, c.abandoned]) if (r) callOf.set(r, c);
  const touched = new Map<string, Span[]>();
  for (const c of calls) {
    const span = spans.get(c.requestId);
    const k = span && inJourney.has(c.start) ? touchKey(c, tables) : undefined;
    if (k === undefined || !span) continue;
    let list = touched.get(k);
    if (!list) touched.set(k, (list = []));
    list.push(span);
  }
  // Candidates, by invocation: those that touched a table key or an object first, then the rest, in trace order.
  const candidates = new Map<string, { keyed: boolean; calls: TracedCall[] }>();
  for (const c of calls) {
    if (spans.has(c.requestId) || inJourney.has(c.start)) continue;
    const k = touchKey(c, tables);
    const overlaps = k !== undefined && (touched.get(k) ?? []).some((s) => c.start.t <= s.end && callEnd(c) >= s.start);
    if (!overlaps) continue;
    let e = candidates.get(c.requestId);
    if (!e) candidates.set(c.requestId, (e = { keyed: false, calls: [] }));
    e.calls.push(c);
    if (c.key !== undefined) e.keyed = true;
  }
  const ranked = [...candidates].sort((a, b) => Number(b[1].keyed) - Number(a[1].keyed));
  const chosen = ranked.slice(0, maxOthers);
  const skippedOthers = ranked.length - chosen.length;
  const extra = new Set<TraceRecord>();
  const contending = new Set<TracedCall>();
  for (const [, e] of chosen) {
    for (const c of e.calls) {
      contending.add(c);
      for (const r of [c.start, c.effect, c.done, c.pending, c.abandoned]) if (r) extra.add(r);
    }
  }
  // An other invocation's span: from its `invoked` (or, when that was before the journey began, its first record drawn) to its end.
  const otherSpans = new Map<string, { invoked?: TraceRecord; end?: TraceRecord }>(chosen.map(([id]) => [id, {}]));
  const journeyStart = journey[0].t;
  if (otherSpans.size) {
    for (const r of records) {
      const o = r.id !== undefined ? otherSpans.get(r.id) : undefined;
      if (!o) continue;
      if (r.kind === 'invoked') o.invoked = r;
      else if (ENDS.has(r.kind) && r.detail?.env !== undefined && !o.end) o.end = r;
      else continue;
      if (r.t >= journeyStart) extra.add(r);
    }
  }
  const drawnRecords = extra.size ? records.filter((r) => inJourney.has(r) || extra.has(r)) : journey;

  // Lifelines: one per resource; a function with several environments in the picture gets one per environment.
  const envsOf = new Map<string, Set<string>>();
  for (const r of drawnRecords) {
    const env = r.kind === 'env-destroyed' ? r.id : str(r.detail?.env);
    if (env === undefined || (r.kind !== 'invoked' && !CALL_KINDS.has(r.kind) && !ENDS.has(r.kind) && r.kind !== 'cold-start' && r.kind !== 'log' && r.kind !== 'env-destroyed')) continue;
    let s = envsOf.get(r.resource);
    if (!s) envsOf.set(r.resource, (s = new Set()));
    s.add(env);
  }
  /** Environment lifelines → their function. */
  const envLanes = new Map<string, string>();
  const laneOf = (r: TraceRecord): string => {
    const envs = envsOf.get(r.resource);
    if (!envs || envs.size < 2) return r.resource;
    const env = r.kind === 'env-destroyed' ? r.id : str(r.detail?.env);
    if (env === undefined || !envs.has(env)) return r.resource;
    const lane = `${r.resource} (${env})`;
    envLanes.set(lane, r.resource);
    return lane;
  };

  const participants = new Map<string, string>();
  let refused = 0;
  const refusedLanes = new Set<string>();
  /** The alias of a lifeline, declared on first use; undefined when the participant cap is reached. */
  const alias = (lane: string): string | undefined => {
    let a = participants.get(lane);
    if (a === undefined) {
      if (participants.size >= maxParticipants) {
        refusedLanes.add(lane);
        return undefined;
      }
      a = `P${participants.size}`;
      participants.set(lane, a);
      head.push(`  participant ${a} as ${escapeLabel(lane)}`);
    }
    return a;
  };

  // The journey's lifelines first, in the order it reaches them, each function's other environments
  // next to it (as far as the cap leaves room); other lifelines when first used.
  const journeyLanes: string[] = [];
  const seen = new Set<string>();
  const lanesOf = (lane: string): void => {
    if (!seen.has(lane)) journeyLanes.push(lane);
    seen.add(lane);
  };
  for (const r of journey.slice(0, maxSteps)) {
    lanesOf(laneOf(r));
    const c = callOf.get(r);
    if (c && r === c.start) lanesOf(c.target);
  }
  let room = maxParticipants - journeyLanes.length;
  for (const lane of journeyLanes) {
    alias(lane);
    const resource = envLanes.get(lane);
    for (const env of resource !== undefined ? envsOf.get(resource)! : []) {
      const sibling = `${resource} (${env})`;
      if (room > 0 && !seen.has(sibling) && !participants.has(sibling)) {
        alias(sibling);
        room--;
      }
    }
  }
  refusedLanes.clear();

  const body: string[] = [];
  const at = new Map<string, string>(); // id → lane where it was last seen
  const drawn = new Set<string>(); // hops already drawn by an explicit delivered / routed / dead-lettered
  const running = new Map<string, string>(); // invocation → the alias its activation is open on
  const opened = new Set<string>(); // other invocations whose activation was opened (never twice)
  const answered = new Set<TracedCall>(); // calls whose answer was drawn at their effect
  const startDrawn = new Set<TracedCall>();
  let steps = 0;
  let index = 0;
  for (; index < drawnRecords.length; index++) {
    const r = drawnRecords[index];
    const c = callOf.get(r);
    if (c && r === c.done && answered.has(c)) continue; // drawn with its effect
    if (c && r !== c.start && !startDrawn.has(c)) continue; // a call whose start is not in the picture
    if (steps >= maxSteps) break;
    const lane = laneOf(r);
    const to = alias(lane);
    if (to === undefined) {
      refused++;
      continue;
    }
    const time = `at ${seconds(r.t)}: `;
    const other = c ? contending.has(c) : otherSpans.has(r.id ?? '');
    const o = other ? otherSpans.get(c ? c.requestId : r.id!) : undefined;
    if (o && c && o.invoked && !opened.has(c.requestId) && o.invoked.t <= r.t && (o.end === undefined || o.end.t > r.t)) {
      // Another invocation that began before this journey: its span opens at its first record drawn.
      const a = alias(laneOf(c.start));
      if (a !== undefined) {
        body.push(`  Note over ${a}: ${escapeLabel(`${c.requestId} running since ${seconds(o.invoked.t)} (another invocation${o.invoked.cause ? `, for ${o.invoked.cause}` : ''})`)}`);
        body.push(`  activate ${a}`);
        running.set(c.requestId, a);
        opened.add(c.requestId);
      }
    }
    let line: string | undefined;

    if (c && r === c.start) {
      const target = alias(c.target);
      if (target === undefined) {
        refused++;
        continue;
      }
      startDrawn.add(c);
      const arrow = c.pending ? '-)' : '->>';
      const label = `${time}${callName(c)}${other ? ` by ${c.requestId}` : ''}${c.pending ? ', not awaited' : ''}`;
      line = `  ${to}${arrow}${target}: ${escapeLabel(label)}`;
    } else if (c && (r === c.effect || (r === c.done && !c.effect)) && startDrawn.has(c)) {
      const from = alias(c.target)!;
      const error = str(c.done?.detail?.error);
      const ms = c.done ? c.done.t - c.start.t : undefined;
      const ended = spans.get(c.requestId)?.end ?? otherSpans.get(c.requestId)?.end?.t;
      const late = ended !== undefined && c.done && c.done.t > ended ? ', after its invocation ended' : '';
      const what = r === c.effect ? effectText(r) : error ? `refused: ${error}` : 'done';
      const label = `${time}${what}${ms !== undefined ? `, ${+ms.toFixed(3)} ms` : ''}${late}`;
      line = `  ${from}${error ? '--x' : '-->>'}${alias(laneOf(c.start))}: ${escapeLabel(label)}`;
      if (r === c.effect) answered.add(c);
    } else if (c && r === c.pending) {
      line = `  Note over ${to}: ${escapeLabel(`${time}${callName(c)} not awaited${where(r.detail?.location)}: frozen with the environment`)}`;
    } else if (c && r === c.abandoned) {
      const target = alias(c.target);
      const reason = str(r.detail?.reason);
      const text = escapeLabel(`${time}${callName(c)} abandoned${reason ? ` (${reason})` : ''}: it never happened`);
      line = target !== undefined && target !== to ? `  Note over ${to},${target}: ${text}` : `  Note over ${to}: ${text}`;
    } else if (r.kind === 'invoked' && other) {
      line = `  Note over ${to}: ${escapeLabel(`${time}invoked ${r.id} (another invocation${r.cause ? `, for ${r.cause}` : ''})`)}`;
    } else {
      const text = escapeLabel(`${time}${describe(r)}`);
      let from: string | undefined;
      if (r.cause !== undefined && ARRIVALS.has(r.kind)) {
        for (const id of causeIds(r.cause)) {
          const w = at.get(id);
          if (w !== undefined && w !== lane) {
            if (!drawn.has(`${r.resource}\u0000${id}`)) from = w;
            break;
          }
        }
      }
      const target = r.kind === 'delivered' || r.kind === 'dead-lettered' || r.kind === 'routed' ? r.detail?.endpoint ?? r.detail?.deadLetterQueue ?? r.detail?.target : undefined;
      const fromAlias = from !== undefined ? alias(from) : undefined;
      const targetAlias = typeof target === 'string' && target !== r.resource ? alias(target) : undefined;
      if (fromAlias !== undefined) {
        line = `  ${fromAlias}${r.kind === 'throttled' ? '-x' : '->>'}${to}: ${text}`;
      } else if (targetAlias !== undefined) {
        line = `  ${to}${r.kind === 'dead-lettered' ? '--)' : '->>'}${targetAlias}: ${text}`;
        if (r.id !== undefined) drawn.add(`${target as string}\u0000${r.id}`);
      } else {
        line = `  Note over ${to}: ${text}`;
      }
    }
    steps++;
    body.push(line);
    if (r.kind === 'invoked' && r.id !== undefined && !running.has(r.id) && (spans.has(r.id) || other)) {
      body.push(`  activate ${to}`);
      running.set(r.id, to);
      opened.add(r.id);
    } else if (ENDS.has(r.kind) && r.id !== undefined && running.has(r.id) && !c) {
      body.push(`  deactivate ${running.get(r.id)!}`);
      running.delete(r.id);
    }
    if (r.id !== undefined && r.kind !== 'env-destroyed' && r.kind !== 'log' && !CALL_KINDS.has(r.kind) && !KEY_RECORDS.has(r.kind)) at.set(r.id, lane);
    else if (r.id !== undefined && r.kind === 'call') at.set(r.id, lane);
  }
  // Spans still open (running at the window's end, or cut) are closed where the drawing stops.
  for (const a of running.values()) body.push(`  deactivate ${a}`);

  const notes: string[] = [];
  let left = 0;
  for (let i = index; i < drawnRecords.length; i++) {
    const r = drawnRecords[i];
    const c = callOf.get(r);
    if (!(c && r === c.done && answered.has(c))) left++;
  }
  if (left > 0) notes.push(`… ${plural(left, 'more record')}`);
  if (refused > 0) notes.push(`${plural(refused, 'record')} at ${plural(refusedLanes.size, 'more lifeline')} left out (at most ${maxParticipants})`);
  if (skippedOthers > 0) notes.push(`${plural(skippedOthers, 'more invocation')} touched the same resources meanwhile (at most ${maxOthers} drawn)`);
  const first = participants.values().next().value as string;
  for (const n of notes) body.push(`  Note over ${first}: ${escapeLabel(n)}`);
  return [...head, ...body].join('\n') + '\n';
}
