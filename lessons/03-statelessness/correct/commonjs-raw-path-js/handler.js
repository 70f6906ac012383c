// CommonJS, the page from rawPath, a plain-text answer.
const lab = require('serverless-lab');
module.exports.handler = async function handler(event) {
  const page = event.rawPath.slice('/visit/'.length);
  const after = await lab.tableUpdate('visits', page, { add: { count: 1 } });
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: `${page} has ${after.count} visits` };
};
