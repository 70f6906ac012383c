// Billing: a RabbitMQ consumer of the "billing" queue. The broker pushes each delivery; returning
// acks it, throwing rejects it with requeue (the scenario's onError: reject-requeue). The queue is
// a quorum queue with a delivery limit of 3: a message that keeps failing is dead-lettered to
// billing-dlx (→ billing-parked) instead of coming back forever.
//
// Each good order is charged once and gets a ledger entry on the Google Pub/Sub topic
// "customer-ledger". The ordering key keeps one customer's entries in publish order on the ordered
// subscription, even when a delivery fails and is retried.
import { publish, tablePut, type AmqpMessage } from 'serverless-lab';

interface Order {
  orderId: string;
  customer: string;
  amount: unknown;
}

export async function handler(message: AmqpMessage) {
  const order = JSON.parse(message.content) as Order;
  await tablePut('charges', { orderId: order.orderId, customer: order.customer, amount: order.amount });
  if (typeof order.amount !== 'number' || !(order.amount > 0)) {
    throw new Error(`malformed order ${order.orderId}: amount ${JSON.stringify(order.amount)}`);
  }
  await publish('customer-ledger', { orderId: order.orderId, customer: order.customer, amount: order.amount }, { orderingKey: order.customer });
}
