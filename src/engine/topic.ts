/**
 * An SNS-like topic: publish once, fan out to every subscription.
 *
 * What is modelled (and what learners must not assume):
 * - Push, not pull: at publish time the topic hands a copy of the message to every subscription whose
 *   filter policy matches. There is no storage and no replay: a subscription added later never sees
 *   earlier messages, and a message no subscription wanted is simply gone.
 * - Filter policies act on message attributes (default scope) or on the JSON body (`MessageBody` scope).
 * - Raw delivery off (default): the subscriber receives a JSON envelope (Type, MessageId, TopicArn,
 *   Message, MessageAttributes, Timestamp) and must unwrap `Message`. Raw delivery on: the body as is.
 * - A failed delivery is retried with exponential backoff; when the attempts run out the message goes
 *   to the subscription's dead-letter queue if it has one, otherwise it is dropped (lost).
 */
import { EngineContext } from './context';
import { TimerId } from './clock';
import { EngineError, ValidationError } from './errors';
import { arn, snsNotification } from './events';
import { FilterPolicy, MatchInput, matchesFilterPolicy, validateFilterPolicy } from './pattern';
import { tracedText } from './trace';

/** What a subscriber receives. */
export interface TopicDelivery {
  messageId: string;
  /** The JSON envelope, or the message body itself with raw delivery. */
  body: string;
  attributes: Readonly<Record<string, string | number>>;
  raw: boolean;
  /** The message as published (what the envelope's `Message` holds). */
  message: string;
  /** Virtual ms of the publish. */
  publishedAt: number;
  /** FIFO topics: the message group. */
  groupId?: string;
}

export interface SubscriptionOptions {
  /** Name of the target (queue, function, …) for the trace and diagrams. */
  endpoint: string;
  /** Push one delivery; throwing means the delivery failed (it will be retried). */
  deliver: (d: TopicDelivery) => void;
  filterPolicy?: FilterPolicy;
  /** What the filter policy looks at: message attributes (default) or the JSON message body. */
  filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
  rawDelivery?: boolean;
  retry?: {
    /** Delivery attempts in total, the first included (default 3). */
    attempts?: number;
    /** Wait before the first retry in seconds (default 1), doubling after each failure. */
    delayS?: number;
    /** Cap on the wait between retries in seconds (default 20, SNS's maxDelayTarget default). */
    maxDelayS?: number;
  };
  /** The subscription's dead-letter queue: receives what could not be delivered. */
  deadLetter?: (d: TopicDelivery, error: string) => void;
}

export interface PublishOptions {
  /** String attributes are matched as strings, numbers as SNS Number attributes. */
  attributes?: Record<string, string | number>;
  /** What caused this publish (an earlier message id, a request id), for the trace. */
  cause?: string;
  /** Message group (required on FIFO topics). */
  groupId?: string;
}

/** Largest message SNS accepts (body plus attributes): 256 KiB. */
export const SNS_MAX_MESSAGE_BYTES = 262144;
/** SNS accepts at most 10 message attributes per message. */
export const SNS_MAX_ATTRIBUTES = 10;
/** Virtual time 0 is this instant in envelope timestamps. */
export { SIMULATION_EPOCH_MS } from './events';

const MAX_ATTEMPTS = 100;
const MAX_DELAY_S = 3600;

interface Subscription {
  id: string;
  endpoint: string;
  deliver: (d: TopicDelivery) => void;
  filterPolicy?: FilterPolicy;
  bodyScope: boolean;
  raw: boolean;
  attempts: number;
  delayMs: number;
  maxDelayMs: number;
  deadLetter?: (d: TopicDelivery, error: string) => void;
  /** Retries waiting on the clock, so unsubscribing can cancel them. */
  pending: Map<TimerId, string>;
  active: boolean;
}

export class Topic {
  readonly name: string;
  readonly arn: string;
  readonly fifo: boolean;
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly ctx: EngineContext,
    options: { name: string; fifo?: boolean },
  ) {
    const name = options?.name;
    const fifo = options?.fifo ?? false;
    if (typeof fifo !== 'boolean') throw new ValidationError('fifo', `must be true or false, got ${String(fifo)}`);
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name) || name.length > 256) {
      throw new ValidationError('name', `must be 1–256 letters, digits, hyphens or underscores (FIFO: ending in .fifo), got ${JSON.stringify(name)}`);
    }
    if (fifo !== name.endsWith('.fifo')) {
      throw new ValidationError('name', fifo ? `a FIFO topic name must end in .fifo, got ${name}` : `only a FIFO topic name may end in .fifo, got ${name}`);
    }
    this.name = name;
    this.fifo = fifo;
    this.arn = arn.topic(name);
  }

  /** Add a subscription; returns its id. Validates everything first, so a rejected call adds nothing. */
  subscribe(options: SubscriptionOptions): string {
    const o = options ?? ({} as SubscriptionOptions);
    if (typeof o.endpoint !== 'string' || o.endpoint === '') throw new ValidationError('endpoint', `must be a non-empty string, got ${JSON.stringify(o.endpoint)}`);
    if (typeof o.deliver !== 'function') throw new ValidationError('deliver', 'must be a function');
    const scope = o.filterPolicyScope ?? 'MessageAttributes';
    if (scope !== 'MessageAttributes' && scope !== 'MessageBody') {
      throw new ValidationError('filterPolicyScope', `must be MessageAttributes or MessageBody, got ${JSON.stringify(scope)}`);
    }
    if (o.filterPolicy !== undefined) validateFilterPolicy(o.filterPolicy, 'filterPolicy', scope);
    if (o.rawDelivery !== undefined && typeof o.rawDelivery !== 'boolean') throw new ValidationError('rawDelivery', `must be true or false, got ${String(o.rawDelivery)}`);
    if (o.deadLetter !== undefined && typeof o.deadLetter !== 'function') throw new ValidationError('deadLetter', 'must be a function');
    const retry = o.retry ?? {};
    const attempts = retry.attempts ?? 3;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_ATTEMPTS) {
      throw new ValidationError('retry.attempts', `must be an integer between 1 and ${MAX_ATTEMPTS}, got ${attempts}`);
    }
    const delayS = retry.delayS ?? 1;
    if (typeof delayS !== 'number' || !(delayS >= 0 && delayS <= MAX_DELAY_S)) {
      throw new ValidationError('retry.delayS', `must be between 0 and ${MAX_DELAY_S} seconds, got ${delayS}`);
    }
    const maxDelayS = retry.maxDelayS ?? Math.max(20, delayS);
    if (typeof maxDelayS !== 'number' || !(maxDelayS >= delayS && maxDelayS <= MAX_DELAY_S)) {
      throw new ValidationError('retry.maxDelayS', `must be between delayS (${delayS}) and ${MAX_DELAY_S} seconds, got ${maxDelayS}`);
    }
    const id = this.ctx.id('sub');
    this.subs.push({
      id,
      endpoint: o.endpoint,
      deliver: o.deliver,
      filterPolicy: o.filterPolicy,
      bodyScope: scope === 'MessageBody',
      raw: o.rawDelivery ?? false,
      attempts,
      delayMs: delayS * 1000,
      maxDelayMs: maxDelayS * 1000,
      deadLetter: o.deadLetter,
      pending: new Map(),
      active: true,
    });
    return id;
  }

  /** Remove a subscription: nothing more is delivered to it, retries still waiting are dropped. */
  unsubscribe(id: string): void {
    const i = this.subs.findIndex((s) => s.id === id);
    if (i < 0) throw new EngineError('NotFound', `topic ${this.name} has no subscription ${id}`);
    const [sub] = this.subs.splice(i, 1);
    sub.active = false;
    for (const [timer, messageId] of sub.pending) {
      this.ctx.clock.cancel(timer);
      this.ctx.trace.emit('dropped', this.name, messageId, undefined, { endpoint: sub.endpoint, reason: 'unsubscribed' });
    }
    sub.pending.clear();
  }

  subscriptions(): Array<{ id: string; endpoint: string; filterPolicy?: FilterPolicy; rawDelivery: boolean }> {
    return this.subs.map((s) => {
      const out: { id: string; endpoint: string; filterPolicy?: FilterPolicy; rawDelivery: boolean } = { id: s.id, endpoint: s.endpoint, rawDelivery: s.raw };
      if (s.filterPolicy !== undefined) out.filterPolicy = s.filterPolicy;
      return out;
    });
  }

  /**
   * Publish a message: every matching subscription gets it now ('delivered' / 'filtered-out' per
   * subscription). Returns how many subscriptions it was pushed to (first attempt succeeded or not)
   * and how many filtered it out.
   */
  publish(body: string, options: PublishOptions = {}): { messageId: string; delivered: number; filtered: number } {
    if (typeof body !== 'string') throw new ValidationError('body', `must be a string, got ${typeof body}`);
    const attributes = options.attributes;
    let bytes = Buffer.byteLength(body, 'utf8');
    if (attributes !== undefined) bytes += validateAttributes(attributes);
    if (bytes > SNS_MAX_MESSAGE_BYTES) {
      throw new ValidationError('body', `message size (body plus attributes) must be at most ${SNS_MAX_MESSAGE_BYTES} bytes, got ${bytes}`);
    }
    const groupId = options.groupId;
    if (groupId !== undefined && (typeof groupId !== 'string' || groupId.length < 1 || groupId.length > 128)) {
      throw new ValidationError('groupId', `must be 1–128 characters, got ${JSON.stringify(groupId)}`);
    }
    if (this.fifo && groupId === undefined) throw new ValidationError('groupId', `is required when publishing to the FIFO topic ${this.name}`);

    const messageId = this.ctx.id('sns');
    const attrs: Readonly<Record<string, string | number>> = attributes === undefined ? EMPTY : Object.freeze({ ...attributes });
    if (this.ctx.trace.wants('published')) {
      const detail: Record<string, unknown> = { subscriptions: this.subs.length, body: tracedText(body) };
      if (attributes !== undefined) detail.attributes = { ...attributes };
      this.ctx.trace.emit('published', this.name, messageId, options.cause, detail);
    } else this.ctx.trace.emit('published', this.name, messageId, options.cause);

    let envelope: string | undefined;
    // Flattened for matching at most once each, whatever the number of subscriptions.
    let bodyInput: MatchInput | null | undefined;
    let attrsInput: MatchInput | undefined;
    let delivered = 0;
    let filtered = 0;
    // Snapshot: a subscriber subscribing or unsubscribing during delivery does not change this fan-out.
    const subs = this.subs.slice();
    for (const sub of subs) {
      if (sub.filterPolicy !== undefined) {
        let input: MatchInput | null;
        if (sub.bodyScope) {
          if (bodyInput === undefined) {
            const parsed = parseJsonObject(body);
            bodyInput = parsed === undefined ? null : new MatchInput(parsed);
          }
          input = bodyInput;
        } else input = attrsInput ??= new MatchInput(attrs);
        // A body policy never matches a body that is not a JSON object.
        if (input === null || !matchesFilterPolicy(sub.filterPolicy, input, sub.bodyScope ? 'MessageBody' : 'MessageAttributes')) {
          filtered++;
          this.ctx.trace.emit('filtered-out', this.name, messageId, undefined, { endpoint: sub.endpoint, subscription: sub.id });
          continue;
        }
      }
      let deliveryBody = body;
      if (!sub.raw) deliveryBody = envelope ??= this.envelope(messageId, body, attrs, groupId);
      const delivery: TopicDelivery = { messageId, body: deliveryBody, attributes: attrs, raw: sub.raw, message: body, publishedAt: this.ctx.clock.now };
      if (groupId !== undefined) delivery.groupId = groupId;
      delivered++;
      this.attempt(sub, delivery, 1);
    }
    return { messageId, delivered, filtered };
  }

  /** One delivery attempt; on failure schedule the next one or give up. */
  private attempt(sub: Subscription, d: TopicDelivery, attempt: number): void {
    try {
      sub.deliver(d);
    } catch (err) {
      const error = errorText(err);
      this.ctx.trace.emit('delivery-failed', this.name, d.messageId, undefined, { endpoint: sub.endpoint, attempt, error });
      if (attempt < sub.attempts) {
        const delayMs = Math.min(sub.maxDelayMs, sub.delayMs * 2 ** (attempt - 1));
        const timer = this.ctx.clock.schedule(delayMs, () => {
          sub.pending.delete(timer);
          if (sub.active) this.attempt(sub, d, attempt + 1);
        });
        sub.pending.set(timer, d.messageId);
        this.ctx.trace.emit('retried', this.name, d.messageId, undefined, { endpoint: sub.endpoint, attempt: attempt + 1, delayMs });
        return;
      }
      this.giveUp(sub, d, attempt, error);
      return;
    }
    this.ctx.trace.emit('delivered', this.name, d.messageId, undefined, { endpoint: sub.endpoint, attempt });
  }

  private giveUp(sub: Subscription, d: TopicDelivery, attempts: number, error: string): void {
    if (sub.deadLetter) {
      try {
        sub.deadLetter(d, error);
        this.ctx.trace.emit('dead-lettered', this.name, d.messageId, undefined, { endpoint: sub.endpoint, attempts, error });
        return;
      } catch (dlqErr) {
        this.ctx.trace.emit('dropped', this.name, d.messageId, undefined, { endpoint: sub.endpoint, attempts, error, reason: `dead-letter queue failed: ${errorText(dlqErr)}` });
        return;
      }
    }
    this.ctx.trace.emit('dropped', this.name, d.messageId, undefined, { endpoint: sub.endpoint, attempts, error });
  }

  /** The JSON notification SNS wraps a message in when raw delivery is off. */
  private envelope(messageId: string, message: string, attrs: Readonly<Record<string, string | number>>, groupId: string | undefined): string {
    return JSON.stringify(snsNotification({ topicName: this.name, messageId, message, attributes: attrs, now: this.ctx.clock.now, ...(groupId !== undefined ? { groupId } : {}) }));
  }

}

const EMPTY: Readonly<Record<string, string | number>> = Object.freeze({});

/** Validate message attributes; returns their size in bytes (names plus values). */
function validateAttributes(attributes: Record<string, string | number>): number {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw new ValidationError('attributes', 'must be an object of name → string or number');
  }
  let bytes = 0;
  let count = 0;
  for (const name in attributes) {
    count++;
    const v = attributes[name];
    const p = `attributes.${name}`;
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
      throw new ValidationError(p, 'attribute names are 1–256 letters, digits, _ - . (no leading, trailing or doubled dots)');
    }
    if (name.toLowerCase().startsWith('aws.') || name.toLowerCase().startsWith('amazon.')) {
      throw new ValidationError(p, "attribute names starting with 'AWS.' or 'Amazon.' are reserved");
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new ValidationError(p, `a Number attribute must be finite, got ${v}`);
      bytes += Buffer.byteLength(name) + String(v).length;
    } else if (typeof v === 'string') {
      if (v === '') throw new ValidationError(p, 'attribute values must not be empty');
      bytes += Buffer.byteLength(name) + Buffer.byteLength(v);
    } else throw new ValidationError(p, `must be a string or a number, got ${v === null ? 'null' : typeof v}`);
  }
  if (count > SNS_MAX_ATTRIBUTES) throw new ValidationError('attributes', `at most ${SNS_MAX_ATTRIBUTES} message attributes, got ${count}`);
  return bytes;
}

/** The body as a JSON object, or undefined when it is not JSON (or not an object). */
function parseJsonObject(body: string): unknown {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
