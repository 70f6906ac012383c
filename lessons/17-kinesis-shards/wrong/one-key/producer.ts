// Wrong: one partition key for everything: every click lands in one shard, 1,200 a second.
import { produce } from 'serverless-lab';

export async function handler(event: { clicks: Array<{ sessionId: string }> }) {
  for (const click of event.clicks) await produce('clickstream', click, { key: 'clicks' });
}
