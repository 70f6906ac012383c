// Consumer 2 of the fan-out: records each photo's metadata, idempotently (a redelivered message
// writes the same item again, keyed by the object key).
import { tablePut } from 'serverless-lab';

export async function handler(event) {
  for (const record of event.Records) {
    const s3 = JSON.parse(record.body).Records[0].s3;
    await tablePut('photo-metadata', { key: s3.object.key, size: s3.object.size, etag: s3.object.eTag });
  }
}
