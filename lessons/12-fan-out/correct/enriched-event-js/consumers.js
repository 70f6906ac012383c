const { putObject, tablePut } = require('serverless-lab');

const events = (sqs) => sqs.Records.map((r) => JSON.parse(JSON.parse(r.body).Message));
const idOf = (key) => key.match(/(\d+)\.jpg$/)[1];

exports.thumbnail = async (sqs) => {
  for (const e of events(sqs)) await putObject('thumbnails', `thumbs/${idOf(e.photo)}.jpg`, 'thumb of ' + e.photo);
};
exports.metadata = async (sqs) => {
  for (const e of events(sqs)) await putObject('photo-metadata', `meta/${idOf(e.photo)}.json`, JSON.stringify({ camera: e.camera, width: e.width, height: e.height }));
};
exports.database = async (sqs) => {
  for (const e of events(sqs)) await tablePut('photos', { key: idOf(e.photo), camera: e.camera, width: e.width, height: e.height, size: e.bytes });
};
