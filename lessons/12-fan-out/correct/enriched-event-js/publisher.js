// The publisher reads the photo once and puts everything the consumers need in the event.
const { publish, getObject } = require('serverless-lab');

exports.handler = async (event) => {
  for (const rec of event.Records) {
    const key = decodeURIComponent(rec.s3.object.key.replace(/\+/g, ' '));
    const photo = JSON.parse(await getObject(rec.s3.bucket.name, key));
    await publish('photo-uploaded', JSON.stringify({ photo: key, ...photo, bytes: rec.s3.object.size }));
  }
};
