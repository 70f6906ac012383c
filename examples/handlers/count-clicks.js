// Kinesis event source: a batch of one shard's records (up to two batches per shard at once, each
// keeping its partition keys in order). kinesis.data is base64; kinesis.text is it decoded (the lab's).
// One row per batch, keyed by its first record's eventID (shard:sequence number): a retried batch
// writes the same row again, so a retry never counts a click twice.
import { tablePut } from 'serverless-lab';

export async function handler(event) {
  const views = {};
  for (const record of event.Records) {
    const { page } = JSON.parse(record.kinesis.text);
    views[page] = (views[page] ?? 0) + 1;
  }
  await tablePut('click-batches', { batch: event.Records[0].eventID, records: event.Records.length, views });
}
