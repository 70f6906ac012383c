// "Saves" messages: only new orders are interesting downstream, so only they are published.
import { publish } from 'serverless-lab';

type OrderEvent = { orderId: string; eventType: string; amount: number; country: string };

export async function handler(event: OrderEvent) {
  if (event.eventType !== 'OrderPlaced') return;
  await publish('order-events', event, { attributes: { eventType: event.eventType, amount: event.amount } });
}
