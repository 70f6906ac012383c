// Wrong: a malformed order is quietly acked (returning acks the delivery), so it is simply gone.
import { publish, tablePut, type AmqpMessage } from 'serverless-lab';

export async function handler(message: AmqpMessage) {
  const order = JSON.parse(message.content) as { orderId: string; customer: string; amount: unknown };
  if (typeof order.amount !== 'number') {
    console.log(`skipping malformed ${order.orderId}`);
    return;
  }
  await tablePut('charges', { orderId: order.orderId, customer: order.customer, amount: order.amount });
  await publish('customer-ledger', { orderId: order.orderId, customer: order.customer, amount: order.amount }, { orderingKey: order.customer });
}
