const { getObject, tablePut } = require('serverless-lab');
exports.handler = async (event) => {
  for (const r of event.Records) {
    const { detail } = JSON.parse(r.body);
    const doc = await getObject(detail.claim.bucket, detail.claim.key);
    if (!doc) throw new Error('document not there yet: ' + detail.claim.key);
    const { lines } = JSON.parse(doc);
    await tablePut('invoices', { orderId: detail.id, items: lines.map(({ sku, qty, amount }) => ({ sku, qty, amount })), total: detail.total });
  }
};
