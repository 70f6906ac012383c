// RabbitMQ consumer of "billing": the broker pushes each delivery (as amqplib hands it to a consumer:
// fields, properties, content); returning acks it, throwing rejects it (onError: reject-requeue),
// which a quorum queue counts against its delivery limit.
import { publish } from 'serverless-lab';

export async function handler(message) {
  const order = JSON.parse(message.content);
  // Pub/Sub: the ordering key keeps one customer's billed orders in order for an ordered subscription.
  await publish('billed-orders', { orderId: order.orderId, customer: order.customer, amount: order.amount }, {
    orderingKey: order.customer,
    attributes: { size: order.amount >= 500 ? 'large' : 'small' },
  });
}
