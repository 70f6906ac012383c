/**
 * The exported project's README.md: build, deploy, try, what it costs (the always-on parts computed
 * for this scenario), delete.
 */
import type { Scenario } from '../engine/scenario';

/** Approximate us-east-1 list prices (USD) used for the always-on figures; the README says so. */
export const PRICES = {
  kinesisShardHour: 0.015,
  kinesisExtendedRetentionShardHour: 0.02,
  dynamoWcuHour: 0.00065,
  dynamoRcuHour: 0.00013,
  /** Provisioned concurrency on arm64, per GB-second kept warm. */
  provisionedGbSecond: 0.0000033334,
};
const HOURS_PER_MONTH = 730;

export interface FixedCost {
  what: string;
  monthlyUsd: number;
}

/** What this stack costs per month even when nobody uses it. */
export function fixedCosts(sc: Scenario): FixedCost[] {
  const out: FixedCost[] = [];
  for (const s of sc.streams) {
    const shards = s.partitions ?? 1;
    const hours = s.retentionHours ?? (s.retentionMs !== undefined ? s.retentionMs / 3_600_000 : 24);
    const perHour = shards * (PRICES.kinesisShardHour + (hours > 24 ? PRICES.kinesisExtendedRetentionShardHour : 0));
    out.push({ what: `Kinesis stream "${s.name}": ${shards} shard${shards === 1 ? '' : 's'}${hours > 24 ? `, ${Math.ceil(hours)} h retention` : ''}`, monthlyUsd: perHour * HOURS_PER_MONTH });
  }
  for (const t of sc.tables) {
    if (t.writeCapacityPerSecond === undefined) continue;
    out.push({ what: `DynamoDB table "${t.name}": ${t.writeCapacityPerSecond} write and 5 read capacity units`, monthlyUsd: (t.writeCapacityPerSecond * PRICES.dynamoWcuHour + 5 * PRICES.dynamoRcuHour) * HOURS_PER_MONTH });
  }
  for (const f of sc.functions) {
    const n = f.provisionedConcurrency ?? 0;
    if (n <= 0) continue;
    const gb = (f.memoryMb ?? 128) / 1024;
    out.push({ what: `function "${f.name}": ${n} provisioned environment${n === 1 ? '' : 's'} of ${f.memoryMb ?? 128} MB`, monthlyUsd: n * gb * PRICES.provisionedGbSecond * HOURS_PER_MONTH * 3600 });
  }
  return out;
}

export function readmeMarkdown(sc: Scenario, label: string, functions: string[]): string {
  const fixed = fixedCosts(sc);
  const total = fixed.reduce((s, c) => s + c.monthlyUsd, 0);
  const usd = (n: number): string => `$${n < 10 ? n.toFixed(2) : n.toFixed(0)}`;
  const lines = [
    `# ${sc.name} on AWS`,
    '',
    `An AWS SAM application exported by \`serverless-lab export\` from ${label}. Your handlers run unchanged on`,
    'Lambda: `import … from \'serverless-lab\'` resolves to `src/serverless-lab/`, which does each call with the',
    'AWS SDK v3 that the Lambda Node.js runtime provides. What the lab had that AWS has not: [LAB-ONLY.md](LAB-ONLY.md).',
    '',
    '## Deploy',
    '',
    'You need an AWS account, the AWS CLI with credentials (`aws configure`), the AWS SAM CLI and Node.js.',
    '',
    '```sh',
    'cd src && npm install && cd ..   # esbuild, which sam build uses',
    'sam build',
    'sam deploy --guided              # asks for a stack name and a region, then creates everything',
    '```',
    '',
    'The stack\'s outputs list the queue URLs, the HTTP API URLs and the function names. Functions:',
    functions.map((f) => `\`${f}\``).join(', ') + (functions.length ? '.' : '(none).'),
    'Invoke one directly with `sam remote invoke <FunctionLogicalId> --event \'{"…": "…"}\'`, and read its logs',
    'with `sam logs --stack-name <stack> --tail`.',
    '',
    '## What it costs',
    '',
    'Requests are billed as they happen and most fall in the AWS free tier at lab scale: Lambda $0.20 per',
    'million requests plus the GB-seconds used, SQS $0.40 per million requests, SNS $0.50 per million',
    'publishes, EventBridge $1.00 per million events, HTTP API $1.00 per million requests, DynamoDB on demand',
    'about $0.63 per million writes, S3 $0.005 per thousand PUTs, CloudWatch Logs $0.50 per GB of logs.',
    '',
  ];
  if (fixed.length) {
    lines.push(`Some parts cost money every hour the stack exists, used or not — about **${usd(total)} a month** here:`, '');
    for (const c of fixed) lines.push(`- ${c.what}: about ${usd(c.monthlyUsd)} a month`);
    lines.push('');
  } else lines.push('Nothing in this stack is billed by the hour: an idle stack costs (almost) nothing.', '');
  lines.push(
    'Figures are approximate us-east-1 list prices; see the AWS pricing pages for your region.',
    '',
    '## Delete it',
    '',
    '```sh',
    'sam delete            # deletes the stack and everything in it',
    '```',
    '',
    ...(sc.buckets.length
      ? ['CloudFormation cannot delete a bucket that still holds objects: empty the buckets first', '(`aws s3 rm s3://<bucket> --recursive`; the names are `slab-<name>-…`).', '']
      : []),
  );
  return lines.join('\n');
}
