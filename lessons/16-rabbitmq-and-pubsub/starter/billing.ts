// Billing: a RabbitMQ consumer of the "billing" queue. The broker
// pushes each delivery; returning acks it, throwing rejects it with
// requeue (the scenario's onError: reject-requeue). The queue is a
// quorum queue with a delivery limit of 3 and a dead-letter exchange.
//
// TODO 1: some orders are malformed (their amount is not a number). Do
//         not charge them, and do not quietly drop them either: make
//         them end up in billing-parked.
// TODO 2: publish a ledger entry for each charged order to the Pub/Sub
//         topic "customer-ledger" so that each customer's entries reach
//         the ledger in the order they were published, even when a
//         delivery fails. await publish(topic, body, { orderingKey })
import { publish, tablePut, type AmqpMessage } from 'serverless-lab';

interface Order {
  orderId: string;
  customer: string;
  amount: unknown;
}

export async function handler(message: AmqpMessage) {
  const order = JSON.parse(message.content) as Order;
  if (typeof order.amount !== 'number') return; // TODO 1
  await tablePut('charges', { orderId: order.orderId, customer: order.customer, amount: order.amount });
  await publish('customer-ledger', { orderId: order.orderId, customer: order.customer, amount: order.amount });
}
