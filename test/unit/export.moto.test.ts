// The exported runtime module against a real AWS API: moto_server (moto 5.2.1, server mode) on
// 127.0.0.1 at a free port, killed after. A scenario with one resource of every kind is exported;
// its resources are created in moto with the real @aws-sdk clients; the same calls are made through
// the exported `serverless-lab` module (bundled with esbuild from the exported src/, as `sam build`
// does) and through the lab's own API on a Simulation of the same scenario; then what each holds —
// messages in queues (direct, through SNS subscriptions with filter policies and raw delivery,
// through an EventBridge rule), records in the stream, objects, table items — is read back (moto with
// the SDK, the lab from its resources) and compared.
//
// Where moto differs from AWS, the test says so at the spot. In general moto does not enforce IAM
// (the template's policies are checked by cfn-lint, not here), and delivers SNS and EventBridge
// messages synchronously where AWS takes milliseconds.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SetSubscriptionAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EngineContext } from '../../src/engine/context';
import { InProcessExecutor } from '../../src/engine/executor';
import { Table, type TableChanges, type TableCondition } from '../../src/engine/services';
import { Simulation } from '../../src/engine/simulation';
import { exportProject } from '../../src/export/project';
import { fromAttributes } from '../../src/export/runtime/serverless-lab';
import { RESOURCES_ENV } from '../../src/export/template';
import { startMoto } from './export.tools';

type Runtime = typeof import('../../src/export/runtime/serverless-lab');

const SCENARIO = {
  name: 'every-kind',
  queues: [{ name: 'orders' }, { name: 'ledger.fifo', fifo: true }, { name: 'sink' }, { name: 'envelope' }, { name: 'events' }],
  topics: [{ name: 'news', subscriptions: [{ queue: 'sink', rawDelivery: true, filterPolicy: { kind: ['a'] } }, { queue: 'envelope' }] }],
  streams: [{ name: 'clicks', partitions: 2 }],
  buses: [{ name: 'shop', rules: [{ name: 'orders-only', pattern: { source: ['shop.orders'] }, targets: [{ queue: 'events' }] }] }],
  buckets: [{ name: 'docs' }],
  tables: [{ name: 'items', key: 'id' }],
  functions: [{ name: 'noop', handler: 'noop.js' }],
};

/** What one side holds after the calls, in a form both sides can be compared in. */
interface Holdings {
  queues: Record<string, Array<{ body: string; attributes: Record<string, string> }>>;
  fifo: string[];
  /** Stream values per key, in the order the stream keeps them. */
  byKey: Record<string, string[]>;
  objects: Record<string, string | undefined>;
  items: Array<Record<string, unknown>>;
}

describe('export: the runtime module against moto_server', function () {
  this.timeout(180_000);
  let moto: { endpoint: string; stop: () => void } | undefined;
  let endpoint = '';
  let rt: Runtime;
  const saved = { ...process.env };
  const config = () => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  // The Kinesis client speaks HTTP/2 (for SubscribeToShard); moto_server answers HTTP/1.1 only.
  const http1 = () => ({ requestHandler: new NodeHttpHandler() });
  let sqs: SQSClient;
  const urls: Record<string, string> = {};

  before(async () => {
    moto = await startMoto();
    endpoint = moto.endpoint;

    // The resources, created with the real SDK clients as CloudFormation would.
    sqs = new SQSClient(config());
    for (const q of SCENARIO.queues) {
      const attrs: Record<string, string> = q.fifo ? { FifoQueue: 'true' } : {};
      urls[q.name] = (await sqs.send(new CreateQueueCommand({ QueueName: q.name, Attributes: attrs }))).QueueUrl!;
    }
    const arn = async (name: string): Promise<string> => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urls[name], AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const sns = new SNSClient(config());
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'news' }))).TopicArn!;
    const raw = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: await arn('sink'), ReturnSubscriptionArn: true }));
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: raw.SubscriptionArn, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' }));
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: raw.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: JSON.stringify({ kind: ['a'] }) }));
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: await arn('envelope') }));
    const kinesis = new KinesisClient({ ...config(), ...http1() });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 2 }));
    const events = new EventBridgeClient(config());
    await events.send(new CreateEventBusCommand({ Name: 'shop' }));
    await events.send(new PutRuleCommand({ Name: 'orders-only', EventBusName: 'shop', EventPattern: JSON.stringify({ source: ['shop.orders'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'orders-only', EventBusName: 'shop', Targets: [{ Id: 'events', Arn: await arn('events') }] }));
    await new S3Client({ ...config(), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'docs-bucket' }));
    await new DynamoDBClient(config()).send(
      new CreateTableCommand({ TableName: 'items-table', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
    );

    // The exported project's runtime module, bundled from the export as `sam build` bundles it,
    // pointed at moto by the variables Lambda and the template would set.
    const dir = mkdtempSync(join(tmpdir(), 'slab-moto-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'noop.js'), 'export const handler = async () => {};\n');
    const out = join(dir, 'app');
    exportProject({ scenario: SCENARIO, baseDir: dir, label: 'the moto test' }, out);
    const esbuild = await import('esbuild');
    const bundle = join(out, 'runtime.bundle.js');
    await esbuild.build({ entryPoints: [join(out, 'src', 'serverless-lab', 'index.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'silent', nodePaths: [join(__dirname, '..', '..', 'node_modules')] });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      [RESOURCES_ENV]: JSON.stringify({
        queues: { orders: { url: urls.orders }, 'ledger.fifo': { url: urls['ledger.fifo'], fifo: true }, sink: { url: urls.sink }, envelope: { url: urls.envelope }, events: { url: urls.events } },
        topics: { news: { arn: topicArn } },
        streams: { clicks: { name: 'clicks' } },
        buses: { shop: { name: 'shop' } },
        buckets: { docs: { name: 'docs-bucket' } },
        tables: { items: { name: 'items-table', key: 'id' } },
      }),
    });
    rt = require(bundle) as Runtime;
    rt.configureClients({ kinesis: http1() });
  });

  after(() => {
    moto?.stop();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  /**
   * The calls, written once: `api` is either the runtime module (awaited) or the lab's API
   * (synchronous; awaiting a plain value is harmless). Returns what the calls answered that the
   * comparison needs.
   */
  async function calls(api: Pick<Runtime, 'send' | 'publish' | 'produce' | 'putEvents' | 'putObject' | 'getObject' | 'tablePut' | 'tableGet'>): Promise<Record<string, unknown>> {
    const seen: Record<string, unknown> = {};
    await api.send('orders', { orderId: 'o-1', amount: 12 }, { attributes: { kind: 'order', amount: 12 } });
    await api.send('orders', 'plain text');
    await api.send('ledger.fifo', 'first', { groupId: 'acct-1', deduplicationId: 'tx-8' });
    await api.send('ledger.fifo', 'second', { groupId: 'acct-1', deduplicationId: 'tx-9' });
    await api.send('ledger.fifo', 'second again', { groupId: 'acct-1', deduplicationId: 'tx-9' }); // a retry within 5 min: accepted, not delivered
    await api.send('ledger.fifo', 'third', { groupId: 'acct-1', deduplicationId: 'tx-10' });
    await api.publish('news', { kind: 'a', n: 1 }, { attributes: { kind: 'a' } });
    await api.publish('news', 'filtered out of sink', { attributes: { kind: 'b' } });
    await api.putEvents('shop', [
      { source: 'shop.orders', detailType: 'OrderPlaced', detail: { orderId: 'o-1' } },
      { source: 'shop.billing', detailType: 'InvoiceSent', detail: { invoice: 7 } },
    ]);
    for (const [key, value] of [
      ['u-1', 'click 1'],
      ['u-2', 'click 2'],
      ['u-1', 'click 3'],
      ['u-3', 'click 4'],
      ['u-1', 'click 5'],
    ]) {
      await api.produce('clicks', value, { key });
    }
    seen.etag = (await api.putObject('docs', 'a/readme.txt', 'hello'))?.etag;
    seen.object = await api.getObject('docs', 'a/readme.txt');
    seen.missing = await api.getObject('docs', 'nope.txt');
    await api.tablePut('items', { id: 'i-1', count: 1, tags: ['x', 'y'], nested: { ok: true, none: null } });
    try {
      await api.tablePut('items', { id: 'i-1', count: 99 }, { ifNotExists: true });
      seen.conditional = 'written';
    } catch (err) {
      seen.conditional = (err as { code?: string }).code;
    }
    await api.tablePut('items', { id: 'i-2', count: 2 }, { ifNotExists: true });
    seen.item = await api.tableGet('items', 'i-1');
    seen.absent = await api.tableGet('items', 'i-404');
    return seen;
  }

  async function motoHoldings(): Promise<Holdings> {
    const drain = async (name: string): Promise<Message[]> => {
      const all: Message[] = [];
      for (;;) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: urls[name], MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], AttributeNames: ['All'], VisibilityTimeout: 300 }));
        if (!r.Messages?.length) return all;
        all.push(...r.Messages);
      }
    };
    const queues: Holdings['queues'] = {};
    for (const name of ['orders', 'sink', 'envelope', 'events']) {
      queues[name] = (await drain(name)).map((m) => ({ body: m.Body!, attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue!])) }));
    }
    const fifo = (await drain('ledger.fifo')).map((m) => m.Body!);
    const kinesis = new KinesisClient({ ...config(), ...http1() });
    const byKey: Holdings['byKey'] = {};
    for (const shard of (await kinesis.send(new ListShardsCommand({ StreamName: 'clicks' }))).Shards ?? []) {
      const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'clicks', ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
      const recs = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
      for (const r of recs.Records ?? []) (byKey[r.PartitionKey!] ??= []).push(Buffer.from(r.Data!).toString('utf8'));
    }
    const s3 = new S3Client({ ...config(), forcePathStyle: true });
    const objects = { 'a/readme.txt': await (await s3.send(new GetObjectCommand({ Bucket: 'docs-bucket', Key: 'a/readme.txt' }))).Body!.transformToString() };
    const scan = await new DynamoDBClient(config()).send(new ScanCommand({ TableName: 'items-table' }));
    const items = (scan.Items ?? []).map(fromAttributes);
    return { queues, fifo, byKey, objects, items };
  }

  function labHoldings(sim: Simulation): Holdings {
    sim.run(sim.now + 60_000); // deliveries through the topic and the bus take virtual time
    const queues: Holdings['queues'] = {};
    for (const name of ['orders', 'sink', 'envelope', 'events']) {
      queues[name] = sim.queues
        .get(name)!
        .messages()
        .map((m) => ({ body: m.body, attributes: Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, String(v)])) }));
    }
    const fifo = sim.queues
      .get('ledger.fifo')!
      .messages()
      .map((m) => m.body);
    const stream = sim.streams.get('clicks')!;
    const byKey: Holdings['byKey'] = {};
    for (let p = 0; p < stream.partitions; p++) for (const r of stream.read(p, 0, 1000)) (byKey[r.key!] ??= []).push(r.value!);
    const objects = { 'a/readme.txt': sim.buckets.get('docs')!.get('a/readme.txt')?.body };
    const items = sim.tables.get('items')!.scan();
    return { queues, fifo, byKey, objects, items };
  }

  const byId = (items: Array<Record<string, unknown>>) => [...items].sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const bodies = (list: Array<{ body: string; attributes: Record<string, string> }>) => list.map((m) => JSON.stringify(m)).sort();

  it('every call has the same effect on moto as in the lab', async () => {
    const sim = new Simulation({ ...SCENARIO, functions: [] }, { executor: new InProcessExecutor() });
    const labSeen = await calls(sim.lab as unknown as Runtime);
    const lab = labHoldings(sim);
    const awsSeen = await calls(rt);
    const aws = await motoHoldings();

    // Direct sends, attributes included (SQS keeps a Number attribute's value as its text).
    assert.deepEqual(bodies(aws.queues.orders), bodies(lab.queues.orders));
    assert.equal(aws.queues.orders.length, 2);
    // FIFO: order kept in the group, the retried deduplication id delivered once.
    assert.deepEqual(aws.fifo, lab.fifo);
    assert.deepEqual(aws.fifo, ['first', 'second', 'third']);
    // SNS raw delivery with a filter policy on attributes: only kind = a, the body as published.
    assert.deepEqual(bodies(aws.queues.sink), bodies(lab.queues.sink));
    assert.deepEqual(aws.queues.sink.map((m) => m.body), ['{"kind":"a","n":1}']);
    // SNS without raw delivery: the envelope. Its MessageId, Timestamp, signature and ARNs are the
    // service's own, so the comparison is of what the subscriber reads: Type, Message, attributes.
    const envelope = (list: Holdings['queues'][string]) =>
      list
        .map((m) => {
          const e = JSON.parse(m.body) as { Type: string; Message: string; MessageAttributes?: Record<string, { Type: string; Value: string }> };
          return JSON.stringify({ Type: e.Type, Message: e.Message, MessageAttributes: e.MessageAttributes ?? {} });
        })
        .sort();
    assert.deepEqual(envelope(aws.queues.envelope), envelope(lab.queues.envelope));
    assert.equal(aws.queues.envelope.length, 2);
    // EventBridge: the rule's pattern lets only shop.orders through; the event's own id, time,
    // account and region differ, so source, detail-type and detail are compared.
    const event = (list: Holdings['queues'][string]) => list.map((m) => JSON.parse(m.body) as Record<string, unknown>).map((e) => JSON.stringify([e.source, e['detail-type'], e.detail]));
    assert.deepEqual(event(aws.queues.events), event(lab.queues.events));
    assert.equal(aws.queues.events.length, 1);
    // The stream: each key's records in order. (Which partition a key lands on differs by design:
    // Kinesis hashes the partition key with MD5, the lab with Kafka's murmur2.)
    assert.deepEqual(aws.byKey, lab.byKey);
    // Objects: body, and the ETag is the body's MD5 on both (moto computes it as S3 does for a
    // single-part upload).
    assert.deepEqual(aws.objects, lab.objects);
    assert.equal(awsSeen.etag, labSeen.etag);
    assert.equal(awsSeen.object, 'hello');
    assert.equal(awsSeen.missing, undefined);
    assert.equal(labSeen.missing, undefined);
    // Tables: the conditional write refused with the same code; items read back alike.
    assert.equal(awsSeen.conditional, 'ConditionalCheckFailed');
    assert.equal(awsSeen.conditional, labSeen.conditional);
    assert.deepEqual(awsSeen.item, labSeen.item);
    assert.equal(awsSeen.absent, undefined);
    assert.deepEqual(byId(aws.items), byId(lab.items));
  });

  it('tableUpdate and tableDelete do what DynamoDB UpdateItem and DeleteItem do (and what the lab does, where the lab has them)', async () => {
    const sim = new Simulation({ ...SCENARIO, functions: [] }, { executor: new InProcessExecutor() });
    const lab = sim.lab as unknown as Partial<Runtime>;
    const script = async (api: Partial<Runtime>): Promise<unknown[]> => {
      const out: unknown[] = [];
      const attempt = async (f: () => unknown): Promise<void> => {
        try {
          out.push(await f());
        } catch (err) {
          out.push({ code: (err as { code?: string }).code });
        }
      };
      await api.tablePut!('items', { id: 'c-1', hits: 1, note: 'x' });
      await attempt(() => api.tableUpdate!('items', 'c-1', { add: { hits: 2 }, set: { seen: true }, remove: ['note'] }));
      await attempt(() => api.tableUpdate!('items', 'c-2', { add: { hits: 5 } })); // upsert; a missing number counts as 0
      await attempt(() => api.tableUpdate!('items', 'c-1', { set: { hits: 0 } }, { condition: { hits: { greaterThan: 10 } } }));
      await attempt(() => api.tableUpdate!('items', 'c-1', { set: { owner: 'ana' } }, { condition: { hits: { equals: 3 }, owner: { exists: false } } }));
      await attempt(() => api.tableDelete!('items', 'c-404'));
      await attempt(() => api.tableDelete!('items', 'c-404', { condition: { id: { exists: true } } }));
      await attempt(() => api.tableDelete!('items', 'c-2'));
      await attempt(() => api.tableGet!('items', 'c-2'));
      return out;
    };
    const aws = await script(rt);
    assert.deepEqual(aws, [
      { id: 'c-1', hits: 3, seen: true },
      { id: 'c-2', hits: 5 },
      { code: 'ConditionalCheckFailed' },
      { id: 'c-1', hits: 3, seen: true, owner: 'ana' },
      undefined,
      { code: 'ConditionalCheckFailed' },
      { id: 'c-2', hits: 5 },
      undefined,
    ]);
    // The lab's tableUpdate/tableDelete arrive with the awaited handler API (issue 11); once they
    // are there, the lab must answer the same.
    if (typeof lab.tableUpdate === 'function' && typeof lab.tableDelete === 'function') assert.deepEqual(await script(lab), aws);
  });

  /**
   * One conditional write, run on the lab's Table and through the runtime on moto: what is there
   * before (`before`), the call, and what DynamoDB documents as the outcome (`expect`: the returned
   * item's presence is compared, and the error's SDK name).
   */
  interface WriteCase {
    label: string;
    before?: Record<string, unknown>;
    call: { put: Record<string, unknown>; condition?: TableCondition } | { update: TableChanges; condition?: TableCondition } | { delete: true; condition?: TableCondition };
    expect: 'ok' | 'ConditionalCheckFailedException' | 'ValidationException';
  }
  const ITEM = { hits: 5, neg: -2.5, s: 'x', b: true, z: null, l: [1, 'a'], m: { a: 1, b: [2] } };
  const touch = (condition: TableCondition): WriteCase['call'] => ({ update: { set: { touched: true } }, condition });
  /** A condition tested by an update that sets one attribute; `before` null: no item. */
  const cond = (label: string, condition: TableCondition, holds: boolean, before: Record<string, unknown> | null = ITEM): WriteCase => ({ label, ...(before ? { before } : {}), call: touch(condition), expect: holds ? 'ok' : 'ConditionalCheckFailedException' });
  const CASES: WriteCase[] = [
    // Conditions. (Left out where moto 5.2.1 differs from DynamoDB: an ordering test against a
    // string, list or map attribute raises a TypeError inside moto (HTTP 500) where DynamoDB says
    // false; moto finds a missing attribute equal to null and true equal to 1, DynamoDB does not.)
    cond('exists on a present attribute', { hits: { exists: true } }, true),
    cond('exists on a null value', { z: { exists: true } }, true),
    cond('exists on a missing attribute', { nope: { exists: true } }, false),
    cond('exists false on a missing attribute', { nope: { exists: false } }, true),
    cond('exists false on a present attribute', { hits: { exists: false } }, false),
    cond('no item: the key does not exist', { id: { exists: false } }, true, null),
    cond('no item: the key must exist', { id: { exists: true } }, false, null),
    cond('no item: notEquals holds', { hits: { notEquals: 5 } }, true, null),
    cond('no item: equals fails', { hits: { equals: 5 } }, false, null),
    cond('number equals', { hits: { equals: 5 } }, true),
    cond('number vs its string', { hits: { equals: '5' } }, false),
    cond('string equals', { s: { equals: 'x' } }, true),
    cond('string is case-sensitive', { s: { equals: 'X' } }, false),
    cond('boolean equals', { b: { equals: true } }, true),
    cond('null equals null', { z: { equals: null } }, true),
    cond('null vs 0', { z: { equals: 0 } }, false),
    cond('list equals in order', { l: { equals: [1, 'a'] } }, true),
    cond('list in another order', { l: { equals: ['a', 1] } }, false),
    cond('map equals in any order', { m: { equals: { b: [2], a: 1 } } }, true),
    cond('map missing an attribute', { m: { equals: { a: 1 } } }, false),
    cond('notEquals the same value', { hits: { notEquals: 5 } }, false),
    cond('notEquals another value', { hits: { notEquals: 6 } }, true),
    cond('notEquals across types', { hits: { notEquals: '5' } }, true),
    cond('notEquals on a missing attribute', { nope: { notEquals: 'x' } }, true),
    cond('5 < 6', { hits: { lessThan: 6 } }, true),
    cond('5 < 5', { hits: { lessThan: 5 } }, false),
    cond('5 <= 5', { hits: { lessThanOrEqual: 5 } }, true),
    cond('5 <= 4.999', { hits: { lessThanOrEqual: 4.999 } }, false),
    cond('5 > 4.999', { hits: { greaterThan: 4.999 } }, true),
    cond('5 > 5', { hits: { greaterThan: 5 } }, false),
    cond('5 >= 5', { hits: { greaterThanOrEqual: 5 } }, true),
    cond('5 >= 6', { hits: { greaterThanOrEqual: 6 } }, false),
    cond('-2.5 < -2', { neg: { lessThan: -2 } }, true),
    cond('-2.5 > -2', { neg: { greaterThan: -2 } }, false),
    cond('a missing attribute is not ordered', { nope: { lessThan: 1e9 } }, false),
    cond('a range that holds', { hits: { greaterThan: 1, lessThan: 10 } }, true),
    cond('a range that does not', { hits: { greaterThan: 1, lessThan: 5 } }, false),
    cond('two attributes, both hold', { hits: { equals: 5 }, s: { notEquals: 'y' } }, true),
    cond('two attributes, one fails', { hits: { equals: 5 }, s: { equals: 'y' } }, false),
    // UpdateItem. (Left out: an update with no changes on a missing item, where moto raises an
    // AttributeError, and ADD of a number JavaScript writes in exponent form, such as 1e21, which
    // moto cannot parse; DynamoDB takes both.)
    { label: 'set, add and remove at once', before: { hits: 1, note: 'x' }, call: { update: { set: { seen: true }, add: { hits: 2 }, remove: ['note', 'never'] } }, expect: 'ok' },
    { label: 'upsert: ADD on a missing item starts from 0', call: { update: { add: { hits: 5, debt: -1.5 } } }, expect: 'ok' },
    { label: 'upsert with REMOVE only: the key alone', call: { update: { remove: ['x'] } }, expect: 'ok' },
    { label: 'ADD is decimal: 0.1 + 0.2 is 0.3', before: { balance: 0.1 }, call: { update: { add: { balance: 0.2 } } }, expect: 'ok' },
    { label: 'ADD to a string', before: { s: 'x' }, call: { update: { add: { s: 1 } } }, expect: 'ValidationException' },
    { label: 'ADD to null', before: { z: null }, call: { update: { add: { z: 1 } } }, expect: 'ValidationException' },
    { label: 'ADD to a string under a failing condition: the condition first', before: { s: 'x' }, call: { update: { add: { s: 1 } }, condition: { s: { equals: 'y' } } }, expect: 'ConditionalCheckFailedException' },
    { label: 'set the key', before: { n: 1 }, call: { update: { set: { id: 'other' } } }, expect: 'ValidationException' },
    { label: 'add to the key', before: { n: 1 }, call: { update: { add: { id: 1 } } }, expect: 'ValidationException' },
    { label: 'remove the key', before: { n: 1 }, call: { update: { remove: ['id'] } }, expect: 'ValidationException' },
    { label: 'set and add one attribute', before: { n: 1 }, call: { update: { set: { n: 2 }, add: { n: 1 } } }, expect: 'ValidationException' },
    { label: 'set and remove one attribute', before: { n: 1 }, call: { update: { set: { n: 2 }, remove: ['n'] } }, expect: 'ValidationException' },
    { label: 'remove one attribute twice', before: { n: 1 }, call: { update: { remove: ['n', 'n'] } }, expect: 'ValidationException' },
    { label: 'a failing condition on a missing item creates nothing', call: { update: { add: { hits: 1 } }, condition: { id: { exists: true } } }, expect: 'ConditionalCheckFailedException' },
    { label: 'optimistic lock, current version', before: { version: 3 }, call: { update: { set: { body: 'b' }, add: { version: 1 } }, condition: { version: { equals: 3 } } }, expect: 'ok' },
    { label: 'optimistic lock, stale version', before: { version: 4 }, call: { update: { set: { body: 'b' }, add: { version: 1 } }, condition: { version: { equals: 3 } } }, expect: 'ConditionalCheckFailedException' },
    // DeleteItem
    { label: 'delete an item (ALL_OLD)', before: { n: 1 }, call: { delete: true }, expect: 'ok' },
    { label: 'delete a missing item', call: { delete: true }, expect: 'ok' },
    { label: 'delete a missing item that must exist', call: { delete: true, condition: { id: { exists: true } } }, expect: 'ConditionalCheckFailedException' },
    { label: 'delete under a condition that holds', before: { owner: 'a', until: 1000 }, call: { delete: true, condition: { owner: { equals: 'a' }, until: { lessThanOrEqual: 1000 } } }, expect: 'ok' },
    { label: 'delete under a condition that fails', before: { owner: 'a' }, call: { delete: true, condition: { owner: { equals: 'b' } } }, expect: 'ConditionalCheckFailedException' },
    // PutItem with a condition object
    { label: 'put over an item whose version matches', before: { version: 1 }, call: { put: { version: 2 }, condition: { version: { equals: 1 } } }, expect: 'ok' },
    { label: 'put over an item whose version does not', before: { version: 2 }, call: { put: { version: 2, stale: true }, condition: { version: { equals: 1 } } }, expect: 'ConditionalCheckFailedException' },
    { label: 'put only if absent, on a missing item', call: { put: { n: 1 }, condition: { id: { exists: false } } }, expect: 'ok' },
  ];

  it('conditional writes, updates and deletes: the lab\'s Table and DynamoDB (moto, through the runtime) agree case by case', async () => {
    const lab = new Table(new EngineContext(), { name: 'items', key: 'id' });
    type Outcome = { returned?: unknown; error?: string; after: unknown };
    const outcome = async (write: () => unknown, read: () => unknown): Promise<Outcome> => {
      try {
        const returned = await write();
        return { returned: returned ?? null, after: (await read()) ?? null };
      } catch (err) {
        return { error: (err as Error).name, after: (await read()) ?? null };
      }
    };
    const failures: string[] = [];
    let refused = 0;
    for (const [i, c] of CASES.entries()) {
      const id = `w-${i}`;
      if (c.before) {
        lab.put({ ...c.before, id });
        await rt.tablePut('items', { ...c.before, id });
      }
      const call = c.call;
      const onLab = await outcome(
        () => ('put' in call ? lab.put({ ...call.put, id }, call.condition ? { condition: call.condition } : {}) : 'update' in call ? lab.updateItem(id, call.update, { ...(call.condition ? { condition: call.condition } : {}) }) : lab.deleteItem(id, call.condition ? { condition: call.condition } : {})),
        () => lab.get(id),
      );
      const onAws = await outcome(
        () => ('put' in call ? rt.tablePut('items', { ...call.put, id }, { condition: call.condition }) : 'update' in call ? rt.tableUpdate('items', id, call.update, { condition: call.condition }) : rt.tableDelete('items', id, { condition: call.condition })),
        () => rt.tableGet('items', id),
      );
      const got = (o: Outcome): string => o.error ?? 'ok';
      if (!isDeepStrictEqual(onLab, onAws)) failures.push(`${c.label}: lab ${JSON.stringify(onLab)} vs moto ${JSON.stringify(onAws)}`);
      else if (got(onAws) !== c.expect) failures.push(`${c.label}: both ${got(onAws)}, DynamoDB documents ${c.expect}`);
      if (c.expect !== 'ok') refused++;
    }
    assert.deepEqual(failures, []);
    assert.ok(refused >= 20 && CASES.length - refused >= 30, 'the table has both kinds of case');
  });

  it('the Lambda entry gives the handler the lab\'s context and, from Kinesis, the lab\'s stream records', async () => {
    let got: { event: any; context: any } | undefined;
    const wrapped = rt.lambdaHandler(
      (event: unknown, context: unknown) => {
        got = { event, context };
        return { ok: true };
      },
      'kinesis',
    );
    const data = Buffer.from('{"n":1}').toString('base64');
    const result = await wrapped(
      {
        Records: [
          { eventID: 'shardId-000000000001:4959', eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks', kinesis: { partitionKey: 'u-1', sequenceNumber: '4959', data, approximateArrivalTimestamp: 1700000000.5 } },
          { eventID: 'shardId-000000000001:4960', eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks', kinesis: { partitionKey: 'serverless-lab:keyless:abc', sequenceNumber: '4960', data, approximateArrivalTimestamp: 1700000001 } },
        ],
      },
      { awsRequestId: 'req-1', functionName: 'reader', memoryLimitInMB: '256', getRemainingTimeInMillis: () => 1234 },
    );
    assert.deepEqual(result, { ok: true });
    assert.deepEqual(Object.keys(got!.event.records), ['clicks-1']);
    assert.deepEqual(got!.event.records['clicks-1'][0], { topic: 'clicks', partition: 1, offset: '4959', timestamp: 1700000000500, timestampType: 'CREATE_TIME', key: Buffer.from('u-1').toString('base64'), value: data, headers: [] });
    assert.deepEqual(got!.event.Records[0], { eventSource: 'aws:kinesis', eventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks', topic: 'clicks', partition: 1, offset: '4959', value: '{"n":1}', headers: {}, timestamp: 1700000000500, key: 'u-1' });
    assert.equal(got!.event.Records[1].key, undefined, 'a record produced without a key has none');
    assert.equal(got!.context.memoryLimitInMB, '256', "Lambda's context passes through: memory as text");
    assert.equal(got!.context.coldStart, true);
    assert.equal(got!.context.getRemainingTimeInMillis(), 1234);
    await wrapped({ Records: [] }, { awsRequestId: 'req-2', functionName: 'reader', memoryLimitInMB: '256', getRemainingTimeInMillis: () => 1 });
    assert.equal(got!.context.coldStart, false, 'the second invocation of an environment is warm');
    await assert.rejects(rt.send('nope', 'x'), (err: Error & { code?: string }) => err.name === 'QueueDoesNotExist' && /unknown queue "nope" \(known: orders, ledger\.fifo/.test(err.message));
  });
});
