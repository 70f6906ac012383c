/**
 * An SNS-like topic: publish once, fan out to every subscription.
 *
 * What is modelled (and what learners must not assume):
 * - Push, not pull: at publish time the topic decides which subscriptions get a copy (those whose
 *   filter policy matches) and pushes each its copy a delivery delay later (`topicDelivery.ts`: tens
 *   of ms, seeded; the envelope's Timestamp stays the publish time). There is no storage and no
 *   replay: a subscription added later never sees earlier messages, and a message no subscription
 *   wanted is simply gone.
 * - Filter policies act on message attributes (default scope) or on the JSON body (`MessageBody` scope).
 * - Raw delivery off (default): the subscriber receives a JSON envelope (Type, MessageId, TopicArn,
 *   Message, MessageAttributes, Timestamp) and must unwrap `Message`. Raw delivery on: the body as is.
 * - A failed delivery is retried with exponential backoff; when the attempts run out the message goes
 *   to the subscription's dead-letter queue if it has one, otherwise it is dropped (lost).
 * - Attributes are String (a string), Number (a number) or String.Array (an array of strings, numbers,
 *   true/false/null): a filter policy matches a String.Array when any element matches (for
 *   `anything-but`: when no element is excluded).
 * - FIFO topics (SNS FIFO, "Message deduplication for FIFO topics"): every message has a group and a
 *   deduplication id — given by the publisher, or the SHA-256 of the body with content-based
 *   deduplication. A publish whose deduplication id was accepted in the last 5 minutes is accepted
 *   again but delivered to nobody, and answers with the first message's id: a producer's retry
 *   does not fan out twice. Each accepted message gets a sequence number.
 */
import { EngineContext } from './context';
import { TimerId } from './clock';
import { EngineError, ValidationError } from './errors';
import { createHash } from 'node:crypto';
import { arn, SnsAttributes, SnsAttributeValue, snsNotification } from './events';
import { FilterPolicy, MatchInput, matchesFilterPolicy, validateFilterPolicy } from './pattern';
import type { Lineage } from './recursion';
import { tracedText } from './trace';
import type { ServiceLatency } from './latency';
import { DeliveryDelays } from './topicDelivery';

/** What a subscriber receives. */
export interface TopicDelivery {
  messageId: string;
  /** The JSON envelope, or the message body itself with raw delivery. */
  body: string;
  attributes: SnsAttributes;
  raw: boolean;
  /** The message as published (what the envelope's `Message` holds). */
  message: string;
  /** Virtual ms of the publish. */
  publishedAt: number;
  /** FIFO topics: the message group. */
  groupId?: string;
  /** FIFO topics: the deduplication id (the publisher's, or the body's SHA-256). */
  deduplicationId?: string;
  /** FIFO topics: the message's sequence number (a 20-digit string). */
  sequenceNumber?: string;
  /** The chain of requests the message carries (recursion.ts), when a function published it. */
  lineage?: Lineage;
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
  /**
   * Strings are String attributes, numbers Number attributes, arrays (of strings, numbers,
   * true/false/null) String.Array attributes.
   */
  attributes?: Record<string, SnsAttributeValue>;
  /** What caused this publish (an earlier message id, a request id), for the trace. */
  cause?: string;
  /** The chain of requests the message carries (recursion.ts). */
  lineage?: Lineage;
  /** Message group (required on FIFO topics). */
  groupId?: string;
  /** FIFO topics: deduplication id (required unless the topic has content-based deduplication). */
  deduplicationId?: string;
}

/** What a publish answers. */
export interface PublishResult {
  messageId: string;
  delivered: number;
  filtered: number;
  /** FIFO: a repeat of a deduplication id seen in the last 5 minutes (delivered to nobody). */
  deduplicated?: boolean;
  /** FIFO: the message's sequence number. */
  sequenceNumber?: string;
}

/** Largest message SNS accepts (body plus attributes): 256 KiB. */
export const SNS_MAX_MESSAGE_BYTES = 262144;
/** SNS accepts at most 10 message attributes per message. */
export const SNS_MAX_ATTRIBUTES = 10;
/** Virtual time 0 is this instant in envelope timestamps. */
export { SIMULATION_EPOCH_MS } from './events';

const MAX_ATTEMPTS = 100;
const MAX_DELAY_S = 3600;
/** FIFO deduplication interval: 5 minutes. */
export const SNS_DEDUP_WINDOW_MS = 5 * 60 * 1000;

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
  readonly contentBasedDeduplication: boolean;
  private readonly subs: Subscription[] = [];
  /** FIFO: deduplication id → the first message with it and when it was accepted, oldest first. */
  private readonly dedup = new Map<string, { messageId: string; sequenceNumber: string; at: number }>();
  private sequence = 0;
  private readonly delays: DeliveryDelays;

  constructor(
    private readonly ctx: EngineContext,
    options: { name: string; fifo?: boolean; contentBasedDeduplication?: boolean; /** Publish to delivery (default TOPIC_DELIVERY_DELAY). */ deliveryDelay?: ServiceLatency },
  ) {
    const name = options?.name;
    const fifo = options?.fifo ?? false;
    if (typeof fifo !== 'boolean') throw new ValidationError('fifo', `must be true or false, got ${String(fifo)}`);
    const contentBased = options?.contentBasedDeduplication ?? false;
    if (typeof contentBased !== 'boolean') throw new ValidationError('contentBasedDeduplication', `must be true or false, got ${String(contentBased)}`);
    if (contentBased && !fifo) throw new ValidationError('contentBasedDeduplication', 'only FIFO topics deduplicate (set "fifo": true)');
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name) || name.length > 256) {
      throw new ValidationError('name', `must be 1–256 letters, digits, hyphens or underscores (FIFO: ending in .fifo), got ${JSON.stringify(name)}`);
    }
    if (fifo !== name.endsWith('.fifo')) {
      throw new ValidationError('name', fifo ? `a FIFO topic name must end in .fifo, got ${name}` : `only a FIFO topic name may end in .fifo, got ${name}`);
    }
    this.name = name;
    this.fifo = fifo;
    this.contentBasedDeduplication = contentBased;
    this.arn = arn.topic(name);
    const delay = options.deliveryDelay;
    if (delay !== undefined) {
      for (const k of ['baseMs', 'jitterMs'] as const) {
        if (typeof delay?.[k] !== 'number' || !(delay[k] >= 0 && delay[k] <= 60_000)) throw new ValidationError(`deliveryDelay.${k}`, `must be a number of ms between 0 and 60000, got ${JSON.stringify(delay?.[k])}`);
      }
    }
    this.delays = new DeliveryDelays(ctx.stream(`topic-delivery:${name}`), fifo, delay);
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
    this.delays.forget(sub.id);
    for (const [timer, messageId] of sub.pending) {
      this.ctx.clock.cancel(timer);
      this.ctx.trace.emit('dropped', this.name, messageId, undefined, { endpoint: sub.endpoint, reason: 'unsubscribed' });
    }
    sub.pending.clear();
  }

  /** When a copy handed over now reaches subscription `id` (a FIFO topic's copies keep their order). */
  deliveryAt(id: string): number {
    return this.delays.arrival(id, this.ctx.clock.now);
  }

  subscriptions(): Array<{ id: string; endpoint: string; filterPolicy?: FilterPolicy; rawDelivery: boolean }> {
    return this.subs.map((s) => {
      const out: { id: string; endpoint: string; filterPolicy?: FilterPolicy; rawDelivery: boolean } = { id: s.id, endpoint: s.endpoint, rawDelivery: s.raw };
      if (s.filterPolicy !== undefined) out.filterPolicy = s.filterPolicy;
      return out;
    });
  }

  /**
   * Publish a message: the subscriptions that match are decided now ('filtered-out' for the others),
   * and each gets its copy after its delivery delay ('delivered'). Returns how many subscriptions it
   * will be pushed to (first attempt succeeding or not) and how many filtered it out.
   */
  publish(body: string, options: PublishOptions = {}): PublishResult {
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
    let deduplicationId = options.deduplicationId;
    if (deduplicationId !== undefined) {
      if (!this.fifo) throw new ValidationError('deduplicationId', `only FIFO topics deduplicate (${this.name} is standard)`);
      if (typeof deduplicationId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(deduplicationId)) {
        throw new ValidationError('deduplicationId', `must be 1–128 printable ASCII characters (letters, digits, punctuation), got ${JSON.stringify(deduplicationId)}`);
      }
    }

    let sequenceNumber: string | undefined;
    if (this.fifo) {
      if (deduplicationId === undefined) {
        if (!this.contentBasedDeduplication) {
          throw new ValidationError(
            'deduplicationId',
            `is required: the FIFO topic ${this.name} has no content-based deduplication (SNS: "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")`,
          );
        }
        deduplicationId = createHash('sha256').update(body, 'utf8').digest('hex');
      }
      const now = this.ctx.clock.now;
      this.forgetOldDedupIds(now);
      const seen = this.dedup.get(deduplicationId);
      if (seen !== undefined) {
        // Accepted, delivered to nobody; traced with the first message's id, the one the producer gets back.
        if (this.ctx.trace.wants('deduplicated')) {
          this.ctx.trace.emit('deduplicated', this.name, seen.messageId, options.cause, { deduplicationId, firstMessageId: seen.messageId, groupId, body: tracedText(body) });
        } else this.ctx.trace.emit('deduplicated', this.name, seen.messageId, options.cause);
        return { messageId: seen.messageId, delivered: 0, filtered: 0, deduplicated: true, sequenceNumber: seen.sequenceNumber };
      }
      sequenceNumber = String(++this.sequence).padStart(20, '0');
    }

    const messageId = this.ctx.id('sns');
    if (deduplicationId !== undefined) this.dedup.set(deduplicationId, { messageId, sequenceNumber: sequenceNumber!, at: this.ctx.clock.now });
    const attrs: SnsAttributes = attributes === undefined ? EMPTY : copyAttributes(attributes);
    if (this.ctx.trace.wants('published')) {
      const detail: Record<string, unknown> = { subscriptions: this.subs.length, body: tracedText(body) };
      if (attributes !== undefined) detail.attributes = copyAttributes(attributes);
      if (deduplicationId !== undefined) detail.deduplicationId = deduplicationId;
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
      if (!sub.raw) deliveryBody = envelope ??= this.envelope(messageId, body, attrs, groupId, sequenceNumber);
      const delivery: TopicDelivery = { messageId, body: deliveryBody, attributes: attrs, raw: sub.raw, message: body, publishedAt: this.ctx.clock.now };
      if (groupId !== undefined) delivery.groupId = groupId;
      if (deduplicationId !== undefined) delivery.deduplicationId = deduplicationId;
      if (sequenceNumber !== undefined) delivery.sequenceNumber = sequenceNumber;
      if (options.lineage !== undefined) delivery.lineage = options.lineage;
      delivered++;
      const timer = this.ctx.clock.at(this.delays.arrival(sub.id, this.ctx.clock.now), () => {
        sub.pending.delete(timer);
        if (sub.active) this.attempt(sub, delivery, 1);
      });
      sub.pending.set(timer, messageId);
    }
    return sequenceNumber === undefined ? { messageId, delivered, filtered } : { messageId, delivered, filtered, deduplicated: false, sequenceNumber };
  }

  /** Drop deduplication ids accepted more than 5 minutes ago (the map is in acceptance order). */
  private forgetOldDedupIds(now: number): void {
    for (const [id, e] of this.dedup) {
      if (now - e.at < SNS_DEDUP_WINDOW_MS) break;
      this.dedup.delete(id);
    }
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
  private envelope(messageId: string, message: string, attrs: SnsAttributes, groupId: string | undefined, sequenceNumber: string | undefined): string {
    return JSON.stringify(
      snsNotification({
        topicName: this.name,
        messageId,
        message,
        attributes: attrs,
        now: this.ctx.clock.now,
        ...(groupId !== undefined ? { groupId } : {}),
        ...(sequenceNumber !== undefined ? { sequenceNumber } : {}),
      }),
    );
  }

}

const EMPTY: SnsAttributes = Object.freeze({});

/** A frozen copy (arrays copied too), so later changes by the publisher do not leak in. */
function copyAttributes(attributes: Record<string, SnsAttributeValue>): SnsAttributes {
  const out: Record<string, SnsAttributeValue> = {};
  for (const k in attributes) {
    const v = attributes[k];
    out[k] = Array.isArray(v) ? Object.freeze(v.slice()) : v;
  }
  return Object.freeze(out);
}

/**
 * The FIFO options of a publish the lab makes itself (traffic, faults, notifications): the group, and
 * a deduplication id unique to the request unless the topic deduplicates by content.
 */
export function fifoPublish(topic: Topic, groupId: string, requestId: string): { groupId: string; deduplicationId?: string } {
  return topic.contentBasedDeduplication ? { groupId } : { groupId, deduplicationId: requestId };
}

/**
 * Attributes as SQS receives them from a raw-delivery subscription: SQS has no String.Array type, so
 * a String.Array arrives as a String attribute holding its JSON text.
 */
export function sqsAttributesOf(attributes: SnsAttributes): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const k in attributes) {
    const v = attributes[k];
    out[k] = Array.isArray(v) ? JSON.stringify(v) : (v as string | number);
  }
  return out;
}

/** Validate message attributes; returns their size in bytes (names plus values). */
function validateAttributes(attributes: Record<string, SnsAttributeValue>): number {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw new ValidationError('attributes', 'must be an object of name → string, number or array (String.Array)');
  }
  let bytes = 0;
  let count = 0;
  for (const name in attributes) {
    count++;
    const v: unknown = attributes[name];
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
    } else if (Array.isArray(v)) {
      // String.Array: "an array, formatted as a string, that can contain multiple values: strings,
      // numbers, or the keywords true, false and null" (SNS message attribute data types).
      v.forEach((el: unknown, i) => {
        const ok = el === null || typeof el === 'string' || typeof el === 'boolean' || (typeof el === 'number' && Number.isFinite(el));
        if (!ok) throw new ValidationError(`${p}[${i}]`, `a String.Array holds strings, finite numbers, true/false or null, got ${el === undefined ? 'nothing' : JSON.stringify(el) ?? typeof el}`);
      });
      bytes += Buffer.byteLength(name) + Buffer.byteLength(JSON.stringify(v));
    } else throw new ValidationError(p, `must be a string, a number or an array (String.Array), got ${v === null ? 'null' : typeof v}`);
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
