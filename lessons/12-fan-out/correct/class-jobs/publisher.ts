import { publish, type S3Event } from 'serverless-lab';
export const handler = async (event: S3Event) => {
  await Promise.all(event.Records.map((r) => publish('photo-uploaded', { key: r.s3.object.key })));
};
