import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError, validateScenario } from '../../src/engine/scenario';
import { Simulation } from '../../src/engine/simulation';

const root = join(__dirname, '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'schemas', 'scenario.schema.json'), 'utf8'));

/**
 * An independent, tiny draft-07 checker (the keywords the published schema uses), so the examples
 * are checked against the schema as an editor would, not through validateScenario's own walker.
 */
function schemaErrors(value: unknown, node: any = schema, path = ''): string[] {
  while (node.$ref) node = schema.definitions[node.$ref.split('/').pop()];
  const errs: string[] = [];
  const t = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (node.type) {
    const types: string[] = Array.isArray(node.type) ? node.type : [node.type];
    const ok = types.some((ty) => ty === t || (ty === 'integer' && typeof value === 'number' && Number.isInteger(value)));
    if (!ok) return [`${path}: type`];
  }
  if (node.enum && !node.enum.includes(value)) errs.push(`${path}: enum`);
  if (typeof value === 'number') {
    if (node.minimum !== undefined && value < node.minimum) errs.push(`${path}: minimum`);
    if (node.maximum !== undefined && value > node.maximum) errs.push(`${path}: maximum`);
    if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) errs.push(`${path}: exclusiveMinimum`);
  }
  if (typeof value === 'string') {
    if (node.minLength !== undefined && value.length < node.minLength) errs.push(`${path}: minLength`);
    if (node.pattern && !new RegExp(node.pattern, 'u').test(value)) errs.push(`${path}: pattern`);
  }
  if (Array.isArray(value)) {
    if (node.maxItems !== undefined && value.length > node.maxItems) errs.push(`${path}: maxItems`);
    if (node.items) value.forEach((v, i) => errs.push(...schemaErrors(v, node.items, `${path}[${i}]`)));
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of node.required ?? []) if (!(k in obj)) errs.push(`${path}.${k}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (node.properties?.[k]) errs.push(...schemaErrors(v, node.properties[k], `${path}.${k}`));
      else if (node.additionalProperties === false) errs.push(`${path}.${k}: additionalProperties`);
      else if (typeof node.additionalProperties === 'object') errs.push(...schemaErrors(v, node.additionalProperties, `${path}.${k}`));
    }
    const passes = (sub: any): boolean => schemaErrors(value, sub, path).length === 0;
    if (node.oneOf && node.oneOf.filter(passes).length !== 1) errs.push(`${path}: oneOf`);
    if (node.anyOf && !node.anyOf.some(passes)) errs.push(`${path}: anyOf`);
    if (node.if) {
      const branch = passes(node.if) ? node.then : node.else;
      if (branch) errs.push(...schemaErrors(value, branch, path));
    }
    if (node.not && passes(node.not)) errs.push(`${path}: not`);
    for (const [k, needs] of Object.entries(node.dependencies ?? {})) if (k in obj) for (const n of needs as string[]) if (!(n in obj)) errs.push(`${path}.${n}: dependencies`);
  }
  return errs;
}

const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.scenario.json'));

/** A small valid scenario to break in one place at a time. */
function base(): any {
  return {
    name: 'orders',
    durationS: 60,
    queues: [{ name: 'orders', deadLetter: { queue: 'orders-dlq', maxReceiveCount: 5 } }, { name: 'orders-dlq' }],
    functions: [
      { name: 'api', handler: 'h.js#api' },
      { name: 'worker', handler: 'h.js#worker', events: [{ queue: 'orders', batchSize: 10 }] },
    ],
    tables: [{ name: 'orders-table', key: 'id', writeCapacityPerSecond: 10 }],
    traffic: [{ name: 'load', target: { queue: 'orders' }, ratePerSecond: 5 }],
  };
}

function problemsOf(doc: unknown): Array<{ path: string; message: string }> {
  const r = validateScenario(doc);
  assert.equal(r.scenario, undefined, 'a scenario with problems is not returned');
  return r.problems;
}

function messageAt(doc: unknown, path: string): string {
  const problems = problemsOf(doc);
  const p = problems.find((x) => x.path === path);
  assert.ok(p, `expected a problem at ${path}, got ${JSON.stringify(problems)}`);
  return p.message;
}

describe('scenario files', () => {
  it('has examples, including load-leveling and fan-out', () => {
    assert.ok(examples.includes('load-leveling.scenario.json'));
    assert.ok(examples.includes('fan-out.scenario.json'));
  });

  for (const file of examples) {
    it(`${file} validates against the JSON Schema and validateScenario`, () => {
      const doc = JSON.parse(readFileSync(join(root, 'examples', file), 'utf8'));
      assert.deepEqual(schemaErrors(doc), []);
      const r = validateScenario(doc);
      assert.deepEqual(r.problems, []);
      assert.ok(r.scenario);
    });
  }

  it('the schema is draft-07 with descriptions and defaults for editor hover and completion', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const q = schema.definitions.queue.properties;
    assert.equal(q.visibilityTimeoutS.default, 30);
    assert.match(q.visibilityTimeoutS.description, /visib|hidden/i);
    for (const [name, def] of Object.entries<any>(schema.definitions)) assert.ok(def.description, `definitions.${name} has a description`);
  });

  it('a valid scenario comes back with every list filled in', () => {
    const r = validateScenario({ name: 'empty' });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.scenario!.queues, []);
    assert.deepEqual(r.scenario!.faults, []);
  });

  it('names the path of an unknown queue reference and lists the known ones', () => {
    const doc = base();
    doc.functions[1].events[0].queue = 'ordrs';
    assert.equal(messageAt(doc, 'functions[1].events[0].queue'), 'unknown queue "ordrs" (known: orders, orders-dlq)');
  });

  it('reports every problem, not just the first', () => {
    const doc = base();
    doc.queues[0].visibilityTimeoutS = -1;
    doc.functions[0].memoryMb = 64;
    doc.traffic[0].target = { queue: 'nope' };
    doc.tables[0].writeCapacityPerSecond = 0;
    const paths = problemsOf(doc).map((p) => p.path).sort();
    assert.deepEqual(paths, ['functions[0].memoryMb', 'queues[0].visibilityTimeoutS', 'tables[0].writeCapacityPerSecond', 'traffic[0].target.queue']);
    assert.equal(messageAt(doc, 'queues[0].visibilityTimeoutS'), 'must be a number between 0 and 43200, got -1');
    assert.equal(messageAt(doc, 'functions[0].memoryMb'), 'must be an integer between 128 and 10240, got 64');
  });

  it('unknown fields get a did-you-mean when close to a real one', () => {
    const doc = base();
    doc.queues[0].visibilityTimeout = 30;
    doc.functions[1].events[0].batchsize = 5;
    doc.colour = 'red';
    assert.match(messageAt(doc, 'queues[0].visibilityTimeout'), /^unknown field \(did you mean "visibilityTimeoutS"\?\)/);
    assert.match(messageAt(doc, 'functions[1].events[0].batchsize'), /did you mean "batchSize"/);
    assert.match(messageAt(doc, 'colour'), /^unknown field \(expected one of/);
  });

  it('rejects duplicate names, across resource kinds too', () => {
    const doc = base();
    doc.queues.push({ name: 'orders' });
    doc.tables.push({ name: 'api', key: 'id' });
    assert.match(messageAt(doc, 'queues[2].name'), /"orders" is already used by queues\[0\]/);
    assert.match(messageAt(doc, 'tables[1].name'), /"api" is already used by functions\[0\]/);
  });

  it('required fields, wrong types and enums name the field', () => {
    const doc = base();
    delete doc.functions[0].handler;
    doc.functions[1].runtime = 'ruby';
    doc.durationS = '60';
    assert.equal(messageAt(doc, 'functions[0].handler'), 'is required');
    assert.match(messageAt(doc, 'functions[1].runtime'), /^must be one of "nodejs", "python", "java", "go", got "ruby"/);
    assert.equal(messageAt(doc, 'durationS'), 'must be a number, got "60"');
    assert.match(problemsOf('nope')[0].message, /must be a JSON object/);
  });

  it('checks FIFO naming, dead-letter types and redrive loops', () => {
    const doc = base();
    doc.queues.push({ name: 'jobs', fifo: true }, { name: 'a', deadLetter: { queue: 'b', maxReceiveCount: 3 } }, { name: 'b', deadLetter: { queue: 'a', maxReceiveCount: 3 } });
    doc.queues.push({ name: 'x.fifo', fifo: true, deadLetter: { queue: 'orders-dlq', maxReceiveCount: 3 } });
    assert.match(messageAt(doc, 'queues[2].name'), /must end in "\.fifo"/);
    assert.match(messageAt(doc, 'queues[3].deadLetter.queue'), /loop/);
    assert.match(messageAt(doc, 'queues[5].deadLetter.queue'), /FIFO queue must be FIFO too/);
  });

  it('event sources: a queue or a stream, with the batching rules of the real mapping', () => {
    const doc = base();
    doc.functions[1].events = [{ queue: 'orders', batchSize: 100 }, { queue: 'orders', stream: 's' }, {}, { stream: 'missing' }];
    assert.match(messageAt(doc, 'functions[1].events[0].batchingWindowS'), /at least 1 second when batchSize is above 10/);
    assert.match(messageAt(doc, 'functions[1].events[1]'), /exactly one of queue, stream/);
    assert.equal(messageAt(doc, 'functions[1].events[2]'), 'needs one of queue, stream, kinesisStream, rabbitQueue, pubsubSubscription');
    assert.equal(messageAt(doc, 'functions[1].events[3].stream'), 'unknown stream "missing" (known: no streams defined)');
  });

  it('topics, buses and buckets: references, filter policies, patterns, overlapping notifications', () => {
    const doc = base();
    doc.topics = [{ name: 't', subscriptions: [{ queue: 'orders', filterPolicy: { price: [{ numeric: ['>', 'x'] }] } }, { function: 'nope' }] }];
    doc.buses = [{ name: 'bus', rules: [{ name: 'r', pattern: {}, targets: [{ function: 'worker' }] }] }];
    doc.buckets = [{ name: 'uploads', notifications: [{ queue: 'orders', prefix: 'in/' }, { function: 'worker', prefix: 'in/photos/' }] }];
    const problems = problemsOf(doc);
    const paths = problems.map((p) => p.path);
    assert.ok(paths.some((p) => p.startsWith('topics[0].subscriptions[0].filterPolicy.price')), JSON.stringify(problems));
    assert.equal(messageAt(doc, 'topics[0].subscriptions[1].function'), 'unknown function "nope" (known: api, worker)');
    assert.ok(paths.some((p) => p.startsWith('buses[0].rules[0].pattern')), JSON.stringify(problems));
    assert.match(messageAt(doc, 'buckets[0].notifications[1]'), /overlaps notifications\[0\]/);
  });

  it('scheduled rules and target input: each problem names its field', () => {
    const doc = base();
    doc.buses = [
      { name: 'default', rules: [
        { name: 'tick', schedule: 'rate(5 minute)', targets: [{ function: 'worker' }] },
        { name: 'cron', schedule: 'cron(0 10 * * * *)', targets: [{ queue: 'orders', inputTransformer: { inputPathsMap: { id: '$.id' }, inputTemplate: '{"id": <di>}' } }] },
        { name: 'nothing', targets: [{ queue: 'orders' }] },
        { name: 'both', pattern: { source: ['x'] }, targets: [{ queue: 'orders', input: '{}', inputPath: '$.detail' }] },
      ] },
      { name: 'shop', rules: [{ name: 'nightly', schedule: 'cron(0 2 * * ? *)', targets: [{ function: 'worker' }] }] },
    ];
    assert.match(messageAt(doc, 'buses[0].rules[0].schedule'), /rate\(5 minutes\)/);
    assert.match(messageAt(doc, 'buses[0].rules[1].schedule'), /"\?"/);
    assert.match(messageAt(doc, 'buses[0].rules[1].targets[0].inputTransformer.inputTemplate'), /<di> is not a variable/);
    assert.match(messageAt(doc, 'buses[0].rules[2]'), /pattern or schedule/);
    assert.match(messageAt(doc, 'buses[0].rules[3].targets[0].inputPath'), /mutually exclusive/);
    assert.match(messageAt(doc, 'buses[1].rules[0].schedule'), /default event bus only/);
    const ok = base();
    ok.buses = [{ name: 'default', rules: [{ name: 'warm', schedule: 'rate(5 minutes)', targets: [{ function: 'worker', input: '{"warmup": true}' }] }] }];
    assert.deepEqual(validateScenario(ok).problems, []);
  });

  it('traffic and faults are checked with their own rules', () => {
    const doc = base();
    doc.traffic.push({ name: 'events', target: { bus: 'nobus' }, ratePerSecond: 1, payload: { x: '{{nope}}' } });
    doc.traffic.push({ name: 'keyed', target: { queue: 'orders', key: 'k' }, ratePerSecond: 1 });
    doc.faults = [{ kind: 'crash', target: 'orders', atS: 5 }, { kind: 'throttle', target: 'worker', fromS: 10, toS: 5, concurrency: 1 }, { kind: 'poison', target: 'orders', atS: 1, rate: 1 }];
    assert.equal(messageAt(doc, 'traffic[1].target.source'), 'is required with bus');
    assert.match(messageAt(doc, 'traffic[1].payload.x'), /unknown helper "nope"/);
    assert.equal(messageAt(doc, 'traffic[2].target.key'), 'does not apply to a queue target');
    assert.match(messageAt(doc, 'faults[0].target'), /unknown function "orders" for a crash fault \(known: api, worker\)/);
    assert.match(messageAt(doc, 'faults[1].toS'), /must be after fromS/);
    assert.match(messageAt(doc, 'faults[2].rate'), /unknown field/);
  });

  it('the dry build reports what resource constructors reject, with the scenario path', () => {
    const doc = base();
    doc.functions[0].reservedConcurrency = 850;
    doc.functions[1].reservedConcurrency = 100;
    assert.match(messageAt(doc, 'functions[1].reservedConcurrency'), /unreserved/);
  });

  it('the schema and validateScenario agree on bad files', () => {
    const bad: Array<(d: any) => void> = [
      (d) => (d.queues[0].visibilityTimeoutS = 99999),
      (d) => (d.queues[0].colour = 'red'),
      (d) => delete d.name,
      (d) => (d.functions[0].timeoutS = 0),
      (d) => (d.functions[1].events[0] = {}),
      (d) => (d.traffic[0].target = { queue: 'orders', topic: 'x' }),
      (d) => (d.traffic[0].ratePerSecond = -1),
      (d) => (d.streams = [{ name: 's', retentionMs: 1, retentionHours: 1 }]),
      (d) => (d.tables[0].name = 'x'),
      (d) => (d.gateways = [{ name: 'g', routes: [{ path: 'no-slash', function: 'api' }] }]),
      (d) => (d.faults = [{ kind: 'meltdown', target: 'api' }]),
      (d) => (d.seed = 1.5),
    ];
    for (const mutate of bad) {
      const doc = base();
      mutate(doc);
      assert.ok(schemaErrors(doc).length > 0, `schema accepts ${mutate}`);
      assert.ok(validateScenario(doc).problems.length > 0, `validateScenario accepts ${mutate}`);
    }
    assert.deepEqual(schemaErrors(base()), []);
    assert.deepEqual(validateScenario(base()).problems, []);
  });

  it('Simulation refuses a scenario with problems, listing every one', () => {
    const doc = base();
    doc.functions[1].events[0].queue = 'ordrs';
    doc.queues[1].retentionS = 1;
    assert.throws(
      () => new Simulation(doc),
      (err: unknown) => {
        assert.ok(err instanceof ScenarioError);
        assert.equal(err.problems.length, 2);
        assert.match(err.message, /functions\[1\]\.events\[0\]\.queue: unknown queue "ordrs"/);
        assert.match(err.message, /queues\[1\]\.retentionS/);
        return true;
      },
    );
  });
});
