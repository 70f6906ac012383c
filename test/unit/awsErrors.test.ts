// Service errors as the AWS SDK shapes them, and PutEvents' string Detail.
// - DynamoDB PutItem with a condition: "ConditionalCheckFailedException — A condition specified in
//   the operation could not be evaluated" (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#API_PutItem_Errors)
// - SQS: "QueueDoesNotExist — Ensure that the QueueUrl is correct" (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html#API_SendMessage_Errors)
// - SNS Publish: NotFoundException (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html#API_Publish_Errors)
// - S3: NoSuchBucket (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)
// - AWS SDK v3 error handling: the exception is identified by `name`
//   (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/handling-exceptions.html)
// - PutEvents: "Detail — A valid JSON object", a String (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError, ValidationError } from '../../src/engine/errors';
import type { LabApi, ModuleFactory } from '../../src/engine/executor';
import { Simulation } from '../../src/engine/simulation';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';

const doc = {
  name: 'errors',
  durationS: 1,
  tables: [{ name: 'orders', key: 'id' }],
  queues: [{ name: 'q' }],
  buses: [{ name: 'b', rules: [{ name: 'r', pattern: { source: ['shop'] }, targets: [{ queue: 'q' }] }] }],
  functions: [{ name: 'probe', handler: 'probe.ts#handler' }],
  traffic: [{ name: 'go', target: { function: 'probe' }, ratePerSecond: 1, durationS: 1 }],
};

/** What the probe handler reports: each failing call's name and code. */
const probeSource = `
import { tablePut, send, publish, putObject, tableGet, putEvents } from 'serverless-lab';
export async function handler() {
  const out = {};
  const grab = async (label, fn) => { try { await fn(); out[label] = 'ok'; } catch (err) { out[label] = err.name + '/' + err.code + '/' + (err instanceof Error); } };
  await grab('first', () => tablePut('orders', { id: 1 }, { ifNotExists: true }));
  await grab('again', () => tablePut('orders', { id: 1 }, { ifNotExists: true }));
  await grab('queue', () => send('nope', 'x'));
  await grab('topic', () => publish('nope', 'x'));
  await grab('bucket', () => putObject('nope', 'k', 'x'));
  await grab('table', () => tableGet('nope', 1));
  await grab('stringDetail', () => putEvents('b', [{ source: 'shop', detailType: 'T', detail: '{"id":7}' }]));
  return out;
}`;

const expected = {
  first: 'ok',
  again: 'ConditionalCheckFailedException/ConditionalCheckFailed/true',
  queue: 'QueueDoesNotExist/QueueDoesNotExist/true',
  topic: 'NotFoundException/NotFoundException/true',
  bucket: 'NoSuchBucket/NoSuchBucket/true',
  table: 'ResourceNotFoundException/ResourceNotFoundException/true',
  stringDetail: 'ok',
};

describe('Service errors as the AWS SDK shapes them', function () {
  this.timeout(60_000);

  it('in-process: name is the SDK v3 exception name, code the error code', () => {
    const out: Record<string, string> = {};
    const probe: ModuleFactory = (lab: LabApi) => ({
      // Works whether lab calls return values or promises: each call's outcome is recorded in order.
      handler: () => {
        const fmt = (err: unknown): string => `${(err as { name: string }).name}/${(err as { code: string }).code}/${err instanceof Error}`;
        const grab = (label: string, fn: () => unknown) => (): unknown => {
          try {
            const r = fn() as { then?: unknown } | undefined;
            if (r && typeof r.then === 'function') return (r as Promise<unknown>).then(() => void (out[label] = 'ok'), (e: unknown) => void (out[label] = fmt(e)));
            out[label] = 'ok';
          } catch (err) {
            out[label] = fmt(err);
          }
          return undefined;
        };
        const steps = [
          grab('first', () => lab.tablePut('orders', { id: 1 }, { ifNotExists: true })),
          grab('again', () => lab.tablePut('orders', { id: 1 }, { ifNotExists: true })),
          grab('queue', () => lab.send('nope', 'x')),
          grab('topic', () => lab.publish('nope', 'x')),
          grab('bucket', () => lab.putObject('nope', 'k', 'x')),
          grab('table', () => lab.tableGet('nope', 1)),
          grab('stringDetail', () => lab.putEvents('b', [{ source: 'shop', detailType: 'T', detail: '{"id":7}' }])),
        ];
        let chain: unknown;
        for (const step of steps) chain = chain && typeof (chain as Promise<unknown>).then === 'function' ? (chain as Promise<unknown>).then(step) : step();
        return chain;
      },
    });
    const sim = new Simulation(doc, { handlers: { 'probe.ts#handler': probe } });
    sim.run();
    assert.deepEqual(out, expected);
    // The string detail arrived as the object it holds.
    const sent = sim.records().filter((r) => r.kind === 'sent' && r.resource === 'q');
    assert.equal(sent.length, 1);
  });

  it('in the sandbox: the same name and code reach the handler', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errors-'));
    fs.writeFileSync(path.join(dir, 'probe.ts'), probeSource);
    const executor = new IsolateExecutor({ rootDir: dir });
    try {
      const sim = new Simulation(doc, { executor });
      sim.run();
      const logs = JSON.stringify(sim.records().filter((r) => r.resource === 'probe').map((r) => r.detail));
      for (const v of Object.values(expected)) if (v !== 'ok') assert.ok(logs.includes(v), `${v} in ${logs}`);
    } finally {
      executor.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('EngineError: codes the SDK names differently get the SDK name; others are their own name', () => {
    assert.equal(new EngineError('ConditionalCheckFailed', 'x').name, 'ConditionalCheckFailedException');
    assert.equal(new EngineError('ProvisionedThroughputExceeded', 'x').name, 'ProvisionedThroughputExceededException');
    assert.equal(new EngineError('ReceiptHandleIsInvalid', 'x').name, 'ReceiptHandleIsInvalid');
    assert.equal(new EngineError('ReceiptHandleIsInvalid', 'x').code, 'ReceiptHandleIsInvalid');
  });

  it('putEvents: a string detail must hold a JSON object; the error names the entry', () => {
    const sim = new Simulation({ name: 'b', durationS: 1, buses: [{ name: 'b' }] });
    const bus = (sim as unknown as { buses: Map<string, { putEvents: (e: unknown[]) => unknown }> }).buses.get('b')!;
    const refuse = (detail: unknown, reason: RegExp): void =>
      assert.throws(() => bus.putEvents([{ source: 's', detailType: 't', detail: {} }, { source: 's', detailType: 't', detail }]), (e: unknown) => e instanceof ValidationError && e.path === 'entries[1].detail' && reason.test(e.reason));
    refuse('{"a":', /not valid JSON.*MalformedDetail/);
    refuse('[1,2]', /must be a JSON object/);
    refuse('"text"', /must be a JSON object/);
    refuse(42, /must be a JSON object/);
  });
});
