// The events the lab delivers, checked against @types/aws-lambda, the community typings of the
// event shapes Lambda documents:
// - SQS: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html ("Example standard queue message event")
// - SNS: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html ("Example SNS message event")
// - S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
// - HTTP API 2.0: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
//   ("Format 2.0 doesn't have multiValueHeaders or multiValueQueryStringParameters fields" … and the
//   fields absent when empty)
// - EventBridge: https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
// - Amazon MSK: https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html ("Example event")
//
// Two checks: (1) the typings the lab ships (types/serverless-lab.d.ts) are assignable to the
// @types/aws-lambda ones (a fixture type-checked by the TypeScript compiler); (2) every event a
// run of the engine delivers is walked, field by field, against the @types/aws-lambda declaration
// (required fields present, each value of its declared type, no field the type does not declare).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ts from 'typescript';
import type { ModuleFactory } from '../../src/engine/executor';
import { apiId, md5OfMessageAttributes } from '../../src/engine/events';
import { Simulation } from '../../src/engine/simulation';

const root = join(__dirname, '..', '..');
const shipped = join(root, 'types', 'serverless-lab.d.ts');

/** A TypeScript program over in-memory files (plus the real ones they import). */
function program(files: Record<string, string>): ts.Program {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: ['node'], lib: ['lib.es2022.d.ts'], baseUrl: root };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (files[name] !== undefined ? ts.createSourceFile(name, files[name], lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files[name] !== undefined || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => files[name] ?? readFile(name);
  return ts.createProgram([...Object.keys(files), shipped], options, host);
}

function diagnostics(p: ts.Program, file: string): string[] {
  return ts.getPreEmitDiagnostics(p, p.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const fixture = join(root, 'test', 'unit', '__compat__.ts');
const brokenFixture = join(root, 'test', 'unit', '__broken__.ts');
const walkTypes = join(root, 'test', 'unit', '__walk__.ts');
let sources: Record<string, string> = {};
let built: ts.Program | undefined;
/** One program for every check here (building one takes seconds). */
function compiled(): ts.Program {
  return (built ??= program(sources));
}

sources = {
  [walkTypes]: `import type * as aws from 'aws-lambda';
    export type SQS = aws.SQSEvent; export type SNS = aws.SNSEvent; export type S3 = aws.S3Event;
    export type HTTP = aws.APIGatewayProxyEventV2; export type BUS = aws.EventBridgeEvent<string, unknown>; export type MSK = aws.MSKEvent;
    export type SCHEDULED = aws.ScheduledEvent;`,
};

describe('Events as AWS sends them', () => {
  describe('the shipped typings are assignable to @types/aws-lambda', () => {
    const source = `
      import type * as aws from 'aws-lambda';
      import type * as lab from 'serverless-lab';
      declare function is<T>(x: T): void;
      declare const sqs: lab.SQSEvent; is<aws.SQSEvent>(sqs);
      declare const batch: lab.SQSBatchResponse; is<aws.SQSBatchResponse>(batch);
      declare const sns: lab.SNSEvent; is<aws.SNSEvent>(sns);
      declare const s3: lab.S3Event; is<aws.S3Event>(s3);
      declare const http: lab.APIGatewayProxyEventV2; is<aws.APIGatewayProxyEventV2>(http);
      declare const httpResult: lab.APIGatewayProxyStructuredResultV2; is<aws.APIGatewayProxyStructuredResultV2>(httpResult);
      declare const bus: lab.EventBridgeEvent<'OrderPlaced', { id: string }>; is<aws.EventBridgeEvent<'OrderPlaced', { id: string }>>(bus);
      declare const scheduled: lab.ScheduledEvent; is<aws.ScheduledEvent>(scheduled);
      declare const context: lab.Context; is<aws.Context>(context);
      declare const handlerContext: Parameters<lab.Handler>[1]; is<aws.Context>(handlerContext);
      // MSK: a keyless record has no key and a tombstone no value (AWS's typings declare both always present).
      declare const msk: lab.MSKEvent & { records: { [tp: string]: Array<lab.MSKRecord & { key: string; value: string }> } }; is<aws.MSKEvent>(msk);
      // And back: a handler written with the AWS typings accepts what the lab sends.
      declare const awsSqs: aws.SQSEvent; is<lab.SQSEvent['Records'][number]['body']>(awsSqs.Records[0].body);
    `;
    sources[fixture] = source;
    sources[brokenFixture] = source.replace('declare const sqs: lab.SQSEvent;', 'declare const sqs: { Records: Array<Omit<lab.SQSRecord, "md5OfBody">> };');
    it('type-checks a fixture assigning each lab event type to its @types/aws-lambda type', function () {
      this.timeout(120_000);
      assert.deepEqual(diagnostics(compiled(), fixture), []);
    });
    it('the fixture fails when a type drifts (the check can fail)', function () {
      this.timeout(120_000);
      assert.ok(diagnostics(compiled(), brokenFixture).some((d) => /md5OfBody/.test(d)));
    });
  });

  describe('every delivered event matches its @types/aws-lambda declaration, field by field', () => {
    const seen: Record<string, unknown[]> = {};
    const record = (name: string): ModuleFactory => () => ({
      handler: (event: unknown) => {
        (seen[name] ??= []).push(JSON.parse(JSON.stringify(event)));
        return name === 'http' ? { statusCode: 200, body: 'ok' } : undefined;
      },
    });
    before(() => {
      const doc = {
        name: 'events',
        durationS: 3,
        queues: [{ name: 'q' }, { name: 'f.fifo', fifo: true, contentBasedDeduplication: true }],
        topics: [{ name: 't', subscriptions: [{ function: 'sns' }] }],
        streams: [{ name: 's', partitions: 2 }],
        buses: [{ name: 'orders', rules: [{ name: 'all', pattern: { source: ['shop'] }, targets: [{ function: 'bus' }] }] }],
        buckets: [{ name: 'inbox', notifications: [{ function: 's3' }] }],
        gateways: [{ name: 'api', routes: [{ method: 'GET', path: '/items/{id}', function: 'http' }, { method: 'GET', path: '/items', function: 'http' }] }],
        functions: [
          { name: 'sqs', handler: 'sqs', events: [{ queue: 'q' }, { queue: 'f.fifo' }] },
          { name: 'sns', handler: 'sns' },
          { name: 'bus', handler: 'bus' },
          { name: 's3', handler: 's3' },
          { name: 'http', handler: 'http' },
          { name: 'kafka', handler: 'kafka', events: [{ stream: 's' }] },
        ],
        traffic: [
          { name: 'q-attrs', target: { queue: 'q', attributes: { kind: 'order', n: 3 } }, ratePerSecond: 1, durationS: 1 },
          { name: 'q-plain', target: { queue: 'q' }, ratePerSecond: 1, durationS: 1 },
          { name: 'f', target: { queue: 'f.fifo', groupId: 'g1' }, ratePerSecond: 1, durationS: 1 },
          { name: 't-pub', target: { topic: 't', attributes: { kind: 'order' } }, ratePerSecond: 1, durationS: 1 },
          { name: 'b', target: { bus: 'orders', source: 'shop', detailType: 'OrderPlaced' }, ratePerSecond: 1, durationS: 1 },
          { name: 'o', target: { bucket: 'inbox', key: 'in/a b.json' }, ratePerSecond: 1, durationS: 1 },
          { name: 'h1', target: { gateway: 'api', method: 'GET', path: '/items/7?color=red&size=1' }, ratePerSecond: 1, durationS: 1 },
          { name: 'h2', target: { gateway: 'api', method: 'GET', path: '/items' }, ratePerSecond: 1, durationS: 1 },
          { name: 'k1', target: { stream: 's', key: 'customer-1' }, ratePerSecond: 1, durationS: 1 },
          { name: 'k2', target: { stream: 's' }, ratePerSecond: 1, durationS: 1 },
        ],
      };
      const names = ['sqs', 'sns', 'bus', 's3', 'http', 'kafka'];
      const sim = new Simulation(doc, { handlers: Object.fromEntries(names.map((n) => [n, record(n)])) });
      sim.run();
      // A scheduled rule (EventBridge User Guide, "Creating a rule that runs on a schedule") fires on the virtual clock.
      const ticks = new Simulation(
        { name: 'ticks', durationS: 130, buses: [{ name: 'default', rules: [{ name: 'tick', schedule: 'rate(1 minute)', targets: [{ function: 'tick' }] }] }], functions: [{ name: 'tick', handler: 'tick' }] },
        { handlers: { tick: record('tick') } },
      );
      ticks.run();
    });

    let checker: ts.TypeChecker;
    let types: Map<string, ts.Type>;
    before(function () {
      this.timeout(120_000);
      const p = compiled();
      checker = p.getTypeChecker();
      const sf = p.getSourceFile(walkTypes)!;
      types = new Map();
      for (const s of checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!)) types.set(s.name, checker.getDeclaredTypeOfSymbol(s));
    });

    /** Problems of `value` against `type` (empty: it matches). `extra` lists lab-only fields allowed at a path. */
    function walk(value: unknown, type: ts.Type, path: string, extra: Set<string>): string[] {
      const f = type.flags;
      if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return [];
      if (type.isUnion()) {
        if (value === undefined && type.types.some((t) => t.flags & ts.TypeFlags.Undefined)) return [];
        const tries = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined)).map((t) => walk(value, t, path, extra));
        return tries.some((p) => p.length === 0) ? [] : tries.sort((a, b) => a.length - b.length)[0];
      }
      if (f & ts.TypeFlags.StringLiteral) return value === (type as ts.StringLiteralType).value ? [] : [`${path}: expected ${JSON.stringify((type as ts.StringLiteralType).value)}, got ${JSON.stringify(value)}`];
      if (f & ts.TypeFlags.String) return typeof value === 'string' ? [] : [`${path}: expected a string, got ${JSON.stringify(value)}`];
      if (f & ts.TypeFlags.Number) return typeof value === 'number' ? [] : [`${path}: expected a number, got ${JSON.stringify(value)}`];
      if (f & ts.TypeFlags.BooleanLiteral) return typeof value === 'boolean' ? [] : [`${path}: expected a boolean, got ${JSON.stringify(value)}`];
      if (f & ts.TypeFlags.Null) return value === null ? [] : [`${path}: expected null`];
      if (f & ts.TypeFlags.Undefined) return value === undefined ? [] : [`${path}: expected no value`];
      if (checker.isArrayType(type)) {
        if (!Array.isArray(value)) return [`${path}: expected an array, got ${JSON.stringify(value)}`];
        const el = checker.getTypeArguments(type as ts.TypeReference)[0];
        return value.flatMap((v, i) => walk(v, el, `${path}[${i}]`, extra));
      }
      if (f & ts.TypeFlags.Object) {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object, got ${JSON.stringify(value)}`];
        const obj = value as Record<string, unknown>;
        const out: string[] = [];
        const declared = new Set<string>();
        for (const prop of checker.getPropertiesOfType(type)) {
          declared.add(prop.name);
          const decl = prop.valueDeclaration ?? prop.declarations?.[0];
          const pt = decl ? checker.getTypeOfSymbolAtLocation(prop, decl) : checker.getTypeOfSymbol(prop);
          const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
          if (!(prop.name in obj)) {
            if (!optional && !extra.has(`${checker.typeToString(type)}.${prop.name}`)) out.push(`${path}.${prop.name}: missing`);
            continue;
          }
          out.push(...walk(obj[prop.name], pt, `${path}.${prop.name}`, extra));
        }
        const index = checker.getIndexInfosOfType(type)[0];
        for (const k of Object.keys(obj)) {
          if (declared.has(k)) continue;
          if (index) out.push(...walk(obj[k], index.type, `${path}[${JSON.stringify(k)}]`, extra));
          else if (!extra.has(`${path}.${k}`)) out.push(`${path}.${k}: not a field of the type`);
        }
        return out;
      }
      return [`${path}: unchecked type ${checker.typeToString(type)}`];
    }

    const cases: Array<[fn: string, type: string, extra?: string[]]> = [
      ['sqs', 'SQS'],
      ['sns', 'SNS'],
      ['s3', 'S3'],
      ['http', 'HTTP'],
      ['bus', 'BUS'],
      ['tick', 'SCHEDULED'],
      // A keyless Kafka record has no key (AWS's typings declare it always present).
      ['kafka', 'MSK', ['event.Records', 'MSKRecord.key']],
    ];
    for (const [fn, type, extra = []] of cases) {
      it(`${fn}: each delivered event is a ${type} event`, () => {
        const events = seen[fn] ?? [];
        assert.ok(events.length >= 1, `the run delivered ${fn} events`);
        for (const e of events) assert.deepEqual(walk(e, types.get(type)!, 'event', new Set(extra)), []);
      });
    }

    it('the walk finds a missing field, a wrong type and an unknown field (the check can fail)', () => {
      const e = JSON.parse(JSON.stringify(seen.sqs[0])) as { Records: Array<Record<string, unknown>> };
      delete e.Records[0].md5OfBody;
      e.Records[0].awsRegion = 1;
      e.Records[0].surprise = true;
      assert.deepEqual(walk(e, types.get('SQS')!, 'event', new Set()).sort(), ['event.Records[0].awsRegion: expected a string, got 1', 'event.Records[0].md5OfBody: missing', 'event.Records[0].surprise: not a field of the type']);
    });

    it('SQS: attributes as text (epoch ms), FIFO fields on FIFO queues only, MD5s of body and attributes', () => {
      const records = (seen.sqs as Array<{ Records: Array<Record<string, any>> }>).flatMap((e) => e.Records);
      const fifo = records.filter((r) => r.eventSourceARN.endsWith(':f.fifo'));
      const std = records.filter((r) => r.eventSourceARN === 'arn:aws:sqs:us-east-1:123456789012:q');
      assert.ok(fifo.length && std.length);
      for (const r of fifo) {
        assert.equal(r.attributes.MessageGroupId, 'g1');
        assert.match(r.attributes.SequenceNumber, /^\d+$/);
        assert.match(r.attributes.MessageDeduplicationId, /^[0-9a-f]{64}$/, 'content-based: SHA-256 of the body');
      }
      for (const r of std) assert.equal(r.attributes.MessageGroupId, undefined);
      const withAttrs = std.find((r) => Object.keys(r.messageAttributes).length)!;
      assert.deepEqual(withAttrs.messageAttributes.n, { stringValue: '3', stringListValues: [], binaryListValues: [], dataType: 'Number' });
      assert.equal(withAttrs.md5OfMessageAttributes, md5OfMessageAttributes({ kind: 'order', n: 3 }));
      assert.ok(std.some((r) => r.md5OfMessageAttributes === undefined), 'no attributes: no md5OfMessageAttributes');
      assert.ok(Number(std[0].attributes.SentTimestamp) >= Date.UTC(2026, 0, 1));
    });

    it('SQS: the attribute MD5 is the one SQS documents (a known vector)', () => {
      // The MD5 SQS returns for one String attribute {"a": "b"} (length-prefixed name, type, transport byte 1, value).
      const buf = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('a'), Buffer.from([0, 0, 0, 6]), Buffer.from('String'), Buffer.from([1]), Buffer.from([0, 0, 0, 1]), Buffer.from('b')]);
      assert.equal(md5OfMessageAttributes({ a: 'b' }), require('node:crypto').createHash('md5').update(buf).digest('hex'));
      assert.equal(md5OfMessageAttributes({}), undefined);
    });

    it('HTTP API 2.0: pathParameters and queryStringParameters are absent when empty, present otherwise', () => {
      const events = seen.http as Array<Record<string, any>>;
      const withParams = events.find((e) => e.rawPath === '/items/7')!;
      const bare = events.find((e) => e.rawPath === '/items')!;
      assert.deepEqual(withParams.pathParameters, { id: '7' });
      assert.deepEqual(withParams.queryStringParameters, { color: 'red', size: '1' });
      assert.equal(withParams.rawQueryString, 'color=red&size=1');
      assert.equal(withParams.routeKey, 'GET /items/{id}');
      assert.ok(!('pathParameters' in bare) && !('queryStringParameters' in bare) && !('body' in bare), 'absent, not {}');
      assert.equal(bare.rawQueryString, '');
      assert.equal(bare.requestContext.apiId, apiId('api'));
      assert.equal(bare.requestContext.stage, '$default');
      assert.match(bare.requestContext.time, /^\d\d\/[A-Z][a-z]{2}\/2026:\d\d:\d\d:\d\d \+0000$/);
    });

    it('S3: the key arrives URL-encoded (a space as +), with the bucket ARN and a sequencer', () => {
      const r = (seen.s3[0] as { Records: Array<Record<string, any>> }).Records[0];
      assert.equal(r.s3.object.key, 'in/a+b.json');
      assert.equal(r.s3.bucket.arn, 'arn:aws:s3:::inbox');
      assert.match(r.s3.object.sequencer, /^[0-9A-F]{16}$/);
      assert.equal(r.eventName, 'ObjectCreated:Put');
    });

    it('MSK: records grouped by topic-partition with key and value base64; Records holds them decoded', () => {
      const events = seen.kafka as Array<Record<string, any>>;
      const all = events.flatMap((e) => Object.entries(e.records as Record<string, Array<Record<string, any>>>).flatMap(([tp, rs]) => rs.map((r) => ({ tp, r }))));
      assert.ok(all.length >= 2);
      for (const { tp, r } of all) assert.equal(tp, `s-${r.partition}`);
      const keyed = all.find(({ r }) => r.key !== undefined)!.r;
      assert.equal(Buffer.from(keyed.key, 'base64').toString(), 'customer-1');
      assert.ok(all.some(({ r }) => !('key' in r)), 'a keyless record has no key');
      const decoded = events.flatMap((e) => e.Records as Array<Record<string, any>>);
      assert.deepEqual(
        decoded.map((r) => r.value),
        all.map(({ r }) => Buffer.from(r.value, 'base64').toString()).filter((v) => decoded.some((d) => d.value === v)),
      );
    });

    it('SNS: one record naming its subscription; the message and its attributes as published', () => {
      const r = (seen.sns[0] as { Records: Array<Record<string, any>> }).Records[0];
      assert.equal(r.EventSource, 'aws:sns');
      assert.match(r.EventSubscriptionArn, /^arn:aws:sns:us-east-1:123456789012:t:.+/);
      assert.deepEqual(r.Sns.MessageAttributes, { kind: { Type: 'String', Value: 'order' } });
      assert.equal(r.Sns.TopicArn, 'arn:aws:sns:us-east-1:123456789012:t');
    });
  });
});
