const { publish } = require('serverless-lab');
const keyOf = (o) => ['order', o.region, o.type].join('.');
exports.handler = async (order) => {
  const { orderId, customer, amount, type } = order; // the warehouse needs the type, billing the rest
  await publish('orders', { orderId, customer, amount, type }, { routingKey: keyOf(order) });
};
