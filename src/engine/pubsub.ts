/**
 * A messaging service modelled on Google Cloud Pub/Sub, in virtual time.
 *
 * The ideas it teaches, and where it differs from SNS + SQS:
 *
 * - **A topic fans out to subscriptions, and each subscription is also the queue.** Every
 *   subscription gets each message (unless its filter drops it); there is no separate queue to wire.
 * - **Pull or push.** A pull subscriber asks for messages; a push subscription calls an endpoint (a
 *   function) and treats success as the ack.
 * - **Ack deadline, not visibility timeout.** A delivered message must be acked within the
 *   subscription's ack deadline (10 s by default, 10–600 s) or it is redelivered;
 *   `modifyAckDeadline` extends it (0 is a nack: redeliver now). With a retry policy, redelivery
 *   after a nack or an expired deadline waits an exponential backoff (min 10 s, max 600 s by default).
 * - **At-least-once by default; exactly-once on request** (pull only): with exactly-once delivery an
 *   acked message is never redelivered, only the latest ack id of a message is valid, and an ack
 *   after its deadline fails (`FAILED_PRECONDITION`) — the subscriber learns its work may be repeated.
 *   Without it a late ack is accepted on a best-effort basis.
 * - **Ordering keys** (subscription `enableMessageOrdering`): messages with the same key are
 *   delivered in publish order, one key to one outstanding batch at a time; if a message is
 *   redelivered, every later message of that key is redelivered too, **even those already acked**
 *   ("consistent redelivery").
 * - **Dead-letter topics**: after `maxDeliveryAttempts` (5–100, default 5) a message is forwarded
 *   to the dead-letter topic instead; deliveries then carry `deliveryAttempt`.
 * - **Retention and seek**: a subscription keeps unacked messages for its retention (7 days by
 *   default, 10 min–31 days); with `retainAckedMessages` it keeps acked ones too, so `seek` to a
 *   time can mark them unacked again and replay them. A snapshot captures the ack state to seek back to.
 * - **Filters** on attributes (`attributes.k = "v"`, `!=`, `attributes:k`, `hasPrefix(attributes.k, "p")`,
 *   `NOT`, `AND`, `OR`, parentheses; AND and OR may not be mixed without parentheses). A message the
 *   filter drops is acknowledged automatically and never delivered.
 *
 * Sources: cloud.google.com/pubsub/docs — subscriber ("ack deadline"), handling-failures (retry
 * policy, dead-letter topics), exactly-once-delivery, ordering, replay-overview (seek, snapshots),
 * subscription-message-filter, push (push backoff, delivery rate).
 * Modelling choices: pull returns the oldest deliverable messages first; a push subscription
 * without a retry policy backs off from 100 ms doubling to 60 s (Pub/Sub's push backoff); push
 * delivery starts slowly — one outstanding push, the window doubling with each success (up to
 * 3,000) and halving with each failure — as Pub/Sub adjusts its push rate to the endpoint's
 * success rate.
 */
import type { TimerId } from './clock';
import type { EngineContext } from './context';
import { EngineError, fail, show } from './errors';
import { tracedText } from './trace';

export type PubSubAttributes = Record<string, string>;

export interface PubSubMessage {
  messageId: string;
  data: string;
  attributes: PubSubAttributes;
  orderingKey?: string;
  publishTime: number;
}

export interface ReceivedPubSubMessage {
  ackId: string;
  message: PubSubMessage;
  /** Only on subscriptions with a dead-letter policy: this delivery's attempt number (1, 2, …). */
  deliveryAttempt?: number;
}

export interface SubscriptionOptions {
  name: string;
  /** 10–600 s, default 10. */
  ackDeadlineS?: number;
  /** How long unacked (and, with retainAckedMessages, acked) messages are kept: 600–2,678,400 s, default 604,800 (7 days). */
  retentionS?: number;
  retainAckedMessages?: boolean;
  enableMessageOrdering?: boolean;
  /** Pull subscriptions only. */
  enableExactlyOnceDelivery?: boolean;
  filter?: string;
  deadLetterPolicy?: { topic: string; maxDeliveryAttempts?: number };
  /** Backoff between redeliveries, seconds: min default 10, max default 600 (0–600). */
  retryPolicy?: { minimumBackoffS?: number; maximumBackoffS?: number };
  /**
   * A push subscription: the endpoint's answer is the ack (true) or a failure (false). An endpoint
   * that answers later (a function that runs for a while) returns nothing and calls `settle` when
   * it is done; an answer after the ack deadline comes too late (the delivery already failed).
   */
  push?: (message: ReceivedPubSubMessage, settle: (ok: boolean) => void) => boolean | void;
}

interface Held {
  message: PubSubMessage;
  acked: boolean;
  /** Outstanding delivery, if any. */
  ackId: string | undefined;
  deadline: number;
  deadlineTimer: TimerId | undefined;
  /** Not deliverable before (backoff after a failure). */
  notBefore: number;
  attempts: number;
}

interface Subscription {
  options: SubscriptionOptions & { ackDeadlineS: number; retentionS: number };
  topic: string;
  filter: ((a: PubSubAttributes) => boolean) | undefined;
  held: Held[];
  byAckId: Map<string, Held>;
  snapshots: Map<string, Set<string>>;
  wake: TimerId | undefined;
  /** Push subscriptions: how many pushes may be outstanding (slow start), and how many are. */
  pushWindow: number;
  pushing: number;
  /** Outstanding pushes by ack id: ends one whose ack deadline passed (the request timed out). */
  pushTimeouts: Map<string, () => void>;
}

interface PubSubTopic {
  name: string;
  subscriptions: string[];
}

// ── subscription filters ────────────────────────────────────────────────────────────────────────

type Token = { t: 'str'; v: string } | { t: 'op'; v: string } | { t: 'word'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) i++;
    else if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') j++;
        v += src[j++];
      }
      if (j >= src.length) throw new Error(`unterminated string at ${i + 1}`);
      out.push({ t: 'str', v });
      i = j + 1;
    } else if (src.startsWith('!=', i)) {
      out.push({ t: 'op', v: '!=' });
      i += 2;
    } else if ('=():,'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
    } else {
      const m = /^[\w][\w.-]*/.exec(src.slice(i));
      if (!m) throw new Error(`unexpected ${JSON.stringify(c)} at ${i + 1}`);
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

/** Compiles a Pub/Sub subscription filter; throws with the position of the first problem. */
export function compileFilter(src: string): (attributes: PubSubAttributes) => boolean {
  if (src.length > 256) throw new Error('a filter is at most 256 bytes');
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p];
  const expect = (v: string) => {
    const tok = tokens[p++];
    if (!tok || tok.v !== v) throw new Error(`expected ${v}${tok ? ` before ${JSON.stringify(tok.v)}` : ' at the end'}`);
  };
  const attrName = (word: string) => {
    if (!word.startsWith('attributes.') || word.length === 11) throw new Error(`${JSON.stringify(word)}: filters look at attributes.<name> only`);
    return word.slice(11);
  };
  type Pred = (a: PubSubAttributes) => boolean;
  const term = (): Pred => {
    const tok = tokens[p++];
    if (!tok) throw new Error('unexpected end of filter');
    if (tok.v === '(') {
      const inner = expr();
      expect(')');
      return inner;
    }
    if (tok.t === 'word' && tok.v === 'NOT') {
      const inner = term();
      return (a) => !inner(a);
    }
    if (tok.t === 'word' && tok.v === 'hasPrefix') {
      expect('(');
      const w = tokens[p++];
      if (!w || w.t !== 'word') throw new Error('hasPrefix needs attributes.<name> first');
      const name = attrName(w.v);
      expect(',');
      const s = tokens[p++];
      if (!s || s.t !== 'str') throw new Error('hasPrefix needs a quoted prefix second');
      expect(')');
      return (a) => Object.hasOwn(a, name) && a[name].startsWith(s.v);
    }
    if (tok.t === 'word' && tok.v === 'attributes') {
      expect(':');
      const w = tokens[p++];
      if (!w || w.t !== 'word') throw new Error('expected an attribute name after attributes:');
      return (a) => Object.hasOwn(a, w.v);
    }
    if (tok.t === 'word') {
      const name = attrName(tok.v);
      const op = tokens[p++];
      const s = tokens[p++];
      if (!op || (op.v !== '=' && op.v !== '!=')) throw new Error(`expected = or != after ${tok.v}`);
      if (!s || s.t !== 'str') throw new Error(`expected a quoted value after ${tok.v} ${op.v}`);
      return op.v === '=' ? (a) => a[name] === s.v : (a) => !Object.hasOwn(a, name) || a[name] !== s.v;
    }
    throw new Error(`unexpected ${JSON.stringify(tok.v)}`);
  };
  const expr = (): Pred => {
    let left = term();
    let joiner: 'AND' | 'OR' | undefined;
    while (peek()?.t === 'word' && (peek().v === 'AND' || peek().v === 'OR')) {
      const j = tokens[p++].v as 'AND' | 'OR';
      if (joiner && joiner !== j) throw new Error('AND and OR cannot be mixed without parentheses');
      joiner = j;
      const right = term();
      const l = left;
      left = j === 'AND' ? (a) => l(a) && right(a) : (a) => l(a) || right(a);
    }
    return left;
  };
  const pred = expr();
  if (p < tokens.length) throw new Error(`unexpected ${JSON.stringify(tokens[p].v)}`);
  return pred;
}

/** Most pushes outstanding at once on one subscription. */
const PUSH_WINDOW_MAX = 3_000;

export class PubSub {
  private readonly topics = new Map<string, PubSubTopic>();
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(private readonly ctx: EngineContext) {}

  createTopic(name: string): void {
    if (!/^[A-Za-z][\w.~+%-]{2,254}$/.test(name) || name.startsWith('goog')) fail('topic', `${show(name)} is not a valid topic name (3–255 characters, starting with a letter, not "goog")`);
    if (this.topics.has(name)) throw new EngineError('ALREADY_EXISTS', `topic ${name} already exists`);
    this.topics.set(name, { name, subscriptions: [] });
  }

  createSubscription(topic: string, options: SubscriptionOptions): void {
    const t = this.topic(topic);
    const name = options?.name;
    const path = `subscriptions.${name}`;
    if (typeof name !== 'string' || !/^[A-Za-z][\w.~+%-]{2,254}$/.test(name)) fail('subscriptions.name', `${show(name)} is not a valid subscription name`);
    if (this.subscriptions.has(name)) throw new EngineError('ALREADY_EXISTS', `subscription ${name} already exists`);
    const ackDeadlineS = options.ackDeadlineS ?? 10;
    if (!(Number.isInteger(ackDeadlineS) && ackDeadlineS >= 10 && ackDeadlineS <= 600)) fail(`${path}.ackDeadlineS`, `must be 10–600 s, got ${show(ackDeadlineS)}`);
    const retentionS = options.retentionS ?? 604_800;
    if (!(retentionS >= 600 && retentionS <= 2_678_400)) fail(`${path}.retentionS`, `must be 600–2,678,400 s (10 minutes to 31 days), got ${show(retentionS)}`);
    if (options.enableExactlyOnceDelivery && options.push) fail(`${path}.enableExactlyOnceDelivery`, 'exactly-once delivery is for pull subscriptions only');
    const dl = options.deadLetterPolicy;
    if (dl) {
      if (!this.topics.has(dl.topic)) fail(`${path}.deadLetterPolicy.topic`, `no topic ${show(dl.topic)}`);
      if (dl.topic === topic) fail(`${path}.deadLetterPolicy.topic`, 'must be another topic than the subscription\'s own');
      const max = dl.maxDeliveryAttempts ?? 5;
      if (!(Number.isInteger(max) && max >= 5 && max <= 100)) fail(`${path}.deadLetterPolicy.maxDeliveryAttempts`, `must be 5–100, got ${show(max)}`);
    }
    const rp = options.retryPolicy;
    if (rp) {
      const min = rp.minimumBackoffS ?? 10;
      const max = rp.maximumBackoffS ?? 600;
      if (!(min >= 0 && min <= 600)) fail(`${path}.retryPolicy.minimumBackoffS`, `must be 0–600 s, got ${show(min)}`);
      if (!(max >= 0 && max <= 600 && max >= min)) fail(`${path}.retryPolicy.maximumBackoffS`, `must be 0–600 s and at least the minimum, got ${show(max)}`);
    }
    let filter: Subscription['filter'];
    if (options.filter !== undefined && options.filter !== '') {
      try {
        filter = compileFilter(options.filter);
      } catch (err) {
        fail(`${path}.filter`, (err as Error).message);
      }
    }
    this.subscriptions.set(name, {
      options: { ...options, ackDeadlineS, retentionS },
      topic,
      filter,
      held: [],
      byAckId: new Map(),
      snapshots: new Map(),
      wake: undefined,
      pushWindow: 1,
      pushing: 0,
      pushTimeouts: new Map(),
    });
    t.subscriptions.push(name);
  }

  publish(topic: string, data: string, options: { attributes?: PubSubAttributes; orderingKey?: string; cause?: string } = {}): string {
    const t = this.topic(topic);
    if (typeof data !== 'string') fail('data', `must be a string, got ${show(data)}`);
    if (data.length === 0 && Object.keys(options.attributes ?? {}).length === 0) fail('data', 'a message needs data or at least one attribute');
    for (const [k, v] of Object.entries(options.attributes ?? {})) if (typeof v !== 'string') fail(`attributes.${k}`, `attribute values are strings, got ${show(v)}`);
    if (options.orderingKey !== undefined && options.orderingKey.length > 1024) fail('orderingKey', 'is at most 1 KB');
    const message: PubSubMessage = { messageId: this.ctx.id('ps'), data, attributes: { ...(options.attributes ?? {}) }, publishTime: this.ctx.clock.now };
    if (options.orderingKey) message.orderingKey = options.orderingKey;
    this.ctx.trace.emit('published', topic, message.messageId, options.cause, this.ctx.trace.wants('published') ? { body: tracedText(data), attributes: { ...message.attributes }, ...(options.orderingKey ? { orderingKey: options.orderingKey } : {}) } : undefined);
    // A topic stores nothing: with no subscription the message reaches no one and is gone.
    if (t.subscriptions.length === 0) this.ctx.trace.emit('dropped', topic, message.messageId, 'no subscription: Pub/Sub keeps messages only in subscriptions (those created after a publish never see it)');
    for (const name of t.subscriptions) {
      const s = this.subscriptions.get(name)!;
      if (s.filter && !s.filter(message.attributes)) {
        this.ctx.trace.emit('filtered-out', name, message.messageId, 'subscription filter (acknowledged automatically)');
        continue;
      }
      s.held.push({ message, acked: false, ackId: undefined, deadline: 0, deadlineTimer: undefined, notBefore: this.ctx.clock.now, attempts: 0 });
      // The topic hands its copy to the subscription (named in `delivered`), which now holds it.
      this.ctx.trace.emit('delivered', topic, message.messageId, undefined, { target: name });
      this.ctx.trace.emit('sent', name, message.messageId, message.messageId, this.ctx.trace.wants('sent') ? { topic, body: tracedText(data), ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}) } : undefined);
      this.schedulePush(s);
    }
    return message.messageId;
  }

  /** A pull: up to `max` deliverable messages, oldest first (ordered keys: in order, one batch per key). */
  pull(subscription: string, max = 10): ReceivedPubSubMessage[] {
    const s = this.subscription(subscription);
    if (s.options.push) throw new EngineError('FAILED_PRECONDITION', `${subscription} is a push subscription`);
    if (!(Number.isInteger(max) && max >= 1 && max <= 1000)) fail('maxMessages', `must be 1–1000, got ${show(max)}`);
    return this.deliverable(s, max).map((h) => this.deliver(s, h));
  }

  acknowledge(subscription: string, ackIds: string[]): void {
    const s = this.subscription(subscription);
    const eod = Boolean(s.options.enableExactlyOnceDelivery);
    for (const ackId of ackIds) {
      const h = s.byAckId.get(ackId);
      if (!h) {
        if (eod) throw new EngineError('INVALID_ARGUMENT', `ack id ${ackId} is not valid for ${subscription} (unknown or superseded)`);
        continue;
      }
      const current = h.ackId === ackId;
      if (eod && (!current || this.ctx.clock.now > h.deadline)) {
        throw new EngineError('FAILED_PRECONDITION', `ack id ${ackId} expired at ${(h.deadline / 1000).toFixed(3)} s: the message will be (or was) redelivered`);
      }
      if (!current && h.ackId !== undefined) {
        // Best effort without exactly-once: the late ack lands, but the message is already out again.
        this.ctx.trace.emit('stale-handle', subscription, h.message.messageId, 'late ack accepted, the message was already redelivered');
      }
      this.ctx.clock.cancel(h.deadlineTimer);
      h.deadlineTimer = undefined;
      h.ackId = undefined;
      h.acked = true;
      this.ctx.trace.emit('deleted', subscription, h.message.messageId, 'ack');
    }
    this.prune(s);
    this.schedulePush(s);
  }

  /** Extends (or, with 0, gives up: a nack) the deadline of outstanding deliveries. */
  modifyAckDeadline(subscription: string, ackIds: string[], seconds: number): void {
    const s = this.subscription(subscription);
    if (!(Number.isInteger(seconds) && seconds >= 0 && seconds <= 600)) fail('ackDeadlineSeconds', `must be 0–600, got ${show(seconds)}`);
    for (const ackId of ackIds) {
      const h = s.byAckId.get(ackId);
      if (!h || h.ackId !== ackId) {
        if (s.options.enableExactlyOnceDelivery) throw new EngineError('FAILED_PRECONDITION', `ack id ${ackId} is no longer valid`);
        continue;
      }
      if (seconds === 0) this.fail(s, h, 'nack');
      else {
        this.setDeadline(s, h, this.ctx.clock.now + seconds * 1000);
        this.ctx.trace.emit('visibility-changed', subscription, h.message.messageId, `ack deadline extended by ${seconds} s`);
      }
    }
  }

  /** Seek to a time: messages published at or after it become unacked; those before, acked. */
  seek(subscription: string, target: { time: number } | { snapshot: string }): void {
    const s = this.subscription(subscription);
    if ('snapshot' in target) {
      const unacked = s.snapshots.get(target.snapshot);
      if (!unacked) throw new EngineError('NOT_FOUND', `no snapshot ${target.snapshot} of ${subscription}`);
      for (const h of s.held) this.reset(h, !unacked.has(h.message.messageId));
    } else {
      if (!(target.time >= 0)) fail('seek.time', `must be a virtual time ≥ 0 in ms, got ${show(target.time)}`);
      for (const h of s.held) this.reset(h, h.message.publishTime < target.time);
    }
    this.ctx.trace.emit('replayed', subscription, undefined, 'snapshot' in target ? `seek to snapshot ${target.snapshot}` : `seek to ${target.time} ms`);
    this.prune(s);
    this.schedulePush(s);
  }

  createSnapshot(subscription: string, snapshot: string): void {
    const s = this.subscription(subscription);
    s.snapshots.set(snapshot, new Set(s.held.filter((h) => !h.acked).map((h) => h.message.messageId)));
  }

  view(subscription: string): {
    unacked: number;
    outstanding: number;
    acked: number;
    messages: Array<{ messageId: string; data: string; state: 'ready' | 'outstanding' | 'acked'; attempts: number; orderingKey?: string; attributes: PubSubAttributes; ackId?: string; deadline?: number; notBefore?: number }>;
  } {
    const s = this.subscription(subscription);
    this.expire(s);
    const now = this.ctx.clock.now;
    const messages = s.held.map((h) => ({
      messageId: h.message.messageId,
      data: h.message.data,
      state: h.acked ? ('acked' as const) : h.ackId ? ('outstanding' as const) : ('ready' as const),
      attempts: h.attempts,
      ...(h.message.orderingKey ? { orderingKey: h.message.orderingKey } : {}),
      attributes: { ...h.message.attributes },
      ...(h.ackId !== undefined && !h.acked ? { ackId: h.ackId, deadline: h.deadline } : {}),
      ...(!h.acked && h.ackId === undefined && h.notBefore > now ? { notBefore: h.notBefore } : {}),
    }));
    return { unacked: messages.filter((m) => m.state !== 'acked').length, outstanding: messages.filter((m) => m.state === 'outstanding').length, acked: messages.filter((m) => m.state === 'acked').length, messages };
  }

  /** What a subscription was created with, and its topic. */
  subscriptionInfo(name: string): { topic: string; push: boolean } & Omit<SubscriptionOptions, 'push'> & { ackDeadlineS: number; retentionS: number } {
    const s = this.subscription(name);
    const { push, ...options } = s.options;
    return { ...options, topic: s.topic, push: push !== undefined };
  }

  /** Snapshots of a subscription, by name. */
  snapshotNames(subscription: string): string[] {
    return [...this.subscription(subscription).snapshots.keys()];
  }

  /** Delete a subscription: its messages, deadlines and outstanding pushes are gone. */
  deleteSubscription(name: string): void {
    const s = this.subscription(name);
    for (const h of s.held) this.ctx.clock.cancel(h.deadlineTimer);
    this.ctx.clock.cancel(s.wake);
    this.subscriptions.delete(name);
    const t = this.topics.get(s.topic);
    if (t) t.subscriptions = t.subscriptions.filter((x) => x !== name);
  }

  /** Delete a topic with no subscriptions (the lab refuses one with subscriptions: delete them first). */
  deleteTopic(name: string): void {
    const t = this.topic(name);
    if (t.subscriptions.length) throw new EngineError('FAILED_PRECONDITION', `topic ${name} still has subscriptions (${t.subscriptions.join(', ')}): delete them first`);
    for (const s of this.subscriptions.values()) {
      if (s.options.deadLetterPolicy?.topic === name) throw new EngineError('FAILED_PRECONDITION', `topic ${name} is the dead-letter topic of subscription ${s.options.name}`);
    }
    this.topics.delete(name);
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  subscriptionNames(topic?: string): string[] {
    return topic ? [...this.topic(topic).subscriptions] : [...this.subscriptions.keys()];
  }

  // ── inside ────────────────────────────────────────────────────────────────────────────────────

  private topic(name: string): PubSubTopic {
    const t = this.topics.get(name);
    if (!t) throw new EngineError('NOT_FOUND', `no topic ${show(name)} (topics: ${this.topicNames().join(', ') || 'none'})`);
    return t;
  }

  private subscription(name: string): Subscription {
    const s = this.subscriptions.get(name);
    if (!s) throw new EngineError('NOT_FOUND', `no subscription ${show(name)} (subscriptions: ${this.subscriptionNames().join(', ') || 'none'})`);
    return s;
  }

  /** Messages that may be delivered now, oldest first; per ordering key only the next ones in order. */
  private deliverable(s: Subscription, max: number): Held[] {
    const now = this.ctx.clock.now;
    this.expire(s);
    const ordered = Boolean(s.options.enableMessageOrdering);
    const blocked = new Set<string>();
    const out: Held[] = [];
    for (const h of s.held) {
      if (out.length >= max) break;
      if (h.acked) continue;
      const key = ordered ? h.message.orderingKey : undefined;
      if (key !== undefined && blocked.has(key)) continue;
      if (h.ackId !== undefined || h.notBefore > now) {
        // An earlier message of the key is out or backing off: the later ones wait behind it.
        if (key !== undefined) blocked.add(key);
        continue;
      }
      out.push(h);
    }
    return out;
  }

  private deliver(s: Subscription, h: Held): ReceivedPubSubMessage {
    const name = s.options.name;
    const ackId = this.ctx.id(`ack-${name}`);
    h.ackId = ackId;
    h.attempts++;
    s.byAckId.set(ackId, h);
    this.setDeadline(s, h, this.ctx.clock.now + s.options.ackDeadlineS * 1000);
    this.ctx.trace.emit(s.options.push ? 'delivered' : 'received', name, h.message.messageId, h.attempts > 1 ? 'redelivered' : undefined, { attempt: h.attempts, ackId });
    const received: ReceivedPubSubMessage = { ackId, message: { ...h.message, attributes: { ...h.message.attributes } } };
    if (s.options.deadLetterPolicy) received.deliveryAttempt = h.attempts;
    return received;
  }

  private setDeadline(s: Subscription, h: Held, at: number): void {
    this.ctx.clock.cancel(h.deadlineTimer);
    h.deadline = at;
    const ackId = h.ackId;
    h.deadlineTimer = this.ctx.clock.at(at, () => {
      h.deadlineTimer = undefined;
      if (h.ackId !== ackId || h.acked) return;
      if (ackId !== undefined) s.pushTimeouts.get(ackId)?.();
      this.fail(s, h, 'ack deadline expired');
    });
  }

  /** A failed delivery (nack, expired deadline, push failure): dead-letter, or redeliver after the backoff. */
  private fail(s: Subscription, h: Held, why: string): void {
    const name = s.options.name;
    this.ctx.clock.cancel(h.deadlineTimer);
    h.deadlineTimer = undefined;
    h.ackId = undefined;
    const dl = s.options.deadLetterPolicy;
    if (dl && h.attempts >= (dl.maxDeliveryAttempts ?? 5)) {
      h.acked = true;
      this.ctx.trace.emit('dead-lettered', name, h.message.messageId, `${why}; ${h.attempts} delivery attempts`, { deadLetterTopic: dl.topic });
      const attributes = { ...h.message.attributes, CloudPubSubDeadLetterSourceSubscription: name, CloudPubSubDeadLetterSourceDeliveryCount: String(h.attempts) };
      this.publish(dl.topic, h.message.data, { attributes, orderingKey: h.message.orderingKey, cause: h.message.messageId });
      this.prune(s);
      return;
    }
    h.notBefore = this.ctx.clock.now + this.backoffMs(s, h.attempts);
    this.ctx.trace.emit('visibility-expired', name, h.message.messageId, why, { attempt: h.attempts, redeliverAt: h.notBefore });
    // Consistent redelivery: every later message of the key comes again, acked ones included.
    const key = s.options.enableMessageOrdering ? h.message.orderingKey : undefined;
    if (key !== undefined) {
      for (const later of s.held.slice(s.held.indexOf(h) + 1)) {
        if (later.message.orderingKey !== key) continue;
        if (later.acked) this.ctx.trace.emit('requeued', name, later.message.messageId, `ordering key ${key}: redelivered after ${h.message.messageId}, though acked`);
        this.ctx.clock.cancel(later.deadlineTimer);
        later.deadlineTimer = undefined;
        later.ackId = undefined;
        later.acked = false;
        later.notBefore = h.notBefore;
      }
    }
    this.wakeAt(s, h.notBefore);
  }

  private backoffMs(s: Subscription, attempts: number): number {
    const rp = s.options.retryPolicy;
    if (rp) {
      const min = (rp.minimumBackoffS ?? 10) * 1000;
      const max = (rp.maximumBackoffS ?? 600) * 1000;
      return Math.min(max, min * 2 ** Math.max(0, attempts - 1));
    }
    return s.options.push ? Math.min(60_000, 100 * 2 ** Math.max(0, attempts - 1)) : 0;
  }

  private reset(h: Held, acked: boolean): void {
    this.ctx.clock.cancel(h.deadlineTimer);
    h.deadlineTimer = undefined;
    h.ackId = undefined;
    h.acked = acked;
    h.notBefore = this.ctx.clock.now;
  }

  /** Drops what retention no longer keeps: acked messages unless retained, anything past retention. */
  private prune(s: Subscription): void {
    this.expire(s);
    if (!s.options.retainAckedMessages) {
      // An acked message behind an unacked earlier one of its ordering key is kept: if that one is
      // redelivered, this one comes again too (consistent redelivery).
      const waiting = new Set<string>();
      s.held = s.held.filter((h) => {
        const key = s.options.enableMessageOrdering ? h.message.orderingKey : undefined;
        if (!h.acked) {
          if (key !== undefined) waiting.add(key);
          return true;
        }
        return key !== undefined && waiting.has(key);
      });
    }
    for (const [id, h] of s.byAckId) if (!s.held.includes(h)) s.byAckId.delete(id);
  }

  private expire(s: Subscription): void {
    const cutoff = this.ctx.clock.now - s.options.retentionS * 1000;
    const keep: Held[] = [];
    for (const h of s.held) {
      if (h.message.publishTime < cutoff) {
        if (!h.acked) this.ctx.trace.emit('expired', s.options.name, h.message.messageId, 'subscription retention');
        this.ctx.clock.cancel(h.deadlineTimer);
      } else keep.push(h);
    }
    s.held = keep;
  }

  private wakeAt(s: Subscription, at: number): void {
    if (!s.options.push) return;
    this.ctx.clock.at(at, () => this.schedulePush(s));
  }

  /** A push subscription sends what is deliverable now, one message at a time per ordering key. */
  private schedulePush(s: Subscription): void {
    const endpoint = s.options.push;
    if (!endpoint || s.wake) return;
    s.wake = this.ctx.clock.schedule(0, () => {
      s.wake = undefined;
      if (this.subscriptions.get(s.options.name) !== s) return;
      // One push outstanding per ordering key: a key's next message waits for the answer to this one.
      const keys = new Set<string>();
      for (const h of this.deliverable(s, Number.MAX_SAFE_INTEGER)) {
        if (s.pushing >= s.pushWindow) break;
        // An earlier push of the same ordering key may have failed meanwhile: it holds the rest back.
        if (h.acked || h.ackId !== undefined || h.notBefore > this.ctx.clock.now) continue;
        const key = s.options.enableMessageOrdering ? h.message.orderingKey : undefined;
        if (key !== undefined) {
          if (keys.has(key)) continue;
          keys.add(key);
        }
        const received = this.deliver(s, h);
        s.pushing++;
        let answered = false;
        const end = (ok: boolean): void => {
          answered = true;
          s.pushing--;
          s.pushTimeouts.delete(received.ackId);
          s.pushWindow = ok ? Math.min(PUSH_WINDOW_MAX, s.pushWindow * 2) : Math.max(1, Math.floor(s.pushWindow / 2));
        };
        // The push request times out at the ack deadline: a failure, whatever the endpoint says later.
        s.pushTimeouts.set(received.ackId, () => {
          if (!answered) end(false);
        });
        const settle = (ok: boolean): void => {
          if (answered) {
            if (this.subscriptions.get(s.options.name) === s) {
              this.ctx.trace.emit('stale-handle', s.options.name, h.message.messageId, `push answered ${ok ? 'success' : 'failure'} after the ack deadline: the delivery had already failed`);
            }
            return;
          }
          end(ok);
          if (this.subscriptions.get(s.options.name) !== s) return;
          if (ok) this.acknowledge(s.options.name, [received.ackId]);
          else {
            this.schedulePush(s);
            this.ctx.trace.emit('delivery-failed', s.options.name, h.message.messageId, 'push endpoint failed');
            this.fail(s, h, 'push failed');
          }
        };
        let answer: boolean | void;
        try {
          answer = endpoint(received, settle);
        } catch {
          answer = false;
        }
        if (typeof answer !== 'boolean') continue; // the endpoint answers later, through settle
        if (h.ackId === received.ackId) settle(answer);
        else if (!answered) end(true); // settled by the endpoint itself
      }
    });
  }
}
