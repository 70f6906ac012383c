// JavaScript, both messages at once with Promise.all; the detail is the parsed body itself.
const { putEvents, send } = require('serverless-lab');

exports.handler = async function (event) {
  const order = JSON.parse(event.body);
  await Promise.all([
    send('payments', { orderId: order.orderId, amount: order.amount, type: 'ChargeCard' }),
    putEvents('shop-events', [{ detailType: 'OrderPlaced', source: 'shop.orders', detail: order }]),
  ]);
  return { statusCode: 202 };
};
