/**
 * A message broker modelled on RabbitMQ (AMQP 0-9-1), in virtual time.
 *
 * The ideas it teaches, and where it differs from SQS:
 *
 * - **Publishers never address a queue.** They publish to an *exchange* with a routing key; the
 *   exchange's *bindings* decide which queues get a copy: `direct` (binding key = routing key),
 *   `fanout` (every bound queue), `topic` (dot-separated words; `*` is exactly one word, `#` zero or
 *   more) and `headers` (`x-match: all | any` over message headers). The default exchange `""`
 *   routes to the queue named by the routing key. A message no binding matches is dropped, or sent
 *   to the exchange's alternate exchange; a `mandatory` publish is returned to the publisher instead.
 * - **The broker pushes.** A consumer subscribes (`basic.consume`) and the broker hands it messages
 *   round-robin among the queue's consumers. **Prefetch** (`basic.qos`) caps how many unacknowledged
 *   deliveries a consumer holds: with no limit a slow consumer is handed as many messages as a fast
 *   one (round-robin ignores speed); with prefetch 1 a busy consumer is skipped until it acks, so
 *   work goes to whoever is free.
 * - **Acknowledgements.** `ack` removes a delivery; `nack`/`reject` with `requeue` put it back
 *   (classic queues: at its original position; quorum queues: in the returns queue, served first, in
 *   the order returned) and its next delivery carries `redelivered: true`; without requeue it is
 *   dead-lettered (reason `rejected`) or discarded. A consumer or channel that goes away returns
 *   every delivery it had not acked. There is no visibility timeout: a message stays with a live
 *   consumer for as long as it takes.
 * - **TTL.** A queue's `x-message-ttl` and a message's `expiration`: the lower applies, counted from
 *   the publish (a requeue does not reset it). Expired messages are removed **at the head of the
 *   queue** only (RabbitMQ does not scan behind it), so a short-lived message behind a long-lived one
 *   waits for it; they are dead-lettered with reason `expired` when the queue has a dead-letter
 *   exchange.
 * - **Dead-letter exchanges** (`x-dead-letter-exchange`, optional `x-dead-letter-routing-key`):
 *   dead-lettered messages are *published* to that exchange, with an `x-death` header counting why and
 *   where. A message that would be dead-lettered around a cycle back to a queue it already died in,
 *   with no rejection on the way, is dropped.
 * - **Quorum queues** (replicated, always durable, never exclusive) count failed deliveries in
 *   `x-delivery-count` and dead-letter (reason `delivery_limit`) or drop a message whose count exceeds
 *   the delivery limit, 20 by default since RabbitMQ 4.0 (`-1`: none). As of RabbitMQ 4.3 a `reject`
 *   with requeue and a consumer going away count; a `nack` with requeue is a plain return and does not.
 * - **Durability.** On a broker restart non-durable exchanges and queues are gone, and so are the
 *   non-persistent messages of classic queues; quorum queues keep every message.
 * - **Exclusive** queues belong to the connection that declared them and go with it; **auto-delete**
 *   queues are deleted when their last consumer goes.
 *
 * Sources: rabbitmq.com/docs — exchanges, queues, consumers ("Consumer Prefetch"), confirms ("Delivery
 * Acknowledgement", "Negative Acknowledgement and Requeuing"), ttl, dlx, maxlength, quorum-queues
 * ("Poison Message Handling", "Redelivery of Returned Messages", 4.3).
 * Modelling choices: delivery tags count per channel as in AMQP; a dispatch pass runs at the instant
 * after the change that made it possible, so a publish never re-enters a consumer's callback.
 */
import type { TimerId } from './clock';
import type { EngineContext } from './context';
import { EngineError, fail, isPlainObject, show } from './errors';
import { tracedText } from './trace';

export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers';
export type HeaderValue = string | number | boolean;
export type Headers = Record<string, HeaderValue | XDeath[]>;

export interface ExchangeOptions {
  type: ExchangeType;
  /** Survives a broker restart. Default true. */
  durable?: boolean;
  /** Where messages that match no binding go (RabbitMQ's `alternate-exchange`). */
  alternateExchange?: string;
}

export interface AmqpQueueOptions {
  /** `classic` (default) or `quorum` (replicated; always durable, never exclusive). */
  type?: 'classic' | 'quorum';
  /** Survives a broker restart. Default true. */
  durable?: boolean;
  /** Owned by one connection: only it may consume, and the queue is deleted when it closes. */
  exclusive?: boolean;
  /** The connection that declares an exclusive queue. */
  connection?: string;
  /** Deleted when its last consumer goes (after it had one). */
  autoDelete?: boolean;
  /** `x-message-ttl` in ms: messages older than this are removed at the head. */
  messageTtlMs?: number;
  /** `x-dead-letter-exchange`. */
  deadLetterExchange?: string;
  /** `x-dead-letter-routing-key` (default: the message's own routing key). */
  deadLetterRoutingKey?: string;
  /** `x-max-length` with the default `drop-head` overflow: the oldest ready message makes room. */
  maxLength?: number;
  /** Quorum only: `x-delivery-limit`, default 20 (RabbitMQ 4.0+); -1 for none. */
  deliveryLimit?: number;
}

export interface AmqpPublishOptions {
  headers?: Record<string, HeaderValue>;
  /** Per-message TTL in ms (the `expiration` property). */
  expirationMs?: number;
  /** Delivery mode 2: a classic durable queue keeps it across a restart. Default true. */
  persistent?: boolean;
  /** Return the message to the publisher when no queue gets it, instead of dropping it. */
  mandatory?: boolean;
  /** What caused this publish, for the trace. */
  cause?: string;
}

export interface PublishResult {
  messageId: string;
  /** The queues that got a copy, in binding order. */
  queues: string[];
  /** True when nothing took the message and it was `mandatory`. */
  returned: boolean;
}

/** One entry of the `x-death` header: why and where a message was dead-lettered. */
export interface XDeath {
  queue: string;
  reason: 'rejected' | 'expired' | 'maxlen' | 'delivery_limit';
  count: number;
  exchange: string;
  'routing-keys': string[];
  time: number;
}

export interface Delivery {
  /** Per channel, counting from 1, as in AMQP. */
  deliveryTag: number;
  consumerTag: string;
  queue: string;
  exchange: string;
  routingKey: string;
  messageId: string;
  body: string;
  headers: Headers;
  /** True when this message was delivered before (and returned). */
  redelivered: boolean;
}

export interface ConsumeOptions {
  channel: string;
  /** Unacknowledged deliveries this consumer may hold (`basic.qos` prefetch count); 0 = no limit (default). */
  prefetch?: number;
  /** Acknowledged as it is sent (`no-ack`): nothing to ack, nothing comes back if the consumer dies. */
  autoAck?: boolean;
  /** Called with each delivery, at the instant the broker pushes it. */
  onDelivery: (delivery: Delivery) => void;
}

export interface AmqpQueueView {
  name: string;
  type: 'classic' | 'quorum';
  /** What the queue was declared with (the delivery limit resolved: 20 by default on quorum queues, -1 none). */
  options: { durable: boolean; exclusive: boolean; autoDelete: boolean; messageTtlMs?: number; deadLetterExchange?: string; deadLetterRoutingKey?: string; maxLength?: number; deliveryLimit: number };
  ready: number;
  unacked: number;
  consumers: number;
  messages: Array<{ messageId: string; body: string; routingKey: string; redelivered: boolean; state: 'ready' | 'unacked'; deliveryCount: number }>;
}

interface Message {
  id: string;
  body: string;
  exchange: string;
  routingKey: string;
  headers: Headers;
  persistent: boolean;
  /** Order of arrival in its queue (classic requeue puts it back by this). */
  seq: number;
  publishedAt: number;
  /** Per-message TTL (ms) from the publisher. */
  expirationMs: number | undefined;
  delivered: boolean;
  /** Quorum queues: failed deliveries so far (`x-delivery-count`). */
  deliveryCount: number;
}

interface Binding {
  queue: string;
  key: string;
  args: Record<string, HeaderValue>;
}

interface Exchange {
  name: string;
  options: Required<Omit<ExchangeOptions, 'alternateExchange'>> & { alternateExchange?: string };
  bindings: Binding[];
}

interface QueueState {
  name: string;
  options: AmqpQueueOptions & { type: 'classic' | 'quorum'; durable: boolean; deliveryLimit: number };
  /** Ready messages in order (classic: sorted by seq). */
  ready: Message[];
  /** Quorum queues: returned messages, served before `ready`, in the order returned. */
  returns: Message[];
  consumers: string[];
  /** Round-robin position among `consumers`. */
  next: number;
  hadConsumer: boolean;
  seq: number;
  expiryTimer: TimerId | undefined;
}

interface Unacked {
  tag: number;
  message: Message;
  queue: string;
  consumerTag: string;
}

interface Channel {
  id: string;
  connection: string;
  nextTag: number;
  unacked: Map<number, Unacked>;
  consumers: Set<string>;
}

interface Consumer {
  tag: string;
  queue: string;
  channel: string;
  prefetch: number;
  autoAck: boolean;
  onDelivery: (delivery: Delivery) => void;
  held: number;
}

const DEFAULT_DELIVERY_LIMIT = 20;
const NAME = /^[\w.:-]{1,255}$/;

/** Does a topic binding key (`*` one word, `#` zero or more) match a routing key? */
export function topicMatches(bindingKey: string, routingKey: string): boolean {
  const pattern = bindingKey === '' ? [] : bindingKey.split('.');
  const words = routingKey === '' ? [] : routingKey.split('.');
  const memo = new Map<number, boolean>();
  const match = (p: number, w: number): boolean => {
    const k = p * (words.length + 1) + w;
    const known = memo.get(k);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === pattern.length) result = w === words.length;
    else if (pattern[p] === '#') result = match(p + 1, w) || (w < words.length && match(p, w + 1));
    else result = w < words.length && (pattern[p] === '*' || pattern[p] === words[w]) && match(p + 1, w + 1);
    memo.set(k, result);
    return result;
  };
  return match(0, 0);
}

/** Does a headers-exchange binding (`x-match: all` by default, or `any`) match a message's headers? */
export function headersMatch(args: Record<string, HeaderValue>, headers: Headers): boolean {
  const mode = args['x-match'] ?? 'all';
  const withX = mode === 'all-with-x' || mode === 'any-with-x';
  const pairs = Object.entries(args).filter(([k]) => k !== 'x-match' && (withX || !k.startsWith('x-')));
  const hit = ([k, v]: [string, HeaderValue]) => Object.hasOwn(headers, k) && headers[k] === v;
  return mode === 'any' || mode === 'any-with-x' ? pairs.some(hit) : pairs.every(hit);
}

export class AmqpBroker {
  private readonly exchanges = new Map<string, Exchange>();
  private readonly queues = new Map<string, QueueState>();
  private readonly channels = new Map<string, Channel>();
  private readonly consumers = new Map<string, Consumer>();
  private dispatchTimer: TimerId | undefined;

  constructor(
    private readonly ctx: EngineContext,
    /** The broker's name in the trace of exchanges (`<name>/<exchange>`); '' traces each exchange by its own name. */
    readonly name = 'rabbitmq',
  ) {
    // The default exchange: every queue is bound to it by its own name.
    this.exchanges.set('', { name: '', options: { type: 'direct', durable: true }, bindings: [] });
    for (const type of ['direct', 'fanout', 'topic', 'headers'] as const) {
      const name = `amq.${type === 'headers' ? 'match' : type}`;
      this.exchanges.set(name, { name, options: { type, durable: true }, bindings: [] });
    }
  }

  // ── topology ──────────────────────────────────────────────────────────────────────────────────

  declareExchange(name: string, options: ExchangeOptions): void {
    if (!NAME.test(name) || name.startsWith('amq.')) fail('exchange', `${show(name)} is not a valid exchange name (1–255 letters, digits, . _ - :; "amq." is reserved)`);
    if (!['direct', 'fanout', 'topic', 'headers'].includes(options?.type)) fail(`exchanges.${name}.type`, `must be direct, fanout, topic or headers, got ${show(options?.type)}`);
    const resolved = { type: options.type, durable: options.durable ?? true, alternateExchange: options.alternateExchange };
    const existing = this.exchanges.get(name);
    if (existing) {
      // Redeclaring with other properties is a channel error (406 PRECONDITION_FAILED) in RabbitMQ.
      if (existing.options.type !== resolved.type || existing.options.durable !== resolved.durable) {
        throw new EngineError('PRECONDITION_FAILED', `exchange ${name} exists with type ${existing.options.type}${existing.options.durable ? '' : ' (transient)'}: redeclaring it as ${resolved.type}${resolved.durable ? '' : ' (transient)'} is refused`);
      }
      return;
    }
    this.exchanges.set(name, { name, options: resolved, bindings: [] });
  }

  declareQueue(name: string, options: AmqpQueueOptions = {}): void {
    if (!NAME.test(name) || name.startsWith('amq.')) fail('queue', `${show(name)} is not a valid queue name (1–255 letters, digits, . _ - :; "amq." is reserved)`);
    if (!isPlainObject(options as unknown)) fail(`queues.${name}`, 'options must be an object');
    const type = options.type ?? 'classic';
    const path = `queues.${name}`;
    if (type !== 'classic' && type !== 'quorum') fail(`${path}.type`, `must be classic or quorum, got ${show(type)}`);
    if (type === 'quorum' && options.durable === false) fail(`${path}.durable`, 'quorum queues are always durable');
    if (type === 'quorum' && options.exclusive) fail(`${path}.exclusive`, 'quorum queues cannot be exclusive');
    if (options.exclusive && !options.connection) fail(`${path}.connection`, 'an exclusive queue needs the connection that owns it');
    if (options.messageTtlMs !== undefined && !(Number.isInteger(options.messageTtlMs) && options.messageTtlMs >= 0)) fail(`${path}.messageTtlMs`, `must be a whole number of ms ≥ 0, got ${show(options.messageTtlMs)}`);
    if (options.maxLength !== undefined && !(Number.isInteger(options.maxLength) && options.maxLength >= 0)) fail(`${path}.maxLength`, `must be a whole number ≥ 0, got ${show(options.maxLength)}`);
    if (options.deliveryLimit !== undefined) {
      if (type !== 'quorum') fail(`${path}.deliveryLimit`, 'only quorum queues have a delivery limit (classic queues redeliver forever)');
      if (!(Number.isInteger(options.deliveryLimit) && options.deliveryLimit >= -1)) fail(`${path}.deliveryLimit`, `must be a whole number ≥ 0, or -1 for none, got ${show(options.deliveryLimit)}`);
    }
    if (this.queues.has(name)) return; // declaring an existing queue is a no-op (passive-like)
    this.queues.set(name, {
      name,
      options: { ...options, type, durable: type === 'quorum' ? true : (options.durable ?? true), deliveryLimit: options.deliveryLimit ?? (type === 'quorum' ? DEFAULT_DELIVERY_LIMIT : -1) },
      ready: [],
      returns: [],
      consumers: [],
      next: 0,
      hadConsumer: false,
      seq: 0,
      expiryTimer: undefined,
    });
  }

  bind(queue: string, exchange: string, routingKey = '', args: Record<string, HeaderValue> = {}): void {
    const ex = this.exchange(exchange);
    this.queue(queue);
    if (exchange === '') throw new EngineError('ACCESS_REFUSED', 'the default exchange cannot be bound: it routes to the queue named by the routing key');
    if (ex.options.type === 'headers' && args['x-match'] !== undefined && !['all', 'any', 'all-with-x', 'any-with-x'].includes(String(args['x-match']))) {
      fail('binding.args.x-match', `must be all, any, all-with-x or any-with-x, got ${show(args['x-match'])}`);
    }
    const same = (b: Binding) => b.queue === queue && b.key === routingKey && JSON.stringify(b.args) === JSON.stringify(args);
    if (!ex.bindings.some(same)) ex.bindings.push({ queue, key: routingKey, args: { ...args } });
  }

  unbind(queue: string, exchange: string, routingKey = '', args: Record<string, HeaderValue> = {}): void {
    const ex = this.exchange(exchange);
    ex.bindings = ex.bindings.filter((b) => !(b.queue === queue && b.key === routingKey && JSON.stringify(b.args) === JSON.stringify(args)));
  }

  deleteQueue(name: string): void {
    const q = this.queue(name);
    for (const tag of [...q.consumers]) this.cancel(tag);
    this.ctx.clock.cancel(q.expiryTimer);
    this.queues.delete(name);
    for (const ex of this.exchanges.values()) ex.bindings = ex.bindings.filter((b) => b.queue !== name);
  }

  // ── publishing and routing ────────────────────────────────────────────────────────────────────

  publish(exchange: string, routingKey: string, body: string, options: AmqpPublishOptions = {}): PublishResult {
    if (typeof body !== 'string') fail('body', `must be a string, got ${show(body)}`);
    if (options.expirationMs !== undefined && !(Number.isInteger(options.expirationMs) && options.expirationMs >= 0)) fail('expirationMs', `must be a whole number of ms ≥ 0, got ${show(options.expirationMs)}`);
    this.exchange(exchange);
    const id = this.ctx.id('amqp');
    // The default exchange is a shortcut to one queue: traced as a send to it, like SQS's SendMessage.
    if (exchange !== '') this.ctx.trace.emit('published', this.exchangeResource(exchange), id, options.cause, this.ctx.trace.wants('published') ? { routingKey, body: tracedText(body), ...(options.headers ? { headers: { ...options.headers } } : {}) } : undefined);
    const queues = this.route(exchange, routingKey, options.headers ?? {});
    const make = (): Message => ({
      id, body, exchange, routingKey, headers: { ...(options.headers ?? {}) }, persistent: options.persistent ?? true,
      seq: 0, publishedAt: this.ctx.clock.now, expirationMs: options.expirationMs, delivered: false, deliveryCount: 0,
    });
    for (const q of queues) this.routeTo(exchange, q, make(), options.cause);
    if (queues.length === 0) {
      const why = options.mandatory ? 'unroutable: returned to the publisher (mandatory)' : 'unroutable: no binding matched';
      this.ctx.trace.emit('dropped', this.exchangeResource(exchange), id, why, { routingKey });
    }
    return { messageId: id, queues, returned: queues.length === 0 && Boolean(options.mandatory) };
  }

  /** The queues an exchange routes a message to (each once), following alternate exchanges. */
  private route(exchange: string, routingKey: string, headers: Headers, seen = new Set<string>()): string[] {
    if (seen.has(exchange)) return [];
    seen.add(exchange);
    const ex = this.exchanges.get(exchange);
    if (!ex) return [];
    let queues: string[];
    if (exchange === '') queues = this.queues.has(routingKey) ? [routingKey] : [];
    else {
      const matches = ex.bindings.filter((b) => {
        switch (ex.options.type) {
          case 'direct': return b.key === routingKey;
          case 'fanout': return true;
          case 'topic': return topicMatches(b.key, routingKey);
          case 'headers': return headersMatch(b.args, headers);
        }
      });
      queues = [...new Set(matches.map((b) => b.queue))].filter((q) => this.queues.has(q));
    }
    if (queues.length === 0 && ex.options.alternateExchange) return this.route(ex.options.alternateExchange, routingKey, headers, seen);
    return queues;
  }

  /**
   * An exchange hands its copy to one queue: `delivered` at the exchange names the queue, and the
   * queue's `sent` names the message as its cause (through the default exchange: the publisher's).
   */
  private routeTo(exchange: string, queue: string, message: Message, publisherCause: string | undefined): void {
    if (exchange !== '') this.ctx.trace.emit('delivered', this.exchangeResource(exchange), message.id, undefined, { target: queue });
    this.enqueue(this.queues.get(queue)!, message, exchange === '' ? publisherCause : message.id);
  }

  private enqueue(q: QueueState, message: Message, cause?: string): void {
    message.seq = ++q.seq;
    q.ready.push(message);
    this.ctx.trace.emit('sent', q.name, message.id, cause, this.ctx.trace.wants('sent') ? { exchange: message.exchange, routingKey: message.routingKey, body: tracedText(message.body) } : undefined);
    const max = q.options.maxLength;
    while (max !== undefined && q.ready.length + q.returns.length > max) {
      const head = q.returns.length ? q.returns.shift()! : q.ready.shift()!;
      this.deadLetter(q, head, 'maxlen');
    }
    this.armExpiry(q);
    this.scheduleDispatch();
  }

  // ── consuming ─────────────────────────────────────────────────────────────────────────────────

  openChannel(connection = 'conn-default'): string {
    const id = this.ctx.id('ch');
    this.channels.set(id, { id, connection, nextTag: 0, unacked: new Map(), consumers: new Set() });
    return id;
  }

  consume(queue: string, options: ConsumeOptions): string {
    const q = this.queue(queue);
    const ch = this.channel(options.channel);
    const prefetch = options.prefetch ?? 0;
    if (!(Number.isInteger(prefetch) && prefetch >= 0 && prefetch <= 65_535)) fail('prefetch', `must be a whole number 0–65535 (0: no limit), got ${show(prefetch)}`);
    if (typeof options.onDelivery !== 'function') fail('onDelivery', 'must be a function');
    if (q.options.exclusive && q.options.connection !== ch.connection) throw new EngineError('RESOURCE_LOCKED', `queue ${queue} is exclusive to connection ${q.options.connection}`);
    const tag = this.ctx.id('ctag');
    this.consumers.set(tag, { tag, queue, channel: ch.id, prefetch, autoAck: Boolean(options.autoAck), onDelivery: options.onDelivery, held: 0 });
    q.consumers.push(tag);
    q.hadConsumer = true;
    ch.consumers.add(tag);
    this.scheduleDispatch();
    return tag;
  }

  /** `basic.get`: pull one message, or undefined when none is ready. */
  get(queue: string, options: { channel: string; autoAck?: boolean }): Delivery | undefined {
    const q = this.queue(queue);
    const ch = this.channel(options.channel);
    this.expireHead(q);
    const message = q.returns.shift() ?? q.ready.shift();
    if (!message) return undefined;
    this.armExpiry(q);
    return this.hand(q, ch, message, 'get', Boolean(options.autoAck));
  }

  ack(channel: string, deliveryTag: number, options: { multiple?: boolean } = {}): void {
    for (const u of this.take(channel, deliveryTag, options.multiple, 'ack')) {
      this.ctx.trace.emit('deleted', u.queue, u.message.id, 'ack', { deliveryTag: u.tag });
    }
    this.scheduleDispatch();
  }

  nack(channel: string, deliveryTag: number, options: { multiple?: boolean; requeue?: boolean } = {}): void {
    for (const u of this.take(channel, deliveryTag, options.multiple, 'nack')) this.settleNegative(u, options.requeue ?? true, 'nack');
    this.scheduleDispatch();
  }

  reject(channel: string, deliveryTag: number, options: { requeue?: boolean } = {}): void {
    for (const u of this.take(channel, deliveryTag, false, 'reject')) this.settleNegative(u, options.requeue ?? true, 'reject');
    this.scheduleDispatch();
  }

  /** `basic.cancel`: the consumer stops; what it had not acked goes back to the queue. */
  cancel(consumerTag: string): void {
    const c = this.consumers.get(consumerTag);
    if (!c) throw new EngineError('NOT_FOUND', `no consumer ${consumerTag}`);
    const ch = this.channels.get(c.channel)!;
    for (const u of [...ch.unacked.values()].filter((x) => x.consumerTag === consumerTag)) {
      ch.unacked.delete(u.tag);
      this.returnToQueue(u, true, 'consumer cancelled');
    }
    this.dropConsumer(c);
    this.scheduleDispatch();
  }

  closeChannel(channel: string): void {
    const ch = this.channel(channel);
    for (const u of ch.unacked.values()) this.returnToQueue(u, true, 'channel closed');
    ch.unacked.clear();
    for (const tag of ch.consumers) this.dropConsumer(this.consumers.get(tag)!);
    this.channels.delete(channel);
    this.scheduleDispatch();
  }

  /** Closes a connection: its channels (returning their unacked deliveries) and its exclusive queues. */
  closeConnection(connection: string): void {
    for (const ch of [...this.channels.values()]) if (ch.connection === connection) this.closeChannel(ch.id);
    for (const q of [...this.queues.values()]) if (q.options.exclusive && q.options.connection === connection) this.deleteQueue(q.name);
  }

  /**
   * A broker restart: connections drop (unacked deliveries return), non-durable exchanges and queues
   * vanish, classic queues lose their non-persistent messages; quorum queues keep every message.
   */
  restart(): void {
    const connections = new Set([...this.channels.values()].map((c) => c.connection));
    for (const conn of connections) this.closeConnection(conn);
    for (const [name, ex] of this.exchanges) if (!ex.options.durable) this.exchanges.delete(name);
    for (const q of [...this.queues.values()]) {
      if (!q.options.durable) {
        this.deleteQueue(q.name);
        continue;
      }
      if (q.options.type === 'classic') {
        const lost = [...q.returns, ...q.ready].filter((m) => !m.persistent);
        q.ready = q.ready.filter((m) => m.persistent);
        q.returns = q.returns.filter((m) => m.persistent);
        for (const m of lost) this.ctx.trace.emit('dropped', q.name, m.id, 'broker restart: a transient message is not kept');
      }
    }
  }

  // ── views ─────────────────────────────────────────────────────────────────────────────────────

  queueView(name: string): AmqpQueueView {
    const q = this.queue(name);
    const unacked = [...this.channels.values()].flatMap((ch) => [...ch.unacked.values()]).filter((u) => u.queue === name);
    const view = (m: Message, state: 'ready' | 'unacked') => ({ messageId: m.id, body: m.body, routingKey: m.routingKey, redelivered: m.delivered, state, deliveryCount: m.deliveryCount });
    const o = q.options;
    return {
      name,
      type: o.type,
      options: {
        durable: o.durable,
        exclusive: Boolean(o.exclusive),
        autoDelete: Boolean(o.autoDelete),
        ...(o.messageTtlMs !== undefined ? { messageTtlMs: o.messageTtlMs } : {}),
        ...(o.deadLetterExchange !== undefined ? { deadLetterExchange: o.deadLetterExchange } : {}),
        ...(o.deadLetterRoutingKey !== undefined ? { deadLetterRoutingKey: o.deadLetterRoutingKey } : {}),
        ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}),
        deliveryLimit: o.deliveryLimit,
      },
      ready: q.ready.length + q.returns.length,
      unacked: unacked.length,
      consumers: q.consumers.length,
      messages: [...q.returns.map((m) => view(m, 'ready')), ...q.ready.map((m) => view(m, 'ready')), ...unacked.map((u) => view(u.message, 'unacked'))],
    };
  }

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  exchangeNames(): string[] {
    return [...this.exchanges.keys()].filter((n) => n !== '' && !n.startsWith('amq.'));
  }

  bindingsOf(exchange: string): ReadonlyArray<Readonly<Binding>> {
    return this.exchange(exchange).bindings;
  }

  exchangeView(name: string): { name: string; type: ExchangeType; durable: boolean; alternateExchange?: string; bindings: Array<{ queue: string; routingKey: string; arguments: Record<string, HeaderValue> }> } {
    const ex = this.exchange(name);
    return {
      name,
      type: ex.options.type,
      durable: ex.options.durable,
      ...(ex.options.alternateExchange !== undefined ? { alternateExchange: ex.options.alternateExchange } : {}),
      bindings: ex.bindings.map((b) => ({ queue: b.queue, routingKey: b.key, arguments: { ...b.args } })),
    };
  }

  /**
   * `exchange.delete` with `if-unused`: refused while queues are bound to it. The default exchange
   * and the built-in `amq.*` exchanges cannot be deleted.
   */
  deleteExchange(name: string): void {
    const ex = this.exchange(name);
    if (name === '' || name.startsWith('amq.')) throw new EngineError('ACCESS_REFUSED', `${name === '' ? 'the default exchange' : name} is built in and cannot be deleted`);
    if (ex.bindings.length) throw new EngineError('PRECONDITION_FAILED', `exchange ${name} is in use: bound to ${ex.bindings.map((b) => b.queue).join(', ')} (unbind first)`);
    this.exchanges.delete(name);
  }

  /** The unacked deliveries of one channel, oldest first. */
  unackedOn(channel: string): Array<{ deliveryTag: number; queue: string; consumerTag: string; messageId: string }> {
    return [...this.channel(channel).unacked.values()].map((u) => ({ deliveryTag: u.tag, queue: u.queue, consumerTag: u.consumerTag, messageId: u.message.id }));
  }

  // ── inside ────────────────────────────────────────────────────────────────────────────────────

  private exchange(name: string): Exchange {
    const ex = this.exchanges.get(name);
    if (!ex) throw new EngineError('NOT_FOUND', `no exchange ${show(name)} (declared: ${this.exchangeNames().join(', ') || 'none'})`);
    return ex;
  }

  private queue(name: string): QueueState {
    const q = this.queues.get(name);
    if (!q) throw new EngineError('NOT_FOUND', `no queue ${show(name)} (declared: ${this.queueNames().join(', ') || 'none'})`);
    return q;
  }

  private channel(id: string): Channel {
    const ch = this.channels.get(id);
    if (!ch) throw new EngineError('CHANNEL_ERROR', `no open channel ${show(id)}`);
    return ch;
  }

  /** Where an exchange's records go in the trace: `<broker>/<exchange>`, or the exchange's own name for an unnamed broker. */
  private exchangeResource(exchange: string): string {
    if (this.name === '') return exchange === '' ? 'amq.default' : exchange;
    return `${this.name}/${exchange === '' ? '(default)' : exchange}`;
  }

  /** Deliveries an ack/nack/reject settles; an unknown tag is a channel error, as in AMQP (406). */
  private take(channel: string, tag: number, multiple: boolean | undefined, verb: string): Unacked[] {
    const ch = this.channel(channel);
    let settled: Unacked[];
    if (multiple) settled = [...ch.unacked.values()].filter((u) => u.tag <= tag);
    else settled = ch.unacked.has(tag) ? [ch.unacked.get(tag)!] : [];
    if (settled.length === 0) throw new EngineError('PRECONDITION_FAILED', `${verb}: unknown delivery tag ${tag} on ${channel} (already settled, or never delivered on this channel)`);
    for (const u of settled) {
      ch.unacked.delete(u.tag);
      const c = this.consumers.get(u.consumerTag);
      if (c) c.held--;
    }
    return settled;
  }

  private settleNegative(u: Unacked, requeue: boolean, verb: 'nack' | 'reject'): void {
    if (requeue) {
      // RabbitMQ 4.3: a reject counts as a failed delivery, a nack is a plain return.
      this.returnToQueue(u, verb === 'reject', verb);
      return;
    }
    const q = this.queues.get(u.queue);
    if (q) this.deadLetter(q, u.message, 'rejected');
  }

  private returnToQueue(u: Unacked, failed: boolean, why: string): void {
    const q = this.queues.get(u.queue);
    if (!q) return;
    const m = u.message;
    if (q.options.type === 'quorum' && failed) {
      m.deliveryCount++;
      if (q.options.deliveryLimit >= 0 && m.deliveryCount > q.options.deliveryLimit) {
        this.deadLetter(q, m, 'delivery_limit');
        return;
      }
    }
    if (q.options.type === 'quorum') q.returns.push(m);
    else {
      // Classic queues put a returned message back at its original position.
      let i = q.ready.length;
      while (i > 0 && q.ready[i - 1].seq > m.seq) i--;
      q.ready.splice(i, 0, m);
    }
    this.ctx.trace.emit('requeued', q.name, m.id, why, q.options.type === 'quorum' ? { deliveryCount: m.deliveryCount } : undefined);
    this.armExpiry(q);
    this.scheduleDispatch();
  }

  private deadLetter(q: QueueState, m: Message, reason: XDeath['reason']): void {
    const dlx = q.options.deadLetterExchange;
    if (dlx === undefined || !this.exchanges.has(dlx)) {
      const why = dlx === undefined ? `${reason}, no dead-letter exchange` : `${reason}, dead-letter exchange ${dlx} does not exist`;
      this.ctx.trace.emit(reason === 'expired' ? 'expired' : 'dropped', q.name, m.id, why);
      return;
    }
    const deaths = (Array.isArray(m.headers['x-death']) ? m.headers['x-death'] : []).map((d) => ({ ...d }));
    const routingKey = q.options.deadLetterRoutingKey ?? m.routingKey;
    const targets = this.route(dlx, routingKey, m.headers);
    // A cycle with no rejection on the way (e.g. TTL bouncing between two queues) is broken by dropping.
    const cycles = targets.some((t) => deaths.some((d) => d.queue === t)) && deaths.every((d) => d.reason !== 'rejected') && reason !== 'rejected';
    if (cycles) {
      this.ctx.trace.emit('dropped', q.name, m.id, `${reason}: dead-lettering would cycle back to a queue it already died in`);
      return;
    }
    const existing = deaths.find((d) => d.queue === q.name && d.reason === reason);
    if (existing) {
      existing.count++;
      existing.time = this.ctx.clock.now;
    }
    const entry: XDeath = existing ?? { queue: q.name, reason, count: 1, exchange: m.exchange, 'routing-keys': [m.routingKey], time: this.ctx.clock.now };
    const headers: Headers = { ...m.headers, 'x-death': [entry, ...deaths.filter((d) => d !== existing)] };
    this.ctx.trace.emit(reason === 'expired' ? 'expired' : 'dead-lettered', q.name, m.id, reason, { deadLetterExchange: dlx, routingKey });
    // The dead letter is published to the dead-letter exchange (its cause: the message itself).
    if (dlx !== '') this.ctx.trace.emit('published', this.exchangeResource(dlx), m.id, m.id, { routingKey, deadLetteredFrom: q.name, reason });
    if (targets.length === 0) {
      this.ctx.trace.emit('dropped', this.exchangeResource(dlx), m.id, `dead-lettered (${reason}) but unroutable at ${dlx}`);
      return;
    }
    for (const t of targets) {
      this.routeTo(dlx, t, { ...m, headers, routingKey, exchange: dlx, seq: 0, publishedAt: this.ctx.clock.now, expirationMs: undefined, delivered: false, deliveryCount: 0 }, m.id);
    }
  }

  private ttlOf(q: QueueState, m: Message): number | undefined {
    const a = q.options.messageTtlMs;
    const b = m.expirationMs;
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  /** Removes expired messages at the head only, as RabbitMQ does. */
  private expireHead(q: QueueState): void {
    const now = this.ctx.clock.now;
    for (;;) {
      const list = q.returns.length ? q.returns : q.ready;
      const head = list[0];
      if (!head) return;
      const ttl = this.ttlOf(q, head);
      if (ttl === undefined || head.publishedAt + ttl > now) return;
      list.shift();
      this.deadLetter(q, head, 'expired');
    }
  }

  private armExpiry(q: QueueState): void {
    this.ctx.clock.cancel(q.expiryTimer);
    q.expiryTimer = undefined;
    const head = q.returns[0] ?? q.ready[0];
    const ttl = head && this.ttlOf(q, head);
    if (!head || ttl === undefined) return;
    q.expiryTimer = this.ctx.clock.at(head.publishedAt + ttl, () => {
      q.expiryTimer = undefined;
      if (this.queues.get(q.name) !== q) return;
      this.expireHead(q);
      this.armExpiry(q);
    });
  }

  private scheduleDispatch(): void {
    if (this.dispatchTimer) return;
    this.dispatchTimer = this.ctx.clock.schedule(0, () => {
      this.dispatchTimer = undefined;
      for (const q of [...this.queues.values()]) this.dispatch(q);
    });
  }

  /** Pushes ready messages to consumers with room, round-robin. */
  private dispatch(q: QueueState): void {
    for (;;) {
      if (this.queues.get(q.name) !== q) return;
      this.expireHead(q);
      if (q.ready.length === 0 && q.returns.length === 0) break;
      const n = q.consumers.length;
      let chosen: Consumer | undefined;
      for (let i = 0; i < n; i++) {
        const c = this.consumers.get(q.consumers[(q.next + i) % n])!;
        if (c.prefetch === 0 || c.held < c.prefetch) {
          chosen = c;
          q.next = (q.next + i + 1) % n;
          break;
        }
      }
      if (!chosen) break;
      const message = q.returns.shift() ?? q.ready.shift()!;
      const delivery = this.hand(q, this.channels.get(chosen.channel)!, message, chosen.tag, chosen.autoAck);
      chosen.onDelivery(delivery);
    }
    this.armExpiry(q);
  }

  private hand(q: QueueState, ch: Channel, message: Message, consumerTag: string, autoAck: boolean): Delivery {
    const tag = ++ch.nextTag;
    const redelivered = message.delivered;
    message.delivered = true;
    const headers: Headers = { ...message.headers };
    if (q.options.type === 'quorum' && message.deliveryCount > 0) headers['x-delivery-count'] = message.deliveryCount;
    const kind = consumerTag === 'get' ? 'received' : 'delivered';
    this.ctx.trace.emit(kind, q.name, message.id, redelivered ? 'redelivered' : undefined, { consumer: consumerTag, deliveryTag: tag, redelivered });
    if (autoAck) this.ctx.trace.emit('deleted', q.name, message.id, 'auto-ack');
    else {
      ch.unacked.set(tag, { tag, message, queue: q.name, consumerTag });
      const c = this.consumers.get(consumerTag);
      if (c) c.held++;
    }
    return { deliveryTag: tag, consumerTag, queue: q.name, exchange: message.exchange, routingKey: message.routingKey, messageId: message.id, body: message.body, headers, redelivered };
  }

  private dropConsumer(c: Consumer): void {
    this.consumers.delete(c.tag);
    this.channels.get(c.channel)?.consumers.delete(c.tag);
    const q = this.queues.get(c.queue);
    if (!q) return;
    q.consumers = q.consumers.filter((t) => t !== c.tag);
    q.next = 0;
    if (q.options.autoDelete && q.hadConsumer && q.consumers.length === 0) this.deleteQueue(q.name);
  }
}
