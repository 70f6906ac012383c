// The exporter without AWS tools: refusals name the setting and write nothing, every schema field
// has a disposition, lab-only settings are listed, the template carries each mapped setting.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { scenarioSchema, type SchemaNode } from '../../src/engine/scenario';
import { ExportError, exportProject, planExport } from '../../src/export/project';
import { playgroundScenario } from '../../src/export/playground';
import { SETTINGS } from '../../src/export/settings';
import { RESOURCES_ENV, buildTemplate } from '../../src/export/template';
import { RESOURCES_ENV as RUNTIME_ENV } from '../../src/export/runtime/serverless-lab';
import { toYaml } from '../../src/export/yaml';

const root = join(__dirname, '..', '..');

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'slab-export-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const HANDLER = "import { send } from 'serverless-lab';\nexport async function handler(event) { await send('out', event); }\n";

/** The problems an export of `scenario` is refused with (fails when it is accepted). */
function refusal(scenario: unknown, files: Record<string, string> = { 'h.js': HANDLER }): Array<{ path: string; message: string }> {
  const dir = dirWith(files);
  const out = join(dir, 'out');
  try {
    exportProject({ scenario, baseDir: dir, label: 'test' }, out);
  } catch (err) {
    assert.ok(err instanceof ExportError, String(err));
    assert.equal(existsSync(out), false, 'nothing is written');
    return err.problems;
  }
  assert.fail('the export was accepted');
}

function paths(problems: Array<{ path: string }>): string[] {
  return problems.map((p) => p.path).sort();
}

describe('export: AWS rules', () => {
  it('refuses what AWS would refuse, naming every setting, and writes nothing', () => {
    const problems = refusal({
      name: 'bad',
      queues: [{ name: 'in', visibilityTimeoutS: 10 }, { name: 'out' }, { name: 'l.fifo', fifo: true }, { name: 'd.fifo', fifo: true }],
      topics: [{ name: 't.fifo', fifo: true, subscriptions: [{ function: 'f' }] }, { name: 'plain', subscriptions: [{ function: 'f', rawDelivery: true, deadLetterQueue: 'd.fifo' }] }],
      streams: [{ name: 's', retentionHours: 9000 }],
      buses: [{ name: 'b', rules: [{ name: 'r', pattern: { source: ['x'] }, targets: [{ queue: 'out', deadLetterQueue: 'd.fifo', maxEventAgeS: 90.5 }] }] }],
      functions: [
        { name: 'f', handler: 'h.js', timeoutS: 45, async: { onFailure: { queue: 'l.fifo' } }, events: [{ queue: 'in' }, { queue: 'l.fifo' }] },
        { name: 'g', handler: 'h.js', timeoutS: 2.5, events: [{ stream: 's', onFailure: { queue: 'd.fifo' } }] },
      ],
      gateways: [],
    });
    assert.deepEqual(paths(problems), [
      'buses[0].rules[0].targets[0].deadLetterQueue',
      'buses[0].rules[0].targets[0].maxEventAgeS',
      'functions[0].async.onFailure.queue',
      'functions[1].events[0].onFailure.queue',
      'functions[1].timeoutS',
      'queues[0].visibilityTimeoutS',
      'queues[2].visibilityTimeoutS',
      'streams[0].retentionHours',
      'topics[0].subscriptions[0].function',
      'topics[1].subscriptions[0].deadLetterQueue',
      'topics[1].subscriptions[0].rawDelivery',
    ]);
    const visibility = problems.find((p) => p.path === 'queues[0].visibilityTimeoutS')!;
    assert.match(visibility.message, /10 s, less than the 45 s timeout of "f"/);
    // The default visibility timeout (30 s) counts too.
    assert.match(problems.find((p) => p.path === 'queues[2].visibilityTimeoutS')!.message, /30 s \(the default\)/);
  });

  it('refuses what the lab itself refuses (batch size above 10 without a window, MaximumConcurrency below 2, FIFO DLQ)', () => {
    const problems = refusal({
      name: 'bad',
      queues: [{ name: 'a' }, { name: 'b.fifo', fifo: true, deadLetter: { queue: 'a', maxReceiveCount: 3 } }, { name: 'c.fifo', fifo: true }],
      functions: [{ name: 'f', handler: 'h.js', events: [{ queue: 'a', batchSize: 50 }, { queue: 'a', maxConcurrency: 1 }, { queue: 'c.fifo', batchingWindowS: 5 }] }],
    });
    assert.deepEqual(paths(problems), ['functions[0].events[0].batchingWindowS', 'functions[0].events[1].maxConcurrency', 'functions[0].events[2].batchingWindowS', 'queues[1].deadLetter.queue']);
  });

  it('refuses handler files that are missing, do not compile or lack the export', () => {
    const problems = refusal(
      {
        name: 'files',
        functions: [
          { name: 'a', handler: 'missing.ts' },
          { name: 'b', handler: 'broken.ts' },
          { name: 'c', handler: 'h.js#other' },
        ],
      },
      { 'h.js': HANDLER, 'broken.ts': 'export const handler = (;\n' },
    );
    assert.deepEqual(paths(problems), ['functions[0].handler', 'functions[1].handler', 'functions[2].handler']);
    assert.match(problems[0].message, /no such file/);
    assert.match(problems[1].message, /does not compile: .*broken\.ts:1:/);
    assert.match(problems[2].message, /no export "other" \(exports: handler\)/);
  });

  it('refuses an output folder that is not empty, unless forced', () => {
    const dir = dirWith({ 'h.js': HANDLER, 'keep.txt': 'mine' });
    const scenario = { name: 'ok', queues: [{ name: 'out' }], functions: [{ name: 'f', handler: 'h.js' }] };
    assert.throws(() => exportProject({ scenario, baseDir: dir, label: 't' }, dir), (e: unknown) => e instanceof ExportError && e.problems[0].path === '--out');
    assert.equal(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'mine');
    const r = exportProject({ scenario, baseDir: dir, label: 't' }, dir, { force: true });
    assert.ok(r.files.includes('template.yaml'));
    assert.equal(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'mine', 'files the export does not write stay');
  });
});

describe('export: environment variables', () => {
  it("refuses a variable named as the exported application's own, naming it; any other goes through", () => {
    const problems = refusal({ name: 'env', functions: [{ name: 'f', handler: 'h.js', environment: { [RESOURCES_ENV]: '{}', TABLE_NAME: 't' } }] });
    assert.deepEqual(paths(problems), [`functions[0].environment.${RESOURCES_ENV}`]);
    assert.match(problems[0].message, /the exported application's own variable/);
  });

  it("refuses a function's variables that, beside the stack's names every function gets, pass Lambda's 4 KB", () => {
    const queues = Array.from({ length: 12 }, (_, i) => ({ name: `orders-queue-${i}` }));
    // 3,900 bytes alone (the lab accepts it); with the names of 12 queues it cannot fit.
    const big = { CONFIG: 'x'.repeat(3886) };
    const problems = refusal({ name: 'env', queues, functions: [{ name: 'f', handler: 'h.js', environment: big }] });
    assert.deepEqual(paths(problems), ['functions[0].environment']);
    assert.match(problems[0].message, /is 3899 bytes as JSON, but deployed beside the stack's names .* at least \d+ bytes, more than Lambda's limit of 4 KB/);
    // The same variables with no resources to name fit, and are exported.
    const dir = dirWith({ 'h.js': "export const handler = async () => 'ok';\n" });
    const r = exportProject({ scenario: { name: 'env', functions: [{ name: 'f', handler: 'h.js', environment: big }] }, baseDir: dir, label: 'test' }, join(dir, 'out'));
    assert.ok(r.files.includes('template.yaml'));
  });

  it('a reserved name is refused by the scenario check before the export writes anything', () => {
    const problems = refusal({ name: 'env', functions: [{ name: 'f', handler: 'h.js', environment: { AWS_REGION: 'eu-west-1' } }] });
    assert.deepEqual(paths(problems), ['functions[0].environment.AWS_REGION']);
  });
});

describe('export: settings', () => {
  it('every field of the scenario schema is either exported or listed as lab-only', () => {
    const missing: string[] = [];
    const defs = scenarioSchema.definitions ?? {};
    const resolve = (n: SchemaNode): SchemaNode => (n.$ref ? resolve(defs[n.$ref.replace('#/definitions/', '')]) : n);
    const walk = (node: SchemaNode, path: string, depth: number): void => {
      const n = resolve(node);
      for (const branch of [...(n.oneOf ?? []), ...(n.then ? [n.then] : []), ...(n.else ? [n.else] : [])]) walk(branch, path, depth);
      for (const [key, sub] of Object.entries(n.properties ?? {})) {
        const p = path ? `${path}.${key}` : key;
        if (!(p in SETTINGS) && !/\.(pattern|filterPolicy)$/.test(p)) missing.push(p);
        const d = SETTINGS[p];
        if (d && 'lab' in d) continue; // a lab-only field is listed whole
        if (depth < 6 && !/(pattern|filterPolicy)$/.test(p)) walk(sub, p, depth + 1);
      }
      if (n.items) walk(n.items, `${path}[]`, depth + 1);
    };
    walk(scenarioSchema, '', 0);
    assert.deepEqual([...new Set(missing)], []);
  });

  it('LAB-ONLY.md lists every lab-only setting present, with its path and value', () => {
    const dir = dirWith({ 'h.js': HANDLER });
    const scenario = {
      name: 'lab-only',
      seed: 4,
      durationS: 60,
      queues: [{ name: 'out', duplicateRate: 0.1 }],
      streams: [{ name: 'log', cleanupPolicy: 'compact' }],
      functions: [{ name: 'f', handler: 'h.js', durationMs: 80, initMs: 300, idleTimeoutS: 60, runtime: 'python' }],
      tables: [{ name: 'things', key: 'id', writeCapacityPerSecond: 5, rejectOverload: true }],
      traffic: [{ name: 'load', target: { function: 'f' }, ratePerSecond: 2 }],
      faults: [{ kind: 'crash', target: 'f', atS: 3 }],
    };
    const r = exportProject({ scenario, baseDir: dir, label: 't' }, join(dir, 'out'));
    assert.deepEqual(r.labOnly, [
      'seed',
      'durationS',
      'queues[0].duplicateRate',
      'streams[0].cleanupPolicy',
      'functions[0].durationMs',
      'functions[0].initMs',
      'functions[0].idleTimeoutS',
      'functions[0].runtime',
      'tables[0].rejectOverload',
      'traffic[0]',
      'faults[0]',
    ]);
    const md = readFileSync(join(dir, 'out', 'LAB-ONLY.md'), 'utf8');
    for (const p of r.labOnly) assert.ok(md.includes(`| \`${p}\` |`), p);
    assert.match(md, /\| `functions\[0\]\.durationMs` \| `80` \|/);
    assert.match(md, /\| `faults\[0\]` \| `\{"kind":"crash","target":"f","atS":3\}` \|/);
  });
});

describe('export: template', () => {
  const scenario = planExport({
    scenario: {
      name: 'all-kinds',
      queues: [
        { name: 'jobs', visibilityTimeoutS: 60, retentionS: 3600, delayS: 2, receiveWaitS: 5, maxMessageBytes: 2048, deadLetter: { queue: 'jobs-dlq', maxReceiveCount: 4 } },
        { name: 'jobs-dlq' },
        { name: 'ledger.fifo', fifo: true, contentBasedDeduplication: true },
        { name: 'failures' },
      ],
      topics: [{ name: 'news', subscriptions: [{ queue: 'jobs', rawDelivery: true, filterPolicy: { kind: ['a'] }, filterPolicyScope: 'MessageBody' }, { function: 'worker', filterPolicy: { n: [{ numeric: ['>', 1] }] } }] }],
      streams: [{ name: 'clicks', partitions: 3, retentionHours: 48 }],
      buses: [{ name: 'bus', rules: [{ name: 'r', pattern: { source: ['shop'] }, targets: [{ function: 'worker', maxRetries: 3, maxEventAgeS: 120, deadLetterQueue: 'failures' }, { queue: 'ledger.fifo', messageGroupId: 'g' }] }], archives: [{ name: 'all', retentionDays: 7 }] }],
      functions: [
        { name: 'worker', handler: 'h.js', environment: { TABLE_NAME: 'items', FEATURE_FLAG: 'on' }, memoryMb: 256, timeoutS: 10, reservedConcurrency: 5, provisionedConcurrency: 2, async: { maxRetries: 1, maxEventAgeS: 600, onFailure: { queue: 'failures' } }, events: [{ queue: 'jobs', batchSize: 100, batchingWindowS: 2, reportBatchItemFailures: true, maxConcurrency: 4 }] },
        { name: 'reader', handler: 'h.js', events: [{ stream: 'clicks', batchSize: 50, startingPosition: 'LATEST', bisectOnError: true, maxRetryAttempts: 3, maxRecordAgeS: 600, onFailure: { queue: 'failures' } }] },
        { name: 'api', handler: 'h.js' },
      ],
      buckets: [{ name: 'uploads', notifications: [{ function: 'api', prefix: 'in/', suffix: '.jpg' }, { queue: 'jobs', prefix: 'q/' }, { topic: 'news', prefix: 't/' }] }],
      tables: [{ name: 'items', key: 'id', writeCapacityPerSecond: 10 }],
      gateways: [{ name: 'web', timeoutMs: 5000, routes: [{ method: 'GET', path: '/items/{id}', function: 'api' }, { path: '/{proxy+}', legacy: { latencyMs: 10 } }] }],
    },
    baseDir: dirWith({ 'h.js': HANDLER }),
    label: 'test',
  });
  const { template } = buildTemplate(scenario.scenario, { codeUri: 'src/', handlerPath: () => './handlers/h.js' });
  const res = template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>;

  it('maps each setting to its AWS property', () => {
    const jobs = res.JobsQueue.Properties;
    assert.deepEqual([jobs.VisibilityTimeout, jobs.MessageRetentionPeriod, jobs.DelaySeconds, jobs.ReceiveMessageWaitTimeSeconds, jobs.MaximumMessageSize], [60, 3600, 2, 5, 2048]);
    assert.deepEqual(jobs.RedrivePolicy, { deadLetterTargetArn: { 'Fn::GetAtt': ['JobsDlqQueue', 'Arn'] }, maxReceiveCount: 4 });
    assert.equal(res.LedgerFifoQueue.Properties.FifoQueue, true);
    assert.equal(res.LedgerFifoQueue.Properties.ContentBasedDeduplication, true);
    const worker = res.WorkerFunction.Properties;
    assert.deepEqual([worker.MemorySize, worker.Timeout, worker.ReservedConcurrentExecutions, worker.AutoPublishAlias], [256, 10, 5, 'live']);
    assert.deepEqual(worker.ProvisionedConcurrencyConfig, { ProvisionedConcurrentExecutions: 2 });
    assert.deepEqual(worker.Environment, { Variables: { TABLE_NAME: 'items', FEATURE_FLAG: 'on' } }, "the function's variables, beside the Globals' stack names");
    assert.equal(res.ReaderFunction.Properties.Environment, undefined, 'no variables of its own: only the Globals');
    assert.deepEqual(worker.EventInvokeConfig, { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600, DestinationConfig: { OnFailure: { Type: 'SQS', Destination: { 'Fn::GetAtt': ['FailuresQueue', 'Arn'] } } } });
    const events = Object.values(worker.Events) as Array<{ Type: string; Properties: Record<string, any> }>;
    const sqs = events.find((e) => e.Type === 'SQS')!.Properties;
    assert.deepEqual([sqs.BatchSize, sqs.MaximumBatchingWindowInSeconds, sqs.FunctionResponseTypes, sqs.ScalingConfig], [100, 2, ['ReportBatchItemFailures'], { MaximumConcurrency: 4 }]);
    const sns = events.find((e) => e.Type === 'SNS')!.Properties;
    assert.deepEqual(sns.FilterPolicy, { n: [{ numeric: ['>', 1] }] });
    const rule = events.find((e) => e.Type === 'EventBridgeRule')!.Properties;
    assert.deepEqual(rule.RetryPolicy, { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 120 });
    assert.deepEqual(rule.DeadLetterConfig, { Arn: { 'Fn::GetAtt': ['FailuresQueue', 'Arn'] } });
    const kinesis = (Object.values(res.ReaderFunction.Properties.Events) as Array<{ Type: string; Properties: Record<string, any> }>)[0];
    assert.equal(kinesis.Type, 'Kinesis');
    assert.deepEqual(
      [kinesis.Properties.BatchSize, kinesis.Properties.StartingPosition, kinesis.Properties.BisectBatchOnFunctionError, kinesis.Properties.MaximumRetryAttempts, kinesis.Properties.MaximumRecordAgeInSeconds],
      [50, 'LATEST', true, 3, 600],
    );
    assert.equal(res.ClicksStream.Properties.ShardCount, 3);
    assert.equal(res.ClicksStream.Properties.RetentionPeriodHours, 48);
    const sub = res.NewsToJobsSubscription.Properties;
    assert.deepEqual([sub.Protocol, sub.RawMessageDelivery, sub.FilterPolicyScope], ['sqs', true, 'MessageBody']);
    assert.equal(res.ItemsTable.Properties.BillingMode, 'PROVISIONED');
    assert.equal(res.ItemsTable.Properties.ProvisionedThroughput.WriteCapacityUnits, 10);
    const http = (Object.values(res.ApiFunction.Properties.Events) as Array<{ Type: string; Properties: Record<string, any> }>).find((e) => e.Type === 'HttpApi')!;
    assert.deepEqual([http.Properties.Method, http.Properties.Path, http.Properties.TimeoutInMillis], ['GET', '/items/{id}', 5000]);
    const s3 = (Object.values(res.ApiFunction.Properties.Events) as Array<{ Type: string; Properties: Record<string, any> }>).find((e) => e.Type === 'S3')!;
    assert.deepEqual(s3.Properties.Filter, { S3Key: { Rules: [{ Name: 'prefix', Value: 'in/' }, { Name: 'suffix', Value: '.jpg' }] } });
    assert.equal(res.BusAllArchive.Properties.RetentionDays, 7);
  });

  it('one queue policy per queue holds every service that delivers to it', () => {
    const policies = Object.entries(res).filter(([, r]) => r.Type === 'AWS::SQS::QueuePolicy');
    const jobs = policies.find(([id]) => id === 'JobsQueuePolicy')![1].Properties.PolicyDocument.Statement as Array<{ Principal: { Service: string } }>;
    assert.deepEqual(jobs.map((s) => s.Principal.Service).sort(), ['s3.amazonaws.com', 'sns.amazonaws.com']);
    assert.deepEqual((res.UploadsBucket as unknown as { DependsOn: string[] }).DependsOn, ['JobsQueuePolicy', 'NewsTopicPolicy']);
  });

  it('the runtime module and the template agree on the environment variable', () => {
    assert.equal(RESOURCES_ENV, RUNTIME_ENV);
    const env = (template.Globals as any).Function.Environment.Variables[RESOURCES_ENV];
    const [text] = env['Fn::Sub'] as [string];
    const json = JSON.parse(text);
    assert.deepEqual(Object.keys(json).sort(), ['buckets', 'buses', 'queues', 'streams', 'tables', 'topics']);
    assert.deepEqual(json.queues['ledger.fifo'], { url: '${LedgerFifoQueue}', fifo: true, contentBasedDeduplication: true });
    assert.deepEqual(json.tables.items, { name: '${ItemsTable}', key: 'id' });
  });
});

describe('export: yaml', () => {
  it('quotes what YAML would read as another type', () => {
    const text = toYaml({ a: 'true', b: '010', c: '2010-09-09', d: '- x', e: 'a: b', f: '', g: 'plain text', h: 12, i: ['x', { j: null }] });
    assert.equal(text, 'a: "true"\nb: "010"\nc: "2010-09-09"\nd: "- x"\ne: "a: b"\nf: ""\ng: plain text\nh: 12\ni:\n  - x\n  - j: null\n');
  });
});

describe('export: playground', () => {
  it('exports the resources the journal built, without its data commands', () => {
    const dir = dirWith({ 'w.js': HANDLER });
    const p = playgroundScenario([
      { op: 'createQueue', name: 'orders', visibilityTimeoutS: 40 },
      { op: 'createQueue', name: 'gone' },
      { op: 'createTopic', name: 'news' },
      { op: 'subscribe', topic: 'news', queue: 'orders', rawDelivery: true },
      { op: 'send', queue: 'orders', body: 'hello' },
      { op: 'delete', kind: 'queue', name: 'gone' },
      { op: 'attachHandler', function: 'worker', file: join(dir, 'w.js'), queue: 'orders', batchSize: 5 },
      { op: 'advance', seconds: 10 },
    ]);
    assert.equal(p.dataCommands, 2);
    assert.deepEqual(p.scenario.queues.map((q) => q.name), ['orders']);
    assert.deepEqual(p.scenario.topics[0].subscriptions, [{ queue: 'orders', rawDelivery: true }]);
    assert.deepEqual(p.scenario.functions[0].events, [{ queue: 'orders', batchSize: 5 }]);
    const journal = [{ op: 'createQueue', name: 'orders', visibilityTimeoutS: 40 }];
    const r = exportProject({ scenario: p.scenario, baseDir: p.baseDir, label: 'the playground', extraFiles: { 'playground.journal.json': JSON.stringify(journal) } }, join(dir, 'out'));
    assert.ok(r.files.includes('src/handlers/w.js'));
    assert.ok(r.files.includes('src/fn-worker.mjs'));
    // The journal written beside it exports again from the command line.
    const again = main(['export', 'playground', '--journal', join(dir, 'out', 'playground.journal.json'), '--out', join(dir, 'again')], { out: () => undefined, err: () => undefined });
    assert.equal(again, 0);
    assert.match(readFileSync(join(dir, 'again', 'template.yaml'), 'utf8'), /VisibilityTimeout: 40/);
  });
});

describe('export: CLI', () => {
  function run(argv: string[]): { code: number; out: string; err: string } {
    let out = '';
    let err = '';
    const code = main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  }

  it('exports a lesson\'s reference solution (exit 0) and refuses a bad scenario (exit 2, the setting named, nothing written)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'slab-export-cli-')), 'queues');
    const ok = run(['export', '07', '--solution', '--out', out]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /Wrote lesson queues \(reference solution\)/);
    assert.deepEqual(readdirSync(out).sort(), ['LAB-ONLY.md', 'README.md', 'serverless-lab.scenario.json', 'src', 'template.yaml']);
    const bad = join(root, 'test', 'fixtures', 'export-bad.scenario.json');
    const badOut = join(tmpdir(), `slab-export-bad-${process.pid}`);
    const refused = run(['export', bad, '--out', badOut]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /queues\[0\]\.visibilityTimeoutS: is 20 s, less than the 60 s timeout of "importer"/);
    assert.equal(existsSync(badOut), false);
    assert.equal(run(['export', '07']).code, 2, '--out is required');
    assert.equal(run(['export', 'playground', '--out', out]).code, 2, '--journal is required');
    assert.match(run(['export', '--help']).out, /^Usage: serverless-lab export <lesson\|scenario\.json\|playground> --out <dir>/);
  });
});
