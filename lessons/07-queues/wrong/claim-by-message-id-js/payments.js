// Claims by message id ("each message once") in the payments table.
const { send, tablePut } = require('serverless-lab');

class PaymentWorker {
  constructor() {
    this.failures = [];
  }
  decode(body) {
    const c = JSON.parse(body);
    if (c.type !== 'ChargeCard' || !c.orderId) throw new Error('not a ChargeCard');
    return c;
  }
  async claim(c, messageId) {
    try {
      await tablePut('payments', { orderId: messageId, order: c.orderId }, { ifNotExists: true });
      return true;
    } catch (err) {
      if (err.name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
  async handle(record) {
    let c;
    try {
      c = this.decode(record.body);
    } catch {
      this.failures.push({ itemIdentifier: record.messageId });
      return;
    }
    if (await this.claim(c, record.messageId)) await send('card-gateway', { orderId: c.orderId, amount: c.amount });
  }
}

exports.handler = async (event) => {
  const worker = new PaymentWorker();
  for (const record of event.Records) await worker.handle(record);
  return { batchItemFailures: worker.failures };
};
