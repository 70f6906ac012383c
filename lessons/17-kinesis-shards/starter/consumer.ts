// The sessionizer: Lambda's Kinesis event source hands it batches of
// one shard's records, up to 3 batches of a shard at once
// (parallelization factor 3).
//
// TODO: keep each session's path: the pages it visited, in the order of
// its clicks, in the sessions table as { sessionId, pages: [...] }.
// record.kinesis.data is base64, as AWS sends it: decode it with
// Buffer.from(data, 'base64').toString() to get what the collector put.
import { tablePut, type KinesisStreamEvent } from 'serverless-lab';

export async function handler(event: KinesisStreamEvent) {
  for (const record of event.Records) {
    const click = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString()) as { sessionId: string; page: string };
    await tablePut('sessions', { sessionId: click.sessionId, pages: [click.page] });
  }
}
