const { produce } = require('serverless-lab');
exports.handler = async ({ clicks }) => {
  // one put per click, in the order of the batch (a session's clicks must stay in order)
  for (const c of clicks) await produce('clickstream', { s: c.sessionId, p: c.page, c: c.clickId }, { key: c.sessionId });
};
