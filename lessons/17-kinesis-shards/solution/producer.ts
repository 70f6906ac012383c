// The collector: puts every click on the clickstream Kinesis stream. The partition key picks the
// shard (its MD5 hash falls in one shard's hash-key range), so keying by the session keeps each
// session's clicks in one shard, in order — and 40 sessions spread the load over both shards,
// each of which takes at most 1,000 records a second.
import { produce } from 'serverless-lab';

interface Click {
  clickId: string;
  sessionId: string;
  page: string;
}

export async function handler(event: { batch: number; clicks: Click[] }) {
  for (const click of event.clicks) await produce('clickstream', click, { key: click.sessionId });
}
