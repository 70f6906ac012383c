import assert from 'node:assert/strict';
import { EngineContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { createHash } from 'node:crypto';
import { SNS_DEDUP_WINDOW_MS, sqsAttributesOf, Topic, TopicDelivery } from '../../src/engine/topic';
import { toJsonLine } from '../../src/engine/trace';
import { SIMULATION_EPOCH_MS } from '../../src/engine/events';
import { Simulation } from '../../src/engine/simulation';
import { TOPIC_DELIVERY_DELAY } from '../../src/engine/topicDelivery';
import { rejects } from './helpers';


/**
 * The fan-out, filter, retry and deduplication logic on its own: a topic whose copies reach their
 * subscriptions in the instant of the publish, delivered before `publish` returns. The delivery delay
 * itself (a real topic's) is tested under "delivery delay".
 */
class InstantTopic extends Topic {
  constructor(
    private readonly context: EngineContext,
    options: ConstructorParameters<typeof Topic>[1],
  ) {
    super(context, { ...options, deliveryDelay: { baseMs: 0, jitterMs: 0 } });
  }
  override publish(...args: Parameters<Topic['publish']>): ReturnType<Topic['publish']> {
    const r = super.publish(...args);
    this.context.clock.advance(0);
    return r;
  }
}

function setup(name = 'orders') {
  const ctx = new EngineContext({ seed: 7 });
  const topic = new InstantTopic(ctx, { name });
  return { ctx, topic };
}

function kinds(ctx: EngineContext): string[] {
  return ctx.trace.records().map((r) => r.kind);
}

describe('Topic (SNS-like)', () => {
  describe('options', () => {
    it('rejects bad names, and FIFO names that do not match the fifo flag', () => {
      const ctx = new EngineContext();
      rejects(() => new Topic(ctx, { name: '' }), 'name');
      rejects(() => new Topic(ctx, { name: 'has space' }), 'name');
      rejects(() => new Topic(ctx, { name: 'x'.repeat(257) }), 'name');
      rejects(() => new Topic(ctx, { name: 'orders', fifo: true }), 'name', /\.fifo/);
      rejects(() => new Topic(ctx, { name: 'orders.fifo' }), 'name', /FIFO/);
      assert.equal(new Topic(ctx, { name: 'orders.fifo', fifo: true }).fifo, true);
    });

    it('rejects bad subscription options naming the field, and adds nothing', () => {
      const { topic } = setup();
      const deliver = () => {};
      rejects(() => topic.subscribe({ endpoint: '', deliver }), 'endpoint');
      rejects(() => topic.subscribe({ endpoint: 'q', deliver: 'x' as never }), 'deliver');
      rejects(() => topic.subscribe({ endpoint: 'q', deliver, filterPolicy: { price: [{ numeric: ['>', 'a'] }] } as never }), 'filterPolicy.price[0].numeric');
      rejects(() => topic.subscribe({ endpoint: 'q', deliver, filterPolicy: { a: { b: ['x'] } } }), 'filterPolicy.a', /MessageBody/);
      rejects(() => topic.subscribe({ endpoint: 'q', deliver, filterPolicyScope: 'Body' as never }), 'filterPolicyScope');
      rejects(() => topic.subscribe({ endpoint: 'q', deliver, rawDelivery: 'yes' as never }), 'rawDelivery');
      rejects(() => topic.subscribe({ endpoint: 'q', deliver, retry: { attempts: 0 } }), 'retry.attempts');
      rejects(() => topic.subscribe({ endpoint: 'q', deliver, retry: { attempts: 1.5 } }), 'retry.attempts');
      rejects(() => topic.subscribe({ endpoint: 'q', deliver, retry: { delayS: -1 } }), 'retry.delayS');
      rejects(() => topic.subscribe({ endpoint: 'q', deliver, deadLetter: 3 as never }), 'deadLetter');
      assert.deepEqual(topic.subscriptions(), []);
    });

    it('lists subscriptions and unsubscribes; an unknown id is NotFound', () => {
      const { topic } = setup();
      const a = topic.subscribe({ endpoint: 'qa', deliver: () => {}, filterPolicy: { k: ['v'] } });
      const b = topic.subscribe({ endpoint: 'qb', deliver: () => {}, rawDelivery: true });
      assert.notEqual(a, b);
      assert.deepEqual(topic.subscriptions(), [
        { id: a, endpoint: 'qa', filterPolicy: { k: ['v'] }, rawDelivery: false },
        { id: b, endpoint: 'qb', rawDelivery: true },
      ]);
      topic.unsubscribe(a);
      assert.deepEqual(
        topic.subscriptions().map((s) => s.id),
        [b],
      );
      assert.throws(() => topic.unsubscribe(a), (e: unknown) => e instanceof EngineError && e.code === 'NotFound');
    });
  });

  describe('publish and fan-out', () => {
    it('delivers one message to every subscriber', () => {
      const { ctx, topic } = setup();
      const got: string[][] = [[], [], []];
      got.forEach((list, i) => topic.subscribe({ endpoint: `q${i}`, deliver: (d) => list.push(d.messageId), rawDelivery: true }));
      const r = topic.publish('hello', { cause: 'req-1' });
      assert.deepEqual(r, { messageId: r.messageId, delivered: 3, filtered: 0 });
      for (const list of got) assert.deepEqual(list, [r.messageId]);
      const recs = ctx.trace.records();
      assert.deepEqual(
        recs.map((x) => [x.kind, x.id, x.detail?.endpoint]),
        [
          ['published', r.messageId, undefined],
          ['delivered', r.messageId, 'q0'],
          ['delivered', r.messageId, 'q1'],
          ['delivered', r.messageId, 'q2'],
        ],
      );
      assert.equal(recs[0].cause, 'req-1');
    });

    it('with no subscribers, a published message is simply gone', () => {
      const { ctx, topic } = setup();
      assert.equal(topic.publish('x').delivered, 0);
      assert.deepEqual(kinds(ctx), ['published']);
    });

    it('a late subscriber sees nothing published before it subscribed (no persistence, no replay)', () => {
      const { ctx, topic } = setup();
      const early: string[] = [];
      const late: string[] = [];
      topic.subscribe({ endpoint: 'early', deliver: (d) => early.push(d.body), rawDelivery: true });
      topic.publish('one');
      topic.publish('two');
      topic.subscribe({ endpoint: 'late', deliver: (d) => late.push(d.body), rawDelivery: true });
      ctx.clock.drain();
      assert.deepEqual(late, []);
      topic.publish('three');
      assert.deepEqual(early, ['one', 'two', 'three']);
      assert.deepEqual(late, ['three']);
    });

    it('wraps the message in the SNS envelope unless raw delivery is on', () => {
      const { ctx, topic } = setup();
      let wrapped: TopicDelivery | undefined;
      let raw: TopicDelivery | undefined;
      topic.subscribe({ endpoint: 'env', deliver: (d) => (wrapped = d) });
      topic.subscribe({ endpoint: 'raw', deliver: (d) => (raw = d), rawDelivery: true });
      ctx.clock.advance(90_000);
      const { messageId } = topic.publish('{"order":1}', { attributes: { kind: 'order', price: 12.5 } });
      assert.ok(wrapped && raw);
      assert.equal(raw.body, '{"order":1}');
      assert.equal(raw.raw, true);
      assert.deepEqual(raw.attributes, { kind: 'order', price: 12.5 }, 'raw delivery keeps the attributes');
      assert.equal(wrapped.raw, false);
      assert.deepEqual(JSON.parse(wrapped.body), {
        Type: 'Notification',
        MessageId: messageId,
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders',
        Message: '{"order":1}',
        MessageAttributes: { kind: { Type: 'String', Value: 'order' }, price: { Type: 'Number', Value: '12.5' } },
        Timestamp: '2026-01-01T00:01:30.000Z',
        SignatureVersion: '1',
        Signature: JSON.parse(wrapped.body).Signature,
        SigningCertURL: JSON.parse(wrapped.body).SigningCertURL,
        UnsubscribeURL: JSON.parse(wrapped.body).UnsubscribeURL,
      });
      // The notification SNS sends to a queue spells its URL fields SigningCertURL / UnsubscribeURL.
      assert.match(JSON.parse(wrapped.body).SigningCertURL, /^https:\/\/sns\.us-east-1\.amazonaws\.com\/.+\.pem$/);
      assert.match(JSON.parse(wrapped.body).UnsubscribeURL, /Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:orders:/);
    });

    it('a message published with attributes cannot be changed by the publisher afterwards', () => {
      const { topic } = setup();
      let seen: TopicDelivery | undefined;
      topic.subscribe({ endpoint: 'q', deliver: (d) => (seen = d), rawDelivery: true });
      const attrs: Record<string, string> = { a: '1' };
      topic.publish('x', { attributes: attrs });
      attrs.a = '2';
      assert.equal(seen?.attributes.a, '1');
    });

    it('rejects bad publishes naming the field, and traces nothing', () => {
      const { ctx, topic } = setup();
      topic.subscribe({ endpoint: 'q', deliver: () => {} });
      rejects(() => topic.publish('x'.repeat(262_145)), 'body', /262144/);
      rejects(() => topic.publish('x'.repeat(262_100), { attributes: { big: 'y'.repeat(100) } }), 'body', /attributes/);
      rejects(() => topic.publish(42 as never), 'body');
      rejects(() => topic.publish('x', { attributes: { 'bad name': 'v' } }), 'attributes.bad name');
      rejects(() => topic.publish('x', { attributes: { 'AWS.x': 'v' } }), 'attributes.AWS.x', /reserved/);
      rejects(() => topic.publish('x', { attributes: { a: '' } }), 'attributes.a');
      rejects(() => topic.publish('x', { attributes: { a: Number.NaN } }), 'attributes.a');
      rejects(() => topic.publish('x', { attributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v'])) }), 'attributes', /10/);
      assert.equal(ctx.trace.length, 0);
      topic.publish('x'.repeat(262_144));
      assert.equal(ctx.trace.count('delivered'), 1);
    });

    it('a FIFO topic requires a message group and passes it on', () => {
      const ctx = new EngineContext();
      const topic = new InstantTopic(ctx, { name: 'orders.fifo', fifo: true, contentBasedDeduplication: true });
      const seen: TopicDelivery[] = [];
      topic.subscribe({ endpoint: 'q.fifo', deliver: (d) => seen.push(d), rawDelivery: true });
      rejects(() => topic.publish('x'), 'groupId', /FIFO/);
      topic.publish('a', { groupId: 'g1' });
      topic.publish('b', { groupId: 'g1' });
      assert.deepEqual(
        seen.map((d) => [d.body, d.groupId]),
        [
          ['a', 'g1'],
          ['b', 'g1'],
        ],
      );
    });
  });

  describe('filter policies', () => {
    it('delivers only to subscriptions whose attribute policy matches; traces filtered-out for the rest', () => {
      const { ctx, topic } = setup();
      const got: Record<string, string[]> = { cheap: [], big: [], all: [], eu: [] };
      topic.subscribe({ endpoint: 'cheap', deliver: (d) => got.cheap.push(d.body), rawDelivery: true, filterPolicy: { price: [{ numeric: ['>=', 0, '<', 10] }] } });
      topic.subscribe({ endpoint: 'big', deliver: (d) => got.big.push(d.body), rawDelivery: true, filterPolicy: { price: [{ numeric: ['>=', 100] }] } });
      topic.subscribe({ endpoint: 'all', deliver: (d) => got.all.push(d.body), rawDelivery: true });
      topic.subscribe({ endpoint: 'eu', deliver: (d) => got.eu.push(d.body), rawDelivery: true, filterPolicy: { region: [{ prefix: 'eu-' }] } });
      const r1 = topic.publish('m1', { attributes: { price: 5, region: 'eu-west-1' } });
      const r2 = topic.publish('m2', { attributes: { price: 500 } });
      const r3 = topic.publish('m3', { attributes: { price: '5' } }); // a String attribute never matches a numeric policy
      assert.deepEqual([r1.delivered, r1.filtered, r2.delivered, r2.filtered, r3.delivered, r3.filtered], [3, 1, 2, 2, 1, 3]);
      assert.deepEqual(got, { cheap: ['m1'], big: ['m2'], all: ['m1', 'm2', 'm3'], eu: ['m1'] });
      assert.equal(ctx.trace.count('filtered-out', 'orders'), 6);
      const out = ctx.trace.records().filter((r) => r.kind === 'filtered-out' && r.id === r2.messageId);
      assert.deepEqual(
        out.map((r) => r.detail?.endpoint),
        ['cheap', 'eu'],
      );
    });

    it('a message without the filtered attribute is filtered out, unless the policy says exists: false', () => {
      const { topic } = setup();
      const got: string[] = [];
      const missing: string[] = [];
      topic.subscribe({ endpoint: 'q', deliver: (d) => got.push(d.body), rawDelivery: true, filterPolicy: { kind: [{ 'anything-but': 'test' }] } });
      topic.subscribe({ endpoint: 'm', deliver: (d) => missing.push(d.body), rawDelivery: true, filterPolicy: { kind: [{ exists: false }] } });
      topic.publish('no-attrs');
      topic.publish('prod', { attributes: { kind: 'prod' } });
      topic.publish('test', { attributes: { kind: 'test' } });
      assert.deepEqual(got, ['prod']);
      assert.deepEqual(missing, ['no-attrs']);
    });

    it('MessageBody scope filters on the JSON body, nested fields and arrays included; non-JSON bodies never match', () => {
      const { topic } = setup();
      const got: string[] = [];
      topic.subscribe({
        endpoint: 'q',
        deliver: (d) => got.push(JSON.parse(d.body).Message),
        filterPolicyScope: 'MessageBody',
        filterPolicy: { customer: { tier: ['gold'] }, tags: ['urgent'] },
      });
      const a = JSON.stringify({ customer: { tier: 'gold' }, tags: ['x', 'urgent'] });
      const b = JSON.stringify({ customer: { tier: 'silver' }, tags: ['urgent'] });
      topic.publish(a, { attributes: { tier: 'gold' } });
      topic.publish(b);
      topic.publish('not json {');
      topic.publish('"gold"');
      assert.deepEqual(got, [a]);
    });

    it('filter and raw delivery combine: the raw subscriber gets the body of matching messages only', () => {
      const { topic } = setup();
      const got: TopicDelivery[] = [];
      topic.subscribe({ endpoint: 'q', deliver: (d) => got.push(d), rawDelivery: true, filterPolicy: { $or: [{ kind: ['a'] }, { prio: [{ numeric: ['>', 5] }] }] } });
      topic.publish('1', { attributes: { kind: 'a' } });
      topic.publish('2', { attributes: { kind: 'b', prio: 9 } });
      topic.publish('3', { attributes: { kind: 'b', prio: 1 } });
      assert.deepEqual(
        got.map((d) => [d.body, d.raw]),
        [
          ['1', true],
          ['2', true],
        ],
      );
    });
  });

  describe('delivery failures', () => {
    it('retries with doubling backoff on the virtual clock, then delivers', () => {
      const { ctx, topic } = setup();
      let calls = 0;
      const at: number[] = [];
      topic.subscribe({
        endpoint: 'flaky',
        deliver: () => {
          at.push(ctx.clock.now);
          if (++calls < 3) throw new Error('503');
        },
        rawDelivery: true,
      });
      const { messageId, delivered } = topic.publish('x');
      assert.equal(delivered, 1);
      assert.deepEqual(kinds(ctx), ['published', 'delivery-failed', 'retried']);
      ctx.clock.drain();
      assert.deepEqual(at, [0, 1000, 3000]);
      assert.deepEqual(kinds(ctx), ['published', 'delivery-failed', 'retried', 'delivery-failed', 'retried', 'delivered']);
      const failed = ctx.trace.records().find((r) => r.kind === 'delivery-failed');
      assert.deepEqual(failed?.detail, { endpoint: 'flaky', attempt: 1, error: '503' });
      assert.ok(ctx.trace.records().every((r) => r.id === messageId));
    });

    it('after the attempts run out, the message goes to the dead-letter queue', () => {
      const { ctx, topic } = setup();
      const dlq: Array<[string, string]> = [];
      let calls = 0;
      topic.subscribe({
        endpoint: 'down',
        deliver: () => {
          calls++;
          throw new Error('connection refused');
        },
        retry: { attempts: 4, delayS: 2 },
        deadLetter: (d, error) => dlq.push([d.messageId, error]),
      });
      const { messageId } = topic.publish('x');
      ctx.clock.drain();
      assert.equal(calls, 4);
      assert.equal(ctx.clock.now, 2000 + 4000 + 8000);
      assert.deepEqual(dlq, [[messageId, 'connection refused']]);
      assert.equal(ctx.trace.count('retried'), 3);
      assert.equal(ctx.trace.count('dead-lettered', 'orders'), 1);
      assert.equal(ctx.trace.count('dropped'), 0);
    });

    it('without a dead-letter queue the message is dropped (lost); other subscribers are unaffected', () => {
      const { ctx, topic } = setup();
      const ok: string[] = [];
      topic.subscribe({
        endpoint: 'down',
        deliver: () => {
          throw new Error('boom');
        },
      });
      topic.subscribe({ endpoint: 'up', deliver: (d) => ok.push(d.messageId) });
      const { messageId } = topic.publish('x');
      ctx.clock.drain();
      assert.deepEqual(ok, [messageId]);
      assert.equal(ctx.trace.count('delivery-failed'), 3, 'default: 3 attempts');
      const dropped = ctx.trace.records().filter((r) => r.kind === 'dropped');
      assert.equal(dropped.length, 1);
      assert.equal(dropped[0].detail?.endpoint, 'down');
      assert.equal(dropped[0].detail?.error, 'boom');
    });

    it('unsubscribing cancels waiting retries (traced as dropped)', () => {
      const { ctx, topic } = setup();
      let calls = 0;
      const id = topic.subscribe({
        endpoint: 'q',
        deliver: () => {
          calls++;
          throw new Error('x');
        },
      });
      topic.publish('m');
      topic.unsubscribe(id);
      ctx.clock.drain();
      assert.equal(calls, 1);
      assert.equal(ctx.clock.pending, 0);
      assert.equal(ctx.trace.records().at(-1)?.kind, 'dropped');
    });
  });

  it('the same seed and calls give the same trace byte for byte', () => {
    const run = () => {
      const ctx = new EngineContext({ seed: 3 });
      const topic = new InstantTopic(ctx, { name: 't' });
      let n = 0;
      topic.subscribe({
        endpoint: 'a',
        deliver: () => {
          if (n++ % 2 === 0) throw new Error('odd');
        },
        filterPolicy: { k: [{ 'anything-but': 'z' }] },
      });
      topic.subscribe({ endpoint: 'b', deliver: () => {} });
      for (const k of ['x', 'z', 'y']) topic.publish(k, { attributes: { k } });
      ctx.clock.drain();
      return ctx.trace.records().map(toJsonLine).join('\n');
    };
    assert.equal(run(), run());
  });

  describe('String.Array attributes', () => {
    it('carries them in the envelope as Type String.Array with the JSON text (SNS message attribute data types)', () => {
      const { topic } = setup();
      const seen: TopicDelivery[] = [];
      topic.subscribe({ endpoint: 'q', deliver: (d) => seen.push(d) });
      topic.publish('x', { attributes: { tags: ['a', 1, true, null], one: 'b', n: 2 } });
      const env = JSON.parse(seen[0].body);
      assert.deepEqual(env.MessageAttributes, {
        tags: { Type: 'String.Array', Value: '["a",1,true,null]' },
        one: { Type: 'String', Value: 'b' },
        n: { Type: 'Number', Value: '2' },
      });
    });

    it('a filter policy matches any element; anything-but needs every element outside its list (SNS "String value matching")', () => {
      const { topic } = setup();
      const got: Record<string, string[]> = { sports: [], notRugby: [] };
      topic.subscribe({ endpoint: 'sports', deliver: (d) => got.sports.push(d.body), rawDelivery: true, filterPolicy: { interests: ['rugby', 'tennis'] } });
      topic.subscribe({ endpoint: 'notRugby', deliver: (d) => got.notRugby.push(d.body), rawDelivery: true, filterPolicy: { interests: [{ 'anything-but': ['rugby'] }] } });
      topic.publish('1', { attributes: { interests: ['baseball', 'tennis'] } });
      topic.publish('2', { attributes: { interests: ['rugby', 'baseball'] } });
      topic.publish('3', { attributes: { interests: ['golf'] } });
      assert.deepEqual(got, { sports: ['1', '2'], notRugby: ['1', '3'] });
    });

    it('numbers in a String.Array match numeric conditions', () => {
      const { topic } = setup();
      const got: string[] = [];
      topic.subscribe({ endpoint: 'q', deliver: (d) => got.push(d.body), rawDelivery: true, filterPolicy: { sizes: [{ numeric: ['>', 40] }] } });
      topic.publish('small', { attributes: { sizes: [38, 39] } });
      topic.publish('big', { attributes: { sizes: [38, 44] } });
      assert.deepEqual(got, ['big']);
    });

    it('refuses elements that are not strings, numbers, booleans or null, naming the element; counts the JSON text in the size', () => {
      const { topic } = setup();
      rejects(() => topic.publish('x', { attributes: { tags: ['a', { b: 1 }] as never } }), 'attributes.tags[1]', /String\.Array/);
      rejects(() => topic.publish('x', { attributes: { tags: [['nested']] as never } }), 'attributes.tags[0]');
      rejects(() => topic.publish('x', { attributes: { tags: [Number.NaN] } }), 'attributes.tags[0]');
      rejects(() => topic.publish('x', { attributes: { tags: ['y'.repeat(262144)] } }), 'body', /262144/);
    });

    it('a raw-delivery queue gets a String.Array as a String attribute holding its JSON text (SQS has no String.Array)', () => {
      assert.deepEqual(sqsAttributesOf({ tags: ['a', 2], k: 'v', n: 3 }), { tags: '["a",2]', k: 'v', n: 3 });
    });

    it('the published attributes are a copy: changing the array afterwards changes nothing', () => {
      const { topic } = setup();
      const seen: TopicDelivery[] = [];
      topic.subscribe({ endpoint: 'q', deliver: (d) => seen.push(d), rawDelivery: true });
      const tags = ['a'];
      topic.publish('x', { attributes: { tags } });
      tags.push('b');
      assert.deepEqual(seen[0].attributes.tags, ['a']);
    });
  });

  describe('FIFO deduplication (SNS "Message deduplication for FIFO topics")', () => {
    function fifo(contentBasedDeduplication = false) {
      const ctx = new EngineContext({ seed: 3 });
      const topic = new InstantTopic(ctx, { name: 'orders.fifo', fifo: true, contentBasedDeduplication });
      const seen: TopicDelivery[] = [];
      topic.subscribe({ endpoint: 'ledger.fifo', deliver: (d) => seen.push(d), rawDelivery: true });
      return { ctx, topic, seen };
    }

    it('a repeated deduplication id within 5 minutes is accepted, answers the first id, and is delivered to nobody', () => {
      const { ctx, topic, seen } = fifo();
      const first = topic.publish('deposit 10', { groupId: 'acct-1', deduplicationId: 'tx-1' });
      ctx.clock.runUntil(SNS_DEDUP_WINDOW_MS - 1);
      const retry = topic.publish('deposit 10', { groupId: 'acct-1', deduplicationId: 'tx-1' });
      assert.equal(retry.messageId, first.messageId);
      assert.equal(retry.deduplicated, true);
      assert.equal(retry.delivered, 0);
      assert.equal(retry.sequenceNumber, first.sequenceNumber);
      assert.deepEqual(seen.map((d) => d.body), ['deposit 10']);
      const dup = ctx.trace.records().find((r) => r.kind === 'deduplicated')!;
      assert.equal(dup.id, first.messageId);
      assert.equal(dup.resource, 'orders.fifo');
    });

    it('after 5 minutes the same id is a new message', () => {
      const { ctx, topic, seen } = fifo();
      const first = topic.publish('a', { groupId: 'g', deduplicationId: 'same' });
      ctx.clock.runUntil(SNS_DEDUP_WINDOW_MS);
      const later = topic.publish('a', { groupId: 'g', deduplicationId: 'same' });
      assert.notEqual(later.messageId, first.messageId);
      assert.equal(later.deduplicated, false);
      assert.equal(seen.length, 2);
    });

    it('content-based deduplication uses the SHA-256 of the body, whatever the attributes', () => {
      const { topic, seen } = fifo(true);
      topic.publish('same body', { groupId: 'g', attributes: { a: '1' } });
      const again = topic.publish('same body', { groupId: 'other', attributes: { a: '2' } });
      topic.publish('other body', { groupId: 'g' });
      assert.equal(again.deduplicated, true);
      assert.deepEqual(seen.map((d) => d.body), ['same body', 'other body']);
      assert.equal(seen[0].deduplicationId, createHash('sha256').update('same body').digest('hex'));
    });

    it('an explicit id wins over content: the same body with two ids is two messages', () => {
      const { topic, seen } = fifo(true);
      topic.publish('x', { groupId: 'g', deduplicationId: 'one' });
      topic.publish('x', { groupId: 'g', deduplicationId: 'two' });
      assert.equal(seen.length, 2);
    });

    it('without content-based deduplication a deduplication id is required, as SNS requires it', () => {
      const { topic } = fifo();
      rejects(() => topic.publish('x', { groupId: 'g' }), 'deduplicationId', /ContentBasedDeduplication/);
      rejects(() => topic.publish('x', { groupId: 'g', deduplicationId: '' }), 'deduplicationId', /1–128/);
      rejects(() => topic.publish('x', { groupId: 'g', deduplicationId: 'has space' }), 'deduplicationId');
    });

    it('standard topics refuse a deduplication id and content-based deduplication', () => {
      const { topic } = setup();
      rejects(() => topic.publish('x', { deduplicationId: 'a' }), 'deduplicationId', /only FIFO topics/);
      rejects(() => new Topic(new EngineContext(), { name: 'plain', contentBasedDeduplication: true }), 'contentBasedDeduplication', /FIFO/);
    });

    it('each accepted message gets the next sequence number, carried in the envelope and to the subscriber', () => {
      const ctx = new EngineContext();
      const topic = new InstantTopic(ctx, { name: 'o.fifo', fifo: true });
      const seen: TopicDelivery[] = [];
      topic.subscribe({ endpoint: 'q.fifo', deliver: (d) => seen.push(d) });
      const a = topic.publish('a', { groupId: 'g', deduplicationId: '1' });
      const b = topic.publish('b', { groupId: 'g', deduplicationId: '2' });
      assert.equal(a.sequenceNumber, '00000000000000000001');
      assert.equal(b.sequenceNumber, '00000000000000000002');
      assert.equal(JSON.parse(seen[1].body).SequenceNumber, b.sequenceNumber);
      assert.equal(seen[1].sequenceNumber, b.sequenceNumber);
      assert.equal(seen[1].deduplicationId, '2');
    });

    it('a deduplicated publish still counts for nobody: the id expires 5 minutes after the FIRST publish', () => {
      const { ctx, topic, seen } = fifo();
      topic.publish('a', { groupId: 'g', deduplicationId: 'k' });
      ctx.clock.runUntil(4 * 60_000);
      topic.publish('a', { groupId: 'g', deduplicationId: 'k' }); // a retry does not extend the window
      ctx.clock.runUntil(SNS_DEDUP_WINDOW_MS + 1);
      assert.equal(topic.publish('a', { groupId: 'g', deduplicationId: 'k' }).deduplicated, false);
      assert.equal(seen.length, 2);
    });
  });

  // SNS answers the publisher, then pushes each subscription its copy: the copy reaches an SQS queue
  // after the publish, so the queue's SentTimestamp ("the time the message was sent to the queue",
  // SQS Message API reference) is the delivery's instant, while the notification's Timestamp is "the
  // time (GMT) when the notification was published" (SNS notification JSON format).
  describe('delivery delay', () => {
    const lo = TOPIC_DELIVERY_DELAY.baseMs;
    const hi = TOPIC_DELIVERY_DELAY.baseMs + TOPIC_DELIVERY_DELAY.jitterMs;

    function fanOut(seed: number): number[] {
      const ctx = new EngineContext({ seed });
      const topic = new Topic(ctx, { name: 'orders' });
      const at: number[] = [];
      for (let i = 0; i < 3; i++) topic.subscribe({ endpoint: `q${i}`, deliver: () => void at.push(ctx.clock.now) });
      ctx.clock.advance(1000);
      for (let i = 0; i < 5; i++) topic.publish(`m${i}`);
      assert.deepEqual(at, [], 'nothing is delivered in the instant of the publish');
      ctx.clock.advance(hi);
      return at;
    }

    it('each copy reaches its subscription tens of milliseconds after the publish, seeded', () => {
      const at = fanOut(7);
      assert.equal(at.length, 15);
      for (const t of at) assert.ok(t >= 1000 + lo && t <= 1000 + hi, `delivered at ${t} ms, within ${lo}–${hi} ms of the publish at 1000 ms`);
      assert.ok(new Set(at).size > 3, `the copies arrive at different instants: ${at.join(', ')}`);
      assert.deepEqual(fanOut(7), at, 'the same seed gives the same delays');
      assert.notDeepEqual(fanOut(8), at, 'another seed others');
    });

    it('traces the delivery when it happens, and an unsubscribe before it drops the copy', () => {
      const ctx = new EngineContext({ seed: 3 });
      const topic = new Topic(ctx, { name: 'orders', deliveryDelay: { baseMs: 40, jitterMs: 0 } });
      const got: string[] = [];
      const a = topic.subscribe({ endpoint: 'qa', deliver: (d) => void got.push(`a:${d.messageId}`) });
      topic.subscribe({ endpoint: 'qb', deliver: (d) => void got.push(`b:${d.messageId}`) });
      const { messageId } = topic.publish('hello');
      ctx.clock.advance(39);
      topic.unsubscribe(a);
      ctx.clock.advance(10);
      assert.deepEqual(got, [`b:${messageId}`]);
      const recs = ctx.trace.records().map((r) => [r.t, r.kind, r.detail?.endpoint, r.detail?.reason]);
      assert.deepEqual(recs, [
        [0, 'published', undefined, undefined],
        [39, 'dropped', 'qa', 'unsubscribed'],
        [40, 'delivered', 'qb', undefined],
      ]);
    });

    it('a FIFO topic keeps each subscription\'s deliveries in publish order, whatever the delays drawn', () => {
      const ctx = new EngineContext({ seed: 11 });
      const topic = new Topic(ctx, { name: 'o.fifo', fifo: true, contentBasedDeduplication: true });
      const got: Array<[number, string]> = [];
      topic.subscribe({ endpoint: 'q', deliver: (d) => void got.push([ctx.clock.now, d.message]) });
      for (let i = 0; i < 20; i++) {
        topic.publish(`m${i}`, { groupId: 'g' });
        ctx.clock.advance(1);
      }
      ctx.clock.advance(hi);
      assert.deepEqual(got.map(([, m]) => m), Array.from({ length: 20 }, (_, i) => `m${i}`));
      const times = got.map(([t]) => t);
      assert.deepEqual(times, [...times].sort((x, y) => x - y));
    });

    it('a standard topic may hand two messages published close together to a subscription in either order (best-effort ordering)', () => {
      let swapped = false;
      for (let seed = 1; seed <= 20 && !swapped; seed++) {
        const ctx = new EngineContext({ seed });
        const topic = new Topic(ctx, { name: 't' });
        const got: string[] = [];
        topic.subscribe({ endpoint: 'q', deliver: (d) => void got.push(d.message) });
        topic.publish('first');
        ctx.clock.advance(1);
        topic.publish('second');
        ctx.clock.advance(hi + 1);
        assert.deepEqual([...got].sort(), ['first', 'second']);
        swapped = got[0] === 'second';
      }
      assert.ok(swapped, 'on some seed the second message arrived first');
    });

    it('through a simulation: the SQS message\'s SentTimestamp is when SNS delivered it, the envelope\'s Timestamp when it was published', () => {
      const sim = new Simulation(
        {
          name: 'fan-out',
          durationS: 2,
          queues: [{ name: 'audit' }],
          topics: [{ name: 'orders', subscriptions: [{ queue: 'audit' }] }],
          traffic: [{ name: 'shop', target: { topic: 'orders' }, ratePerSecond: 10, durationS: 1, payload: { orderId: 'o-{{seq}}' } }],
        },
        { seed: 5 },
      );
      sim.run();
      const published = new Map(sim.ctx.trace.records().filter((r) => r.kind === 'published').map((r) => [String(r.id), r.t]));
      const messages = sim.queues.get('audit')!.messages();
      assert.equal(messages.length, 10);
      for (const m of messages) {
        const envelope = JSON.parse(m.body) as { MessageId: string; Timestamp: string };
        const publishedAt = published.get(envelope.MessageId)!;
        assert.equal(Date.parse(envelope.Timestamp), SIMULATION_EPOCH_MS + publishedAt, 'Timestamp: the publish time');
        const delay = m.sentAt - publishedAt;
        assert.ok(delay >= lo && delay <= hi, `the queue accepted it ${delay} ms after the publish`);
      }
    });

    it('a duplicate fault\'s extra copy is a delivery of its own: it reaches the queue after the first, a delivery delay later', () => {
      const sim = new Simulation(
        {
          name: 'twice',
          durationS: 2,
          queues: [{ name: 'audit' }],
          topics: [{ name: 'orders', subscriptions: [{ queue: 'audit', rawDelivery: true }] }],
          traffic: [{ name: 'shop', target: { topic: 'orders' }, ratePerSecond: 5, durationS: 1, payload: { orderId: 'o-{{seq}}' } }],
          faults: [{ kind: 'duplicate', target: 'orders', rate: 1 }],
        },
        { seed: 2 },
      );
      sim.run();
      const published = new Map(sim.ctx.trace.records().filter((r) => r.kind === 'published').map((r) => [String(r.id), r.t]));
      const copies = new Map<string, number[]>();
      for (const r of sim.ctx.trace.records()) if (r.kind === 'sent' && r.resource === 'audit') copies.set(String(r.cause), [...(copies.get(String(r.cause)) ?? []), r.t]);
      assert.equal(copies.size, 5);
      for (const [messageId, [first, second, ...more]] of copies) {
        assert.deepEqual(more, []);
        const at = published.get(messageId)!;
        assert.ok(first >= at + lo && first <= at + hi && second >= first + lo && second <= first + hi, `published at ${at}, copies at ${first} and ${second}`);
      }
    });
  });
});
