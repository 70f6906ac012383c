/**
 * AWS's own limits and rules that a scenario the lab accepts may still break. The exporter refuses
 * a scenario with any of these (every one named, with the path of the setting), before it writes a
 * file: CloudFormation would otherwise fail the deployment half-way, or the app would misbehave.
 *
 * The lab's validator (`validateScenario`) already enforces what both share (batch size above 10
 * only with a batching window, `maxConcurrency` 2–1,000, a FIFO queue's dead-letter queue is FIFO,
 * S3 never notifies a FIFO queue, reserved concurrency within the account…); these are the rest.
 */
import type { FunctionSpec, Scenario, ScenarioProblem } from '../engine/scenario';
import { ENVIRONMENT_MAX_BYTES } from '../engine/environmentVariables';
import { RESOURCES_ENV } from './template';

/** Lambda's default function timeout and SQS's default visibility timeout (the lab's defaults too). */
const DEFAULT_TIMEOUT_S = 3;
const DEFAULT_VISIBILITY_S = 30;
/** Kinesis keeps records 24 h to 365 days. */
const KINESIS_MAX_RETENTION_H = 8760;
/** An HTTP API integration times out after at most 30 s. */
const HTTP_API_MAX_TIMEOUT_MS = 30_000;

export function streamRetentionHours(s: Scenario['streams'][number]): number | undefined {
  if (s.retentionHours !== undefined) return s.retentionHours;
  if (s.retentionMs !== undefined) return s.retentionMs / 3_600_000;
  return undefined;
}

export function awsProblems(sc: Scenario): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const add = (path: string, message: string): void => void problems.push({ path, message });
  // The seed's other systems: RabbitMQ and Pub/Sub are not AWS services; Kinesis streams of their own are not exported yet.
  if (sc.rabbitmq !== undefined) add('rabbitmq', 'RabbitMQ is not an AWS service (on AWS it runs as an Amazon MQ broker, which the exporter does not build): model the queues as SQS queues and the exchange as an SNS topic with filter policies to export');
  if (sc.pubsub !== undefined) add('pubsub', 'Google Pub/Sub is not an AWS service: its topics and subscriptions become an SNS topic with one SQS queue per subscription (or a function subscription for a push) to export');
  if (sc.kinesisStreams !== undefined && sc.kinesisStreams.length) add('kinesisStreams', 'the exporter does not build these Kinesis streams yet: declare them under "streams" (exported as Kinesis streams, one shard per partition)');
  // A function serving many requests per instance is exported as a Lambda function (one request per
  // environment; LAB-ONLY.md says so): only its limits must fit Lambda's.
  sc.functions.forEach((f, i) => {
    if (f.instances === undefined) return;
    if (f.timeoutS !== undefined && f.timeoutS > 900) add(`functions[${i}].timeoutS`, `is ${f.timeoutS} s: "${f.name}" is exported as a Lambda function, whose timeout is at most 900 s`);
    if (f.memoryMb !== undefined && f.memoryMb > 10240) add(`functions[${i}].memoryMb`, `is ${f.memoryMb} MB: "${f.name}" is exported as a Lambda function, which has at most 10240 MB`);
  });
  const queue = new Map(sc.queues.map((q, i) => [q.name, { q, i }]));
  const fifo = (name: string | undefined): boolean => name !== undefined && queue.get(name)?.q.fifo === true;
  const topicFifo = new Map(sc.topics.map((t) => [t.name, t.fifo === true]));
  const whole = (path: string, value: number | undefined, what: string): void => {
    if (value !== undefined && !Number.isInteger(value)) add(path, `must be a whole number on AWS (${what} is an integer), got ${value}`);
  };

  sc.queues.forEach((q, i) => {
    const p = `queues[${i}]`;
    whole(`${p}.visibilityTimeoutS`, q.visibilityTimeoutS, 'VisibilityTimeout');
    whole(`${p}.retentionS`, q.retentionS, 'MessageRetentionPeriod');
    whole(`${p}.delayS`, q.delayS, 'DelaySeconds');
    whole(`${p}.receiveWaitS`, q.receiveWaitS, 'ReceiveMessageWaitTimeSeconds');
    if (q.contentBasedDeduplication && !q.fifo) add(`${p}.contentBasedDeduplication`, 'applies to FIFO queues only (SQS refuses ContentBasedDeduplication on a standard queue)');
  });

  sc.topics.forEach((t, i) => {
    (t.subscriptions ?? []).forEach((s, j) => {
      const p = `topics[${i}].subscriptions[${j}]`;
      if (s.function !== undefined && t.fifo) add(`${p}.function`, `an SNS FIFO topic delivers to SQS queues only, not to Lambda ("${t.name}" is FIFO): subscribe a FIFO queue and give the function that queue as its event source`);
      if (s.function !== undefined && s.rawDelivery) add(`${p}.rawDelivery`, 'raw message delivery applies to queue (and HTTP/Firehose) subscriptions only: Lambda always gets the SNS envelope');
      if (s.deadLetterQueue !== undefined && fifo(s.deadLetterQueue) !== (t.fifo === true)) {
        add(`${p}.deadLetterQueue`, `the dead-letter queue of a ${t.fifo ? 'FIFO' : 'standard'} topic's subscription must be a ${t.fifo ? 'FIFO' : 'standard'} queue`);
      }
    });
  });

  sc.streams.forEach((s, i) => {
    const hours = streamRetentionHours(s);
    const field = s.retentionHours !== undefined ? 'retentionHours' : 'retentionMs';
    if (hours !== undefined && hours > KINESIS_MAX_RETENTION_H) add(`streams[${i}].${field}`, `Kinesis keeps records at most ${KINESIS_MAX_RETENTION_H} hours (365 days), got ${hours} hours`);
  });

  sc.buses.forEach((b, i) => {
    (b.rules ?? []).forEach((r, j) => {
      (r.targets ?? []).forEach((t, k) => {
        const p = `buses[${i}].rules[${j}].targets[${k}]`;
        if (t.deadLetterQueue !== undefined && fifo(t.deadLetterQueue)) add(`${p}.deadLetterQueue`, `an EventBridge target's dead-letter queue must be a standard queue ("${t.deadLetterQueue}" is FIFO)`);
        whole(`${p}.maxEventAgeS`, t.maxEventAgeS, 'RetryPolicy.MaximumEventAgeInSeconds');
      });
    });
  });

  sc.functions.forEach((f, i) => functionProblems(f, `functions[${i}]`, add, whole, queue, fifo));

  sc.buckets.forEach((b, i) => {
    (b.notifications ?? []).forEach((n, j) => {
      if (n.topic !== undefined && topicFifo.get(n.topic)) add(`buckets[${i}].notifications[${j}].topic`, `S3 cannot notify a FIFO topic ("${n.topic}")`);
    });
  });

  sc.gateways.forEach((g, i) => {
    if (g.timeoutMs !== undefined && g.timeoutMs > HTTP_API_MAX_TIMEOUT_MS) add(`gateways[${i}].timeoutMs`, `an HTTP API integration times out after at most ${HTTP_API_MAX_TIMEOUT_MS} ms, got ${g.timeoutMs}`);
    (g.routes ?? []).forEach((r, j) => {
      if (r.timeoutMs !== undefined && r.timeoutMs > HTTP_API_MAX_TIMEOUT_MS) add(`gateways[${i}].routes[${j}].timeoutMs`, `an HTTP API integration times out after at most ${HTTP_API_MAX_TIMEOUT_MS} ms, got ${r.timeoutMs}`);
    });
  });
  return problems;
}

/**
 * Lambda's 4 KB limit applies to all of a deployed function's variables: its own and the ones the
 * export adds to every function (`globals`: the stack's names, whose `${…}` CloudFormation fills
 * in). Measured as Lambda does (the JSON text of the set, in bytes) with every `${…}` left empty —
 * a lower bound of the deployed size, so a refusal here is certain to be Lambda's too.
 */
export function exportedEnvironmentProblems(sc: Scenario, globals: Record<string, unknown>): ScenarioProblem[] {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(globals)) {
    const sub = (v as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
    const text = typeof v === 'string' ? v : typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : '';
    base[k] = text.replace(/\$\{[^}!][^}]*\}/g, '');
  }
  const problems: ScenarioProblem[] = [];
  sc.functions.forEach((f, i) => {
    if (!f.environment || !Object.keys(f.environment).length) return;
    const bytes = Buffer.byteLength(JSON.stringify({ ...base, ...f.environment }), 'utf8');
    if (bytes > ENVIRONMENT_MAX_BYTES) {
      const own = Buffer.byteLength(JSON.stringify(f.environment), 'utf8');
      problems.push({ path: `functions[${i}].environment`, message: `is ${own} bytes as JSON, but deployed beside the stack's names the export gives every function (${RESOURCES_ENV}, NODE_OPTIONS) the set is at least ${bytes} bytes, more than Lambda's limit of 4 KB (${ENVIRONMENT_MAX_BYTES} bytes): shorten the variables` });
    }
  });
  return problems;
}

function functionProblems(
  f: FunctionSpec,
  p: string,
  add: (path: string, message: string) => void,
  whole: (path: string, value: number | undefined, what: string) => void,
  queue: Map<string, { q: Scenario['queues'][number]; i: number }>,
  fifo: (name: string | undefined) => boolean,
): void {
  whole(`${p}.timeoutS`, f.timeoutS, 'Timeout');
  // The exported runtime module reads the stack's names from its own variable (template.ts): a function may not replace it.
  for (const key of Object.keys(f.environment ?? {})) {
    if (key === RESOURCES_ENV) add(`${p}.environment.${key}`, `is the exported application's own variable (the stack's queue, table and topic names for the serverless-lab module): name yours differently`);
  }
  whole(`${p}.async.maxEventAgeS`, f.async?.maxEventAgeS, 'MaximumEventAgeInSeconds');
  if (f.async?.onFailure && fifo(f.async.onFailure.queue)) add(`${p}.async.onFailure.queue`, `an asynchronous invocation's on-failure destination must be a standard queue ("${f.async.onFailure.queue}" is FIFO)`);
  if (f.async?.onSuccess && fifo(f.async.onSuccess.queue)) add(`${p}.async.onSuccess.queue`, `an asynchronous invocation's on-success destination must be a standard queue ("${f.async.onSuccess.queue}" is FIFO)`);
  const timeoutS = f.timeoutS ?? DEFAULT_TIMEOUT_S;
  (f.events ?? []).forEach((e, j) => {
    const ep = `${p}.events[${j}]`;
    if ('queue' in e && e.queue !== undefined) {
      const found = queue.get(e.queue);
      if (found) {
        const visibility = found.q.visibilityTimeoutS ?? DEFAULT_VISIBILITY_S;
        if (visibility < timeoutS) {
          add(
            `queues[${found.i}].visibilityTimeoutS`,
            `is ${visibility} s${found.q.visibilityTimeoutS === undefined ? ' (the default)' : ''}, less than the ${timeoutS} s timeout of "${f.name}", which reads this queue: Lambda refuses the event source (AWS advises at least 6 × the timeout)`,
          );
        }
        if (found.q.fifo && e.batchingWindowS !== undefined && e.batchingWindowS > 0) add(`${ep}.batchingWindowS`, `a FIFO queue event source takes no batching window (MaximumBatchingWindowInSeconds), got ${e.batchingWindowS}`);
      }
      whole(`${ep}.batchingWindowS`, e.batchingWindowS, 'MaximumBatchingWindowInSeconds');
    } else if ('stream' in e) {
      if (e.onFailure && fifo(e.onFailure.queue)) add(`${ep}.onFailure.queue`, `a Kinesis event source's on-failure destination must be a standard queue ("${e.onFailure.queue}" is FIFO)`);
    }
  });
}
