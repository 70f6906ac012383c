// JavaScript, with short output names: thumbs/7.jpg and meta/7.json name photo 7 without its prefix.
import { getObject, putObject, tablePut, work } from 'serverless-lab';

const uploadsIn = (event) => event.Records.map((r) => JSON.parse(JSON.parse(r.body).Message));
const photoOf = async (u) => JSON.parse(await getObject(u.bucket, u.key));
const number = (key) => key.match(/(\d+)\.jpg$/)[1];

export async function thumbnail(event) {
  for (const u of uploadsIn(event)) {
    const p = await photoOf(u);
    await work(Math.round((p.width * p.height) / 200000));
    await putObject('thumbnails', `thumbs/${number(u.key)}.jpg`, JSON.stringify({ width: 160, height: Math.round((160 * p.height) / p.width) }));
  }
}

export async function metadata(event) {
  for (const u of uploadsIn(event)) {
    const { camera, width, height } = await photoOf(u);
    await putObject('photo-metadata', `meta/${number(u.key)}.json`, JSON.stringify({ camera, width, height }));
  }
}

export async function database(event) {
  for (const u of uploadsIn(event)) {
    const { camera, width, height } = await photoOf(u);
    await tablePut('photos', { key: u.key, camera, width, height });
  }
}
