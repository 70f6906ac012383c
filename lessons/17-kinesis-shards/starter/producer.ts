// The collector: puts every click on the clickstream Kinesis stream
// (2 shards).
//
// TODO: Kinesis needs a partition key on every record: its MD5 hash
// picks the shard. Choose it so that (1) each session's clicks stay in
// one shard, in order, and (2) the 1,200 clicks a second are spread
// over both shards — a shard takes at most 1,000 records a second.
// await produce(stream, value, { key })
import { produce } from 'serverless-lab';

interface Click {
  clickId: string;
  sessionId: string;
  page: string;
}

export async function handler(event: { batch: number; clicks: Click[] }) {
  for (const click of event.clicks) await produce('clickstream', click);
}
