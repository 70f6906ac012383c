// Lambda asynchronous invocation: destinations and reserved concurrency 0.
// "Capturing records of Lambda asynchronous invocations"
// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html):
// - the invocation record: version, timestamp, requestContext { requestId, functionArn,
//   condition, approximateInvokeCount }, requestPayload, responseContext { statusCode,
//   executedVersion, functionError }, responsePayload { errorType, errorMessage, trace };
// - condition RetriesExhausted, EventAgeExceeded, or Success for an on-success destination;
// - "When you set reserved concurrency to zero for an asynchronously invoked function, Lambda
//   begins sending new events to the configured dead-letter queue or the on-failure event
//   destination, without any retries."
import assert from 'node:assert/strict';
import type { ModuleFactory } from '../../src/engine/executor';
import { destinationRecord, splitError } from '../../src/engine/events';
import { Simulation } from '../../src/engine/simulation';

const fails: ModuleFactory = () => ({
  handler: () => {
    throw new TypeError('card declined');
  },
});
const succeeds: ModuleFactory = () => ({ handler: (e: { n: number }) => ({ doubled: e.n * 2 }) });

function records(sim: Simulation, queue: string): Array<Record<string, any>> {
  return sim.queues
    .get(queue)!
    .messages()
    .map((m) => JSON.parse(m.body));
}

describe('Lambda destinations (asynchronous invocation records)', () => {
  it('on failure: the full record, RetriesExhausted after 1 + maxRetries runs, errorMessage without the Name: prefix', () => {
    const sim = new Simulation(
      {
        name: 'd',
        durationS: 400,
        queues: [{ name: 'failed' }],
        functions: [{ name: 'charge', handler: 'charge', async: { maxRetries: 2, onFailure: { queue: 'failed' } } }],
        traffic: [{ name: 't', target: { function: 'charge' }, ratePerSecond: 1, durationS: 1, payload: { orderId: 'o-1' } }],
      },
      { handlers: { charge: fails } },
    );
    sim.run();
    const [r] = records(sim, 'failed');
    assert.equal(r.version, '1.0');
    assert.match(r.timestamp, /^2026-01-01T00:0\d:\d\d\.\d{3}Z$/);
    assert.match(r.requestContext.requestId, /\S/);
    assert.equal(r.requestContext.functionArn, 'arn:aws:lambda:us-east-1:123456789012:function:charge:$LATEST');
    assert.equal(r.requestContext.condition, 'RetriesExhausted');
    assert.equal(r.requestContext.approximateInvokeCount, 3);
    assert.deepEqual(r.requestPayload, { orderId: 'o-1' });
    assert.deepEqual(r.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    assert.equal(r.responsePayload.errorType, 'TypeError');
    assert.equal(r.responsePayload.errorMessage, 'card declined');
    assert.deepEqual(r.responsePayload.trace, []);
    // The record's timestamp is when it was sent: after the two retries (~1 min, then ~2 min).
    assert.ok(Date.parse(r.timestamp) - Date.UTC(2026, 0, 1) >= 180_000);
  });

  it('an event older than maxEventAgeS is given up with condition EventAgeExceeded', () => {
    const sim = new Simulation(
      {
        name: 'd',
        durationS: 400,
        queues: [{ name: 'failed' }],
        functions: [{ name: 'charge', handler: 'charge', async: { maxRetries: 2, maxEventAgeS: 60, onFailure: { queue: 'failed' } } }],
        traffic: [{ name: 't', target: { function: 'charge' }, ratePerSecond: 1, durationS: 1 }],
      },
      { handlers: { charge: fails } },
    );
    sim.run();
    const [r] = records(sim, 'failed');
    assert.equal(r.requestContext.condition, 'EventAgeExceeded');
    assert.equal(r.requestContext.approximateInvokeCount, 1, 'the first retry (≈1 min later) would be past 60 s');
  });

  it('on success: a record with condition Success and the result as responsePayload', () => {
    const sim = new Simulation(
      {
        name: 'd',
        durationS: 5,
        queues: [{ name: 'done' }],
        functions: [{ name: 'double', handler: 'double', async: { onSuccess: { queue: 'done' } } }],
        traffic: [{ name: 't', target: { function: 'double' }, ratePerSecond: 1, durationS: 2, payload: { n: 21 } }],
      },
      { handlers: { double: succeeds } },
    );
    sim.run();
    const rs = records(sim, 'done');
    assert.equal(rs.length, 2);
    for (const r of rs) {
      assert.equal(r.requestContext.condition, 'Success');
      assert.equal(r.requestContext.approximateInvokeCount, 1);
      assert.deepEqual(r.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
      assert.deepEqual(r.responsePayload, { doubled: 42 });
    }
    assert.ok(sim.topology().edges.some((e) => e.from === 'double' && e.to === 'done' && e.label === 'on success'));
  });

  it('reserved concurrency 0: async events go straight to the on-failure destination, never run, never retried', () => {
    let ran = 0;
    const sim = new Simulation(
      {
        name: 'd',
        durationS: 30,
        queues: [{ name: 'failed' }],
        functions: [{ name: 'paused', handler: 'paused', reservedConcurrency: 0, async: { onFailure: { queue: 'failed' } } }],
        traffic: [{ name: 't', target: { function: 'paused' }, ratePerSecond: 1, durationS: 3 }],
      },
      { handlers: { paused: () => ({ handler: () => void ran++ }) } },
    );
    sim.run();
    assert.equal(ran, 0);
    const rs = records(sim, 'failed');
    assert.equal(rs.length, 3, 'every event, at once');
    assert.equal(sim.records().filter((r) => r.kind === 'retried').length, 0);
    for (const r of rs) {
      assert.equal(r.requestContext.approximateInvokeCount, 0);
      assert.equal(r.responseContext, undefined, 'the function never ran: no response');
    }
    // Sent in the instant each event arrived (no 6-hour throttle retries).
    const dl = sim.records().filter((r) => r.kind === 'dead-lettered');
    assert.deepEqual(dl.map((r) => r.t), [0, 1000, 2000]);
  });

  it('reserved concurrency 0 without a destination: the events are dropped at once', () => {
    const sim = new Simulation(
      {
        name: 'd',
        durationS: 10,
        functions: [{ name: 'paused', handler: 'paused', reservedConcurrency: 0 }],
        traffic: [{ name: 't', target: { function: 'paused' }, ratePerSecond: 1, durationS: 2 }],
      },
      { handlers: { paused: succeeds } },
    );
    sim.run();
    assert.equal(sim.summary().functions.paused.dropped, 2);
    assert.equal(sim.records().filter((r) => r.kind === 'retried').length, 0);
  });

  it('the scenario names a bad onSuccess field', () => {
    const doc = (onSuccess: unknown) => ({ name: 'd', durationS: 1, queues: [{ name: 'q' }], functions: [{ name: 'f', handler: 'f', async: { onSuccess } }] });
    assert.throws(() => new Simulation(doc({ queue: 'nope' })), /functions\[0\]\.async\.onSuccess\.queue/);
    assert.throws(() => new Simulation(doc({ topic: 'q' })), /functions\[0\]\.async\.onSuccess/);
  });

  it('splitError and destinationRecord', () => {
    assert.deepEqual(splitError('Sandbox.Timedout: Task timed out after 3.00 seconds'), { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' });
    assert.deepEqual(splitError('no name here'), { errorType: 'Error', errorMessage: 'no name here' });
    const r = destinationRecord({ functionName: 'f', requestId: 'req-1', condition: 'Success', invokeCount: 1, requestPayload: {}, now: 0 });
    assert.equal(r.responsePayload, null, 'a function that returns nothing: null');
  });
});
