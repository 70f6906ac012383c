const { tablePut } = require('serverless-lab');

exports.handler = async function (event, context) {
  const batch = event.Records.reduce((acc, r) => {
    const o = JSON.parse(r.body);
    acc.ids.push(o.orderId);
    acc.sum += o.amount;
    return acc;
  }, { ids: [], sum: 0 });
  await tablePut('order-batches', { batchId: `b-${context.awsRequestId}`, orderIds: batch.ids.join('|'), count: batch.ids.length, sum: batch.sum });
};
