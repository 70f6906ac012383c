/**
 * What becomes of every setting a scenario can hold, field by field: the AWS property it becomes,
 * or why it has no AWS equivalent. Nothing is dropped silently: every lab-only setting present in
 * a scenario is listed in the exported `LAB-ONLY.md` with its path and value, and a unit test walks
 * the published schema to prove every field has an entry here.
 */
import type { Scenario } from '../engine/scenario';

export type Disposition = { aws: string } | { lab: string };

/** Keyed by the field's schema path, with `[]` for list items (`functions[].events[].batchSize`). */
export const SETTINGS: Record<string, Disposition> = {
  $schema: { aws: '(editor hint, not exported)' },
  name: { aws: 'template Description' },
  description: { aws: 'template Description' },
  seed: { lab: 'the lab’s random seed; AWS has no replayable randomness' },
  durationS: { lab: 'how long the lab runs the scenario; a stack runs until you delete it' },
  limits: { lab: 'bounds on a lab run (events, messages held, trace memory, handler code the sandbox stops, real time); AWS bills what runs instead — set budgets and alarms' },
  'limits.maxEvents': { lab: 'trace records per lab run' },
  'limits.maxHeldMessages': { lab: 'messages held in the lab’s queues at once' },
  'limits.maxTraceMb': { lab: 'memory of the lab’s kept trace records' },
  'limits.maxStoppedInvocations': { lab: 'invocations the lab’s sandbox may stop before the run stops; on AWS each such invocation fails and is billed' },
  'limits.maxHandlerSeconds': { lab: 'real seconds of handler code per lab run' },
  latency: { lab: 'the lab’s modelled latency of service calls; on AWS a call takes what the network and the service really take' },

  queues: { aws: 'AWS::SQS::Queue resources' },
  topics: { aws: 'AWS::SNS::Topic resources' },
  streams: { aws: 'AWS::Kinesis::Stream resources' },
  buses: { aws: 'AWS::Events::EventBus resources' },
  functions: { aws: 'AWS::Serverless::Function resources' },
  buckets: { aws: 'AWS::S3::Bucket resources' },
  tables: { aws: 'AWS::DynamoDB::Table resources' },
  gateways: { aws: 'AWS::Serverless::HttpApi resources' },
  kinesisStreams: { lab: 'not exported yet (the export refuses it): streams are, as Kinesis streams' },
  rabbitmq: { lab: 'RabbitMQ is not AWS (Amazon MQ runs it; the export refuses a scenario that uses it)' },
  pubsub: { lab: 'Google Pub/Sub is not AWS (the export refuses a scenario that uses it)' },

  'queues[].name': { aws: 'AWS::SQS::Queue (FIFO queues are named slab-<stack>-<name>; others get a generated name)' },
  'queues[].fifo': { aws: 'FifoQueue' },
  'queues[].visibilityTimeoutS': { aws: 'VisibilityTimeout' },
  'queues[].retentionS': { aws: 'MessageRetentionPeriod' },
  'queues[].delayS': { aws: 'DelaySeconds' },
  'queues[].receiveWaitS': { aws: 'ReceiveMessageWaitTimeSeconds' },
  'queues[].maxMessageBytes': { aws: 'MaximumMessageSize' },
  'queues[].contentBasedDeduplication': { aws: 'ContentBasedDeduplication' },
  'queues[].duplicateRate': { lab: 'the lab’s injected duplicate deliveries; a standard SQS queue delivers at least once on its own, at a rate you cannot set' },
  'queues[].deadLetter': { aws: 'RedrivePolicy' },
  'queues[].deadLetter.queue': { aws: 'RedrivePolicy.deadLetterTargetArn' },
  'queues[].deadLetter.maxReceiveCount': { aws: 'RedrivePolicy.maxReceiveCount' },

  'topics[].name': { aws: 'AWS::SNS::Topic' },
  'topics[].fifo': { aws: 'FifoTopic' },
  'topics[].contentBasedDeduplication': { aws: 'ContentBasedDeduplication' },
  'topics[].subscriptions': { aws: 'AWS::SNS::Subscription (queues) or the function’s SNS event' },
  'topics[].subscriptions[].queue': { aws: 'AWS::SNS::Subscription Protocol sqs + a queue policy' },
  'topics[].subscriptions[].function': { aws: 'the function’s SNS event' },
  'topics[].subscriptions[].filterPolicy': { aws: 'FilterPolicy' },
  'topics[].subscriptions[].filterPolicyScope': { aws: 'FilterPolicyScope' },
  'topics[].subscriptions[].rawDelivery': { aws: 'RawMessageDelivery' },
  'topics[].subscriptions[].deadLetterQueue': { aws: 'RedrivePolicy.deadLetterTargetArn' },

  'streams[].name': { aws: 'AWS::Kinesis::Stream' },
  'streams[].partitions': { aws: 'ShardCount (one shard per partition; Kinesis hashes the partition key with MD5, not murmur2)' },
  'streams[].retentionMs': { aws: 'RetentionPeriodHours (at least 24)' },
  'streams[].retentionHours': { aws: 'RetentionPeriodHours (at least 24)' },
  'streams[].cleanupPolicy': { lab: 'Kafka log compaction; a Kinesis stream only expires records by age' },
  'streams[].partitioner': { lab: 'Kafka’s partitioner for keyless records; Kinesis picks a shard by the MD5 of a random partition key' },
  'streams[].segmentMs': { lab: 'Kafka log segments; Kinesis has none (records expire by the stream’s retention)' },
  'streams[].segmentBytes': { lab: 'Kafka log segments; Kinesis has none' },
  'streams[].deleteRetentionMs': { lab: 'Kafka compaction’s tombstone lifetime; Kinesis does not compact' },

  'buses[].name': { aws: 'AWS::Events::EventBus (“default” is the account’s default bus)' },
  'buses[].rules': { aws: 'AWS::Events::Rule / the function’s EventBridgeRule event' },
  'buses[].rules[].name': { aws: 'the rule’s Description' },
  'buses[].rules[].pattern': { aws: 'EventPattern' },
  'buses[].rules[].schedule': { aws: 'ScheduleExpression (a scheduled rule is an AWS::Events::Rule with every target)' },
  'buses[].rules[].enabled': { aws: 'State' },
  'buses[].rules[].targets': { aws: 'Targets' },
  'buses[].rules[].targets[].function': { aws: 'the function’s EventBridgeRule event' },
  'buses[].rules[].targets[].queue': { aws: 'a rule target + a queue policy' },
  'buses[].rules[].targets[].deadLetterQueue': { aws: 'DeadLetterConfig' },
  'buses[].rules[].targets[].maxRetries': { aws: 'RetryPolicy.MaximumRetryAttempts' },
  'buses[].rules[].targets[].maxEventAgeS': { aws: 'RetryPolicy.MaximumEventAgeInSeconds' },
  'buses[].rules[].targets[].messageGroupId': { aws: 'SqsParameters.MessageGroupId' },
  'buses[].rules[].targets[].input': { aws: 'Input' },
  'buses[].rules[].targets[].inputPath': { aws: 'InputPath' },
  'buses[].rules[].targets[].inputTransformer': { aws: 'InputTransformer' },
  'buses[].rules[].targets[].inputTransformer.inputPathsMap': { aws: 'InputTransformer.InputPathsMap' },
  'buses[].rules[].targets[].inputTransformer.inputTemplate': { aws: 'InputTransformer.InputTemplate' },
  'buses[].archives': { aws: 'AWS::Events::Archive' },
  'buses[].archives[].name': { aws: 'the archive’s Description' },
  'buses[].archives[].pattern': { aws: 'EventPattern' },
  'buses[].archives[].retentionDays': { aws: 'RetentionDays' },

  'functions[].name': { aws: 'AWS::Serverless::Function' },
  'functions[].handler': { aws: 'Handler (through a generated entry that wraps your export)' },
  'functions[].runtime': { lab: 'the lab models this runtime’s cold start; your handler is JavaScript/TypeScript, so it is deployed on Node.js' },
  'functions[].memoryMb': { aws: 'MemorySize' },
  'functions[].timeoutS': { aws: 'Timeout' },
  'functions[].reservedConcurrency': { aws: 'ReservedConcurrentExecutions' },
  'functions[].provisionedConcurrency': { aws: 'ProvisionedConcurrencyConfig (on the alias "live")' },
  'functions[].initMs': { lab: 'the lab’s modelled init time; on Lambda the init phase takes what your module’s top level really takes' },
  'functions[].durationMs': { lab: 'the lab’s modelled duration; on Lambda an invocation takes what your code really takes' },
  'functions[].latency': { lab: 'the lab’s modelled latency of this function’s calls; on AWS a call takes what it really takes' },
  'functions[].idleTimeoutS': { lab: 'the lab recycles idle environments after this; Lambda decides on its own, unannounced' },
  'functions[].recursiveLoop': { aws: 'RecursiveLoop' },
  'functions[].environment': { aws: 'Environment.Variables (with the stack’s names in SERVERLESS_LAB_RESOURCES)' },
  'functions[].instances': { lab: 'many requests per instance (Cloud Run, Cloud Run functions, Azure Flex): the function is exported as a Lambda function, which serves one request per environment (and whose timeout defaults to 3 s, not the platform’s)' },
  'functions[].instances.platform': { lab: 'whose defaults the lab applies to a function serving many requests per instance; exported as a Lambda function' },
  'functions[].instances.concurrency': { lab: 'requests per instance: Lambda serves one per environment' },
  'functions[].instances.minInstances': { lab: 'minimum instances: Lambda’s counterpart is provisionedConcurrency (set it to keep environments warm)' },
  'functions[].instances.maxInstances': { lab: 'maximum instances: Lambda’s counterpart is reservedConcurrency (a cap on environments)' },
  'functions[].instances.billing': { lab: 'Cloud Run’s billing setting: Lambda bills per request and GB-second' },
  'functions[].async': { aws: 'EventInvokeConfig' },
  'functions[].async.maxRetries': { aws: 'EventInvokeConfig.MaximumRetryAttempts' },
  'functions[].async.maxEventAgeS': { aws: 'EventInvokeConfig.MaximumEventAgeInSeconds' },
  'functions[].async.onFailure': { aws: 'EventInvokeConfig.DestinationConfig.OnFailure' },
  'functions[].async.onFailure.queue': { aws: 'DestinationConfig.OnFailure.Destination (SQS)' },
  'functions[].async.onSuccess': { aws: 'EventInvokeConfig.DestinationConfig.OnSuccess' },
  'functions[].async.onSuccess.queue': { aws: 'DestinationConfig.OnSuccess.Destination (SQS)' },
  'functions[].events': { aws: 'Events (SQS or Kinesis)' },
  'functions[].events[].queue': { aws: 'SQS event Queue' },
  'functions[].events[].batchSize': { aws: 'BatchSize' },
  'functions[].events[].batchingWindowS': { aws: 'MaximumBatchingWindowInSeconds' },
  'functions[].events[].reportBatchItemFailures': { aws: 'FunctionResponseTypes: [ReportBatchItemFailures]' },
  'functions[].events[].maxConcurrency': { aws: 'ScalingConfig.MaximumConcurrency' },
  'functions[].events[].stream': { aws: 'Kinesis event Stream' },
  'functions[].events[].startingPosition': { aws: 'StartingPosition' },
  'functions[].events[].bisectOnError': { aws: 'BisectBatchOnFunctionError' },
  'functions[].events[].maxRetryAttempts': { aws: 'MaximumRetryAttempts' },
  'functions[].events[].maxRecordAgeS': { aws: 'MaximumRecordAgeInSeconds' },
  'functions[].events[].onFailure': { aws: 'DestinationConfig.OnFailure' },
  'functions[].events[].onFailure.queue': { aws: 'DestinationConfig.OnFailure.Destination (SQS)' },
  'functions[].events[].kinesisStream': { lab: 'a Kinesis stream of kinesisStreams, not exported yet (the export refuses it)' },
  'functions[].events[].parallelizationFactor': { aws: 'ParallelizationFactor' },
  'functions[].events[].rabbitQueue': { lab: 'a RabbitMQ consumer: RabbitMQ is not AWS (the export refuses it)' },
  'functions[].events[].prefetch': { lab: 'RabbitMQ’s basic.qos prefetch (the export refuses a RabbitMQ consumer)' },
  'functions[].events[].onError': { lab: 'what a RabbitMQ consumer does with a failed delivery (the export refuses a RabbitMQ consumer)' },
  'functions[].events[].pubsubSubscription': { lab: 'a Pub/Sub pull subscriber: Pub/Sub is not AWS (the export refuses it)' },
  'functions[].events[].maxOutstanding': { lab: 'Pub/Sub subscriber flow control (the export refuses a Pub/Sub subscriber)' },
  'functions[].events[].maxExtensionS': { lab: 'Pub/Sub lease management (the export refuses a Pub/Sub subscriber)' },

  'buckets[].name': { aws: 'AWS::S3::Bucket named slab-<name>-<stack> (bucket names are global)' },
  'buckets[].notifications': { aws: 'NotificationConfiguration / the function’s S3 event' },
  'buckets[].notifications[].function': { aws: 'the function’s S3 event (s3:ObjectCreated:*)' },
  'buckets[].notifications[].queue': { aws: 'QueueConfigurations + a queue policy' },
  'buckets[].notifications[].topic': { aws: 'TopicConfigurations + a topic policy' },
  'buckets[].notifications[].prefix': { aws: 'Filter.S3Key.Rules prefix' },
  'buckets[].notifications[].suffix': { aws: 'Filter.S3Key.Rules suffix' },

  'tables[].name': { aws: 'AWS::DynamoDB::Table' },
  'tables[].key': { aws: 'KeySchema HASH key of type S (a number given as a key is stored as its text)' },
  'tables[].writeCapacityPerSecond': { aws: 'BillingMode PROVISIONED with WriteCapacityUnits (ReadCapacityUnits 5); without it PAY_PER_REQUEST' },
  'tables[].rejectOverload': {
    lab: 'the lab refuses writes over capacity at once; DynamoDB lets short bursts through on saved burst capacity, then throttles (ProvisionedThroughputExceededException, which the SDK retries)',
  },

  'gateways[].name': { aws: 'AWS::Serverless::HttpApi' },
  'gateways[].timeoutMs': { aws: 'TimeoutInMillis of each route’s integration' },
  'gateways[].routes': { aws: 'the function’s HttpApi events' },
  'gateways[].routes[].method': { aws: 'HttpApi event Method' },
  'gateways[].routes[].path': { aws: 'HttpApi event Path' },
  'gateways[].routes[].function': { aws: 'HttpApi event on that function' },
  'gateways[].routes[].legacy': { lab: 'a simulated legacy system answering this route; on AWS point the route at your real system (an HTTP_PROXY integration)' },
  'gateways[].routes[].legacy.latencyMs': { lab: 'part of the simulated legacy system' },
  'gateways[].routes[].legacy.status': { lab: 'part of the simulated legacy system' },
  'gateways[].routes[].legacy.body': { lab: 'part of the simulated legacy system' },
  'gateways[].routes[].timeoutMs': { aws: 'TimeoutInMillis' },

  traffic: { lab: 'generated load: on AWS your users (or a load-test tool) send it' },
  faults: { lab: 'injected failures (poison messages, duplicates, throttles, crashes, latency): AWS has its own, unscheduled' },
};

export interface LabOnlySetting {
  /** Path of the setting in the scenario, e.g. `functions[2].durationMs`. */
  path: string;
  value: unknown;
  why: string;
}

/** The lab-only settings a scenario holds, in document order, each with its path and value. */
export function labOnlySettings(sc: Scenario): LabOnlySetting[] {
  const out: LabOnlySetting[] = [];
  const walk = (value: unknown, path: string, schemaPath: string): void => {
    const d = SETTINGS[schemaPath];
    if (d && 'lab' in d) {
      if (schemaPath === 'traffic' || schemaPath === 'faults') {
        (value as unknown[]).forEach((entry, i) => out.push({ path: `${path}[${i}]`, value: entry, why: d.lab }));
      } else out.push({ path, value, why: d.lab });
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`, `${schemaPath}[]`));
    else if (value !== null && typeof value === 'object' && !opaque(schemaPath)) {
      for (const [k, v] of Object.entries(value)) if (v !== undefined) walk(v, path ? `${path}.${k}` : k, schemaPath ? `${schemaPath}.${k}` : k);
    }
  };
  walk(sc, '', '');
  return out;
}

/** Fields whose value is data (a pattern, a filter policy), not more settings. */
function opaque(schemaPath: string): boolean {
  return /(pattern|filterPolicy|legacy|environment)$/.test(schemaPath);
}
