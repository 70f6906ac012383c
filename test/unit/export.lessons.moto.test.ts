// Every lesson's reference solution, exported, run on moto_server and in the lab with the same
// inputs, and the effects compared.
//
// The inputs are the first requests of each of the lesson's traffic sources (payloads rendered from
// the scenario's templates with a fixed seed). The lab runs them in a Simulation of the lesson's
// scenario without its traffic and faults (and without injected duplicates), one input every 30 s
// of virtual time. On moto the exported stack's resources are created with the real SDK clients and
// the test plays Lambda's part: it invokes each function's generated entry (bundled from the export
// as `sam build` does) with AWS-shaped events made from what moto holds — SQS messages received,
// SNS deliveries and EventBridge events (through a helper queue subscribed or targeted like the
// function), Kinesis records read from the shards, HTTP API 2.0 requests — one input at a time,
// until nothing is left to deliver. Then tables, objects, messages left in queues nobody reads and
// the HTTP answers are compared, ids made neutral (AWS's message ids, request ids and sequence
// numbers are not the lab's counters, and times are real, not virtual).
//
// moto differs from AWS here: it runs no Lambda event source mappings itself (hence the test's
// poller) and enforces no IAM; it delivers SNS and EventBridge messages synchronously; it URL-encodes
// "/" in S3 event keys (see the S3 helper below).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand, type SubscribeCommandInput } from '@aws-sdk/client-sns';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SNSClient as SnsPublisher, PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { InProcessExecutor } from '../../src/engine/executor';
import { Random } from '../../src/engine/random';
import { normalizeScenario, type FunctionSpec, type Scenario, type TrafficSpecJson } from '../../src/engine/scenario';
import { Simulation } from '../../src/engine/simulation';
import { compileTemplate } from '../../src/engine/traffic';
import { VmExecutor } from '../../src/sandbox/vmExecutor';
import { exportProject } from '../../src/export/project';
import { entryFile, RESOURCES_ENV } from '../../src/export/template';
import { startMoto } from './export.tools';

type Runtime = typeof import('../../src/export/runtime/serverless-lab');
type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const root = join(__dirname, '..', '..');
/** Requests taken from each traffic source. */
const PER_TRAFFIC = 3;
const GAP_MS = 30_000;

/** One input: what a traffic source sends, rendered. */
interface Input {
  traffic: string;
  target: TrafficSpecJson['target'];
  payload: unknown;
  key?: string;
  groupId?: string;
  path?: string;
}

function toBody(payload: unknown): string {
  return typeof payload === 'string' ? payload : JSON.stringify(payload);
}

/** The first requests of every traffic source, interleaved source by source. */
function inputsOf(sc: Scenario): Input[] {
  const random = new Random(sc.seed ?? 1);
  const perSource = sc.traffic.map((t) => {
    const render = compileTemplate(t.payload ?? { seq: '{{seq}}', id: '{{id}}' }, 'payload');
    const tmpl = (v: string | undefined) => (v === undefined ? undefined : compileTemplate(v, 'target'));
    const key = tmpl(t.target.key);
    const group = tmpl(t.target.groupId);
    const path = tmpl(t.target.path);
    const out: Input[] = [];
    for (let seq = 1; seq <= PER_TRAFFIC; seq++) {
      const vars = { seq, id: `req-${t.name}-${seq}`, now: 0, random };
      out.push({ traffic: t.name, target: t.target, payload: render(vars), key: key ? String(key(vars)) : undefined, groupId: group ? String(group(vars)) : undefined, path: path ? String(path(vars)) : undefined });
    }
    return out;
  });
  const all: Input[] = [];
  for (let i = 0; i < PER_TRAFFIC; i++) for (const list of perSource) all.push(list[i]);
  return all;
}

/** The lesson's scenario as the test runs it: no traffic, no faults, no injected duplicates. */
function quiet(sc: Scenario): Scenario {
  return { ...sc, traffic: [], faults: [], queues: sc.queues.map(({ duplicateRate: _d, ...q }) => q) };
}

interface Effects {
  tables: Record<string, unknown[]>;
  objects: Record<string, Record<string, string>>;
  /** Messages left in queues no function reads (bodies). */
  queues: Record<string, string[]>;
  responses: Array<{ statusCode: number; body: string }>;
}

/** Ids and sequence numbers made neutral; arrays of records sorted. */
function neutral(value: unknown): unknown {
  const idLike = (s: string) =>
    /^(msg|req|evt|ev|env|inv|esm|sub)-[\w-]+$/.test(s) ||
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) || /^[0-9a-f]{32}$/.test(s) || /^\d{20,}$/.test(s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (idLike(v)) return '<id>';
      if (v.startsWith('{') || v.startsWith('[')) {
        try {
          return JSON.stringify(walk(JSON.parse(v)));
        } catch {
          return v;
        }
      }
      return v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}

const sorted = (list: unknown[]) => list.map((x) => JSON.stringify(neutral(x))).sort();

/** Fields that differ by design between the lab and AWS, per lesson, and why. */
const DIFFERENT_BY_DESIGN: Record<string, { fields: string[]; why: string }> = {
  streams: { fields: ['lastOffset'], why: 'a Kinesis sequence number is not a Kafka offset' },
  'load-leveling': { fields: ['batchId'], why: 'the batch id is the invocation\'s request id' },
};

function strip(items: unknown[], fields: string[]): unknown[] {
  return items.map((i) => (i !== null && typeof i === 'object' ? Object.fromEntries(Object.entries(i as Record<string, unknown>).filter(([k]) => !fields.includes(k))) : i));
}

// ------------------------------------------------------------------------------------------------
// The lab

function runInLab(sc: Scenario, handlersDir: string, inputs: Input[]): Effects {
  const sim = new Simulation(quiet(sc), { executor: new VmExecutor({ rootDir: handlersDir }) });
  const responses: Effects['responses'] = [];
  sim.start();
  inputs.forEach((input, i) => {
    sim.run(i * GAP_MS + 1);
    const t = input.target;
    const id = `req-${input.traffic}-${i}`;
    const body = toBody(input.payload);
    if (t.queue !== undefined) sim.queues.get(t.queue)!.send(body, { ...(t.attributes ? { attributes: t.attributes } : {}), ...(input.groupId !== undefined ? { groupId: input.groupId, deduplicationId: id } : {}) });
    else if (t.topic !== undefined) sim.topics.get(t.topic)!.publish(body, { ...(t.attributes ? { attributes: t.attributes } : {}), ...(input.groupId !== undefined ? { groupId: input.groupId } : {}) });
    else if (t.stream !== undefined) sim.streams.get(t.stream)!.produce(body, input.key !== undefined ? { key: input.key } : {});
    else if (t.bus !== undefined) sim.buses.get(t.bus)!.putEvents([{ source: t.source!, detailType: t.detailType!, detail: input.payload as object }]);
    else if (t.function !== undefined) sim.platform.invokeAsync(t.function, input.payload, id);
    else if (t.bucket !== undefined) sim.buckets.get(t.bucket)!.put(input.key ?? `uploads/${id}.json`, body, { contentType: 'application/json' });
    else if (t.gateway !== undefined) {
      const method = t.method ?? 'POST';
      const noBody = method === 'GET' || method === 'HEAD';
      // A route answered by the simulated legacy system is not exported: its answers are not compared.
      const served = matchRoute(sc, t.gateway, method, input.path!)?.function !== undefined;
      sim.gateways.get(t.gateway)!.request({ method, path: input.path!, headers: { 'content-type': 'application/json' }, ...(noBody ? {} : { body }) }, (res) => {
        if (served) responses.push({ statusCode: res.statusCode, body: res.body ?? '' });
      });
    }
  });
  sim.run(inputs.length * GAP_MS + 10 * GAP_MS);
  const read = new Set(sc.functions.flatMap((f) => (f.events ?? []).map((e) => ('queue' in e ? e.queue : undefined)).filter(Boolean)));
  return {
    tables: Object.fromEntries(sc.tables.map((t) => [t.name, sim.tables.get(t.name)!.scan()])),
    objects: Object.fromEntries(sc.buckets.map((b) => [b.name, Object.fromEntries(sim.buckets.get(b.name)!.list().map((o) => [o.key, sim.buckets.get(b.name)!.get(o.key)!.body]))])),
    queues: Object.fromEntries(sc.queues.filter((q) => !read.has(q.name)).map((q) => [q.name, sim.queues.get(q.name)!.messages().map((m) => m.body)])),
    responses,
  };
}

// ------------------------------------------------------------------------------------------------
// AWS (moto), with the test as Lambda's event source mappings

describe('export: every lesson\'s reference solution on moto_server, against the lab', function () {
  this.timeout(600_000);
  let moto: { endpoint: string; stop: () => void } | undefined;
  const saved = { ...process.env };

  before(async function () {
    // Until the lessons are on the awaited handler API (issue 11: every call returns a promise, the
    // lab has tableUpdate), their reference solutions read results synchronously and cannot run on
    // the runtime module, whose calls are promises by nature.
    const lab = new Simulation(normalizeScenario({ name: 'probe' }), { executor: new InProcessExecutor() }).lab as unknown as Record<string, unknown>;
    if (typeof lab.tableUpdate !== 'function') this.skip();
    moto = await startMoto();
  });
  after(() => {
    moto?.stop();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  // Lessons on RabbitMQ, Pub/Sub or Kinesis streams of their own are refused by the export (tested in systems.test.ts).
  const exportable = (d: string): boolean => {
    const sc = JSON.parse(readFileSync(join(root, 'lessons', d, 'scenario.json'), 'utf8')) as Record<string, unknown>;
    return sc.rabbitmq === undefined && sc.pubsub === undefined && sc.kinesisStreams === undefined;
  };
  const lessons = readdirSync(join(root, 'lessons')).filter((d) => existsSync(join(root, 'lessons', d, 'scenario.json')) && exportable(d)).sort();
  for (const dir of lessons) {
    it(`lesson ${dir}: the same effects on AWS as in the lab`, async () => {
      const lessonDir = join(root, 'lessons', dir);
      const sc = JSON.parse(readFileSync(join(lessonDir, 'scenario.json'), 'utf8')) as Scenario;
      const scenario = normalizeScenario(sc as unknown as Record<string, unknown>);
      const inputs = inputsOf(scenario);
      const lab = runInLab(scenario, join(lessonDir, 'solution'), inputs);
      const aws = await runOnMoto(moto!.endpoint, scenario, join(lessonDir, 'solution'), inputs, dir);
      const lessonId = (JSON.parse(readFileSync(join(lessonDir, 'lesson.json'), 'utf8')) as { id: string }).id;
      const ignore = DIFFERENT_BY_DESIGN[lessonId]?.fields ?? [];
      for (const t of scenario.tables) assert.deepEqual(sorted(strip(aws.tables[t.name], ignore)), sorted(strip(lab.tables[t.name], ignore)), `table ${t.name}`);
      for (const b of scenario.buckets) assert.deepEqual(neutral(aws.objects[b.name]), neutral(lab.objects[b.name]), `bucket ${b.name}`);
      for (const q of Object.keys(lab.queues)) assert.deepEqual(sorted(aws.queues[q]), sorted(lab.queues[q]), `queue ${q}`);
      assert.deepEqual(sorted(aws.responses), sorted(lab.responses), 'HTTP answers');
      const effects = (e: Effects) => Object.values(e.tables).flat().length + Object.values(e.objects).flatMap((o) => Object.keys(o)).length + Object.values(e.queues).flat().length + e.responses.length;
      assert.ok(effects(lab) > 0 && effects(aws) === effects(lab), `the inputs had effects (${effects(lab)} in the lab, ${effects(aws)} on AWS)`);
    });
  }
});

async function runOnMoto(endpoint: string, sc: Scenario, solutionDir: string, inputs: Input[], label: string): Promise<Effects> {
  const prefix = `l${label.slice(0, 2)}-${randomUUID().slice(0, 6)}`;
  const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const http1 = { requestHandler: new NodeHttpHandler() };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const kinesis = new KinesisClient({ ...config, ...http1 });
  const events = new EventBridgeClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const dynamo = new DynamoDBClient(config);
  const name = (n: string) => `${prefix}-${n}`;

  // ── the resources ──
  const urls: Record<string, string> = {};
  const arns: Record<string, string> = {};
  const queueArn = async (url: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const makeQueue = async (n: string, attrs: Record<string, string>) => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: n, Attributes: attrs }))).QueueUrl!;
    return { url, arn: await queueArn(url) };
  };
  for (const q of sc.queues.filter((q) => !q.deadLetter).concat(sc.queues.filter((q) => q.deadLetter))) {
    const attrs: Record<string, string> = {};
    if (q.fifo) attrs.FifoQueue = 'true';
    if (q.contentBasedDeduplication) attrs.ContentBasedDeduplication = 'true';
    if (q.deadLetter) attrs.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arns[q.deadLetter.queue], maxReceiveCount: q.deadLetter.maxReceiveCount });
    const made = await makeQueue(name(q.name), attrs);
    urls[q.name] = made.url;
    arns[q.name] = made.arn;
  }
  const topicArns: Record<string, string> = {};
  /** Helper queues standing in for functions' SNS subscriptions, bus rules and S3 notifications. */
  const helpers: Array<{ fn: string; kind: 'sns' | 'bus' | 's3'; url: string }> = [];
  for (const t of sc.topics) {
    topicArns[t.name] = (await sns.send(new CreateTopicCommand({ Name: name(t.name), Attributes: t.fifo ? { FifoTopic: 'true' } : {} }))).TopicArn!;
    for (const s of t.subscriptions ?? []) {
      let endpointArn: string;
      if (s.queue !== undefined) endpointArn = arns[s.queue];
      else {
        const h = await makeQueue(name(`sns-${s.function}-${helpers.length}`), {});
        helpers.push({ fn: s.function!, kind: 'sns', url: h.url });
        endpointArn = h.arn;
      }
      const attributes: SubscribeCommandInput['Attributes'] = {};
      if (s.queue !== undefined && s.rawDelivery) attributes.RawMessageDelivery = 'true';
      if (s.filterPolicy) {
        attributes.FilterPolicy = JSON.stringify(s.filterPolicy);
        attributes.FilterPolicyScope = s.filterPolicyScope ?? 'MessageAttributes';
      }
      await sns.send(new SubscribeCommand({ TopicArn: topicArns[t.name], Protocol: 'sqs', Endpoint: endpointArn, Attributes: attributes }));
    }
  }
  for (const s of sc.streams) await kinesis.send(new CreateStreamCommand({ StreamName: name(s.name), ShardCount: s.partitions ?? 1 }));
  for (const b of sc.buses) {
    await events.send(new CreateEventBusCommand({ Name: name(b.name) }));
    for (const r of b.rules ?? []) {
      // moto does not fire schedules, and a scheduled rule's firings are not traffic this replay
      // sends: a rule with only a schedule is left out (its effects are the lab's alone to show).
      if (r.pattern === undefined) continue;
      await events.send(new PutRuleCommand({ Name: name(r.name), EventBusName: name(b.name), EventPattern: JSON.stringify(r.pattern) }));
      const targets = [];
      for (const [k, t] of (r.targets ?? []).entries()) {
        if (t.queue !== undefined) targets.push({ Id: `t${k}`, Arn: arns[t.queue], ...(t.messageGroupId ? { SqsParameters: { MessageGroupId: t.messageGroupId } } : {}) });
        else {
          const h = await makeQueue(name(`bus-${t.function}-${helpers.length}`), {});
          helpers.push({ fn: t.function!, kind: 'bus', url: h.url });
          targets.push({ Id: `t${k}`, Arn: h.arn });
        }
      }
      await events.send(new PutTargetsCommand({ Rule: name(r.name), EventBusName: name(b.name), Targets: targets }));
    }
  }
  const bucketNames: Record<string, string> = {};
  for (const b of sc.buckets) {
    bucketNames[b.name] = name(b.name).toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucketNames[b.name] }));
    const queueConfigs = [];
    for (const n of b.notifications ?? []) {
      const rules = [...(n.prefix ? [{ Name: 'prefix' as const, Value: n.prefix }] : []), ...(n.suffix ? [{ Name: 'suffix' as const, Value: n.suffix }] : [])];
      let arn: string;
      if (n.queue !== undefined) arn = arns[n.queue];
      else {
        const h = await makeQueue(name(`s3-${n.function}-${helpers.length}`), {});
        helpers.push({ fn: n.function!, kind: 's3', url: h.url });
        arn = h.arn;
      }
      queueConfigs.push({ QueueArn: arn, Events: ['s3:ObjectCreated:*' as const], ...(rules.length ? { Filter: { Key: { FilterRules: rules } } } : {}) });
    }
    if (queueConfigs.length) await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucketNames[b.name], NotificationConfiguration: { QueueConfigurations: queueConfigs } }));
  }
  for (const t of sc.tables) {
    await dynamo.send(new CreateTableCommand({ TableName: name(t.name), AttributeDefinitions: [{ AttributeName: t.key, AttributeType: 'S' }], KeySchema: [{ AttributeName: t.key, KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
  }

  // ── the exported functions, bundled from the export as sam build does, on one shared runtime module ──
  const work = mkdtempSync(join(tmpdir(), 'slab-lesson-moto-'));
  const out = join(work, 'app');
  exportProject({ scenario: sc, baseDir: solutionDir, label: `lesson ${label}` }, out);
  const esbuild = await import('esbuild');
  const nodePaths = [join(root, 'node_modules')];
  const runtimeBundle = join(out, 'runtime.bundle.js');
  await esbuild.build({ entryPoints: [join(out, 'src', 'serverless-lab', 'index.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: runtimeBundle, logLevel: 'silent', nodePaths });
  const sharedRuntime = { name: 'shared-runtime', setup: (b: import('esbuild').PluginBuild) => b.onResolve({ filter: /^serverless-lab$/ }, () => ({ path: runtimeBundle, external: true })) };
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env[RESOURCES_ENV] = JSON.stringify({
    queues: Object.fromEntries(sc.queues.map((q) => [q.name, { url: urls[q.name], ...(q.fifo ? { fifo: true } : {}) }])),
    topics: Object.fromEntries(sc.topics.map((t) => [t.name, { arn: topicArns[t.name], ...(t.fifo ? { fifo: true } : {}) }])),
    streams: Object.fromEntries(sc.streams.map((s) => [s.name, { name: name(s.name) }])),
    buses: Object.fromEntries(sc.buses.map((b) => [b.name, { name: name(b.name) }])),
    buckets: Object.fromEntries(sc.buckets.map((b) => [b.name, { name: bucketNames[b.name] }])),
    tables: Object.fromEntries(sc.tables.map((t) => [t.name, { name: name(t.name), key: t.key }])),
  });
  delete require.cache[runtimeBundle];
  const rt = require(runtimeBundle) as Runtime;
  rt.configureClients({ kinesis: http1 });
  // Each module is loaded at its function's first invocation, as Lambda's cold start runs the init
  // phase then (a module's top level may read what earlier inputs wrote).
  const bundles = new Map<string, string>();
  for (const f of sc.functions) {
    const outfile = join(out, `${f.name}.bundle.js`);
    await esbuild.build({ entryPoints: [join(out, 'src', entryFile(f.name))], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'silent', nodePaths, plugins: [sharedRuntime] });
    bundles.set(f.name, outfile);
  }
  const loaded = new Map<string, Handler>();
  const handlers = {
    get(name: string): Handler {
      let h = loaded.get(name);
      if (!h) loaded.set(name, (h = (require(bundles.get(name)!) as { handler: Handler }).handler));
      return h;
    },
  };
  const invoke = async (f: FunctionSpec, event: unknown): Promise<{ ok: boolean; result?: unknown }> => {
    const started = Date.now();
    const context = { awsRequestId: randomUUID(), functionName: f.name, memoryLimitInMB: String(f.memoryMb ?? 128), getRemainingTimeInMillis: () => (f.timeoutS ?? 3) * 1000 - (Date.now() - started) };
    try {
      return { ok: true, result: await handlers.get(f.name)!(event, context) };
    } catch {
      return { ok: false };
    }
  };

  // ── Lambda's part: poll every source once; true when something was delivered ──
  const sqsRecord = (m: Message, arn: string) => ({
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body!,
    attributes: m.Attributes ?? {},
    messageAttributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, stringListValues: [], binaryListValues: [], dataType: v.DataType }])),
    md5OfBody: m.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: 'us-east-1',
  });
  const receive = async (url: string, max: number) =>
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: Math.min(10, max), AttributeNames: ['All'], MessageAttributeNames: ['All'], VisibilityTimeout: 60 }))).Messages ?? [];
  const iterators = new Map<string, string>();
  const tries = new Map<string, number>();
  const pollOnce = async (): Promise<boolean> => {
    let did = false;
    for (const f of sc.functions) {
      for (const e of f.events ?? []) {
        if ('queue' in e && e.queue !== undefined) {
          const messages = await receive(urls[e.queue], e.batchSize ?? 10);
          if (!messages.length) continue;
          did = true;
          const r = await invoke(f, { Records: messages.map((m) => sqsRecord(m, arns[e.queue!])) });
          const failed = new Set<string>();
          if (!r.ok) for (const m of messages) failed.add(m.MessageId!);
          else if (e.reportBatchItemFailures) for (const x of (r.result as { batchItemFailures?: Array<{ itemIdentifier: string }> } | undefined)?.batchItemFailures ?? []) failed.add(x.itemIdentifier);
          for (const m of messages) {
            if (!failed.has(m.MessageId!)) await sqs.send(new DeleteMessageCommand({ QueueUrl: urls[e.queue], ReceiptHandle: m.ReceiptHandle! }));
            else if ((tries.get(m.MessageId!) ?? 0) < 10) {
              tries.set(m.MessageId!, (tries.get(m.MessageId!) ?? 0) + 1);
              await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: urls[e.queue], ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
            }
          }
        } else if ('stream' in e) {
          const stream = name(e.stream);
          for (const shard of (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
            const k = `${f.name}/${shard.ShardId}`;
            let it = iterators.get(k);
            if (!it) it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
            const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: e.batchSize ?? 100 }));
            const records = got.Records ?? [];
            if (records.length) {
              did = true;
              const arn = `arn:aws:kinesis:us-east-1:123456789012:stream/${stream}`;
              await invoke(f, {
                Records: records.map((r) => ({
                  kinesis: { kinesisSchemaVersion: '1.0', partitionKey: r.PartitionKey!, sequenceNumber: r.SequenceNumber!, data: Buffer.from(r.Data!).toString('base64'), approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000 },
                  eventSource: 'aws:kinesis',
                  eventVersion: '1.0',
                  eventID: `${shard.ShardId}:${r.SequenceNumber}`,
                  eventName: 'aws:kinesis:record',
                  awsRegion: 'us-east-1',
                  eventSourceARN: arn,
                })),
              });
            }
            iterators.set(k, got.NextShardIterator!);
          }
        }
      }
    }
    for (const h of helpers) {
      const f = sc.functions.find((fn) => fn.name === h.fn)!;
      for (const m of await receive(h.url, 1)) {
        did = true;
        const body = JSON.parse(m.Body!) as Record<string, any>;
        let event: unknown = body;
        if (h.kind === 'sns') {
          event = {
            Records: [
              {
                EventSource: 'aws:sns',
                EventVersion: '1.0',
                EventSubscriptionArn: `${body.TopicArn}:${randomUUID()}`,
                Sns: { Type: body.Type, MessageId: body.MessageId, TopicArn: body.TopicArn, Subject: body.Subject ?? null, Message: body.Message, Timestamp: body.Timestamp, SignatureVersion: body.SignatureVersion, Signature: body.Signature, SigningCertUrl: body.SigningCertURL, UnsubscribeUrl: body.UnsubscribeURL, MessageAttributes: body.MessageAttributes ?? {} },
              },
            ],
          };
        }
        if (h.kind === 's3') {
          // moto differs from AWS here: it URL-encodes "/" in the event's object key (photos%2F1.jpg);
          // S3 encodes the key too but keeps "/" (and writes a space as "+"). The event is given the
          // key as S3 writes it.
          for (const r of (body.Records ?? []) as Array<{ s3: { object: { key: string } } }>) {
            r.s3.object.key = encodeURIComponent(decodeURIComponent(r.s3.object.key)).replace(/%2F/g, '/').replace(/%20/g, '+');
          }
        }
        if (!(h.kind === 's3' && body.Event === 's3:TestEvent')) await invoke(f, event);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: h.url, ReceiptHandle: m.ReceiptHandle! }));
      }
    }
    return did;
  };
  const drain = async () => {
    for (let round = 0; round < 500 && (await pollOnce()); round++);
  };
  await drain();

  // ── the inputs, one at a time ──
  const responses: Effects['responses'] = [];
  for (const [i, input] of inputs.entries()) {
    const t = input.target;
    const body = toBody(input.payload);
    const attrs = t.attributes ? Object.fromEntries(Object.entries(t.attributes).map(([k, v]) => [k, { DataType: typeof v === 'number' ? 'Number' : 'String', StringValue: String(v) }])) : undefined;
    if (t.queue !== undefined) await sqs.send(new SendMessageCommand({ QueueUrl: urls[t.queue], MessageBody: body, MessageAttributes: attrs, ...(input.groupId !== undefined ? { MessageGroupId: input.groupId, MessageDeduplicationId: `in-${i}` } : {}) }));
    else if (t.topic !== undefined) await new SnsPublisher(config).send(new PublishCommand({ TopicArn: topicArns[t.topic], Message: body, MessageAttributes: attrs, ...(input.groupId !== undefined ? { MessageGroupId: input.groupId, MessageDeduplicationId: `in-${i}` } : {}) }));
    else if (t.stream !== undefined) await kinesis.send(new PutRecordCommand({ StreamName: name(t.stream), Data: Buffer.from(body), PartitionKey: input.key ?? randomUUID() }));
    else if (t.bus !== undefined) await events.send(new PutEventsCommand({ Entries: [{ EventBusName: name(t.bus), Source: t.source, DetailType: t.detailType, Detail: body }] }));
    else if (t.bucket !== undefined) await s3.send(new PutObjectCommand({ Bucket: bucketNames[t.bucket], Key: input.key ?? `uploads/in-${i}.json`, Body: body, ContentType: 'application/json' }));
    else if (t.function !== undefined) await invoke(sc.functions.find((f) => f.name === t.function)!, input.payload);
    else if (t.gateway !== undefined) {
      const route = matchRoute(sc, t.gateway, t.method ?? 'POST', input.path!);
      if (route?.function !== undefined) {
        const method = t.method ?? 'POST';
        const noBody = method === 'GET' || method === 'HEAD';
        const r = await invoke(sc.functions.find((f) => f.name === route.function)!, {
          version: '2.0',
          routeKey: `${route.method ?? 'ANY'} ${route.path}`,
          rawPath: input.path!,
          rawQueryString: '',
          headers: { 'content-type': 'application/json' },
          requestContext: { accountId: '123456789012', apiId: 'api', domainName: 'api.example.com', domainPrefix: 'api', http: { method, path: input.path!, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: randomUUID(), routeKey: `${route.method ?? 'ANY'} ${route.path}`, stage: '$default', time: '', timeEpoch: Date.now() },
          ...(Object.keys(route.params).length ? { pathParameters: route.params } : {}),
          ...(noBody ? {} : { body }),
          isBase64Encoded: false,
        });
        const res = r.ok ? r.result : undefined;
        if (!r.ok) responses.push({ statusCode: 502, body: '{"message":"Internal Server Error"}' });
        else if (res !== null && typeof res === 'object' && typeof (res as { statusCode?: unknown }).statusCode === 'number') {
          const x = res as { statusCode: number; body?: unknown };
          responses.push({ statusCode: x.statusCode, body: x.body === undefined ? '' : typeof x.body === 'string' ? x.body : JSON.stringify(x.body) });
        } else responses.push({ statusCode: 200, body: res === undefined ? '' : JSON.stringify(res) });
      }
    }
    await drain();
  }

  // ── what the stack holds ──
  const tables: Effects['tables'] = {};
  for (const t of sc.tables) tables[t.name] = ((await dynamo.send(new ScanCommand({ TableName: name(t.name) }))).Items ?? []).map((i) => rt.fromAttributes(i));
  const objects: Effects['objects'] = {};
  for (const b of sc.buckets) {
    objects[b.name] = {};
    for (const o of (await s3.send(new ListObjectsV2Command({ Bucket: bucketNames[b.name] }))).Contents ?? []) {
      objects[b.name][o.Key!] = await (await s3.send(new GetObjectCommand({ Bucket: bucketNames[b.name], Key: o.Key! }))).Body!.transformToString();
    }
  }
  const read = new Set(sc.functions.flatMap((f) => (f.events ?? []).map((e) => ('queue' in e ? e.queue : undefined)).filter(Boolean)));
  const queues: Effects['queues'] = {};
  for (const q of sc.queues.filter((q) => !read.has(q.name))) {
    queues[q.name] = [];
    for (let got = await receive(urls[q.name], 10); got.length; got = await receive(urls[q.name], 10)) queues[q.name].push(...got.map((m) => m.Body!));
  }
  return { tables, objects, queues, responses };
}

/** The route an HTTP API would pick: exact paths first, then parameters, then greedy paths. */
function matchRoute(sc: Scenario, gateway: string, method: string, path: string): { function?: string; method?: string; path: string; params: Record<string, string> } | undefined {
  const g = sc.gateways.find((x) => x.name === gateway)!;
  const parts = path.split('/').filter(Boolean);
  let best: { score: number; route: (typeof g.routes & object)[number]; params: Record<string, string> } | undefined;
  for (const r of g.routes ?? []) {
    if (r.method && r.method !== 'ANY' && r.method !== method) continue;
    const segs = r.path.split('/').filter(Boolean);
    const params: Record<string, string> = {};
    let score = r.method && r.method !== 'ANY' ? 1 : 0;
    let ok = true;
    for (let i = 0; i < segs.length && ok; i++) {
      const s = segs[i];
      if (/^\{.+\+\}$/.test(s)) {
        params[s.slice(1, -2)] = parts.slice(i).join('/');
        ok = parts.length > i;
        score -= 1000;
        break;
      }
      if (i >= parts.length) ok = false;
      else if (/^\{.+\}$/.test(s)) params[s.slice(1, -1)] = parts[i];
      else if (s === parts[i]) score += 10;
      else ok = false;
    }
    if (ok && !r.path.includes('+}') && segs.length !== parts.length) ok = false;
    if (ok && (!best || score > best.score)) best = { score, route: r, params };
  }
  return best ? { function: best.route.function, method: best.route.method, path: best.route.path, params: best.params } : undefined;
}
