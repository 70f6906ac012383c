/**
 * A validated scenario → an AWS SAM template (as a plain object, written by `yaml.ts`).
 *
 * One resource per lab resource: `AWS::SQS::Queue` (redrive policy, FIFO), `AWS::SNS::Topic` and
 * its queue subscriptions, `AWS::Kinesis::Stream` (one shard per partition), `AWS::Events::EventBus`
 * with its rules and archives, `AWS::S3::Bucket` with its notifications, `AWS::DynamoDB::Table`,
 * `AWS::Serverless::HttpApi` per gateway, and `AWS::Serverless::Function` per function with its
 * event sources (SQS, Kinesis, SNS, EventBridge, S3, HttpApi), concurrency and `EventInvokeConfig`.
 * Services that deliver into a queue get one `AWS::SQS::QueuePolicy` per queue (a second policy on
 * the same queue would replace the first).
 *
 * Every function gets `SERVERLESS_LAB_RESOURCES` (the lab's names → URLs, ARNs and names, read by the
 * runtime module) and permission to use every resource of the stack, as in the lab, where any
 * handler may call any resource. Bucket names come from the stack id, not from `Ref`, so a bucket
 * that notifies a function never depends on it (which would be a circular dependency).
 */
import type { BusTargetSpec, FunctionSpec, GatewaySpec, QueueEventSpec, Scenario, StreamEventSpec } from '../engine/scenario';
import { streamRetentionHours } from './awsRules';
import { bucketName, bucketNameParts, fifoName, getAtt, LogicalIds, ref, sub } from './names';
import type { YamlValue } from './yaml';

type Obj = { [key: string]: YamlValue | undefined };

/** The environment variable the runtime module reads its resources from (the same name as in `runtime/serverless-lab.ts`). */
export const RESOURCES_ENV = 'SERVERLESS_LAB_RESOURCES';

/** The Node.js runtime exported functions run on (the newest the SAM CLI and cfn-lint know). */
export const LAMBDA_RUNTIME = 'nodejs22.x';
/** The alias SAM publishes when a function has provisioned concurrency. */
export const LIVE_ALIAS = 'live';

export interface TemplateResult {
  template: Obj;
  /** Per function: the generated entry file (relative to the code folder) and what triggers it. */
  entries: Array<{ function: string; logicalId: string; entry: string; handler: string; source: 'kinesis' | 'other' }>;
}

/** The entry file of a function in the code folder (`fn-<name>.mjs`). */
export function entryFile(fnName: string): string {
  return `fn-${fnName}.mjs`;
}

export function buildTemplate(sc: Scenario, options: { codeUri: string; handlerPath: (fn: FunctionSpec) => string }): TemplateResult {
  const ids = new LogicalIds();
  const resources: Record<string, Obj> = {};
  const outputs: Record<string, Obj> = {};
  const queueId = (name: string): string => ids.id(name, 'Queue');
  const topicId = (name: string): string => ids.id(name, 'Topic');
  const streamId = (name: string): string => ids.id(name, 'Stream');
  const busId = (name: string): string => ids.id(name, 'Bus');
  const bucketId = (name: string): string => ids.id(name, 'Bucket');
  const tableId = (name: string): string => ids.id(name, 'Table');
  const fnId = (name: string): string => ids.id(name, 'Function');
  const apiId = (name: string): string => ids.id(name, 'HttpApi');
  const isDefaultBus = (name: string): boolean => name === 'default';
  const busArn = (name: string): YamlValue => (isDefaultBus(name) ? sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default') : getAtt(busId(name), 'Arn'));
  const busName = (name: string): YamlValue => (isDefaultBus(name) ? 'default' : ref(busId(name)));
  const queueArn = (name: string): YamlValue => getAtt(queueId(name), 'Arn');
  const fifoQueue = new Set(sc.queues.filter((q) => q.fifo).map((q) => q.name));

  // Statements of each queue's one policy: who may send to it (SNS, EventBridge, S3).
  const queuePolicy = new Map<string, YamlValue[]>();
  const allowSend = (queue: string, service: string, sourceArn: YamlValue, sid: string): void => {
    const list = queuePolicy.get(queue) ?? [];
    list.push({
      Sid: sid,
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sqs:SendMessage',
      Resource: queueArn(queue),
      Condition: service === 's3.amazonaws.com' ? { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') }, ArnLike: { 'aws:SourceArn': sourceArn } } : { ArnEquals: { 'aws:SourceArn': sourceArn } },
    });
    queuePolicy.set(queue, list);
  };
  const topicPolicy = new Map<string, YamlValue[]>();

  // ── queues ──
  for (const q of sc.queues) {
    const props: Obj = {
      QueueName: q.fifo ? fifoName(q.name) : undefined,
      FifoQueue: q.fifo ? true : undefined,
      ContentBasedDeduplication: q.fifo && q.contentBasedDeduplication ? true : undefined,
      VisibilityTimeout: q.visibilityTimeoutS,
      MessageRetentionPeriod: q.retentionS,
      DelaySeconds: q.delayS,
      ReceiveMessageWaitTimeSeconds: q.receiveWaitS,
      MaximumMessageSize: q.maxMessageBytes,
      RedrivePolicy: q.deadLetter ? { deadLetterTargetArn: queueArn(q.deadLetter.queue), maxReceiveCount: q.deadLetter.maxReceiveCount } : undefined,
      Tags: [{ Key: 'serverless-lab:name', Value: q.name }],
    };
    resources[queueId(q.name)] = { Type: 'AWS::SQS::Queue', Properties: props };
    outputs[`${queueId(q.name)}Url`] = { Description: `URL of the queue "${q.name}"`, Value: ref(queueId(q.name)) };
  }

  // ── topics and their queue subscriptions (function subscriptions are the function's SNS events) ──
  for (const t of sc.topics) {
    const id = topicId(t.name);
    resources[id] = {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: t.fifo ? fifoName(t.name) : undefined,
        FifoTopic: t.fifo ? true : undefined,
        ContentBasedDeduplication: t.fifo && t.contentBasedDeduplication ? true : undefined,
        Tags: [{ Key: 'serverless-lab:name', Value: t.name }],
      },
    };
    (t.subscriptions ?? []).forEach((s, j) => {
      if (s.queue !== undefined) {
        resources[ids.id(`${t.name}-to-${s.queue}`, 'Subscription')] = {
          Type: 'AWS::SNS::Subscription',
          Properties: {
            TopicArn: ref(id),
            Protocol: 'sqs',
            Endpoint: queueArn(s.queue),
            RawMessageDelivery: s.rawDelivery ? true : undefined,
            FilterPolicy: s.filterPolicy as YamlValue | undefined,
            FilterPolicyScope: s.filterPolicy !== undefined ? s.filterPolicyScope : undefined,
            RedrivePolicy: s.deadLetterQueue !== undefined ? { deadLetterTargetArn: queueArn(s.deadLetterQueue) } : undefined,
          },
        };
        allowSend(s.queue, 'sns.amazonaws.com', ref(id), `${id}Sub${j}`);
      }
      if (s.deadLetterQueue !== undefined) allowSend(s.deadLetterQueue, 'sns.amazonaws.com', ref(id), `${id}Dlq${j}`);
    });
  }

  // ── streams ──
  for (const s of sc.streams) {
    const hours = streamRetentionHours(s);
    resources[streamId(s.name)] = {
      Type: 'AWS::Kinesis::Stream',
      Properties: {
        ShardCount: s.partitions ?? 1,
        RetentionPeriodHours: hours !== undefined ? Math.max(24, Math.ceil(hours)) : undefined,
        Tags: [{ Key: 'serverless-lab:name', Value: s.name }],
      },
    };
  }

  // ── buses: the bus, queue targets as rules of their own, archives (function targets are the function's EventBridgeRule events) ──
  const fnBusEvents = new Map<string, Array<{ bus: string; rule: string; pattern: unknown; enabled: boolean; target: BusTargetSpec }>>();
  for (const b of sc.buses) {
    if (!isDefaultBus(b.name)) resources[busId(b.name)] = { Type: 'AWS::Events::EventBus', Properties: { Name: sub(`\${AWS::StackName}-${b.name}`) } };
    for (const r of b.rules ?? []) {
      // A scheduled rule becomes one AWS::Events::Rule carrying every target (SAM's Schedule event
      // has no InputPath / InputTransformer); a pattern rule's function targets are the function's
      // EventBridgeRule events, its queue targets a rule of their own.
      const scheduled = r.schedule !== undefined;
      const queueTargets = (r.targets ?? []).filter((t) => t.queue !== undefined || (scheduled && t.function !== undefined));
      for (const t of r.targets ?? []) {
        if (t.function !== undefined && !scheduled) {
          const list = fnBusEvents.get(t.function) ?? [];
          list.push({ bus: b.name, rule: r.name, pattern: r.pattern, enabled: r.enabled !== false, target: t });
          fnBusEvents.set(t.function, list);
        }
      }
      if (queueTargets.length === 0) continue;
      const ruleId = ids.id(`${b.name}-${r.name}`, 'Rule');
      resources[ruleId] = {
        Type: 'AWS::Events::Rule',
        Properties: {
          Description: `serverless-lab rule "${r.name}" on bus "${b.name}"`,
          EventBusName: busName(b.name),
          EventPattern: r.pattern as YamlValue | undefined,
          ScheduleExpression: r.schedule,
          State: r.enabled === false ? 'DISABLED' : 'ENABLED',
          Targets: queueTargets.map((t, k) => ({
            Id: `${(t.queue ?? t.function)!.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60)}-${k}`,
            Arn: t.queue !== undefined ? queueArn(t.queue) : getAtt(fnId(t.function!), 'Arn'),
            ...targetSettings(t, queueArn),
            ...targetInput(t),
            SqsParameters: t.messageGroupId !== undefined ? { MessageGroupId: t.messageGroupId } : undefined,
          })),
        },
      };
      for (const t of queueTargets) {
        if (t.queue !== undefined) allowSend(t.queue, 'events.amazonaws.com', getAtt(ruleId, 'Arn'), `${ruleId}${ids.id(t.queue, 'Target')}`);
        else {
          resources[`${ruleId}${ids.id(t.function!, 'Permission')}`] = {
            Type: 'AWS::Lambda::Permission',
            Properties: { Action: 'lambda:InvokeFunction', FunctionName: ref(fnId(t.function!)), Principal: 'events.amazonaws.com', SourceArn: getAtt(ruleId, 'Arn') },
          };
        }
        if (t.deadLetterQueue !== undefined) allowSend(t.deadLetterQueue, 'events.amazonaws.com', getAtt(ruleId, 'Arn'), `${ruleId}Dlq${ids.id(t.deadLetterQueue, 'Target')}`);
      }
    }
    for (const a of b.archives ?? []) {
      resources[ids.id(`${b.name}-${a.name}`, 'Archive')] = {
        Type: 'AWS::Events::Archive',
        Properties: { Description: `serverless-lab archive "${a.name}" of bus "${b.name}"`, SourceArn: busArn(b.name), EventPattern: a.pattern as YamlValue | undefined, RetentionDays: a.retentionDays },
      };
    }
  }

  // ── buckets ──
  const bucketParts = new Map<string, string>();
  const taken = new Set<string>();
  for (const b of sc.buckets) bucketParts.set(b.name, bucketNameParts(b.name, taken));
  const fnS3Events = new Map<string, Array<{ bucket: string; prefix?: string; suffix?: string }>>();
  for (const b of sc.buckets) {
    const id = bucketId(b.name);
    const queueConfigs: YamlValue[] = [];
    const topicConfigs: YamlValue[] = [];
    const dependsOn: string[] = [];
    for (const n of b.notifications ?? []) {
      const filter = s3Filter(n.prefix, n.suffix);
      if (n.function !== undefined) {
        const list = fnS3Events.get(n.function) ?? [];
        list.push({ bucket: b.name, prefix: n.prefix, suffix: n.suffix });
        fnS3Events.set(n.function, list);
      }
      if (n.queue !== undefined) {
        queueConfigs.push({ Event: 's3:ObjectCreated:*', Queue: queueArn(n.queue), Filter: filter });
        allowSend(n.queue, 's3.amazonaws.com', sub(`arn:\${AWS::Partition}:s3:::\${BucketName}`, { BucketName: bucketName(bucketParts.get(b.name)!) }), `${id}Notify`);
        dependsOn.push(`${queueId(n.queue)}Policy`);
      }
      if (n.topic !== undefined) {
        topicConfigs.push({ Event: 's3:ObjectCreated:*', Topic: ref(topicId(n.topic)), Filter: filter });
        const list = topicPolicy.get(n.topic) ?? [];
        list.push({
          Sid: `${id}Notify`,
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: ref(topicId(n.topic)),
          Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
        });
        topicPolicy.set(n.topic, list);
        dependsOn.push(`${topicId(n.topic)}Policy`);
      }
    }
    const notification: Obj = {};
    if (queueConfigs.length) notification.QueueConfigurations = queueConfigs;
    if (topicConfigs.length) notification.TopicConfigurations = topicConfigs;
    resources[id] = {
      Type: 'AWS::S3::Bucket',
      DependsOn: dependsOn.length ? [...new Set(dependsOn)] : undefined,
      Properties: {
        BucketName: bucketName(bucketParts.get(b.name)!),
        NotificationConfiguration: Object.keys(notification).length ? notification : undefined,
        Tags: [{ Key: 'serverless-lab:name', Value: b.name }],
      },
    };
  }

  // ── tables ──
  for (const t of sc.tables) {
    const provisioned = t.writeCapacityPerSecond !== undefined;
    resources[tableId(t.name)] = {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        AttributeDefinitions: [{ AttributeName: t.key, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: t.key, KeyType: 'HASH' }],
        BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
        ProvisionedThroughput: provisioned ? { ReadCapacityUnits: 5, WriteCapacityUnits: t.writeCapacityPerSecond! } : undefined,
        Tags: [{ Key: 'serverless-lab:name', Value: t.name }],
      },
    };
  }

  // ── gateways (only routes served by a function: a legacy route is lab-only) ──
  const fnRoutes = new Map<string, Array<{ gateway: GatewaySpec; method: string; path: string; timeoutMs?: number }>>();
  for (const g of sc.gateways) {
    const routes = (g.routes ?? []).filter((r) => r.function !== undefined);
    if (routes.length === 0) continue;
    const id = apiId(g.name);
    resources[id] = { Type: 'AWS::Serverless::HttpApi', Properties: { Description: `serverless-lab gateway "${g.name}"` } };
    outputs[`${id}Url`] = { Description: `Base URL of the gateway "${g.name}"`, Value: sub(`https://\${${id}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`) };
    for (const r of routes) {
      const list = fnRoutes.get(r.function!) ?? [];
      list.push({ gateway: g, method: (r.method ?? 'ANY').toUpperCase(), path: r.path, timeoutMs: r.timeoutMs ?? g.timeoutMs });
      fnRoutes.set(r.function!, list);
    }
  }

  // ── what the runtime module reads, and what every function may call ──
  const resourceJson: Record<string, Record<string, unknown>> = {};
  const subVars: Record<string, YamlValue> = {};
  const placeholder = (name: string, value: YamlValue): string => {
    subVars[name] = value;
    return `\${${name}}`;
  };
  if (sc.queues.length) resourceJson.queues = Object.fromEntries(sc.queues.map((q) => [q.name, { url: `\${${queueId(q.name)}}`, ...(q.fifo ? { fifo: true } : {}), ...(q.contentBasedDeduplication ? { contentBasedDeduplication: true } : {}) }]));
  if (sc.topics.length) resourceJson.topics = Object.fromEntries(sc.topics.map((t) => [t.name, { arn: `\${${topicId(t.name)}}`, ...(t.fifo ? { fifo: true } : {}) }]));
  if (sc.streams.length) resourceJson.streams = Object.fromEntries(sc.streams.map((s) => [s.name, { name: `\${${streamId(s.name)}}` }]));
  if (sc.buses.length) resourceJson.buses = Object.fromEntries(sc.buses.map((b) => [b.name, { name: isDefaultBus(b.name) ? 'default' : `\${${busId(b.name)}}` }]));
  if (sc.buckets.length) resourceJson.buckets = Object.fromEntries(sc.buckets.map((b) => [b.name, { name: placeholder(`${bucketId(b.name)}Name`, bucketName(bucketParts.get(b.name)!)) }]));
  if (sc.tables.length) resourceJson.tables = Object.fromEntries(sc.tables.map((t) => [t.name, { name: `\${${tableId(t.name)}}`, key: t.key.replace(/\$\{/g, '${!') }]));
  const statements: YamlValue[] = [];
  if (sc.queues.length) statements.push({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: sc.queues.map((q) => queueArn(q.name)) });
  if (sc.topics.length) statements.push({ Effect: 'Allow', Action: ['sns:Publish'], Resource: sc.topics.map((t) => ref(topicId(t.name))) });
  if (sc.streams.length) statements.push({ Effect: 'Allow', Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Resource: sc.streams.map((s) => getAtt(streamId(s.name), 'Arn')) });
  if (sc.buses.length) statements.push({ Effect: 'Allow', Action: ['events:PutEvents'], Resource: sc.buses.map((b) => busArn(b.name)) });
  if (sc.buckets.length) {
    statements.push({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: sc.buckets.map((b) => sub(`arn:\${AWS::Partition}:s3:::\${BucketName}/*`, { BucketName: bucketName(bucketParts.get(b.name)!) })),
    });
    statements.push({ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: sc.buckets.map((b) => sub(`arn:\${AWS::Partition}:s3:::\${BucketName}`, { BucketName: bucketName(bucketParts.get(b.name)!) })) });
  }
  if (sc.tables.length) statements.push({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: sc.tables.map((t) => getAtt(tableId(t.name), 'Arn')) });

  // ── functions ──
  const entries: TemplateResult['entries'] = [];
  const topicSubs = new Map<string, Array<{ topic: string; spec: NonNullable<Scenario['topics'][number]['subscriptions']>[number] }>>();
  for (const t of sc.topics) for (const s of t.subscriptions ?? []) if (s.function !== undefined) topicSubs.set(s.function, [...(topicSubs.get(s.function) ?? []), { topic: t.name, spec: s }]);
  for (const f of sc.functions) {
    const id = fnId(f.name);
    const events: Obj = {};
    const eventId = (label: string): string => ids.id(label, 'Event');
    let source: 'kinesis' | 'other' = 'other';
    for (const e of f.events ?? []) {
      if ('queue' in e && e.queue !== undefined) events[eventId(`${f.name}-${e.queue}`)] = sqsEvent(e, queueArn(e.queue), fifoQueue.has(e.queue));
      else {
        const s = e as StreamEventSpec;
        source = 'kinesis';
        events[eventId(`${f.name}-${s.stream}`)] = {
          Type: 'Kinesis',
          Properties: {
            Stream: getAtt(streamId(s.stream), 'Arn'),
            StartingPosition: s.startingPosition ?? 'TRIM_HORIZON',
            BatchSize: s.batchSize,
            BisectBatchOnFunctionError: s.bisectOnError,
            MaximumRetryAttempts: s.maxRetryAttempts,
            MaximumRecordAgeInSeconds: s.maxRecordAgeS,
            DestinationConfig: s.onFailure ? { OnFailure: { Type: 'SQS', Destination: queueArn(s.onFailure.queue) } } : undefined,
          },
        };
      }
    }
    for (const { topic, spec } of topicSubs.get(f.name) ?? []) {
      events[eventId(`${f.name}-${topic}`)] = {
        Type: 'SNS',
        Properties: {
          Topic: ref(topicId(topic)),
          FilterPolicy: spec.filterPolicy as YamlValue | undefined,
          FilterPolicyScope: spec.filterPolicy !== undefined ? spec.filterPolicyScope : undefined,
          RedrivePolicy: spec.deadLetterQueue !== undefined ? { deadLetterTargetArn: queueArn(spec.deadLetterQueue) } : undefined,
        },
      };
    }
    for (const be of fnBusEvents.get(f.name) ?? []) {
      const ruleEventId = eventId(`${f.name}-${be.bus}-${be.rule}`);
      events[ruleEventId] = {
        Type: 'EventBridgeRule',
        Properties: {
          EventBusName: busName(be.bus),
          Pattern: be.pattern as YamlValue,
          State: be.enabled ? undefined : 'DISABLED',
          ...targetSettings(be.target, queueArn),
          ...targetInput(be.target),
        },
      };
      if (be.target.deadLetterQueue !== undefined) {
        // SAM names the rule it creates `<function id><event id>`.
        allowSend(be.target.deadLetterQueue, 'events.amazonaws.com', getAtt(`${id}${ruleEventId}`, 'Arn'), `${id}${ruleEventId}Dlq`);
      }
    }
    for (const se of fnS3Events.get(f.name) ?? []) {
      events[eventId(`${f.name}-${se.bucket}`)] = { Type: 'S3', Properties: { Bucket: ref(bucketId(se.bucket)), Events: 's3:ObjectCreated:*', Filter: s3Filter(se.prefix, se.suffix) } };
    }
    for (const r of fnRoutes.get(f.name) ?? []) {
      events[eventId(`${f.name}-${r.gateway.name}-${r.method}-${r.path}`)] = {
        Type: 'HttpApi',
        Properties: { ApiId: ref(apiId(r.gateway.name)), Method: r.method, Path: r.path, TimeoutInMillis: r.timeoutMs },
      };
    }
    const entry = entryFile(f.name);
    entries.push({ function: f.name, logicalId: id, entry, handler: options.handlerPath(f), source });
    const provisioned = f.provisionedConcurrency !== undefined && f.provisionedConcurrency > 0;
    const asyncCfg = f.async
      ? {
          MaximumRetryAttempts: f.async.maxRetries,
          MaximumEventAgeInSeconds: f.async.maxEventAgeS,
          DestinationConfig:
            f.async.onFailure || f.async.onSuccess
              ? {
                  ...(f.async.onFailure ? { OnFailure: { Type: 'SQS', Destination: queueArn(f.async.onFailure.queue) } } : {}),
                  ...(f.async.onSuccess ? { OnSuccess: { Type: 'SQS', Destination: queueArn(f.async.onSuccess.queue) } } : {}),
                }
              : undefined,
        }
      : undefined;
    resources[id] = {
      Type: 'AWS::Serverless::Function',
      Metadata: {
        BuildMethod: 'esbuild',
        BuildProperties: { Format: 'cjs', Target: 'es2022', Sourcemap: true, EntryPoints: [entry], External: ['@aws-sdk/*'] },
      },
      Properties: {
        Description: `serverless-lab function "${f.name}"`,
        Handler: `${entry.replace(/\.mjs$/, '')}.handler`,
        MemorySize: f.memoryMb ?? 128,
        Timeout: f.timeoutS ?? 3,
        ReservedConcurrentExecutions: f.reservedConcurrency,
        RecursiveLoop: f.recursiveLoop,
        AutoPublishAlias: provisioned ? LIVE_ALIAS : undefined,
        ProvisionedConcurrencyConfig: provisioned ? { ProvisionedConcurrentExecutions: f.provisionedConcurrency! } : undefined,
        EventInvokeConfig: asyncCfg,
        // The function's own variables; SAM merges them with the Globals' (the stack's names).
        Environment: f.environment && Object.keys(f.environment).length ? { Variables: { ...f.environment } } : undefined,
        Policies: statements.length ? [{ Statement: statements }] : undefined,
        Events: Object.keys(events).length ? events : undefined,
        Tags: { 'serverless-lab:name': f.name },
      },
    };
    outputs[`${id}Name`] = { Description: `Name of the function "${f.name}"`, Value: ref(id) };
  }

  for (const [queue, statementsOf] of queuePolicy) {
    resources[`${queueId(queue)}Policy`] = { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: [ref(queueId(queue))], PolicyDocument: { Version: '2012-10-17', Statement: statementsOf } } };
  }
  for (const [topic, statementsOf] of topicPolicy) {
    resources[`${topicId(topic)}Policy`] = { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: [ref(topicId(topic))], PolicyDocument: { Version: '2012-10-17', Statement: statementsOf } } };
  }

  const json = JSON.stringify(resourceJson);
  const description = [`serverless-lab export of "${sc.name}"`, sc.description].filter(Boolean).join(': ');
  const template: Obj = {
    AWSTemplateFormatVersion: '2010-09-09',
    Transform: 'AWS::Serverless-2016-10-31',
    Description: description.length > 1000 ? `${description.slice(0, 997)}...` : description,
    Globals: {
      Function: {
        Runtime: LAMBDA_RUNTIME,
        Architectures: ['arm64'],
        CodeUri: options.codeUri,
        Environment: {
          Variables: {
            [RESOURCES_ENV]: Object.keys(subVars).length ? sub(json, subVars) : sub(json),
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      },
    },
    Resources: resources,
    Outputs: Object.keys(outputs).length ? outputs : undefined,
  };
  return { template, entries };
}

function sqsEvent(e: QueueEventSpec, arn: YamlValue, fifo: boolean): Obj {
  return {
    Type: 'SQS',
    Properties: {
      Queue: arn,
      BatchSize: e.batchSize,
      MaximumBatchingWindowInSeconds: !fifo && e.batchingWindowS !== undefined && e.batchingWindowS > 0 ? e.batchingWindowS : undefined,
      FunctionResponseTypes: e.reportBatchItemFailures ? ['ReportBatchItemFailures'] : undefined,
      ScalingConfig: e.maxConcurrency !== undefined ? { MaximumConcurrency: e.maxConcurrency } : undefined,
    },
  };
}

/** A rule target's retry policy and dead-letter queue. */
function targetSettings(t: BusTargetSpec, queueArn: (name: string) => YamlValue): Obj {
  const retry: Obj = {};
  if (t.maxRetries !== undefined) retry.MaximumRetryAttempts = t.maxRetries;
  if (t.maxEventAgeS !== undefined) retry.MaximumEventAgeInSeconds = t.maxEventAgeS;
  return {
    RetryPolicy: Object.keys(retry).length ? retry : undefined,
    DeadLetterConfig: t.deadLetterQueue !== undefined ? { Arn: queueArn(t.deadLetterQueue) } : undefined,
  };
}

/** What a rule target receives instead of the event: Input, InputPath or InputTransformer. */
function targetInput(t: BusTargetSpec): Obj {
  return {
    Input: t.input,
    InputPath: t.inputPath,
    InputTransformer: t.inputTransformer ? { InputPathsMap: t.inputTransformer.inputPathsMap as YamlValue | undefined, InputTemplate: t.inputTransformer.inputTemplate } : undefined,
  };
}

function s3Filter(prefix: string | undefined, suffix: string | undefined): YamlValue | undefined {
  const rules: YamlValue[] = [];
  if (prefix) rules.push({ Name: 'prefix', Value: prefix });
  if (suffix) rules.push({ Name: 'suffix', Value: suffix });
  return rules.length ? { S3Key: { Rules: rules } } : undefined;
}
