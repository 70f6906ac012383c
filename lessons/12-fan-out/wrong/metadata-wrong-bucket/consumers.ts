// Three independent consumers. Each reads what it needs from the upload itself (never from another
// consumer's output), and each is idempotent: its writes are keyed by the photo's key, so a
// duplicate delivery overwrites the same object / row instead of adding one.
import { getObject, putObject, tablePut, work, type SQSEvent } from 'serverless-lab';

interface Upload {
  bucket: string;
  key: string;
  size: number;
  etag: string;
}

interface Photo {
  camera: string;
  width: number;
  height: number;
}

/** The publisher's message, out of the SNS envelope (raw delivery is off). */
function uploadsIn(event: SQSEvent): Upload[] {
  return event.Records.map((record) => JSON.parse(JSON.parse(record.body).Message) as Upload);
}

async function readPhoto(upload: Upload): Promise<Photo> {
  const body = await getObject(upload.bucket, upload.key);
  if (body === undefined) throw new Error(`no object ${upload.bucket}/${upload.key}`);
  return JSON.parse(body) as Photo;
}

export async function thumbnail(event: SQSEvent): Promise<void> {
  for (const upload of uploadsIn(event)) {
    const photo = await readPhoto(upload);
    work(Math.round((photo.width * photo.height) / 200_000)); // resizing takes time
    const height = Math.round((160 * photo.height) / photo.width);
    await putObject('thumbnails', upload.key.replace(/\.jpg$/, '.thumb.jpg'), JSON.stringify({ from: upload.key, width: 160, height }));
  }
}

export async function metadata(event: SQSEvent): Promise<void> {
  for (const upload of uploadsIn(event)) {
    const { camera, width, height } = await readPhoto({ ...upload, bucket: 'photo-uploads' });
    await putObject('photo-metadata', `${upload.key}.json`, JSON.stringify({ key: upload.key, camera, width, height }));
  }
}

export async function database(event: SQSEvent): Promise<void> {
  for (const upload of uploadsIn(event)) {
    const { camera, width, height } = await readPhoto(upload);
    await tablePut('photos', { key: upload.key, size: upload.size, etag: upload.etag, camera, width, height });
  }
}
