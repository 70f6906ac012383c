// RabbitMQ, Google Pub/Sub and Kinesis in scenarios: validation naming the field, the wiring of
// functions to each system, the lab calls that reach them, summary and topology. Each block cites
// the documentation whose behaviour it checks.
import assert from 'node:assert/strict';
import type { LabApi, ModuleFactory } from '../../src/engine/executor';
import { awsProblems } from '../../src/export/awsRules';
import { OverlayModel } from '../../src/diagram/overlay';
import { validateScenario } from '../../src/engine/scenario';
import { Simulation } from '../../src/engine/simulation';
import { toJsonLine, type TraceRecord } from '../../src/engine/trace';

function mod(handler: (lab: LabApi) => (event: any, ctx: any) => unknown): ModuleFactory {
  return (lab) => ({ handler: handler(lab) });
}

function problems(doc: unknown): Array<[string, string]> {
  return validateScenario(doc).problems.map((p) => [p.path, p.message]);
}

function problemAt(doc: unknown, path: string): string {
  const found = problems(doc).find(([p]) => p === path);
  assert.ok(found, `expected a problem at ${path}, got ${JSON.stringify(problems(doc))}`);
  return found[1];
}

function decode(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

const of = (sim: Simulation, kind: string, resource?: string): TraceRecord[] => sim.records().filter((r) => r.kind === kind && (resource === undefined || r.resource === resource));

describe('the seed\'s other systems in scenarios', () => {
  describe('validation names the bad field', () => {
    const base = {
      name: 'v',
      rabbitmq: {
        exchanges: [{ name: 'orders', type: 'topic' }],
        queues: [{ name: 'billing' }, { name: 'work', type: 'quorum' }],
        bindings: [{ exchange: 'orders', queue: 'billing', routingKey: 'order.*' }],
      },
      pubsub: { topics: [{ name: 'events', subscriptions: [{ name: 'events-pull' }] }] },
      kinesisStreams: [{ name: 'clicks', shards: 2 }],
      queues: [{ name: 'failures' }],
      functions: [{ name: 'f', handler: 'f.js' }],
    };
    const withPatch = (patch: (d: any) => void): unknown => {
      const d = JSON.parse(JSON.stringify(base));
      patch(d);
      return d;
    };

    it('a valid scenario with every system passes', () => {
      assert.deepEqual(problems(base), []);
    });

    it('structure: types, ranges and unknown fields, by the schema', () => {
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.exchanges[0].type = 'fan')), 'rabbitmq.exchanges[0].type'), /direct", "fanout", "topic", "headers/);
      assert.match(problemAt(withPatch((d) => (d.kinesisStreams[0].shards = 0)), 'kinesisStreams[0].shards'), /between 1 and 500/);
      assert.match(problemAt(withPatch((d) => (d.kinesisStreams[0].retentionHours = 12)), 'kinesisStreams[0].retentionHours'), /between 24 and 8760/);
      assert.match(problemAt(withPatch((d) => (d.pubsub.topics[0].subscriptions[0].ackDeadlineS = 5)), 'pubsub.topics[0].subscriptions[0].ackDeadlineS'), /between 10 and 600/);
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.queues[0].prefetch = 1)), 'rabbitmq.queues[0].prefetch'), /unknown field/);
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.queues[0].name = 'amq.mine')), 'rabbitmq.queues[0].name'), /reserved/);
      assert.match(problemAt(withPatch((d) => (d.pubsub.topics[0].name = 'goog-x')), 'pubsub.topics[0].name'), /not starting with 'goog'/);
    });

    it('references: bindings, dead-letter exchanges, dead-letter topics, push functions, event sources', () => {
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.bindings[0].exchange = 'ordres')), 'rabbitmq.bindings[0].exchange'), /unknown exchange "ordres" \(known: orders, amq.direct/);
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.bindings[0].queue = 'biling')), 'rabbitmq.bindings[0].queue'), /unknown RabbitMQ queue "biling" \(known: billing, work\)/);
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.bindings[0].exchange = '')), 'rabbitmq.bindings[0].exchange'), /default exchange "" cannot be bound/);
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.queues[0].deadLetterExchange = 'nowhere')), 'rabbitmq.queues[0].deadLetterExchange'), /unknown exchange "nowhere"/);
      assert.deepEqual(problems(withPatch((d) => Object.assign(d.rabbitmq.queues[0], { deadLetterExchange: '', deadLetterRoutingKey: 'work' }))), []);
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.queues[0].deadLetterRoutingKey = 'x')), 'rabbitmq.queues[0].deadLetterRoutingKey'), /needs deadLetterExchange/);
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.queues[0].deliveryLimit = 3)), 'rabbitmq.queues[0].deliveryLimit'), /only quorum queues/);
      assert.match(problemAt(withPatch((d) => (d.rabbitmq.queues[1].durable = false)), 'rabbitmq.queues[1].durable'), /always durable/);
      assert.match(problemAt(withPatch((d) => (d.pubsub.topics[0].subscriptions[0].deadLetterPolicy = { topic: 'events' })), 'pubsub.topics[0].subscriptions[0].deadLetterPolicy.topic'), /another topic/);
      assert.match(problemAt(withPatch((d) => (d.pubsub.topics[0].subscriptions[0].push = { function: 'g' })), 'pubsub.topics[0].subscriptions[0].push.function'), /unknown function "g"/);
      assert.match(problemAt(withPatch((d) => Object.assign(d.pubsub.topics[0].subscriptions[0], { push: { function: 'f' }, enableExactlyOnceDelivery: true })), 'pubsub.topics[0].subscriptions[0].enableExactlyOnceDelivery'), /pull subscriptions only/);
      assert.match(problemAt(withPatch((d) => (d.pubsub.topics[0].subscriptions[0].filter = 'attributes.kind = order')), 'pubsub.topics[0].subscriptions[0].filter'), /quoted value/);
      assert.match(problemAt(withPatch((d) => (d.functions[0].events = [{ rabbitQueue: 'biling' }])), 'functions[0].events[0].rabbitQueue'), /unknown RabbitMQ queue/);
      assert.match(problemAt(withPatch((d) => (d.functions[0].events = [{ kinesisStream: 'clics' }])), 'functions[0].events[0].kinesisStream'), /unknown Kinesis stream "clics" \(known: clicks\)/);
      assert.match(problemAt(withPatch((d) => (d.functions[0].events = [{ kinesisStream: 'clicks', onFailure: { queue: 'nope' } }])), 'functions[0].events[0].onFailure.queue'), /unknown queue "nope"/);
      assert.match(problemAt(withPatch((d) => (d.functions[0].events = [{ kinesisStream: 'clicks', parallelizationFactor: 11 }])), 'functions[0].events[0].parallelizationFactor'), /between 1 and 10/);
      const push = withPatch((d) => {
        d.pubsub.topics[0].subscriptions[0].push = { function: 'f' };
        d.functions[0].events = [{ pubsubSubscription: 'events-pull' }];
      });
      assert.match(problemAt(push, 'functions[0].events[0].pubsubSubscription'), /is a push subscription/);
      assert.match(problemAt(withPatch((d) => (d.functions[0].events = [{ rabbitQueue: 'billing', prefetch: -1 }])), 'functions[0].events[0].prefetch'), /between 0 and 65535/);
    });

    it('names are unique across every system; traffic and faults use them by kind', () => {
      assert.match(problemAt(withPatch((d) => d.kinesisStreams.push({ name: 'billing' })), 'kinesisStreams[1].name'), /"billing" is already used by rabbitmq.queues\[0\]/);
      assert.match(problemAt(withPatch((d) => (d.queues[0].name = 'clicks')), 'kinesisStreams[0].name'), /already used by queues\[0\]/);
      const traffic = (target: unknown) => withPatch((d) => (d.traffic = [{ name: 't', target, ratePerSecond: 1 }]));
      assert.deepEqual(problems(traffic({ exchange: 'orders', routingKey: 'order.{{seq}}' })), []);
      assert.deepEqual(problems(traffic({ kinesisStream: 'clicks', key: 'user-{{randomInt 1 5}}' })), []);
      assert.match(problemAt(traffic({ queue: 'failures', routingKey: 'x' }), 'traffic[0].target.routingKey'), /exchange target only/);
      assert.match(problemAt(traffic({ exchange: 'orders', groupId: 'g' }), 'traffic[0].target.groupId'), /does not apply to a exchange target/);
      assert.match(problemAt(traffic({ pubsubTopic: 'events', attributes: { n: 1 } }), 'traffic[0].target.attributes.n'), /strings/);
      assert.match(problemAt(traffic({ pubsubTopic: 'evnts' }), 'traffic[0].target.pubsubTopic'), /unknown Pub\/Sub topic "evnts"/);
      assert.match(problemAt(traffic({ exchange: 'orders', routingKey: '{{nope}}' }), 'traffic[0].target.routingKey'), /nope/);
      assert.deepEqual(problems(withPatch((d) => (d.faults = [{ kind: 'poison', target: 'clicks', atS: 1, payload: 'x' }]))), []);
      assert.match(problemAt(withPatch((d) => (d.faults = [{ kind: 'throttle', target: 'clicks', fromS: 1, toS: 2, concurrency: 1 }])), 'faults[0].target'), /unknown function "clicks"/);
    });

    it('a Simulation refuses such a scenario whole, listing every problem', () => {
      assert.throws(() => new Simulation(withPatch((d) => ((d.rabbitmq.bindings[0].exchange = 'x'), (d.kinesisStreams[0].shards = 0)))), /2 problems:[\s\S]*kinesisStreams\[0\].shards[\s\S]*rabbitmq.bindings\[0\].exchange/);
    });
  });

  describe('RabbitMQ: exchanges route, the broker pushes to consumers, acks settle (rabbitmq.com/docs: exchanges, consumers, confirms)', () => {
    it('a topic exchange routes by pattern (* one word, # zero or more); each consumer gets its queue\'s copies as amqplib delivers them', () => {
      const doc = {
        name: 'routing',
        durationS: 10,
        rabbitmq: {
          exchanges: [{ name: 'orders', type: 'topic' }],
          queues: [{ name: 'billing' }, { name: 'eu-shipping' }],
          bindings: [
            { exchange: 'orders', queue: 'billing', routingKey: 'order.*.created' },
            { exchange: 'orders', queue: 'eu-shipping', routingKey: 'order.eu.#' },
          ],
        },
        functions: [
          { name: 'bill', handler: 'bill', events: [{ rabbitQueue: 'billing' }] },
          { name: 'ship', handler: 'ship', events: [{ rabbitQueue: 'eu-shipping' }] },
        ],
        traffic: [{ name: 'in', target: { exchange: 'orders', routingKey: '{{pick "order.eu.created" "order.us.created" "order.eu.cancelled" "order"}}' }, ratePerSecond: 10, durationS: 3, payload: { n: '{{seq}}' } }],
      };
      const seen: Record<string, string[]> = { bill: [], ship: [] };
      const events: any[] = [];
      const sim = new Simulation(doc, {
        handlers: {
          bill: mod(() => (e) => void (seen.bill.push(e.fields.routingKey), events.push(e))),
          ship: mod(() => (e) => void seen.ship.push(e.fields.routingKey)),
        },
      });
      sim.run();
      const keys = of(sim, 'published', 'orders').map((r) => r.detail!.routingKey as string);
      assert.equal(keys.length, 30);
      assert.deepEqual(seen.bill.sort(), keys.filter((k) => k === 'order.eu.created' || k === 'order.us.created').sort());
      assert.deepEqual(seen.ship.sort(), keys.filter((k) => k.startsWith('order.eu.')).sort());
      const unroutable = keys.filter((k) => k === 'order').length;
      assert.ok(unroutable > 0);
      const s = sim.summary();
      assert.equal(s.exchanges!.orders.published, 30);
      assert.equal(s.exchanges!.orders.dropped, unroutable);
      assert.equal(s.rabbitQueues!.billing.acked, seen.bill.length);
      assert.equal(s.rabbitQueues!.billing.ready + s.rabbitQueues!.billing.unacked, 0);
      assert.ok(s.lostDetails.some((d) => d.resource === 'orders' && d.kind === 'exchange' && d.count === unroutable));
      const e = events[0];
      assert.equal(e.fields.exchange, 'orders');
      assert.equal(e.fields.redelivered, false);
      assert.equal(typeof e.fields.deliveryTag, 'number');
      assert.match(e.content, /^\{"n":\d+\}$/);
    });

    it('a failed consumer nacks: the message is requeued and comes back redelivered; dead-letter rejects it to the dead-letter exchange', () => {
      const build = (onError: string) => ({
        name: 'nack',
        durationS: 10,
        rabbitmq: {
          exchanges: [{ name: 'dlx', type: 'fanout' }],
          queues: [{ name: 'jobs', deadLetterExchange: 'dlx' }, { name: 'dead' }],
          bindings: [{ exchange: 'dlx', queue: 'dead' }],
        },
        functions: [{ name: 'w', handler: 'w', events: [{ rabbitQueue: 'jobs', onError }] }],
        traffic: [{ name: 'in', target: { rabbitQueue: 'jobs' }, ratePerSecond: 2, durationS: 2, payload: '{{seq}}' }],
      });
      const attempts = new Map<string, boolean[]>();
      const handlers = {
        w: mod(() => (e) => {
          const list = attempts.get(e.content) ?? [];
          list.push(e.fields.redelivered);
          attempts.set(e.content, list);
          if (list.length === 1) throw new Error('first try fails');
        }),
      };
      const requeue = new Simulation(build('requeue'), { handlers });
      requeue.run();
      assert.equal(attempts.size, 4);
      for (const [, flags] of attempts) assert.deepEqual(flags, [false, true]);
      assert.equal(requeue.summary().rabbitQueues!.jobs.requeued, 4);
      assert.equal(requeue.summary().rabbitQueues!.dead.sent, 0);

      attempts.clear();
      const dl = new Simulation(build('dead-letter'), { handlers });
      dl.run();
      for (const [, flags] of attempts) assert.deepEqual(flags, [false]);
      const s = dl.summary();
      assert.equal(s.rabbitQueues!.jobs.deadLettered, 4);
      assert.equal(s.rabbitQueues!.dead.ready, 4);
      const dead = dl.systems.rabbit.queueView('dead').messages;
      assert.deepEqual(dead.map((m) => m.body).sort(), ['1', '2', '3', '4']);
    });

    it('a quorum queue counts rejects against its delivery limit (4.3: a nack with requeue is not counted)', () => {
      const build = (onError: string) => ({
        name: 'quorum',
        durationS: 3,
        rabbitmq: {
          queues: [{ name: 'jobs', type: 'quorum', deliveryLimit: 2, deadLetterExchange: '', deadLetterRoutingKey: 'parked' }, { name: 'parked' }],
        },
        functions: [{ name: 'w', handler: 'w', events: [{ rabbitQueue: 'jobs', onError }] }],
        traffic: [{ name: 'in', target: { rabbitQueue: 'jobs' }, ratePerSecond: 1, durationS: 1, payload: 'poison' }],
      });
      let deliveries = 0;
      let lastCount: unknown;
      const handlers = {
        w: mod(() => (e) => {
          deliveries++;
          lastCount = e.properties.headers['x-delivery-count'];
          throw new Error('poison');
        }),
      };
      const reject = new Simulation(build('reject-requeue'), { handlers });
      reject.run();
      assert.equal(deliveries, 3, 'the first delivery and two redeliveries; the third failure passes the limit of 2');
      assert.equal(lastCount, 2);
      const parked = reject.systems.rabbit.queueView('parked');
      assert.equal(parked.ready, 1);
      assert.equal(of(reject, 'expired').length + of(reject, 'dead-lettered', 'jobs').length, 1);
      assert.equal(of(reject, 'dead-lettered', 'jobs')[0].cause, 'delivery_limit');

      deliveries = 0;
      const nack = new Simulation(build('requeue'), { handlers });
      nack.run();
      assert.ok(deliveries > 50, `a nacked poison message loops (${deliveries} deliveries in 3 s)`);
      assert.equal(nack.systems.rabbit.queueView('parked').ready, 0);
    });

    it('prefetch decides fairness: without a limit round-robin splits evenly whatever the speed; prefetch 1 sends work to whoever is free (docs: consumer-prefetch)', () => {
      const build = (prefetch: number) => ({
        name: 'fair',
        durationS: 30,
        rabbitmq: { queues: [{ name: 'work' }] },
        functions: [
          { name: 'fast', handler: 'fast', durationMs: 10, events: [{ rabbitQueue: 'work', prefetch }] },
          { name: 'slow', handler: 'slow', durationMs: 900, timeoutS: 5, events: [{ rabbitQueue: 'work', prefetch }] },
        ],
        traffic: [{ name: 'in', target: { rabbitQueue: 'work' }, ratePerSecond: 20, durationS: 4 }],
      });
      const handlers = { fast: mod(() => () => undefined), slow: mod(() => () => undefined) };
      const count = (prefetch: number) => {
        const sim = new Simulation(build(prefetch), { handlers });
        sim.run();
        const s = sim.summary();
        return { fast: s.functions.fast.invoked, slow: s.functions.slow.invoked, slowPeak: Math.max(...sim.platform.environments('slow').map(() => 1), 0) };
      };
      const unlimited = count(0);
      assert.equal(unlimited.fast + unlimited.slow, 80);
      assert.ok(Math.abs(unlimited.fast - unlimited.slow) <= 1, `round-robin: ${JSON.stringify(unlimited)}`);
      const one = count(1);
      assert.equal(one.fast + one.slow, 80);
      assert.ok(one.fast >= 4 * one.slow, `prefetch 1: ${JSON.stringify(one)}`);
    });

    it('handlers reach RabbitMQ through send (default exchange) and publish (routing key, headers); bad options name the option', () => {
      const doc = {
        name: 'lab',
        durationS: 5,
        rabbitmq: {
          exchanges: [{ name: 'events', type: 'headers' }],
          queues: [{ name: 'jobs' }, { name: 'audit' }],
          bindings: [{ exchange: 'events', queue: 'audit', arguments: { 'x-match': 'any', kind: 'audit' } }],
        },
        functions: [{ name: 'p', handler: 'p' }],
        traffic: [{ name: 'go', target: { function: 'p' }, ratePerSecond: 1, durationS: 1 }],
      };
      const errors: string[] = [];
      const sim = new Simulation(doc, {
        handlers: {
          p: mod((lab) => () => {
            lab.send('jobs', { job: 1 }, { attributes: { priority: 5 } });
            lab.publish('events', 'audit me', { attributes: { kind: 'audit' } });
            lab.publish('events', 'nobody', { attributes: { kind: 'other' } });
            for (const call of [() => lab.send('jobs', 'x', { delayS: 5 }), () => lab.send('jobs', 'x', { groupId: 'g' }), () => lab.publish('events', 'x', { groupId: 'g' })]) {
              try {
                call();
              } catch (err) {
                errors.push((err as Error).message);
              }
            }
          }),
        },
      });
      sim.run();
      assert.deepEqual(sim.systems.rabbit.queueView('jobs').messages.map((m) => m.body), ['{"job":1}']);
      assert.deepEqual(sim.systems.rabbit.queueView('audit').messages.map((m) => m.body), ['audit me']);
      assert.match(errors[0], /options.delayS: RabbitMQ has no delivery delay/);
      assert.match(errors[1], /options.groupId: message groups are an SQS FIFO feature/);
      assert.match(errors[2], /options.groupId/);
      assert.equal(sim.summary().exchanges!.events.dropped, 1);
      const calls = sim.topology().edges.filter((e) => e.kind === 'calls').map((e) => `${e.from}→${e.to}:${e.label}`);
      assert.deepEqual(calls.sort(), ['p→events:publish', 'p→jobs:send']);
    });
  });

  describe('Google Pub/Sub: push and pull subscriptions (cloud.google.com/pubsub/docs: push, ordering, exactly-once-delivery, handling-failures)', () => {
    it('a push subscription calls the function with the push body; success acks it; the trace joins topic → subscription → function', () => {
      const doc = {
        name: 'push',
        durationS: 5,
        pubsub: { topics: [{ name: 'orders', subscriptions: [{ name: 'orders-push', push: { function: 'ship' } }, { name: 'orders-pull' }] }] },
        functions: [{ name: 'ship', handler: 'ship' }],
        traffic: [{ name: 'in', target: { pubsubTopic: 'orders', attributes: { kind: 'order' } }, ratePerSecond: 2, durationS: 1, payload: { id: '{{seq}}' } }],
      };
      const bodies: any[] = [];
      const sim = new Simulation(doc, { handlers: { ship: mod(() => (e) => void bodies.push(e)) } });
      sim.run();
      assert.equal(bodies.length, 2);
      const b = bodies[0];
      assert.equal(b.subscription, 'projects/serverless-lab/subscriptions/orders-push');
      assert.equal(decode(b.message.data), '{"id":1}');
      assert.equal(b.message.text, '{"id":1}');
      assert.equal(b.message.messageId, b.message.message_id);
      assert.equal(b.message.publishTime, '2026-01-01T00:00:00.000Z');
      assert.deepEqual(b.message.attributes, { kind: 'order' });
      const s = sim.summary();
      assert.equal(s.pubsubTopics!.orders.published, 2);
      assert.equal(s.pubsubSubscriptions!['orders-push'].acked, 2);
      assert.equal(s.pubsubSubscriptions!['orders-pull'].unacked, 2, 'a pull subscription with no subscriber keeps its copies');
      const id = of(sim, 'published', 'orders')[0].id!;
      assert.deepEqual(
        sim.records().filter((r) => r.id === id || r.cause === id).map((r) => `${r.kind}@${r.resource}`).slice(0, 6),
        ['published@orders', 'delivered@orders', 'sent@orders-push', 'delivered@orders', 'sent@orders-pull', 'delivered@orders-push'],
      );
    });

    it('ordering keys: a failed message holds the rest of its key back until it succeeds; without ordering the others overtake it', () => {
      const build = (ordered: boolean) => ({
        name: 'ordering',
        durationS: 40,
        pubsub: { topics: [{ name: 'ledger', subscriptions: [{ name: 'ledger-apply', enableMessageOrdering: ordered, retryPolicy: { minimumBackoffS: 10 }, push: { function: 'apply' } }] }] },
        functions: [{ name: 'apply', handler: 'apply' }],
        traffic: [{ name: 'in', target: { pubsubTopic: 'ledger', orderingKey: 'account-1' }, ratePerSecond: 1, durationS: 5, payload: '{{seq}}' }],
      });
      let applied: string[] = [];
      let failedOnce = false;
      const handlers = {
        apply: mod(() => (e) => {
          if (e.message.text === '2' && !failedOnce) {
            failedOnce = true;
            throw new Error('transient');
          }
          applied.push(e.message.text);
          assert.equal(e.message.orderingKey, 'account-1');
        }),
      };
      new Simulation(build(true), { handlers }).run();
      assert.deepEqual(applied, ['1', '2', '3', '4', '5']);
      applied = [];
      failedOnce = false;
      new Simulation(build(false), { handlers }).run();
      assert.deepEqual(applied, ['1', '3', '4', '5', '2']);
    });

    it('dead-letter topic after maxDeliveryAttempts; pushes carry deliveryAttempt', () => {
      const doc = {
        name: 'dlq',
        durationS: 120,
        pubsub: {
          topics: [
            { name: 'jobs', subscriptions: [{ name: 'jobs-push', deadLetterPolicy: { topic: 'jobs-dead', maxDeliveryAttempts: 5 }, push: { function: 'w' } }] },
            { name: 'jobs-dead', subscriptions: [{ name: 'jobs-dead-pull' }] },
          ],
        },
        functions: [{ name: 'w', handler: 'w' }],
        traffic: [{ name: 'in', target: { pubsubTopic: 'jobs' }, ratePerSecond: 1, durationS: 1, payload: 'bad' }],
      };
      const attempts: number[] = [];
      const sim = new Simulation(doc, { handlers: { w: mod(() => (e) => (attempts.push(e.deliveryAttempt), assert.fail('always fails'))) } });
      sim.run();
      assert.deepEqual(attempts, [1, 2, 3, 4, 5]);
      const view = sim.systems.pubsub.view('jobs-dead-pull');
      assert.equal(view.unacked, 1);
      assert.equal(sim.summary().pubsubSubscriptions!['jobs-push'].deadLettered, 1);
    });

    it('a pull subscriber extends ack deadlines while the function runs; without lease extension, exactly-once delivery refuses the late ack', () => {
      const build = (maxExtensionS: number) => ({
        name: 'eod',
        durationS: 60,
        pubsub: { topics: [{ name: 'pay', subscriptions: [{ name: 'pay-pull', enableExactlyOnceDelivery: true }] }] },
        functions: [{ name: 'charge', handler: 'charge', timeoutS: 30, events: [{ pubsubSubscription: 'pay-pull', maxExtensionS }] }],
        traffic: [{ name: 'in', target: { pubsubTopic: 'pay' }, ratePerSecond: 1, durationS: 1, payload: 'charge-1' }],
      });
      const handlers = { charge: mod((lab) => () => lab.work(15_000)) };
      const leased = new Simulation(build(3600), { handlers });
      leased.run();
      assert.equal(leased.summary().functions.charge.invoked, 1);
      assert.equal(leased.summary().pubsubSubscriptions!['pay-pull'].acked, 1);
      assert.ok(of(leased, 'visibility-changed', 'pay-pull').length >= 1, 'the deadline was extended');

      const bare = new Simulation(build(0), { handlers });
      bare.run();
      const s = bare.summary();
      assert.ok(s.functions.charge.invoked >= 2, 'redelivered while the first run was still working');
      const refused = of(bare, 'stale-handle', 'pay-pull');
      assert.ok(refused.length >= 1);
      assert.match(refused[0].cause!, /ack refused: .*expired/);
      assert.equal(s.pubsubSubscriptions!['pay-pull'].lateAcks, refused.length);
    });

    it('a publish to a topic with no subscription reaches no one: counted as lost', () => {
      const sim = new Simulation({ name: 'nosub', durationS: 2, pubsub: { topics: [{ name: 'alone' }] }, traffic: [{ name: 'in', target: { pubsubTopic: 'alone' }, ratePerSecond: 1, durationS: 2 }] });
      sim.run();
      const s = sim.summary();
      assert.equal(s.pubsubTopics!.alone.dropped, 2);
      assert.equal(s.lost, 2);
    });

    it('handlers publish with attributes (strings) and an ordering key; a number attribute is refused naming it', () => {
      const doc = {
        name: 'lab',
        durationS: 2,
        pubsub: { topics: [{ name: 'events', subscriptions: [{ name: 'events-pull', enableMessageOrdering: true }] }] },
        functions: [{ name: 'p', handler: 'p' }],
        traffic: [{ name: 'go', target: { function: 'p' }, ratePerSecond: 1, durationS: 1 }],
      };
      let error = '';
      const sim = new Simulation(doc, {
        handlers: {
          p: mod((lab) => () => {
            lab.publish('events', { a: 1 }, { attributes: { kind: 'x' }, orderingKey: 'k' } as never);
            try {
              lab.publish('events', 'x', { attributes: { n: 1 } });
            } catch (err) {
              error = (err as Error).message;
            }
          }),
        },
      });
      sim.run();
      assert.deepEqual(sim.systems.pubsub.view('events-pull').messages.map((m) => [m.data, m.orderingKey]), [['{"a":1}', 'k']]);
      assert.match(error, /options.attributes.n: Pub\/Sub attribute values are strings/);
    });
  });

  describe('Kinesis: shards, limits and the Lambda event source (docs.aws.amazon.com/streams; Lambda "Using Lambda with Kinesis")', () => {
    it('the event source hands Kinesis-shaped batches, in order per partition key, several per shard with a parallelization factor', () => {
      const build = (parallelizationFactor: number) => ({
        name: 'kin',
        durationS: 30,
        kinesisStreams: [{ name: 'clicks', shards: 2 }],
        functions: [{ name: 'count', handler: 'count', durationMs: 400, events: [{ kinesisStream: 'clicks', batchSize: 5, parallelizationFactor }] }],
        traffic: [{ name: 'in', target: { kinesisStream: 'clicks', key: '{{pick "u1" "u2" "u3" "u4" "u5" "u6"}}' }, ratePerSecond: 40, durationS: 2, payload: '{{seq}}' }],
      });
      const run = (factor: number) => {
        const seen: any[] = [];
        const sim = new Simulation(build(factor), { handlers: { count: mod(() => (e) => void seen.push(...e.Records)) } });
        sim.run();
        return { sim, seen };
      };
      const one = run(1);
      const three = run(3);
      for (const { sim, seen } of [one, three]) {
        assert.equal(seen.length, 80);
        const r = seen[0];
        assert.equal(r.eventSource, 'aws:kinesis');
        assert.equal(r.eventSourceARN, 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks');
        assert.equal(r.eventID, `${sim.records().find((x) => x.kind === 'produced' && x.id === r.kinesis.sequenceNumber)!.detail!.shardId}:${r.kinesis.sequenceNumber}`);
        assert.equal(decode(r.kinesis.data), r.kinesis.text);
        const byKey = new Map<string, number[]>();
        for (const x of seen) byKey.set(x.kinesis.partitionKey, [...(byKey.get(x.kinesis.partitionKey) ?? []), Number(x.kinesis.text)]);
        for (const [key, ns] of byKey) assert.deepEqual(ns, [...ns].sort((a, b) => a - b), `order of ${key}`);
        assert.equal(sim.summary().kinesisStreams!.clicks.produced, 80);
      }
      const peak = (sim: Simulation) => {
        let now = 0;
        let max = 0;
        for (const r of sim.records()) {
          if (r.resource !== 'count') continue;
          if (r.kind === 'invoked') max = Math.max(max, ++now);
          if (r.kind === 'succeeded' || r.kind === 'failed') now--;
        }
        return max;
      };
      assert.equal(peak(one.sim), 2, 'one batch per shard at a time');
      assert.ok(peak(three.sim) > 2 && peak(three.sim) <= 6, `up to 3 per shard: ${peak(three.sim)}`);
    });

    it('more than 1,000 records a second on one shard fail with ProvisionedThroughputExceeded, traced and counted', () => {
      const sim = new Simulation({ name: 'hot', durationS: 1, kinesisStreams: [{ name: 'hot' }], traffic: [{ name: 'in', target: { kinesisStream: 'hot', key: 'same' }, ratePerSecond: 1500, durationS: 1 }] }, { records: { mode: 'none' } });
      sim.run();
      const s = sim.summary();
      assert.equal(s.kinesisStreams!.hot.produced, 1000);
      assert.equal(s.kinesisStreams!.hot.throttled, 500);
      assert.equal(sim.ctx.trace.count('failed', 'in'), 500);
    });

    it('a batch that keeps failing is given up after maxRetryAttempts: the on-failure queue gets its shard and sequence range, not its data', () => {
      const doc = {
        name: 'fail',
        durationS: 60,
        queues: [{ name: 'kinesis-failures' }],
        kinesisStreams: [{ name: 'orders' }],
        functions: [{ name: 'w', handler: 'w', events: [{ kinesisStream: 'orders', batchSize: 10, maxRetryAttempts: 1, onFailure: { queue: 'kinesis-failures' } }] }],
        traffic: [{ name: 'in', target: { kinesisStream: 'orders' }, ratePerSecond: 3, durationS: 1 }],
      };
      const sim = new Simulation(doc, { handlers: { w: mod(() => () => assert.fail('broken')) } });
      sim.run();
      const s = sim.summary();
      assert.equal(s.functions.w.deadLettered, 3);
      const held = sim.queues.get('kinesis-failures')!.messages();
      assert.equal(held.length, 1);
      const body = JSON.parse(held[0].body);
      assert.equal(body.requestContext.condition, 'RetryAttemptsExhausted');
      assert.equal(body.requestContext.approximateInvokeCount, 2);
      assert.equal(body.KinesisBatchInfo.batchSize, 3);
      assert.equal(body.KinesisBatchInfo.shardId, 'shardId-000000000000');
      assert.equal(body.KinesisBatchInfo.streamArn, 'arn:aws:kinesis:us-east-1:123456789012:stream/orders');
      assert.equal(s.lost, 0);
    });

    it('handlers produce with a partition key and get the shard and sequence number; without a key the call is refused naming it', () => {
      const doc = { name: 'lab', durationS: 2, kinesisStreams: [{ name: 'clicks', shards: 4 }], functions: [{ name: 'p', handler: 'p' }], traffic: [{ name: 'go', target: { function: 'p' }, ratePerSecond: 1, durationS: 1 }] };
      let result: any;
      let error = '';
      const sim = new Simulation(doc, {
        handlers: {
          p: mod((lab) => () => {
            result = lab.produce('clicks', { page: '/' }, { key: 'user-7' });
            try {
              lab.produce('clicks', 'x');
            } catch (err) {
              error = (err as Error).message;
            }
          }),
        },
      });
      sim.run();
      assert.equal(result.shardId, sim.systems.kinesis.get('clicks')!.shardFor('user-7'));
      assert.match(result.sequenceNumber, /^\d+$/);
      assert.match(error, /options.key: is required: "clicks" is a Kinesis stream/);
    });
  });

  it('topology: exchanges, RabbitMQ queues, bindings, Pub/Sub topics and subscriptions, Kinesis streams and what reads them', () => {
    const sim = new Simulation({
      name: 'topo',
      queues: [{ name: 'fails' }],
      rabbitmq: { exchanges: [{ name: 'orders', type: 'direct' }], queues: [{ name: 'billing', deadLetterExchange: 'amq.fanout' }], bindings: [{ exchange: 'orders', queue: 'billing', routingKey: 'bill' }] },
      pubsub: { topics: [{ name: 'events', subscriptions: [{ name: 'events-push', push: { function: 'f' } }, { name: 'events-pull', enableMessageOrdering: true }] }] },
      kinesisStreams: [{ name: 'clicks', shards: 3 }],
      functions: [{ name: 'f', handler: 'f', events: [{ rabbitQueue: 'billing', prefetch: 5 }, { pubsubSubscription: 'events-pull' }, { kinesisStream: 'clicks', parallelizationFactor: 2, onFailure: { queue: 'fails' } }] }],
      traffic: [{ name: 'in', target: { exchange: 'orders', routingKey: 'bill' }, ratePerSecond: 1 }],
    });
    const t = sim.topology();
    const kinds = Object.fromEntries(t.nodes.map((n) => [n.id, n.kind]));
    assert.deepEqual(kinds, { in: 'traffic', f: 'function', fails: 'dlq', orders: 'exchange', billing: 'rabbit-queue', 'amq.fanout': 'exchange', events: 'pubsub-topic', 'events-push': 'pubsub-subscription', 'events-pull': 'pubsub-subscription', clicks: 'kinesis-stream' });
    const edges = t.edges.map((e) => `${e.from}→${e.to} ${e.kind} ${e.label}`);
    for (const e of ['in→orders traffic 1/s', 'orders→billing binding bill', 'billing→amq.fanout dead-letter dead letters', 'events→events-push subscription ', 'events-push→f push push', 'billing→f event-source prefetch 5', 'events-pull→f event-source pull', 'clicks→f event-source batch 100, 2 per shard', 'f→fails on-failure on failure']) {
      assert.ok(edges.includes(e), `${e} in ${JSON.stringify(edges)}`);
    }
    assert.equal(t.nodes.find((n) => n.id === 'clicks')!.detail, '3 shards, 24 h');
  });

  it('the diagram overlay follows messages along these systems\' edges and keeps their counters', () => {
    const sim = new Simulation({
      name: 'overlay',
      durationS: 10,
      rabbitmq: { exchanges: [{ name: 'orders', type: 'fanout' }], queues: [{ name: 'billing' }, { name: 'audit' }], bindings: [{ exchange: 'orders', queue: 'billing' }, { exchange: 'orders', queue: 'audit' }] },
      pubsub: { topics: [{ name: 'events', subscriptions: [{ name: 'events-push', push: { function: 'w' } }] }] },
      kinesisStreams: [{ name: 'clicks' }],
      functions: [{ name: 'w', handler: 'w', events: [{ rabbitQueue: 'billing' }, { kinesisStream: 'clicks' }] }],
      traffic: [
        { name: 'r', target: { exchange: 'orders' }, ratePerSecond: 2, durationS: 2 },
        { name: 'p', target: { pubsubTopic: 'events' }, ratePerSecond: 1, durationS: 2 },
        { name: 'k', target: { kinesisStream: 'clicks' }, ratePerSecond: 1, durationS: 2 },
      ],
    }, { handlers: { w: mod(() => () => undefined) } });
    sim.run();
    const t = sim.topology();
    const overlay = new OverlayModel(t as never, { maxDots: 10_000 });
    const update = overlay.apply(sim.records());
    const hops = new Set(update.edges.map((e) => `${e.from}→${e.to}`));
    for (const h of ['r→orders', 'orders→billing', 'orders→audit', 'billing→w', 'p→events', 'events→events-push', 'events-push→w', 'k→clicks', 'clicks→w']) assert.ok(hops.has(h), `${h} in ${[...hops].join(', ')}`);
    assert.deepEqual(overlay.node('orders')!.counters, { published: 4, routed: 8, dropped: 0 });
    const billing = overlay.node('billing')!.counters;
    assert.equal(billing.sent, 4);
    assert.equal(billing.deleted, 4);
    assert.equal(billing.depth, 0);
    assert.equal(overlay.node('audit')!.counters.depth, 4, 'no consumer: its copies wait');
    assert.equal(overlay.node('events-push')!.counters.deleted, 2);
    assert.equal(overlay.node('clicks')!.counters.produced, 2);
  });

  it('the AWS export refuses these systems, naming each and saying what to use instead', () => {
    const { scenario } = validateScenario({ name: 'x', rabbitmq: { queues: [{ name: 'q' }] }, pubsub: { topics: [{ name: 'top' }] }, kinesisStreams: [{ name: 'k' }] });
    const found = awsProblems(scenario!).map((p) => [p.path, p.message]);
    assert.deepEqual(found.map(([p]) => p), ['rabbitmq', 'pubsub', 'kinesisStreams']);
    assert.match(found[0][1], /Amazon MQ/);
    assert.match(found[1][1], /SNS topic with one SQS queue per subscription/);
    assert.match(found[2][1], /declare them under "streams"/);
  });

  it('is deterministic: the same seed gives the same trace, byte for byte', () => {
    const doc = {
      name: 'det',
      durationS: 20,
      rabbitmq: { exchanges: [{ name: 'x', type: 'fanout' }], queues: [{ name: 'a' }, { name: 'b' }], bindings: [{ exchange: 'x', queue: 'a' }, { exchange: 'x', queue: 'b' }] },
      pubsub: { topics: [{ name: 'top', subscriptions: [{ name: 'top-push', push: { function: 'w' } }] }] },
      kinesisStreams: [{ name: 'kin', shards: 2 }],
      functions: [{ name: 'w', handler: 'w', events: [{ rabbitQueue: 'a' }, { kinesisStream: 'kin' }] }],
      traffic: [
        { name: 'r', target: { exchange: 'x' }, ratePerSecond: 5, arrival: 'poisson' },
        { name: 'p', target: { pubsubTopic: 'top' }, ratePerSecond: 5, arrival: 'poisson' },
        { name: 'k', target: { kinesisStream: 'kin', key: '{{randomInt 1 9}}' }, ratePerSecond: 5 },
      ],
    };
    const handlers = { w: mod(() => () => undefined) };
    const once = () => {
      const sim = new Simulation(doc, { handlers });
      sim.run();
      return sim.records().map(toJsonLine).join('\n');
    };
    const a = once();
    assert.ok(a.length > 10_000);
    assert.equal(a, once());
  });
});
