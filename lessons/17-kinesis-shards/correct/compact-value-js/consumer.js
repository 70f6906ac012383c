const { tableGet, tablePut } = require('serverless-lab');
exports.handler = async (event) => {
  for (const r of event.Records) {
    const { s, p } = JSON.parse(r.kinesis.text);
    const row = (await tableGet('sessions', s)) || { sessionId: s, pages: [] };
    await tablePut('sessions', { ...row, pages: [...row.pages, p] });
  }
};
