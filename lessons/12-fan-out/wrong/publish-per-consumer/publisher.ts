// "Three consumers, so three messages": one publish per consumer.
import { publish, type S3Event } from 'serverless-lab';

export async function handler(event: S3Event): Promise<void> {
  for (const record of event.Records) {
    const { bucket, object } = record.s3;
    for (const consumer of ['thumbnail', 'metadata', 'database']) {
      await publish('photo-uploaded', { consumer, bucket: bucket.name, key: object.key, size: object.size, etag: object.eTag });
    }
  }
}
