/**
 * Lambda's recursive loop detection, as documented in "Use Lambda recursive loop detection to
 * prevent infinite loops" (https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html):
 * a chain of requests (an event, and what the functions handling it send to SQS, SNS or S3) that has
 * invoked a function about 16 times is stopped at the next invocation; an SQS event source mapping
 * gets RecursiveInvocationException (the message returns to the queue until its redrive policy moves
 * it to the dead-letter queue), an asynchronous event goes to the on-failure destination or is
 * dropped; other chains are not affected; RecursiveLoop: Allow turns it off.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabApi, ModuleFactory } from '../../src/engine/executor';
import { RECURSION_LIMIT } from '../../src/engine/recursion';
import { Simulation } from '../../src/engine/simulation';
import { toJsonLine, type TraceRecord } from '../../src/engine/trace';
import { formatSummary } from '../../src/cli/summary';
import { clearCompileCache } from '../../src/sandbox/compile';
import { VmExecutor } from '../../src/sandbox/vmExecutor';

function mod(handler: (lab: LabApi) => (event: any, ctx: any) => unknown): ModuleFactory {
  return (lab) => ({ handler: handler(lab) });
}

const kind = (sim: Simulation, k: TraceRecord['kind']) => sim.records().filter((r) => r.kind === k);

/** A function that reads `q` and sends `perInvocation` messages back to it for every message. */
function selfFeeding(perInvocation: number, extra: { fn?: Record<string, unknown>; queue?: Record<string, unknown>; doc?: Record<string, unknown> } = {}) {
  return {
    doc: {
      name: 'loop',
      queues: [{ name: 'q', ...(extra.queue ?? {}) }, { name: 'q-dlq' }],
      functions: [{ name: 'echo', handler: 'echo', events: [{ queue: 'q' }], ...(extra.fn ?? {}) }],
      traffic: [{ name: 'kick', target: { queue: 'q' }, ratePerSecond: 1, durationS: 1 }],
      ...(extra.doc ?? {}),
    },
    handlers: {
      echo: mod((lab) => (e) => {
        for (const r of e.Records) for (let i = 0; i < perInvocation; i++) lab.send('q', r.body);
      }),
    },
  };
}

describe('recursive loop detection', () => {
  it('a function feeding the queue it reads from runs 16 times in the chain; the 17th invocation is stopped and the message redriven to the DLQ', () => {
    const { doc, handlers } = selfFeeding(1, { queue: { deadLetter: { queue: 'q-dlq', maxReceiveCount: 2 } } });
    const sim = new Simulation(doc, { handlers });
    sim.run();
    const s = sim.summary();
    assert.equal(s.functions.echo.invoked, RECURSION_LIMIT);
    assert.equal(RECURSION_LIMIT, 16);
    // The 17th would-be invocation is stopped on both receives the redrive policy allows, then SQS moves it.
    assert.equal(s.functions.echo.loopsDetected, 2);
    assert.equal(s.queues['q-dlq'].sent, 1);
    assert.equal(s.queues.q.deadLettered, 1);
    assert.equal(s.lost, 0);
    const stops = kind(sim, 'loop-detected');
    assert.equal(stops.length, 2);
    const d = stops[0].detail!;
    assert.equal(stops[0].resource, 'echo');
    assert.equal(d.source, 'q');
    assert.equal(d.depth, 16);
    assert.equal(d.limit, 16);
    // The chain is named by the request that started it: the first invocation.
    assert.equal(d.chain, kind(sim, 'invoked')[0].id);
    assert.match(String(d.action), /returns to q .*redrive policy moves it to q-dlq \(maxReceiveCount 2\)/);
    // The stopped batch is the last message the 16th invocation sent; the ESM saw the error and left it.
    const sixteenth = kind(sim, 'invoked')[15];
    const lastSent = kind(sim, 'sent').filter((r) => r.resource === 'q' && r.cause === sixteenth.id);
    assert.equal(lastSent.length, 1);
    assert.equal(stops[0].cause, lastSent[0].id);
    // The 30 s visibility timeout separates the two stopped receives.
    assert.equal(stops[1].t - stops[0].t, 30_000);
    const text = formatSummary(s);
    assert.match(text, /stopped as a recursive loop 2/);
    assert.match(text, /Recursive loops\n {2}echo: Lambda stopped 2 invocations: it had been invoked 16 times in one chain of requests/);
  });

  it('other chains are not affected: two triggering messages give two chains of 16', () => {
    const { doc, handlers } = selfFeeding(1, { queue: { deadLetter: { queue: 'q-dlq', maxReceiveCount: 1 } }, doc: { traffic: [{ name: 'kick', target: { queue: 'q' }, ratePerSecond: 1, durationS: 2 }] } });
    const sim = new Simulation(doc, { handlers, records: { mode: 'all' } });
    sim.run();
    const s = sim.summary();
    assert.equal(s.functions.echo.invoked, 32);
    assert.equal(s.functions.echo.loopsDetected, 2);
    const chains = new Set(kind(sim, 'loop-detected').map((r) => r.detail!.chain));
    assert.equal(chains.size, 2);
    assert.equal(s.queues['q-dlq'].sent, 2);
  });

  it('RecursiveLoop: Allow lets the function loop (until the scenario ends)', () => {
    const { doc, handlers } = selfFeeding(1, { fn: { recursiveLoop: 'Allow' }, doc: { durationS: 10 } });
    const sim = new Simulation(doc, { handlers });
    sim.run();
    const s = sim.summary();
    assert.ok(s.functions.echo.invoked > 50, `invoked ${s.functions.echo.invoked}`);
    assert.equal(s.functions.echo.loopsDetected, 0);
  });

  it('without a dead-letter queue the stopped message is received and stopped again after each visibility timeout', () => {
    const { doc, handlers } = selfFeeding(1, { queue: { visibilityTimeoutS: 60 }, doc: { durationS: 600 } });
    const sim = new Simulation(doc, { handlers });
    sim.run();
    const s = sim.summary();
    assert.equal(s.functions.echo.invoked, 16);
    // Receives at about 1 s, then every 60 s up to 600 s: 10 stops, the message still held.
    assert.equal(s.functions.echo.loopsDetected, 10);
    assert.equal(s.queues.q.inFlight + s.queues.q.visible, 1);
    assert.match(String(kind(sim, 'loop-detected')[0].detail!.action), /stopped again on every receive until its retention ends \(q has no dead-letter queue\)/);
    assert.equal(s.lost, 0);
  });

  it('an SNS loop: the stopped asynchronous event is dropped (lost) without a destination, and goes to the on-failure destination when there is one, never retried', () => {
    const build = (destination: boolean) => ({
      name: 'sns-loop',
      queues: [{ name: 'failures' }],
      topics: [{ name: 't', subscriptions: [{ function: 'relay' }] }],
      functions: [{ name: 'relay', handler: 'relay', ...(destination ? { async: { onFailure: { queue: 'failures' } } } : {}) }],
      traffic: [{ name: 'kick', target: { topic: 't' }, ratePerSecond: 1, durationS: 1 }],
    });
    const handlers = { relay: mod((lab) => (e) => void lab.publish('t', e.Records[0].Sns.Message)) };
    const dropped = new Simulation(build(false), { handlers });
    dropped.run();
    let s = dropped.summary();
    assert.equal(s.functions.relay.invoked, 16);
    assert.equal(s.functions.relay.loopsDetected, 1);
    assert.equal(s.functions.relay.dropped, 1);
    assert.equal(s.functions.relay.retried, 0);
    assert.equal(s.lost, 1);
    assert.equal(kind(dropped, 'loop-detected')[0].detail!.source, 't');
    assert.match(String(kind(dropped, 'dropped')[0].detail!.error), /^RecursiveInvocationException: Lambda stopped invoking relay: it was invoked 16 times in one chain of requests/);

    const kept = new Simulation(build(true), { handlers });
    kept.run();
    s = kept.summary();
    assert.equal(s.functions.relay.invoked, 16);
    assert.equal(s.functions.relay.deadLettered, 1);
    assert.equal(s.lost, 0);
    assert.equal(s.queues.failures.sent, 1);
    const record = JSON.parse(String(kind(kept, 'sent').find((r) => r.resource === 'failures')!.detail!.body));
    // The function never ran the stopped event: the record has no response, and counts no invocation.
    assert.equal(record.requestContext.approximateInvokeCount, 0);
    assert.equal(record.responsePayload, undefined);
    assert.equal(record.requestPayload.Records[0].EventSource, 'aws:sns');
  });

  it('an S3 loop: a function that writes to the bucket that notifies it is stopped too', () => {
    const doc = {
      name: 's3-loop',
      buckets: [{ name: 'uploads', notifications: [{ function: 'thumb' }] }],
      functions: [{ name: 'thumb', handler: 'thumb' }],
      traffic: [{ name: 'upload', target: { bucket: 'uploads' }, ratePerSecond: 1, durationS: 1 }],
    };
    const sim = new Simulation(doc, { handlers: { thumb: mod((lab) => (e) => void lab.putObject('uploads', `${e.Records[0].s3.object.key}.x`, 'x')) } });
    sim.run();
    const s = sim.summary();
    assert.equal(s.functions.thumb.invoked, 16);
    assert.equal(s.functions.thumb.loopsDetected, 1);
    assert.equal(kind(sim, 'loop-detected')[0].detail!.source, 'uploads');
  });

  it('the chain passes through every supported hop: S3 → SNS → SQS → function counts as one chain', () => {
    const doc = {
      name: 'mixed',
      buckets: [{ name: 'uploads', notifications: [{ topic: 't' }] }],
      topics: [{ name: 't', subscriptions: [{ queue: 'q' }] }],
      queues: [{ name: 'q', deadLetter: { queue: 'dlq', maxReceiveCount: 1 } }, { name: 'dlq' }],
      functions: [{ name: 'w', handler: 'w', events: [{ queue: 'q' }] }],
      traffic: [{ name: 'upload', target: { bucket: 'uploads' }, ratePerSecond: 1, durationS: 1 }],
    };
    let n = 0;
    const sim = new Simulation(doc, { handlers: { w: mod((lab) => () => void lab.putObject('uploads', `k${++n}`, 'x')) } });
    sim.run();
    const s = sim.summary();
    assert.equal(s.functions.w.invoked, 16);
    assert.equal(s.functions.w.loopsDetected, 1);
    assert.equal(s.queues.dlq.sent, 1);
  });

  it('an EventBridge hop breaks the chain, as on AWS: such a loop is not detected', () => {
    const doc = {
      name: 'bus-loop',
      durationS: 30,
      buses: [{ name: 'default', rules: [{ name: 'all', pattern: { source: ['app'] }, targets: [{ function: 'w' }] }] }],
      functions: [{ name: 'w', handler: 'w' }],
      traffic: [{ name: 'kick', target: { bus: 'default', source: 'app', detailType: 'x' }, ratePerSecond: 1, durationS: 1 }],
    };
    const sim = new Simulation(doc, { handlers: { w: mod((lab) => () => void lab.putEvents('default', [{ source: 'app', detailType: 'x', detail: {} }])) } });
    sim.run();
    const s = sim.summary();
    assert.ok(s.functions.w.invoked > 16, `invoked ${s.functions.w.invoked}`);
    assert.equal(s.functions.w.loopsDetected, 0);
  });

  it('a fan-out loop (two messages back per message): every chain is stopped at depth 16, the run ends, and the trace is the same bytes for a seed', function () {
    this.timeout(60_000);
    const run = () => {
      const { doc, handlers } = selfFeeding(2, { queue: { deadLetter: { queue: 'q-dlq', maxReceiveCount: 1 } } });
      const sim = new Simulation(doc, { handlers });
      sim.run();
      return sim;
    };
    const a = run();
    const s = a.summary();
    assert.ok(s.functions.echo.loopsDetected > 100, `stopped ${s.functions.echo.loopsDetected}`);
    // The loop ended within a minute of virtual time: the stops, then the redrive after a visibility timeout
    // (what follows is only idle environments being recycled).
    const lastMessage = a.records().filter((r) => r.resource.startsWith('q')).at(-1)!;
    assert.ok(lastMessage.t < 60_000, `last message record at ${lastMessage.t} ms`);
    // Nothing is left running: every message was handled or dead-lettered after being stopped.
    assert.equal(s.queues.q.visible + s.queues.q.inFlight + s.queues.q.delayed, 0);
    assert.equal(s.queues['q-dlq'].sent, s.queues.q.deadLettered);
    assert.ok(s.queues.q.deadLettered > 0);
    assert.equal(s.lost, 0);
    // Every stop was at depth 16 of its chain.
    for (const r of kind(a, 'loop-detected')) assert.equal(r.detail!.depth, 16);
    const b = run();
    assert.equal(a.records().map(toJsonLine).join('\n'), b.records().map(toJsonLine).join('\n'));
  });

  it('on the awaited model (learner code in a vm context), a send completing after its latency carries the chain of the invocation that made it', function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'recursion-'));
    clearCompileCache();
    const executor = new VmExecutor({ rootDir: dir });
    try {
      writeFileSync(join(dir, 'echo.ts'), `import { send } from 'serverless-lab';\nexport async function handler(event: any) {\n  await Promise.all(event.Records.map((r: any) => send('q', r.body)));\n}\n`);
      const { doc } = selfFeeding(1, { queue: { deadLetter: { queue: 'q-dlq', maxReceiveCount: 1 } }, fn: { handler: 'echo.ts' } });
      const sim = new Simulation(doc, { executor });
      sim.run();
      const s = sim.summary();
      assert.equal(s.functions.echo.invoked, 16);
      assert.equal(s.functions.echo.loopsDetected, 1);
      assert.equal(kind(sim, 'call-done').length, 16);
    } finally {
      executor.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a scenario naming a bad recursiveLoop is refused, naming the field', () => {
    const { doc, handlers } = selfFeeding(1, { fn: { recursiveLoop: 'allow' } });
    assert.throws(() => new Simulation(doc, { handlers }), /functions\[0\]\.recursiveLoop/);
  });
});
