/**
 * LAB-ONLY.md: what the exported stack does not have. Every lab-only setting of the scenario with
 * its path and value (from settings.ts), then the behaviours that differ between the lab and AWS for
 * the kinds of resources this scenario uses.
 */
import type { Scenario } from '../engine/scenario';
import { labOnlySettings } from './settings';

function cell(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  const short = text.length > 120 ? `${text.slice(0, 117)}…` : text;
  return `\`${short.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

export function labOnlyMarkdown(sc: Scenario, label: string): { text: string; paths: string[] } {
  const settings = labOnlySettings(sc);
  const lines: string[] = [
    '# Lab-only: what this export leaves behind',
    '',
    `Exported from ${label} (scenario "${sc.name}"). These settings shaped the lab's run but have no AWS`,
    'equivalent, so `template.yaml` does not (and cannot) carry them. Nothing else was left out: every',
    'other setting became a property of the stack.',
    '',
  ];
  if (settings.length === 0) lines.push('This scenario has no lab-only settings.', '');
  else {
    lines.push('| Setting | Value | Why it stays in the lab |', '|---|---|---|');
    for (const s of settings) lines.push(`| \`${s.path}\` | ${cell(s.value)} | ${s.why} |`);
    lines.push('');
  }
  lines.push('## What behaves differently on AWS', '');
  const notes: string[] = [
    '`work(ms)` does nothing: an invocation takes the time your code really takes, and `context.getRemainingTimeInMillis()` is Lambda\'s own clock.',
    'Every call (`send`, `tableGet`, …) returns a promise, as in the lab: await it, or Lambda may freeze the environment before the call completes.',
    '`context.coldStart` and `context.environmentId` come from the generated entry (`src/fn-*.mjs`): the environment id is the Lambda log stream\'s name.',
    'Ids differ: message ids, request ids, ETags and sequence numbers are AWS\'s, not the lab\'s counters (`msg-17`), and times are real, not the lab\'s virtual clock.',
    'Events carry the stack\'s physical names (an S3 event names the bucket `slab-<name>-…`, an SQS record the queue\'s ARN): every call accepts them wherever it accepts the lab\'s name.',
    'Errors keep the AWS SDK\'s `name` (`ConditionalCheckFailedException`) and carry the lab\'s `code` (`ConditionalCheckFailed`).',
  ];
  if (sc.queues.length) notes.push('A standard SQS queue delivers at least once and not always in order, at rates you do not choose: keep your handlers idempotent.');
  if (sc.buses.some((b) => (b.rules ?? []).some((r) => r.schedule !== undefined))) {
    notes.push('Scheduled rules run on real time: a `rate(…)` counts from when the stack creates the rule, and each firing comes within its minute (the lab fires at the minute\'s start of its virtual clock, whose calendar starts at 2026-01-01T00:00:00Z).');
  }
  if (sc.streams.length) {
    notes.push(
      'Streams are Kinesis data streams: one shard per partition. Kinesis places a key by the MD5 hash of the partition key, not Kafka\'s murmur2, so a key may land on another partition number than in the lab (each key still stays on one shard, in order). A record produced without a key gets a random partition key. A consumer gets the event the lab gives (`records` by topic-partition, base64, and the decoded `Records`), built from Kinesis\' by the generated entry.',
      'A stream record\'s `offset` is the Kinesis sequence number, a decimal string (too large for a JavaScript number): compare offsets of one partition as strings of equal length or with `BigInt`, never with arithmetic. `produce` answers `{ partition, offset, shardId }`.',
    );
  }
  if (sc.buckets.some((b) => (b.notifications ?? []).length)) notes.push('S3 event notifications carry the object key URL-encoded (a space is `+`, `é` is `%C3%A9`; `/` stays): decode it with `decodeURIComponent(key.replace(/\\+/g, \' \'))` before using it. The lab gives the key as it was written.');
  if (sc.tables.length) notes.push('Tables are DynamoDB tables whose key attribute is a string: a number given as a key is stored (and read back) as its text.');
  if (sc.gateways.some((g) => (g.routes ?? []).some((r) => r.legacy !== undefined))) {
    notes.push('Routes answered by a simulated legacy system (`legacy`) are not exported: on AWS, add an HTTP_PROXY integration to your real system for them (`AWS::ApiGatewayV2::Integration`).');
  }
  if (sc.functions.some((f) => (f.reservedConcurrency ?? 0) > 0 || (f.provisionedConcurrency ?? 0) > 0)) {
    notes.push('Reserved and provisioned concurrency need account concurrency to spare: a new AWS account may have a limit of 10, where the lab assumes 1,000 (Service Quotas → Lambda → Concurrent executions).');
  }
  for (const n of notes) lines.push(`- ${n}`);
  lines.push('');
  return { text: lines.join('\n'), paths: settings.map((s) => s.path) };
}
