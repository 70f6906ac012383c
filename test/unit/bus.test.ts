import assert from 'node:assert/strict';
import { BusEvent, EventBus, RuleTarget } from '../../src/engine/bus';
import { EngineContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { toJsonLine } from '../../src/engine/trace';
import { rejects } from './helpers';


function setup(seed = 11) {
  const ctx = new EngineContext({ seed });
  const bus = new EventBus(ctx, { name: 'shop' });
  return { ctx, bus };
}

function collector(id: string, into: BusEvent[]): RuleTarget {
  return { id, endpoint: id, deliver: (e) => into.push(e) };
}

/** Rule `r`: every shop.orders event goes to `targets`. */
function orderRule(bus: EventBus, ...targets: RuleTarget[]): void {
  bus.putRule({ name: 'r', pattern: { source: ['shop.orders'] }, targets });
}

/** Target `t` (endpoint `fn`) whose delivery runs `deliver` — throw to fail it; `more` adds retry and DLQ options. */
function target(deliver: () => void, more: Partial<RuleTarget> = {}): RuleTarget {
  return { id: 't', endpoint: 'fn', deliver, ...more };
}

const order = (detail: Record<string, unknown> = { total: 10 }) => ({ source: 'shop.orders', detailType: 'OrderPlaced', detail });

describe('EventBus (EventBridge-like)', () => {
  describe('rules and options', () => {
    it('rejects a bad bus name', () => {
      rejects(() => new EventBus(new EngineContext(), { name: 'a b' }), 'name');
    });

    it('rejects bad rules naming the field, and changes nothing', () => {
      const { bus } = setup();
      const t = collector('t', []);
      rejects(() => bus.putRule({ name: 'bad name', pattern: { source: ['x'] }, targets: [] }), 'rules.name');
      rejects(() => bus.putRule({ name: 'r', pattern: {}, targets: [] }), 'rules.r.pattern', /empty/);
      rejects(() => bus.putRule({ name: 'r', pattern: { source: 'x' } as never, targets: [] }), 'rules.r.pattern.source');
      rejects(() => bus.putRule({ name: 'r', pattern: { detail: { n: [{ numeric: ['>', 'a'] }] } } as never, targets: [] }), 'rules.r.pattern.detail.n[0].numeric');
      const six = Array.from({ length: 6 }, (_, i) => collector(`t${i}`, []));
      rejects(() => bus.putRule({ name: 'r', pattern: { source: ['x'] }, targets: six }), 'rules.r.targets', /5 targets/);
      rejects(() => bus.putRule({ name: 'r', pattern: { source: ['x'] }, targets: [t, t] }), 'rules.r.targets[1].id', /duplicate/);
      rejects(() => bus.putRule({ name: 'r', pattern: { source: ['x'] }, targets: [{ ...t, retry: { maxAttempts: 186 } }] }), 'rules.r.targets[0].retry.maxAttempts');
      rejects(() => bus.putRule({ name: 'r', pattern: { source: ['x'] }, targets: [{ ...t, retry: { maxAgeS: 59 } }] }), 'rules.r.targets[0].retry.maxAgeS');
      rejects(() => bus.putRule({ name: 'r', pattern: { source: ['x'] }, targets: [{ ...t, endpoint: '' }] }), 'rules.r.targets[0].endpoint');
      assert.deepEqual(bus.rules(), []);
    });

    it('lists rules, replaces a rule by name, and removes rules (removing twice is fine)', () => {
      const { bus } = setup();
      bus.putRule({ name: 'r1', pattern: { source: ['a'] }, targets: [collector('t1', [])] });
      bus.putRule({ name: 'r2', pattern: { source: ['b'] }, targets: [], enabled: false });
      bus.putRule({ name: 'r1', pattern: { source: ['c'] }, targets: [collector('t1', []), collector('t2', [])] });
      assert.deepEqual(bus.rules(), [
        { name: 'r1', pattern: { source: ['c'] }, targets: ['t1', 't2'], enabled: true },
        { name: 'r2', pattern: { source: ['b'] }, targets: [], enabled: false },
      ]);
      bus.removeRule('r1');
      bus.removeRule('r1');
      assert.deepEqual(
        bus.rules().map((r) => r.name),
        ['r2'],
      );
    });
  });

  describe('putEvents and routing', () => {
    it('wraps each entry in the standard envelope, with virtual time', () => {
      const { ctx, bus } = setup();
      const got: BusEvent[] = [];
      bus.putRule({ name: 'all-orders', pattern: { source: ['shop.orders'] }, targets: [collector('q', got)] });
      ctx.clock.advance(61_500);
      const { eventIds } = bus.putEvents([{ ...order({ id: 'o1' }), resources: ['arn:lab:order/o1'] }]);
      assert.equal(eventIds.length, 1);
      assert.deepEqual(got, [
        {
          version: '0',
          id: eventIds[0],
          'detail-type': 'OrderPlaced',
          source: 'shop.orders',
          account: got[0].account,
          time: '2026-01-01T00:01:01Z',
          region: got[0].region,
          resources: ['arn:lab:order/o1'],
          detail: { id: 'o1' },
        },
      ]);
    });

    it('routes to every target of every matching rule; unmatched rules are filtered-out; disabled rules are skipped', () => {
      const { ctx, bus } = setup();
      const big: BusEvent[] = [];
      const audit: BusEvent[] = [];
      const billing: BusEvent[] = [];
      const off: BusEvent[] = [];
      bus.putRule({ name: 'big', pattern: { 'detail-type': ['OrderPlaced'], detail: { total: [{ numeric: ['>=', 100] }] } }, targets: [collector('big-q', big)] });
      bus.putRule({ name: 'all', pattern: { source: [{ prefix: 'shop.' }] }, targets: [collector('audit', audit), collector('billing', billing)] });
      bus.putRule({ name: 'off', pattern: { source: ['shop.orders'] }, targets: [collector('off', off)], enabled: false });
      const { eventIds } = bus.putEvents([order({ total: 150 }), order({ total: 5 }), { source: 'crm', detailType: 'X', detail: {} }]);
      assert.deepEqual(
        big.map((e) => e.id),
        [eventIds[0]],
      );
      assert.deepEqual(
        audit.map((e) => e.id),
        eventIds.slice(0, 2),
      );
      assert.deepEqual(billing, audit);
      assert.deepEqual(off, []);
      assert.equal(ctx.trace.count('published', 'shop'), 3);
      assert.equal(ctx.trace.count('delivered', 'shop'), 1 + 2 + 2);
      assert.equal(ctx.trace.count('filtered-out', 'shop'), 1 + 2);
      const d = ctx.trace.records().find((r) => r.kind === 'delivered');
      assert.deepEqual(d?.detail, { rule: 'big', target: 'big-q', endpoint: 'big-q', attempt: 1 });
    });

    it('matches nested detail fields and arrays in the event (any element)', () => {
      const { bus } = setup();
      const got: BusEvent[] = [];
      bus.putRule({ name: 'r', pattern: { detail: { items: { sku: ['A'] }, tags: ['gift'] } }, targets: [collector('q', got)] });
      bus.putEvents([
        order({ items: [{ sku: 'B' }, { sku: 'A' }], tags: ['gift', 'x'] }),
        order({ items: [{ sku: 'B' }], tags: ['gift'] }),
        order({ items: [{ sku: 'A' }], tags: [] }),
      ]);
      assert.equal(got.length, 1);
    });

    it('the bus keeps its own copy of the detail', () => {
      const { bus } = setup();
      const got: BusEvent[] = [];
      orderRule(bus, collector('q', got));
      const detail = { total: 1 };
      bus.putEvents([order(detail)]);
      detail.total = 2;
      assert.deepEqual(got[0].detail, { total: 1 });
    });

    it('rejects bad batches naming the field, and publishes nothing', () => {
      const { ctx, bus } = setup();
      rejects(() => bus.putEvents([]), 'entries', /1 to 10/);
      rejects(() => bus.putEvents(Array.from({ length: 11 }, () => order())), 'entries', /1 to 10/);
      rejects(() => bus.putEvents([order(), { ...order(), source: '' }]), 'entries[1].source');
      rejects(() => bus.putEvents([{ ...order(), detailType: '' }]), 'entries[0].detailType');
      rejects(() => bus.putEvents([{ ...order(), detail: 'text' }]), 'entries[0].detail', /not valid JSON/);
      rejects(() => bus.putEvents([{ ...order(), detail: '"text"' }]), 'entries[0].detail', /JSON object/);
      rejects(() => bus.putEvents([{ ...order(), detail: [1] }]), 'entries[0].detail');
      const big = 'x'.repeat(140_000);
      rejects(() => bus.putEvents([order({ big }), order({ big })]), 'entries', /262144/);
      assert.equal(ctx.trace.length, 0);
    });
  });

  describe('retries', () => {
    it('retries a failing target with growing, jittered delays, then delivers', () => {
      const { ctx, bus } = setup();
      const times: number[] = [];
      orderRule(
        bus,
        target(() => {
          times.push(ctx.clock.now);
          if (times.length < 5) throw new Error('throttled');
        }),
      );
      bus.putEvents([order()]);
      ctx.clock.drain();
      assert.equal(times.length, 5);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      gaps.forEach((g, i) => {
        const step = 1000 * 2 ** i;
        assert.ok(g >= step / 2 && g <= step, `retry ${i + 1} waited ${g} ms, expected within [${step / 2}, ${step}]`);
      });
      assert.equal(ctx.trace.count('delivery-failed'), 4);
      assert.equal(ctx.trace.count('retried'), 4);
      assert.equal(ctx.trace.count('delivered'), 1);
    });

    it('gives up after maxAttempts retries and sends the event to the dead-letter queue', () => {
      const { ctx, bus } = setup();
      const dlq: Array<[string, string]> = [];
      let calls = 0;
      orderRule(
        bus,
        target(() => {
          calls++;
          throw new Error('500');
        }, { retry: { maxAttempts: 3 }, deadLetter: (e, error) => dlq.push([e.id, error]) }),
      );
      const { eventIds } = bus.putEvents([order()]);
      ctx.clock.drain();
      assert.equal(calls, 4, 'first attempt + 3 retries');
      assert.deepEqual(dlq, [[eventIds[0], '500']]);
      assert.equal(ctx.trace.count('dead-lettered', 'shop'), 1);
      assert.equal(ctx.trace.count('dropped'), 0);
    });

    it('without a dead-letter queue, an event failing for longer than maxAgeS is dropped', () => {
      const { ctx, bus } = setup();
      let calls = 0;
      orderRule(
        bus,
        target(() => {
          calls++;
          throw new Error('down');
        }, { retry: { maxAgeS: 60 } }),
      );
      bus.putEvents([order()]);
      ctx.clock.drain();
      assert.ok(ctx.clock.now <= 60_000, `gave up at ${ctx.clock.now} ms, after the 60 s maximum age`);
      assert.ok(calls >= 5 && calls < 185, `attempted ${calls} times`);
      const dropped = ctx.trace.records().filter((r) => r.kind === 'dropped');
      assert.equal(dropped.length, 1);
      assert.equal(dropped[0].detail?.reason, 'maximum event age reached');
    });

    it('by default retries 185 times within 24 hours, then drops', () => {
      const { ctx, bus } = setup();
      let calls = 0;
      orderRule(
        bus,
        target(() => {
          calls++;
          throw new Error('down');
        }),
      );
      bus.putEvents([order()]);
      ctx.clock.drain();
      assert.equal(calls, 186);
      assert.ok(ctx.clock.now <= 86_400_000);
      assert.equal(ctx.trace.count('dropped'), 1);
    });

    it('a failing target does not stop the other targets', () => {
      const { ctx, bus } = setup();
      const ok: BusEvent[] = [];
      orderRule(
        bus,
        target(
          () => {
            throw new Error('x');
          },
          { id: 'bad', endpoint: 'bad', retry: { maxAttempts: 0 } },
        ),
        collector('good', ok),
      );
      bus.putEvents([order()]);
      assert.equal(ok.length, 1);
      assert.equal(ctx.trace.count('dropped'), 1);
      assert.equal(ctx.trace.count('retried'), 0);
    });

    it('removing a rule drops its waiting retries', () => {
      const { ctx, bus } = setup();
      let calls = 0;
      orderRule(
        bus,
        target(() => {
          calls++;
          throw new Error('x');
        }),
      );
      bus.putEvents([order()]);
      bus.removeRule('r');
      ctx.clock.drain();
      assert.equal(calls, 1);
      assert.equal(ctx.trace.count('dropped'), 1);
    });
  });

  describe('archive and replay', () => {
    it('archives matching events and replays a time window to all rules, marked with replay-name', () => {
      const { ctx, bus } = setup();
      const got: BusEvent[] = [];
      bus.createArchive({ name: 'orders', pattern: { source: ['shop.orders'] } });
      orderRule(bus, collector('q', got));
      const a = bus.putEvents([order({ n: 1 })]).eventIds[0];
      ctx.clock.advance(1000);
      const b = bus.putEvents([order({ n: 2 }), { source: 'crm', detailType: 'X', detail: {} }]).eventIds[0];
      ctx.clock.advance(1000);
      bus.putEvents([order({ n: 3 })]);
      assert.deepEqual(
        bus.archived('orders').map((e) => e.detail),
        [{ n: 1 }, { n: 2 }, { n: 3 }],
      );
      assert.equal(ctx.trace.count('archived'), 3);

      got.length = 0;
      const { replayed } = bus.startReplay({ archive: 'orders', from: 0, to: 1000, name: 'fix-1' });
      assert.equal(replayed, 2);
      assert.deepEqual(
        got.map((e) => [e.id, e['replay-name']]),
        [
          [a, 'fix-1'],
          [b, 'fix-1'],
        ],
      );
      assert.equal(ctx.trace.count('replayed'), 2);
      assert.equal(ctx.trace.count('archived'), 3, 'replayed events are not archived again');
      assert.equal(bus.archived('orders').length, 3);
      assert.equal(bus.archived('orders')[0]['replay-name'], undefined, 'the archived original is unchanged');
    });

    it('rules can exclude replays with exists: false on replay-name', () => {
      const { bus } = setup();
      const live: BusEvent[] = [];
      bus.createArchive({ name: 'all' });
      bus.putRule({ name: 'live-only', pattern: { source: ['shop.orders'], 'replay-name': [{ exists: false }] }, targets: [collector('q', live)] });
      bus.putEvents([order()]);
      assert.equal(bus.startReplay({ archive: 'all', from: 0, to: 0, name: 'r1' }).replayed, 1);
      assert.equal(live.length, 1);
    });

    it('an archive keeps events only for its retention period', () => {
      const { ctx, bus } = setup();
      bus.createArchive({ name: 'week', retentionDays: 7 });
      bus.putEvents([order()]);
      ctx.clock.advance(7 * 86_400_000);
      bus.putEvents([order()]);
      assert.equal(bus.archived('week').length, 2);
      ctx.clock.advance(1);
      assert.equal(bus.archived('week').length, 1);
    });

    it('rejects bad archives and replays', () => {
      const { ctx, bus } = setup();
      bus.createArchive({ name: 'a' });
      rejects(() => bus.createArchive({ name: 'b', pattern: { source: 'x' } as never }), 'archives.b.pattern.source');
      rejects(() => bus.createArchive({ name: 'b', retentionDays: -1 }), 'archives.b.retentionDays');
      assert.throws(() => bus.createArchive({ name: 'a' }), (e: unknown) => e instanceof EngineError && e.code === 'ResourceAlreadyExistsException');
      assert.throws(() => bus.archived('nope'), (e: unknown) => e instanceof EngineError && e.code === 'ResourceNotFoundException');
      ctx.clock.advance(10);
      rejects(() => bus.startReplay({ archive: 'a', from: 5, to: 1, name: 'r' }), 'replay.to');
      rejects(() => bus.startReplay({ archive: 'a', from: 0, to: 11, name: 'r' }), 'replay.to', /future/);
      assert.throws(() => bus.startReplay({ archive: 'nope', from: 0, to: 1, name: 'r' }), EngineError);
      bus.startReplay({ archive: 'a', from: 0, to: 1, name: 'r' });
      assert.throws(() => bus.startReplay({ archive: 'a', from: 0, to: 1, name: 'r' }), (e: unknown) => e instanceof EngineError && e.code === 'ResourceAlreadyExistsException');
    });
  });

  it('the same seed gives the same trace byte for byte (jitter included)', () => {
    const run = () => {
      const { ctx, bus } = setup(5);
      let n = 0;
      bus.createArchive({ name: 'a' });
      orderRule(
        bus,
        target(() => {
          if (n++ % 3 !== 2) throw new Error('flaky');
        }, { retry: { maxAttempts: 4 } }),
      );
      bus.putEvents([order(), order()]);
      ctx.clock.drain();
      bus.startReplay({ archive: 'a', from: 0, to: ctx.clock.now, name: 'again' });
      ctx.clock.drain();
      return ctx.trace.records().map(toJsonLine).join('\n');
    };
    const a = run();
    assert.equal(a, run());
    assert.notEqual(a, '');
  });

  describe('scheduled rules (EventBridge User Guide, "Creating a rule that runs on a schedule")', () => {
    function scheduled(schedule: string, more: { enabled?: boolean } = {}) {
      const ctx = new EngineContext({ seed: 1 });
      const bus = new EventBus(ctx, { name: 'default' });
      const got: BusEvent[] = [];
      bus.putRule({ name: 'tick', schedule, targets: [collector('fn', got)], ...more });
      return { ctx, bus, got };
    }

    it('rate(1 minute) fires one minute after the rule is created, then every minute, with a Scheduled Event', () => {
      const { ctx, got } = scheduled('rate(1 minute)');
      ctx.clock.runUntil(180_000);
      assert.equal(got.length, 3);
      assert.deepEqual(got.map((e) => e.time), ['2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z', '2026-01-01T00:03:00Z']);
      const e = got[0];
      assert.equal(e['detail-type'], 'Scheduled Event');
      assert.equal(e.source, 'aws.events');
      assert.deepEqual(e.resources, ['arn:aws:events:us-east-1:123456789012:rule/tick']);
      assert.deepEqual(e.detail, {});
      assert.notEqual(got[0].id, got[1].id);
    });

    it('cron fires at the minutes it names, in UTC on the virtual calendar (virtual 0 is 2026-01-01T00:00:00Z)', () => {
      const { ctx, got } = scheduled('cron(30 9 ? * MON-FRI *)');
      ctx.clock.runUntil(7 * 86_400_000);
      // Thu 1, Fri 2, Mon 5, Tue 6, Wed 7 January 2026.
      assert.deepEqual(got.map((e) => e.time), ['2026-01-01T09:30:00Z', '2026-01-02T09:30:00Z', '2026-01-05T09:30:00Z', '2026-01-06T09:30:00Z', '2026-01-07T09:30:00Z']);
    });

    it('a scheduled event is not put on the bus: no pattern rule sees it, no archive keeps it', () => {
      const ctx = new EngineContext();
      const bus = new EventBus(ctx, { name: 'default' });
      const ticks: BusEvent[] = [];
      const all: BusEvent[] = [];
      bus.createArchive({ name: 'everything' });
      bus.putRule({ name: 'tick', schedule: 'rate(1 minute)', targets: [collector('t', ticks)] });
      bus.putRule({ name: 'aws', pattern: { source: ['aws.events'] }, targets: [collector('a', all)] });
      ctx.clock.runUntil(60_000);
      assert.equal(ticks.length, 1);
      assert.equal(all.length, 0);
      assert.deepEqual(bus.archived('everything'), []);
    });

    it('a disabled rule does not fire; removing or replacing the rule stops its old schedule', () => {
      const off = scheduled('rate(1 minute)', { enabled: false });
      off.ctx.clock.runUntil(300_000);
      assert.equal(off.got.length, 0);
      const { ctx, bus, got } = scheduled('rate(1 minute)');
      ctx.clock.runUntil(60_000);
      bus.putRule({ name: 'tick', schedule: 'rate(5 minutes)', targets: [collector('fn', got)] });
      ctx.clock.runUntil(360_000);
      assert.deepEqual(got.map((e) => e.time), ['2026-01-01T00:01:00Z', '2026-01-01T00:06:00Z'], 'the new rate counts from the replacement');
      bus.removeRule('tick');
      ctx.clock.runUntil(3_600_000);
      assert.equal(got.length, 2);
    });

    it('a failing target is retried like any delivery', () => {
      const ctx = new EngineContext({ seed: 2 });
      const bus = new EventBus(ctx, { name: 'default' });
      let calls = 0;
      bus.putRule({ name: 'tick', schedule: 'rate(1 hour)', targets: [target(() => void (calls++ === 0 && (() => { throw new Error('cold'); })()))] });
      ctx.clock.runUntil(3_600_000 + 10_000);
      assert.equal(calls, 2);
      assert.equal(ctx.trace.count('retried'), 1);
      assert.equal(ctx.trace.count('delivered'), 1);
    });

    it('refuses a schedule off the default bus, a bad expression and a rule with neither pattern nor schedule, naming the field', () => {
      const { bus } = setup();
      rejects(() => bus.putRule({ name: 'tick', schedule: 'rate(1 minute)', targets: [] }), 'rules.tick.schedule', /default event bus only/);
      const d = new EventBus(new EngineContext(), { name: 'default' });
      rejects(() => d.putRule({ name: 'tick', schedule: 'rate(1 minutes)', targets: [] }), 'rules.tick.schedule', /singular/);
      rejects(() => d.putRule({ name: 'tick', schedule: 'cron(0 10 * * * *)', targets: [] }), 'rules.tick.schedule', /"\?"/);
      rejects(() => d.putRule({ name: 'tick', targets: [] }), 'rules.tick.pattern', /pattern, a schedule/);
      assert.deepEqual(d.rules(), []);
    });
  });

  describe('target input (EventBridge User Guide, "Amazon EventBridge input transformation")', () => {
    const EC2 = { source: 'aws.ec2', detailType: 'EC2 Instance State-change Notification', detail: { 'instance-id': 'i-0123456789', state: 'RUNNING' } };
    const PATHS = { instance: '$.detail.instance-id', state: '$.detail.state' };
    function transformed(t: Partial<RuleTarget>): { text: string; value: unknown } {
      const { bus } = setup();
      let got: { text: string; value: unknown } | undefined;
      bus.putRule({ name: 'example', pattern: { source: ['aws.ec2'] }, targets: [{ id: 't', endpoint: 'q', deliver: (_e, payload) => void (got = payload), ...t }] });
      bus.putEvents([EC2]);
      assert.ok(got, 'delivered with a payload');
      return got!;
    }

    it("the guide's templates: a string, JSON with variables in and out of quotes, static parts", () => {
      assert.deepEqual(transformed({ inputTransformer: { inputPathsMap: PATHS, inputTemplate: '"instance <instance> is in <state>"' } }).value, 'instance i-0123456789 is in RUNNING');
      assert.deepEqual(transformed({ inputTransformer: { inputPathsMap: PATHS, inputTemplate: '{"instance": <instance>, "state": <state>}' } }).value, { instance: 'i-0123456789', state: 'RUNNING' });
      assert.deepEqual(
        transformed({ inputTransformer: { inputPathsMap: PATHS, inputTemplate: '{"instance": <instance>, "state": "<state>", "instanceStatus": "instance \\"<instance>\\" is in <state>"}' } }).value,
        { instance: 'i-0123456789', state: 'RUNNING', instanceStatus: 'instance "i-0123456789" is in RUNNING' },
      );
      const mixed = transformed({ inputTransformer: { inputPathsMap: PATHS, inputTemplate: '{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n  "Transformed" : "Yes"\n}' } });
      assert.deepEqual(mixed.value, { instance: 'i-0123456789', state: [9, 'RUNNING', true], Transformed: 'Yes' });
      assert.equal(mixed.text, '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}', 'the JSON passed on is minified');
    });

    it('predefined variables: the rule name and ARN, the event, its JSON text, the ingestion time', () => {
      const v = transformed({
        inputTransformer: { inputPathsMap: PATHS, inputTemplate: '{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "original": <aws.events.event>, "json": <aws.events.event.json>, "at": <aws.events.event.ingestion-time>}' },
      }).value as Record<string, unknown>;
      assert.equal(v.ruleArn, 'arn:aws:events:us-east-1:123456789012:rule/shop/example');
      assert.equal(v.ruleName, 'example');
      assert.equal((v.original as BusEvent).source, 'aws.ec2');
      assert.deepEqual(v.json, v.original);
      assert.equal(v.at, '2026-01-01T00:00:00Z');
      assert.deepEqual(transformed({ inputTransformer: { inputTemplate: '"<aws.events.rule-name> triggered"' } }).value, 'example triggered');
      // Values are not escaped inside a string: the event's JSON there breaks the JSON, and the target gets text.
      const broken = transformed({ inputTransformer: { inputTemplate: '{"json": "<aws.events.event.json>"}' } });
      assert.equal(typeof broken.value, 'string');
      assert.match(broken.text, /^\{"json": "\{"version":"0"/);
    });

    it('plain text stays text; a path matching nothing gives null outside quotes, nothing inside', () => {
      const plain = transformed({ inputTransformer: { inputPathsMap: PATHS, inputTemplate: '<instance> is in state <state>' } });
      assert.deepEqual(plain, { text: '"i-0123456789" is in state "RUNNING"', value: '"i-0123456789" is in state "RUNNING"' });
      assert.deepEqual(transformed({ inputTransformer: { inputPathsMap: { gone: '$.detail.nothing' }, inputTemplate: '{"a": <gone>, "b": "x<gone>y"}' } }).value, { a: null, b: 'xy' });
    });

    it('input is sent as is; inputPath sends the part it selects (indices and wildcards too)', () => {
      assert.deepEqual(transformed({ input: '{"ping": true}' }), { text: '{"ping": true}', value: { ping: true } });
      assert.deepEqual(transformed({ inputPath: '$.detail' }).value, EC2.detail);
      assert.deepEqual(transformed({ inputPath: '$.resources' }).value, []);
      assert.deepEqual(transformed({ inputPath: '$.detail.*' }).value, ['i-0123456789', 'RUNNING']);
    });

    it('the dead-letter queue still gets the event, not the transformed input', () => {
      const { ctx, bus } = setup();
      const dead: BusEvent[] = [];
      bus.putRule({
        name: 'r',
        pattern: { source: ['aws.ec2'] },
        targets: [{ id: 't', endpoint: 'q', input: '{"x":1}', deliver: () => { throw new Error('down'); }, retry: { maxAttempts: 0 }, deadLetter: (e) => void dead.push(e) }],
      });
      bus.putEvents([EC2]);
      ctx.clock.runUntil(60_000);
      assert.equal(dead[0].source, 'aws.ec2');
    });

    it('refuses what EventBridge refuses, naming the field', () => {
      const { bus } = setup();
      const put = (t: Partial<RuleTarget>) => () => bus.putRule({ name: 'r', pattern: { source: ['x'] }, targets: [{ id: 't', endpoint: 'q', deliver: () => undefined, ...t }] });
      rejects(put({ input: '{"a":1}', inputPath: '$.detail' }), 'rules.r.targets[0].inputPath', /mutually exclusive/);
      rejects(put({ input: 'not json' }), 'rules.r.targets[0].input', /valid JSON/);
      rejects(put({ inputPath: 'detail.state' }), 'rules.r.targets[0].inputPath', /starting with "\$"/);
      rejects(put({ inputTransformer: { inputPathsMap: { s: '$.detail[' }, inputTemplate: '<s>' } }), 'rules.r.targets[0].inputTransformer.inputPathsMap.s', /index/);
      rejects(put({ inputTransformer: { inputPathsMap: PATHS, inputTemplate: '{"a": <stat>}' } }), 'rules.r.targets[0].inputTransformer.inputTemplate', /<stat> is not a variable/);
      rejects(put({ inputTransformer: { inputPathsMap: PATHS, inputTemplate: '{<state>: 1}' } }), 'rules.r.targets[0].inputTransformer.inputTemplate', /object key/);
      rejects(put({ inputTransformer: { inputPathsMap: { 'aws.events.rule-name': '$.id' }, inputTemplate: '"x"' } }), 'rules.r.targets[0].inputTransformer.inputPathsMap.aws.events.rule-name', /predefined/);
      rejects(put({ inputTransformer: { inputPathsMap: { 'AWS.mine': '$.id' }, inputTemplate: '"x"' } }), 'rules.r.targets[0].inputTransformer.inputPathsMap.AWS.mine', /reserved/);
      rejects(put({ inputTransformer: { inputTemplate: '' } }), 'rules.r.targets[0].inputTransformer.inputTemplate', /1–8192/);
      const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, '$.id']));
      rejects(put({ inputTransformer: { inputPathsMap: many, inputTemplate: '"x"' } }), 'rules.r.targets[0].inputTransformer.inputPathsMap', /at most 100/);
      assert.deepEqual(bus.rules(), []);
    });
  });
});
