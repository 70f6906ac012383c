// One publish per upload: the topic, not the publisher, makes the copies for each subscriber.
import { publish, type S3Event } from 'serverless-lab';

export async function handler(event: S3Event): Promise<void> {
  for (const record of event.Records) {
    const { bucket, object } = record.s3;
    void publish('photo-uploaded', { bucket: bucket.name, key: object.key, size: object.size, etag: object.eTag });
  }
}
