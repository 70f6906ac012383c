import { publish } from 'serverless-lab';
import type { S3Event } from 'serverless-lab';
export async function handler(event: S3Event) {
  for (const { s3 } of event.Records) await publish('photo-uploaded', JSON.stringify(s3));
}
