import { getObject, putObject, tablePut } from 'serverless-lab';
import type { SQSEvent } from 'serverless-lab';

const uploadsOf = (event: SQSEvent) =>
  event.Records.map((r) => {
    const s3 = JSON.parse(JSON.parse(r.body).Message);
    return { bucket: s3.bucket.name as string, key: s3.object.key as string };
  });
const load = async (u: { bucket: string; key: string }) => JSON.parse((await getObject(u.bucket, u.key))!);
const n = (key: string) => key.split('/').pop()!.split('.')[0];

export async function thumbnail(event: SQSEvent) {
  await Promise.all(uploadsOf(event).map(async (u) => { await load(u); await putObject('thumbnails', `small_${n(u.key)}.jpg`, 'jpg'); }));
}
export async function metadata(event: SQSEvent) {
  await Promise.all(uploadsOf(event).map(async (u) => putObject('photo-metadata', `sidecar-${n(u.key)}.json`, JSON.stringify(await load(u)))));
}
export async function database(event: SQSEvent) {
  await Promise.all(uploadsOf(event).map(async (u) => { const p = await load(u); await tablePut('photos', { key: u.key, ...p }); }));
}
