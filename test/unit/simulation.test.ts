import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabApi, ModuleFactory } from '../../src/engine/executor';
import { Simulation } from '../../src/engine/simulation';
import { toJsonLine } from '../../src/engine/trace';
import { VmExecutor } from '../../src/sandbox/vmExecutor';

const examples = join(__dirname, '..', '..', 'examples');

/** Handlers as module factories: `fn(lab)` runs once per environment (the init phase). */
function mod(handler: (lab: LabApi) => (event: any, ctx: any) => unknown): ModuleFactory {
  return (lab) => ({ handler: handler(lab) });
}

function trace(sim: Simulation): string {
  return sim.records().map(toJsonLine).join('\n');
}

describe('Simulation', () => {
  it('the same scenario and seed give a byte-identical trace; another seed gives another', () => {
    const doc = {
      name: 'det',
      durationS: 30,
      queues: [{ name: 'q', duplicateRate: 0.1 }],
      functions: [{ name: 'w', handler: 'w', events: [{ queue: 'q' }] }],
      traffic: [{ name: 'load', target: { queue: 'q' }, ratePerSecond: 20, arrival: 'poisson', payload: { n: '{{randomInt 1 9}}' } }],
    };
    const handlers = { w: mod((lab) => (e) => lab.work(e.Records.length * 3)) };
    const a = new Simulation(doc, { handlers });
    const b = new Simulation(doc, { handlers });
    const c = new Simulation(doc, { handlers, seed: 99 });
    a.run();
    b.run();
    c.run();
    assert.ok(a.records().length > 1000);
    assert.equal(trace(a), trace(b));
    assert.notEqual(trace(a), trace(c));
  });

  it('record retention passes through: window keeps the last N, none keeps nothing but the counts', () => {
    const doc = { name: 'r', durationS: 10, queues: [{ name: 'q' }], traffic: [{ name: 't', target: { queue: 'q' }, ratePerSecond: 10 }] };
    const win = new Simulation(doc, { records: { mode: 'window', size: 7 } });
    win.run();
    assert.equal(win.records().length, 7);
    assert.equal(win.records().at(-1)!.seq, win.ctx.trace.length);
    const none = new Simulation(doc, { records: { mode: 'none' } });
    none.run();
    assert.equal(none.records().length, 0);
    assert.equal(none.summary().queues.q.sent, 100);
  });

  it('handlers reach resources by name through the lab; an unknown name is a clear error in the handler', () => {
    const doc = {
      name: 'lab',
      durationS: 5,
      queues: [{ name: 'in' }, { name: 'out' }],
      tables: [{ name: 'items', key: 'id' }],
      functions: [{ name: 'w', handler: 'w', events: [{ queue: 'in', batchSize: 1 }] }],
      traffic: [{ name: 't', target: { queue: 'in' }, ratePerSecond: 1, durationS: 2 }],
    };
    let error = '';
    const sim = new Simulation(doc, {
      handlers: {
        w: mod((lab) => (e) => {
          const body = JSON.parse(e.Records[0].body);
          lab.tablePut('items', { id: body.seq });
          lab.send('out', { copied: body.seq });
          assert.deepEqual(lab.tableGet('items', body.seq), { id: body.seq });
          try {
            lab.send('missing', 'x');
          } catch (err) {
            error = (err as Error).message;
          }
        }),
      },
    });
    sim.run();
    assert.match(error, /send: no queue named "missing" in this scenario \(known: in, out\)/);
    const s = sim.summary();
    assert.equal(s.tables.items.items, 2);
    assert.equal(s.queues.out.sent, 2);
    assert.equal(s.functions.w.succeeded, 2);
    // The send from the handler carries the invocation's request id as its cause.
    const sent = sim.records().find((r) => r.kind === 'sent' && r.resource === 'out')!;
    const invoked = sim.records().find((r) => r.kind === 'invoked' && r.resource === 'w')!;
    assert.equal(sent.cause, invoked.id);
    // …and the diagram learns the function's calls.
    const calls = sim.topology().edges.filter((e) => e.kind === 'calls');
    assert.deepEqual(calls.map((e) => `${e.from}->${e.to}`).sort(), ['w->items', 'w->out']);
  });

  it('a handler publishes to a FIFO topic with a group id; the subscribed FIFO queue gets them in order', () => {
    const doc = {
      name: 'fifo-publish',
      durationS: 5,
      queues: [{ name: 'in' }, { name: 'ledger.fifo', fifo: true, contentBasedDeduplication: true }],
      topics: [{ name: 'entries.fifo', fifo: true, contentBasedDeduplication: true, subscriptions: [{ queue: 'ledger.fifo', rawDelivery: true }] }],
      functions: [{ name: 'w', handler: 'w', events: [{ queue: 'in', batchSize: 1 }] }],
      traffic: [{ name: 't', target: { queue: 'in' }, ratePerSecond: 1, durationS: 1 }],
    };
    let refused = '';
    const sim = new Simulation(doc, {
      handlers: {
        w: mod((lab) => () => {
          for (const step of ['open', 'debit', 'close']) lab.publish('entries.fifo', { step }, { groupId: 'account-1' });
          try {
            lab.publish('entries.fifo', { step: 'lost' });
          } catch (err) {
            refused = (err as Error).message;
          }
        }),
      },
    });
    sim.run();
    assert.match(refused, /groupId/);
    const q = sim.queues.get('ledger.fifo')!;
    const got = q.receive({ max: 10 });
    assert.deepEqual(got.map((m) => JSON.parse(m.body).step), ['open', 'debit', 'close'], 'in publish order, one group');
    assert.deepEqual(new Set(got.map((m) => m.groupId)), new Set(['account-1']));
  });

  it("a producer's retry to a FIFO topic fans out once; String.Array attributes reach a raw queue as JSON text", () => {
    const doc = {
      name: 'fifo-dedup',
      durationS: 5,
      queues: [{ name: 'in' }, { name: 'ledger.fifo', fifo: true }, { name: 'tags' }],
      topics: [
        { name: 'entries.fifo', fifo: true, subscriptions: [{ queue: 'ledger.fifo', rawDelivery: true }] },
        { name: 'tagged', subscriptions: [{ queue: 'tags', rawDelivery: true, filterPolicy: { tags: ['b'] } }] },
      ],
      functions: [{ name: 'w', handler: 'w', events: [{ queue: 'in', batchSize: 1 }] }],
      traffic: [{ name: 't', target: { queue: 'in' }, ratePerSecond: 1, durationS: 1 }],
    };
    const answers: unknown[] = [];
    const sim = new Simulation(doc, {
      handlers: {
        w: mod((lab) => () => {
          answers.push(lab.publish('entries.fifo', { tx: 1 }, { groupId: 'acct', deduplicationId: 'tx-1' } as never));
          answers.push(lab.publish('entries.fifo', { tx: 1 }, { groupId: 'acct', deduplicationId: 'tx-1' } as never));
          lab.publish('tagged', 'x', { attributes: { tags: ['a', 'b'] } as never });
          lab.publish('tagged', 'y', { attributes: { tags: ['c'] } as never });
        }),
      },
    });
    sim.run();
    const [first, retry] = answers as Array<{ messageId: string; sequenceNumber: string }>;
    assert.equal(retry.messageId, first.messageId);
    assert.equal(retry.sequenceNumber, first.sequenceNumber);
    const ledger = sim.queues.get('ledger.fifo')!.receive({ max: 10 });
    assert.equal(ledger.length, 1, 'the retry was not delivered');
    assert.equal(ledger[0].deduplicationId, 'tx-1', 'the SNS deduplication id travels to the FIFO queue');
    const tags = sim.queues.get('tags')!.receive({ max: 10 });
    assert.deepEqual(tags.map((m) => [m.body, m.attributes]), [['x', { tags: '["a","b"]' }]]);
  });

  it('a scheduled rule keeps a function warm on the virtual clock; an input transformer shapes what a queue gets', () => {
    const doc = {
      name: 'keep-warm',
      durationS: 16 * 60,
      queues: [{ name: 'audit' }],
      buses: [
        {
          name: 'default',
          rules: [
            { name: 'warm', schedule: 'rate(5 minutes)', targets: [{ function: 'api', input: '{"warmup": true}' }] },
            { name: 'report', schedule: 'cron(0/15 * * * ? *)', targets: [{ queue: 'audit', inputTransformer: { inputPathsMap: { at: '$.time' }, inputTemplate: '{"report": "due at <at>", "rule": <aws.events.rule-name>}' } }] },
          ],
        },
      ],
      functions: [{ name: 'api', handler: 'api' }],
    };
    const events: unknown[] = [];
    const sim = new Simulation(doc, { handlers: { api: mod(() => (event: unknown) => void events.push(event)) } });
    sim.run();
    assert.deepEqual(events, [{ warmup: true }, { warmup: true }, { warmup: true }], 'at 5, 10 and 15 minutes');
    const audit = sim.queues.get('audit')!.receive({ max: 10 });
    assert.deepEqual(audit.map((m) => JSON.parse(m.body)), [
      { report: 'due at 2026-01-01T00:15:00Z', rule: 'report' },
    ]);
  });

  it('a poison message is retried, then redriven to the DLQ after maxReceiveCount receives: nothing lost', () => {
    const doc = {
      name: 'poison',
      durationS: 600,
      queues: [{ name: 'q', visibilityTimeoutS: 10, deadLetter: { queue: 'dlq', maxReceiveCount: 3 } }, { name: 'dlq' }],
      functions: [{ name: 'w', handler: 'w', events: [{ queue: 'q', batchSize: 1 }] }],
      faults: [{ kind: 'poison', target: 'q', atS: 1, payload: { poison: true } }],
    };
    const sim = new Simulation(doc, {
      handlers: {
        w: mod(() => (e) => {
          if (JSON.parse(e.Records[0].body).poison) throw new Error('cannot parse order');
        }),
      },
    });
    sim.run();
    const s = sim.summary();
    assert.equal(s.queues.q.received, 3);
    assert.equal(s.queues.q.deadLettered, 1);
    assert.equal(s.queues.dlq.visible, 1);
    assert.equal(s.functions.w.failed, 3);
    assert.equal(s.lost, 0);
  });

  it('a duplicate fault on a traffic generator sends some requests twice (same id, same payload), traced; an unknown target is named', () => {
    const doc = {
      name: 'resend',
      durationS: 20,
      functions: [{ name: 'f', handler: 'f' }],
      traffic: [{ name: 'entries', target: { function: 'f' }, ratePerSecond: 5, payload: { entryId: 'e-{{seq}}' } }],
      faults: [{ kind: 'duplicate', target: 'entries', rate: 0.3 }],
    };
    const seen: string[] = [];
    const sim = new Simulation(doc, { handlers: { f: mod(() => (e) => void seen.push(e.entryId)) } });
    sim.run();
    const requests = sim.records().filter((r) => r.kind === 'request');
    const dups = sim.records().filter((r) => r.kind === 'duplicate' && r.resource === 'entries');
    assert.equal(requests.length, 100);
    assert.ok(dups.length > 10 && dups.length < 50, `${dups.length} duplicates of 100 at rate 0.3`);
    assert.equal(seen.length, 100 + dups.length);
    for (const d of dups) {
      const entry = (requests.find((r) => r.id === d.id)?.detail?.payload as { entryId: string }).entryId;
      assert.equal(seen.filter((x) => x === entry).length, 2, `${entry} handled twice`);
      assert.equal(sim.records().filter((r) => r.kind === 'invoked' && r.cause === d.id).length, 2);
    }
    assert.throws(() => new Simulation({ ...doc, faults: [{ kind: 'duplicate', target: 'entrys', rate: 0.3 }] }, { handlers: {} }), /faults\[0\]\.target.*traffic generator "entrys".*known: entries/);
  });

  it('async events that fail without an on-failure destination are lost; with one they are not', () => {
    const make = (onFailure: boolean) => ({
      name: 'async',
      queues: [{ name: 'failed-events' }],
      functions: [{ name: 'f', handler: 'f', async: { maxRetries: 1, ...(onFailure ? { onFailure: { queue: 'failed-events' } } : {}) } }],
      traffic: [{ name: 't', target: { function: 'f' }, ratePerSecond: 1, durationS: 3 }],
    });
    const handlers = { f: mod(() => () => { throw new Error('boom'); }) };
    const lossy = new Simulation(make(false), { handlers });
    lossy.run();
    const s1 = lossy.summary();
    assert.equal(s1.functions.f.dropped, 3);
    assert.equal(s1.functions.f.failed, 6, 'first attempt + 1 retry each');
    assert.equal(s1.lost, 3);
    assert.deepEqual(s1.lostDetails.map((d) => [d.resource, d.kind, d.count]), [['f', 'function', 3]]);
    const safe = new Simulation(make(true), { handlers });
    safe.run();
    const s2 = safe.summary();
    assert.equal(s2.lost, 0);
    assert.equal(s2.queues['failed-events'].visible, 3);
    assert.match(JSON.parse(safe.queues.get('failed-events')!.messages()[0].body).responsePayload.errorMessage, /boom/);
  });

  it('topic fan-out with a filter policy, SNS envelope vs raw delivery', () => {
    const doc = {
      name: 'fan',
      durationS: 10,
      topics: [{ name: 't', subscriptions: [{ queue: 'all' }, { queue: 'big', rawDelivery: true, filterPolicy: { size: [{ numeric: ['>=', 100] }] } }] }],
      queues: [{ name: 'all' }, { name: 'big' }],
      traffic: [{ name: 'pub', target: { topic: 't', attributes: { size: 150 } }, ratePerSecond: 1, durationS: 2, payload: 'hello' }],
    };
    const sim = new Simulation(doc);
    sim.run();
    const [enveloped] = sim.queues.get('all')!.messages();
    assert.equal(JSON.parse(enveloped.body).Message, 'hello');
    assert.equal(sim.queues.get('big')!.messages()[0].body, 'hello');
    assert.equal(sim.summary().topics.t.delivered, 4);
  });

  it('gateway routes to a function (sync) and to a legacy backend; latency percentiles per gateway', () => {
    const doc = {
      name: 'gw',
      durationS: 10,
      functions: [{ name: 'api', handler: 'api', durationMs: 40 }],
      gateways: [{ name: 'front', routes: [{ method: 'GET', path: '/new/{id}', function: 'api' }, { path: '/old', legacy: { latencyMs: 300, status: 200, body: '{}' } }] }],
      traffic: [
        { name: 'new', target: { gateway: 'front', method: 'GET', path: '/new/{{seq}}' }, ratePerSecond: 2, durationS: 5 },
        { name: 'old', target: { gateway: 'front', method: 'POST', path: '/old' }, ratePerSecond: 2, durationS: 5 },
      ],
    };
    const seen: string[] = [];
    const sim = new Simulation(doc, { handlers: { api: mod(() => (e) => (seen.push(e.pathParameters.id), { statusCode: 201, body: JSON.stringify({ ok: true }) })) } });
    sim.run();
    const g = sim.summary().gateways.front;
    assert.equal(g.requests, 20);
    assert.deepEqual(g.responses, { '200': 10, '201': 10 });
    assert.equal(g.latency.max, 300);
    assert.equal(seen[0], '1');
    const topo = sim.topology();
    const legacy = topo.nodes.find((n) => n.kind === 'legacy')!;
    assert.ok(topo.edges.some((e) => e.from === 'front' && e.to === legacy.id && e.kind === 'route'));
    assert.ok(topo.edges.some((e) => e.from === 'front' && e.to === 'api' && e.label === 'GET /new/{id}'));
    assert.equal(legacy.label, 'ANY /old', 'the diagram prefixes the kind ("legacy · ANY /old")');
    assert.equal(topo.edges.find((e) => e.from === 'new')!.label, 'GET /new/… · 2/s until 5 s', 'a template placeholder is not drawn as code; the rate follows the route');
  });

  it('a throttle fault caps the function: synchronous calls get 429 inside the window only', () => {
    const doc = {
      name: 'throttle',
      durationS: 20,
      functions: [{ name: 'api', handler: 'api', durationMs: 2000 }],
      gateways: [{ name: 'gw', routes: [{ path: '/x', function: 'api' }] }],
      traffic: [{ name: 't', target: { gateway: 'gw', path: '/x' }, ratePerSecond: 2, durationS: 20 }],
      faults: [{ kind: 'throttle', target: 'api', fromS: 5, toS: 10, concurrency: 1 }],
    };
    const sim = new Simulation(doc, { handlers: { api: mod(() => () => ({ statusCode: 200 })) } });
    sim.run();
    const throttled = sim.records().filter((r) => r.kind === 'throttled');
    assert.ok(throttled.length > 0);
    assert.ok(throttled.every((r) => r.t >= 5000 && r.t < 10000));
    assert.equal(sim.summary().gateways.gw.responses['429'], throttled.length);
  });

  it('topology: node kinds and edges of a scenario', () => {
    const doc = JSON.parse(readFileSync(join(examples, 'fan-out.scenario.json'), 'utf8'));
    const topo = new Simulation(doc).topology();
    const kind = (id: string) => topo.nodes.find((n) => n.id === id)?.kind;
    assert.equal(kind('camera'), 'traffic');
    assert.equal(kind('uploads'), 'bucket');
    assert.equal(kind('photo-uploaded'), 'topic');
    assert.equal(kind('thumbnail-jobs'), 'queue');
    assert.equal(kind('fan-out-dlq'), 'dlq');
    assert.equal(kind('make-thumbnail'), 'function');
    assert.equal(kind('photo-metadata'), 'table');
    const has = (from: string, to: string, k: string) => topo.edges.some((e) => e.from === from && e.to === to && e.kind === k);
    assert.ok(has('camera', 'uploads', 'traffic'));
    assert.ok(has('uploads', 'photo-uploaded', 'notification'));
    for (const q of ['thumbnail-jobs', 'metadata-jobs', 'audit-jobs']) {
      assert.ok(has('photo-uploaded', q, 'subscription'));
      assert.ok(has(q, 'fan-out-dlq', 'dead-letter'));
    }
    assert.ok(has('metadata-jobs', 'extract-metadata', 'event-source'));
    const fifo = new Simulation({ name: 'f', queues: [{ name: 'a.fifo', fifo: true }] }).topology();
    assert.equal(fifo.nodes[0].kind, 'fifo-queue');
  });

  it('the one-hour load-leveling example: the table never sees more than 10 writes/s and nothing is lost', function () {
    this.timeout(60_000);
    const doc = JSON.parse(readFileSync(join(examples, 'load-leveling.scenario.json'), 'utf8'));
    const sim = new Simulation(doc, { records: { mode: 'none' }, executor: new VmExecutor({ rootDir: examples }) });
    sim.run();
    const s = sim.summary();
    assert.equal(s.virtualMs, 3_600_000);
    assert.equal(s.traffic.checkout.requests, 360_000, "100/s over [0, 3600 s)");
    assert.ok(s.tables['order-batches'].peakWritesPerSecond <= 10, `peak ${s.tables['order-batches'].peakWritesPerSecond}`);
    assert.equal(s.tables['order-batches'].overloaded, 0);
    assert.equal(s.functions['order-writer'].failed, 0);
    assert.equal(s.queues['orders-dlq'].sent, 0);
    const q = s.queues.orders;
    assert.ok(q.visible + q.inFlight < 200, 'the queue keeps up (no growing backlog)');
    assert.equal(q.deleted + q.visible + q.inFlight, q.sent);
    assert.equal(s.lost, 0);
  });
});
