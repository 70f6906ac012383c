// The thumbnail consumer "helps" by saving the database row too, since it has the photo anyway.
import { getObject, putObject, tablePut, work } from 'serverless-lab';

type Upload = { bucket: string; key: string };
type Photo = { camera: string; width: number; height: number };

function uploadsIn(event: { Records: { body: string }[] }): Upload[] {
  return event.Records.map((r) => JSON.parse(JSON.parse(r.body).Message) as Upload);
}

async function read(u: Upload): Promise<Photo> {
  return JSON.parse((await getObject(u.bucket, u.key)) ?? '{}') as Photo;
}

export async function thumbnail(event: { Records: { body: string }[] }) {
  for (const u of uploadsIn(event)) {
    const photo = await read(u);
    await work(Math.round((photo.width * photo.height) / 200_000));
    await putObject('thumbnails', u.key.replace('.jpg', '-small.jpg'), JSON.stringify({ width: 160 }));
    await tablePut('photos', { key: u.key, ...photo, thumbnail: u.key.replace('.jpg', '-small.jpg') });
  }
}

export async function metadata(event: { Records: { body: string }[] }) {
  for (const u of uploadsIn(event)) await putObject('photo-metadata', `${u.key}.json`, JSON.stringify(await read(u)));
}

export async function database(event: { Records: { body: string }[] }) {
  for (const u of uploadsIn(event)) await tablePut('photos', { key: u.key, ...(await read(u)) });
}
