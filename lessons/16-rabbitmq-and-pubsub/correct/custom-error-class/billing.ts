import { publish, tablePut, type AmqpMessage } from 'serverless-lab';

class MalformedOrder extends Error {}

type Order = { orderId: string; customer: string; amount: unknown };

function parse(message: AmqpMessage): Order & { amount: number } {
  const o = JSON.parse(message.content) as Order;
  if (typeof o.amount !== 'number' || Number.isNaN(o.amount)) throw new MalformedOrder(`order ${o.orderId} has amount ${String(o.amount)}`);
  return o as Order & { amount: number };
}

export const handler = async (message: AmqpMessage) => {
  const order = parse(message); // throwing rejects it; the quorum queue parks it after 3 deliveries
  await tablePut('charges', { orderId: order.orderId, customer: order.customer, amount: order.amount });
  await publish('customer-ledger', { ...order, currency: 'EUR' }, { orderingKey: order.customer });
};
