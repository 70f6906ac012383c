const { tablePut } = require('serverless-lab');
exports.handler = async (event) => {
  for (const r of event.Records) {
    const { detail } = JSON.parse(r.body);
    await tablePut('shipments', { orderId: detail.id, customer: detail.customer, status: 'scheduled' });
  }
};
