// RabbitMQ (AMQP 0-9-1) model: each block cites the rabbitmq.com/docs page it follows.
import { strict as assert } from 'node:assert';
import { AmqpBroker, headersMatch, topicMatches, type Delivery } from '../../src/engine/amqp';
import { EngineContext } from '../../src/engine/context';
import { EngineError, ValidationError } from '../../src/engine/errors';

function setup() {
  const ctx = new EngineContext({ seed: 1 });
  const broker = new AmqpBroker(ctx);
  const ch = broker.openChannel('conn-1');
  return { ctx, broker, ch, run: (ms = 0) => ctx.clock.runUntil(ctx.clock.now + ms) };
}

/** A consumer that records its deliveries and acks only when told. */
function recorder(broker: AmqpBroker, queue: string, channel: string, options: { prefetch?: number; autoAck?: boolean } = {}) {
  const got: Delivery[] = [];
  const tag = broker.consume(queue, { channel, ...options, onDelivery: (d) => got.push(d) });
  return { got, tag, bodies: () => got.map((d) => d.body) };
}

describe('AmqpBroker (RabbitMQ)', () => {
  describe('exchanges route by type (docs: exchanges, tutorials 3–5)', () => {
    it('topic: * is exactly one word, # zero or more words', () => {
      assert.equal(topicMatches('orders.*.eu', 'orders.created.eu'), true);
      assert.equal(topicMatches('orders.*.eu', 'orders.created.paid.eu'), false);
      assert.equal(topicMatches('orders.*', 'orders'), false);
      assert.equal(topicMatches('orders.#', 'orders'), true);
      assert.equal(topicMatches('orders.#', 'orders.created.eu'), true);
      assert.equal(topicMatches('#', ''), true);
      assert.equal(topicMatches('#.eu', 'orders.created.eu'), true);
      assert.equal(topicMatches('*.*.eu', 'a.eu'), false);
      assert.equal(topicMatches('#.#', 'a.b'), true);
      assert.equal(topicMatches('orders.created', 'orders.created'), true);
      assert.equal(topicMatches('orders.created', 'orders.created.x'), false);
    });

    it('headers: x-match all (default) needs every pair, any needs one; x- keys are ignored unless *-with-x', () => {
      assert.equal(headersMatch({ format: 'pdf', type: 'report' }, { format: 'pdf', type: 'report', extra: 1 }), true);
      assert.equal(headersMatch({ format: 'pdf', type: 'report' }, { format: 'pdf' }), false);
      assert.equal(headersMatch({ 'x-match': 'any', format: 'pdf', type: 'log' }, { format: 'pdf' }), true);
      assert.equal(headersMatch({ 'x-match': 'any', format: 'zip' }, { format: 'pdf' }), false);
      assert.equal(headersMatch({ 'x-custom': 'a' }, {}), true);
      assert.equal(headersMatch({ 'x-match': 'all-with-x', 'x-custom': 'a' }, {}), false);
    });

    it('direct, fanout, topic and the default exchange deliver one copy per matching queue', () => {
      const { broker, run } = setup();
      for (const q of ['eu', 'us', 'all', 'audit']) broker.declareQueue(q);
      broker.declareExchange('orders', { type: 'topic' });
      broker.declareExchange('by-region', { type: 'direct' });
      broker.declareExchange('broadcast', { type: 'fanout' });
      broker.bind('eu', 'orders', 'orders.*.eu');
      broker.bind('all', 'orders', 'orders.#');
      broker.bind('all', 'orders', '#'); // a second matching binding: still one copy
      broker.bind('us', 'by-region', 'us');
      broker.bind('audit', 'broadcast', 'ignored');
      broker.bind('eu', 'broadcast');
      assert.deepEqual(broker.publish('orders', 'orders.created.eu', 'a').queues, ['eu', 'all']);
      assert.deepEqual(broker.publish('orders', 'payments.made', 'b').queues, ['all']);
      assert.deepEqual(broker.publish('by-region', 'us', 'c').queues, ['us']);
      assert.deepEqual(broker.publish('by-region', 'US', 'd').queues, []);
      assert.deepEqual(broker.publish('broadcast', 'anything', 'e').queues, ['audit', 'eu']);
      assert.deepEqual(broker.publish('', 'audit', 'f').queues, ['audit']);
      run();
      assert.equal(broker.queueView('all').ready, 2);
      assert.equal(broker.queueView('audit').ready, 2);
    });

    it('an unroutable message is dropped and traced; mandatory returns it; an alternate exchange takes it', () => {
      const { ctx, broker } = setup();
      broker.declareQueue('unrouted');
      broker.declareExchange('fallback', { type: 'fanout' });
      broker.bind('unrouted', 'fallback');
      broker.declareExchange('strict', { type: 'direct' });
      broker.declareExchange('lenient', { type: 'direct', alternateExchange: 'fallback' });
      const dropped = broker.publish('strict', 'nobody', 'x');
      assert.deepEqual(dropped, { messageId: dropped.messageId, queues: [], returned: false });
      assert.equal(broker.publish('strict', 'nobody', 'y', { mandatory: true }).returned, true);
      assert.deepEqual(broker.publish('lenient', 'nobody', 'z').queues, ['unrouted']);
      const drops = ctx.trace.records().filter((r) => r.kind === 'dropped');
      assert.deepEqual(drops.map((r) => [r.resource, r.cause]), [
        ['rabbitmq/strict', 'unroutable: no binding matched'],
        ['rabbitmq/strict', 'unroutable: returned to the publisher (mandatory)'],
      ]);
    });

    it('refuses bad declarations naming the field, and a redeclaration with other properties', () => {
      const { broker } = setup();
      assert.throws(() => broker.declareExchange('x', { type: 'round-robin' as never }), (e: unknown) => e instanceof ValidationError && e.path === 'exchanges.x.type');
      assert.throws(() => broker.declareExchange('amq.mine', { type: 'direct' }), /reserved/);
      broker.declareExchange('x', { type: 'direct' });
      assert.throws(() => broker.declareExchange('x', { type: 'topic' }), (e: unknown) => e instanceof EngineError && e.code === 'PRECONDITION_FAILED');
      assert.throws(() => broker.declareQueue('q', { type: 'quorum', exclusive: true, connection: 'c' }), (e: unknown) => e instanceof ValidationError && e.path === 'queues.q.exclusive');
      assert.throws(() => broker.declareQueue('q', { type: 'quorum', durable: false }), (e: unknown) => e instanceof ValidationError && e.path === 'queues.q.durable');
      assert.throws(() => broker.declareQueue('q', { deliveryLimit: 3 }), /only quorum queues/);
      assert.throws(() => broker.declareQueue('q', { messageTtlMs: -5 }), (e: unknown) => e instanceof ValidationError && e.path === 'queues.q.messageTtlMs');
      assert.throws(() => broker.publish('nope', 'k', 'b'), /no exchange "nope"/);
      assert.throws(() => broker.bind('q', ''), (e: unknown) => e instanceof EngineError && (e.code === 'ACCESS_REFUSED' || e.code === 'NOT_FOUND'));
      // Nothing was created by the refused calls.
      assert.deepEqual(broker.queueNames(), []);
      assert.deepEqual(broker.exchangeNames(), ['x']);
    });
  });

  describe('push consumers, prefetch and fairness (docs: consumers, confirms "Consumer Prefetch")', () => {
    it('without a prefetch limit, round-robin hands a slow consumer as many messages as a fast one', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('work');
      const fast = recorder(broker, 'work', ch);
      const ch2 = broker.openChannel('conn-2');
      const slow = recorder(broker, 'work', ch2);
      for (let i = 0; i < 10; i++) broker.publish('', 'work', `job-${i}`);
      run();
      assert.equal(fast.got.length, 5);
      assert.equal(slow.got.length, 5);
      assert.deepEqual(fast.bodies(), ['job-0', 'job-2', 'job-4', 'job-6', 'job-8']);
    });

    it('with prefetch 1, a consumer that has not acked is skipped: work goes to whoever is free', () => {
      const { ctx, broker, run } = setup();
      broker.declareQueue('work');
      const chFast = broker.openChannel('fast');
      const chSlow = broker.openChannel('slow');
      const done: Record<string, string[]> = { fast: [], slow: [] };
      // The fast worker takes 10 ms per job, the slow one 100 ms; each acks when done.
      const worker = (name: string, channel: string, ms: number) =>
        broker.consume('work', {
          channel,
          prefetch: 1,
          onDelivery: (d) => ctx.clock.schedule(ms, () => {
            done[name].push(d.body);
            broker.ack(channel, d.deliveryTag);
          }),
        });
      worker('fast', chFast, 10);
      worker('slow', chSlow, 100);
      for (let i = 0; i < 12; i++) broker.publish('', 'work', `job-${i}`);
      run(1_000);
      assert.equal(done.fast.length + done.slow.length, 12);
      assert.ok(done.fast.length >= 10, `fast did ${done.fast.length}, slow ${done.slow.length}`);
      assert.ok(ctx.clock.now >= 100);
    });

    it('prefetch N caps unacked deliveries at N; an ack lets the next one through', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('q');
      const c = recorder(broker, 'q', ch, { prefetch: 2 });
      for (let i = 0; i < 5; i++) broker.publish('', 'q', `m${i}`);
      run();
      assert.deepEqual(c.bodies(), ['m0', 'm1']);
      assert.equal(broker.queueView('q').unacked, 2);
      broker.ack(ch, c.got[0].deliveryTag);
      run();
      assert.deepEqual(c.bodies(), ['m0', 'm1', 'm2']);
      broker.ack(ch, c.got[2].deliveryTag, { multiple: true }); // acks tags 2 and 3
      run();
      assert.deepEqual(c.bodies(), ['m0', 'm1', 'm2', 'm3', 'm4']);
      assert.equal(broker.queueView('q').ready, 0);
    });

    it('auto-ack deliveries are never held: nothing comes back when the consumer goes', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('q');
      const c = recorder(broker, 'q', ch, { autoAck: true, prefetch: 1 });
      for (let i = 0; i < 3; i++) broker.publish('', 'q', `m${i}`);
      run();
      assert.equal(c.got.length, 3);
      broker.cancel(c.tag);
      run();
      assert.equal(broker.queueView('q').ready, 0);
    });

    it('an ack with a tag already settled is a channel error naming the tag', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('q');
      const c = recorder(broker, 'q', ch);
      broker.publish('', 'q', 'm');
      run();
      broker.ack(ch, c.got[0].deliveryTag);
      assert.throws(() => broker.ack(ch, c.got[0].deliveryTag), /unknown delivery tag 1/);
    });
  });

  describe('nack, reject, requeue and redelivered (docs: confirms "Negative Acknowledgement and Requeuing")', () => {
    it('classic queue: a requeued message goes back to its original position and is marked redelivered', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('q');
      for (const b of ['a', 'b', 'c']) broker.publish('', 'q', b);
      const first = broker.get('q', { channel: ch })!;
      assert.equal(first.body, 'a');
      assert.equal(first.redelivered, false);
      broker.nack(ch, first.deliveryTag, { requeue: true });
      run();
      const again = broker.get('q', { channel: ch })!;
      assert.equal(again.body, 'a');
      assert.equal(again.redelivered, true);
      assert.equal(again.deliveryTag, 2, 'delivery tags count per channel');
    });

    it('a consumer that goes away (cancel, channel or connection close) returns everything it had not acked', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('q');
      const c = recorder(broker, 'q', ch, { prefetch: 10 });
      for (const b of ['a', 'b', 'c']) broker.publish('', 'q', b);
      run();
      broker.ack(ch, c.got[1].deliveryTag);
      broker.closeConnection('conn-1');
      run();
      const view = broker.queueView('q');
      assert.deepEqual(view.messages.map((m) => [m.body, m.redelivered]), [['a', true], ['c', true]]);
      const ch2 = broker.openChannel('conn-2');
      const next = recorder(broker, 'q', ch2);
      run();
      assert.deepEqual(next.got.map((d) => [d.body, d.redelivered]), [['a', true], ['c', true]]);
    });

    it('reject without requeue dead-letters to the queue\'s dead-letter exchange with an x-death header', () => {
      const { broker, ch, run } = setup();
      broker.declareExchange('dlx', { type: 'fanout' });
      broker.declareQueue('dead');
      broker.bind('dead', 'dlx');
      broker.declareQueue('work', { deadLetterExchange: 'dlx' });
      broker.declareExchange('jobs', { type: 'direct' });
      broker.bind('work', 'jobs', 'resize');
      broker.publish('jobs', 'resize', 'poison', { headers: { tenant: 't1' } });
      const d = broker.get('work', { channel: ch })!;
      broker.reject(ch, d.deliveryTag, { requeue: false });
      run();
      const dead = broker.get('dead', { channel: ch })!;
      assert.equal(dead.body, 'poison');
      assert.equal(dead.headers.tenant, 't1');
      assert.deepEqual(dead.headers['x-death'], [{ queue: 'work', reason: 'rejected', count: 1, exchange: 'jobs', 'routing-keys': ['resize'], time: 0 }]);
      assert.equal(dead.routingKey, 'resize', 'the original routing key unless x-dead-letter-routing-key is set');
    });

    it('without a dead-letter exchange a rejected message is discarded (and the trace says so)', () => {
      const { ctx, broker, ch } = setup();
      broker.declareQueue('q');
      broker.publish('', 'q', 'x');
      const d = broker.get('q', { channel: ch })!;
      broker.nack(ch, d.deliveryTag, { requeue: false });
      assert.equal(broker.queueView('q').ready + broker.queueView('q').unacked, 0);
      assert.equal(ctx.trace.records().find((r) => r.kind === 'dropped')?.cause, 'rejected, no dead-letter exchange');
    });
  });

  describe('TTL (docs: ttl)', () => {
    it('queue TTL: messages expire after x-message-ttl and are dead-lettered with reason expired', () => {
      const { broker, ch, run } = setup();
      broker.declareExchange('dlx', { type: 'fanout' });
      broker.declareQueue('expired');
      broker.bind('expired', 'dlx');
      broker.declareQueue('q', { messageTtlMs: 1_000, deadLetterExchange: 'dlx' });
      broker.publish('', 'q', 'old');
      run(500);
      broker.publish('', 'q', 'young');
      run(600); // t = 1100: old expired, young (published at 500) not yet
      assert.deepEqual(broker.queueView('q').messages.map((m) => m.body), ['young']);
      const dead = broker.get('expired', { channel: ch })!;
      assert.equal((dead.headers['x-death'] as Array<{ reason: string }>)[0].reason, 'expired');
    });

    it('per-message TTL: the lower of queue and message TTL applies, and an expired message behind the head waits for it', () => {
      const { broker, run } = setup();
      broker.declareQueue('q', { messageTtlMs: 10_000 });
      broker.publish('', 'q', 'long-lived');
      broker.publish('', 'q', 'short', { expirationMs: 100 });
      run(1_000);
      // RabbitMQ only expires at the head: "short" is past its TTL but still counted.
      assert.deepEqual(broker.queueView('q').messages.map((m) => m.body), ['long-lived', 'short']);
      run(9_500);
      assert.deepEqual(broker.queueView('q').messages.map((m) => m.body), []);
    });

    it('an expired message is never delivered, even when it is still stored behind the head', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('q');
      broker.publish('', 'q', 'keep');
      broker.publish('', 'q', 'stale', { expirationMs: 50 });
      run(100);
      const c = recorder(broker, 'q', ch);
      run();
      assert.deepEqual(c.bodies(), ['keep']);
    });

    it('a requeue does not reset a message\'s TTL', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('q', { messageTtlMs: 1_000 });
      broker.publish('', 'q', 'm');
      run(900);
      const d = broker.get('q', { channel: ch })!;
      broker.nack(ch, d.deliveryTag);
      run(200);
      assert.equal(broker.queueView('q').ready, 0);
    });

    it('a dead-letter cycle with no rejection (TTL bouncing between two queues) is dropped', () => {
      const { ctx, broker, run } = setup();
      broker.declareExchange('to-b', { type: 'fanout' });
      broker.declareExchange('to-a', { type: 'fanout' });
      broker.declareQueue('a', { messageTtlMs: 10, deadLetterExchange: 'to-b' });
      broker.declareQueue('b', { messageTtlMs: 10, deadLetterExchange: 'to-a' });
      broker.bind('b', 'to-b');
      broker.bind('a', 'to-a');
      broker.publish('', 'a', 'bounce');
      run(1_000);
      assert.equal(broker.queueView('a').ready + broker.queueView('b').ready, 0);
      assert.match(ctx.trace.records().find((r) => r.kind === 'dropped')!.cause!, /cycle/);
    });
  });

  describe('quorum queues (docs: quorum-queues "Poison Message Handling", "Redelivery of Returned Messages")', () => {
    it('the default delivery limit (20): the 21st failed delivery dead-letters with reason delivery_limit', () => {
      const { broker, ch, run } = setup();
      broker.declareExchange('dlx', { type: 'fanout' });
      broker.declareQueue('poison');
      broker.bind('poison', 'dlx');
      broker.declareQueue('q', { type: 'quorum', deadLetterExchange: 'dlx' });
      broker.publish('', 'q', 'crash-me');
      let deliveries = 0;
      let lastCount: unknown;
      broker.consume('q', {
        channel: ch,
        prefetch: 1,
        onDelivery: (d) => {
          deliveries++;
          lastCount = d.headers['x-delivery-count'];
          broker.reject(ch, d.deliveryTag, { requeue: true });
        },
      });
      run(10);
      assert.equal(deliveries, 21);
      assert.equal(lastCount, 20);
      const dead = broker.get('poison', { channel: broker.openChannel('c2') })!;
      assert.equal((dead.headers['x-death'] as Array<{ reason: string }>)[0].reason, 'delivery_limit');
    });

    it('a classic queue has no delivery limit: the same consumer loops forever (bounded here by the test)', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('q');
      broker.publish('', 'q', 'crash-me');
      let deliveries = 0;
      broker.consume('q', { channel: ch, onDelivery: (d) => (deliveries++ < 100 ? broker.reject(ch, d.deliveryTag, { requeue: true }) : undefined) });
      run(10);
      assert.equal(deliveries, 101);
    });

    it('RabbitMQ 4.3: a nack with requeue is a plain return and does not count; a configured limit counts rejects', () => {
      const { broker, ch, run } = setup();
      broker.declareQueue('q', { type: 'quorum', deliveryLimit: 2 });
      broker.publish('', 'q', 'm');
      for (let i = 0; i < 5; i++) broker.nack(ch, broker.get('q', { channel: ch })!.deliveryTag, { requeue: true });
      assert.equal(broker.queueView('q').messages[0].deliveryCount, 0);
      for (let i = 0; i < 3; i++) broker.reject(ch, broker.get('q', { channel: ch })!.deliveryTag, { requeue: true });
      run();
      assert.equal(broker.queueView('q').ready, 0, 'third failed delivery exceeds the limit of 2: dropped (no DLX)');
    });

    it('returned messages are served before the rest, in the order they were returned', () => {
      const { broker, ch } = setup();
      broker.declareQueue('q', { type: 'quorum' });
      for (const b of ['a', 'b', 'c', 'd']) broker.publish('', 'q', b);
      const a = broker.get('q', { channel: ch })!;
      const b = broker.get('q', { channel: ch })!;
      broker.nack(ch, b.deliveryTag);
      broker.nack(ch, a.deliveryTag);
      assert.deepEqual(broker.queueView('q').messages.map((m) => m.body), ['b', 'a', 'c', 'd']);
    });
  });

  describe('lifetimes: durable, exclusive, auto-delete, max length (docs: queues, maxlength)', () => {
    it('a restart keeps durable queues with their persistent messages; transient ones and their messages go; quorum keeps all', () => {
      const { broker, run } = setup();
      broker.declareQueue('durable');
      broker.declareQueue('transient', { durable: false });
      broker.declareQueue('quorum', { type: 'quorum' });
      broker.declareExchange('temp', { type: 'fanout', durable: false });
      broker.publish('', 'durable', 'kept', { persistent: true });
      broker.publish('', 'durable', 'lost', { persistent: false });
      broker.publish('', 'quorum', 'kept-too', { persistent: false });
      broker.publish('', 'transient', 'gone');
      run();
      broker.restart();
      assert.deepEqual(broker.queueNames().sort(), ['durable', 'quorum']);
      assert.deepEqual(broker.exchangeNames(), []);
      assert.deepEqual(broker.queueView('durable').messages.map((m) => m.body), ['kept']);
      assert.deepEqual(broker.queueView('quorum').messages.map((m) => m.body), ['kept-too']);
    });

    it('an exclusive queue refuses other connections and is deleted with its own', () => {
      const { broker } = setup();
      broker.declareQueue('mine', { exclusive: true, connection: 'conn-1' });
      const other = broker.openChannel('conn-2');
      assert.throws(() => broker.consume('mine', { channel: other, onDelivery: () => {} }), (e: unknown) => e instanceof EngineError && e.code === 'RESOURCE_LOCKED');
      broker.closeConnection('conn-1');
      assert.deepEqual(broker.queueNames(), []);
    });

    it('an auto-delete queue is deleted when its last consumer goes, not before it had one', () => {
      const { broker, ch } = setup();
      broker.declareQueue('temp', { autoDelete: true });
      const a = broker.consume('temp', { channel: ch, onDelivery: () => {} });
      const b = broker.consume('temp', { channel: ch, onDelivery: () => {} });
      broker.cancel(a);
      assert.deepEqual(broker.queueNames(), ['temp']);
      broker.cancel(b);
      assert.deepEqual(broker.queueNames(), []);
    });

    it('max length drops (or dead-letters, reason maxlen) the oldest ready message', () => {
      const { broker, ch, run } = setup();
      broker.declareExchange('dlx', { type: 'fanout' });
      broker.declareQueue('overflow');
      broker.bind('overflow', 'dlx');
      broker.declareQueue('q', { maxLength: 2, deadLetterExchange: 'dlx' });
      for (const b of ['1', '2', '3']) broker.publish('', 'q', b);
      run();
      assert.deepEqual(broker.queueView('q').messages.map((m) => m.body), ['2', '3']);
      const dead = broker.get('overflow', { channel: ch })!;
      assert.equal(dead.body, '1');
      assert.equal((dead.headers['x-death'] as Array<{ reason: string }>)[0].reason, 'maxlen');
    });
  });

  it('is deterministic: the same calls give the same trace', () => {
    const once = () => {
      const { ctx, broker, ch, run } = setup();
      broker.declareExchange('x', { type: 'topic' });
      broker.declareQueue('q', { type: 'quorum', deliveryLimit: 1 });
      broker.bind('q', 'x', 'a.#');
      broker.consume('q', { channel: ch, prefetch: 2, onDelivery: (d) => ctx.clock.schedule(5, () => broker.reject(ch, d.deliveryTag)) });
      for (let i = 0; i < 4; i++) broker.publish('x', `a.${i}`, `m${i}`);
      run(100);
      return JSON.stringify(ctx.trace.records());
    };
    assert.equal(once(), once());
  });
});
