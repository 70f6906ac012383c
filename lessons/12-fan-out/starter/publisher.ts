// The publisher: the `uploads` bucket invokes it for every new *.jpg
// (an S3 ObjectCreated event). Announce each upload ONCE on the
// `photo-uploaded` topic; the topic copies it to the three consumers'
// queues (thumbnail-jobs, metadata-jobs, database-jobs).
import { publish, type S3Event } from 'serverless-lab';

export async function handler(event: S3Event): Promise<void> {
  for (const record of event.Records) {
    const { bucket, object } = record.s3;
    console.log(`new upload: ${bucket.name}/${object.key} (${object.size} bytes)`);
    // TODO: await publish(...) one message describing this upload
    //       (bucket, key, size, etag) to 'photo-uploaded'.
    void publish;
  }
}
