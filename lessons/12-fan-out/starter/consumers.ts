// The three consumers of the fan-out. Each is its own function, with
// its own queue, and runs in parallel with the others: none of them may
// count on another having run first.
//
// Each SQS record's body is the SNS envelope
// ({ "Type": "Notification", "Message": "...", ... }): your publisher's
// message is the string in `Message`. The uploaded photo itself is an
// object in the `uploads` bucket; its body is JSON such as
//   { "camera": "front", "width": 4000, "height": 3000 }
import { getObject, putObject, tablePut, type SQSEvent } from 'serverless-lab';

/**
 * make-thumbnail (thumbnail-jobs): one thumbnail object per photo in
 * the `thumbnails` bucket.
 */
export async function thumbnail(event: SQSEvent): Promise<void> {
  for (const record of event.Records) {
    // TODO: read the upload from the message, `await getObject` the
    //       photo, and `await putObject` a thumbnail (e.g. key
    //       'photos/7.thumb.jpg') into 'thumbnails'. A redelivered
    //       message must not make a second one.
    console.log('thumbnail job', record.messageId);
  }
}

/**
 * extract-metadata (metadata-jobs): one JSON sidecar per photo in the
 * `photo-metadata` bucket.
 */
export async function metadata(event: SQSEvent): Promise<void> {
  for (const record of event.Records) {
    // TODO: `await putObject` { key, camera, width, height } as JSON to
    //       'photo-metadata' (e.g. key 'photos/7.jpg.json').
    console.log('metadata job', record.messageId);
  }
}

/**
 * save-photo (database-jobs): one row per photo in the `photos` table
 * (key attribute: key).
 */
export async function database(event: SQSEvent): Promise<void> {
  for (const record of event.Records) {
    // TODO: await tablePut('photos',
    //       { key, size, etag, camera, width, height }) — the row needs
    //       the photo's metadata.
    console.log('database job', record.messageId);
  }
  void getObject;
  void putObject;
  void tablePut;
}
