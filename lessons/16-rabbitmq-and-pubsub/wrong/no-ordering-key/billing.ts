// Wrong: no ordering key, so the ordered subscription has nothing to keep in order.
import { publish, tablePut, type AmqpMessage } from 'serverless-lab';

export async function handler(message: AmqpMessage) {
  const order = JSON.parse(message.content) as { orderId: string; customer: string; amount: unknown };
  if (typeof order.amount !== 'number') throw new Error(`malformed order ${order.orderId}`);
  await tablePut('charges', { orderId: order.orderId, customer: order.customer, amount: order.amount });
  await publish('customer-ledger', { orderId: order.orderId, customer: order.customer, amount: order.amount });
}
