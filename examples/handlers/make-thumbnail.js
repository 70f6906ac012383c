// Consumer 1 of the fan-out: reads the uploaded photo and stores a (pretend) thumbnail in another
// bucket. Writing to the SAME bucket under a matching suffix would notify the topic again: a loop.
import { getObject, putObject, work } from 'serverless-lab';

export async function handler(event) {
  for (const record of event.Records) {
    const s3 = JSON.parse(record.body).Records[0].s3; // raw delivery: the body is the S3 event itself
    const photo = JSON.parse(await getObject(s3.bucket.name, s3.object.key));
    work(Math.round(photo.bytes / 100000)); // bigger photos take longer
    await putObject('thumbnails', s3.object.key.replace(/\.jpg$/, '.thumb.jpg'), JSON.stringify({ from: s3.object.key, camera: photo.camera }));
  }
}
