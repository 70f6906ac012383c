import type { TimerId } from './clock';
import type { EngineContext } from './context';
import { fail, isPlainObject, show } from './errors';
import type { Random } from './random';
import { tracedValue } from './trace';

/**
 * Load and trouble for scenarios: traffic generators that emit requests on the virtual clock, and a
 * fault schedule (poison messages, duplicates, throttling, crashes, latency) that resources consult.
 */

/** `base.field`, or `field` when there is no base. */
function at(base: string, field: string): string {
  return base ? `${base}.${field}` : field;
}

function checkFields(spec: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const field of Object.keys(spec)) {
    if (!allowed.includes(field)) fail(at(path, field), `unknown field (expected one of ${allowed.join(', ')})`);
  }
}

function seconds(value: unknown, path: string, options: { positive?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (options.positive && value === 0)) {
    fail(path, `must be a finite number of seconds ${options.positive ? '> 0' : '≥ 0'}, got ${show(value)}`);
  }
  return value;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────
// Payload templates
// ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface TemplateVars {
  /** 1 for the first request of a generator, 2 for the next, … */
  seq: number;
  random: Random;
  /** Virtual time in ms. */
  now: number;
  /** The request id. */
  id: string;
}

type Render = (vars: TemplateVars) => unknown;
type Arg = string | number;

const HELPERS = ['seq', 'id', 'now', 'uuid', 'randomInt', 'pick'] as const;

/**
 * Compile a payload template once (so a bad template fails when the scenario loads, not an hour into
 * the run). Strings may hold `{{seq}}`, `{{id}}`, `{{now}}`, `{{uuid}}`, `{{randomInt 1 100}}` and
 * `{{pick "a" "b" "c"}}`; a string that is exactly one `{{…}}` keeps the value's type (a number stays a
 * number); objects and arrays are rendered recursively, anything else is copied as is. Randomness comes
 * from `vars.random`, so one seed renders one sequence of payloads.
 */
export function compileTemplate(template: unknown, path = 'payload'): Render {
  if (typeof template === 'string') return compileString(template, path);
  if (Array.isArray(template)) {
    const items = template.map((item, i) => compileTemplate(item, `${path}[${i}]`));
    return (vars) => items.map((render) => render(vars));
  }
  if (isPlainObject(template)) {
    const keys = Object.keys(template);
    const renders = keys.map((key) => compileTemplate(template[key], `${path}.${key}`));
    return (vars) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) out[keys[i]] = renders[i](vars);
      return out;
    };
  }
  return () => template;
}

/** Render a template (see `compileTemplate`). Throws ValidationError naming the path of a bad placeholder. */
export function renderPayload(template: unknown, vars: TemplateVars, path = 'payload'): unknown {
  return compileTemplate(template, path)(vars);
}

function compileString(text: string, path: string): Render {
  if (!text.includes('{{')) return () => text;
  const parts: Array<string | Render> = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      parts.push(text.slice(i));
      break;
    }
    if (open > i) parts.push(text.slice(i, open));
    const close = text.indexOf('}}', open + 2);
    if (close < 0) fail(path, `unclosed "{{" in ${JSON.stringify(text)}`);
    parts.push(compileHelper(text.slice(open + 2, close), path));
    i = close + 2;
  }
  if (parts.length === 1 && typeof parts[0] === 'function') return parts[0];
  return (vars) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      out += typeof part === 'string' ? part : String(part(vars));
    }
    return out;
  };
}

function compileHelper(source: string, path: string): Render {
  const expr = `{{${source}}}`;
  const tokens = tokenize(source, path, expr);
  if (tokens.length === 0) fail(path, `empty placeholder ${expr}`);
  const [name, ...args] = tokens;
  const noArgs = (): void => {
    if (args.length) fail(path, `${expr}: ${name} takes no arguments`);
  };
  switch (name) {
    case 'seq':
      noArgs();
      return (vars) => vars.seq;
    case 'id':
      noArgs();
      return (vars) => vars.id;
    case 'now':
      noArgs();
      return (vars) => vars.now;
    case 'uuid':
      noArgs();
      return (vars) => uuid(vars.random);
    case 'randomInt': {
      const [min, max] = args;
      if (args.length !== 2 || !Number.isInteger(min) || !Number.isInteger(max) || (min as number) > (max as number)) {
        fail(path, `${expr}: randomInt takes two integers min ≤ max, e.g. {{randomInt 1 100}}`);
      }
      const lo = min as number;
      const span = (max as number) - lo + 1;
      return (vars) => lo + vars.random.int(span);
    }
    case 'pick': {
      if (args.length === 0) fail(path, `${expr}: pick takes at least one value, e.g. {{pick "a" "b"}}`);
      return (vars) => vars.random.pick(args);
    }
    default:
      return fail(path, `unknown helper ${JSON.stringify(name)} in ${expr} (known: ${HELPERS.join(', ')})`);
  }
}

/** Words of a placeholder: bare words and numbers, and "double" or 'single' quoted strings. */
function tokenize(source: string, path: string, expr: string): Arg[] {
  const tokens: Arg[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s"']+)/y;
  let pos = 0;
  for (;;) {
    while (pos < source.length && /\s/.test(source[pos])) pos++;
    if (pos >= source.length) break;
    re.lastIndex = pos;
    const m = re.exec(source);
    if (!m) fail(path, `${expr}: unbalanced quotes`);
    pos = re.lastIndex;
    const [, dq, sq, bare] = m;
    if (dq !== undefined) {
      try {
        tokens.push(JSON.parse(`"${dq}"`) as string);
      } catch {
        fail(path, `${expr}: bad escape in "${dq}"`);
      }
    } else if (sq !== undefined) tokens.push(sq.replace(/\\(.)/g, '$1'));
    else if (tokens.length === 0) tokens.push(bare);
    else if (/^-?\d+(\.\d+)?$/.test(bare)) tokens.push(Number(bare));
    else fail(path, `${expr}: argument ${JSON.stringify(bare)} must be a number or a quoted string`);
  }
  return tokens;
}

/** A version-4 UUID whose random bits come from the seeded source (so it is reproducible). */
function uuid(random: Random): string {
  const w0 = random.int(0x100000000);
  const w1 = ((random.int(0x100000000) & 0xffff0fff) | 0x00004000) >>> 0; // version 4
  const w2 = ((random.int(0x100000000) & 0x3fffffff) | 0x80000000) >>> 0; // RFC 4122 variant
  const w3 = random.int(0x100000000);
  const hex = [w0, w1, w2, w3].map((w) => w.toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────
// Traffic generators
// ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface TrafficSpike {
  /** Start, in seconds of run time. */
  atS: number;
  durationS: number;
  ratePerSecond: number;
}

export interface TrafficSpec {
  name: string;
  ratePerSecond: number;
  /** When the traffic starts, in seconds of run time (default 0). */
  startS?: number;
  /** How long it lasts (default: until stopped). */
  durationS?: number;
  /** 'uniform' (default): evenly spaced; 'poisson': independent arrivals, exponential gaps. */
  arrival?: 'uniform' | 'poisson';
  /** Windows (in run time, not overlapping) where another rate replaces the base rate. */
  spikes?: TrafficSpike[];
  /** Payload template (see `compileTemplate`); default `{ "seq": "{{seq}}", "id": "{{id}}" }`. */
  payload?: unknown;
}

const MAX_RATE = 1_000_000;

function rate(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_RATE) {
    fail(path, `must be a number of requests per second between 0 and ${MAX_RATE}, got ${show(value)}`);
  }
  return value;
}

/** Check a traffic spec (from a scenario file) and return a clean copy; errors name the field under `path`. */
export function validateTraffic(spec: unknown, path = ''): TrafficSpec {
  if (!isPlainObject(spec)) fail(path || 'traffic', `must be an object, got ${show(spec)}`);
  checkFields(spec, path, ['name', 'ratePerSecond', 'startS', 'durationS', 'arrival', 'spikes', 'payload']);
  const { name, ratePerSecond, startS, durationS, arrival, spikes, payload } = spec;
  if (typeof name !== 'string' || name.trim() === '') fail(at(path, 'name'), `must be a non-empty string, got ${show(name)}`);
  const out: TrafficSpec = { name, ratePerSecond: rate(ratePerSecond, at(path, 'ratePerSecond')) };
  if (startS !== undefined) out.startS = seconds(startS, at(path, 'startS'));
  if (durationS !== undefined) out.durationS = seconds(durationS, at(path, 'durationS'), { positive: true });
  if (arrival !== undefined) {
    if (arrival !== 'uniform' && arrival !== 'poisson') fail(at(path, 'arrival'), `must be 'uniform' or 'poisson', got ${show(arrival)}`);
    out.arrival = arrival;
  }
  if (spikes !== undefined) {
    if (!Array.isArray(spikes)) fail(at(path, 'spikes'), `must be an array, got ${show(spikes)}`);
    out.spikes = spikes.map((spike, i): TrafficSpike => {
      const p = at(path, `spikes[${i}]`);
      if (!isPlainObject(spike)) fail(p, `must be an object, got ${show(spike)}`);
      checkFields(spike, p, ['atS', 'durationS', 'ratePerSecond']);
      return {
        atS: seconds(spike.atS, `${p}.atS`),
        durationS: seconds(spike.durationS, `${p}.durationS`, { positive: true }),
        ratePerSecond: rate(spike.ratePerSecond, `${p}.ratePerSecond`),
      };
    });
    const order = out.spikes.map((s, i) => ({ s, i })).sort((a, b) => a.s.atS - b.s.atS);
    for (let k = 1; k < order.length; k++) {
      const prev = order[k - 1];
      const cur = order[k];
      if (cur.s.atS < prev.s.atS + prev.s.durationS) fail(at(path, `spikes[${cur.i}]`), `overlaps spikes[${prev.i}] (spike windows must not overlap)`);
    }
  }
  if (payload !== undefined) {
    compileTemplate(payload, at(path, 'payload')); // fail now on a bad template
    out.payload = payload;
  }
  return out;
}

/** A stretch of time with a constant rate; `lambda` is the expected number of arrivals before `from`. */
interface Segment {
  from: number;
  to: number;
  /** Requests per second. */
  rate: number;
  lambda: number;
}

/**
 * Emits requests on the virtual clock. Arrivals are placed by the time-rescaling method: the expected
 * count Λ(t) (the integral of the rate) grows by `rate` per second, and arrival k happens when Λ
 * reaches the k-th point of a unit-rate sequence — 0, 1, 2, … for uniform traffic (evenly spaced at
 * 1/rate, and exactly rate × duration requests in a window), or sums of exponential gaps for Poisson
 * traffic (a non-homogeneous Poisson process when spikes change the rate). The window is half-open,
 * [start, start + duration): 10/s for 60 s is 600 requests, at 0, 100, …, 59 900 ms.
 *
 * Only the next arrival is ever scheduled (one pending timer), so an hour at 100 req/s costs one timer
 * at a time, not 360,000 up front.
 */
export class TrafficGenerator {
  readonly spec: TrafficSpec;
  private readonly segments: Segment[];
  private readonly render: Render;
  private readonly poisson: boolean;
  private count = 0;
  private seg = 0;
  private nextLambda = 0;
  private lastLambda = -1;
  private timer: TimerId | undefined;
  private running = false;
  /** Arrival times and payloads draw from here, not from the shared source (see EngineContext.stream). */
  private readonly random: Random;

  constructor(
    private readonly ctx: EngineContext,
    spec: TrafficSpec,
    private readonly emit: (payload: unknown, id: string) => void,
  ) {
    this.spec = validateTraffic(spec);
    if (typeof emit !== 'function') fail('emit', `must be a function, got ${show(emit)}`);
    this.random = ctx.stream(`traffic:${this.spec.name}`);
    this.poisson = this.spec.arrival === 'poisson';
    this.render = compileTemplate(this.spec.payload ?? { seq: '{{seq}}', id: '{{id}}' }, 'payload');
    this.segments = buildSegments(this.spec);
  }

  /** Requests emitted so far. */
  get sent(): number {
    return this.count;
  }

  /** Whether the generator is running (started, not stopped, arrivals left). */
  get active(): boolean {
    return this.running && this.timer !== undefined;
  }

  /**
   * Start (or resume after `stop`) from the current virtual time. Times in the spec are run time:
   * started late, the generator skips the arrivals already past instead of sending them in a burst.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    const lambdaNow = this.lambdaAt(this.ctx.clock.now);
    if (this.poisson) this.nextLambda = lambdaNow + this.random.exponential(1);
    else this.nextLambda = Math.max(Math.ceil(lambdaNow), this.lastLambda + 1);
    this.seg = 0;
    this.scheduleNext();
  }

  /** Stop: the pending arrival is cancelled. */
  stop(): void {
    this.running = false;
    this.ctx.clock.cancel(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const lambda = this.nextLambda;
    this.lastLambda = lambda;
    this.nextLambda = this.poisson ? lambda + this.random.exponential(1) : lambda + 1;
    this.scheduleNext(); // before emitting, so a throwing consumer does not stop the traffic

    const seq = ++this.count;
    const id = this.ctx.id('req');
    const now = this.ctx.clock.now;
    const payload = this.render({ seq, id, now, random: this.random });
    const trace = this.ctx.trace;
    trace.emit('request', this.spec.name, id, undefined, trace.wants('request') ? { seq, payload: tracedValue(payload) } : undefined);
    this.emit(payload, id);
  };

  /** Schedule the arrival at Λ = nextLambda, if it falls inside the traffic window. */
  private scheduleNext(): void {
    const target = this.nextLambda;
    const segs = this.segments;
    while (this.seg < segs.length) {
      const s = segs[this.seg];
      if (s.rate > 0 && target < s.lambda + (s.rate * (s.to - s.from)) / 1000) {
        const t = s.from + ((target - s.lambda) * 1000) / s.rate;
        this.timer = this.ctx.clock.at(t, this.fire);
        return;
      }
      this.seg++;
    }
    this.running = false; // no arrivals left
  }

  private lambdaAt(t: number): number {
    let lambda = 0;
    for (const s of this.segments) {
      if (t < s.from) return s.lambda;
      if (t < s.to) return s.lambda + (s.rate * (t - s.from)) / 1000;
      lambda = s.lambda + (s.rate * (s.to - s.from)) / 1000;
    }
    return lambda;
  }
}

/** Piecewise-constant rate over [start, end): the base rate, replaced inside spike windows. */
function buildSegments(spec: TrafficSpec): Segment[] {
  const start = (spec.startS ?? 0) * 1000;
  const end = spec.durationS === undefined ? Number.POSITIVE_INFINITY : start + spec.durationS * 1000;
  const spikes = (spec.spikes ?? []).map((s) => ({ from: s.atS * 1000, to: (s.atS + s.durationS) * 1000, rate: s.ratePerSecond }));
  const cuts = new Set<number>([start, end]);
  for (const s of spikes) {
    if (s.from > start && s.from < end) cuts.add(s.from);
    if (s.to > start && s.to < end) cuts.add(s.to);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const segments: Segment[] = [];
  let lambda = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const from = points[i];
    const to = points[i + 1];
    const spike = spikes.find((s) => s.from <= from && from < s.to);
    const r = spike ? spike.rate : spec.ratePerSecond;
    segments.push({ from, to, rate: r, lambda });
    if (r > 0) lambda += (r * (to - from)) / 1000;
  }
  return segments;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────
// Fault injection
// ─────────────────────────────────────────────────────────────────────────────────────────────────

export type FaultSpec =
  /** At `atS`, a message the handlers will fail on is sent to `target`. */
  | { kind: 'poison'; target: string; atS: number; payload: unknown }
  /** Each delivery from `target` is followed by an extra copy with probability `rate` (at-least-once). */
  | { kind: 'duplicate'; target: string; rate: number; fromS?: number; toS?: number }
  /** The function `target` runs with at most `concurrency` environments in the window. */
  | { kind: 'throttle'; target: string; fromS: number; toS: number; concurrency: number }
  /** At `atS`, an environment of `target` dies mid-invocation (no response, no ack). */
  | { kind: 'crash'; target: string; atS: number }
  /** Calls to `target` take `addMs` longer in the window. */
  | { kind: 'latency'; target: string; fromS: number; toS: number; addMs: number };

export type FaultKind = FaultSpec['kind'];

const FAULT_FIELDS: Record<FaultKind, readonly string[]> = {
  poison: ['kind', 'target', 'atS', 'payload'],
  duplicate: ['kind', 'target', 'rate', 'fromS', 'toS'],
  throttle: ['kind', 'target', 'fromS', 'toS', 'concurrency'],
  crash: ['kind', 'target', 'atS'],
  latency: ['kind', 'target', 'fromS', 'toS', 'addMs'],
};

/** Check one fault (from a scenario file) and return a clean copy; errors name the field, e.g. `faults[2].rate`. */
export function validateFault(spec: unknown, path: string): FaultSpec {
  if (!isPlainObject(spec)) fail(path, `must be an object, got ${show(spec)}`);
  const kind = spec.kind;
  if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(FAULT_FIELDS, kind)) {
    fail(at(path, 'kind'), `must be one of ${Object.keys(FAULT_FIELDS).join(', ')}, got ${show(kind)}`);
  }
  const k = kind as FaultKind;
  checkFields(spec, path, FAULT_FIELDS[k]);
  const target = spec.target;
  if (typeof target !== 'string' || target.trim() === '') fail(at(path, 'target'), `must be the name of a resource, got ${show(target)}`);
  const window = (required: boolean): { fromS?: number; toS?: number } => {
    const out: { fromS?: number; toS?: number } = {};
    if (required || spec.fromS !== undefined) out.fromS = seconds(spec.fromS, at(path, 'fromS'));
    if (required || spec.toS !== undefined) out.toS = seconds(spec.toS, at(path, 'toS'));
    if (out.toS !== undefined && out.toS <= (out.fromS ?? 0)) fail(at(path, 'toS'), `must be after fromS (${out.fromS ?? 0} s), got ${out.toS}`);
    return out;
  };
  switch (k) {
    case 'poison':
      if (spec.payload === undefined) fail(at(path, 'payload'), 'is required: the message the handlers will fail on');
      return { kind: k, target, atS: seconds(spec.atS, at(path, 'atS')), payload: spec.payload };
    case 'crash':
      return { kind: k, target, atS: seconds(spec.atS, at(path, 'atS')) };
    case 'duplicate': {
      const r = spec.rate;
      if (typeof r !== 'number' || !(r >= 0 && r <= 1)) fail(at(path, 'rate'), `must be a probability between 0 and 1 (chance of an extra copy per delivery), got ${show(r)}`);
      return { kind: k, target, rate: r, ...window(false) };
    }
    case 'throttle': {
      const w = window(true) as { fromS: number; toS: number };
      const c = spec.concurrency;
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) fail(at(path, 'concurrency'), `must be an integer ≥ 0, got ${show(c)}`);
      return { kind: k, target, fromS: w.fromS, toS: w.toS, concurrency: c };
    }
    case 'latency': {
      const w = window(true) as { fromS: number; toS: number };
      const add = spec.addMs;
      if (typeof add !== 'number' || !Number.isFinite(add) || add <= 0) fail(at(path, 'addMs'), `must be a number of milliseconds > 0, got ${show(add)}`);
      return { kind: k, target, fromS: w.fromS, toS: w.toS, addMs: add };
    }
  }
}

interface ScheduledFault {
  fault: FaultSpec;
  id: string;
  /** Window in ms: [from, to); an instant fault has from === to. */
  from: number;
  to: number;
  instant: boolean;
}

/**
 * The faults of a scenario on the clock. Resources ask `active(kind, target)` at the moment it matters
 * (is this delivery duplicated? how many environments may this function use now?); instant faults
 * (poison, crash) are pushed to `onAt` listeners at their time. Every fault start, end and instant is
 * traced as `fault` on its target. Windows are half-open, [fromS, toS); two windows of the same kind
 * on the same target may not overlap.
 */
export class FaultSchedule {
  readonly faults: readonly FaultSpec[];
  private readonly entries: ScheduledFault[];
  private readonly index = new Map<FaultKind, Map<string, ScheduledFault[]>>();
  private readonly listeners: Array<(f: FaultSpec, id: string) => void> = [];
  private started = false;

  constructor(
    private readonly ctx: EngineContext,
    faults: FaultSpec[],
  ) {
    if (!Array.isArray(faults)) fail('faults', `must be an array, got ${show(faults)}`);
    const clean = faults.map((f, i) => validateFault(f, `faults[${i}]`));
    const windows = clean.map((f) => faultWindow(f));
    for (let j = 0; j < clean.length; j++) {
      if (windows[j].instant) continue;
      for (let i = 0; i < j; i++) {
        if (windows[i].instant || clean[i].kind !== clean[j].kind || clean[i].target !== clean[j].target) continue;
        if (windows[j].from < windows[i].to && windows[i].from < windows[j].to) {
          fail(`faults[${j}]`, `overlaps faults[${i}] (same kind ${clean[j].kind} and target ${clean[j].target})`);
        }
      }
    }
    this.faults = clean;
    this.entries = clean.map((fault, i) => ({ fault, id: ctx.id('fault'), ...windows[i] }));
    for (const entry of this.entries) {
      let byTarget = this.index.get(entry.fault.kind);
      if (!byTarget) this.index.set(entry.fault.kind, (byTarget = new Map()));
      const list = byTarget.get(entry.fault.target);
      if (list) list.push(entry);
      else byTarget.set(entry.fault.target, [entry]);
    }
  }

  /**
   * The fault of this kind on this target in effect now (a window fault within [fromS, toS), an
   * instant fault at exactly its time), or undefined. Depends only on the clock, not on `start`.
   */
  active<K extends FaultKind>(kind: K, target: string): Extract<FaultSpec, { kind: K }> | undefined {
    const list = this.index.get(kind)?.get(target);
    if (!list) return undefined;
    const now = this.ctx.clock.now;
    for (const e of list) {
      if (e.instant ? now === e.from : e.from <= now && now < e.to) return e.fault as Extract<FaultSpec, { kind: K }>;
    }
    return undefined;
  }

  /** The id (`fault-N`) of a fault returned by `active` or passed to a listener, for use as a cause. */
  idOf(fault: FaultSpec): string | undefined {
    return this.entries.find((e) => e.fault === fault)?.id;
  }

  /** Call `listener` at the time of each poison and crash fault (after its `fault` trace record). */
  onAt(listener: (f: FaultSpec, id: string) => void): void {
    if (typeof listener !== 'function') fail('listener', `must be a function, got ${show(listener)}`);
    this.listeners.push(listener);
  }

  /** Put the faults on the clock (once; later calls do nothing). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const clock = this.ctx.clock;
    for (const e of this.entries) {
      if (e.instant) {
        clock.at(e.from, () => {
          this.record(e, 'at');
          for (const listener of [...this.listeners]) listener(e.fault, e.id);
        });
      } else {
        clock.at(e.from, () => this.record(e, 'start'));
        if (Number.isFinite(e.to)) clock.at(e.to, () => this.record(e, 'end'));
      }
    }
  }

  private record(e: ScheduledFault, phase: 'at' | 'start' | 'end'): void {
    const { target, ...detail } = e.fault;
    this.ctx.trace.emit('fault', target, e.id, undefined, { ...detail, phase });
  }
}

function faultWindow(f: FaultSpec): { from: number; to: number; instant: boolean } {
  switch (f.kind) {
    case 'poison':
    case 'crash':
      return { from: f.atS * 1000, to: f.atS * 1000, instant: true };
    case 'duplicate':
      return { from: (f.fromS ?? 0) * 1000, to: f.toS === undefined ? Number.POSITIVE_INFINITY : f.toS * 1000, instant: false };
    default:
      return { from: f.fromS * 1000, to: f.toS * 1000, instant: false };
  }
}
