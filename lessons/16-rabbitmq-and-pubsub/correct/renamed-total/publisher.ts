import { publish } from 'serverless-lab';
type In = { orderId: string; region: string; type: string; customer: string; amount: unknown };
export async function handler(o: In) {
  const event = { id: o.orderId, orderId: o.orderId, type: o.type, buyer: o.customer, total: o.amount };
  await publish('orders', event, { routingKey: `order.${o.region}.${o.type}` });
}
