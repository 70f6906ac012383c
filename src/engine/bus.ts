/**
 * An EventBridge-like event bus: producers put events, RULES with event patterns route each event to
 * up to five TARGETS. The producer does not know who listens; adding a consumer means adding a rule.
 *
 * What is modelled:
 * - Every event is wrapped in the standard envelope (version, id, detail-type, source, account, time,
 *   region, resources, detail); patterns match on that whole envelope, `detail` nested inside.
 * - An event matching no rule is silently discarded (there is no queue behind a bus).
 * - Delivery to a target that fails is retried with exponential backoff and jitter, for up to 185
 *   retries or 24 hours (both configurable per target); then the event goes to the target's
 *   dead-letter queue if it has one, otherwise it is DROPPED.
 * - Archives keep (optionally filtered) copies of events; a replay sends archived events to the bus
 *   again, marked with `replay-name`, to all rules. Replayed events are not archived a second time.
 *   A replayed event keeps its original id: consumers that are idempotent by id ignore replays they saw.
 * - Scheduled rules (`schedule: "rate(5 minutes)"` or `"cron(0 8 ? * MON-FRI *)"`, see schedule.ts)
 *   live on the default bus only, as in EventBridge. At each firing the rule sends its targets a
 *   "Scheduled Event" (source `aws.events`, the rule's ARN in `resources`, empty `detail`) on the
 *   virtual clock; it is not put on the bus, so no other rule sees it and no archive keeps it.
 * - A target may receive something else than the event: constant `input`, the part `inputPath`
 *   selects, or an input transformer's output (see targetInput.ts). Its dead-letter queue still gets
 *   the event itself.
 */
import { EngineContext } from './context';
import { TimerId } from './clock';
import { EngineError, ValidationError } from './errors';
import { EventPattern, MatchInput, matchesEventPattern, validateEventPattern } from './pattern';
import { ACCOUNT, arn, epochMs, isoSeconds, REGION, scheduledEvent, SIMULATION_EPOCH_MS } from './events';
import { parseSchedule, Schedule } from './schedule';
import { compileTargetInput, TargetInputError, TargetInputSpec, TargetPayload, TransformInput } from './targetInput';

export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  'replay-name'?: string;
}

export interface RuleTarget extends TargetInputSpec {
  id: string;
  /** Name of the target resource, for the trace and diagrams. */
  endpoint: string;
  /**
   * Deliver one event; throwing means the delivery failed (it will be retried). `payload` is set when
   * the target has `input`, `inputPath` or `inputTransformer`: send it instead of the event.
   */
  deliver: (e: BusEvent, payload?: TargetPayload) => void;
  retry?: {
    /** Retries after the first attempt: EventBridge's MaximumRetryAttempts, 0–185 (default 185). */
    maxAttempts?: number;
    /** Give up once the event is this old: MaximumEventAgeInSeconds, 60–86400 (default 86400). */
    maxAgeS?: number;
  };
  /** The target's dead-letter queue. */
  deadLetter?: (e: BusEvent, error: string) => void;
}

export interface PutEventsEntry {
  source: string;
  detailType: string;
  /** A JSON object. */
  detail: unknown;
  resources?: string[];
  /** What caused this event (an earlier message or request id), for the trace. */
  cause?: string;
}

/** Account and region stamped on every event (the lab has one of each). */
export const BUS_ACCOUNT = ACCOUNT;
export const BUS_REGION = REGION;
/** PutEvents limits: 10 entries, 256 KiB in total. */
export const BUS_MAX_ENTRIES = 10;
export const BUS_MAX_BATCH_BYTES = 262144;
/** Targets per rule. */
export const BUS_MAX_TARGETS = 5;
/** Retry backoff: the first retry waits about 1 s, doubling up to this cap (with jitter). */
export const BUS_RETRY_BASE_MS = 1000;
export const BUS_RETRY_CAP_MS = 300_000;

const NAME_RE = /^[.\-_A-Za-z0-9]{1,64}$/;

interface Target {
  id: string;
  endpoint: string;
  deliver: (e: BusEvent, payload?: TargetPayload) => void;
  transform?: (e: TransformInput) => TargetPayload;
  maxRetries: number;
  maxAgeMs: number;
  deadLetter?: (e: BusEvent, error: string) => void;
}

interface Rule {
  name: string;
  pattern?: EventPattern;
  schedule?: Schedule;
  /** The next firing of the schedule, cancelled when the rule is replaced or removed. */
  timer?: TimerId;
  targets: Target[];
  enabled: boolean;
  /** Retries waiting on the clock (timer → event id), cancelled when the rule is removed. */
  pending: Map<TimerId, string>;
  removed: boolean;
}

interface Archive {
  name: string;
  pattern?: EventPattern;
  retentionMs: number; // 0 = forever
  /** Archived events, oldest first, from `head` on (older ones expired). */
  events: Array<{ at: number; event: BusEvent }>;
  head: number;
}

export class EventBus {
  readonly name: string;
  private readonly ruleMap = new Map<string, Rule>();
  private readonly archives = new Map<string, Archive>();
  private readonly replayNames = new Set<string>();

  constructor(
    private readonly ctx: EngineContext,
    options: { name: string },
  ) {
    const name = options?.name;
    if (typeof name !== 'string' || !/^[/.\-_A-Za-z0-9]{1,256}$/.test(name)) {
      throw new ValidationError('name', `must be 1–256 letters, digits or . - _ /, got ${JSON.stringify(name)}`);
    }
    this.name = name;
  }

  /**
   * Create or replace a rule: an event pattern, a schedule (default bus only), or both. Everything
   * is validated first: a rejected call changes nothing.
   */
  putRule(rule: { name: string; pattern?: EventPattern; schedule?: string; targets: RuleTarget[]; enabled?: boolean }): void {
    const name = rule?.name;
    if (typeof name !== 'string' || !NAME_RE.test(name)) throw new ValidationError('rules.name', `must be 1–64 letters, digits or . - _, got ${JSON.stringify(name)}`);
    const base = `rules.${name}`;
    if (rule.pattern === undefined && rule.schedule === undefined) {
      throw new ValidationError(`${base}.pattern`, 'a rule needs an event pattern, a schedule ("rate(…)" / "cron(…)") or both');
    }
    if (rule.pattern !== undefined) validateEventPattern(rule.pattern, `${base}.pattern`);
    let schedule: Schedule | undefined;
    if (rule.schedule !== undefined) {
      try {
        schedule = parseSchedule(rule.schedule);
      } catch (err) {
        throw new ValidationError(`${base}.schedule`, `is not a valid schedule expression: ${(err as Error).message}`);
      }
      if (this.name !== 'default') {
        throw new ValidationError(`${base}.schedule`, `scheduled rules run on the default event bus only (EventBridge), not on "${this.name}": put this rule on a bus named "default"`);
      }
    }
    if (rule.enabled !== undefined && typeof rule.enabled !== 'boolean') throw new ValidationError(`${base}.enabled`, `must be true or false, got ${String(rule.enabled)}`);
    const targetsIn = rule.targets ?? [];
    if (!Array.isArray(targetsIn)) throw new ValidationError(`${base}.targets`, 'must be an array');
    if (targetsIn.length > BUS_MAX_TARGETS) throw new ValidationError(`${base}.targets`, `a rule can have at most ${BUS_MAX_TARGETS} targets, got ${targetsIn.length}`);
    const ids = new Set<string>();
    const targets = targetsIn.map((t, i) => {
      const p = `${base}.targets[${i}]`;
      if (typeof t?.id !== 'string' || !NAME_RE.test(t.id)) throw new ValidationError(`${p}.id`, `must be 1–64 letters, digits or . - _, got ${JSON.stringify(t?.id)}`);
      if (ids.has(t.id)) throw new ValidationError(`${p}.id`, `duplicate target id ${t.id}`);
      ids.add(t.id);
      if (typeof t.endpoint !== 'string' || t.endpoint === '') throw new ValidationError(`${p}.endpoint`, `must be a non-empty string, got ${JSON.stringify(t.endpoint)}`);
      if (typeof t.deliver !== 'function') throw new ValidationError(`${p}.deliver`, 'must be a function');
      if (t.deadLetter !== undefined && typeof t.deadLetter !== 'function') throw new ValidationError(`${p}.deadLetter`, 'must be a function');
      const maxRetries = t.retry?.maxAttempts ?? 185;
      if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 185) {
        throw new ValidationError(`${p}.retry.maxAttempts`, `must be an integer between 0 and 185, got ${maxRetries}`);
      }
      const maxAgeS = t.retry?.maxAgeS ?? 86400;
      if (typeof maxAgeS !== 'number' || !(maxAgeS >= 60 && maxAgeS <= 86400)) {
        throw new ValidationError(`${p}.retry.maxAgeS`, `must be between 60 and 86400 seconds, got ${maxAgeS}`);
      }
      let transform: Target['transform'];
      try {
        transform = compileTargetInput(t);
      } catch (err) {
        if (err instanceof TargetInputError) throw new ValidationError(`${p}.${err.field}`, err.message);
        throw err;
      }
      const target: Target = { id: t.id, endpoint: t.endpoint, deliver: t.deliver, maxRetries, maxAgeMs: maxAgeS * 1000 };
      if (transform) target.transform = transform;
      if (t.deadLetter) target.deadLetter = t.deadLetter;
      return target;
    });
    // Replacing a rule keeps retries already in flight for its old targets; its schedule starts again.
    const old = this.ruleMap.get(name);
    if (old?.timer !== undefined) this.ctx.clock.cancel(old.timer);
    const next: Rule = { name, targets, enabled: rule.enabled ?? true, pending: old?.pending ?? new Map(), removed: false };
    if (rule.pattern !== undefined) next.pattern = rule.pattern;
    if (schedule) next.schedule = schedule;
    this.ruleMap.set(name, next);
    if (schedule) this.arm(next, epochMs(this.ctx.clock.now));
  }

  /** Put the rule's next firing on the clock: the first instant its schedule names after `afterEpochMs`. */
  private arm(rule: Rule, afterEpochMs: number): void {
    const at = rule.schedule!.next(afterEpochMs);
    if (at === undefined) return;
    const delayMs = Math.max(0, at - SIMULATION_EPOCH_MS - this.ctx.clock.now);
    rule.timer = this.ctx.clock.schedule(delayMs, () => {
      rule.timer = undefined;
      if (rule.removed) return;
      if (rule.enabled) this.fire(rule);
      this.arm(rule, at);
    });
  }

  /** A scheduled rule fires: its targets get a Scheduled Event (not put on the bus). */
  private fire(rule: Rule): void {
    const now = this.ctx.clock.now;
    const event = scheduledEvent({ id: this.ctx.id('evt'), ruleArn: arn.rule(this.name, rule.name), now }) as unknown as BusEvent;
    this.ctx.trace.emit('published', this.name, event.id, `schedule:${rule.name}`, { source: event.source, detailType: event['detail-type'], rule: rule.name, schedule: rule.schedule!.expression });
    for (const target of rule.targets) this.attempt(rule, target, event, 1, now);
  }

  /** Delete a rule (deleting one that does not exist succeeds, as DeleteRule does). Its pending retries are dropped. */
  removeRule(name: string): void {
    const rule = this.ruleMap.get(name);
    if (!rule) return;
    this.ruleMap.delete(name);
    rule.removed = true;
    if (rule.timer !== undefined) this.ctx.clock.cancel(rule.timer);
    for (const [timer, eventId] of rule.pending) {
      this.ctx.clock.cancel(timer);
      this.ctx.trace.emit('dropped', this.name, eventId, undefined, { rule: name, reason: 'rule removed' });
    }
    rule.pending.clear();
  }

  rules(): Array<{ name: string; pattern?: EventPattern; schedule?: string; targets: string[]; enabled: boolean }> {
    return [...this.ruleMap.values()].map((r) => {
      const out: { name: string; pattern?: EventPattern; schedule?: string; targets: string[]; enabled: boolean } = { name: r.name, targets: r.targets.map((t) => t.id), enabled: r.enabled };
      if (r.pattern !== undefined) out.pattern = r.pattern;
      if (r.schedule !== undefined) out.schedule = r.schedule.expression;
      return out;
    });
  }

  /**
   * Put up to 10 events (256 KiB in total). Each is published, archived by matching archives and
   * routed to the targets of every enabled rule whose pattern matches. All entries are checked first.
   */
  putEvents(entries: PutEventsEntry[]): { eventIds: string[] } {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > BUS_MAX_ENTRIES) {
      throw new ValidationError('entries', `must be an array of 1 to ${BUS_MAX_ENTRIES} entries, got ${Array.isArray(entries) ? entries.length : typeof entries}`);
    }
    let bytes = 0;
    const prepared = entries.map((e, i) => {
      const p = `entries[${i}]`;
      if (typeof e !== 'object' || e === null) throw new ValidationError(p, 'must be an object');
      if (typeof e.source !== 'string' || e.source.length < 1 || e.source.length > 256) throw new ValidationError(`${p}.source`, `must be 1–256 characters, got ${JSON.stringify(e.source)}`);
      if (typeof e.detailType !== 'string' || e.detailType.length < 1 || e.detailType.length > 128) {
        throw new ValidationError(`${p}.detailType`, `must be 1–128 characters, got ${JSON.stringify(e.detailType)}`);
      }
      let detail: unknown = e.detail;
      if (typeof detail === 'string') {
        // PutEvents' Detail is a string holding a JSON object; the lab also takes the object itself.
        const text = detail;
        try {
          detail = JSON.parse(text);
        } catch {
          throw new ValidationError(`${p}.detail`, `is not valid JSON (EventBridge answers MalformedDetail): ${JSON.stringify(text.slice(0, 60))}`);
        }
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        throw new ValidationError(`${p}.detail`, `must be a JSON object (or a string holding one), got ${Array.isArray(detail) ? 'an array' : JSON.stringify(detail)}`);
      }
      let json: string;
      try {
        json = JSON.stringify(detail);
      } catch (err) {
        throw new ValidationError(`${p}.detail`, `must be serialisable as JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      const resources = e.resources ?? [];
      if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) throw new ValidationError(`${p}.resources`, 'must be an array of strings');
      if (e.cause !== undefined && typeof e.cause !== 'string') throw new ValidationError(`${p}.cause`, 'must be a string');
      bytes += Buffer.byteLength(e.source) + Buffer.byteLength(e.detailType) + Buffer.byteLength(json);
      for (const r of resources) bytes += Buffer.byteLength(r);
      return { entry: e, json, resources };
    });
    if (bytes > BUS_MAX_BATCH_BYTES) throw new ValidationError('entries', `total size must be at most ${BUS_MAX_BATCH_BYTES} bytes, got ${bytes}`);

    const time = isoSeconds(this.ctx.clock.now);
    const eventIds: string[] = [];
    for (const { entry, json, resources } of prepared) {
      const event: BusEvent = {
        version: '0',
        id: this.ctx.id('evt'),
        'detail-type': entry.detailType,
        source: entry.source,
        account: BUS_ACCOUNT,
        time,
        region: BUS_REGION,
        resources: resources.slice(),
        detail: JSON.parse(json), // the bus holds its own copy: later changes by the producer do not leak in
      };
      eventIds.push(event.id);
      this.ctx.trace.emit('published', this.name, event.id, entry.cause, { source: event.source, detailType: event['detail-type'] });
      this.archive(event);
      this.route(event);
    }
    return { eventIds };
  }

  /** Create an archive keeping every event (or those matching `pattern`) for `retentionDays` (0 = forever). */
  createArchive(options: { name: string; pattern?: EventPattern; retentionDays?: number }): void {
    const name = options?.name;
    if (typeof name !== 'string' || !/^[.\-_A-Za-z0-9]{1,48}$/.test(name)) throw new ValidationError('archives.name', `must be 1–48 letters, digits or . - _, got ${JSON.stringify(name)}`);
    if (options.pattern !== undefined) validateEventPattern(options.pattern, `archives.${name}.pattern`);
    const days = options.retentionDays ?? 0;
    if (!Number.isInteger(days) || days < 0) throw new ValidationError(`archives.${name}.retentionDays`, `must be an integer ≥ 0 (0 = keep forever), got ${days}`);
    if (this.archives.has(name)) throw new EngineError('ResourceAlreadyExistsException', `archive ${name} already exists`);
    const archive: Archive = { name, retentionMs: days * 86_400_000, events: [], head: 0 };
    if (options.pattern !== undefined) archive.pattern = options.pattern;
    this.archives.set(name, archive);
  }

  /** The events an archive currently holds (expired ones excluded), oldest first. */
  archived(archive: string): BusEvent[] {
    const a = this.getArchive(archive);
    this.expire(a);
    return a.events.slice(a.head).map((e) => e.event);
  }

  /**
   * Replay the archived events whose arrival time (virtual ms) lies in [from, to]: each goes to the bus
   * again with `replay-name` set, is matched against all rules, and is not archived again.
   */
  startReplay(options: { archive: string; from: number; to: number; name: string }): { replayed: number } {
    const name = options?.name;
    if (typeof name !== 'string' || !NAME_RE.test(name)) throw new ValidationError('replay.name', `must be 1–64 letters, digits or . - _, got ${JSON.stringify(name)}`);
    const { from, to } = options;
    if (typeof from !== 'number' || !(from >= 0)) throw new ValidationError('replay.from', `must be a virtual time ≥ 0 ms, got ${from}`);
    if (typeof to !== 'number' || !(to >= from)) throw new ValidationError('replay.to', `must be a virtual time ≥ from (${from} ms), got ${to}`);
    if (to > this.ctx.clock.now) throw new ValidationError('replay.to', `must not be in the future (now ${this.ctx.clock.now} ms), got ${to}`);
    const a = this.getArchive(options.archive);
    if (this.replayNames.has(name)) throw new EngineError('ResourceAlreadyExistsException', `replay ${name} already exists`);
    this.replayNames.add(name);
    this.expire(a);
    // Snapshot first: replaying cannot add to the archive, but keep the loop independent of it anyway.
    const batch = a.events.slice(a.head).filter((e) => e.at >= from && e.at <= to);
    for (const { event } of batch) {
      const copy: BusEvent = { ...event, resources: event.resources.slice(), detail: structuredClone(event.detail), 'replay-name': name };
      this.ctx.trace.emit('replayed', this.name, copy.id, name, { archive: a.name, replay: name });
      this.route(copy);
    }
    return { replayed: batch.length };
  }

  private getArchive(name: string): Archive {
    const a = this.archives.get(name);
    if (!a) throw new EngineError('ResourceNotFoundException', `bus ${this.name} has no archive ${name}`);
    return a;
  }

  private archive(event: BusEvent): void {
    if (this.archives.size === 0) return;
    const now = this.ctx.clock.now;
    const input = new MatchInput(event);
    for (const a of this.archives.values()) {
      if (a.pattern !== undefined && !matchesEventPattern(a.pattern, input)) continue;
      this.expire(a);
      a.events.push({ at: now, event });
      this.ctx.trace.emit('archived', this.name, event.id, undefined, { archive: a.name });
    }
  }

  /** Forget events older than the archive's retention. */
  private expire(a: Archive): void {
    if (a.retentionMs === 0) return;
    const oldest = this.ctx.clock.now - a.retentionMs;
    while (a.head < a.events.length && a.events[a.head].at < oldest) a.head++;
    if (a.head > 1024 && a.head * 2 > a.events.length) {
      a.events = a.events.slice(a.head);
      a.head = 0;
    }
  }

  /** Send an event to the targets of every enabled rule it matches. */
  private route(event: BusEvent): void {
    const firstAt = this.ctx.clock.now;
    // Flattened once, before any target sees it: every rule matches the event as it was put.
    const input = new MatchInput(event);
    for (const rule of [...this.ruleMap.values()]) {
      if (!rule.enabled || rule.pattern === undefined) continue;
      if (!matchesEventPattern(rule.pattern, input)) {
        this.ctx.trace.emit('filtered-out', this.name, event.id, undefined, { rule: rule.name });
        continue;
      }
      for (const target of rule.targets) this.attempt(rule, target, event, 1, firstAt);
    }
  }

  /** One delivery attempt; on failure schedule a retry (backoff with jitter) or give up. */
  private attempt(rule: Rule, target: Target, event: BusEvent, attempt: number, firstAt: number): void {
    try {
      if (target.transform) {
        const payload = target.transform({ event, ruleName: rule.name, ruleArn: arn.rule(this.name, rule.name), ingestionTime: event.time });
        target.deliver(event, payload);
      } else target.deliver(event);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.ctx.trace.emit('delivery-failed', this.name, event.id, undefined, { rule: rule.name, target: target.id, endpoint: target.endpoint, attempt, error });
      if (attempt - 1 >= target.maxRetries) {
        this.giveUp(rule, target, event, attempt, error, 'retry attempts exhausted');
        return;
      }
      // Exponential backoff with "equal jitter": half the step is fixed, half random (from the seed).
      const step = Math.min(BUS_RETRY_CAP_MS, BUS_RETRY_BASE_MS * 2 ** (attempt - 1));
      const delayMs = Math.round(step / 2 + this.ctx.random.next() * (step / 2));
      if (this.ctx.clock.now + delayMs - firstAt > target.maxAgeMs) {
        this.giveUp(rule, target, event, attempt, error, 'maximum event age reached');
        return;
      }
      const timer = this.ctx.clock.schedule(delayMs, () => {
        rule.pending.delete(timer);
        if (!rule.removed) this.attempt(rule, target, event, attempt + 1, firstAt);
      });
      rule.pending.set(timer, event.id);
      this.ctx.trace.emit('retried', this.name, event.id, undefined, { rule: rule.name, target: target.id, endpoint: target.endpoint, attempt: attempt + 1, delayMs });
      return;
    }
    this.ctx.trace.emit('delivered', this.name, event.id, undefined, { rule: rule.name, target: target.id, endpoint: target.endpoint, attempt });
  }

  private giveUp(rule: Rule, target: Target, event: BusEvent, attempts: number, error: string, reason: string): void {
    const detail = { rule: rule.name, target: target.id, endpoint: target.endpoint, attempts, error, reason };
    if (target.deadLetter) {
      try {
        target.deadLetter(event, error);
        this.ctx.trace.emit('dead-lettered', this.name, event.id, undefined, detail);
      } catch (dlqErr) {
        this.ctx.trace.emit('dropped', this.name, event.id, undefined, { ...detail, reason: `dead-letter queue failed: ${dlqErr instanceof Error ? dlqErr.message : String(dlqErr)}` });
      }
      return;
    }
    this.ctx.trace.emit('dropped', this.name, event.id, undefined, detail);
  }
}
