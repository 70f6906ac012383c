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

function readPhoto(upload: Upload): Photo {
  const body = getObject(upload.bucket, upload.key);
  if (body === undefined) throw new Error(`no object ${upload.bucket}/${upload.key}`);
  return JSON.parse(body) as Photo;
}

export function thumbnail(event: SQSEvent): void {
  for (const upload of uploadsIn(event)) {
    const photo = readPhoto(upload);
    work(Math.round((photo.width * photo.height) / 200_000)); // resizing takes time
    const height = Math.round((160 * photo.height) / photo.width);
    putObject('thumbnails', upload.key.replace(/\.jpg$/, '.thumb.jpg'), JSON.stringify({ from: upload.key, width: 160, height }));
  }
}

export function metadata(event: SQSEvent): void {
  for (const upload of uploadsIn(event)) {
    const { camera, width, height } = readPhoto(upload);
    putObject('photo-metadata', `${upload.key}.json`, JSON.stringify({ key: upload.key, camera, width, height }));
  }
}

// Reuse the metadata the extract-metadata consumer already wrote, instead of reading the photo again.
export function database(event: SQSEvent): void {
  for (const upload of uploadsIn(event)) {
    const sidecar = getObject('photo-metadata', `${upload.key}.json`);
    const meta = sidecar ? (JSON.parse(sidecar) as Partial<Photo>) : {};
    tablePut('photos', { key: upload.key, size: upload.size, etag: upload.etag, camera: meta.camera, width: meta.width, height: meta.height });
  }
}
