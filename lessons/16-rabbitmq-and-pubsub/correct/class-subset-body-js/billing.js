const { publish, tablePut } = require('serverless-lab');

class Biller {
  validate(order) {
    if (!Number.isFinite(order.amount) || order.amount <= 0) throw new TypeError(`bad amount for ${order.orderId}: ${order.amount}`);
    return order;
  }
  async charge(order) {
    await tablePut('charges', { orderId: order.orderId, customer: order.customer, amount: order.amount, chargedAt: Date.now() });
    await publish('customer-ledger', JSON.stringify({ orderId: order.orderId, customer: order.customer, amount: order.amount }), { orderingKey: `cust:${order.customer}` });
  }
}
const biller = new Biller();
exports.handler = async (message) => biller.charge(biller.validate(JSON.parse(message.content)));
