// Google Cloud Pub/Sub model: each block cites the cloud.google.com/pubsub/docs page it follows.
import { strict as assert } from 'node:assert';
import { EngineContext } from '../../src/engine/context';
import { EngineError, ValidationError } from '../../src/engine/errors';
import { compileFilter, PubSub, type ReceivedPubSubMessage, type SubscriptionOptions } from '../../src/engine/pubsub';

function setup(subscription: Partial<SubscriptionOptions> = {}) {
  const ctx = new EngineContext({ seed: 1 });
  const ps = new PubSub(ctx);
  ps.createTopic('orders');
  ps.createSubscription('orders', { name: 'billing', ...subscription });
  return { ctx, ps, run: (ms = 0) => ctx.clock.runUntil(ctx.clock.now + ms) };
}

const data = (msgs: ReceivedPubSubMessage[]) => msgs.map((m) => m.message.data);

describe('PubSub (Google Cloud Pub/Sub)', () => {
  describe('topics fan out to subscriptions; each subscription is its own queue (docs: pubsub-basics)', () => {
    it('every subscription gets every message, acked independently', () => {
      const { ps } = setup();
      ps.createSubscription('orders', { name: 'shipping' });
      ps.publish('orders', 'o1');
      const billing = ps.pull('billing');
      assert.deepEqual(data(billing), ['o1']);
      ps.acknowledge('billing', [billing[0].ackId]);
      assert.deepEqual(data(ps.pull('shipping')), ['o1']);
      assert.equal(ps.view('billing').unacked, 0);
    });

    it('refuses bad options naming the field and changes nothing', () => {
      const { ps } = setup();
      const bad: Array<[Partial<SubscriptionOptions>, string]> = [
        [{ ackDeadlineS: 5 }, 'subscriptions.sub1.ackDeadlineS'],
        [{ ackDeadlineS: 601 }, 'subscriptions.sub1.ackDeadlineS'],
        [{ retentionS: 60 }, 'subscriptions.sub1.retentionS'],
        [{ deadLetterPolicy: { topic: 'nope' } }, 'subscriptions.sub1.deadLetterPolicy.topic'],
        [{ deadLetterPolicy: { topic: 'orders' } }, 'subscriptions.sub1.deadLetterPolicy.topic'],
        [{ filter: 'attributes.kind = ' }, 'subscriptions.sub1.filter'],
        [{ enableExactlyOnceDelivery: true, push: () => true }, 'subscriptions.sub1.enableExactlyOnceDelivery'],
        [{ retryPolicy: { minimumBackoffS: 30, maximumBackoffS: 10 } }, 'subscriptions.sub1.retryPolicy.maximumBackoffS'],
      ];
      ps.createTopic('dead');
      for (const [opts, path] of bad) {
        assert.throws(() => ps.createSubscription('orders', { name: 'sub1', ...opts }), (e: unknown) => e instanceof ValidationError && e.path === path, path);
      }
      assert.throws(() => ps.createSubscription('orders', { name: 'sub1', deadLetterPolicy: { topic: 'dead', maxDeliveryAttempts: 4 } }), /5–100/);
      assert.deepEqual(ps.subscriptionNames('orders'), ['billing']);
      assert.throws(() => ps.publish('orders', 'x', { attributes: { n: 1 as unknown as string } }), (e: unknown) => e instanceof ValidationError && e.path === 'attributes.n');
    });
  });

  describe('ack deadline and its extension (docs: subscriber, lease management)', () => {
    it('a message not acked within the ack deadline (10 s default) is redelivered', () => {
      const { ps, run } = setup();
      ps.publish('orders', 'o1');
      const first = ps.pull('billing');
      run(9_999);
      assert.equal(ps.pull('billing').length, 0, 'still leased');
      run(1);
      const again = ps.pull('billing');
      assert.deepEqual(data(again), ['o1']);
      assert.notEqual(again[0].ackId, first[0].ackId, 'every delivery has its own ack id');
    });

    it('modifyAckDeadline extends the lease; 0 is a nack (redelivered at once without a retry policy)', () => {
      const { ps, run } = setup();
      ps.publish('orders', 'o1');
      const [m] = ps.pull('billing');
      run(8_000);
      ps.modifyAckDeadline('billing', [m.ackId], 30);
      run(20_000);
      assert.equal(ps.pull('billing').length, 0, 'extended to t = 38 s');
      ps.modifyAckDeadline('billing', [m.ackId], 0);
      assert.deepEqual(data(ps.pull('billing')), ['o1']);
    });

    it('with a retry policy, redelivery after a nack waits an exponential backoff between min and max', () => {
      const { ps, run, ctx } = setup({ retryPolicy: { minimumBackoffS: 10, maximumBackoffS: 25 } });
      ps.publish('orders', 'o1');
      const times: number[] = [];
      while (times.length < 4 && ctx.clock.now < 200_000) {
        const got = ps.pull('billing');
        if (got.length === 0) {
          run(1_000);
          continue;
        }
        times.push(ctx.clock.now);
        ps.modifyAckDeadline('billing', [got[0].ackId], 0);
      }
      // Deliveries at 0, then +10 s, +20 s, +25 s (capped at the maximum).
      assert.deepEqual(times.map((t, i) => (i ? t - times[i - 1] : t)), [0, 10_000, 20_000, 25_000]);
    });
  });

  describe('exactly-once delivery (docs: exactly-once-delivery)', () => {
    it('an ack after the deadline fails with FAILED_PRECONDITION; without exactly-once it is accepted (best effort)', () => {
      const eod = setup({ enableExactlyOnceDelivery: true });
      eod.ps.publish('orders', 'o1');
      const [m] = eod.ps.pull('billing');
      eod.run(10_000);
      assert.throws(() => eod.ps.acknowledge('billing', [m.ackId]), (e: unknown) => e instanceof EngineError && e.code === 'FAILED_PRECONDITION');
      assert.equal(eod.ps.view('billing').unacked, 1);

      const plain = setup();
      plain.ps.publish('orders', 'o1');
      const [p] = plain.ps.pull('billing');
      plain.run(10_000);
      const redelivered = plain.ps.pull('billing');
      assert.equal(redelivered.length, 1, 'the message is out again');
      plain.ps.acknowledge('billing', [p.ackId]); // the stale ack lands anyway
      assert.equal(plain.ps.view('billing').unacked, 0);
    });

    it('only the latest ack id of a message is valid under exactly-once', () => {
      const { ps, run } = setup({ enableExactlyOnceDelivery: true });
      ps.publish('orders', 'o1');
      const [first] = ps.pull('billing');
      run(10_000);
      const [second] = ps.pull('billing');
      assert.throws(() => ps.acknowledge('billing', [first.ackId]), EngineError);
      ps.acknowledge('billing', [second.ackId]);
      run(60_000);
      assert.equal(ps.pull('billing').length, 0, 'an acked message is never redelivered');
    });
  });

  describe('ordering keys (docs: ordering)', () => {
    it('messages of a key arrive in publish order, and a key waits while its earlier message is out', () => {
      const { ps } = setup({ enableMessageOrdering: true });
      ps.publish('orders', 'a1', { orderingKey: 'a' });
      ps.publish('orders', 'b1', { orderingKey: 'b' });
      ps.publish('orders', 'a2', { orderingKey: 'a' });
      const batch = ps.pull('billing', 10);
      assert.deepEqual(data(batch), ['a1', 'b1', 'a2']);
      ps.publish('orders', 'a3', { orderingKey: 'a' });
      assert.deepEqual(data(ps.pull('billing')), [], 'a3 waits behind the outstanding a1/a2');
    });

    it('consistent redelivery: when a message is redelivered, every later message of its key is too, even if acked', () => {
      const { ps } = setup({ enableMessageOrdering: true });
      for (const d of ['a1', 'a2', 'a3']) ps.publish('orders', d, { orderingKey: 'a' });
      ps.publish('orders', 'b1', { orderingKey: 'b' });
      const batch = ps.pull('billing', 10);
      const byData = Object.fromEntries(batch.map((m) => [m.message.data, m.ackId]));
      ps.acknowledge('billing', [byData.a2, byData.a3, byData.b1]);
      ps.modifyAckDeadline('billing', [byData.a1], 0); // a1 fails
      assert.deepEqual(data(ps.pull('billing', 10)), ['a1', 'a2', 'a3']);
    });

    it('without ordering enabled on the subscription, keys do not hold messages back', () => {
      const { ps } = setup();
      ps.publish('orders', 'a1', { orderingKey: 'a' });
      ps.pull('billing');
      ps.publish('orders', 'a2', { orderingKey: 'a' });
      assert.deepEqual(data(ps.pull('billing')), ['a2']);
    });
  });

  describe('dead-letter topics (docs: handling-failures)', () => {
    it('after maxDeliveryAttempts the message goes to the dead-letter topic; deliveries carry deliveryAttempt', () => {
      const { ps } = setup();
      ps.createTopic('dead');
      ps.createSubscription('dead', { name: 'dead-sub' });
      ps.createSubscription('orders', { name: 'fragile', deadLetterPolicy: { topic: 'dead', maxDeliveryAttempts: 5 } });
      ps.publish('orders', 'poison');
      const attempts: Array<number | undefined> = [];
      for (let i = 0; i < 5; i++) {
        const [m] = ps.pull('fragile');
        attempts.push(m.deliveryAttempt);
        ps.modifyAckDeadline('fragile', [m.ackId], 0);
      }
      assert.deepEqual(attempts, [1, 2, 3, 4, 5]);
      assert.equal(ps.pull('fragile').length, 0);
      const [dead] = ps.pull('dead-sub');
      assert.equal(dead.message.data, 'poison');
      assert.equal(dead.message.attributes.CloudPubSubDeadLetterSourceDeliveryCount, '5');
      assert.equal(ps.pull('billing')[0].deliveryAttempt, undefined, 'no dead-letter policy: no deliveryAttempt');
    });
  });

  describe('retention, seek and snapshots (docs: replay-overview)', () => {
    it('with retainAckedMessages, seek to a time replays what was acked after it', () => {
      const { ps, run } = setup({ retainAckedMessages: true });
      ps.publish('orders', 'early');
      run(5_000);
      ps.publish('orders', 'late');
      ps.acknowledge('billing', ps.pull('billing', 10).map((m) => m.ackId));
      assert.equal(ps.pull('billing').length, 0);
      ps.seek('billing', { time: 1_000 });
      assert.deepEqual(data(ps.pull('billing', 10)), ['late']);
    });

    it('without retainAckedMessages, acked messages are gone and a seek cannot bring them back', () => {
      const { ps } = setup();
      ps.publish('orders', 'm');
      ps.acknowledge('billing', ps.pull('billing').map((m) => m.ackId));
      ps.seek('billing', { time: 0 });
      assert.equal(ps.pull('billing').length, 0);
    });

    it('a snapshot captures the ack state; seeking to it marks later acks undone', () => {
      const { ps } = setup({ retainAckedMessages: true });
      ps.publish('orders', 'a');
      ps.publish('orders', 'b');
      ps.acknowledge('billing', [ps.pull('billing', 1)[0].ackId]); // a acked
      ps.createSnapshot('billing', 'before-b');
      ps.acknowledge('billing', [ps.pull('billing', 1)[0].ackId]); // b acked
      ps.seek('billing', { snapshot: 'before-b' });
      assert.deepEqual(data(ps.pull('billing', 10)), ['b']);
    });

    it('unacked messages older than the subscription retention are dropped', () => {
      const { ps, run } = setup({ retentionS: 600 });
      ps.publish('orders', 'old');
      run(600_001);
      assert.equal(ps.pull('billing').length, 0);
      assert.equal(ps.view('billing').unacked, 0);
    });
  });

  describe('filters (docs: subscription-message-filter)', () => {
    it('the filter language over attributes', () => {
      const f = (src: string, attrs: Record<string, string>) => compileFilter(src)(attrs);
      assert.equal(f('attributes.kind = "order"', { kind: 'order' }), true);
      assert.equal(f('attributes.kind != "order"', {}), true);
      assert.equal(f('attributes:priority', { priority: '' }), true);
      assert.equal(f('NOT attributes:priority', { priority: 'x' }), false);
      assert.equal(f('hasPrefix(attributes.region, "eu-")', { region: 'eu-west1' }), true);
      assert.equal(f('attributes.a = "1" AND (attributes.b = "2" OR attributes.c = "3")', { a: '1', c: '3' }), true);
      assert.throws(() => compileFilter('attributes.a = "1" AND attributes.b = "2" OR attributes.c = "3"'), /cannot be mixed/);
      assert.throws(() => compileFilter('data = "x"'), /attributes/);
      assert.throws(() => compileFilter('attributes.a = 1'), /quoted/);
    });

    it('a filtered-out message is acknowledged automatically and never delivered', () => {
      const { ps } = setup();
      ps.createSubscription('orders', { name: 'eu-orders', filter: 'attributes.region = "eu"' });
      ps.publish('orders', 'us-order', { attributes: { region: 'us' } });
      ps.publish('orders', 'eu-order', { attributes: { region: 'eu' } });
      assert.deepEqual(data(ps.pull('eu-orders', 10)), ['eu-order']);
      assert.equal(ps.view('eu-orders').unacked, 1);
    });
  });

  describe('push subscriptions (docs: push)', () => {
    it('a successful endpoint call is the ack; a failing one is retried with push backoff (100 ms doubling)', () => {
      const calls: Array<[number, string]> = [];
      let failures = 3;
      const holder: { ctx?: EngineContext } = {};
      const { ps, run, ctx } = setup({ push: (m) => (calls.push([holder.ctx!.clock.now, m.message.data]), failures-- <= 0) });
      holder.ctx = ctx;
      ps.publish('orders', 'o1');
      run(10_000);
      assert.deepEqual(calls.map(([t]) => t), [0, 100, 300, 700]);
      assert.equal(ps.view('billing').unacked, 0);
      assert.throws(() => ps.pull('billing'), /push subscription/);
    });

    it('an endpoint that answers later settles the push then; the delivery window starts at one push and doubles with each success (docs: push, delivery rate)', () => {
      const pending: Array<(ok: boolean) => void> = [];
      const { ps, run } = setup({ push: (_m, settle) => void pending.push(settle) });
      for (let i = 0; i < 8; i++) ps.publish('orders', `o${i}`);
      run();
      assert.equal(pending.length, 1, 'one push outstanding at first');
      pending.shift()!(true);
      run();
      assert.equal(pending.length, 2, 'a success doubles the window');
      pending.splice(0).forEach((settle) => settle(true));
      run();
      assert.equal(pending.length, 5, 'two successes: a window of 8, so the 5 messages left');
      pending.shift()!(false);
      pending.shift()!(false);
      run(1_000);
      assert.equal(pending.length, 3, 'two failures halve the window twice (8 → 2): the retried ones wait while 3 are outstanding');
      assert.equal(ps.view('billing').unacked, 5);
    });

    it('an ordered push subscription has one push outstanding per ordering key; other keys go on (docs: ordering)', () => {
      const pending: Array<{ data: string; settle: (ok: boolean) => void }> = [];
      const { ps, run } = setup({ enableMessageOrdering: true, push: (m, settle) => void pending.push({ data: m.message.data, settle }) });
      for (let i = 0; i < 3; i++) for (const k of ['a', 'b']) ps.publish('orders', `${k}${i}`, { orderingKey: k });
      run();
      pending.shift()!.settle(true); // a0
      run();
      assert.deepEqual(pending.map((p) => p.data).sort(), ['a1', 'b0'], 'the window grew to 2, but a key never has two pushes out');
      const a1 = pending.find((p) => p.data === 'a1')!;
      a1.settle(false);
      run(1_000);
      assert.ok(!pending.some((p) => p.data === 'a2'), 'a failed message holds its key back');
    });

    it('a push that outlasts the ack deadline has failed: its late answer is traced and changes nothing', () => {
      const pending: Array<(ok: boolean) => void> = [];
      const { ps, run, ctx } = setup({ ackDeadlineS: 10, push: (_m, settle) => void pending.push(settle) });
      ps.publish('orders', 'slow');
      run(10_200);
      assert.equal(pending.length, 2, 'redelivered after the deadline (push backoff 100 ms)');
      pending[0](true);
      assert.match(ctx.trace.records().filter((r) => r.kind === 'stale-handle').at(-1)!.cause!, /after the ack deadline/);
      assert.equal(ps.view('billing').unacked, 1);
      pending[1](true);
      run();
      assert.equal(ps.view('billing').unacked, 0);
    });
  });

  it('a publish to a topic without subscriptions is dropped, and the trace says why', () => {
    const ctx = new EngineContext({ seed: 1 });
    const ps = new PubSub(ctx);
    ps.createTopic('lonely');
    ps.publish('lonely', 'hello');
    ps.createSubscription('lonely', { name: 'late-sub' });
    assert.match(ctx.trace.records().find((r) => r.kind === 'dropped')!.cause!, /no subscription/);
    assert.equal(ps.view('late-sub').unacked, 0, 'a subscription created after a publish never sees it');
  });

  it('is deterministic', () => {
    const once = () => {
      const { ps, run, ctx } = setup({ enableMessageOrdering: true, retryPolicy: {} });
      for (let i = 0; i < 5; i++) ps.publish('orders', `m${i}`, { orderingKey: `k${i % 2}` });
      const got = ps.pull('billing', 3);
      ps.modifyAckDeadline('billing', [got[0].ackId], 0);
      run(60_000);
      ps.pull('billing', 10);
      return JSON.stringify(ctx.trace.records());
    };
    assert.equal(once(), once());
  });
});
