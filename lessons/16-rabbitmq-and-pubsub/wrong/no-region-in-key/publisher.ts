// Wrong: the routing key leaves out the region. "order.created" is two words; order.*.created needs three.
import { publish } from 'serverless-lab';

export async function handler(order: { region: string; type: string }) {
  await publish('orders', order, { routingKey: `order.${order.type}` });
}
