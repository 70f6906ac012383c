// JavaScript publisher: the body as a JSON string, the routing fields as attributes.
import { publish } from 'serverless-lab';

export const handler = async (order) => {
  await publish('order-events', JSON.stringify(order), { attributes: { eventType: String(order.eventType), amount: Number(order.amount) } });
};
