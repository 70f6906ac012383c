import { getObject, putObject, tablePut, type SQSEvent } from 'serverless-lab';

type Photo = { camera: string; width: number; height: number };

class PhotoJob {
  constructor(readonly key: string) {}
  static fromRecord(body: string): PhotoJob {
    const envelope = JSON.parse(body) as { Message: string };
    return new PhotoJob((JSON.parse(envelope.Message) as { key: string }).key);
  }
  async photo(): Promise<Photo> {
    const text = await getObject('uploads', this.key);
    if (!text) throw new Error(`missing upload ${this.key}`);
    return JSON.parse(text) as Photo;
  }
}

async function each(event: SQSEvent, fn: (job: PhotoJob) => Promise<void>): Promise<void> {
  for (const r of event.Records) await fn(PhotoJob.fromRecord(r.body));
}

export const thumbnail = (e: SQSEvent) => each(e, async (job) => {
  const p = await job.photo();
  await putObject('thumbnails', `thumbnails/${job.key}`, JSON.stringify({ w: 200, h: Math.round((200 * p.height) / p.width) }));
});
export const metadata = (e: SQSEvent) => each(e, async (job) => {
  await putObject('photo-metadata', job.key.replace('.jpg', '.json'), JSON.stringify(await job.photo()));
});
export const database = (e: SQSEvent) => each(e, async (job) => {
  const { camera, width, height } = await job.photo();
  await tablePut('photos', { key: `photo#${job.key}`, camera, width, height });
});
