// save-photo takes the metadata from extract-metadata's sidecar, and throws until it is there
// (the queue brings the message back): it works in the end, but it waits on another consumer.
import { getObject, putObject, tablePut, work } from 'serverless-lab';

type Upload = { bucket: string; key: string };
type Event = { Records: { body: string }[] };

const uploadsIn = (event: Event): Upload[] => event.Records.map((r) => JSON.parse(JSON.parse(r.body).Message) as Upload);

export async function thumbnail(event: Event) {
  for (const u of uploadsIn(event)) {
    const photo = JSON.parse((await getObject(u.bucket, u.key))!) as { width: number; height: number };
    await work(Math.round((photo.width * photo.height) / 200_000));
    await putObject('thumbnails', u.key.replace(/\.jpg$/, '.thumb.jpg'), '{}');
  }
}

export async function metadata(event: Event) {
  for (const u of uploadsIn(event)) await putObject('photo-metadata', `${u.key}.json`, (await getObject(u.bucket, u.key))!);
}

export async function database(event: Event) {
  for (const u of uploadsIn(event)) {
    const sidecar = await getObject('photo-metadata', `${u.key}.json`);
    if (sidecar === undefined) throw new Error(`no metadata for ${u.key} yet`);
    await tablePut('photos', { key: u.key, ...JSON.parse(sidecar) });
  }
}
